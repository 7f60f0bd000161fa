/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_trace_gen.c - the synthetic trace generators (io/trace/gen.c):
 * determinism (same seed, same accesses and the same bytes on disk; a
 * different seed, different ones), each generator's defining property
 * (docs/generators.md), the write ratio, and the parameter checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmusim/io/gen.h"
#include "mmusim/error.h"
#include "mmusim/types.h"
#include "mmusim/io/trace.h"
#include "mmusim/io/tracewrite.h"

/* All accesses of a generator (caller frees). */
static mmusim_access *generate(const mmusim_gen_params *p, size_t *n)
{
    mmusim_gen *g;
    char err[256];
    int rc = mmusim_gen_create(p, &g, err, sizeof err);
    if (rc < 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    mmusim_access *a = malloc((p->accesses + 1) * sizeof *a);
    assert_non_null(a);
    size_t k = 0, got;
    /* odd batch sizes, so quanta and batches do not line up */
    while ((got = mmusim_gen_next(g, a + k, k % 2 ? 777 : 1000)) > 0)
        k += got;
    assert_int_equal(mmusim_gen_next(g, a, 10), 0);
    mmusim_gen_destroy(g);
    *n = k;
    return a;
}

static mmusim_gen_params params(mmusim_gen_kind kind, uint64_t accesses)
{
    mmusim_gen_params p;
    mmusim_gen_defaults(&p);
    p.kind = kind;
    p.accesses = accesses;
    return p;
}

static int same(const mmusim_access *a, const mmusim_access *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].vaddr != b[i].vaddr || a[i].type != b[i].type || a[i].asid != b[i].asid ||
            a[i].size != b[i].size)
            return 0;
    return 1;
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(mmusim_gen_kind_name(MMUSIM_GEN_ZIPF), "zipf");
    assert_string_equal(mmusim_gen_kind_name(MMUSIM_GEN_KINDS), "?");
    assert_int_equal(mmusim_gen_kind_parse("random"), MMUSIM_GEN_UNIFORM);
    assert_int_equal(mmusim_gen_kind_parse("Chase"), MMUSIM_GEN_CHASE);
    assert_int_equal(mmusim_gen_kind_parse("pointer-chase"), MMUSIM_GEN_CHASE);
    assert_int_equal(mmusim_gen_kind_parse("mix"), MMUSIM_GEN_MIX);
    assert_int_equal(mmusim_gen_kind_parse("gauss"), MMUSIM_GEN_KINDS);
}

/* Same seed: the same accesses; another seed: others (for the random kinds). */
static void test_determinism(void **state)
{
    (void)state;
    for (int k = 0; k < MMUSIM_GEN_KINDS; k++) {
        mmusim_gen_params p = params((mmusim_gen_kind)k, 20000);
        p.write_ratio = 0.3;
        p.pattern = MMUSIM_GEN_ZIPF;
        p.quantum = 333;
        size_t n1, n2, n3;
        mmusim_access *a = generate(&p, &n1), *b = generate(&p, &n2);
        assert_int_equal(n1, 20000);
        assert_int_equal(n2, 20000);
        assert_true(same(a, b, n1));
        p.seed = 2;
        mmusim_access *c = generate(&p, &n3);
        /* sequential and strided addresses do not depend on the seed; their
         * read/write choices do */
        assert_false(same(a, c, n1));
        free(a);
        free(b);
        free(c);
    }
}

