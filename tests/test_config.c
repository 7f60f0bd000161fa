/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c - configuration: defaults, the validator's messages,
 * setting by name (every key type, unknown sections and keys, ranges), the
 * list of TLB arrays, INI files (line numbers in errors, unknown sections)
 * and the dump, which must read back to the same configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmusim/io/config_file.h"
#include "mmusim/mmusim.h"

static char msg[512];

static void test_defaults_valid(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_OK);
    assert_int_equal(c.n_tlbs, 4);
    assert_int_equal(mmu_config_find_tlb(&c, "stlb"), 3);
    assert_int_equal(c.tlb[3].entries, 1536);
    assert_int_equal(c.tlb[3].ways, 12);
}

static void test_set_each_type(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "mmu.seed", "18446744073709551615", msg, sizeof msg), MMU_OK);
    assert_true(c.seed == UINT64_MAX);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.entries", "2048", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.ways", "0x10", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.tlb[3].ways, 16);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.policy", "srrip", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.tlb[3].policy, MMU_REPL_SRRIP);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.page_sizes", "4K, 2M,1G", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.tlb[3].page_sizes, (1u << MMU_PS_4K) | (1u << MMU_PS_2M) | (1u << MMU_PS_1G));
    assert_int_equal(mmu_config_set(&c, "tlb.l1i.side", "id", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.tlb[0].side, MMU_SIDE_BOTH);
    assert_int_equal(mmu_config_set(&c, "tlb.fill", "exclusive", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.fill, MMU_FILL_EXCLUSIVE);
    assert_int_equal(mmu_config_set(&c, "walker.page_size", "2m", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.walker.page_size, MMU_PS_2M);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_OK);
}

static void test_set_errors(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.entriez", "1", msg, sizeof msg), MMU_EUNKNOWN);
    assert_string_equal(msg, "tlb.stlb: unknown key 'entriez'");
    assert_int_equal(mmu_config_set(&c, "tlbx.seed", "1", msg, sizeof msg), MMU_EUNKNOWN);
    assert_string_equal(msg, "unknown section [tlbx]");
    assert_int_equal(mmu_config_set(&c, "tlb.l2.entries", "1", msg, sizeof msg), MMU_EUNKNOWN);
    assert_string_equal(msg, "[tlb.l2]: unknown TLB array 'l2' (tlb.arrays = l1i l1d l1d_2m stlb; "
                             "declare it there first)");
    assert_int_equal(mmu_config_set(&c, "seed", "1", msg, sizeof msg), MMU_EUNKNOWN);
    assert_int_equal(mmu_config_set(&c, "mmu.seed", "-1", msg, sizeof msg), MMU_EPARSE);
    assert_string_equal(msg, "mmu.seed: '-1' is not a non-negative integer");
    assert_int_equal(mmu_config_set(&c, "mmu.seed", "12abc", msg, sizeof msg), MMU_EPARSE);
    assert_int_equal(mmu_config_set(&c, "mmu.seed", "99999999999999999999999", msg, sizeof msg), MMU_ERANGE);
    assert_int_equal(mmu_config_set(&c, "mmu.clock_mhz", "0", msg, sizeof msg), MMU_ERANGE);
    assert_string_equal(msg, "mmu.clock_mhz: 0 is out of range 1..100000");
    assert_int_equal(mmu_config_set(&c, "tlb.l1d.level", "5", msg, sizeof msg), MMU_ERANGE);
    assert_int_equal(mmu_config_set(&c, "tlb.l1d.policy", "lfu", msg, sizeof msg), MMU_EPARSE);
    assert_string_equal(msg, "tlb.l1d.policy: 'lfu' is not one of lru, plru, fifo, random, nru, srrip");
    assert_int_equal(mmu_config_set(&c, "tlb.l1d.page_sizes", "4K 3M", msg, sizeof msg), MMU_EPARSE);
    assert_int_equal(mmu_config_set(&c, "tlb.l1d.side", "x", msg, sizeof msg), MMU_EPARSE);
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "a a", msg, sizeof msg), MMU_EPARSE);
    assert_string_equal(msg, "tlb.arrays: 'a' is named twice");
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "Bad", msg, sizeof msg), MMU_EPARSE);
    /* a failed set leaves the configuration as it was */
    mmu_config d;
    mmu_config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);
}

static void test_validate_messages(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    c.tlb[3].ways = 5;
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "tlb.stlb.ways (5) must divide tlb.stlb.entries (1536)");
    mmu_config_defaults(&c);
    c.tlb[3].level = 3; /* levels 1 and 3, no 2 */
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_non_null(strstr(msg, "skip a level"));
    mmu_config_defaults(&c);
    c.walker.latency = 2000000;
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, "walker.latency (2000000) is more than 1000000 cycles");
}

