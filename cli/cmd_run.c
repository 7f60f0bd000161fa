/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_run.c - "mmusim run" and "mmusim config": build the configuration
 * from files and overrides, run traces through one MMU, report.  The run
 * itself is mmusim_replay (io/replay.c), which an integrator calls the same
 * way; this file maps options onto it and writes the outputs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "cli.h"
#include "mmusim/mmusim.h"
#include "mmusim/io/replay.h"
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"

#define MAX_TRACES 64

typedef struct run_opts {
    mmu_config cfg;
    const char *traces[MAX_TRACES];
    int n_traces;
    const char *json;
    const char *csv;
    const char *per_access;
    const char *preset;
    mmusim_format format;
    uint64_t warmup;
    uint64_t timeline;
    int stop_on_fault;
    int check;
    int n_prefault, n_map;
    struct {
        uint16_t asid;
        uint64_t addr, bytes;
        uint32_t prot; /* --map only */
    } prefault[16], map[16];
    int quiet;
    int dump;
    int progress;
} run_opts;

/* One unsigned number in base 10 or 16 at s: digits only (no sign, no
 * space), and no wrap-around: a value above UINT64_MAX is an error, never
 * clamped.  Returns the end of the digits, or NULL. */
static const char *scan_u64(const char *s, int base, unsigned long long *out)
{
    if (!isxdigit((unsigned char)*s) || (base == 10 && !isdigit((unsigned char)*s)))
        return NULL;
    char *end;
    errno = 0;
    *out = strtoull(s, &end, base);
    return errno == ERANGE ? NULL : end;
}

static int parse_u64_arg(const char *opt, const char *v, uint64_t *out)
{
    if (!v || !*v || *v == '-') {
        fprintf(stderr, "mmusim: %s needs a non-negative integer\n", opt);
        return -1;
    }
    unsigned long long x;
    const char *end = scan_u64(v, 10, &x);
    if (!end || *end) {
        fprintf(stderr, "mmusim: %s: '%s' is not %s\n", opt, v,
                end || !isdigit((unsigned char)*v) ? "a non-negative integer"
                                                    : "an integer below 2^64");
        return -1;
    }
    *out = x;
    return 0;
}

/* "ASID:HEXADDR:BYTES" then, if prot is not NULL, ":PROT" (up to protlen-1
 * letters, copied).  Returns 0, or -1 if anything is malformed or too large. */
static int parse_region(const char *v, unsigned long long *asid, unsigned long long *addr,
                        unsigned long long *bytes, char *prot, size_t protlen)
{
    const char *s = scan_u64(v, 10, asid);
    if (!s || *s != ':' || *asid > 65535 || !(s = scan_u64(s + 1, 16, addr)) || *s != ':' ||
        !(s = scan_u64(s + 1, 10, bytes)))
        return -1;
    if (!prot)
        return *s ? -1 : 0;
    size_t n = strlen(s);
    if (*s != ':' || n < 2 || n - 1 >= protlen)
        return -1;
    memcpy(prot, s + 1, n);
    return 0;
}

static const char run_usage[] =
    "usage: mmusim run TRACE... [options]\n"
    "  --preset NAME       start from a preset of a real CPU (mmusim presets)\n"
    "  --config FILE       an INI configuration file (docs/configuration.md)\n"
    "  --set SEC.KEY=VAL   override one value (applied in order)\n"
    "  --format F          auto (default), text, lackey, binary, din, champsim\n"
    "  --json FILE         results as JSON ('-': standard output; docs/json-schema.md)\n"
    "  --csv FILE          append one CSV row of results\n"
    "  --per-access FILE   a CSV line per translation\n"
    "  --timeline N        the main figures per window of N accesses (JSON)\n"
    "  --warmup N          clear the counters after N accesses\n"
    "  --prefault A:VA:N   map N bytes at hex VA for ASID A before the run\n"
    "  --map A:VA:N:PROT   map a region now with PROT of r, w, x, u (user)\n"
    "  --check             check every translation against a walk of the page tables\n"
    "  --on-fault A        continue (default) or stop at the first translation fault\n"
    "  --progress, --no-progress   (default: progress only on a terminal)\n"
    "  --quiet             no summary on standard output\n";