/* The same bytes on disk for the same seed, in every format and compression. */
static void test_same_bytes(void **state)
{
    (void)state;
    char dir[64], p[3][128], cmd[512];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_trace_gen_XXXXXX", base && *base && strlen(base) < 36 ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    static const mmusim_format fmts[] = {MMUSIM_FMT_TEXT, MMUSIM_FMT_BINARY, MMUSIM_FMT_LACKEY, MMUSIM_FMT_DIN};
    for (int f = 0; f < 4; f++)
        for (int c = 0; c < MMUSIM_COMP_COUNT; c++) {
            for (int i = 0; i < 3; i++) {
                mmusim_gen_params gp = params(MMUSIM_GEN_MIX, 5000);
                gp.seed = i == 2 ? 99 : 7;
                gp.write_ratio = 0.5;
                size_t n;
                mmusim_access *a = generate(&gp, &n);
                snprintf(p[i], sizeof p[i], "%s/g%d", dir, i);
                mmusim_writer_opts o;
                mmusim_writer_opts_init(&o);
                o.format = fmts[f];
                o.comp = (mmusim_compression)c;
                o.level = 1;
                mmusim_writer *w;
                char err[256];
                assert_int_equal(mmusim_writer_open(p[i], &o, &w, err, sizeof err), 0);
                assert_int_equal(mmusim_writer_write(w, a, n, err, sizeof err), 0);
                assert_int_equal(mmusim_writer_close(w, err, sizeof err), 0);
                free(a);
            }
            snprintf(cmd, sizeof cmd, "cmp -s %s %s", p[0], p[1]);
            assert_int_equal(system(cmd), 0);
            snprintf(cmd, sizeof cmd, "cmp -s %s %s", p[0], p[2]);
            assert_int_not_equal(system(cmd), 0);
        }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* sequential: base, base+size, ... covering the footprint in order, then again */
static void test_sequential(void **state)
{
    (void)state;
    mmusim_gen_params p = params(MMUSIM_GEN_SEQUENTIAL, 3000);
    p.footprint = 1000 * 8 + 5; /* not a multiple of the size: the tail is not used */
    size_t n;
    mmusim_access *a = generate(&p, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(a[i].vaddr, p.base + (i % 1000) * 8);
        assert_int_equal(a[i].size, 8);
        assert_int_equal(a[i].type, MMU_READ);
        assert_int_equal(a[i].asid, 0);
        assert_int_equal(a[i].has_cycle, 0);
    }
    free(a);
}

/* strided: each address stride after the one before, modulo the footprint */
static void test_strided(void **state)
{
    (void)state;
    mmusim_gen_params p = params(MMUSIM_GEN_STRIDED, 5000);
    p.stride = 3 * 4096 + 64;
    p.footprint = 1 << 20;
    p.size = 4;
    size_t n;
    mmusim_access *a = generate(&p, &n);
    assert_int_equal(a[0].vaddr, p.base);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(a[i].vaddr - p.base, (a[i - 1].vaddr - p.base + p.stride) % p.footprint);
    free(a);
    /* a stride larger than the footprint wraps the same way */
    p.stride = 5000;
    p.footprint = 4096;
    a = generate(&p, &n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i].vaddr - p.base, (i * 5000) % 4096);
    free(a);
}

/* uniform: inside the N pages, size-aligned, counts close to uniform (chi-square) */
static void test_uniform(void **state)
{
    (void)state;
    enum { PAGES = 64, N = 128000 };
    mmusim_gen_params p = params(MMUSIM_GEN_UNIFORM, N);
    p.pages = PAGES;
    p.footprint = 1; /* --pages wins */
    size_t n, count[PAGES] = {0}, slots[512] = {0};
    mmusim_access *a = generate(&p, &n);
    for (size_t i = 0; i < n; i++) {
        uint64_t off = a[i].vaddr - p.base;
        assert_true(a[i].vaddr >= p.base);
        assert_true(off < PAGES * 4096);
        assert_int_equal(off % 8, 0);
        count[off / 4096]++;
        slots[(off % 4096) / 8]++;
    }
    double chi2 = 0, e = (double)N / PAGES;
    for (int i = 0; i < PAGES; i++)
        chi2 += (count[i] - e) * (count[i] - e) / e;
    /* 63 degrees of freedom: mean 63, sd 11; 130 is beyond p = 1e-6 */
    assert_true(chi2 < 130);
    for (int i = 0; i < 512; i++)
        assert_true(slots[i] > 0); /* every slot of a page is used */
    free(a);
}

/* zipf: the rank-frequency slope on log-log axes is about -alpha */
static int by_count_desc(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? 1 : a > b ? -1 : 0;
}