static void test_arrays_list(void **state)
{
    (void)state;
    mmu_config c;
    mmu_config_defaults(&c);
    c.tlb[3].entries = 2048; /* kept: stlb stays in the list */
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "stlb, utlb", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.n_tlbs, 2);
    assert_string_equal(c.tlb[0].name, "stlb");
    assert_int_equal(c.tlb[0].entries, 2048);
    assert_string_equal(c.tlb[1].name, "utlb");
    assert_int_equal(c.tlb[1].entries, 64); /* a new array gets the defaults */
    assert_int_equal(c.tlb[1].side, MMU_SIDE_BOTH);
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.n_tlbs, 0);
    assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_OK);
}

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mmusim_cfg_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_ini_file(void **state)
{
    (void)state;
    mmu_config c;
    char err[1024];
    mmu_config_defaults(&c);
    /* array sections may come before the list that declares them */
    char *p = write_tmp("; a unified TLB\n[tlb.u]\nentries = 128\nways = 8 ; inline comment\n"
                        "[tlb]\narrays = u\n[mmu]\nseed = 5\n");
    assert_int_equal(mmusim_config_load(&c, p, err, sizeof err), 0);
    unlink(p);
    assert_int_equal(c.n_tlbs, 1);
    assert_int_equal(c.tlb[0].entries, 128);
    assert_int_equal(c.tlb[0].ways, 8);
    assert_int_equal(c.seed, 5);

    mmu_config_defaults(&c);
    p = write_tmp("[mmu]\nseed = 5\n\n[tlb.l1d]\nwayz = 4\n");
    assert_int_equal(mmusim_config_load(&c, p, err, sizeof err), -1);
    char expect[256];
    snprintf(expect, sizeof expect, "%s:5: tlb.l1d: unknown key 'wayz'", p);
    assert_string_equal(err, expect);
    unlink(p);

    mmu_config_defaults(&c);
    p = write_tmp("[mmu]\nseed = 5\n[nonsense]\n");
    assert_int_equal(mmusim_config_load(&c, p, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s:3: unknown section [nonsense]", p);
    assert_string_equal(err, expect);
    unlink(p);

    mmu_config_defaults(&c);
    p = write_tmp("[mmu]\nthis line is not ini\n");
    assert_int_equal(mmusim_config_load(&c, p, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "%s:2: malformed line", p);
    assert_memory_equal(err, expect, strlen(expect));
    unlink(p);

    assert_int_equal(mmusim_config_load(&c, "/nonexistent/x.ini", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/x.ini: No such file or directory");
}

static void test_dump_reads_back(void **state)
{
    (void)state;
    mmu_config c, d;
    char err[1024];
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "tlb.arrays", "l1d stlb x", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "tlb.x.level", "3", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "tlb.x.page_sizes", "1G 512M", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "tlb.stlb.policy", "plru", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "mmu.seed", "77", msg, sizeof msg), MMU_OK);
    char path[] = "/tmp/mmusim_dump_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    mmusim_config_dump(&c, f, 1);
    fclose(f);
    /* read it into a configuration that starts out different */
    mmu_config_defaults(&d);
    assert_int_equal(mmusim_config_load(&d, path, err, sizeof err), 0);
    unlink(path);
    assert_int_equal(d.pwc_set, 0x1e); /* the dump sets every level's keys */
    d.pwc_set = c.pwc_set;
    assert_int_equal(d.virt_pwc_set, 0x1e); /* the same for the host PWC ([virt.pwc.l*]) */
    d.virt_pwc_set = c.virt_pwc_set;
    assert_memory_equal(&c, &d, sizeof c);
}

/* The paging-structure caches follow walker.format unless set (issue 10, item 4). */
static void test_pwc_format_defaults(void **state)
{
    (void)state;
    static const struct {
        const char *format;
        uint32_t l3, l4; /* entries */
    } want[] = {{"x86_64", 4, 0}, {"x86_64_la57", 4, 2}, {"sv39", 4, 0}, {"sv48", 4, 0},
                {"sv57", 4, 2}, {"aarch64_4k", 4, 0}, {"aarch64_64k", 4, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        mmu_config c;
        mmu_config_defaults(&c);
        assert_int_equal(mmu_config_set(&c, "walker.format", want[i].format, msg, sizeof msg), MMU_OK);
        assert_int_equal(c.pwc.level[3].entries, want[i].l3);
        assert_int_equal(c.pwc.level[4].entries, want[i].l4);
        assert_int_equal(c.pwc.level[4].ways, want[i].l4);
        assert_int_equal(c.pwc.level[4].latency, want[i].l4 ? 1 : 0);
        assert_int_equal(mmu_config_validate(&c, msg, sizeof msg), MMU_OK);
    }
    /* a level set before the format keeps its value; one set after wins */
    mmu_config c;
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "pwc.l4.entries", "0", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "pwc.l1.entries", "16", msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_config_set(&c, "walker.format", "sv57", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.pwc.level[4].entries, 0);
    assert_int_equal(c.pwc.level[1].entries, 16);
    assert_int_equal(c.pwc.level[2].entries, 8);
    assert_int_equal(mmu_config_set(&c, "pwc.l4.entries", "8", msg, sizeof msg), MMU_OK);
    assert_int_equal(c.pwc.level[4].entries, 8);
    /* an MMU of a 5-level format caches level-4 entries by default */
    mmu_config_defaults(&c);
    assert_int_equal(mmu_config_set(&c, "walker.format", "x86_64_la57", msg, sizeof msg), MMU_OK);
    mmu *m;
    assert_int_equal(mmu_create(&c, &m, msg, sizeof msg), MMU_OK);
    assert_int_equal(mmu_pwc_get_config(mmu_get_pwc(m))->level[4].entries, 2);
    mmu_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_valid),   cmocka_unit_test(test_set_each_type),
        cmocka_unit_test(test_set_errors),       cmocka_unit_test(test_validate_messages),
        cmocka_unit_test(test_arrays_list),      cmocka_unit_test(test_ini_file),
        cmocka_unit_test(test_dump_reads_back),  cmocka_unit_test(test_pwc_format_defaults),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
