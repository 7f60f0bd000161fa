/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - defaults, validation, and setting/visiting by name of
 * mmu_config.
 *
 * One table describes every key of every section (name, type, where it
 * lives, range, description); setting, dumping and the documentation's
 * reference all follow it.  TLB arrays are sections named "tlb.NAME"; the
 * list of arrays is the key "tlb.arrays".
 */
#include "mmusim/config.h"

#include "mmusim/walkers.h"
#include "msg.h"
#include "tlb_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum key_type {
    K_U32,    /* unsigned 32-bit integer */
    K_U64,    /* unsigned 64-bit integer */
    K_ENUM,   /* one of names[], stored as uint32_t index */
    K_PSMASK, /* list of page sizes, stored as uint32_t mask */
    K_PS,     /* one page size, stored as uint32_t mmu_page_size */
    K_STR,    /* a name, stored as char[MMU_NAME_MAX] */
    K_SIZE,   /* bytes with an optional K, M or G suffix, stored as uint64_t */
    K_DOUBLE, /* a non-negative number, stored as double */
    K_ADDR,   /* an address, stored as uint64_t, shown in hexadecimal */
    K_REGIONS, /* a static map's region list, stored as mmu_map_config */
    K_RANGES   /* a list of physical ranges BASE+SIZE, stored as mmu_os_ranges */
} key_type;

typedef struct key_def {
    const char *key;
    key_type type;
    size_t offset; /* in the section's struct */
    uint64_t min, max;
    const char *const *names; /* K_ENUM: value -> name; NULL entries are holes */
    unsigned n_names;
    const char *desc;
} key_def;

static const char *const fill_names[] = {"noninclusive", "inclusive", "exclusive"};
static const char *const side_names[] = {NULL, "i", "d", "id"};
static const char *const repl_names_cfg[] = {
#define MMU_REPL_NAME_(name, id) id,
    MMU_REPL_MAP(MMU_REPL_NAME_)
#undef MMU_REPL_NAME_
};
static const char *const walker_mode_names[] = {"fixed", "radix"};
static const char *const ad_names[] = {"default", "hardware", "fault"};
static const char *const onoff_names[] = {"off", "on"};
static const char *const ptemem_mode_names[] = {
#define MMU_PTEMEM_MODE_NAME_(name, id) id,
    MMU_PTEMEM_MODE_MAP(MMU_PTEMEM_MODE_NAME_)
#undef MMU_PTEMEM_MODE_NAME_
};

#define N_(a) (sizeof(a) / sizeof((a)[0]))
#define KU32(s, f, lo, hi, d) {#f, K_U32, offsetof(s, f), lo, hi, NULL, 0, d}
#define KU64(s, f, lo, hi, d) {#f, K_U64, offsetof(s, f), lo, hi, NULL, 0, d}
#define KENUM(s, f, names, d) {#f, K_ENUM, offsetof(s, f), 0, 0, names, N_(names), d}

static const key_def mmu_keys[] = {
    KU32(mmu_config, clock_mhz, 1, 100000, "core clock in MHz (converts us/ns figures into cycles)"),
    KU64(mmu_config, seed, 0, UINT64_MAX, "seed of every random choice (random replacement, ...)"),
};

/* Keys that moved to another section: refused with the new name. */
static const struct {
    const char *old_section, *key, *new_section;
} moved_keys[] = {
    {"mmu", "issue_interval", "core"},
    {"mmu", "max_outstanding", "core"},
};

static const key_def core_keys[] = {
    KU32(mmu_core_config, issue_interval, 0, 1000000,
         "cycles between consecutive accesses of a trace that carries no cycles"),
    KU32(mmu_core_config, max_outstanding, 1, 4096,
         "accesses of such a trace in flight at most (a core's load/store buffers): the next "
         "waits for the oldest to complete"),
};

static const key_def tlb_keys[] = {
    KENUM(mmu_config, fill, fill_names,
          "fill policy between levels: noninclusive | inclusive | exclusive"),
};

static const key_def array_keys[] = {
    KU32(mmu_tlb_config, level, 1, MMU_MAX_TLB_LEVELS, "level in the hierarchy (1 = looked up first)"),
    KENUM(mmu_tlb_config, side, side_names, "accesses served: i (fetch), d (load/store), id (unified)"),
    KU32(mmu_tlb_config, entries, 1, 1u << 24, "number of entries"),
    KU32(mmu_tlb_config, ways, 1, 1u << 24, "ways per set (= entries: fully associative)"),
    {"page_sizes", K_PSMASK, offsetof(mmu_tlb_config, page_sizes), 0, 0, NULL, 0,
     "page sizes held: list of 4K 8K 16K 64K 2M 32M 512M 1G"},
    KENUM(mmu_tlb_config, policy, repl_names_cfg, "replacement: lru | plru | fifo | random | nru | srrip"),
    KU32(mmu_tlb_config, latency, 0, 100000, "cycles of one lookup"),
};

static const key_def walker_keys[] = {
    KENUM(mmu_walker_config, mode, walker_mode_names,
          "how a TLB miss is resolved: fixed (identity map, fixed latency) | radix (walk real page tables)"),
    KU32(mmu_walker_config, latency, 0, 1000000, "fixed mode: cycles of one TLB miss"),
    {"page_size", K_PS, offsetof(mmu_walker_config, page_size), 0, 0, NULL, 0,
     "fixed mode: page size of every mapping"},
    {"format", K_STR, offsetof(mmu_walker_config, format), 0, 0, NULL, 0,
     "radix mode: page-table format: x86_64 x86_64_la57 sv39 sv48 sv57 aarch64_4k aarch64_4k_39 "
     "aarch64_16k aarch64_64k"},
    KENUM(mmu_walker_config, ad, ad_names,
          "accessed/dirty bits: default (the architecture's) | hardware (a PTE write) | fault"),
    KU32(mmu_walker_config, pa_bits, 0, 64, "physical-address width (x86 MAXPHYADDR); 0 = the format's widest"),
    KU32(mmu_walker_config, count, 1, MMU_WALKERS_MAX, "concurrent page walkers"),
    KENUM(mmu_walker_config, merge, onoff_names, "a miss to a page whose walk is in flight joins it"),
    KU32(mmu_walker_config, max_inflight, 1, 65536, "walks remembered for merging (at least count)"),
    KU32(mmu_walker_config, max_faults, 1, 16,
         "page faults one translation may resolve (then the fault is reported)"),
};

#define KPWC(n, lvl)                                                                         \
    static const key_def pwc##n##_keys[] = {                                                 \
        {"entries", K_U32, offsetof(mmu_config, pwc.level[lvl].entries), 0, 1u << 20, NULL, 0, \
         "entries (0: no cache at this level)"},                                             \
        {"ways", K_U32, offsetof(mmu_config, pwc.level[lvl].ways), 0, 1u << 20, NULL, 0,       \
         "ways per set (= entries: fully associative)"},                                     \
        {"latency", K_U32, offsetof(mmu_config, pwc.level[lvl].latency), 0, 100000, NULL, 0,   \
         "cycles of a lookup"},                                                              \
    }
