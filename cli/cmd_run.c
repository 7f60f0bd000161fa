/*
 * cmd_run.c - "mmusim run" and "mmusim config": build the configuration
 * from files and overrides, run traces through one MMU, report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "cli.h"
#include "mmusim/mmusim.h"
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"
#include "trace_async.h"

#define MAX_TRACES 64
#define BATCH 4096

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

static int parse_u64_arg(const char *opt, const char *v, uint64_t *out)
{
    char *end;
    if (!v || !*v || *v == '-') {
        fprintf(stderr, "mmusim: %s needs a non-negative integer\n", opt);
        return -1;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (*end) {
        fprintf(stderr, "mmusim: %s: '%s' is not a non-negative integer\n", opt, v);
        return -1;
    }
    *out = x;
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
    "  --map A:VA:N:PROT   map a region now with PROT of r, w, x, u (user), g (global)\n"
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
            char tail;
            if (o->n_prefault == 16 ||
                sscanf(v, "%llu:%llx:%llu%c", &asid, &addr, &bytes, &tail) != 3 || asid > 65535) {
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
            int bad = o->n_map == 16 ||
                      sscanf(v, "%llu:%llx:%llu:%15s", &asid, &addr, &bytes, prot) != 4 || asid > 65535;
            for (const char *c = prot; !bad && *c; c++) {
                switch (*c) {
                case 'r': p |= MMU_OS_PROT_READ; break;
                case 'w': p |= MMU_OS_PROT_WRITE; break;
                case 'x': p |= MMU_OS_PROT_EXEC; break;
                case 'u': p |= MMU_OS_PROT_USER; break;
                case 'g': p |= MMU_OS_PROT_GLOBAL; break;
                default: bad = 1;
                }
            }
            if (bad || !(p & MMU_OS_PROT_READ)) {
                fprintf(stderr, "mmusim: --map '%s': expected ASID:HEXADDR:BYTES:PROT, PROT of r (required), "
                                "w, x, u (user; without it supervisor only), g (global); at most 16\n", v);
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
                fprintf(stderr, "mmusim: --format: unknown trace format '%s' (auto, text, lackey, binary, din, champsim)\n", v);
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

/* State of one run across its traces. */
typedef struct run_state {
    mmu *m;
    const run_opts *o;
    mmusim_run_info *info;
    uint64_t index;       /* accesses read so far, all traces */
    uint64_t next_issue;  /* earliest issue cycle of the next access (traces without cycles) */
    uint64_t *done_ring;  /* completion cycles of the last max_outstanding accesses */
    uint32_t ring_pos;    /* slot of the oldest of them */
    FILE *per_access;     /* --per-access, or NULL */
    mmusim_window cur;        /* the timeline window being filled */
    mmu_stats snap;       /* counters at the start of the window */
    size_t cap_windows;
    double t0, last_progress;
    int progress;
    mmusim_async *async;      /* the trace being read on a second thread, or NULL */
} run_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int close_window(run_state *r)
{
    const mmu_stats *s = mmu_get_stats(r->m);
    mmusim_window *w = &r->cur;
    w->l1_misses = s->level[0].misses - r->snap.level[0].misses;
    w->walks = s->walks - r->snap.walks;
    w->page_faults = s->page_faults - r->snap.page_faults;
    w->latency_sum = s->latency_sum - r->snap.latency_sum;
    if (r->info->n_windows == r->cap_windows) {
        size_t cap = r->cap_windows ? 2 * r->cap_windows : 64;
        mmusim_window *p = realloc(r->info->windows, cap * sizeof *p);
        if (!p)
            return -1;
        r->info->windows = p;
        r->cap_windows = cap;
    }
    r->info->windows[r->info->n_windows++] = *w;
    memset(w, 0, sizeof *w);
    r->snap = *s;
    return 0;
}

