/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_points.c - the grid of a sweep: every trace times every combination
 * of the --vary values (the first --vary varies slowest, the last fastest).
 * plan() builds and validates every point's configuration in-process and
 * gives each its identity (trace path and whole effective configuration,
 * the config.* columns of its row), which --resume and merge compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmusim/io/report.h"
#include "sweep.h"

/* ------------------------------------------------------------------ */
/* the grid                                                            */

/* The value indices of point i's combination (the last --vary fastest). */
void point_combo(const sweep *s, size_t i, size_t *vi)
{
    size_t c = i % s->combos;
    for (size_t k = s->n_vary; k-- > 0;) {
        vi[k] = c % s->vary[k].n;
        c /= s->vary[k].n;
    }
}

/* "TRACE key=value key=value": how a point is named in messages. */
void point_name(const sweep *s, size_t i, char *buf, size_t len)
{
    size_t vi[MAX_VARY];
    point_combo(s, i, vi);
    size_t used = (size_t)snprintf(buf, len, "%s", s->traces[s->pts[i].trace]);
    for (size_t k = 0; k < s->n_vary && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, " %s=%s", s->vary[k].key, s->vary[k].vals[vi[k]]);
}

typedef struct cfg_item {
    char *name;
    char *value;
} cfg_item;

typedef struct cfg_items {
    cfg_item *it;
    size_t n, cap;
    char section[256];
} cfg_items;

static void collect_visit(void *ctx, const char *section, const char *key, const char *value,
                          const char *desc)
{
    (void)desc;
    cfg_items *c = ctx;
    if (!key)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 128;
        c->it = xrealloc(c->it, c->cap * sizeof *c->it);
    }
    size_t n = strlen(section) + strlen(key) + 16;
    char *name = xmalloc(n);
    snprintf(name, n, "config.%s.%s", section, key);
    c->it[c->n].name = name;
    /* as the CSV row shows it: sizes in bytes */
    char v[64];
    if (strlen(value) < sizeof v) {
        mmusim_csv_config_value(name, value, v, sizeof v);
        c->it[c->n].value = xstrdup(v);
    } else {
        c->it[c->n].value = xstrdup(value);
    }
    c->n++;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const cfg_item *)a)->name, ((const cfg_item *)b)->name);
}

/*
 * The identity of a point: a hash over its trace path and every
 * configuration key with its value as the CSV row will show it (the
 * config.* columns are the configuration's own text, as mmu_config_foreach
 * gives it), keys sorted by name.  *shape gets a hash of the key names.
 */
static uint64_t point_identity(const char *trace, const mmu_config *cfg, uint64_t *shape)
{
    cfg_items c = {0};
    mmu_config_foreach(cfg, collect_visit, &c);
    qsort(c.it, c.n, sizeof *c.it, cmp_item);
    uint64_t h = fnv_str(FNV_INIT, trace), sh = FNV_INIT;
    for (size_t i = 0; i < c.n; i++) {
        h = fnv(h, "\x1f", 1);
        h = fnv_str(h, c.it[i].name);
        h = fnv(h, "=", 1);
        h = fnv_str(h, c.it[i].value);
        sh = fnv(sh, "\x1f", 1);
        sh = fnv_str(sh, c.it[i].name);
        free(c.it[i].name);
        free(c.it[i].value);
    }
    free(c.it);
    *shape = sh;
    return h;
}

/*
 * What of a configuration decides which result columns a run reports beyond
 * its configuration keys (report.c): the walker mode; in radix mode the
 * page-table format (its levels), the PWC levels that have entries and
 * whether the OS model is on.  Written as text, equal for points whose rows
 * can share a CSV file.
 */
static void result_shape(const mmu_config *c, char *buf, size_t len)
{
    if (c->walker.mode != MMU_WALKER_RADIX) {
        snprintf(buf, len, "walker.mode=fixed");
        return;
    }
    const mmu_pt_format *fmt = mmu_pt_format_find(c->walker.format);
    size_t used = (size_t)snprintf(buf, len, "walker.mode=radix walker.format=%s (%u levels), PWC levels with entries:",
                                   c->walker.format, fmt ? fmt->levels : 0u);
    int any = 0;
    for (unsigned l = 1; fmt && l < fmt->levels && used < len; l++)
        if (c->pwc.level[l].entries) {
            used += (size_t)snprintf(buf + used, len - used, " pwc.l%u", l);
            any = 1;
        }
    if (used < len)
        snprintf(buf + used, len - used, "%s, os.enabled=%s", any ? "" : " none", c->os_enabled ? "on" : "off");
}