KPWC(1, 1);
KPWC(2, 2);
KPWC(3, 3);
KPWC(4, 4);

static const key_def ptemem_keys[] = {
    {"mode", K_ENUM, offsetof(mmu_config, ptemem.mode), 0, 0, ptemem_mode_names,
     N_(ptemem_mode_names), "PTE memory model: fixed (one latency per reference) | cache"},
    {"fixed_latency", K_U32, offsetof(mmu_config, ptemem.fixed_latency), 0, 1000000, NULL, 0,
     "fixed mode: cycles of one PTE reference"},
    {"line_size", K_U32, offsetof(mmu_config, ptemem.line_size), 8, 4096, NULL, 0,
     "cache mode: bytes per line (a power of two)"},
    {"dram_latency", K_U32, offsetof(mmu_config, ptemem.dram_latency), 0, 1000000, NULL, 0,
     "cache mode: cycles added when every cache level missed"},
    {"data", K_ENUM, offsetof(mmu_config, ptemem_data), 0, 0, onoff_names, N_(onoff_names),
     "cache mode: the trace's data accesses pass through the caches too, competing with PTEs"},
};

#define KCACHE(name, lvl)                                                                     \
    static const key_def ptemem_##name##_keys[] = {                                           \
        {"size", K_SIZE, offsetof(mmu_config, ptemem.level[lvl].size), 0, UINT64_C(1) << 40,   \
         NULL, 0, "bytes (K, M, G suffixes); 0: no such level"},                               \
        {"ways", K_U32, offsetof(mmu_config, ptemem.level[lvl].ways), 0, 1u << 20, NULL, 0,     \
         "ways per set"},                                                                     \
        {"latency", K_U32, offsetof(mmu_config, ptemem.level[lvl].latency), 0, 100000, NULL, 0, \
         "cycles added by a lookup of this level, hit or miss"},                              \
    }
KCACHE(l1d, MMU_PTEMEM_L1D);
KCACHE(l2, MMU_PTEMEM_L2);
KCACHE(llc, MMU_PTEMEM_LLC);

static const char *const frame_alloc_names[] = {
#define MMU_OS_FA_NAME_(name, id) id,
    MMU_OS_FRAME_ALLOC_MAP(MMU_OS_FA_NAME_)
#undef MMU_OS_FA_NAME_
};

#define KOS32(f, lo, hi, d) {#f, K_U32, offsetof(mmu_config, os.f), lo, hi, NULL, 0, d}
static const key_def os_keys[] = {
    {"enabled", K_ENUM, offsetof(mmu_config, os_enabled), 0, 0, onoff_names, N_(onoff_names),
     "radix mode: the OS model builds the page tables and handles page faults"},
    {"phys_mem", K_SIZE, offsetof(mmu_config, os.phys_mem), 0, UINT64_C(1) << 40, NULL, 0,
     "physical memory (K, M, G suffixes)"},
    {"swap_size", K_SIZE, offsetof(mmu_config, os.swap_size), 0, UINT64_C(1) << 50, NULL, 0,
     "swap space; 0 = unlimited"},
    {"frame_alloc", K_ENUM, offsetof(mmu_config, os.frame_alloc), 0, 0, frame_alloc_names,
     N_(frame_alloc_names), "frame allocation: sequential (lowest free) | random (seeded)"},
    {"thp", K_ENUM, offsetof(mmu_config, os.thp), 0, 0, onoff_names, N_(onoff_names),
     "transparent huge pages on demand faults"},
    KOS32(remote_cores, 0, 4096, "other cores that receive a TLB shootdown"),
    KOS32(trap_entry, 0, 100000000, "cycles: exception entry"),
    KOS32(trap_return, 0, 100000000, "cycles: return to the faulting instruction"),
    KOS32(minor_handler, 0, 100000000, "cycles: minor fault handler (allocate and zero a frame, install the PTE)"),
    KOS32(zero_frame, 0, 100000000, "cycles: allocate and zero each further frame (tables, huge pages)"),
    KOS32(major_handler, 0, 100000000, "cycles: major fault handler software, besides the device read"),
    KOS32(ad_handler, 0, 100000000, "cycles: software accessed/dirty update"),
    KOS32(evict, 0, 100000000, "cycles: choose and unmap one victim"),
    KOS32(shootdown, 0, 100000000, "cycles per remote core per shootdown"),
    {"swap_read_us", K_DOUBLE, offsetof(mmu_config, os.swap_read_us), 0, 1000000, NULL, 0,
     "microseconds: swap device read of one page"},
    {"swap_write_us", K_DOUBLE, offsetof(mmu_config, os.swap_write_us), 0, 1000000, NULL, 0,
     "microseconds: swap device write of one page"},
    {"frame_ranges", K_RANGES, offsetof(mmu_config, os.frame_ranges), 0, 0, NULL, 0,
     "physical ranges of the frames, BASE+SIZE, ... (0x80000000+16M, 0x90000000+8M), taken in order and cut "
     "to phys_mem; empty: frames from physical address 0"},
    {"pt_ranges", K_RANGES, offsetof(mmu_config, os.pt_ranges), 0, 0, NULL, 0,
     "physical ranges of the page-table frames (with frame_ranges; then data frames only in frame_ranges); "
     "empty: tables among the frames"},
};

