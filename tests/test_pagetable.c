/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pagetable.c - page-table formats (descriptors, lookup by name,
 * canonical checks), PTE encode/decode (bit-exact values from the manuals,
 * round trips, refusals) and the sparse physical memory behind the port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/memport.h"
#include "mmusim/pagetable.h"

static const mmu_pt_format *fmt(const char *name)
{
    const mmu_pt_format *f = mmu_pt_format_find(name);
    assert_non_null(f);
    return f;
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rnd(void)
{
    /* xorshift64*: deterministic */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* ---- formats ---- */

static void test_format_list(void **state)
{
    (void)state;
    static const char *const names[] = {"x86_64", "x86_64_la57", "sv39", "sv48", "sv57",
                                        "aarch64_4k", "aarch64_4k_39", "aarch64_16k",
                                        "aarch64_64k", "ept", "ept5", "amd_npt", "amd_npt5",
                                        "aarch64_s2_4k", "aarch64_s2_4k_40", "aarch64_s2_16k",
                                        "aarch64_s2_64k", "sv39x4", "sv48x4", "sv57x4"};
    assert_int_equal(mmu_pt_format_count(), sizeof names / sizeof names[0]);
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const mmu_pt_format *f = mmu_pt_format_find(names[i]);
        assert_non_null(f);
        assert_ptr_equal(f, mmu_pt_format_get(i));
        assert_string_equal(f->name, names[i]);
    }
    assert_null(mmu_pt_format_get(mmu_pt_format_count()));
    assert_ptr_equal(mmu_pt_format_find("SV39"), fmt("sv39"));
    assert_null(mmu_pt_format_find("sv40"));
    assert_null(mmu_pt_format_find("x86"));
    assert_null(mmu_pt_format_find(""));
    assert_null(mmu_pt_format_find(NULL));
}

/* Every descriptor is self-consistent: index bits tile the VA, leaves map 2^shift bytes. */
static void test_format_consistency(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        assert_true(f->levels >= 1 && f->levels <= MMU_PT_MAX_LEVELS);
        assert_int_equal(f->pte_size, 8);
        unsigned bit = f->shift[0];
        uint32_t mask = 0;
        for (unsigned l = 0; l < f->levels; l++) {
            assert_int_equal(f->shift[l], bit);
            bit += f->index_bits[l];
            assert_non_null(f->level_names[l]);
            if (f->leaf_levels & (1u << l)) {
                assert_true(f->page_size[l] < MMU_PAGE_SIZES);
                assert_int_equal(mmu_page_shift((mmu_page_size)f->page_size[l]), f->shift[l]);
                mask |= 1u << f->page_size[l];
            } else {
                assert_int_equal(f->page_size[l], MMU_PAGE_SIZES);
            }
        }
        assert_int_equal(bit, f->va_bits);
        assert_int_equal(mask, f->page_sizes);
        assert_true(f->leaf_levels & 1u);
        assert_int_equal(f->leaf_levels >> f->levels, 0);
    }
    /* spot checks against the manuals */
    assert_int_equal(fmt("x86_64")->levels, 4);
    assert_int_equal(fmt("x86_64_la57")->levels, 5);
    assert_int_equal(fmt("x86_64_la57")->va_bits, 57);
    assert_int_equal(fmt("sv39")->levels, 3);
    assert_int_equal(fmt("sv57")->page_size[4], MMU_PS_256T);
    assert_int_equal(fmt("sv48")->page_size[3], MMU_PS_512G);
    assert_int_equal(fmt("aarch64_16k")->index_bits[3], 1);
    assert_int_equal(fmt("aarch64_16k")->page_size[1], MMU_PS_32M);
    assert_int_equal(fmt("aarch64_64k")->levels, 3);
    assert_int_equal(fmt("aarch64_64k")->index_bits[2], 6);
    assert_int_equal(fmt("aarch64_64k")->page_size[1], MMU_PS_512M);
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_64k"), 2), 512);
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_64k"), 0), 65536);
    assert_int_equal(mmu_pt_table_bytes(fmt("aarch64_16k"), 3), 16);
    assert_int_equal(mmu_pt_table_bytes(fmt("x86_64"), 3), 4096);
    assert_int_equal(mmu_pt_table_bytes(fmt("x86_64"), 4), 0);
    assert_string_equal(mmu_page_size_name(MMU_PS_512G), "512G");
    assert_int_equal(mmu_page_size_parse("256t"), MMU_PS_256T);
}