static void show_progress(run_state *r, mmusim_trace *t, const char *path, int final)
{
    double now = now_s();
    if (!final && now - r->last_progress < 0.5)
        return;
    r->last_progress = now;
    double rate = (double)r->index / (now - r->t0 > 1e-9 ? now - r->t0 : 1e-9);
    uint64_t size = mmusim_trace_file_size(t);
    uint64_t done = r->async ? mmusim_async_bytes_read(r->async) : mmusim_trace_bytes_read(t);
    fprintf(stderr, "\r%s: %.1fM accesses, %.1fM/s", path, (double)r->index / 1e6, rate / 1e6);
    if (size && done <= size) {
        double frac = (double)done / (double)size;
        double eta = frac > 0 ? (now - r->t0) * (1 - frac) / frac : 0;
        fprintf(stderr, ", %3.0f%%, ETA %.0fs", 100 * frac, eta);
    }
    fprintf(stderr, final ? "\n" : "   ");
}

/*
 * --check: compare each translation with a functional walk of the page
 * tables as they are now, and (with the OS model) check the frame belongs
 * to the process.  Returns 0, or -1 with a message printed.
 */
static int check_access(run_state *r, const char *path, const mmu_request *req,
                        const mmu_response *resp, int k)
{
    for (int j = 0; j < k; j++) {
        mmu_request q = *req;
        if (j)
            q.vaddr = (req->vaddr | ((UINT64_C(1) << mmu_page_shift((mmu_page_size)resp[0].page_size)) - 1)) + 1;
        mmu_response w;
        (void)mmu_walk_debug(r->m, &q, &w);
        const char *why = NULL;
        if (resp[j].fault != w.fault)
            why = "the fault differs";
        else if (resp[j].fault == MMU_FAULT_NONE && resp[j].paddr != w.paddr)
            why = "the physical address differs";
        mmu_os *os = mmu_get_os(r->m);
        mmu_os_frame_info fi;
        if (!why && os && resp[j].fault == MMU_FAULT_NONE &&
            (mmu_os_frame_info_get(os, resp[j].paddr, &fi) != MMU_OK || fi.kind != MMU_OS_FRAME_DATA ||
             fi.asid != q.asid))
            why = "the frame does not belong to the process";
        if (why) {
            fprintf(stderr,
                    "mmusim: %s: access %llu: --check: %s: TLB/MMU answer 0x%llx (%s), page tables "
                    "now 0x%llx (%s) for vaddr 0x%llx asid %u\n",
                    path, (unsigned long long)r->index, why, (unsigned long long)resp[j].paddr,
                    mmu_fault_id((mmu_fault)resp[j].fault), (unsigned long long)w.paddr,
                    mmu_fault_id((mmu_fault)w.fault), (unsigned long long)q.vaddr, q.asid);
            return -1;
        }
    }
    return 0;
}

