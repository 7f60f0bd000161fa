/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_replay.c - libFuzzer target: any bytes as a trace (format guessed)
 * through mmusim_replay, with the run loop's repeat path and without it
 * (MMUSIM_NO_REPEAT), on two configurations: one small unified TLB with the
 * fixed walker (code and data pages share its sets: pages keep dropping out
 * of the repeat path), and the radix walker with the OS model in a small
 * memory (page faults, evictions, invalidations; the OS model may run out).
 * Both paths must end the same way (status, message) with the same summary
 * and the same counters; nothing may crash, hang or leak.  The trace is read
 * on this thread (a thread per input costs more than a small input).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmusim/io/replay.h"
#include "mmusim/io/report.h"
#include "mmusim/mmusim.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome {
    int status;
    char err[512];
    char *text; /* the summary */
    size_t len;
    mmu_stats stats;
} outcome;

static void config(mmu_config *c, int which)
{
    static const char *const keys[2][6][2] = {
        {{"walker.mode", "fixed"}, {"tlb.arrays", "u"}, {"tlb.u.entries", "16"}, {"tlb.u.ways", "4"},
         {"tlb.u.policy", "lru"}, {NULL, NULL}},
        {{"os.phys_mem", "256K"}, {"os.swap_size", "64K"}, {NULL, NULL}},
    };
    char msg[256];
    mmu_config_defaults(c);
    for (int i = 0; keys[which][i][0]; i++)
        if (mmu_config_set(c, keys[which][i][0], keys[which][i][1], msg, sizeof msg) != MMU_OK)
            abort();
}

static void run(const char *path, const mmu_config *c, int repeat, outcome *out)
{
    if (repeat)
        unsetenv("MMUSIM_NO_REPEAT");
    else
        setenv("MMUSIM_NO_REPEAT", "1", 1);
    mmu *m;
    mmu_os *os;
    char msg[512];
    if (mmusim_mmu_create(c, &m, &os, msg, sizeof msg) != 0)
        abort();
    mmusim_replay_opts o;
    memset(&o, 0, sizeof o);
    o.no_threads = 1;
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    out->err[0] = 0;
    out->status = mmusim_replay(m, path, &o, &info, out->err, sizeof out->err);
    if (out->status != 0 && !out->err[0])
        abort(); /* an error without a message */
    FILE *f = open_memstream(&out->text, &out->len);
    if (!f)
        abort();
    mmusim_report_text(f, m, &info);
    fclose(f);
    out->stats = *mmu_get_stats(m);
    mmusim_run_info_release(&info);
    mmu_destroy(m);
    mmu_os_destroy(os);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/dev/shm/mmusim_fuzz_replay_XXXXXX";
    if (fuzz_to_file(path, data, size) != 0)
        return 0;
    for (int which = 0; which < 2; which++) {
        mmu_config c;
        config(&c, which);
        outcome a, b;
        run(path, &c, 1, &a);
        run(path, &c, 0, &b);
        if (a.status != b.status || strcmp(a.err, b.err) != 0 || a.len != b.len ||
            memcmp(a.text, b.text, a.len) != 0 || memcmp(&a.stats, &b.stats, sizeof a.stats) != 0) {
            fprintf(stderr, "fuzz_replay: the repeat path and the path without it differ (configuration %d)\n"
                            "with: %d %s\n%s\nwithout: %d %s\n%s\n",
                    which, a.status, a.err, a.text, b.status, b.err, b.text);
            abort();
        }
        free(a.text);
        free(b.text);
    }
    unlink(path);
    return 0;
}