static void test_index(void **state)
{
    (void)state;
    const mmu_pt_format *x = fmt("x86_64");
    uint64_t va = (0x1ABull << 39) | (0x0CDull << 30) | (0x0EFull << 21) | (0x123ull << 12) | 0x456;
    assert_int_equal(mmu_pt_index(x, 3, va), 0x1AB);
    assert_int_equal(mmu_pt_index(x, 2, va), 0x0CD);
    assert_int_equal(mmu_pt_index(x, 1, va), 0x0EF);
    assert_int_equal(mmu_pt_index(x, 0, va), 0x123);
    assert_int_equal(mmu_pt_index(x, 4, va), 0);
    const mmu_pt_format *a = fmt("aarch64_16k");
    uint64_t va16 = (1ull << 47) | (0x7FFull << 36) | (0x001ull << 25) | (0x400ull << 14) | 0x3FFF;
    assert_int_equal(mmu_pt_index(a, 3, va16), 1);
    assert_int_equal(mmu_pt_index(a, 2, va16), 0x7FF);
    assert_int_equal(mmu_pt_index(a, 1, va16), 1);
    assert_int_equal(mmu_pt_index(a, 0, va16), 0x400);
}

static void test_canonical(void **state)
{
    (void)state;
    const mmu_pt_format *x = fmt("x86_64");
    assert_true(mmu_pt_is_canonical(x, 0x00007FFFFFFFFFFFull));
    assert_true(mmu_pt_is_canonical(x, 0xFFFF800000000000ull));
    assert_true(mmu_pt_is_canonical(x, 0));
    assert_true(mmu_pt_is_canonical(x, ~0ull));
    assert_false(mmu_pt_is_canonical(x, 0x0000800000000000ull));
    assert_false(mmu_pt_is_canonical(x, 0xFFFF7FFFFFFFFFFFull));
    assert_false(mmu_pt_is_canonical(x, 0x0001000000000000ull));
    const mmu_pt_format *x5 = fmt("x86_64_la57");
    assert_true(mmu_pt_is_canonical(x5, 0x00FFFFFFFFFFFFFFull));
    assert_true(mmu_pt_is_canonical(x5, 0xFF00000000000000ull));
    assert_false(mmu_pt_is_canonical(x5, 0x0100000000000000ull));
    assert_true(mmu_pt_is_canonical(x5, 0x0000800000000000ull)); /* non-canonical for 4-level only */
    const mmu_pt_format *s39 = fmt("sv39");
    assert_true(mmu_pt_is_canonical(s39, 0x0000003FFFFFFFFFull));
    assert_true(mmu_pt_is_canonical(s39, 0xFFFFFFC000000000ull));
    assert_false(mmu_pt_is_canonical(s39, 0x0000004000000000ull));
    assert_false(mmu_pt_is_canonical(s39, 0xFFFFFF8000000000ull));
    const mmu_pt_format *s57 = fmt("sv57");
    assert_true(mmu_pt_is_canonical(s57, 0xFF00000000000000ull));
    assert_false(mmu_pt_is_canonical(s57, 0xFE00000000000000ull));
    const mmu_pt_format *a = fmt("aarch64_4k");
    assert_true(mmu_pt_is_canonical(a, 0x0000FFFFFFFFFFFFull)); /* bit 47 is an index bit */
    assert_false(mmu_pt_is_canonical(a, 0x0001000000000000ull));
    assert_false(mmu_pt_is_canonical(a, 0xFFFF800000000000ull)); /* TTBR1 region: one root only */
    const mmu_pt_format *a39 = fmt("aarch64_4k_39");
    assert_true(mmu_pt_is_canonical(a39, 0x0000007FFFFFFFFFull));
    assert_false(mmu_pt_is_canonical(a39, 0x0000008000000000ull));
}

