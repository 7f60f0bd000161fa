/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_os_ranges.c - the OS model's frames in physical ranges
 * (os.frame_ranges, os.pt_ranges; docs/os-model.md, "Physical ranges"):
 * parsing and formatting of range lists, the checks (overlap, out of
 * range, zero size, alignment, too small) with their messages, every frame
 * handed out inside its ranges (data and page tables, sequential and
 * random, with THP), memory pressure and swap within the ranges, the cut
 * to os.phys_mem, and the default (no ranges) unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/config.h"
#include "mmusim/memport.h"
#include "mmusim/os.h"
#include "mmusim/pagetable.h"

#define KB 1024ull
#define MB (1024ull * KB)

/* ---- helpers ---- */

static mmu_os *make_os(const char *fname, const mmu_os_config *c)
{
    const mmu_pt_format *f = mmu_pt_format_find(fname);
    assert_non_null(f);
    char msg[256];
    if (mmu_os_config_check(c, f, msg, sizeof msg) != MMU_OK)
        fail_msg("config: %s", msg);
    mmu_os *os = NULL;
    assert_int_equal(mmu_os_create(c, f, &os), MMU_OK);
    return os;
}

static mmu_os_config ranged(const char *frames, const char *tables)
{
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    char msg[256];
    if (mmu_os_ranges_parse(&c.frame_ranges, frames, "os.frame_ranges", msg, sizeof msg) != MMU_OK)
        fail_msg("%s", msg);
    if (tables && mmu_os_ranges_parse(&c.pt_ranges, tables, "os.pt_ranges", msg, sizeof msg) != MMU_OK)
        fail_msg("%s", msg);
    return c;
}

static int in_ranges(const mmu_os_ranges *l, uint64_t pa, uint64_t bytes)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (pa >= l->r[i].base && pa + bytes <= l->r[i].base + l->r[i].size)
            return 1;
    return 0;
}

/* Where the frames of one access were: its data page and every table read. */
typedef struct seen {
    uint64_t data_pa, page_bytes;
    uint64_t table_pa[MMU_PT_MAX_LEVELS];
    unsigned ntables;
} seen;

/* One access as the MMU makes it (walk, fault, walk again); returns the OS's error or MMU_OK. */
static mmu_err touch(mmu_os *os, uint16_t asid, uint64_t va, mmu_access_type t, seen *s)
{
    const mmu_pt_format *f = mmu_os_format(os);
    for (int i = 0; i < 4; i++) {
        uint64_t root = mmu_os_root(os, asid);
        if (root == MMU_OS_NO_ROOT)
            return MMU_EFULL;
        mmu_walk_result w;
        mmu_err e = mmu_walk(f, root, mmu_os_port(os), NULL, va, t, MMU_PRIV_USER, asid, NULL, &w);
        if (e == MMU_OK) {
            if (s) {
                s->data_pa = w.pbase;
                s->page_bytes = 1ull << w.page_shift;
                s->ntables = w.reads;
                for (unsigned r = 0; r < w.reads; r++)
                    s->table_pa[r] = w.read_addr[r] & ~(uint64_t)((1ull << f->shift[0]) - 1);
            }
            return MMU_OK;
        }
        assert_int_equal(e, MMU_EFAULT);
        mmu_os_fault_result r;
        e = mmu_os_handle_fault(os, asid, va, t, MMU_PRIV_USER, &w, &r);
        if (e != MMU_OK)
            return e;
        assert_int_not_equal(r.kind, MMU_OS_FAULT_PROTECTION);
    }
    fail_msg("access to 0x%llx did not succeed after 4 faults", (unsigned long long)va);
    return MMU_EINVAL;
}