/* The first --vary whose value differs between points a and b (-1 if none). */
static int differing_axis(const sweep *s, size_t a, size_t b)
{
    size_t va[MAX_VARY], vb[MAX_VARY];
    point_combo(s, a, va);
    point_combo(s, b, vb);
    for (size_t k = 0; k < s->n_vary; k++)
        if (va[k] != vb[k])
            return (int)k;
    return -1;
}

int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const point *sort_points; /* qsort has no context argument */
static int cmp_point_id(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint64_t ix = sort_points[x].id, iy = sort_points[y].id;
    if (ix != iy)
        return ix < iy ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Build and check every point; returns 0, or an exit status with a message printed. */
int plan(sweep *s, uint64_t *shape_out)
{
    size_t combos = 1;
    for (size_t k = 0; k < s->n_vary; k++) {
        if (combos > MAX_POINTS / s->vary[k].n) {
            fprintf(stderr, "mmusim sweep: more than %u points\n", MAX_POINTS);
            return EXIT_USAGE;
        }
        combos *= s->vary[k].n;
    }
    if (combos > MAX_POINTS / s->n_traces) {
        fprintf(stderr, "mmusim sweep: more than %u points\n", MAX_POINTS);
        return EXIT_USAGE;
    }
    s->combos = combos;
    s->n_points = combos * s->n_traces;
    s->pts = xmalloc(s->n_points * sizeof *s->pts);
    /* A key that does not exist, or a value that does not parse or is out of
       the key's range, is an error of the command line (not an invalid point):
       checked on the base configuration first, for a clear message.  After a
       --vary of tlb.arrays, later keys may name arrays the base does not have:
       those are checked point by point below. */
    for (size_t k = 0; k < s->n_vary; k++) {
        if (strcmp(s->vary[k].key, "tlb.arrays") == 0)
            break;
        for (size_t j = 0; j < s->vary[k].n; j++) {
            mmu_config c = s->base_cfg;
            char msg[512];
            mmu_err e = mmu_config_set(&c, s->vary[k].key, s->vary[k].vals[j], msg, sizeof msg);
            if (e == MMU_EUNKNOWN) {
                fprintf(stderr, "mmusim sweep: --vary %s: %s\n", s->vary[k].key, msg);
                return EXIT_USAGE;
            }
            if (e != MMU_OK) {
                fprintf(stderr, "mmusim sweep: --vary %s=%s: %s\n", s->vary[k].key, s->vary[k].vals[j], msg);
                return EXIT_USAGE;
            }
        }
    }
    int have_shape = 0;
    uint64_t shape0 = 0;
    size_t valid = 0, first_valid = 0;
    char rshape0[512] = "", tlbs0[512] = "";
    for (size_t i = 0; i < s->n_points; i++) {
        point *p = &s->pts[i];
        p->trace = (uint32_t)(i / combos);
        p->state = P_TODO;
        p->id = 0; /* set for a valid configuration */
        if (s->shard_n && i % s->shard_n != s->shard_k - 1)
            p->state = P_OTHER_SHARD;
        size_t vi[MAX_VARY];
        point_combo(s, i, vi);
        mmu_config c = s->base_cfg;
        char msg[512];
        for (size_t k = 0; k < s->n_vary; k++)
            if (mmu_config_set(&c, s->vary[k].key, s->vary[k].vals[vi[k]], msg, sizeof msg) != MMU_OK) {
                fprintf(stderr, "mmusim sweep: --vary %s=%s: %s\n", s->vary[k].key, s->vary[k].vals[vi[k]], msg);
                return EXIT_USAGE;
            }
        if (mmu_config_validate(&c, msg, sizeof msg) != MMU_OK) {
            if (p->state != P_OTHER_SHARD) {
                char name[2048];
                point_name(s, i, name, sizeof name);
                fprintf(stderr, "mmusim sweep: point %zu (%s): invalid configuration: %s; %s\n", i + 1, name,
                        msg, s->strict ? "refused (--strict)" : "skipped");
            }
            if (p->state != P_OTHER_SHARD)
                p->state = P_INVALID;
            continue;
        }
        uint64_t shape;
        p->id = point_identity(s->traces[p->trace], &c, &shape);
        char rshape[512], tlbs[512] = "";
        result_shape(&c, rshape, sizeof rshape);
        for (uint32_t j = 0; j < c.n_tlbs; j++) {
            size_t used = strlen(tlbs);
            snprintf(tlbs + used, sizeof tlbs - used, "%s%s", used ? " " : "", c.tlb[j].name);
        }
        if (!have_shape) {
            shape0 = shape;
            have_shape = 1;
            first_valid = i;
            snprintf(rshape0, sizeof rshape0, "%s", rshape);
            snprintf(tlbs0, sizeof tlbs0, "%s", tlbs);
        } else if (shape != shape0 || strcmp(rshape, rshape0) != 0) {
            /* one CSV file holds one set of columns: say which differ and what to do */
            char name[2048], name0[2048];
            point_name(s, i, name, sizeof name);
            point_name(s, first_valid, name0, sizeof name0);
            int k = differing_axis(s, first_valid, i);
            fprintf(stderr, "mmusim sweep: point %zu (%s) and point %zu (%s) report different CSV columns, "
                            "which one file cannot hold:\n",
                    i + 1, name, first_valid + 1, name0);
            if (shape != shape0)
                fprintf(stderr, "  their TLB arrays differ ('%s' and '%s'), and so do their tlb.NAME.* columns\n",
                        tlbs, tlbs0);
            else
                fprintf(stderr, "  %s\n  %s\n  (radix runs add walker.format, walker.pwc.*, walker.ptemem.* and "
                                "os.* columns, the PWC levels and the OS model theirs)\n",
                        rshape, rshape0);
            fprintf(stderr, "  run one sweep per value of %s%s, each with its own --out file (--set %s=VALUE "
                            "--out FILE-VALUE.csv); --json DIR keeps every point's JSON, which `mmusim report` "
                            "reads whatever its columns\n",
                    k >= 0 ? "--vary " : "the differing key", k >= 0 ? s->vary[k].key : "",
                    k >= 0 ? s->vary[k].key : "KEY");
            return EXIT_USAGE;
        }
        valid++;
    }
    if (valid == 0) {
        fprintf(stderr, "mmusim sweep: no point of the grid is a valid configuration\n");
        return EXIT_USAGE;
    }
    /* the same configuration twice (1M and 1024K, say): an error of the command line */
    size_t *order = xmalloc(s->n_points * sizeof *order);
    size_t n_ord = 0;
    for (size_t i = 0; i < s->n_points; i++)
        if (s->pts[i].id)
            order[n_ord++] = i;
    sort_points = s->pts;
    qsort(order, n_ord, sizeof *order, cmp_point_id);
    for (size_t j = 1; j < n_ord; j++) {
        size_t a = order[j - 1], b = order[j];
        if (s->pts[a].id != s->pts[b].id)
            continue;
        int k = differing_axis(s, a, b);
        size_t va[MAX_VARY], vb[MAX_VARY];
        point_combo(s, a, va);
        point_combo(s, b, vb);
        if (k >= 0)
            fprintf(stderr, "mmusim sweep: --vary %s: '%s' and '%s' are the same value (points %zu and %zu "
                            "would be the same configuration); give it once\n",
                    s->vary[k].key, s->vary[k].vals[va[k]], s->vary[k].vals[vb[k]], a + 1, b + 1);
        else
            fprintf(stderr, "mmusim sweep: points %zu and %zu are the same configuration\n", a + 1, b + 1);
        free(order);
        return EXIT_USAGE;
    }
    free(order);
    *shape_out = shape0;
    return 0;
}

/* Point i's configuration (plan() checked that it builds). */
void point_config(const sweep *s, size_t i, mmu_config *cfg)
{
    size_t vi[MAX_VARY];
    point_combo(s, i, vi);
    *cfg = s->base_cfg;
    char msg[512];
    for (size_t k = 0; k < s->n_vary; k++)
        if (mmu_config_set(cfg, s->vary[k].key, s->vary[k].vals[vi[k]], msg, sizeof msg) != MMU_OK)
            break;
}
