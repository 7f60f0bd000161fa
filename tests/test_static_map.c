/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_static_map.c - the static map ([map]): the region list's text
 * (parse, print, read back, errors naming the region), the checks against a
 * format, and the tables built for every format: each region translates as
 * given (address, permissions, page size, ASID or global) through an MMU
 * walking them, with the format's walk reference counts, and a walk of an
 * unmapped address faults.  Overlaps and a table range too small are errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/mmusim.h"

static void test_parse_and_print(void **state)
{
    (void)state;
    mmu_map_config m;
    memset(&m, 0, sizeof m);
    char msg[256];
    assert_int_equal(mmu_map_parse_regions(&m, " 0x400000:0x80000000:64K:rw:4K:asid=1 , 0xffff800000000000:0:1G:rwxs:2M:global; 0x1000:0x2000:0x1000:r", msg, sizeof msg), MMU_OK);
    assert_int_equal(m.n_regions, 3);
    assert_int_equal(m.region[0].vbase, 0x400000);
    assert_int_equal(m.region[0].pbase, 0x80000000);
    assert_int_equal(m.region[0].size, 64 << 10);
    assert_int_equal(m.region[0].perms, MMU_MAP_READ | MMU_MAP_WRITE);
    assert_int_equal(m.region[0].page_size, MMU_PS_4K);
    assert_int_equal(m.region[0].global, 0);
    assert_int_equal(m.region[0].asid, 1);
    assert_int_equal(m.region[1].perms, MMU_MAP_READ | MMU_MAP_WRITE | MMU_MAP_EXEC | MMU_MAP_SUPER);
    assert_int_equal(m.region[1].page_size, MMU_PS_2M);
    assert_int_equal(m.region[1].global, 1);
    assert_int_equal(m.region[2].global, 1); /* the default */
    assert_int_equal(m.region[2].page_size, MMU_PS_4K);
    char text[1024];
    mmu_map_format_regions(&m, text, sizeof text);
    assert_string_equal(text, "0x400000:0x80000000:64K:rw:4K:asid=1, 0xffff800000000000:0x0:1G:rwxs:2M:global, "
                              "0x1000:0x2000:4K:r:4K:global");
    mmu_map_config back;
    memset(&back, 0, sizeof back);
    assert_int_equal(mmu_map_parse_regions(&back, text, msg, sizeof msg), MMU_OK);
    assert_memory_equal(back.region, m.region, sizeof m.region[0] * 3);
    assert_int_equal(mmu_map_parse_regions(&back, "", msg, sizeof msg), MMU_OK);
    assert_int_equal(back.n_regions, 0);

    /* errors name the region and the field */
    assert_int_equal(mmu_map_parse_regions(&m, "0x1000:0x2000:4K:rw, 0x5000:zz:4K:r", msg, sizeof msg), MMU_EPARSE);
    assert_non_null(strstr(msg, "region 1"));
    assert_non_null(strstr(msg, "'zz'"));
    assert_int_equal(m.n_regions, 3); /* unchanged */
    assert_int_equal(mmu_map_parse_regions(&m, "0x1000:0x2000:4K:rq", msg, sizeof msg), MMU_EPARSE);
    assert_non_null(strstr(msg, "permissions"));
    assert_int_equal(mmu_map_parse_regions(&m, "0x1000:0x2000:4K:r:3K", msg, sizeof msg), MMU_EPARSE);
    assert_int_equal(mmu_map_parse_regions(&m, "0x1000:0x2000:4K:r:asid=70000", msg, sizeof msg), MMU_ERANGE);
    assert_int_equal(mmu_map_parse_regions(&m, "0x1000:0x2000", msg, sizeof msg), MMU_EPARSE);
}

