/*
 * cmd_run.c - "mmusim run" and "mmusim config": build the configuration
 * from files and overrides, run traces through one MMU, report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "cli.h"
#include "mmusim/mmusim.h"
#include "report.h"
#include "trace.h"

#define MAX_TRACES 64
#define BATCH 4096

typedef struct run_opts {
    mmu_config cfg;
    const char *traces[MAX_TRACES];
    int n_traces;
    const char *json;
    tb_format format;
    uint64_t warmup;
    int quiet;
    int dump;
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

/* Parse options shared by run and config; returns 0, or an exit status. */
static int parse(int argc, char **argv, run_opts *o, int is_run)
{
    char err[1024];
    memset(o, 0, sizeof *o);
    mmu_config_defaults(&o->cfg);
    o->format = TB_FMT_AUTO;
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
        if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) {
            NEED_VALUE();
            if (tb_config_load(&o->cfg, v, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 1;
            }
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
            NEED_VALUE();
            if (tb_config_override(&o->cfg, v, err, sizeof err) != 0) {
                fprintf(stderr, "mmusim: %s\n", err);
                return 2;
            }
        } else if (!is_run && strcmp(a, "--dump") == 0) {
            o->dump = 1;
        } else if (is_run && strcmp(a, "--json") == 0) {
            NEED_VALUE();
            o->json = v;
        } else if (is_run && strcmp(a, "--format") == 0) {
            NEED_VALUE();
            o->format = tb_format_parse(v);
            if (o->format == TB_FMT_COUNT) {
                fprintf(stderr, "mmusim: --format: unknown trace format '%s' (auto, lackey, text)\n", v);
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

int tb_cmd_config(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o, 0);
    if (rc)
        return rc;
    if (!o.dump) {
        fprintf(stderr, "usage: mmusim config --dump [--config FILE] [--set SEC.KEY=VAL]...\n");
        return 2;
    }
    tb_config_dump(&o.cfg, stdout, 1);
    return 0;
}

/* Run one trace through m; returns 0 or 1 (message printed). */
static int run_trace(mmu *m, const run_opts *o, const char *path, tb_run_info *info,
                     uint64_t *index)
{
    char err[1024];
    tb_trace *t;
    if (tb_trace_open(path, o->format, &t, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 1;
    }
    static tb_access buf[BATCH];
    const uint32_t interval = mmu_get_config(m)->issue_interval;
    uint64_t instr_base = info->instructions;
    long n;
    int status = 0;
    while ((n = tb_trace_read(t, buf, BATCH, err, sizeof err)) > 0) {
        for (long i = 0; i < n; i++) {
            const tb_access *a = &buf[i];
            if (*index == o->warmup && o->warmup) {
                mmu_clear_stats(m);
                info->accesses = info->translations = info->crossings = 0;
                info->first_cycle = a->has_cycle ? a->cycle : *index * interval;
            }
            mmu_request req;
            req.vaddr = a->vaddr;
            req.cycle = a->has_cycle ? a->cycle : *index * interval;
            req.size = a->size;
            req.asid = a->asid;
            req.type = a->type;
            req.priv = MMU_PRIV_USER;
            mmu_response resp[2];
            int k = mmu_access(m, &req, resp);
            info->accesses++;
            info->translations += (uint64_t)k;
            info->crossings += k == 2;
            if (resp[k - 1].done_cycle > info->last_cycle)
                info->last_cycle = resp[k - 1].done_cycle;
            info->has_cycles |= a->has_cycle;
            (*index)++;
        }
    }
    if (n < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        status = 1;
    }
    info->instructions = instr_base + tb_trace_instructions(t);
    info->trace_format = tb_format_name(tb_trace_format(t));
    info->compression = tb_trace_compression(t);
    tb_trace_close(t);
    return status;
}

int tb_cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = parse(argc, argv, &o, 1);
    if (rc)
        return rc;
    if (o.n_traces == 0) {
        fprintf(stderr, "usage: mmusim run TRACE... [--config FILE] [--set SEC.KEY=VAL]... "
                        "[--json FILE] [--format F] [--warmup N] [--quiet]\n");
        return 2;
    }
    char err[1024];
    mmu *m;
    if (mmu_create(&o.cfg, &m, err, sizeof err) != MMU_OK) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 2;
    }
    tb_run_info info;
    memset(&info, 0, sizeof info);
    info.trace_path = o.traces[0];
    info.warmup = o.warmup;
    uint64_t index = 0;
    int status = 0;
    for (int i = 0; i < o.n_traces && status == 0; i++)
        status = run_trace(m, &o, o.traces[i], &info, &index);
    if (status == 0 && o.warmup && index <= o.warmup) {
        fprintf(stderr, "mmusim: --warmup %llu: the trace has only %llu accesses\n",
                (unsigned long long)o.warmup, (unsigned long long)index);
        status = 1;
    }
    if (status == 0 && !o.quiet)
        tb_report_text(stdout, m, &info);
    if (status == 0 && o.json && tb_report_json(o.json, m, &info, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        status = 1;
    }
    mmu_destroy(m);
    return status;
}