static const char config_usage[] =
    "usage: mmusim config --dump [--preset NAME] [--config FILE] [--set SEC.KEY=VAL]...\n"
    "  prints the effective configuration as a commented INI file\n";

/* Parse options shared by run and config; returns 0, or an exit status. */
static int parse(int argc, char **argv, run_opts *o, int is_run)
{
    char err[1024];
    memset(o, 0, sizeof *o);
    mmu_config_defaults(&o->cfg);
    o->format = MMUSIM_FMT_AUTO;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                  \
    do {                                                              \
        if (!v) {                                                     \
            fprintf(stderr, "mmusim: %s needs a value\n", a);         \
            return 2;                                                 \
        }                                                             \
        i++;                                                          \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(is_run ? run_usage : config_usage, stdout);
            return -1; /* done: exit 0 */
        } else if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            NEED_VALUE();
            if (mmusim_config_load(&o->cfg, v, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 1;
            }
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
            NEED_VALUE();
            if (mmusim_config_override(&o->cfg, v, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 2;
            }
        } else if (strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0) {
            NEED_VALUE();
            char path[4096];
            if (mmusim_preset_path(v, path, sizeof path, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 2;
            }
            if (mmusim_config_load(&o->cfg, path, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 1;
            }
            o->preset = v;
        } else if (!is_run && strcmp(a, "--dump") == 0) {
            o->dump = 1;
        } else if (is_run && strcmp(a, "--json") == 0) {
            NEED_VALUE();
            o->json = v;
        } else if (is_run && strcmp(a, "--csv") == 0) {
            NEED_VALUE();
            o->csv = v;
        } else if (is_run && strcmp(a, "--per-access") == 0) {
            NEED_VALUE();
            o->per_access = v;
        } else if (is_run && strcmp(a, "--timeline") == 0) {
            NEED_VALUE();
            if (parse_u64_arg(a, v, &o->timeline) != 0 || o->timeline == 0) {
                fprintf(stderr, "mmusim: --timeline needs a window of at least 1 access\n");
                return 2;
            }
        } else if (is_run && strcmp(a, "--on-fault") == 0) {
            NEED_VALUE();
            if (strcmp(v, "stop") == 0)
                o->stop_on_fault = 1;
            else if (strcmp(v, "continue") == 0)
                o->stop_on_fault = 0;
            else {
                fprintf(stderr, "mmusim: --on-fault: '%s' is not stop or continue\n", v);
                return 2;
            }
        } else if (is_run && strcmp(a, "--check") == 0) {
            o->check = 1;
        } else if (is_run && strcmp(a, "--prefault") == 0) {
            NEED_VALUE();
            unsigned long long asid, addr, bytes;
            if (o->n_prefault == 16 || parse_region(v, &asid, &addr, &bytes, NULL, 0) != 0) {
                fprintf(stderr, "mmusim: --prefault '%s': expected ASID:HEXADDR:BYTES (at most 16)\n", v);
                return 2;
            }
            o->prefault[o->n_prefault].asid = (uint16_t)asid;
            o->prefault[o->n_prefault].addr = addr;
            o->prefault[o->n_prefault].bytes = bytes;
            o->n_prefault++;
        } else if (is_run && strcmp(a, "--map") == 0) {
            NEED_VALUE();
            unsigned long long asid, addr, bytes;
            char prot[16];
            uint32_t p = 0;
            int bad = o->n_map == 16 || parse_region(v, &asid, &addr, &bytes, prot, sizeof prot) != 0;
            for (const char *c = prot; !bad && *c; c++) {
                switch (*c) {
                case 'r': p |= MMU_OS_PROT_READ; break;
                case 'w': p |= MMU_OS_PROT_WRITE; break;
                case 'x': p |= MMU_OS_PROT_EXEC; break;
                case 'u': p |= MMU_OS_PROT_USER; break;
                case 'g':
                    fprintf(stderr, "mmusim: --map '%s': g (global) is refused: the OS model gives each "
                                    "address space its own frames, so a global TLB entry would hand one "
                                    "process's frame to every other (docs/os-model.md)\n", v);
                    return 2;
                default: bad = 1;
                }
            }
            if (bad || !(p & MMU_OS_PROT_READ)) {
                fprintf(stderr, "mmusim: --map '%s': expected ASID:HEXADDR:BYTES:PROT, PROT of r (required), "
                                "w, x, u (user; without it supervisor only); at most 16\n", v);
                return 2;
            }
            o->map[o->n_map].asid = (uint16_t)asid;
            o->map[o->n_map].addr = addr;
            o->map[o->n_map].bytes = bytes;
            o->map[o->n_map].prot = p;
            o->n_map++;
        } else if (is_run && strcmp(a, "--progress") == 0) {
            o->progress = 1;
        } else if (is_run && strcmp(a, "--no-progress") == 0) {
            o->progress = -1;
        } else if (is_run && strcmp(a, "--format") == 0) {
            NEED_VALUE();
            o->format = mmusim_format_parse(v);
            if (o->format == MMUSIM_FMT_COUNT) {
                fprintf(stderr, "mmusim: --format: unknown trace format '%s' (%s)\n", v, mmusim_format_list());
                return 2;
            }
        } else if (is_run && strcmp(a, "--warmup") == 0) {
            NEED_VALUE();
            if (parse_u64_arg(a, v, &o->warmup) != 0)
                return 2;
        } else if (is_run && (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)) {
            o->quiet = 1;
        } else if (is_run && (a[0] != '-' || strcmp(a, "-") == 0)) {
            if (o->n_traces == MAX_TRACES) {
                fprintf(stderr, "mmusim: at most %d traces\n", MAX_TRACES);
                return 2;
            }
            o->traces[o->n_traces++] = a;
        } else {
            fprintf(stderr, "mmusim: unknown option '%s' (see mmusim help)\n", a);
            return 2;
        }
#undef NEED_VALUE
    }
    if (mmu_config_validate(&o->cfg, err, sizeof err) != MMU_OK) {
        fprintf(stderr, "mmusim: invalid configuration: %s\n", err);
        return 2;
    }
    return 0;
}

int cli_cmd_config(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o, 0);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.dump) {
        fputs(config_usage, stderr);
        return 2;
    }
    mmusim_config_dump(&o.cfg, stdout, 1);
    return 0;
}

