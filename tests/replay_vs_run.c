/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay_vs_run.c - what an integrator gets from the library is what
 * `mmusim run` prints: shipped traces through mmusim_replay (public headers
 * only: config files and presets, mmusim_mmu_create, mmusim_replay,
 * mmusim_report_text / _json) and through the program, summaries and JSON
 * compared byte for byte.
 *
 *   replay_vs_run MMUSIM SRC TMPDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/io/config_file.h"
#include "mmusim/io/replay.h"
#include "mmusim/io/report.h"

typedef struct run_case {
    const char *name;
    const char *preset;          /* or NULL */
    const char *sets[4];         /* --set assignments */
    const char *traces[3];       /* under SRC/traces */
    uint64_t warmup, timeline;
} run_case;

static const run_case cases[] = {
    {"mawk-default", NULL, {NULL}, {"mawk.lackey.zst"}, 0, 0},
    {"sort-a76-warmup", "cortex_a76", {"os.phys_mem=512K"}, {"sort.lackey.zst"}, 100000, 0},
    {"fixed-interval", NULL, {"walker.mode=fixed", "core.issue_interval=3", "core.max_outstanding=2"},
     {"gzip.lackey.zst"}, 0, 50000},
    {"two-traces", "zen2", {NULL}, {"xz.lackey.zst", "mawk.lackey.zst"}, 1000, 100000},
};

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
        }
    }
    *len = n;
    return buf;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = slurp(f, len);
    fclose(f);
    return s;
}

/* The library's side: returns 0 and the summary in *text, or -1. */
static int replay_side(const run_case *c, const char *src, const char *json, char **text, size_t *len)
{
    char err[1024], path[4096];
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    if (c->preset && (mmusim_preset_path(c->preset, path, sizeof path, err, sizeof err) != 0 ||
                      mmusim_config_load(&cfg, path, err, sizeof err) != 0)) {
        fprintf(stderr, "%s: %s\n", c->name, err);
        return -1;
    }
    for (int i = 0; i < 4 && c->sets[i]; i++)
        if (mmusim_config_override(&cfg, c->sets[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s\n", c->name, err);
            return -1;
        }
    if (mmu_config_validate(&cfg, err, sizeof err) != MMU_OK) {
        fprintf(stderr, "%s: %s\n", c->name, err);
        return -1;
    }
    mmu *m;
    mmu_os *os;
    if (mmusim_mmu_create(&cfg, &m, &os, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", c->name, err);
        return -1;
    }
    char paths[3][4096];
    const char *traces[3];
    size_t n = 0;
    for (; n < 3 && c->traces[n]; n++) {
        snprintf(paths[n], sizeof paths[n], "%s/traces/%s", src, c->traces[n]);
        traces[n] = paths[n];
    }
    mmusim_replay_opts o;
    memset(&o, 0, sizeof o);
    o.warmup = c->warmup;
    o.timeline = c->timeline;
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    info.preset = c->preset;
    int rc = n == 1 ? mmusim_replay(m, traces[0], &o, &info, err, sizeof err)
                    : mmusim_replay_traces(m, traces, n, &o, &info, err, sizeof err);
    if (rc == 0 && mmusim_report_json(json, m, &info, err, sizeof err) != 0)
        rc = -1;
    if (rc == 0) {
        FILE *f = tmpfile();
        if (!f)
            rc = -1;
        else {
            mmusim_report_text(f, m, &info);
            rewind(f);
            *text = slurp(f, len);
            fclose(f);
            rc = *text ? 0 : -1;
        }
    }
    if (rc != 0)
        fprintf(stderr, "%s: mmusim_replay: %s\n", c->name, err);
    mmusim_run_info_release(&info);
    mmu_destroy(m);
    mmu_os_destroy(os);
    return rc;
}

/* The program's side: `mmusim run`'s standard output in *text. */
static int run_side(const run_case *c, const char *mmusim, const char *src, const char *json, char **text,
                    size_t *len)
{
    char cmd[16384];
    int k = snprintf(cmd, sizeof cmd, "'%s' run --no-progress --json '%s'", mmusim, json);
    for (int i = 0; i < 3 && c->traces[i]; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " '%s/traces/%s'", src, c->traces[i]);
    if (c->preset)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " --preset %s", c->preset);
    for (int i = 0; i < 4 && c->sets[i]; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " --set %s", c->sets[i]);
    if (c->warmup)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " --warmup %llu", (unsigned long long)c->warmup);
    if (c->timeline)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " --timeline %llu", (unsigned long long)c->timeline);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    *text = slurp(p, len);
    int st = pclose(p);
    if (st != 0 || !*text) {
        fprintf(stderr, "%s: '%s' failed (%d)\n", c->name, cmd, st);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: replay_vs_run MMUSIM SRC TMPDIR\n");
        return 2;
    }
    int fails = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const run_case *c = &cases[i];
        char jl[4096], jr[4096];
        snprintf(jl, sizeof jl, "%s/%s.replay.json", argv[3], c->name);
        snprintf(jr, sizeof jr, "%s/%s.run.json", argv[3], c->name);
        char *a = NULL, *b = NULL, *ja = NULL, *jb = NULL;
        size_t na = 0, nb = 0, nja = 0, njb = 0;
        int bad = replay_side(c, argv[2], jl, &a, &na) != 0 || run_side(c, argv[1], argv[2], jr, &b, &nb) != 0;
        if (!bad && (na != nb || memcmp(a, b, na) != 0)) {
            fprintf(stderr, "FAIL: %s: the summaries differ\n--- mmusim_replay:\n%.*s--- mmusim run:\n%.*s", c->name,
                    (int)na, a, (int)nb, b);
            bad = 1;
        }
        if (!bad) {
            ja = read_file(jl, &nja);
            jb = read_file(jr, &njb);
            if (!ja || !jb || nja != njb || memcmp(ja, jb, nja) != 0) {
                fprintf(stderr, "FAIL: %s: the JSON documents %s and %s differ\n", c->name, jl, jr);
                bad = 1;
            }
        }
        if (!bad)
            printf("ok: %s (%zu bytes of summary, %zu of JSON)\n", c->name, na, nja);
        fails += bad;
        free(a);
        free(b);
        free(ja);
        free(jb);
    }
    printf("%d of %zu cases differ\n", fails, sizeof cases / sizeof cases[0]);
    return fails ? 1 : 0;
}