/* ---- [virt]: nested paging (docs/virtualization.md) ---- */
static const char *const host_ad_names[] = {"default", "hardware", "fault", "none"};
#define KV32(f, lo, hi, d) {#f, K_U32, offsetof(mmu_config, virt.f), lo, hi, NULL, 0, d}
static const key_def virt_keys[] = {
    {"enabled", K_ENUM, offsetof(mmu_config, virt.enabled), 0, 0, onoff_names, N_(onoff_names),
     "nested (two-dimensional) paging: every access belongs to a VM (radix walker)"},
    {"host_format", K_STR, offsetof(mmu_config, virt.host_format), 0, 0, NULL, 0,
     "host-stage format: ept ept5 amd_npt amd_npt5 aarch64_s2_4k aarch64_s2_4k_40 aarch64_s2_16k "
     "aarch64_s2_64k sv39x4 sv48x4 sv57x4"},
    {"host_ad", K_ENUM, offsetof(mmu_config, virt.host_ad), 0, 0, host_ad_names, N_(host_ad_names),
     "host accessed/dirty bits: default (the format's) | hardware | fault | none (EPTP bit 6 clear)"},
    {"host_mem", K_SIZE, offsetof(mmu_config, virt.host_mem), 0, UINT64_C(1) << 44, NULL, 0,
     "host physical memory (K, M, G suffixes); less than the VMs touch: host swapping"},
    {"host_swap", K_SIZE, offsetof(mmu_config, virt.host_swap), 0, UINT64_C(1) << 50, NULL, 0,
     "host swap space; 0 = unlimited"},
    {"host_thp", K_ENUM, offsetof(mmu_config, virt.host_thp), 0, 0, onoff_names, N_(onoff_names),
     "host backs guest memory with huge pages (2M) where an aligned free run allows"},
    KV32(exit_cycles, 0, 100000000, "cycles: VM exit on a host (EPT / stage-2) fault"),
    KV32(handler_cycles, 0, 100000000, "cycles: hypervisor handler of the fault (allocate, map)"),
    KV32(entry_cycles, 0, 100000000, "cycles: VM entry back into the guest"),
};
static const key_def virt_ntlb_keys[] = {
    {"entries", K_U32, offsetof(mmu_config, virt.ntlb_entries), 0, 1u << 20, NULL, 0,
     "nested TLB (guest-physical -> host-physical) entries; 0: none"},
    {"ways", K_U32, offsetof(mmu_config, virt.ntlb_ways), 1, 1u << 20, NULL, 0,
     "ways per set (= entries: fully associative)"},
    {"policy", K_ENUM, offsetof(mmu_config, virt.ntlb_policy), 0, 0, repl_names_cfg,
     N_(repl_names_cfg), "replacement: lru | plru | fifo | random | nru | srrip"},
    {"latency", K_U32, offsetof(mmu_config, virt.ntlb_latency), 0, 100000, NULL, 0,
     "cycles of one lookup"},
};
#define KVPWC(n, lvl)                                                                             \
    static const key_def virt_pwc##n##_keys[] = {                                                 \
        {"entries", K_U32, offsetof(mmu_config, virt.host_pwc.level[lvl].entries), 0, 1u << 20,    \
         NULL, 0, "entries (0: no cache at this host level)"},                                    \
        {"ways", K_U32, offsetof(mmu_config, virt.host_pwc.level[lvl].ways), 0, 1u << 20, NULL, 0, \
         "ways per set (= entries: fully associative)"},                                          \
        {"latency", K_U32, offsetof(mmu_config, virt.host_pwc.level[lvl].latency), 0, 100000,      \
         NULL, 0, "cycles of a lookup"},                                                          \
    }
KVPWC(1, 1);
KVPWC(2, 2);
KVPWC(3, 3);
KVPWC(4, 4);

/* Sections whose keys are offsets into mmu_config itself. */
typedef struct section_def {
    const char *name;
    const key_def *keys;
    size_t n;
    const char *desc;
} section_def;

static const key_def map_keys[] = {
    {"regions", K_REGIONS, offsetof(mmu_config, map), 0, 0, NULL, 0,
     "static map (radix mode, os.enabled = off): VBASE:PBASE:SIZE:PERMS[:PAGE][:asid=N|:global], ... "
     "(PERMS: r w x s; PAGE 4K by default; global by default); empty: no static map"},
    {"table_base", K_ADDR, offsetof(mmu_config, map.table_base), 0, UINT64_MAX, NULL, 0,
     "static map: physical base of the range its page tables are built in (4K-aligned)"},
    {"table_size", K_SIZE, offsetof(mmu_config, map.table_size), 0, UINT64_C(1) << 40, NULL, 0,
     "static map: bytes of that range (K, M, G suffixes)"},
};

static const section_def flat_sections[] = {
    {"pwc.l1", pwc1_keys, N_(pwc1_keys), "paging-structure cache of level-1 entries (x86 PDE)"},
    {"pwc.l2", pwc2_keys, N_(pwc2_keys), "paging-structure cache of level-2 entries (x86 PDPTE)"},
    {"pwc.l3", pwc3_keys, N_(pwc3_keys), "paging-structure cache of level-3 entries (x86 PML4E)"},
    {"pwc.l4", pwc4_keys, N_(pwc4_keys), "paging-structure cache of level-4 entries (x86 PML5E)"},
    {"ptemem", ptemem_keys, N_(ptemem_keys), "where PTE references are served, and at what cost"},
    {"ptemem.l1d", ptemem_l1d_keys, N_(ptemem_l1d_keys), "cache mode: first-level data cache"},
    {"ptemem.l2", ptemem_l2_keys, N_(ptemem_l2_keys), "cache mode: second-level cache"},
    {"ptemem.llc", ptemem_llc_keys, N_(ptemem_llc_keys), "cache mode: last-level cache"},
    {"os", os_keys, N_(os_keys), "the OS model: demand paging, page replacement, swap, huge pages"},
    {"map", map_keys, N_(map_keys), "a static virtual-to-physical map: page tables built from regions, no OS"},
    {"virt", virt_keys, N_(virt_keys), "virtualization: nested paging under a hypervisor model"},
    {"virt.ntlb", virt_ntlb_keys, N_(virt_ntlb_keys), "virtualization: the nested TLB (AMD-style)"},
    {"virt.pwc.l1", virt_pwc1_keys, N_(virt_pwc1_keys), "virtualization: host PWC of host level-1 entries"},
    {"virt.pwc.l2", virt_pwc2_keys, N_(virt_pwc2_keys), "virtualization: host PWC of host level-2 entries"},
    {"virt.pwc.l3", virt_pwc3_keys, N_(virt_pwc3_keys), "virtualization: host PWC of host level-3 entries"},
    {"virt.pwc.l4", virt_pwc4_keys, N_(virt_pwc4_keys), "virtualization: host PWC of host level-4 entries"},
};

/* ---------------------------------------------------------------- */

#define fail model_msg

static void set_name(char *dst, const char *src)
{
    snprintf(dst, MMU_NAME_MAX, "%s", src);
}

void mmu_tlb_config_defaults(mmu_tlb_config *t, const char *name)
{
    memset(t, 0, sizeof *t);
    set_name(t->name, name);
    t->level = 1;
    t->side = MMU_SIDE_BOTH;
    t->entries = 64;
    t->ways = 4;
    t->page_sizes = 1u << MMU_PS_4K;
    t->policy = MMU_REPL_LRU;
    t->latency = 1;
}

static mmu_tlb_config *add_array(mmu_config *c, const char *name, uint32_t level, uint32_t side,
                                 uint32_t entries, uint32_t ways, uint32_t sizes, uint32_t latency)
{
    mmu_tlb_config *t = &c->tlb[c->n_tlbs++];
    mmu_tlb_config_defaults(t, name);
    t->level = level;
    t->side = side;
    t->entries = entries;
    t->ways = ways;
    t->page_sizes = sizes;
    t->latency = latency;
    return t;
}