/* ---- encode / decode: exact bits ---- */

static uint64_t enc(const mmu_pt_format *f, unsigned level, uint64_t paddr, uint32_t flags)
{
    mmu_pte p = {paddr, 0, 0, flags};
    uint64_t raw = 0;
    assert_int_equal(mmu_pte_encode(f, level, &p, &raw), MMU_OK);
    return raw;
}

static mmu_pte dec(const mmu_pt_format *f, unsigned level, uint64_t raw)
{
    mmu_pte p;
    assert_int_equal(mmu_pte_decode(f, level, raw, &p), MMU_OK);
    return p;
}

enum {
    V = MMU_PTE_VALID, L = MMU_PTE_LEAF, R = MMU_PTE_READ, W = MMU_PTE_WRITE, X = MMU_PTE_EXEC,
    U = MMU_PTE_USER, G = MMU_PTE_GLOBAL, A = MMU_PTE_ACCESSED, D = MMU_PTE_DIRTY,
    PXN = MMU_PTE_PXN, DBM = MMU_PTE_DBM
};

static void test_x86_bits(void **state)
{
    (void)state;
    const mmu_pt_format *f = fmt("x86_64");
    /* 4K PTE: P RW US A D G, XD */
    assert_int_equal(enc(f, 0, 0x12345000, V | L | R | W | U | A | D | G), 0x8000000012345167ull);
    /* 2M PDE leaf: PS(7), executable */
    assert_int_equal(enc(f, 1, 0x40000000, V | L | R | W | A | D | X), 0x00000000400000E3ull);
    /* 1G PDPTE leaf, read-only supervisor */
    assert_int_equal(enc(f, 2, 0xC0000000, V | L | R | X | A), 0x00000000C00000A1ull);
    /* table entries: P RW US A */
    assert_int_equal(enc(f, 3, 0x5000, V | R | W | U | X | A), 0x0000000000005027ull);
    assert_int_equal(enc(f, 1, 0x000FFFFFFFFFF000ull, V | R | X), 0x000FFFFFFFFFF001ull);

    mmu_pte p = dec(f, 0, 0x8000000012345167ull);
    assert_int_equal(p.flags, V | L | R | W | U | A | D | G);
    assert_int_equal(p.paddr, 0x12345000);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(p.other, 0);
    /* bit 7 of a PTE is PAT, not PS */
    p = dec(f, 0, 0x0000000012345081ull);
    assert_int_equal(p.flags, V | L | R | X);
    assert_int_equal(p.other, 0x80);
    /* PS in a PDE: 2M leaf; bit 12 is PAT */
    p = dec(f, 1, 0x00000000400010E1ull);
    assert_int_equal(p.flags, V | L | R | X | A | D);
    assert_int_equal(p.paddr, 0x40000000);
    assert_int_equal(p.other, 0x1000);
    /* a misaligned 2M page keeps bits 20:13 in paddr (the walk faults on them) */
    p = dec(f, 1, 0x00000000400020E1ull);
    assert_int_equal(p.paddr, 0x40002000);
    /* PS in a PML4E is reserved */
    p = dec(f, 3, 0x0000000000005083ull);
    assert_int_equal(p.flags, V | R | W | X);
    assert_int_equal(p.reserved, 0x80);
    /* PS clear in a PDPTE: table; D and G ignored there */
    p = dec(f, 2, 0x0000000000005163ull);
    assert_int_equal(p.flags, V | R | W | X | A);
    assert_int_equal(p.other, 0x140);
    /* not present: every other bit is ignored */
    p = dec(f, 0, 0xFFFFFFFFFFFFFFFEull);
    assert_int_equal(p.flags, 0);
    assert_int_equal(p.other, 0xFFFFFFFFFFFFFFFEull);
    /* LA57 PML5E: PS reserved too */
    p = dec(fmt("x86_64_la57"), 4, 0x0000000000005081ull);
    assert_int_equal(p.reserved, 0x80);
}