/* Run one trace; returns 0, or 1 with a message printed. */
static int run_trace(run_state *r, const char *path)
{
    char err[1024];
    mmusim_trace *t;
    const run_opts *o = r->o;
    mmusim_run_info *info = r->info;
    mmu *m = r->m;
    if (mmusim_trace_open(path, o->format, &t, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 1;
    }
    static mmusim_access buf[BATCH];
    const uint32_t interval = mmu_get_config(m)->issue_interval;
    const uint32_t window = mmu_get_config(m)->max_outstanding;
    long n;
    int status = 0;
    static const char type_char[MMU_ACCESS_TYPES] = {'R', 'W', 'X'};
    /* the trace is parsed on a second thread while this one simulates */
    mmusim_async *as = getenv("MMUSIM_NO_THREADS") ? NULL : mmusim_async_start(t);
    r->async = as;
    const mmusim_access *batch = buf;
    while (status == 0 &&
           (n = as ? mmusim_async_read(as, &batch, err, sizeof err) : mmusim_trace_read(t, buf, BATCH, err, sizeof err)) > 0) {
        for (long i = 0; i < n; i++) {
            const mmusim_access *a = &batch[i];
            uint64_t cycle = a->has_cycle ? a->cycle : r->next_issue;
            uint64_t *oldest = &r->done_ring[r->ring_pos];
            if (++r->ring_pos == window)
                r->ring_pos = 0;
            if (!a->has_cycle && *oldest > cycle)
                cycle = *oldest; /* every slot busy: wait for the oldest access */
            if (r->index == o->warmup && o->warmup) {
                mmu_clear_stats(m);
                if (mmu_get_os(m))
                    mmu_os_clear_stats(mmu_get_os(m));
                info->accesses = info->translations = info->crossings = info->instructions = 0;
                info->first_cycle = cycle;
                info->last_cycle = 0;
                r->snap = *mmu_get_stats(m);
                memset(&r->cur, 0, sizeof r->cur);
            }
            mmu_request req;
            req.vaddr = a->vaddr;
            req.cycle = cycle;
            req.size = a->size;
            req.asid = a->asid;
            req.type = a->type;
            req.priv = MMU_PRIV_USER;
            mmu_response resp[2];
            int k = mmu_access(m, &req, resp);
            *oldest = resp[k - 1].done_cycle;
            r->next_issue = cycle + interval;
            /* a page fault is a trap: a core issuing at a rate stops until it returns */
            if (!a->has_cycle && (resp[0].page_faults || resp[k - 1].page_faults))
                r->next_issue = resp[k - 1].done_cycle;
            info->accesses++;
            info->instructions += a->type == MMU_FETCH; /* an instruction is its fetch */
            info->translations += (uint64_t)k;
            info->crossings += k == 2;
            if (resp[k - 1].done_cycle > info->last_cycle)
                info->last_cycle = resp[k - 1].done_cycle;
            info->has_cycles |= a->has_cycle;
            if (r->per_access) {
                for (int j = 0; j < k; j++)
                    fprintf(r->per_access, "%llu,%llu,%c,0x%llx,%u,0x%llx,%s,%s,%u,%u,%u,%s\n",
                            (unsigned long long)r->index, (unsigned long long)(j ? resp[0].done_cycle : cycle),
                            type_char[a->type % MMU_ACCESS_TYPES],
                            (unsigned long long)(j ? (a->vaddr | ((UINT64_C(1) << mmu_page_shift((mmu_page_size)resp[0].page_size)) - 1)) + 1 : a->vaddr),
                            a->asid, (unsigned long long)resp[j].paddr,
                            mmu_page_size_name((mmu_page_size)resp[j].page_size),
                            resp[j].outcome == MMU_OUT_TLB ? "tlb" : resp[j].outcome == MMU_OUT_WALK ? "walk" : "fault",
                            resp[j].level, resp[j].latency, resp[j].walk_refs,
                            mmu_fault_id((mmu_fault)resp[j].fault));
            }
            if (o->timeline) {
                if (r->cur.accesses == 0)
                    r->cur.first_cycle = cycle;
                r->cur.accesses++;
                r->cur.translations += (uint64_t)k;
                if (resp[k - 1].done_cycle > r->cur.last_cycle)
                    r->cur.last_cycle = resp[k - 1].done_cycle;
                if (r->cur.accesses == o->timeline && close_window(r) != 0) {
                    fprintf(stderr, "mmusim: out of memory for the timeline\n");
                    status = 1;
                    break;
                }
            }
            if (resp[k - 1].fault != MMU_FAULT_NONE && mmu_os_error(m) != MMU_OK) {
                fprintf(stderr, "mmusim: %s: access %llu (0x%llx, asid %u): the OS model could not "
                                "handle a page fault: %s (physical memory too small for the page "
                                "tables, or swap full: see os.phys_mem, os.swap_size)\n",
                        path, (unsigned long long)r->index, (unsigned long long)a->vaddr, a->asid,
                        mmu_strerror(mmu_os_error(m)));
                status = 1;
                break;
            }
            if (o->check && check_access(r, path, &req, resp, k) != 0) {
                status = 1;
                break;
            }
            if (o->stop_on_fault && resp[k - 1].fault != MMU_FAULT_NONE) {
                fprintf(stderr, "mmusim: %s: access %llu (%c 0x%llx, asid %u): %s fault at level %d; "
                                "stopping (--on-fault stop)\n",
                        path, (unsigned long long)r->index, type_char[a->type % MMU_ACCESS_TYPES],
                        (unsigned long long)a->vaddr, a->asid,
                        mmu_fault_name((mmu_fault)resp[k - 1].fault), resp[k - 1].fault_level);
                status = 1;
                break;
            }
            r->index++;
        }
        if (r->progress)
            show_progress(r, t, path, 0);
    }
    if (status == 0 && n < 0) {
        if (r->progress)
            fprintf(stderr, "\n");
        fprintf(stderr, "mmusim: %s\n", err);
        status = 1;
    }
    if (r->progress && status == 0)
        show_progress(r, t, path, 1);
    info->trace_format = mmusim_format_name(mmusim_trace_format(t));
    info->compression = mmusim_trace_compression(t);
    mmusim_async_stop(as);
    r->async = NULL;
    mmusim_trace_close(t);
    return status;
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
    if (mmu_create(&o.cfg, &m, err, sizeof err) != MMU_OK) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 2;
    }
    mmu_os *os = NULL;
    if (o.cfg.walker.mode == MMU_WALKER_RADIX && o.cfg.os_enabled) {
        if (mmu_os_create_from_config(&o.cfg, &os, err, sizeof err) != MMU_OK ||
            mmu_attach_os(m, os) != MMU_OK) {
            fprintf(stderr, "mmusim: %s\n", err);
            mmu_os_destroy(os);
            mmu_destroy(m);
            return 2;
        }
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
    info.trace_path = o.traces[0];
    info.warmup = o.warmup;
    info.preset = o.preset;
    info.timeline_window = o.timeline;
    run_state r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.o = &o;
    r.info = &info;
    r.progress = o.progress > 0 || (o.progress == 0 && isatty(STDERR_FILENO));
    r.t0 = r.last_progress = now_s();
    r.done_ring = calloc(o.cfg.max_outstanding, sizeof *r.done_ring);
    if (!r.done_ring) {
        fprintf(stderr, "mmusim: out of memory\n");
        mmu_destroy(m);
        mmu_os_destroy(os);
        return 1;
    }
    int status = 0;
    mmusim_ofile *per_access = NULL; /* committed (renamed into place) only if the run succeeds */
    if (o.per_access) {
        if (mmusim_ofile_open(o.per_access, &per_access, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim: %s\n", err);
            status = 1;
        } else if (!(r.per_access = mmusim_ofile_stdio(per_access))) {
            fprintf(stderr, "mmusim: %s: out of memory\n", o.per_access);
            status = 1;
        } else {
            fprintf(r.per_access, "access,cycle,type,vaddr,asid,paddr,page_size,outcome,level,latency,"
                                  "walk_refs,fault\n");
        }
    }
    for (int i = 0; i < o.n_traces && status == 0; i++)
        status = run_trace(&r, o.traces[i]);
    if (status == 0 && o.warmup && r.index <= o.warmup) {
        fprintf(stderr, "mmusim: --warmup %llu: the trace has only %llu accesses\n",
                (unsigned long long)o.warmup, (unsigned long long)r.index);
        status = 1;
    }
    if (status == 0 && o.timeline && r.cur.accesses && close_window(&r) != 0) {
        fprintf(stderr, "mmusim: out of memory for the timeline\n");
        status = 1;
    }
    if (per_access) {
        r.per_access = NULL;
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
    free(info.windows);
    free(r.done_ring);
    mmu_destroy(m);
    mmu_os_destroy(os);
    return status;
}