void mmu_config_defaults(mmu_config *c)
{
    memset(c, 0, sizeof *c);
    c->clock_mhz = 3000;
    c->seed = 1;
    mmu_core_config_defaults(&c->core);
    c->fill = MMU_FILL_NONINCLUSIVE;
    /* Intel Skylake (Optimization Reference Manual 248966, table 2-15), 4K/2M parts */
    add_array(c, "l1i", 1, MMU_SIDE_INSTR, 128, 8, 1u << MMU_PS_4K, 1);
    add_array(c, "l1d", 1, MMU_SIDE_DATA, 64, 4, 1u << MMU_PS_4K, 1);
    add_array(c, "l1d_2m", 1, MMU_SIDE_DATA, 32, 4, 1u << MMU_PS_2M, 1);
    add_array(c, "stlb", 2, MMU_SIDE_BOTH, 1536, 12, (1u << MMU_PS_4K) | (1u << MMU_PS_2M), 7);
    c->walker.mode = MMU_WALKER_RADIX;
    c->walker.latency = 30;
    c->walker.page_size = MMU_PS_4K;
    set_name(c->walker.format, "x86_64");
    c->walker.ad = MMU_AD_DEFAULT;
    c->walker.pa_bits = 0;
    mmu_walkers_config wc;
    mmu_walkers_config_defaults(&wc);
    c->walker.count = wc.count;
    c->walker.merge = wc.merge;
    c->walker.max_inflight = wc.max_inflight;
    c->walker.max_faults = 4;
    mmu_pwc_config_defaults(&c->pwc, mmu_pt_format_find("x86_64"));
    mmu_ptemem_config_defaults(&c->ptemem);
    c->ptemem_data = 1;
    c->os_enabled = 1;
    mmu_os_config_defaults(&c->os);
    mmu_virt_config_defaults(&c->virt);
}

int mmu_config_find_tlb(const mmu_config *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_tlbs; i++)
        if (strcmp(c->tlb[i].name, name) == 0)
            return (int)i;
    return -1;
}

int mmu_config_has_section(const mmu_config *c, const char *section)
{
    if (strcmp(section, "mmu") == 0 || strcmp(section, "core") == 0 || strcmp(section, "tlb") == 0 ||
        strcmp(section, "walker") == 0)
        return 1;
    for (size_t i = 0; i < N_(flat_sections); i++)
        if (strcmp(section, flat_sections[i].name) == 0)
            return 1;
    return strncmp(section, "tlb.", 4) == 0 && mmu_config_find_tlb(c, section + 4) >= 0;
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MMU_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* "4K 2M 1G": the sizes of a page-size mask. */
static void ps_mask_text(uint32_t mask, char *buf, size_t len)
{
    buf[0] = 0;
    for (unsigned p = 0; p < MMU_PAGE_SIZES; p++) {
        size_t used = strlen(buf);
        if ((mask & (1u << p)) && used < len)
            snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                     mmu_page_size_name((mmu_page_size)p));
    }
}

/*
 * Page sizes and physical-address width against the page-table format:
 *   - a TLB array must hold some size the format's architecture maps (in
 *     any of its formats: an Arm TLB holds 4K, 16K and 64K entries whatever
 *     the granule), or one no larger than the format's base page (splinters
 *     of base pages); an array of 16K entries under x86-64 never fills;
 *   - walker.pa_bits (0: the format's widest) must fit the format, leave
 *     room for a frame, and reach every frame of os.phys_mem (frames sit at
 *     physical addresses 0 .. phys_mem-1); narrower, every access faults.
 */
static mmu_err radix_sizes_check(const mmu_config *c, const mmu_pt_format *fmt, char *msg,
                                 size_t msglen)
{
    uint32_t arch_sizes = 0;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++)
        if (mmu_pt_format_get(i)->arch == fmt->arch)
            arch_sizes |= mmu_pt_format_get(i)->page_sizes;
    for (unsigned p = 0; p < MMU_PAGE_SIZES; p++)
        if (mmu_page_shift((mmu_page_size)p) <= fmt->shift[0])
            arch_sizes |= 1u << p;
    for (uint32_t i = 0; i < c->n_tlbs; i++) {
        const mmu_tlb_config *t = &c->tlb[i];
        if (t->page_sizes & arch_sizes)
            continue;
        char have[96], fsz[96];
        ps_mask_text(t->page_sizes, have, sizeof have);
        ps_mask_text(fmt->page_sizes, fsz, sizeof fsz);
        return fail(MMU_ECONFIG, msg, msglen,
                    "tlb.%s.page_sizes (%s) has no page size of walker.format %s (%s): that TLB "
                    "would never fill",
                    t->name, have, fmt->name, fsz);
    }
    unsigned pa = c->walker.pa_bits;
    if (pa == 0)
        return MMU_OK;
    if (pa > fmt->max_pa_bits)
        return fail(MMU_ECONFIG, msg, msglen,
                    "walker.pa_bits (%u) is more than walker.format %s encodes (%u; 0 = that)", pa,
                    fmt->name, fmt->max_pa_bits);
    if (pa <= fmt->shift[0])
        return fail(MMU_ECONFIG, msg, msglen,
                    "walker.pa_bits (%u) leaves no room for a frame (%s pages are 2^%u bytes)", pa,
                    fmt->name, fmt->shift[0]);
    if (c->os_enabled && c->os.frame_ranges.n) { /* every range must end within pa bits */
        const mmu_os_ranges *l[2] = {&c->os.frame_ranges, &c->os.pt_ranges};
        for (unsigned k = 0; k < 2; k++)
            for (uint32_t i = 0; i < l[k]->n && i < MMU_OS_MAX_RANGES; i++)
                if (pa < 64 && l[k]->r[i].base + l[k]->r[i].size > (UINT64_C(1) << pa))
                    return fail(MMU_ECONFIG, msg, msglen,
                                "walker.pa_bits (%u) is too narrow for %s range %u (0x%llx+0x%llx): frames "
                                "above 2^%u would fault",
                                pa, k ? "os.pt_ranges" : "os.frame_ranges", i + 1,
                                (unsigned long long)l[k]->r[i].base, (unsigned long long)l[k]->r[i].size, pa);
        return MMU_OK;
    }
    if (c->os_enabled && pa < 64 && c->os.phys_mem > (UINT64_C(1) << pa)) {
        unsigned need = 0;
        while (need < 64 && (UINT64_C(1) << need) < c->os.phys_mem)
            need++;
        return fail(MMU_ECONFIG, msg, msglen,
                    "walker.pa_bits (%u) is too narrow for os.phys_mem (%llu bytes, which needs %u "
                    "bits): frames above 2^%u would fault",
                    pa, (unsigned long long)c->os.phys_mem, need, pa);
    }
    return MMU_OK;
}