static void test_riscv_bits(void **state)
{
    (void)state;
    const mmu_pt_format *f = fmt("sv39");
    /* leaf RWX A D at 0x80200000: PPN 0x80200 << 10 */
    assert_int_equal(enc(f, 1, 0x80200000, V | L | R | W | X | A | D), 0x200800CFull);
    /* pointer: V only */
    assert_int_equal(enc(f, 2, 0x80001000, V), 0x20000401ull);
    /* U, G, execute-only */
    assert_int_equal(enc(f, 0, 0x1000, V | L | X | U | G), 0x0000000000000439ull);
    /* widest PPN: 44 bits */
    assert_int_equal(enc(fmt("sv57"), 0, 0x00FFFFFFFFFFF000ull, V | L | R), 0x003FFFFFFFFFFC03ull);

    mmu_pte p = dec(f, 1, 0x200800CFull);
    assert_int_equal(p.flags, V | L | R | W | X | A | D);
    assert_int_equal(p.paddr, 0x80200000);
    p = dec(f, 2, 0x20000401ull);
    assert_int_equal(p.flags, V);
    assert_int_equal(p.paddr, 0x80001000);
    /* RSW bits are "other" */
    p = dec(f, 0, 0x303ull);
    assert_int_equal(p.other, 0x300);
    /* W without R: reserved encoding */
    p = dec(f, 0, 0x5ull);
    assert_int_equal(p.flags, V | L | W);
    assert_int_equal(p.reserved, 0x4);
    /* bits 63:54 reserved (no Svpbmt/Svnapot) */
    p = dec(f, 0, (1ull << 54) | 0x3);
    assert_int_equal(p.reserved, 1ull << 54);
    p = dec(f, 0, (1ull << 63) | (3ull << 61) | 0x3);
    assert_int_equal(p.reserved, (1ull << 63) | (3ull << 61));
}

static void test_arm_bits(void **state)
{
    (void)state;
    const mmu_pt_format *f = fmt("aarch64_4k");
    /* 4K page (Arm level 3): 11, AP[1], AF, global, PXN */
    assert_int_equal(enc(f, 0, 0x40001000, V | L | R | W | U | X | A | G | PXN), 0x0020000040001443ull);
    /* 2M block (Arm level 2): 01, AP[2] (read-only), AF, nG, UXN */
    assert_int_equal(enc(f, 1, 0x40200000, V | L | R | A), 0x0040000040200C81ull);
    /* 1G block (Arm level 1) */
    assert_int_equal(enc(f, 2, 0x80000000, V | L | R | W | X | A | G), 0x0000000080000401ull);
    /* table with APTable[1] (no write below) */
    assert_int_equal(enc(f, 3, 0x41000000, V | R | U | X), 0x4000000041000003ull);
    /* table with every limit: PXNTable UXNTable APTable=11 */
    assert_int_equal(enc(f, 2, 0x1000, V | R | PXN), 0x7800000000001003ull);
    /* writable-clean (DBM=1, AP[2]=1) and writable-dirty (DBM=1, AP[2]=0) */
    assert_int_equal(enc(f, 0, 0x2000, V | L | R | W | X | A | G | DBM), 0x0008000000002483ull);
    assert_int_equal(enc(f, 0, 0x2000, V | L | R | W | X | A | G | DBM | D), 0x0008000000002403ull);

    mmu_pte p = dec(f, 0, 0x0020000040001443ull);
    assert_int_equal(p.flags, V | L | R | W | D | U | X | A | G | PXN);
    assert_int_equal(p.paddr, 0x40001000);
    p = dec(f, 0, 0x0008000000002483ull);
    assert_int_equal(p.flags, V | L | R | W | X | A | G | DBM);
    p = dec(f, 3, 0x4000000041000003ull);
    assert_int_equal(p.flags, V | R | U | X);
    assert_int_equal(p.paddr, 0x41000000);
    /* 01 at Arm level 3: reserved type, invalid */
    p = dec(f, 0, 0x40001441ull);
    assert_int_equal(p.flags, 0);
    assert_int_equal(p.other, 0x40001441ull);
    /* block at Arm level 0 (4K granule): invalid */
    p = dec(f, 3, 0x0000008000000401ull);
    assert_int_equal(p.flags, 0);
    /* 16K granule: no block at Arm level 1 (our level 2) */
    p = dec(fmt("aarch64_16k"), 2, 0x0000001000000401ull);
    assert_int_equal(p.flags, 0);
    /* 64K granule: no block at Arm level 1 (our level 2), 512M block at Arm level 2 */
    p = dec(fmt("aarch64_64k"), 2, 0x0000040000000401ull);
    assert_int_equal(p.flags, 0);
    p = dec(fmt("aarch64_64k"), 1, 0x0000000020000401ull);
    assert_int_equal(p.flags, V | L | R | W | D | X | A | G);
    assert_int_equal(p.paddr, 0x20000000);
    /* block low RES0 bits are ignored (AArch64.BlockBase), kept in other */
    p = dec(f, 1, 0x0000000040201401ull);
    assert_int_equal(p.paddr, 0x40200000);
    assert_int_equal(p.other, 0x1000);
    /* RES0 address bits: table 51:48, leaf 49:48 */
    p = dec(f, 2, (1ull << 50) | 0x1003);
    assert_int_equal(p.reserved, 1ull << 50);
    p = dec(f, 0, (1ull << 48) | 0x1403);
    assert_int_equal(p.reserved, 1ull << 48);
    p = dec(f, 0, (1ull << 50) | 0x1403); /* GP: not reserved */
    assert_int_equal(p.reserved, 0);
    /* 16K table address is 47:14 */
    p = dec(fmt("aarch64_16k"), 1, 0x0000000000007003ull);
    assert_int_equal(p.paddr, 0x4000);
    assert_int_equal(p.other, 0x3000);
}