/* Touch va and check its data frame is in data, its tables in tables. */
static seen touch_in(mmu_os *os, uint16_t asid, uint64_t va, mmu_access_type t, const mmu_os_ranges *data,
                     const mmu_os_ranges *tables)
{
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(touch(os, asid, va, t, &s), MMU_OK);
    if (!in_ranges(data, s.data_pa, s.page_bytes))
        fail_msg("va 0x%llx: data frame 0x%llx is outside the ranges", (unsigned long long)va,
                 (unsigned long long)s.data_pa);
    for (unsigned i = 0; i < s.ntables; i++)
        if (!in_ranges(tables, s.table_pa[i], 4096))
            fail_msg("va 0x%llx: table 0x%llx is outside the ranges", (unsigned long long)va,
                     (unsigned long long)s.table_pa[i]);
    mmu_os_frame_info fi;
    assert_int_equal(mmu_os_frame_info_get(os, s.data_pa, &fi), MMU_OK);
    assert_int_equal(fi.kind, MMU_OS_FRAME_DATA);
    assert_int_equal(fi.asid, asid);
    for (unsigned i = 0; i < s.ntables; i++) {
        assert_int_equal(mmu_os_frame_info_get(os, s.table_pa[i], &fi), MMU_OK);
        assert_int_equal(fi.kind, MMU_OS_FRAME_TABLE);
    }
    return s;
}

static mmu_os_stats stats(const mmu_os *os)
{
    mmu_os_stats s;
    mmu_os_get_stats(os, &s);
    return s;
}

/* ---- parsing and formatting ---- */

static void expect_parse_bad(const char *text, mmu_err want, const char *needle)
{
    mmu_os_ranges l = {0};
    char msg[256] = "";
    assert_int_equal(mmu_os_ranges_parse(&l, text, "os.frame_ranges", msg, sizeof msg), want);
    if (!strstr(msg, needle) || !strstr(msg, "os.frame_ranges"))
        fail_msg("'%s': message '%s' lacks '%s' or the field", text, msg, needle);
}