mmu_err mmu_config_validate(const mmu_config *c, char *msg, size_t msglen)
{
    if (c->clock_mhz < 1 || c->clock_mhz > 100000)
        return fail(MMU_ECONFIG, msg, msglen, "mmu.clock_mhz (%u) must be 1..100000", c->clock_mhz);
    if (mmu_core_config_check(&c->core, msg, msglen) != MMU_OK)
        return MMU_ECONFIG;
    if (c->fill > MMU_FILL_EXCLUSIVE)
        return fail(MMU_ECONFIG, msg, msglen, "tlb.fill (%u) is not a fill policy", c->fill);
    if (c->n_tlbs > MMU_MAX_TLB_ARRAYS)
        return fail(MMU_ECONFIG, msg, msglen, "tlb.arrays: at most %d arrays", MMU_MAX_TLB_ARRAYS);
    for (uint32_t i = 0; i < c->n_tlbs; i++) {
        const mmu_tlb_config *t = &c->tlb[i];
        if (!valid_name(t->name))
            return fail(MMU_ECONFIG, msg, msglen,
                        "tlb.arrays: '%s' is not a valid array name (a-z, 0-9, _; at most %d)",
                        t->name, MMU_NAME_MAX - 1);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(c->tlb[j].name, t->name) == 0)
                return fail(MMU_ECONFIG, msg, msglen, "tlb.arrays: '%s' is named twice", t->name);
        char label[MMU_NAME_MAX + 8];
        snprintf(label, sizeof label, "tlb.%s", t->name);
        if (tlb_config_check_as(t, label, msg, msglen) != MMU_OK)
            return MMU_ECONFIG;
    }
    /* the levels serving each side must be 1..n without a gap */
    for (uint32_t side = MMU_SIDE_INSTR; side <= MMU_SIDE_DATA; side++) {
        uint32_t present = 0;
        for (uint32_t i = 0; i < c->n_tlbs; i++)
            if (c->tlb[i].side & side)
                present |= 1u << (c->tlb[i].level - 1);
        if (present & (present + 1)) {
            /* name the arrays and their levels, and the first level missing */
            char have[MMU_MAX_TLB_ARRAYS * (MMU_NAME_MAX + 16)] = "";
            for (uint32_t i = 0; i < c->n_tlbs; i++)
                if (c->tlb[i].side & side) {
                    size_t used = strlen(have);
                    snprintf(have + used, sizeof have - used, "%s%s (level %u)", used ? ", " : "",
                             c->tlb[i].name, c->tlb[i].level);
                }
            unsigned gap = 1;
            while (present & (1u << (gap - 1)))
                gap++;
            return fail(MMU_ECONFIG, msg, msglen,
                        "tlb: the %s-side arrays skip a level: %s, and none at level %u; levels must "
                        "run 1, 2, ... without a gap (set tlb.NAME.level, or tlb.NAME.side)",
                        side == MMU_SIDE_INSTR ? "instruction" : "data", have, gap);
        }
    }
    if (c->walker.mode > MMU_WALKER_RADIX)
        return fail(MMU_ECONFIG, msg, msglen, "walker.mode (%u) is not a walker mode", c->walker.mode);
    if (c->walker.mode == MMU_WALKER_RADIX) {
        const mmu_pt_format *fmt = mmu_pt_format_find(c->walker.format);
        if (!fmt) {
            char names[512] = "";
            for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
                if (mmu_pt_format_get(i)->host)
                    continue;
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s%s", used ? " " : "",
                         mmu_pt_format_get(i)->name);
            }
            return fail(MMU_ECONFIG, msg, msglen, "walker.format: '%s' is not one of %s",
                        c->walker.format, names);
        }
        if (fmt->host)
            return fail(MMU_ECONFIG, msg, msglen,
                        "walker.format: '%s' is a host-stage (nested paging) format; name it in virt.host_format",
                        c->walker.format);
        if (radix_sizes_check(c, fmt, msg, msglen) != MMU_OK)
            return MMU_ECONFIG;
        if (c->walker.ad > MMU_AD_FAULT)
            return fail(MMU_ECONFIG, msg, msglen, "walker.ad (%u) is not an A/D mode", c->walker.ad);
        mmu_walkers_config wc = {c->walker.count, c->walker.max_inflight, c->walker.merge};
        if (mmu_walkers_config_check(&wc, msg, msglen) != MMU_OK)
            return MMU_ECONFIG;
        /* levels at or above the format's root have no entries to cache: ignored */
        mmu_pwc_config pc = c->pwc;
        for (unsigned l = fmt->levels; l < MMU_PT_MAX_LEVELS; l++)
            memset(&pc.level[l], 0, sizeof pc.level[l]);
        memset(&pc.level[0], 0, sizeof pc.level[0]);
        char sub[256];
        if (mmu_pwc_config_check(&pc, NULL, sub, sizeof sub) != MMU_OK)
            return fail(MMU_ECONFIG, msg, msglen, "%s", sub);
        if (mmu_ptemem_config_check(&c->ptemem, msg, msglen) != MMU_OK)
            return MMU_ECONFIG;
        if (c->os_enabled) {
            mmu_os_config oc = c->os;
            oc.clock_mhz = c->clock_mhz;
            oc.seed = c->seed;
            if (mmu_os_config_check(&oc, fmt, msg, msglen) != MMU_OK)
                return MMU_ECONFIG;
        }
    }
    if (c->virt.enabled && c->walker.mode == MMU_WALKER_RADIX) { /* fixed mode: no tables, ignored */
        const mmu_pt_format *h = mmu_pt_format_find(c->virt.host_format);
        if (!h || !h->host)
            return fail(MMU_ECONFIG, msg, msglen,
                        "virt.host_format: '%s' is not a host-stage format (ept ept5 amd_npt amd_npt5 "
                        "aarch64_s2_4k aarch64_s2_4k_40 aarch64_s2_16k aarch64_s2_64k sv39x4 sv48x4 sv57x4)",
                        c->virt.host_format);
        if (c->map.n_regions)
            return fail(MMU_ECONFIG, msg, msglen, "virt.enabled: a static map ([map]) is not supported with nested paging");
        if (c->virt.host_ad > MMU_AD_NONE)
            return fail(MMU_ECONFIG, msg, msglen, "virt.host_ad (%u) is not an A/D mode", c->virt.host_ad);
        if (c->virt.ntlb_entries) {
            if (c->virt.ntlb_ways == 0 || c->virt.ntlb_ways > c->virt.ntlb_entries ||
                c->virt.ntlb_entries % c->virt.ntlb_ways)
                return fail(MMU_ECONFIG, msg, msglen, "virt.ntlb.ways (%u) must divide virt.ntlb.entries (%u)",
                            c->virt.ntlb_ways, c->virt.ntlb_entries);
        }
        mmu_pwc_config hp = c->virt.host_pwc;
        for (unsigned l = h->levels; l < MMU_PT_MAX_LEVELS; l++)
            memset(&hp.level[l], 0, sizeof hp.level[l]);
        memset(&hp.level[0], 0, sizeof hp.level[0]);
        char sub[256];
        if (mmu_pwc_config_check(&hp, NULL, sub, sizeof sub) != MMU_OK)
            return fail(MMU_ECONFIG, msg, msglen, "virt.%s", sub);
        mmu_os_config oc = c->os;
        oc.phys_mem = c->virt.host_mem;
        oc.swap_size = c->virt.host_swap;
        oc.thp = c->virt.host_thp;
        memset(&oc.frame_ranges, 0, sizeof oc.frame_ranges); /* guest-physical placement only */
        memset(&oc.pt_ranges, 0, sizeof oc.pt_ranges);
        oc.clock_mhz = c->clock_mhz;
        if (mmu_os_config_check(&oc, h, sub, sizeof sub) != MMU_OK)
            return fail(MMU_ECONFIG, msg, msglen, "virt.host_mem / host OS: %s", sub);
    }
    if (c->map.n_regions) {
        if (c->walker.mode != MMU_WALKER_RADIX || c->os_enabled)
            return fail(MMU_ECONFIG, msg, msglen,
                        "map.regions: a static map needs walker.mode = radix and os.enabled = off "
                        "(it replaces the OS model)");
        if (mmu_map_check(&c->map, mmu_pt_format_find(c->walker.format), msg, msglen) != MMU_OK)
            return MMU_ECONFIG;
    }
    if (c->walker.latency > 1000000)
        return fail(MMU_ECONFIG, msg, msglen, "walker.latency (%u) is more than 1000000 cycles",
                    c->walker.latency);
    if (c->walker.page_size >= MMU_PAGE_SIZES)
        return fail(MMU_ECONFIG, msg, msglen, "walker.page_size (%u) is not a page size",
                    c->walker.page_size);
    return MMU_OK;
}