/* encode(decode(raw)) == raw for every raw value, every format, every level. */
static void test_raw_round_trip(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned l = 0; l < f->levels; l++) {
            for (int n = 0; n < 4000; n++) {
                uint64_t raw = rnd();
                if (n & 1)
                    raw |= 1; /* valid more often */
                if (n % 4 == 1)
                    raw &= ~(0xFFFull << 52); /* clean upper bits */
                mmu_pte p;
                assert_int_equal(mmu_pte_decode(f, l, raw, &p), MMU_OK);
                uint64_t back = 0;
                mmu_err e = mmu_pte_encode(f, l, &p, &back);
                if (e != MMU_OK || back != raw)
                    fail_msg("%s level %u raw 0x%016llx -> 0x%016llx (err %d)", f->name, l,
                             (unsigned long long)raw, (unsigned long long)back, e);
            }
        }
    }
}

/* decode(encode(pte)) == pte for well-formed neutral PTEs. */
static void test_pte_round_trip(void **state)
{
    (void)state;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host)
            continue; /* host-stage formats: tests/test_virt.c */
        for (unsigned l = 0; l < f->levels; l++) {
            for (int n = 0; n < 2000; n++) {
                uint32_t r = (uint32_t)rnd();
                mmu_pte p = {0, 0, 0, V};
                int leaf = l == 0 || ((f->leaf_levels >> l) & 1 && (r & 1));
                unsigned ashift = leaf ? f->shift[l] : f->shift[0];
                uint64_t amask = ((1ull << f->max_pa_bits) - 1) & ~((1ull << ashift) - 1);
                p.paddr = rnd() & amask;
                uint32_t fl = r & (W | X | U | G | A | D | PXN | DBM);
                switch (f->arch) {
                case MMU_PT_ARCH_X86:
                    fl &= ~(PXN | DBM);
                    fl |= R;
                    if (!leaf)
                        fl &= ~(G | D);
                    break;
                case MMU_PT_ARCH_RISCV:
                    fl &= ~(PXN | DBM);
                    if (leaf) {
                        fl |= R; /* W needs R */
                    } else {
                        fl &= ~(W | X | U | A | D); /* reserved in a pointer */
                    }
                    break;
                default:
                    fl |= R;
                    if (leaf) {
                        if (!(fl & DBM))
                            fl = (fl & W) ? fl | D : fl & ~D; /* without DBM: dirty == writable */
                        else
                            fl |= W; /* DBM: writable, clean or dirty */
                    } else {
                        fl &= ~(G | A | D | DBM);
                    }
                    break;
                }
                p.flags = fl | V | (leaf ? L : 0);
                uint64_t raw;
                if (mmu_pte_encode(f, l, &p, &raw) != MMU_OK)
                    fail_msg("%s level %u: encode refused flags 0x%x paddr 0x%llx", f->name, l,
                             p.flags, (unsigned long long)p.paddr);
                mmu_pte q = dec(f, l, raw);
                if (q.flags != p.flags || q.paddr != p.paddr || q.reserved || q.other)
                    fail_msg("%s level %u: flags 0x%x -> 0x%x paddr 0x%llx -> 0x%llx", f->name, l,
                             p.flags, q.flags, (unsigned long long)p.paddr,
                             (unsigned long long)q.paddr);
            }
        }
    }
}