/* --progress: a line on standard error, at most twice a second. */
typedef struct progress_state {
    double t0, last;
    int shown;
} progress_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void show_progress(void *ctx, const mmusim_replay_progress *p)
{
    progress_state *ps = ctx;
    double now = now_s();
    if (!p->final && now - ps->last < 0.5)
        return;
    ps->last = now;
    ps->shown = !p->final;
    double rate = (double)p->accesses / (now - ps->t0 > 1e-9 ? now - ps->t0 : 1e-9);
    fprintf(stderr, "\r%s: %.1fM accesses, %.1fM/s", p->trace_path, (double)p->accesses / 1e6, rate / 1e6);
    if (p->file_size && p->bytes_read <= p->file_size) {
        double frac = (double)p->bytes_read / (double)p->file_size;
        double eta = frac > 0 ? (now - ps->t0) * (1 - frac) / frac : 0;
        fprintf(stderr, ", %3.0f%%, ETA %.0fs", 100 * frac, eta);
    }
    fprintf(stderr, p->final ? "\n" : "   ");
}

/*
 * Check that every output can be written before the run starts, so a typo in
 * a path does not cost the results of a long run (docs/outputs.md).  Returns
 * 0, or 1 with a message printed.
 */
static int check_outputs(const run_opts *o)
{
    char err[1024];
    const struct {
        const char *opt, *path;
        int append;
    } outs[] = {{"--json", o->json, 0}, {"--csv", o->csv, 1}, {"--per-access", o->per_access, 0}};
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
        if (outs[i].path && mmusim_output_check(outs[i].path, outs[i].append, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim: %s %s\n", outs[i].opt, err);
            return 1;
        }
    return 0;
}

int cli_cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.n_traces == 0) {
        fputs(run_usage, stderr);
        return 2;
    }
    if (check_outputs(&o) != 0)
        return 1;
    char err[1024];
    mmu *m;
    mmu_os *os;
    mmu_static_map *smap; /* [map]: page tables built from regions, no OS */
    if (mmusim_mmu_create_map(&o.cfg, &m, &os, &smap, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 2;
    }
    if (os) {
        for (int i = 0; i < o.n_map; i++) {
            /* populated: the pages exist (as kernel memory does), so an access the
               protection refuses faults with its real cause, not as not-present */
            mmu_err e = mmu_os_map(os, o.map[i].asid, o.map[i].addr, o.map[i].bytes, o.map[i].prot,
                                   MMU_OS_MAP_POPULATE);
            if (e != MMU_OK) {
                fprintf(stderr, "mmusim: --map %u:%llx:%llu: %s\n", o.map[i].asid,
                        (unsigned long long)o.map[i].addr, (unsigned long long)o.map[i].bytes,
                        mmu_strerror(e));
                mmu_destroy(m);
                mmu_os_destroy(os);
                return 1;
            }
        }
        for (int i = 0; i < o.n_prefault; i++) {
            mmu_err e = mmu_os_prefault(os, o.prefault[i].asid, o.prefault[i].addr, o.prefault[i].bytes);
            if (e != MMU_OK) {
                fprintf(stderr, "mmusim: --prefault %u:%llx:%llu: %s\n", o.prefault[i].asid,
                        (unsigned long long)o.prefault[i].addr, (unsigned long long)o.prefault[i].bytes,
                        mmu_strerror(e));
                mmu_destroy(m);
                mmu_os_destroy(os);
                return 1;
            }
        }
    } else if (o.n_prefault || o.n_map) {
        fprintf(stderr, "mmusim: --prefault and --map need the OS model (walker.mode = radix, os.enabled = on)\n");
        mmu_destroy(m);
        return 2;
    }
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    info.preset = o.preset;
    progress_state ps = {now_s(), 0, 0};
    ps.last = ps.t0;
    mmusim_replay_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.format = o.format;
    ro.warmup = o.warmup;
    ro.timeline = o.timeline;
    ro.check = o.check;
    ro.stop_on_fault = o.stop_on_fault;
    if (o.progress > 0 || (o.progress == 0 && isatty(STDERR_FILENO))) {
        ro.on_progress = show_progress;
        ro.ctx = &ps;
    }
    int status = 0;
    mmusim_ofile *per_access = NULL; /* committed (renamed into place) only if the run succeeds */
    if (o.per_access) {
        if (mmusim_ofile_open(o.per_access, &per_access, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim: %s\n", err);
            status = 1;
        } else if (!(ro.per_access = mmusim_ofile_stdio(per_access))) {
            fprintf(stderr, "mmusim: %s: out of memory\n", o.per_access);
            status = 1;
        }
    }
    if (status == 0 && mmusim_replay_traces(m, o.traces, (size_t)o.n_traces, &ro, &info, err, sizeof err) != 0) {
        fprintf(stderr, "%smmusim: %s\n", ps.shown ? "\n" : "", err);
        status = 1;
    }
    if (per_access) {
        ro.per_access = NULL;
        if (status != 0) {
            mmusim_ofile_abort(per_access);
        } else if (mmusim_ofile_commit(per_access, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim: %s\n", err);
            status = 1;
        }
    }
    if (status == 0 && !o.quiet)
        mmusim_report_text(stdout, m, &info);
    if (status == 0 && o.json && mmusim_report_json(o.json, m, &info, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        status = 1;
    }
    if (status == 0 && o.csv) {
        json_t *doc = mmusim_report_build(m, &info);
        if (!doc || mmusim_report_csv(o.csv, doc, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim: %s\n", doc ? err : "out of memory");
            status = 1;
        }
        json_decref(doc);
    }
    mmusim_run_info_release(&info);
    mmu_destroy(m);
    mmu_os_destroy(os);
    mmu_static_map_destroy(smap);
    return status;
}