/* ---------------------------------------------------------------- */

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static mmu_err parse_u64(const char *v, uint64_t *out)
{
    v = skip_space(v);
    if (!isdigit((unsigned char)*v))
        return MMU_EPARSE;
    /* decimal, leading zeros included ("010" is ten, never octal); "0x" is hex */
    int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    if (hex && !isxdigit((unsigned char)v[2]))
        return MMU_EPARSE;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, hex ? 16 : 10);
    if (errno == ERANGE)
        return MMU_ERANGE;
    if (*skip_space(end) != 0 || end == v)
        return MMU_EPARSE;
    *out = (uint64_t)x;
    return MMU_OK;
}

/* Split a list on spaces, commas and '|'; calls fn for each item. */
static mmu_err each_item(const char *v, mmu_err (*fn)(void *ctx, const char *item), void *ctx)
{
    char item[64];
    while (*v) {
        while (*v && (isspace((unsigned char)*v) || *v == ',' || *v == '|'))
            v++;
        if (!*v)
            break;
        size_t n = 0;
        while (*v && !(isspace((unsigned char)*v) || *v == ',' || *v == '|')) {
            if (n + 1 >= sizeof item)
                return MMU_EPARSE;
            item[n++] = *v++;
        }
        item[n] = 0;
        mmu_err e = fn(ctx, item);
        if (e != MMU_OK)
            return e;
    }
    return MMU_OK;
}

static mmu_err add_ps(void *ctx, const char *item)
{
    mmu_page_size ps = mmu_page_size_parse(item);
    if (ps >= MMU_PAGE_SIZES)
        return MMU_EPARSE;
    *(uint32_t *)ctx |= 1u << ps;
    return MMU_OK;
}

static mmu_err set_key(void *base, const key_def *k, const char *section, const char *value,
                       char *msg, size_t msglen)
{
    uint32_t *u32 = (uint32_t *)((char *)base + k->offset);
    switch (k->type) {
    case K_U32:
    case K_U64:
    case K_ADDR: {
        uint64_t x;
        mmu_err e = parse_u64(value, &x);
        if (e == MMU_EPARSE)
            return fail(e, msg, msglen, "%s.%s: '%s' is not a non-negative integer", section, k->key,
                        value);
        if (e != MMU_OK || x < k->min || x > k->max)
            return fail(MMU_ERANGE, msg, msglen, "%s.%s: %s is out of range %llu..%llu", section,
                        k->key, value, (unsigned long long)k->min, (unsigned long long)k->max);
        if (k->type == K_U32)
            *u32 = (uint32_t)x;
        else
            *(uint64_t *)((char *)base + k->offset) = x;
        return MMU_OK;
    }
    case K_ENUM: {
        const char *v = skip_space(value);
        for (unsigned i = 0; i < k->n_names; i++) {
            if (k->names[i] && strcmp(k->names[i], v) == 0) {
                *u32 = i;
                return MMU_OK;
            }
        }
        char choices[200] = "";
        for (unsigned i = 0; i < k->n_names; i++) {
            if (!k->names[i])
                continue;
            size_t used = strlen(choices);
            snprintf(choices + used, sizeof choices - used, "%s%s", used ? ", " : "", k->names[i]);
        }
        return fail(MMU_EPARSE, msg, msglen, "%s.%s: '%s' is not one of %s", section, k->key, value,
                    choices);
    }
    case K_PSMASK: {
        uint32_t mask = 0;
        if (each_item(value, add_ps, &mask) != MMU_OK || mask == 0)
            return fail(MMU_EPARSE, msg, msglen,
                        "%s.%s: '%s' is not a list of page sizes (4K 8K 16K 64K 2M 32M 512M 1G)",
                        section, k->key, value);
        *u32 = mask;
        return MMU_OK;
    }
    case K_STR: {
        const char *v = skip_space(value);
        if (!*v || strlen(v) >= MMU_NAME_MAX)
            return fail(MMU_EPARSE, msg, msglen, "%s.%s: '%s' must be 1..%d characters", section,
                        k->key, value, MMU_NAME_MAX - 1);
        set_name((char *)base + k->offset, v);
        return MMU_OK;
    }
    case K_SIZE: {
        const char *v = skip_space(value);
        char *end;
        errno = 0;
        if (!isdigit((unsigned char)*v))
            return fail(MMU_EPARSE, msg, msglen, "%s.%s: '%s' is not a size (bytes, or with K, M, G)",
                        section, k->key, value);
        unsigned long long x = strtoull(v, &end, 10);
        unsigned shift = 0;
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; end++; break;
        case 'M': shift = 20; end++; break;
        case 'G': shift = 30; end++; break;
        default: break;
        }
        if (toupper((unsigned char)*end) == 'B' || toupper((unsigned char)*end) == 'I')
            end++; /* KB, KiB */
        if (toupper((unsigned char)*end) == 'B')
            end++;
        if (*skip_space(end) != 0)
            return fail(MMU_EPARSE, msg, msglen, "%s.%s: '%s' is not a size (bytes, or with K, M, G)",
                        section, k->key, value);
        if (errno == ERANGE || x > (UINT64_MAX >> shift) || (x << shift) > k->max)
            return fail(MMU_ERANGE, msg, msglen, "%s.%s: %s is out of range 0..%llu bytes", section,
                        k->key, value, (unsigned long long)k->max);
        *(uint64_t *)((char *)base + k->offset) = (uint64_t)x << shift;
        return MMU_OK;
    }
    case K_DOUBLE: {
        const char *v = skip_space(value);
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *skip_space(end) != 0 || !(x == x))
            return fail(MMU_EPARSE, msg, msglen, "%s.%s: '%s' is not a number", section, k->key, value);
        if (errno == ERANGE || x < (double)k->min || x > (double)k->max)
            return fail(MMU_ERANGE, msg, msglen, "%s.%s: %s is out of range %llu..%llu", section,
                        k->key, value, (unsigned long long)k->min, (unsigned long long)k->max);
        *(double *)((char *)base + k->offset) = x;
        return MMU_OK;
    }
    case K_REGIONS:
        return mmu_map_parse_regions((mmu_map_config *)((char *)base + k->offset), value, msg, msglen);
    case K_RANGES: {
        char field[96];
        snprintf(field, sizeof field, "%s.%s", section, k->key);
        return mmu_os_ranges_parse((mmu_os_ranges *)((char *)base + k->offset), value, field, msg, msglen);
    }
    case K_PS: {
        mmu_page_size ps = mmu_page_size_parse(skip_space(value));
        if (ps >= MMU_PAGE_SIZES)
            return fail(MMU_EPARSE, msg, msglen,
                        "%s.%s: '%s' is not a page size (4K 8K 16K 64K 2M 32M 512M 1G)", section,
                        k->key, value);
        *u32 = (uint32_t)ps;
        return MMU_OK;
    }
    }
    return MMU_EINVAL;
}