static void test_encode_refusals(void **state)
{
    (void)state;
    uint64_t raw;
    mmu_pte p = {0x1000, 0, 0, V | L | R | W};
    const mmu_pt_format *x = fmt("x86_64");
    assert_int_equal(mmu_pte_encode(x, 4, &p, &raw), MMU_EINVAL); /* no level 4 */
    assert_int_equal(mmu_pte_encode(NULL, 0, &p, &raw), MMU_EINVAL);
    assert_int_equal(mmu_pte_encode(x, 0, NULL, &raw), MMU_EINVAL);
    assert_int_equal(mmu_pte_encode(x, 0, &p, NULL), MMU_EINVAL);
    assert_int_equal(mmu_pte_decode(x, 4, 0, &p), MMU_EINVAL);
    assert_int_equal(mmu_pte_decode(x, 0, 0, NULL), MMU_EINVAL);
    assert_int_equal(mmu_pte_encode(x, 3, &p, &raw), MMU_EINVAL); /* no leaf in a PML4E */
    p.paddr = 0x1800;
    assert_int_equal(mmu_pte_encode(x, 0, &p, &raw), MMU_EINVAL); /* below 4K */
    p.paddr = 1ull << 52;
    assert_int_equal(mmu_pte_encode(x, 0, &p, &raw), MMU_EINVAL); /* above MAXPHYADDR 52 */
    p.paddr = 0x40001000;
    assert_int_equal(mmu_pte_encode(x, 1, &p, &raw), MMU_EINVAL); /* bit 12 is PAT in a 2M entry */
    p.paddr = 0x40002000; /* misaligned 2M: encodable (reserved bits 20:13), the walk faults */
    assert_int_equal(mmu_pte_encode(x, 1, &p, &raw), MMU_OK);
    assert_int_equal(raw, 0x8000000040002083ull);

    const mmu_pt_format *s = fmt("sv39");
    mmu_pte q = {0x1000, 0, 0, V | L};
    assert_int_equal(mmu_pte_encode(s, 0, &q, &raw), MMU_EINVAL); /* leaf without R/W/X */
    q.flags = V | R;
    assert_int_equal(mmu_pte_encode(s, 1, &q, &raw), MMU_EINVAL); /* table with R */
    q.flags = V | L | W; /* reserved encoding, but expressible */
    assert_int_equal(mmu_pte_encode(s, 0, &q, &raw), MMU_OK);
    assert_int_equal(raw, 0x405);
    q.paddr = 1ull << 56;
    q.flags = V | L | R;
    assert_int_equal(mmu_pte_encode(s, 0, &q, &raw), MMU_EINVAL);

    const mmu_pt_format *a = fmt("aarch64_4k");
    mmu_pte b = {0x8000000000ull, 0, 0, V | L | R};
    assert_int_equal(mmu_pte_encode(a, 3, &b, &raw), MMU_EINVAL); /* no block at Arm level 0 */
    b.flags = V | R;
    assert_int_equal(mmu_pte_encode(a, 0, &b, &raw), MMU_EINVAL); /* no table at Arm level 3 */
    b.paddr = 0x40201000;
    b.flags = V | L | R;
    assert_int_equal(mmu_pte_encode(a, 1, &b, &raw), MMU_EINVAL); /* misaligned block */
    b.paddr = 1ull << 48;
    assert_int_equal(mmu_pte_encode(a, 0, &b, &raw), MMU_EINVAL); /* beyond 48-bit OA */
    const mmu_pt_format *a16 = fmt("aarch64_16k");
    mmu_pte c = {0x1000000000ull, 0, 0, V | L | R};
    assert_int_equal(mmu_pte_encode(a16, 2, &c, &raw), MMU_EINVAL); /* no 64G block */
    c.paddr = 0x2000; /* not 16K aligned */
    c.flags = V | R;
    assert_int_equal(mmu_pte_encode(a16, 1, &c, &raw), MMU_EINVAL);

    /* invalid entries encode as other | reserved */
    mmu_pte inv = {0, 0x10, 0xABC0, 0};
    assert_int_equal(mmu_pte_encode(x, 0, &inv, &raw), MMU_OK);
    assert_int_equal(raw, 0xABD0);
    /* reserved and other are ORed in */
    mmu_pte withres = {0x5000, 0x80, 0x18, V | R | W | X};
    assert_int_equal(mmu_pte_encode(x, 3, &withres, &raw), MMU_OK);
    assert_int_equal(raw, 0x000000000000509Bull);
}