static void test_zipf(void **state)
{
    (void)state;
    static const double alphas[] = {0.6, 1.0, 1.4};
    for (int k = 0; k < 3; k++) {
        enum { PAGES = 2000, N = 400000, FIT = 100 };
        mmusim_gen_params p = params(MMUSIM_GEN_ZIPF, N);
        p.pages = PAGES;
        p.alpha = alphas[k];
        size_t n;
        size_t *count = calloc(PAGES, sizeof *count);
        mmusim_access *a = generate(&p, &n);
        for (size_t i = 0; i < n; i++) {
            uint64_t off = a[i].vaddr - p.base;
            assert_true(off < (uint64_t)PAGES * 4096);
            count[off / 4096]++;
        }
        qsort(count, PAGES, sizeof *count, by_count_desc);
        /* least squares of log(count) against log(rank) over the top ranks */
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int r = 0; r < FIT; r++) {
            double x = log(r + 1.0), y = log((double)count[r]);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double slope = (FIT * sxy - sx * sy) / (FIT * sxx - sx * sx);
        if (fabs(slope + p.alpha) > 0.1)
            print_error("alpha %g: slope %g\n", p.alpha, slope);
        assert_true(fabs(slope + p.alpha) < 0.1);
        /* the hot pages are scattered, not the first ones */
        free(count);
        size_t first = 0;
        for (size_t i = 0; i < n; i++)
            first += a[i].vaddr - p.base < 4096;
        assert_true(first < (size_t)N / 4);
        free(a);
    }
}

/* chase: every page once per cycle of N accesses, the same cycle again */
static void test_chase(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        enum { PAGES = 997 };
        mmusim_gen_params p = params(MMUSIM_GEN_CHASE, 3 * PAGES);
        p.pages = PAGES;
        p.seed = seed;
        p.unit = 64; /* lines, this time */
        size_t n;
        mmusim_access *a = generate(&p, &n);
        unsigned char seen[PAGES] = {0};
        assert_int_equal(a[0].vaddr, p.base);
        for (size_t i = 0; i < PAGES; i++) {
            uint64_t off = a[i].vaddr - p.base;
            assert_int_equal(off % 64, 0);
            assert_true(off / 64 < PAGES);
            assert_int_equal(seen[off / 64], 0);
            seen[off / 64] = 1;
        }
        for (size_t i = PAGES; i < n; i++)
            assert_int_equal(a[i].vaddr, a[i - PAGES].vaddr);
        free(a);
    }
    /* one page: always the same */
    mmusim_gen_params p = params(MMUSIM_GEN_CHASE, 10);
    p.pages = 1;
    size_t n;
    mmusim_access *a = generate(&p, &n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i].vaddr, p.base);
    free(a);
}

/* mix: P ASIDs round robin, switching every Q accesses; each process's
 * stream continues where its last slice ended */
static void test_mix(void **state)
{
    (void)state;
    enum { P = 5, Q = 37, N = 20000 };
    mmusim_gen_params p = params(MMUSIM_GEN_MIX, N);
    p.procs = P;
    p.quantum = Q;
    p.pattern = MMUSIM_GEN_SEQUENTIAL;
    p.footprint = 1 << 20;
    size_t n;
    mmusim_access *a = generate(&p, &n);
    assert_int_equal(n, N);
    uint64_t next[P + 1];
    for (int i = 0; i <= P; i++)
        next[i] = p.base;
    for (size_t i = 0; i < n; i++) {
        unsigned asid = (unsigned)((i / Q) % P + 1);
        assert_int_equal(a[i].asid, asid);
        assert_int_equal(a[i].vaddr, next[asid]);
        next[asid] += 8;
    }
    free(a);
    /* random patterns: the processes differ from one another */
    p.pattern = MMUSIM_GEN_UNIFORM;
    a = generate(&p, &n);
    assert_false(same(a, a + Q, Q));
    free(a);
}

/* mix over VMs: V VMs of P processes each, VM-major round robin; every
 * (VM, ASID) pair its own stream; one VM is the plain mix, VM id 0 */
static void test_mix_vms(void **state)
{
    (void)state;
    enum { P = 3, V = 4, Q = 11, N = 5000 };
    mmusim_gen_params p = params(MMUSIM_GEN_MIX, N);
    p.procs = P;
    p.vms = V;
    p.quantum = Q;
    p.pattern = MMUSIM_GEN_SEQUENTIAL;
    p.footprint = 1 << 20;
    size_t n;
    mmusim_access *a = generate(&p, &n);
    assert_int_equal(n, N);
    uint64_t next[V][P + 1];
    for (int v = 0; v < V; v++)
        for (int i = 0; i <= P; i++)
            next[v][i] = p.base;
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)((i / Q) % (P * V));
        unsigned vm = k / P, asid = k % P + 1;
        assert_int_equal(a[i].vmid, vm);
        assert_int_equal(a[i].asid, asid);
        assert_int_equal(a[i].vaddr, next[vm][asid]);
        next[vm][asid] += 8;
    }
    free(a);
    /* one VM: the same accesses as a mix without the option, all VM 0 */
    p.pattern = MMUSIM_GEN_UNIFORM;
    p.vms = 1;
    mmusim_access *b = generate(&p, &n);
    p.vms = 0; /* parameters from before VMs: one VM */
    a = generate(&p, &n);
    assert_true(same(a, b, N));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i].vmid, 0);
    free(a);
    free(b);
}