static void format_key(const void *base, const key_def *k, char *buf, size_t len)
{
    uint32_t u32 = *(const uint32_t *)((const char *)base + k->offset);
    switch (k->type) {
    case K_U32:
        snprintf(buf, len, "%u", u32);
        break;
    case K_U64:
        snprintf(buf, len, "%llu",
                 (unsigned long long)*(const uint64_t *)((const char *)base + k->offset));
        break;
    case K_ADDR:
        snprintf(buf, len, "0x%llx",
                 (unsigned long long)*(const uint64_t *)((const char *)base + k->offset));
        break;
    case K_REGIONS:
        mmu_map_format_regions((const mmu_map_config *)((const char *)base + k->offset), buf, len);
        break;
    case K_RANGES:
        mmu_os_ranges_format((const mmu_os_ranges *)((const char *)base + k->offset), buf, len);
        break;
    case K_ENUM:
        snprintf(buf, len, "%s", u32 < k->n_names && k->names[u32] ? k->names[u32] : "?");
        break;
    case K_PSMASK: {
        buf[0] = 0;
        for (unsigned p = 0; p < MMU_PAGE_SIZES; p++) {
            if (!(u32 & (1u << p)))
                continue;
            size_t used = strlen(buf);
            snprintf(buf + used, len - used, "%s%s", used ? " " : "",
                     mmu_page_size_name((mmu_page_size)p));
        }
        break;
    }
    case K_PS:
        snprintf(buf, len, "%s", mmu_page_size_name((mmu_page_size)u32));
        break;
    case K_STR:
        snprintf(buf, len, "%s", (const char *)base + k->offset);
        break;
    case K_DOUBLE:
        snprintf(buf, len, "%.17g", *(const double *)((const char *)base + k->offset));
        break;
    case K_SIZE: {
        uint64_t x = *(const uint64_t *)((const char *)base + k->offset);
        if (x && (x & ((UINT64_C(1) << 30) - 1)) == 0)
            snprintf(buf, len, "%lluG", (unsigned long long)(x >> 30));
        else if (x && (x & ((UINT64_C(1) << 20) - 1)) == 0)
            snprintf(buf, len, "%lluM", (unsigned long long)(x >> 20));
        else if (x && (x & ((UINT64_C(1) << 10) - 1)) == 0)
            snprintf(buf, len, "%lluK", (unsigned long long)(x >> 10));
        else
            snprintf(buf, len, "%llu", (unsigned long long)x);
        break;
    }
    }
}

typedef struct arrays_ctx {
    mmu_config *cfg;
    mmu_tlb_config out[MMU_MAX_TLB_ARRAYS];
    uint32_t n;
    char *msg;
    size_t msglen;
} arrays_ctx;

static mmu_err add_array_name(void *vctx, const char *item)
{
    arrays_ctx *a = vctx;
    if (!valid_name(item))
        return fail(MMU_EPARSE, a->msg, a->msglen,
                    "tlb.arrays: '%s' is not a valid array name (a-z, 0-9, _; at most %d)", item,
                    MMU_NAME_MAX - 1);
    for (uint32_t i = 0; i < a->n; i++)
        if (strcmp(a->out[i].name, item) == 0)
            return fail(MMU_EPARSE, a->msg, a->msglen, "tlb.arrays: '%s' is named twice", item);
    if (a->n >= MMU_MAX_TLB_ARRAYS)
        return fail(MMU_ERANGE, a->msg, a->msglen, "tlb.arrays: at most %d arrays",
                    MMU_MAX_TLB_ARRAYS);
    int old = mmu_config_find_tlb(a->cfg, item);
    if (old >= 0)
        a->out[a->n] = a->cfg->tlb[old];
    else
        mmu_tlb_config_defaults(&a->out[a->n], item);
    a->n++;
    return MMU_OK;
}

static mmu_err set_in_table(void *base, const key_def *keys, size_t n, const char *section,
                            const char *key, const char *value, char *msg, size_t msglen)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].key, key) == 0)
            return set_key(base, &keys[i], section, value, msg, msglen);
    return fail(MMU_EUNKNOWN, msg, msglen, "%s: unknown key '%s'", section, key);
}

/*
 * The paging-structure caches of c->walker.format's levels that no key has
 * set take the format's defaults; the other levels are left alone (a format
 * ignores levels at or above its root).
 */
static void pwc_format_defaults(mmu_config *c)
{
    const mmu_pt_format *fmt = mmu_pt_format_find(c->walker.format);
    if (!fmt)
        return; /* the validator names the unknown format */
    mmu_pwc_config d;
    mmu_pwc_config_defaults(&d, fmt);
    for (unsigned l = 1; l < fmt->levels && l < MMU_PT_MAX_LEVELS; l++)
        if (!(c->pwc_set & (1u << l)))
            c->pwc.level[l] = d.level[l];
}

/* The same for the host PWC and virt.host_format. */
static void virt_pwc_format_defaults(mmu_config *c)
{
    const mmu_pt_format *fmt = mmu_pt_format_find(c->virt.host_format);
    if (!fmt)
        return;
    mmu_pwc_config d;
    mmu_pwc_config_defaults(&d, fmt);
    for (unsigned l = 1; l < fmt->levels && l < MMU_PT_MAX_LEVELS; l++)
        if (!(c->virt_pwc_set & (1u << l)))
            c->virt.host_pwc.level[l] = d.level[l];
}