/* ---- sparse memory ---- */

static void test_sparse_basic(void **state)
{
    (void)state;
    mmu_sparse_mem *m = NULL;
    assert_int_equal(mmu_sparse_mem_create(7, &m), MMU_OK);
    assert_int_equal(mmu_sparse_mem_create(7, NULL), MMU_EINVAL);
    assert_int_equal(mmu_sparse_mem_pages(m), 0);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x123456789000ull), 0);
    assert_int_equal(mmu_sparse_mem_pages(m), 0); /* reads allocate nothing */
    assert_int_equal(mmu_sparse_mem_write64(m, 0x1000, 0x1122334455667788ull), MMU_OK);
    assert_int_equal(mmu_sparse_mem_pages(m), 1);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x1000), 0x1122334455667788ull);
    uint8_t b[8];
    assert_int_equal(mmu_sparse_mem_read(m, 0x1000, b, 8), MMU_OK);
    assert_int_equal(b[0], 0x88); /* little-endian */
    assert_int_equal(b[7], 0x11);
    /* unaligned word across a page boundary */
    assert_int_equal(mmu_sparse_mem_write64(m, 0x2FFC, 0xAABBCCDDEEFF0011ull), MMU_OK);
    assert_int_equal(mmu_sparse_mem_pages(m), 3);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x2FFC), 0xAABBCCDDEEFF0011ull);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x3000), 0xAABBCCDDull);
    /* the port */
    mmu_mem_port port = mmu_sparse_mem_port(m);
    uint64_t v = 0;
    assert_int_equal(port.read64(port.ctx, 0x1000, &v), 7);
    assert_int_equal(v, 0x1122334455667788ull);
    mmu_sparse_mem_set_latency(m, 30);
    assert_int_equal(mmu_sparse_mem_latency(m), 30);
    assert_int_equal(port.write64(port.ctx, 1ull << 50, 42), 30);
    assert_int_equal(mmu_sparse_mem_read64(m, 1ull << 50), 42);
    assert_int_equal(mmu_sparse_mem_status(m), MMU_OK);
    assert_int_equal(mmu_sparse_mem_pages(m), 4);
    /* discard: whole pages freed, partial pages zeroed */
    assert_int_equal(mmu_sparse_mem_discard(m, 0x1000, 0x1000), 1);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x1000), 0);
    assert_int_equal(mmu_sparse_mem_discard(m, 0x2FFC, 4), 0);
    assert_int_equal(mmu_sparse_mem_read64(m, 0x2FFC), 0xAABBCCDD00000000ull);
    assert_int_equal(mmu_sparse_mem_pages(m), 3);
    mmu_sparse_mem_clear(m);
    assert_int_equal(mmu_sparse_mem_pages(m), 0);
    assert_int_equal(mmu_sparse_mem_read64(m, 1ull << 50), 0);
    assert_int_equal(mmu_sparse_mem_latency(m), 30);
    mmu_sparse_mem_destroy(m);
    mmu_sparse_mem_destroy(NULL);
}