static void test_parse(void **state)
{
    (void)state;
    mmu_os_ranges l;
    char msg[256], buf[512];
    assert_int_equal(mmu_os_ranges_parse(&l, " 0x80000000+16M , 0x90000000 + 0x800000,4096+8K", "f", msg,
                                         sizeof msg),
                     MMU_OK);
    assert_int_equal(l.n, 3);
    assert_true(l.r[0].base == 0x80000000 && l.r[0].size == 16 * MB);
    assert_true(l.r[1].base == 0x90000000 && l.r[1].size == 8 * MB);
    assert_true(l.r[2].base == 4096 && l.r[2].size == 8 * KB);
    mmu_os_ranges_format(&l, buf, sizeof buf);
    assert_string_equal(buf, "0x80000000+16M, 0x90000000+8M, 0x1000+8K");
    mmu_os_ranges back;
    assert_int_equal(mmu_os_ranges_parse(&back, buf, "f", msg, sizeof msg), MMU_OK);
    assert_memory_equal(&back, &l, sizeof l);
    /* decimal with leading zeros is decimal, never octal */
    assert_int_equal(mmu_os_ranges_parse(&l, "010+4096", "f", msg, sizeof msg), MMU_OK);
    assert_true(l.r[0].base == 10);
    assert_int_equal(mmu_os_ranges_parse(&l, "", "f", msg, sizeof msg), MMU_OK);
    assert_int_equal(l.n, 0);
    mmu_os_ranges_format(&l, buf, sizeof buf);
    assert_string_equal(buf, "");

    expect_parse_bad("0x80000000", MMU_EPARSE, "range 1 '0x80000000': expected BASE+SIZE");
    expect_parse_bad("0x80000000+16M, 0x9000000-8M", MMU_EPARSE, "range 2 '0x9000000-8M': expected BASE+SIZE");
    expect_parse_bad("0x80000000+16Q", MMU_EPARSE, "'16Q' is not a size");
    expect_parse_bad("0x8000000g+16M", MMU_EPARSE, "'0x8000000g' is not a physical address");
    expect_parse_bad("+16M", MMU_EPARSE, "'' is not a physical address");
    expect_parse_bad("0x1000+", MMU_EPARSE, "'' is not a size");
    expect_parse_bad("0x1000+4K,", MMU_EPARSE, "range 2 is empty");
    expect_parse_bad("0x1000+4K,,0x2000+4K", MMU_EPARSE, "range 2 is empty");
    expect_parse_bad("0x1000+99999999999999999999", MMU_EPARSE, "is not a size");
    char many[1024] = "";
    for (unsigned i = 0; i <= MMU_OS_MAX_RANGES; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s0x%x+4K", i ? "," : "", (i + 1) * 0x10000);
    expect_parse_bad(many, MMU_ERANGE, "at most 16 ranges");
    /* a failed parse leaves the list as it was */
    assert_int_equal(mmu_os_ranges_parse(&l, "0x1000+4K", "f", msg, sizeof msg), MMU_OK);
    assert_int_not_equal(mmu_os_ranges_parse(&l, "0x1000+4K, junk", "f", msg, sizeof msg), MMU_OK);
    assert_int_equal(l.n, 1);
    /* the C API's append */
    for (unsigned i = 1; i < MMU_OS_MAX_RANGES; i++)
        assert_int_equal(mmu_os_ranges_add(&l, 0x100000ull * i, 4096), MMU_OK);
    assert_int_equal(mmu_os_ranges_add(&l, 0x10000000, 4096), MMU_EFULL);
}

/* ---- the checks ---- */

static void expect_bad(const mmu_os_config *c, const char *fmt, const char *needle)
{
    char msg[256] = "";
    assert_int_equal(mmu_os_config_check(c, mmu_pt_format_find(fmt), msg, sizeof msg), MMU_ECONFIG);
    if (!strstr(msg, needle))
        fail_msg("message '%s' lacks '%s'", msg, needle);
}

static void test_check(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x80000000+16M, 0x90000000+8M", "0xa0000000+64K");
    assert_int_equal(mmu_os_config_check(&c, mmu_pt_format_find("x86_64"), NULL, 0), MMU_OK);

    c = ranged("0x80000000+16M, 0x80800000+8M", NULL);
    expect_bad(&c, "x86_64",
               "os.frame_ranges range 1 (0x80000000+0x1000000) overlaps os.frame_ranges range 2 (0x80800000+0x800000)");
    c = ranged("0x80000000+16M", "0x80fff000+8K");
    expect_bad(&c, "x86_64", "os.frame_ranges range 1 (0x80000000+0x1000000) overlaps os.pt_ranges range 1");
    c = ranged("0x80000000+16M", "0xa0000000+16K, 0xa0002000+16K");
    expect_bad(&c, "x86_64", "os.pt_ranges range 1 (0xa0000000+0x4000) overlaps os.pt_ranges range 2");
    c = ranged("0x80000000+16M, 0x90000000+0", NULL);
    expect_bad(&c, "x86_64", "os.frame_ranges: range 2 (0x90000000+0) has size 0");
    c = ranged("0x80000000+16M", "0xa0000000+0");
    expect_bad(&c, "x86_64", "os.pt_ranges: range 1 (0xa0000000+0) has size 0");
    c = ranged("0x80000000+16M, 0xffffffffff000+8K", NULL);
    expect_bad(&c, "x86_64", "os.frame_ranges: range 2 (0xffffffffff000+0x2000) is out of range: it must end at or below 2^52");
    c = ranged("0x80000000+16M", "0xfffffffffff000+8K");
    expect_bad(&c, "sv39", "os.pt_ranges: range 1 (0xfffffffffff000+0x2000) is out of range: it must end at or below 2^56");
    c = ranged("0xfffffffffffff000+8K", NULL); /* wraps */
    expect_bad(&c, "x86_64", "is out of range");
    c = ranged("0x80000800+16M", NULL);
    expect_bad(&c, "x86_64", "os.frame_ranges: range 1 (0x80000800+0x1000000): base and size must be multiples");
    c = ranged("0x80000000+16M", "0xa0000000+5000");
    expect_bad(&c, "x86_64", "os.pt_ranges: range 1 (0xa0000000+0x1388): base and size must be multiples");
    c = ranged("0x80000000+64K", NULL);
    expect_bad(&c, "aarch64_64k", "os.frame_ranges: 65536 bytes of frames"); /* 1 frame of 64K, 4 needed */
    c = ranged("0x80000000+16K", NULL);
    expect_bad(&c, "x86_64", "os.frame_ranges: 16384 bytes of frames (cut to os.phys_mem) is too small: at least 20480");
    c = ranged("0x80000000+4K", "0xa0000000+16K");
    assert_int_equal(mmu_os_config_check(&c, mmu_pt_format_find("x86_64"), NULL, 0), MMU_OK);
    c = ranged("0x80000000+4K", "0xa0000000+12K");
    expect_bad(&c, "x86_64", "os.pt_ranges: 12288 bytes is too small: at least 16384");
    mmu_os_config_defaults(&c);
    assert_int_equal(mmu_os_ranges_parse(&c.pt_ranges, "0xa0000000+64K", "os.pt_ranges", NULL, 0), MMU_OK);
    expect_bad(&c, "x86_64", "os.pt_ranges needs os.frame_ranges");
    c = ranged("0x80000000+1T, 0x20000000000+4K", NULL);
    expect_bad(&c, "x86_64", "more than 1099511627776 bytes");
}

/* Through the configuration's keys: strict parsing with messages naming the key; the dump shows them. */
static void test_config_keys(void **state)
{
    (void)state;
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    char msg[256] = "";
    assert_int_equal(mmu_config_set(&cfg, "os.frame_ranges", "0x80000000+16M, 0x90000000+8M", msg, sizeof msg),
                     MMU_OK);
    assert_int_equal(mmu_config_set(&cfg, "os.pt_ranges", "0xa0000000+1M", msg, sizeof msg), MMU_OK);
    assert_int_equal(cfg.os.frame_ranges.n, 2);
    assert_int_equal(cfg.os.pt_ranges.r[0].size, MB);
    assert_int_equal(mmu_config_validate(&cfg, msg, sizeof msg), MMU_OK);
    assert_int_not_equal(mmu_config_set(&cfg, "os.frame_ranges", "0x80000000:16M", msg, sizeof msg), MMU_OK);
    assert_non_null(strstr(msg, "os.frame_ranges: range 1 '0x80000000:16M': expected BASE+SIZE"));
    assert_int_equal(cfg.os.frame_ranges.n, 2); /* unchanged */
    assert_int_equal(mmu_config_set(&cfg, "os.frame_ranges", "0x80000000+16M, 0x80000000+8M", msg, sizeof msg),
                     MMU_OK);
    assert_int_equal(mmu_config_validate(&cfg, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "overlaps"));
    /* walker.pa_bits must reach every range */
    assert_int_equal(mmu_config_set(&cfg, "os.frame_ranges", "0x80000000+16M", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&cfg, "walker.pa_bits", "31", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&cfg, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "walker.pa_bits (31) is too narrow for os.frame_ranges range 1"));
    assert_int_equal(mmu_config_set(&cfg, "walker.pa_bits", "32", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&cfg, "os.pt_ranges", "0x100000000+1M", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&cfg, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "os.pt_ranges range 1"));
}

/* ---- frames in the ranges ---- */

/* Shared ranges, two of them, sequential: tables and data all inside, in list order. */
static void test_frames_in_ranges(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x80000000+64K, 0x90000000+32K", NULL);
    mmu_os *os = make_os("x86_64", &c);
    mmu_os_stats st = stats(os);
    assert_int_equal(st.frames_total, 24);
    uint64_t seen_hi = 0;
    for (uint64_t i = 0; i < 18; i++) { /* 4 tables + 18 data frames: both ranges used, no eviction */
        seen s = touch_in(os, 1, 0x400000 + i * 4096, MMU_WRITE, &c.frame_ranges, &c.frame_ranges);
        if (s.data_pa >= 0x90000000)
            seen_hi++;
    }
    assert_int_equal(seen_hi, 6); /* 16 frames in the first range: root, 3 tables, 12 data */
    st = stats(os);
    assert_int_equal(st.frames_used, 22);
    assert_int_equal(st.evictions, 0);
    /* outside the ranges: no frame */
    mmu_os_frame_info fi;
    assert_int_equal(mmu_os_frame_info_get(os, 0x4000, &fi), MMU_EINVAL);
    assert_int_equal(mmu_os_frame_info_get(os, 0x80010000, &fi), MMU_EINVAL);
    assert_int_equal(mmu_os_frame_info_get(os, 0x90008000, &fi), MMU_EINVAL);
    assert_int_equal(mmu_os_frame_info_get(os, 0x90007fff, &fi), MMU_OK);
    mmu_os_destroy(os);
}

/* Separate page-table ranges: tables only there, data only in the frame ranges; random allocation too. */
static void test_separate_tables(void **state)
{
    (void)state;
    for (unsigned alloc = 0; alloc < MMU_OS_ALLOC_POLICIES; alloc++) {
        mmu_os_config c = ranged("0x80000000+32K, 0x90000000+32K", "0xa0000000+256K");
        c.frame_alloc = alloc;
        c.seed = 7;
        mmu_os *os = make_os("sv48", &c);
        assert_int_equal(stats(os).frames_total, 16 + 64);
        for (uint64_t i = 0; i < 16; i++) /* every data frame, spread so that several tables are needed */
            touch_in(os, (uint16_t)(1 + i % 2), 0x400000 + (i << 21), MMU_READ, &c.frame_ranges,
                     &c.pt_ranges);
        mmu_os_stats st = stats(os);
        assert_int_equal(st.frames_used, 16 + st.frames_pt);
        assert_int_equal(st.evictions, 0);
        /* full now: the next page evicts a data page, never a table, and stays in the data ranges */
        touch_in(os, 1, 0x7f0000000000, MMU_READ, &c.frame_ranges, &c.pt_ranges);
        assert_int_equal(stats(os).evictions, 1);
        mmu_os_destroy(os);
    }
}

/* Memory pressure within the ranges: clock, write-back, swap-in; no frame mapped twice. */
static void test_pressure(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x80000000+16K, 0x90000000+16K", NULL); /* 8 frames: 4 tables, 4 data */
    c.phys_mem = 1 * MB; /* larger than the ranges: the ranges bound the memory */
    mmu_os *os = make_os("x86_64", &c);
    assert_int_equal(stats(os).frames_total, 8);
    for (int round = 0; round < 3; round++)
        for (uint64_t i = 0; i < 12; i++)
            touch_in(os, 1, 0x400000 + i * 4096, MMU_WRITE, &c.frame_ranges, &c.frame_ranges);
    mmu_os_stats st = stats(os);
    assert_true(st.evictions >= 32);
    assert_true(st.writebacks >= 32);
    assert_true(st.faults[MMU_OS_FAULT_MAJOR] >= 24);
    assert_int_equal(st.frames_used, 8);
    /* the 4 resident pages have 4 different frames, each in a range */
    uint64_t pa[12];
    unsigned n = 0;
    for (uint64_t i = 0; i < 12; i++) {
        mmu_os_frame_info fi;
        for (uint64_t f = 0; f < 8; f++) {
            uint64_t p = (f < 4 ? 0x80000000 : 0x90000000 - 0x4000) + f * 4096;
            if (mmu_os_frame_info_get(os, p, &fi) == MMU_OK && fi.kind == MMU_OS_FRAME_DATA &&
                fi.vaddr == 0x400000 + i * 4096) {
                for (unsigned k = 0; k < n; k++)
                    assert_true(pa[k] != p);
                pa[n++] = p;
            }
        }
    }
    assert_int_equal(n, 4);
    mmu_os_destroy(os);
}

/* A full page-table range: MMU_EFULL (tables are never evicted), data untouched. */
static void test_tables_full(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x80000000+64K", "0xa0000000+16K"); /* root and 3 tables: one path */
    mmu_os *os = make_os("x86_64", &c);
    touch_in(os, 1, 0x400000, MMU_READ, &c.frame_ranges, &c.pt_ranges);
    touch_in(os, 1, 0x401000, MMU_READ, &c.frame_ranges, &c.pt_ranges);
    assert_int_equal(touch(os, 1, 0x40000000, MMU_READ, NULL), MMU_EFULL); /* a new PDPT entry's tables */
    mmu_os_stats st = stats(os);
    assert_int_equal(st.frames_pt, 4);
    assert_int_equal(st.evictions, 0);
    mmu_os_destroy(os);
}

/* Physical memory is the first os.phys_mem bytes of the ranges, in list order. */
static void test_phys_mem_cut(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x90000000+64K, 0x80000000+64K", NULL);
    c.phys_mem = 80 * KB;
    mmu_os *os = make_os("x86_64", &c);
    assert_int_equal(stats(os).frames_total, 20);
    mmu_os_ranges first = {0};
    assert_int_equal(mmu_os_ranges_add(&first, 0x90000000, 64 * KB), MMU_OK);
    assert_int_equal(mmu_os_ranges_add(&first, 0x80000000, 16 * KB), MMU_OK);
    for (uint64_t i = 0; i < 40; i++)
        touch_in(os, 1, 0x400000 + i * 4096, MMU_READ, &first, &first);
    mmu_os_frame_info fi;
    assert_int_equal(mmu_os_frame_info_get(os, 0x80004000, &fi), MMU_EINVAL);
    assert_int_equal(stats(os).frames_used, 20);
    mmu_os_destroy(os);
}

/* THP: huge pages on aligned physical blocks inside the ranges, also when a range is not aligned. */
static void test_thp(void **state)
{
    (void)state;
    mmu_os_config c = ranged("0x80001000+6M", "0xa0000000+64K"); /* whole 2M blocks: 0x80200000, 0x80400000 */
    c.thp = 1;
    mmu_os *os = make_os("x86_64", &c);
    seen s = touch_in(os, 1, 0x40000000, MMU_WRITE, &c.frame_ranges, &c.pt_ranges);
    assert_int_equal(s.page_bytes, 2 * MB);
    assert_int_equal(s.data_pa, 0x80200000);
    s = touch_in(os, 1, 0x40200000, MMU_WRITE, &c.frame_ranges, &c.pt_ranges);
    assert_int_equal(s.data_pa, 0x80400000);
    s = touch_in(os, 1, 0x40400000, MMU_WRITE, &c.frame_ranges, &c.pt_ranges);
    assert_int_equal(s.page_bytes, 4096); /* no aligned block left: a base page */
    assert_int_equal(stats(os).thp_fallbacks, 1);
    /* fill the rest, then evict a huge page: its table comes from the table range */
    for (uint64_t i = 1; i < 1024; i++)
        touch_in(os, 1, 0x40400000 + i * 4096, MMU_WRITE, &c.frame_ranges, &c.pt_ranges);
    mmu_os_stats st = stats(os);
    assert_true(st.evictions >= 1);
    assert_true(st.thp_splits >= 1);
    for (uint64_t i = 0; i < 1024; i += 97)
        touch_in(os, 1, 0x40000000 + i * 4096, MMU_READ, &c.frame_ranges, &c.pt_ranges);
    mmu_os_destroy(os);

    /* shared ranges: the evicted huge page's first frame becomes the table, as without ranges */
    c = ranged("0x80000000+6M", NULL);
    c.thp = 1;
    os = make_os("x86_64", &c);
    for (uint64_t i = 0; i < 2; i++) {
        seen h = touch_in(os, 1, 0x40000000 + i * 2 * MB, MMU_WRITE, &c.frame_ranges, &c.frame_ranges);
        assert_int_equal(h.page_bytes, 2 * MB);
    }
    for (uint64_t i = 0; i < 1100; i++)
        touch_in(os, 1, 0x50000000 + i * 4096, MMU_WRITE, &c.frame_ranges, &c.frame_ranges);
    assert_true(stats(os).thp_splits >= 1);
    mmu_os_destroy(os);
}

/* No ranges: frames from physical address 0, the first data frame after the x86-64 root and tables. */
static void test_default_unchanged(void **state)
{
    (void)state;
    mmu_os_config c;
    mmu_os_config_defaults(&c);
    c.phys_mem = 1 * MB;
    mmu_os *os = make_os("x86_64", &c);
    assert_int_equal(stats(os).frames_total, 256);
    seen s;
    assert_int_equal(touch(os, 1, 0x400000, MMU_READ, &s), MMU_OK);
    assert_int_equal(s.data_pa, 0x4000);
    assert_int_equal(s.table_pa[0], 0x0);
    mmu_os_frame_info fi;
    assert_int_equal(mmu_os_frame_info_get(os, 0xff000, &fi), MMU_OK);
    assert_int_equal(mmu_os_frame_info_get(os, 0x100000, &fi), MMU_EINVAL);
    mmu_os_destroy(os);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_frames_in_ranges),
        cmocka_unit_test(test_separate_tables),
        cmocka_unit_test(test_pressure),
        cmocka_unit_test(test_tables_full),
        cmocka_unit_test(test_phys_mem_cut),
        cmocka_unit_test(test_thp),
        cmocka_unit_test(test_default_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