mmu_err mmu_config_set2(mmu_config *c, const char *section, const char *key, const char *value,
                        char *msg, size_t msglen)
{
    if (!c || !section || !key || !value)
        return MMU_EINVAL;
    for (size_t i = 0; i < N_(moved_keys); i++)
        if (strcmp(section, moved_keys[i].old_section) == 0 && strcmp(key, moved_keys[i].key) == 0)
            return fail(MMU_EUNKNOWN, msg, msglen, "%s.%s is now %s.%s (section [%s])", section, key,
                        moved_keys[i].new_section, key, moved_keys[i].new_section);
    if (strcmp(section, "mmu") == 0)
        return set_in_table(c, mmu_keys, N_(mmu_keys), section, key, value, msg, msglen);
    if (strcmp(section, "core") == 0)
        return set_in_table(&c->core, core_keys, N_(core_keys), section, key, value, msg, msglen);
    if (strcmp(section, "walker") == 0) {
        mmu_err e = set_in_table(&c->walker, walker_keys, N_(walker_keys), section, key, value, msg,
                                 msglen);
        if (e == MMU_OK && strcmp(key, "format") == 0)
            pwc_format_defaults(c);
        return e;
    }
    if (strcmp(section, "tlb") == 0) {
        if (strcmp(key, "arrays") == 0) {
            arrays_ctx a = {.cfg = c, .n = 0, .msg = msg, .msglen = msglen};
            if (msg && msglen)
                msg[0] = 0;
            mmu_err e = each_item(value, add_array_name, &a);
            if (e != MMU_OK)
                return msg && msglen && !msg[0]
                           ? fail(e, msg, msglen, "tlb.arrays: malformed list '%s'", value)
                           : e;
            memcpy(c->tlb, a.out, sizeof a.out);
            c->n_tlbs = a.n;
            return MMU_OK;
        }
        return set_in_table(c, tlb_keys, N_(tlb_keys), section, key, value, msg, msglen);
    }
    for (size_t i = 0; i < N_(flat_sections); i++) {
        if (strcmp(section, flat_sections[i].name) == 0) {
            mmu_err e = set_in_table(c, flat_sections[i].keys, flat_sections[i].n, section, key,
                                     value, msg, msglen);
            if (e == MMU_OK && strncmp(section, "pwc.l", 5) == 0)
                c->pwc_set |= 1u << (section[5] - '0'); /* "pwc.l1" .. "pwc.l4" */
            if (e == MMU_OK && strncmp(section, "virt.pwc.l", 10) == 0)
                c->virt_pwc_set |= 1u << (section[10] - '0');
            if (e == MMU_OK && strcmp(section, "virt") == 0 && strcmp(key, "host_format") == 0)
                virt_pwc_format_defaults(c);
            return e;
        }
    }
    if (strncmp(section, "tlb.", 4) == 0) {
        int i = mmu_config_find_tlb(c, section + 4);
        if (i < 0) {
            char names[MMU_MAX_TLB_ARRAYS * MMU_NAME_MAX + 1] = "";
            for (uint32_t j = 0; j < c->n_tlbs; j++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s%s", used ? " " : "", c->tlb[j].name);
            }
            return fail(MMU_EUNKNOWN, msg, msglen,
                        "[%s]: unknown TLB array '%s' (tlb.arrays = %s; declare it there first)",
                        section, section + 4, names);
        }
        return set_in_table(&c->tlb[i], array_keys, N_(array_keys), section, key, value, msg,
                            msglen);
    }
    return fail(MMU_EUNKNOWN, msg, msglen, "unknown section [%s]", section);
}

mmu_err mmu_config_set(mmu_config *c, const char *key, const char *value, char *msg, size_t msglen)
{
    if (!c || !key || !value)
        return MMU_EINVAL;
    const char *dot = strrchr(key, '.');
    if (!dot || dot == key || dot[1] == 0)
        return fail(MMU_EUNKNOWN, msg, msglen, "'%s' is not of the form section.key", key);
    char section[128];
    size_t n = (size_t)(dot - key);
    if (n >= sizeof section)
        return fail(MMU_EUNKNOWN, msg, msglen, "unknown section in '%s'", key);
    memcpy(section, key, n);
    section[n] = 0;
    return mmu_config_set2(c, section, dot + 1, value, msg, msglen);
}

static void visit_table(const void *base, const key_def *keys, size_t n, const char *section,
                        mmu_config_visit_fn visit, void *ctx)
{
    char buf[64 * MMU_MAP_MAX_REGIONS];
    for (size_t i = 0; i < n; i++) {
        format_key(base, &keys[i], buf, sizeof buf);
        visit(ctx, section, keys[i].key, buf, keys[i].desc);
    }
}

static void foreach_impl(const mmu_config *c, int with_virt, mmu_config_visit_fn visit, void *ctx);

void mmu_config_foreach(const mmu_config *c, mmu_config_visit_fn visit, void *ctx)
{
    foreach_impl(c, c->virt.enabled != 0, visit, ctx);
}

void mmu_config_foreach_all(const mmu_config *c, mmu_config_visit_fn visit, void *ctx)
{
    foreach_impl(c, 1, visit, ctx);
}

static void foreach_impl(const mmu_config *c, int with_virt, mmu_config_visit_fn visit, void *ctx)
{
    visit(ctx, "mmu", NULL, NULL, "the core the MMU belongs to");
    visit_table(c, mmu_keys, N_(mmu_keys), "mmu", visit, ctx);

    visit(ctx, "core", NULL, NULL, "the core replaying the trace: when accesses without cycles issue");
    visit_table(&c->core, core_keys, N_(core_keys), "core", visit, ctx);

    visit(ctx, "tlb", NULL, NULL, "the TLB hierarchy");
    char names[MMU_MAX_TLB_ARRAYS * MMU_NAME_MAX + 1] = "";
    for (uint32_t j = 0; j < c->n_tlbs; j++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", used ? " " : "", c->tlb[j].name);
    }
    visit(ctx, "tlb", "arrays", names, "the TLB arrays, each configured in its own [tlb.NAME] section");
    visit_table(c, tlb_keys, N_(tlb_keys), "tlb", visit, ctx);
    for (uint32_t j = 0; j < c->n_tlbs; j++) {
        char section[MMU_NAME_MAX + 8];
        snprintf(section, sizeof section, "tlb.%s", c->tlb[j].name);
        visit(ctx, section, NULL, NULL, "one TLB array");
        visit_table(&c->tlb[j], array_keys, N_(array_keys), section, visit, ctx);
    }

    visit(ctx, "walker", NULL, NULL, "what resolves a miss in every TLB level");
    visit_table(&c->walker, walker_keys, N_(walker_keys), "walker", visit, ctx);
    for (size_t i = 0; i < N_(flat_sections); i++) {
        if (!with_virt && strncmp(flat_sections[i].name, "virt", 4) == 0)
            continue; /* virtualization off: results carry no [virt] columns (unchanged outputs) */
        visit(ctx, flat_sections[i].name, NULL, NULL, flat_sections[i].desc);
        visit_table(c, flat_sections[i].keys, flat_sections[i].n, flat_sections[i].name, visit, ctx);
    }
}