/* Memory grows with pages touched, not with the address space; the hash stays right under churn. */
static void test_sparse_scale(void **state)
{
    (void)state;
    enum { N = 3000 };
    mmu_sparse_mem *m = NULL;
    assert_int_equal(mmu_sparse_mem_create(1, &m), MMU_OK);
    static uint64_t addr[N];
    static int live[N];
    for (int i = 0; i < N; i++) {
        addr[i] = (rnd() & 0x00FFFFFFFFFFF000ull) | 0x10; /* scattered over 2^56 bytes */
        for (int j = 0; j < i; j++)
            if ((addr[j] >> 12) == (addr[i] >> 12)) {
                addr[i] += 0x1000;
                j = -1;
            }
        assert_int_equal(mmu_sparse_mem_write64(m, addr[i], (uint64_t)i * 77 + 1), MMU_OK);
        live[i] = 1;
    }
    assert_int_equal(mmu_sparse_mem_pages(m), N);
    /* remove every third page, check every value */
    for (int i = 0; i < N; i += 3) {
        assert_int_equal(mmu_sparse_mem_discard(m, addr[i] & ~0xFFFull, 0x1000), 1);
        live[i] = 0;
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(mmu_sparse_mem_read64(m, addr[i]), live[i] ? (uint64_t)i * 77 + 1 : 0);
    assert_int_equal(mmu_sparse_mem_pages(m), N - (N + 2) / 3);
    /* re-add and check again */
    for (int i = 0; i < N; i += 3)
        assert_int_equal(mmu_sparse_mem_write64(m, addr[i], 5), MMU_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(mmu_sparse_mem_read64(m, addr[i]), live[i] ? (uint64_t)i * 77 + 1 : 5);
    assert_int_equal(mmu_sparse_mem_pages(m), N);
    mmu_sparse_mem_destroy(m);
}

/* The port's reads (with their frame cache) against a plain model of the
   memory, under writes, page and partial discards, clears and frames that
   share a cache slot. */
static void test_sparse_port_vs_model(void **state)
{
    (void)state;
    enum { FRAMES = 300, WORDS = 4 };
    static uint64_t model[FRAMES][WORDS];
    memset(model, 0, sizeof model);
    mmu_sparse_mem *m = NULL;
    assert_int_equal(mmu_sparse_mem_create(3, &m), MMU_OK);
    mmu_mem_port port = mmu_sparse_mem_port(m);
    for (int step = 0; step < 200000; step++) {
        uint64_t fr = rnd() % FRAMES, w = rnd() % WORDS, r = rnd() % 100;
        uint64_t pa = (fr + 0x40000) << 12 | w * 8; /* frames 256 apart share a cache slot */
        if (r < 30) {
            uint64_t v = rnd() | 1;
            assert_int_equal(port.write64(port.ctx, pa, v), 3);
            model[fr][w] = v;
        } else if (r < 33) {
            (void)mmu_sparse_mem_discard(m, pa & ~0xFFFull, 0x1000);
            memset(model[fr], 0, sizeof model[fr]);
        } else if (r < 35) {
            (void)mmu_sparse_mem_discard(m, pa, 8);
            model[fr][w] = 0;
        } else if (r == 35 && rnd() % 50 == 0) {
            mmu_sparse_mem_clear(m);
            memset(model, 0, sizeof model);
        } else {
            uint64_t v = 1;
            assert_int_equal(port.read64(port.ctx, pa, &v), 3);
            assert_int_equal(v, model[fr][w]);
        }
    }
    mmu_sparse_mem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_list),
        cmocka_unit_test(test_format_consistency),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_x86_bits),
        cmocka_unit_test(test_riscv_bits),
        cmocka_unit_test(test_arm_bits),
        cmocka_unit_test(test_raw_round_trip),
        cmocka_unit_test(test_pte_round_trip),
        cmocka_unit_test(test_encode_refusals),
        cmocka_unit_test(test_sparse_basic),
        cmocka_unit_test(test_sparse_scale),
        cmocka_unit_test(test_sparse_port_vs_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