static void test_write_ratio(void **state)
{
    (void)state;
    mmusim_gen_params p = params(MMUSIM_GEN_UNIFORM, 100000);
    size_t n, m;
    mmusim_access *r = generate(&p, &n);
    p.write_ratio = 0.25;
    mmusim_access *w = generate(&p, &m);
    size_t writes = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].type, MMU_READ);
        assert_int_equal(w[i].vaddr, r[i].vaddr); /* the addresses do not move */
        writes += w[i].type == MMU_WRITE;
    }
    assert_true(writes > 24000 && writes < 26000);
    free(w);
    p.write_ratio = 1.0;
    w = generate(&p, &m);
    for (size_t i = 0; i < m; i++)
        assert_int_equal(w[i].type, MMU_WRITE);
    free(w);
    free(r);
}

static void expect_bad(mmusim_gen_params p, const char *want)
{
    mmusim_gen *g = (mmusim_gen *)1;
    char err[256];
    assert_true(mmusim_gen_create(&p, &g, err, sizeof err) < 0);
    assert_null(g);
    assert_string_equal(err, want);
}

static void test_bad_params(void **state)
{
    (void)state;
    mmusim_gen_params p = params(MMUSIM_GEN_STRIDED, 10);
    p.stride = 0;
    expect_bad(p, "--stride must be at least 1");
    p = params(MMUSIM_GEN_UNIFORM, 10);
    p.size = 0;
    expect_bad(p, "--size 0 out of range 1..4096");
    p.size = 8;
    p.write_ratio = 1.5;
    expect_bad(p, "--write-ratio 1.5 out of range 0..1");
    p.write_ratio = 0;
    p.footprint = 100;
    expect_bad(p, "--footprint 100 holds no unit of 4096 bytes (or give --pages)");
    p = params(MMUSIM_GEN_ZIPF, 10);
    p.pages = (1 << 24) + 1;
    expect_bad(p, "zipf: at most 16777216 pages (16777217 asked)");
    p.pages = 10;
    p.alpha = -1;
    expect_bad(p, "--alpha -1 out of range 0..100");
    p = params(MMUSIM_GEN_SEQUENTIAL, 10);
    p.footprint = 4;
    expect_bad(p, "--footprint 4 is smaller than --size 8");
    p.footprint = 4096;
    p.base = UINT64_MAX - 100;
    expect_bad(p, "--base plus the footprint does not fit in 64 bits");
    p = params(MMUSIM_GEN_MIX, 10);
    p.procs = 0;
    expect_bad(p, "--procs 0 out of range 1..65535");
    p.procs = 2;
    p.quantum = 0;
    expect_bad(p, "--quantum must be at least 1 access");
    p.quantum = 5;
    p.vms = 65537;
    expect_bad(p, "--vms 65537 out of range 1..65536");
    p.vms = 40000;
    expect_bad(p, "--procs 2 times --vms 40000 is more than 65535 processes");
    p.vms = 1;
    p.pattern = MMUSIM_GEN_MIX;
    expect_bad(p, "--pattern must be sequential, strided, uniform, zipf or chase");
    p.pattern = MMUSIM_GEN_STRIDED;
    p.stride = 0;
    expect_bad(p, "--stride must be at least 1");
    p = params(MMUSIM_GEN_UNIFORM, 10);
    p.vms = 2;
    expect_bad(p, "--vms needs the mix generator (one VM per set of processes)");
    p = params(MMUSIM_GEN_CHASE, 10);
    p.pages = ((uint64_t)1 << 26) + 1;
    expect_bad(p, "chase: at most 67108864 elements (67108865 asked)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_sequential),
        cmocka_unit_test(test_strided),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_zipf),
        cmocka_unit_test(test_chase),
        cmocka_unit_test(test_mix),
        cmocka_unit_test(test_mix_vms),
        cmocka_unit_test(test_write_ratio),
        cmocka_unit_test(test_bad_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