static void test_config_keys(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    char msg[256];
    assert_int_equal(mmu_config_set(&c, "map.regions", "0x400000:0x100000:8K:rw", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.table_base", "0x200000", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.table_size", "64K", msg, sizeof msg), MMU_OK);
    /* the OS model is on by default: the map replaces it, say so */
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "os.enabled = off"));
    assert_int_equal(mmu_config_set(&c, "os.enabled", "off", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.table_base", "0x200800", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "map.table_base"));
    assert_int_equal(mmu_config_set(&c, "map.table_base", "0x200000", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.regions", "0x400000:0x100800:8K:rw", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "region 0"));
    assert_int_equal(mmu_config_set(&c, "map.regions", "0x400000:0x100000:8K:rw:1G", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_int_equal(mmu_config_set(&c, "map.regions", "0x800000000000:0x100000:4K:rw", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "canonical"));
    assert_int_equal(mmu_config_set(&c, "map.regions", "0x400000:0x100000:4K:w", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
}

/* Translate through an MMU over the static map; returns the response. */
static mmu_response xlate(mmu *m, uint64_t va, uint16_t asid, mmu_access_type type, mmu_priv priv)
{
    static uint64_t cycle = 0;
    mmu_request req = {va, cycle, 8, asid, (uint8_t)type, (uint8_t)priv, 0};
    mmu_response r;
    (void)mmu_translate(m, &req, &r);
    cycle = r.done_cycle + 1;
    return r;
}

static void check_format(const char *format, const char *big)
{
    mmu_config c;
    mmu_config_defaults(&c);
    char msg[512], regions[512];
    assert_int_equal(mmu_config_set(&c, "walker.format", format, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "os.enabled", "off", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "pwc.l1.entries", "0", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "pwc.l2.entries", "0", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "pwc.l3.entries", "0", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "pwc.l4.entries", "0", msg, sizeof msg), MMU_OK);
    const mmu_pt_format *fmt = mmu_pt_format_find(format);
    const mmu_page_size base = (mmu_page_size)fmt->page_size[0];
    const uint64_t pg = UINT64_C(1) << mmu_page_shift(base);
    const mmu_page_size bps = mmu_page_size_parse(big);
    const uint64_t bpg = UINT64_C(1) << mmu_page_shift(bps);
    snprintf(regions, sizeof regions,
             "0x%llx:0x%llx:0x%llx:rw:%s:asid=3, 0x%llx:0x%llx:0x%llx:rx:%s, 0x%llx:0x%llx:0x%llx:rw:%s:asid=4",
             (unsigned long long)(16 * pg), (unsigned long long)(UINT64_C(0x40000000)), (unsigned long long)(2 * pg),
             mmu_page_size_name(base), (unsigned long long)(2 * bpg), (unsigned long long)(UINT64_C(0x80000000)),
             (unsigned long long)bpg, big, (unsigned long long)(16 * pg), (unsigned long long)(UINT64_C(0x50000000)),
             (unsigned long long)pg, mmu_page_size_name(base));
    assert_int_equal(mmu_config_set(&c, "map.regions", regions, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.table_base", "0x10000000", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "map.table_size", "16M", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.page_sizes", "4K 16K 64K 2M 32M 512M 1G", msg, sizeof msg), MMU_OK);
    if (mmu_config_validate(&c, msg, sizeof msg) != MMU_OK)
        fail_msg("%s: %s", format, msg);
    mmu *m;
    mmu_static_map *sm;
    assert_int_equal(mmu_create(&c, &m, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_static_map_create(&c, &sm, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_static_map_attach(sm, m), MMU_OK);
    const mmu_map_tables *t = mmu_static_map_tables(sm);
    assert_int_equal(t->n_roots, 2);
    assert_true(t->bytes <= (UINT64_C(16) << 20));

    /* ASID 3: its region and the global one; a full walk reads one PTE per level */
    mmu_response r = xlate(m, 16 * pg + pg + 0x18, 3, MMU_WRITE, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.paddr, 0x40000000 + pg + 0x18);
    assert_int_equal(r.page_size, base);
    assert_int_equal(r.walk_refs, fmt->levels); /* accessed and dirty already: no PTE writes */
    r = xlate(m, 2 * bpg + 0x1230, 3, MMU_FETCH, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.paddr, 0x80001230);
    assert_int_equal(r.page_size, bps);
    r = xlate(m, 2 * bpg + 0x1230, 3, MMU_WRITE, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_WRITE_RO);
    /* ASID 4 maps the same virtual page elsewhere; ASID 9 (no region of its own): global only */
    r = xlate(m, 16 * pg + 8, 4, MMU_READ, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.paddr, 0x50000008);
    r = xlate(m, 16 * pg + 8, 9, MMU_READ, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NOT_PRESENT);
    r = xlate(m, 2 * bpg, 9, MMU_READ, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NONE);
    assert_int_equal(r.paddr, 0x80000000);
    /* past the region */
    r = xlate(m, 16 * pg + 2 * pg, 3, MMU_READ, MMU_PRIV_USER);
    assert_int_equal(r.fault, MMU_FAULT_NOT_PRESENT);
    assert_int_equal(mmu_get_stats(m)->ad_writes, 0);
    mmu_destroy(m);
    mmu_static_map_destroy(sm);
}

static void test_formats(void **state)
{
    (void)state;
    check_format("x86_64", "2M");
    check_format("x86_64_la57", "1G");
    check_format("sv39", "2M");
    check_format("sv48", "1G");
    check_format("aarch64_4k", "2M");
    check_format("aarch64_16k", "32M");
    check_format("aarch64_64k", "512M");
}

static void test_supervisor_and_errors(void **state)
{
    (void)state;
    const mmu_pt_format *fmt = mmu_pt_format_find("x86_64");
    mmu_sparse_mem *mem;
    assert_int_equal(mmu_sparse_mem_create(0, &mem), MMU_OK);
    mmu_mem_port port = mmu_sparse_mem_port(mem);
    mmu_map_config m;
    memset(&m, 0, sizeof m);
    char msg[256];
    m.table_base = 0x100000;
    m.table_size = 0x3000; /* three tables: not enough for four levels */
    assert_int_equal(mmu_map_parse_regions(&m, "0x400000:0x1000:4K:rws", msg, sizeof msg), MMU_OK);
    mmu_map_tables t;
    assert_int_equal(mmu_map_build(&m, fmt, &port, &t, msg, sizeof msg), MMU_EFULL);
    assert_non_null(strstr(msg, "map.table_size"));
    m.table_size = 0x10000;
    assert_int_equal(mmu_map_parse_regions(&m, "0x400000:0x1000:8K:rw, 0x401000:0x9000:4K:r", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_map_build(&m, fmt, &port, &t, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "region 1 overlaps"));
    assert_int_equal(mmu_map_parse_regions(&m, "0x400000:0x200000:2M:rw:2M, 0x401000:0x9000:4K:r", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_map_build(&m, fmt, &port, &t, msg, sizeof msg), MMU_ECONFIG);
    /* a supervisor-only region: user accesses fault, supervisor ones do not */
    assert_int_equal(mmu_map_parse_regions(&m, "0x400000:0x1000:4K:rws", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_map_build(&m, fmt, &port, &t, msg, sizeof msg), MMU_OK);
    assert_int_equal(t.tables, 4);
    assert_int_equal(t.leaves, 1);
    mmu_walk_result w;
    assert_int_equal(mmu_walk(fmt, t.shared_root, &port, NULL, 0x400010, MMU_READ, MMU_PRIV_SUPER, 0, NULL, &w), MMU_OK);
    assert_int_equal(w.paddr, 0x1010);
    assert_int_equal(w.reads, 4);
    assert_int_equal(mmu_walk(fmt, t.shared_root, &port, NULL, 0x400010, MMU_READ, MMU_PRIV_USER, 0, NULL, &w), MMU_EFAULT);
    assert_int_equal(w.fault, MMU_FAULT_USER_SUPER);
    assert_int_equal(mmu_map_root(&t, 77), t.shared_root);
    mmu_sparse_mem_destroy(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_print),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_supervisor_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
