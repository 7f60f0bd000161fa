/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_virt.c - host time per two-dimensional walk, for each supported
 * guest/host format pair, cold (no paging-structure cache, no nested TLB:
 * every walk makes (n+1)(m+1)-1 references) and warm (guest PWC and nested
 * TLB hold everything but the guest leaf: 1 reference), beside a native
 * walk of the same guest format (cold: n references; warm: 1), in one run.
 * A 1-entry TLB makes every access a walk; every page is faulted in before
 * the clock starts.  Prints the median of REPS repetitions, in ns per walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmusim/mmusim.h"

#include "bench_util.h"

#define REPS 5
#define WALKS 200000

static void set(mmu_config *c, const char *k, const char *v)
{
    char msg[256];
    if (mmu_config_set(c, k, v, msg, sizeof msg) != MMU_OK) {
        fprintf(stderr, "bench_virt: %s = %s: %s\n", k, v, msg);
        exit(1);
    }
}

/* ns per walk (median), and the references of the last walk. */
static double measure(const char *guest, const char *host, int warm, unsigned *refs)
{
    mmu_config c;
    mmu_config_defaults(&c);
    set(&c, "walker.format", guest);
    set(&c, "tlb.arrays", "u");
    set(&c, "tlb.u.entries", "1");
    set(&c, "tlb.u.ways", "1");
    set(&c, "tlb.u.page_sizes", "4K 16K 64K 2M 32M 512M 1G");
    set(&c, "ptemem.mode", "fixed");
    set(&c, "ptemem.data", "off");
    set(&c, "os.phys_mem", "1G");
    if (!warm)
        for (int l = 1; l <= 4; l++) {
            char k[32];
            snprintf(k, sizeof k, "pwc.l%d.entries", l);
            set(&c, k, "0");
        }
    if (host) {
        set(&c, "virt.enabled", "on");
        set(&c, "virt.host_format", host);
        set(&c, "virt.host_mem", "2G");
        set(&c, "virt.ntlb.entries", warm ? "256" : "0");
        set(&c, "virt.ntlb.ways", warm ? "256" : "1");
        if (!warm)
            for (int l = 1; l <= 4; l++) {
                char k[32];
                snprintf(k, sizeof k, "virt.pwc.l%d.entries", l);
                set(&c, k, "0");
            }
    }
    char msg[256];
    mmu *m;
    mmu_os *os;
    if (mmu_create(&c, &m, msg, sizeof msg) != MMU_OK ||
        mmu_os_create_from_config(&c, &os, msg, sizeof msg) != MMU_OK || mmu_attach_os(m, os) != MMU_OK) {
        fprintf(stderr, "bench_virt: %s over %s: %s\n", guest, host ? host : "-", msg);
        exit(1);
    }
    const mmu_pt_format *f = mmu_get_format(m);
    const uint64_t ps = UINT64_C(1) << f->shift[0];
    /* cold: pages spread over 4096 leaf tables; warm: 64 pages of one leaf table */
    const unsigned npages = warm ? 64 : 4096;
    const uint64_t stride = warm ? ps : (UINT64_C(1) << f->shift[1]) + ps;
    uint64_t cycle = 0;
    mmu_request r = {0, 0, 8, 1, MMU_READ, MMU_PRIV_USER, 0};
    mmu_response resp;
    for (unsigned i = 0; i < npages; i++) { /* fault everything in */
        r.vaddr = 0x10000000 + i * stride;
        r.cycle = cycle += 1000000;
        (void)mmu_translate(m, &r, &resp);
    }
    double t[REPS];
    uint64_t sink = 0;
    for (int k = 0; k < REPS; k++) {
        double t0 = bench_now();
        for (unsigned i = 0; i < WALKS; i++) {
            r.vaddr = 0x10000000 + (uint64_t)(i % npages) * stride;
            r.cycle = cycle += 1000000;
            (void)mmu_translate(m, &r, &resp);
            sink += resp.paddr;
        }
        t[k] = (bench_now() - t0) * 1e9 / WALKS;
    }
    *refs = resp.walk_refs;
    if (resp.outcome != MMU_OUT_WALK || sink == 1)
        fprintf(stderr, "bench_virt: %s over %s: not a walk\n", guest, host ? host : "-");
    qsort(t, REPS, sizeof t[0], bench_cmp_double);
    mmu_destroy(m);
    mmu_os_destroy(os);
    return t[REPS / 2];
}

int main(void)
{
    static const char *const pairs[][2] = {
        {"x86_64", "ept"},         {"x86_64_la57", "ept5"},        {"x86_64", "amd_npt"},
        {"sv39", "sv39x4"},        {"sv48", "sv48x4"},             {"sv57", "sv57x4"},
        {"aarch64_4k", "aarch64_s2_4k"}, {"aarch64_4k", "aarch64_s2_4k_40"},
        {"aarch64_16k", "aarch64_s2_16k"}, {"aarch64_64k", "aarch64_s2_64k"},
    };
    printf("bench_virt: ns per walk, median of %d x %d walks (1-entry TLB: every access walks)\n", REPS,
           WALKS);
    printf("%-12s %-17s %9s %5s %9s %5s %9s %5s %9s %5s %7s %7s\n", "guest", "host", "2D cold", "refs",
           "native", "refs", "2D warm", "refs", "native", "refs", "cold x", "warm x");
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        unsigned rc, rn, rw, rnw;
        double c2 = measure(pairs[i][0], pairs[i][1], 0, &rc);
        double cn = measure(pairs[i][0], NULL, 0, &rn);
        double w2 = measure(pairs[i][0], pairs[i][1], 1, &rw);
        double wn = measure(pairs[i][0], NULL, 1, &rnw);
        printf("%-12s %-17s %9.1f %5u %9.1f %5u %9.1f %5u %9.1f %5u %7.2f %7.2f\n", pairs[i][0],
               pairs[i][1], c2, rc, cn, rn, w2, rw, wn, rnw, c2 / cn, w2 / wn);
    }
    return 0;
}
