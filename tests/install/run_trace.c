/*
 * An outside program built only against an installed mmusim (core + io):
 * loads a preset, runs a trace through the MMU and its OS model, and prints
 * the summary `mmusim run --preset NAME TRACE` prints.
 *
 *   run_trace PRESET TRACE    the summary on stdout
 *   run_trace --preset-dir    where presets are found
 *
 * The loop is the issue rule of a core that replays a trace without issue
 * cycles: one access every mmu.issue_interval cycles, at most
 * mmu.max_outstanding in flight, and a page fault stalls the accesses after
 * it until it is handled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmusim/mmusim.h>
#include <mmusim/os.h>
#include <mmusim/io/config_file.h>
#include <mmusim/io/report.h>
#include <mmusim/io/trace.h>

static int run(mmu *m, const char *trace, mmusim_run_info *info)
{
    char err[1024];
    mmusim_trace *t;
    if (mmusim_trace_open(trace, MMUSIM_FMT_AUTO, &t, err, sizeof err) < 0) {
        fprintf(stderr, "run_trace: %s\n", err);
        return 1;
    }
    const mmu_config *cfg = mmu_get_config(m);
    uint64_t *done = calloc(cfg->max_outstanding, sizeof *done); /* completion of the last accesses in flight */
    uint32_t oldest = 0;
    uint64_t next_issue = 0;
    mmusim_access buf[4096];
    long n;
    int status = done ? 0 : 1;
    while (status == 0 && (n = mmusim_trace_read(t, buf, 4096, err, sizeof err)) != 0) {
        if (n < 0) {
            fprintf(stderr, "run_trace: %s\n", err);
            status = 1;
            break;
        }
        for (long i = 0; i < n; i++) {
            const mmusim_access *a = &buf[i];
            uint64_t cycle = a->has_cycle ? a->cycle : next_issue;
            if (!a->has_cycle && done[oldest] > cycle)
                cycle = done[oldest]; /* every slot busy: wait for the oldest */
            mmu_request req = {a->vaddr, cycle, a->size, a->asid, a->type, MMU_PRIV_USER};
            mmu_response resp[2];
            int k = mmu_access(m, &req, resp);
            done[oldest] = resp[k - 1].done_cycle;
            oldest = (oldest + 1) % cfg->max_outstanding;
            next_issue = cycle + cfg->issue_interval;
            if (!a->has_cycle && (resp[0].page_faults || resp[k - 1].page_faults))
                next_issue = resp[k - 1].done_cycle; /* a page fault traps the core */
            info->accesses++;
            info->instructions += a->type == MMU_FETCH;
            info->translations += (uint64_t)k;
            info->crossings += k == 2;
            if (resp[k - 1].done_cycle > info->last_cycle)
                info->last_cycle = resp[k - 1].done_cycle;
            info->has_cycles |= a->has_cycle;
            if (resp[k - 1].fault != MMU_FAULT_NONE && mmu_os_error(m) != MMU_OK) {
                fprintf(stderr, "run_trace: the OS model failed: %s\n", mmu_strerror(mmu_os_error(m)));
                status = 1;
                break;
            }
        }
    }
    info->trace_format = mmusim_format_name(mmusim_trace_format(t));
    info->compression = mmusim_trace_compression(t);
    mmusim_trace_close(t);
    free(done);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--preset-dir") == 0) {
        printf("%s\n", mmusim_preset_dir());
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: run_trace PRESET TRACE | --preset-dir\n");
        return 2;
    }
    char err[1024], path[4096];
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    if (mmusim_preset_path(argv[1], path, sizeof path, err, sizeof err) != 0 ||
        mmusim_config_load(&cfg, path, err, sizeof err) != 0) {
        fprintf(stderr, "run_trace: %s\n", err);
        return 2;
    }
    mmu *m;
    if (mmu_create(&cfg, &m, err, sizeof err) != MMU_OK) {
        fprintf(stderr, "run_trace: %s\n", err);
        return 2;
    }
    mmu_os *os = NULL;
    if (cfg.walker.mode == MMU_WALKER_RADIX && cfg.os_enabled &&
        (mmu_os_create_from_config(&cfg, &os, err, sizeof err) != MMU_OK || mmu_attach_os(m, os) != MMU_OK)) {
        fprintf(stderr, "run_trace: %s\n", err);
        mmu_os_destroy(os);
        mmu_destroy(m);
        return 2;
    }
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    info.trace_path = argv[2];
    info.preset = argv[1];
    int status = run(m, argv[2], &info);
    if (status == 0)
        mmusim_report_text(stdout, m, &info);
    mmu_destroy(m);
    mmu_os_destroy(os);
    return status;
}
