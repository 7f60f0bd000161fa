/*
 * os.c - the built-in OS model of trace mode (include/mmusim/os.h): a
 * physical frame allocator, one page table per process built in a sparse
 * physical memory, demand paging, clock (second chance) replacement over
 * the accessed bits of the PTEs, swap with slots, transparent huge pages,
 * TLB shootdowns through callbacks, and per-process figures.
 *
 * Why it exists: in trace mode nothing else owns the page tables, so this
 * small OS builds them in whichever format the MMU walks, and answers its
 * page faults with a latency breakdown.  docs/os-model.md states every rule.
 *
 * Data structures:
 *   - a bitmap of used frames, with per-64-frame metadata chunks allocated
 *     on first use, and a used-frame count per huge-page-sized aligned
 *     block (a block with count 0 is a free aligned run for THP);
 *   - a swapped-out page is remembered in its not-present PTE, as Linux
 *     does with swap entries: bit 0 clear (invalid in every format), bit 1
 *     set ("known to the OS"), swap slot + 1 from bit 12 up (0: the page was
 *     never written and comes back as a zero page);
 *   - per process: the root, counters, and a sorted list of protection
 *     regions (addresses not in a region get MMU_OS_PROT_DEFAULT).
 * Data frames hold no contents: only page-table pages are stored in the
 * sparse memory, so host memory grows with the page tables, not with the
 * virtual address space.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/os.h"
#include "msg.h"

#define CHUNK_SHIFT 6
#define CHUNK_FRAMES (1u << CHUNK_SHIFT)
#define MAX_PHYS_MEM (1ull << 40)
#define MAX_CYCLES 1000000000u
#define MAX_US 1e6
#define MAX_REMOTE_CORES 4096u

/* Not-present PTE written by the OS (a "swap entry"). */
#define MARK_KNOWN 0x2ull
#define MARK_SLOT_SHIFT 12

enum { FK_FREE = 0, FK_TABLE, FK_DATA, FK_HEAD, FK_TAIL };
enum { FR_SOFT_DIRTY = 1, FR_PINNED = 2 };

struct frame {
    uint64_t vpn;    /* DATA/HEAD/TAIL: virtual address >> base shift */
    uint64_t pte_pa; /* DATA/HEAD: physical address of the leaf entry */
    uint32_t slot1;  /* swap slot + 1 holding a valid copy of the page; 0: none */
    uint16_t asid;   /* owner */
    uint8_t kind;    /* FK_* */
    uint8_t flags;   /* FR_* */
};

struct region {
    uint64_t start, last; /* inclusive */
    uint32_t prot;
};

struct proc {
    uint64_t root;
    uint64_t vms, rss, peak, swap, pt; /* pages / frames */
    uint64_t faults[MMU_OS_FAULT_KINDS];
    uint64_t swap_ins, swap_outs, thp;
    struct region *reg;
    size_t nreg;
    uint16_t asid;
};

struct target {
    mmu_os_shootdown_fn fn;
    void *ctx;
};

/* What one operation cost and caused. */
struct fctx {
    mmu_os_latency lat;
    uint32_t evictions, writebacks, tables, shootdowns;
};

struct mmu_os {
    mmu_os_config cfg;
    const mmu_pt_format *fmt;
    mmu_sparse_mem *mem;
    mmu_mem_port port;
    unsigned levels;
    unsigned shift;      /* base page shift */
    unsigned huge_shift; /* level-1 leaf shift */
    uint64_t fs;         /* frame (base page) size */
    uint64_t R;          /* frames per huge page */
    uint8_t base_ps, huge_ps;
    int thp_ok;          /* the format has level-1 leaves */
    uint32_t table_flags;

    uint64_t nframes, nwords;
    uint64_t *used;         /* bit per frame; bits past nframes set */
    struct frame **chunk;   /* per 64 frames, NULL until first used */
    uint64_t nchunks;       /* allocated chunks */
    uint64_t nblocks;       /* whole aligned blocks of R frames */
    uint32_t *blk_used;     /* used frames per block */
    uint64_t blocks_free;
    uint64_t frames_used, frames_pt;
    uint64_t hint;          /* no free frame below word hint */
    uint64_t hand;          /* clock hand (frame number) */
    uint64_t rng;

    uint64_t slot_limit, slot_next, slots_used, slots_peak;
    uint32_t *slot_free;
    size_t nslot_free, cap_slot_free;

    struct proc **procs;
    uint32_t nprocs, cap_procs;
    uint32_t *asid_idx[256]; /* [asid >> 8][asid & 255] = process index + 1 */

    struct target *tg;
    size_t ntg, cap_tg;

    uint64_t swap_read_cyc, swap_write_cyc;
    mmu_os_stats st; /* counters; gauges are filled by mmu_os_get_stats */
};

/* ---------------------------------------------------------------- names */

static const char *const alloc_names[] = {
#define MMU_OS_FA_NAME_(name, id) id,
    MMU_OS_FRAME_ALLOC_MAP(MMU_OS_FA_NAME_)
#undef MMU_OS_FA_NAME_
};

static const char *const kind_names[] = {
#define MMU_OS_FK_NAME_(name, id, text) id,
    MMU_OS_FAULT_KIND_MAP(MMU_OS_FK_NAME_)
#undef MMU_OS_FK_NAME_
};

static const char *const part_names[] = {
#define MMU_OS_LP_NAME_(name, id, text) id,
    MMU_OS_LAT_MAP(MMU_OS_LP_NAME_)
#undef MMU_OS_LP_NAME_
};

const char *mmu_os_frame_alloc_name(mmu_os_frame_alloc a)
{
    return (unsigned)a < MMU_OS_ALLOC_POLICIES ? alloc_names[a] : "?";
}

mmu_os_frame_alloc mmu_os_frame_alloc_parse(const char *name)
{
    if (!name)
        return MMU_OS_ALLOC_POLICIES;
    for (unsigned i = 0; i < MMU_OS_ALLOC_POLICIES; i++) {
        const char *a = alloc_names[i], *b = name;
        while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
            a++, b++;
        if (!*a && !*b)
            return (mmu_os_frame_alloc)i;
    }
    return MMU_OS_ALLOC_POLICIES;
}

const char *mmu_os_fault_kind_name(mmu_os_fault_kind k)
{
    return (unsigned)k < MMU_OS_FAULT_KINDS ? kind_names[k] : "?";
}

const char *mmu_os_lat_part_name(mmu_os_lat_part p)
{
    return (unsigned)p < MMU_OS_LAT_PARTS ? part_names[p] : "?";
}

/* ---------------------------------------------------------------- config */

void mmu_os_config_defaults(mmu_os_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->phys_mem = 4ull << 30;
    cfg->swap_size = 0;
    cfg->seed = 1;
    cfg->frame_alloc = MMU_OS_ALLOC_SEQUENTIAL;
    cfg->thp = 0;
    cfg->clock_mhz = 3000;
    cfg->remote_cores = 0;
    cfg->trap_entry = 400;
    cfg->trap_return = 400;
    cfg->minor_handler = 2400;
    cfg->zero_frame = 400;
    cfg->major_handler = 20000;
    cfg->ad_handler = 500;
    cfg->evict = 1000;
    cfg->shootdown = 4000;
    cfg->swap_read_us = 100.0;
    cfg->swap_write_us = 100.0;
}

#define bad(msg, msglen, ...) model_msg(MMU_ECONFIG, msg, msglen, __VA_ARGS__)

mmu_err mmu_os_config_check(const mmu_os_config *cfg, const mmu_pt_format *fmt, char *msg,
                            size_t msglen)
{
    if (msg && msglen)
        msg[0] = 0;
    if (!cfg)
        return bad(msg, msglen, "os: no configuration");
    uint64_t fs = fmt ? 1ull << fmt->shift[0] : 4096;
    unsigned levels = fmt ? fmt->levels : MMU_PT_MAX_LEVELS;
    const char *fname = fmt ? fmt->name : "any format";
    uint64_t min_mem = fs * (levels + 1);
    if (cfg->phys_mem % fs)
        return bad(msg, msglen, "os.phys_mem (%" PRIu64 ") must be a multiple of the base page size (%" PRIu64 ")",
                   cfg->phys_mem, fs);
    if (cfg->phys_mem < min_mem)
        return bad(msg, msglen,
                   "os.phys_mem (%" PRIu64 ") must be at least %" PRIu64
                   " (%u frames of %" PRIu64 " bytes: a root, %u tables and one data frame for %s)",
                   cfg->phys_mem, min_mem, levels + 1, fs, levels - 1, fname);
    if (cfg->phys_mem > MAX_PHYS_MEM)
        return bad(msg, msglen, "os.phys_mem (%" PRIu64 ") must be at most %" PRIu64 " (1 TiB)",
                   cfg->phys_mem, (uint64_t)MAX_PHYS_MEM);
    if (cfg->swap_size % fs)
        return bad(msg, msglen, "os.swap_size (%" PRIu64 ") must be 0 (unlimited) or a multiple of the base page size (%" PRIu64 ")",
                   cfg->swap_size, fs);
    if (cfg->swap_size / fs > UINT32_MAX - 1)
        return bad(msg, msglen, "os.swap_size (%" PRIu64 ") must be at most %" PRIu64 " (2^32 - 2 pages)",
                   cfg->swap_size, (uint64_t)(UINT32_MAX - 1) * fs);
    if (cfg->frame_alloc >= MMU_OS_ALLOC_POLICIES)
        return bad(msg, msglen, "os.frame_alloc (%" PRIu32 ") must be sequential (0) or random (1)",
                   cfg->frame_alloc);
    if (cfg->thp > 1)
        return bad(msg, msglen, "os.thp (%" PRIu32 ") must be 0 or 1", cfg->thp);
    if (cfg->thp && fmt && !(fmt->leaf_levels & 2u))
        return bad(msg, msglen, "os.thp needs level-1 leaves, which %s does not have", fmt->name);
    if (cfg->clock_mhz < 1 || cfg->clock_mhz > 100000)
        return bad(msg, msglen, "os.clock_mhz (%" PRIu32 ") must be 1..100000", cfg->clock_mhz);
    if (cfg->remote_cores > MAX_REMOTE_CORES)
        return bad(msg, msglen, "os.remote_cores (%" PRIu32 ") must be at most %u", cfg->remote_cores,
                   MAX_REMOTE_CORES);
    static const struct {
        const char *name;
        size_t off;
    } cyc[] = {
        {"trap_entry", offsetof(mmu_os_config, trap_entry)},
        {"trap_return", offsetof(mmu_os_config, trap_return)},
        {"minor_handler", offsetof(mmu_os_config, minor_handler)},
        {"zero_frame", offsetof(mmu_os_config, zero_frame)},
        {"major_handler", offsetof(mmu_os_config, major_handler)},
        {"ad_handler", offsetof(mmu_os_config, ad_handler)},
        {"evict", offsetof(mmu_os_config, evict)},
        {"shootdown", offsetof(mmu_os_config, shootdown)},
    };
    for (size_t i = 0; i < sizeof cyc / sizeof cyc[0]; i++) {
        uint32_t v;
        memcpy(&v, (const char *)cfg + cyc[i].off, sizeof v);
        if (v > MAX_CYCLES)
            return bad(msg, msglen, "os.%s (%" PRIu32 ") must be at most %u cycles", cyc[i].name, v,
                       MAX_CYCLES);
    }
    if (!(cfg->swap_read_us >= 0 && cfg->swap_read_us <= MAX_US))
        return bad(msg, msglen, "os.swap_read_us (%g) must be 0..%g", cfg->swap_read_us, MAX_US);
    if (!(cfg->swap_write_us >= 0 && cfg->swap_write_us <= MAX_US))
        return bad(msg, msglen, "os.swap_write_us (%g) must be 0..%g", cfg->swap_write_us, MAX_US);
    return MMU_OK;
}

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(mmu_os *os)
{
    uint64_t z = (os->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t us_to_cycles(double us, uint32_t mhz)
{
    return (uint64_t)(us * (double)mhz + 0.5); /* us >= 0: rounds to nearest */
}

static struct frame *frame_at(const mmu_os *os, uint64_t pfn)
{
    struct frame *c = os->chunk[pfn >> CHUNK_SHIFT];
    return c ? &c[pfn & (CHUNK_FRAMES - 1)] : NULL;
}

static int is_marker(uint64_t raw)
{
    return (raw & 1) == 0 && (raw & MARK_KNOWN);
}

static uint32_t marker_slot1(uint64_t raw)
{
    return (uint32_t)(raw >> MARK_SLOT_SHIFT);
}

static uint64_t marker(uint32_t slot1)
{
    return MARK_KNOWN | ((uint64_t)slot1 << MARK_SLOT_SHIFT);
}

static struct proc *proc_of(const mmu_os *os, uint16_t asid)
{
    const uint32_t *t = os->asid_idx[asid >> 8];
    uint32_t i = t ? t[asid & 255] : 0;
    return i ? os->procs[i - 1] : NULL;
}

static void add_rss(struct proc *p, uint64_t pages)
{
    p->rss += pages;
    if (p->rss > p->peak)
        p->peak = p->rss;
}

static mmu_err write_pte(mmu_os *os, uint64_t pa, uint64_t raw)
{
    return mmu_sparse_mem_write64(os->mem, pa, raw);
}

static uint64_t read_pte(const mmu_os *os, uint64_t pa)
{
    return mmu_sparse_mem_read64(os->mem, pa);
}

static void decode(const mmu_os *os, unsigned level, uint64_t raw, mmu_pte *p)
{
    if (mmu_pte_decode(os->fmt, level, raw, p) != MMU_OK)
        memset(p, 0, sizeof *p); /* cannot happen: the level is checked */
}

static mmu_err encode(const mmu_os *os, unsigned level, uint64_t paddr, uint32_t flags, uint64_t *raw)
{
    mmu_pte p;
    memset(&p, 0, sizeof p);
    p.paddr = paddr;
    p.flags = flags;
    return mmu_pte_encode(os->fmt, level, &p, raw);
}

/* MMU_PTE_* of a leaf with protection prot. */
static uint32_t leaf_flags(const mmu_os *os, uint32_t prot, int accessed, int dirty)
{
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF;
    if (prot & MMU_OS_PROT_READ)
        f |= MMU_PTE_READ;
    if (prot & MMU_OS_PROT_WRITE) {
        f |= MMU_PTE_WRITE;
        if (dirty)
            f |= MMU_PTE_DIRTY;
        if (os->fmt->arch == MMU_PT_ARCH_ARM)
            f |= MMU_PTE_DBM; /* writable-clean until written, as Linux arm64 maps */
    }
    if (prot & MMU_OS_PROT_EXEC)
        f |= MMU_PTE_EXEC;
    if (prot & MMU_OS_PROT_USER)
        f |= MMU_PTE_USER;
    if (prot & MMU_OS_PROT_GLOBAL)
        f |= MMU_PTE_GLOBAL;
    if (accessed)
        f |= MMU_PTE_ACCESSED;
    return f;
}

static int prot_allows(uint32_t prot, mmu_access_type type, mmu_priv priv)
{
    if (priv == MMU_PRIV_USER && !(prot & MMU_OS_PROT_USER))
        return 0;
    switch (type) {
    case MMU_WRITE:
        return (prot & MMU_OS_PROT_WRITE) != 0;
    case MMU_FETCH:
        return (prot & MMU_OS_PROT_EXEC) != 0;
    default:
        return (prot & MMU_OS_PROT_READ) != 0;
    }
}

/* Does a present leaf with flags f allow the access (the walk's own check, without SMAP/SMEP)? */
static int leaf_allows(uint32_t f, mmu_access_type type, mmu_priv priv)
{
    if (priv == MMU_PRIV_USER && !(f & MMU_PTE_USER))
        return 0;
    switch (type) {
    case MMU_WRITE:
        return (f & MMU_PTE_WRITE) != 0;
    case MMU_FETCH:
        return (f & MMU_PTE_EXEC) != 0;
    default:
        return (f & MMU_PTE_READ) != 0;
    }
}

/* ---------------------------------------------------------------- regions */

/*
 * Protection at va, and the run [*lo, *hi] around va where it is the same
 * (a region, or a gap between regions).
 */
static uint32_t region_prot(const struct proc *p, uint64_t va, uint64_t *lo, uint64_t *hi)
{
    size_t a = 0, b = p->nreg; /* first region with start > va is at index b */
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (p->reg[m].start <= va)
            a = m + 1;
        else
            b = m;
    }
    if (a > 0 && va <= p->reg[a - 1].last) {
        if (lo)
            *lo = p->reg[a - 1].start;
        if (hi)
            *hi = p->reg[a - 1].last;
        return p->reg[a - 1].prot;
    }
    if (lo)
        *lo = a > 0 ? p->reg[a - 1].last + 1 : 0;
    if (hi)
        *hi = a < p->nreg ? p->reg[a].start - 1 : UINT64_MAX;
    return MMU_OS_PROT_DEFAULT;
}

/* Give [lo, hi] protection prot (regions with the default protection are not stored). */
static mmu_err region_set(struct proc *p, uint64_t lo, uint64_t hi, uint32_t prot)
{
    struct region *n = malloc((p->nreg + 3) * sizeof *n);
    if (!n)
        return MMU_ENOMEM;
    size_t k = 0;
    int inserted = 0;
#define INSERT_NEW()                                     \
    do {                                                 \
        if (!inserted && prot != MMU_OS_PROT_DEFAULT)    \
            n[k++] = (struct region){lo, hi, prot};      \
        inserted = 1;                                    \
    } while (0)
    for (size_t i = 0; i < p->nreg; i++) {
        struct region r = p->reg[i];
        if (r.last < lo) {
            n[k++] = r;
            continue;
        }
        if (r.start > hi) {
            INSERT_NEW();
            n[k++] = r;
            continue;
        }
        if (r.start < lo) /* the part below the new range */
            n[k++] = (struct region){r.start, lo - 1, r.prot};
        INSERT_NEW();
        if (r.last > hi) /* the part above it */
            n[k++] = (struct region){hi + 1, r.last, r.prot};
    }
    INSERT_NEW();
#undef INSERT_NEW
    /* merge neighbours with the same protection */
    size_t m = 0;
    for (size_t j = 0; j < k; j++) {
        if (m > 0 && n[m - 1].prot == n[j].prot && n[m - 1].last + 1 == n[j].start)
            n[m - 1].last = n[j].last;
        else
            n[m++] = n[j];
    }
    free(p->reg);
    p->reg = n;
    p->nreg = m;
    return MMU_OK;
}

/* ---------------------------------------------------------------- frames */

static struct frame *ensure_chunk(mmu_os *os, uint64_t pfn)
{
    struct frame **c = &os->chunk[pfn >> CHUNK_SHIFT];
    if (!*c) {
        *c = calloc(CHUNK_FRAMES, sizeof **c);
        if (!*c)
            return NULL;
        os->nchunks++;
    }
    return &(*c)[pfn & (CHUNK_FRAMES - 1)];
}

static void set_used(mmu_os *os, uint64_t pfn)
{
    os->used[pfn >> 6] |= 1ull << (pfn & 63);
    os->frames_used++;
    uint64_t b = pfn / os->R;
    if (b < os->nblocks && os->blk_used[b]++ == 0)
        os->blocks_free--;
}

static void free_frame(mmu_os *os, uint64_t pfn)
{
    uint64_t w = pfn >> 6;
    os->used[w] &= ~(1ull << (pfn & 63));
    os->frames_used--;
    if (w < os->hint)
        os->hint = w;
    uint64_t b = pfn / os->R;
    if (b < os->nblocks && --os->blk_used[b] == 0)
        os->blocks_free++;
    struct frame *f = frame_at(os, pfn);
    if (f)
        memset(f, 0, sizeof *f);
}

/* A free frame (there is one): the lowest, or the first at or after a random one. */
static uint64_t find_free(mmu_os *os)
{
    if (os->cfg.frame_alloc == MMU_OS_ALLOC_SEQUENTIAL) {
        uint64_t w = os->hint;
        while (os->used[w] == ~0ull)
            w++;
        os->hint = w;
        return (w << 6) + (uint64_t)__builtin_ctzll(~os->used[w]);
    }
    uint64_t start = rng_next(os) % os->nframes;
    uint64_t w = start >> 6;
    uint64_t free_bits = ~os->used[w] & (~0ull << (start & 63));
    for (uint64_t n = 0; !free_bits && n <= os->nwords; n++) {
        w = w + 1 == os->nwords ? 0 : w + 1;
        free_bits = ~os->used[w];
    }
    return (w << 6) + (uint64_t)__builtin_ctzll(free_bits);
}

static mmu_err evict_one(mmu_os *os, struct fctx *fc);

/* Take a frame, evicting one when memory is full.  The frame is marked used, kind FK_FREE. */
static mmu_err alloc_frame(mmu_os *os, struct fctx *fc, uint64_t *pfn)
{
    if (os->frames_used == os->nframes) {
        mmu_err e = evict_one(os, fc);
        if (e != MMU_OK)
            return e;
    }
    uint64_t f = find_free(os);
    if (!ensure_chunk(os, f))
        return MMU_ENOMEM;
    set_used(os, f);
    *pfn = f;
    return MMU_OK;
}

/* A new, zeroed page-table frame of process p; charged as a table unless fc is NULL. */
static mmu_err alloc_table(mmu_os *os, struct proc *p, uint16_t asid, struct fctx *fc, uint64_t *pa)
{
    struct fctx scratch;
    memset(&scratch, 0, sizeof scratch);
    uint64_t pfn;
    mmu_err e = alloc_frame(os, fc ? fc : &scratch, &pfn);
    if (e != MMU_OK)
        return e;
    struct frame *f = frame_at(os, pfn);
    f->kind = FK_TABLE;
    f->asid = asid;
    os->frames_pt++;
    if (p)
        p->pt++;
    *pa = pfn << os->shift;
    (void)mmu_sparse_mem_discard(os->mem, *pa, os->fs); /* zero (it never held entries) */
    if (fc) {
        fc->tables++;
        fc->lat.part[MMU_OS_LAT_TABLES] += os->cfg.zero_frame;
    }
    return MMU_OK;
}

/* ---------------------------------------------------------------- swap slots */

static mmu_err slot_alloc(mmu_os *os, uint32_t *slot1)
{
    uint32_t s;
    if (os->nslot_free) {
        s = os->slot_free[--os->nslot_free];
    } else {
        if (os->slot_next >= os->cap_slot_free) { /* the free list can hold every slot ever made */
            size_t cap = os->cap_slot_free ? os->cap_slot_free * 2 : 256;
            uint32_t *n = realloc(os->slot_free, cap * sizeof *n);
            if (!n)
                return MMU_ENOMEM;
            os->slot_free = n;
            os->cap_slot_free = cap;
        }
        s = (uint32_t)os->slot_next++;
    }
    os->slots_used++;
    if (os->slots_used > os->slots_peak)
        os->slots_peak = os->slots_used;
    *slot1 = s + 1;
    return MMU_OK;
}

static void slot_release(mmu_os *os, uint32_t slot1)
{
    if (!slot1)
        return;
    os->slot_free[os->nslot_free++] = slot1 - 1;
    os->slots_used--;
}

/* ---------------------------------------------------------------- shootdown */

static void shootdown(mmu_os *os, struct fctx *fc, uint16_t asid, uint64_t va, unsigned ps)
{
    for (size_t i = 0; i < os->ntg; i++)
        os->tg[i].fn(os->tg[i].ctx, asid, va, (mmu_page_size)ps);
    os->st.shootdowns++;
    os->st.shootdown_ipis += os->cfg.remote_cores;
    fc->shootdowns++;
    fc->lat.part[MMU_OS_LAT_SHOOTDOWN] += (uint64_t)os->cfg.remote_cores * os->cfg.shootdown;
}

/* ---------------------------------------------------------------- eviction */

static mmu_err evict_page(mmu_os *os, uint64_t pfn, struct frame *f, int dirty, struct fctx *fc)
{
    struct proc *p = proc_of(os, f->asid);
    uint32_t slot1 = f->slot1;
    int write = 0;
    if (dirty) {
        if (!slot1) {
            mmu_err e = slot_alloc(os, &slot1);
            if (e != MMU_OK)
                return e;
        }
        write = 1;
    }
    mmu_err e = write_pte(os, f->pte_pa, marker(slot1));
    if (e != MMU_OK)
        return e;
    uint16_t asid = f->asid;
    uint64_t va = f->vpn << os->shift;
    p->rss--;
    if (slot1)
        p->swap++;
    if (write) {
        p->swap_outs++;
        os->st.writebacks++;
        fc->writebacks++;
        fc->lat.part[MMU_OS_LAT_WRITEBACK] += os->swap_write_cyc;
    }
    os->st.evictions++;
    fc->evictions++;
    fc->lat.part[MMU_OS_LAT_EVICT] += os->cfg.evict;
    free_frame(os, pfn);
    shootdown(os, fc, asid, va, os->base_ps);
    return MMU_OK;
}

/*
 * Evict a huge page whole: its base pages go to swap (all of them if it is
 * dirty, none if it was never written), its frames are freed, and its
 * region becomes a table of not-present base-page entries that come back
 * one by one.  The table takes the huge page's first frame.
 */
static mmu_err evict_huge(mmu_os *os, uint64_t pfn, struct frame *f, int dirty, struct fctx *fc)
{
    struct proc *p = proc_of(os, f->asid);
    uint64_t R = os->R;
    uint64_t tpa = pfn << os->shift;
    uint64_t pde_pa = f->pte_pa;
    uint64_t vbase = f->vpn << os->shift;
    uint16_t asid = f->asid;
    uint64_t pde;
    mmu_err e = encode(os, 1, tpa, os->table_flags, &pde);
    if (e != MMU_OK)
        return e;
    (void)mmu_sparse_mem_discard(os->mem, tpa, os->fs);
    for (uint64_t i = 0; i < R; i++) {
        uint32_t slot1 = 0;
        if (dirty && (e = slot_alloc(os, &slot1)) != MMU_OK)
            return e; /* slots taken so far stay allocated; only on host out-of-memory */
        if ((e = write_pte(os, tpa + i * os->fmt->pte_size, marker(slot1))) != MMU_OK)
            return e;
    }
    if ((e = write_pte(os, pde_pa, pde)) != MMU_OK)
        return e;
    for (uint64_t i = 1; i < R; i++)
        free_frame(os, pfn + i);
    memset(f, 0, sizeof *f);
    f->kind = FK_TABLE;
    f->asid = asid;
    os->frames_pt++;
    p->pt++;
    p->rss -= R;
    if (dirty) {
        p->swap += R;
        p->swap_outs += R;
        os->st.writebacks += R;
        fc->writebacks += (uint32_t)R;
        fc->lat.part[MMU_OS_LAT_WRITEBACK] += R * os->swap_write_cyc;
    }
    os->st.evictions++;
    os->st.thp_splits++;
    fc->evictions++;
    fc->tables++;
    fc->lat.part[MMU_OS_LAT_EVICT] += os->cfg.evict;
    fc->lat.part[MMU_OS_LAT_TABLES] += os->cfg.zero_frame;
    shootdown(os, fc, asid, vbase, os->huge_ps);
    return MMU_OK;
}

/*
 * The clock (second chance): the hand visits resident data pages in frame
 * order (page-table frames, free frames and the tail frames of huge pages
 * are passed over; a huge page is visited at its first frame).  A page
 * whose leaf has A set gets A cleared (no shootdown) and is passed over;
 * the first with A clear is the victim, unless it needs swap slots that are
 * not there (then it is passed over too).  The hand stops on the frame
 * after the victim.
 */
static mmu_err evict_one(mmu_os *os, struct fctx *fc)
{
    uint64_t slots_left = os->slot_limit - os->slots_used;
    for (uint64_t steps = 0; steps < 2 * os->nframes + 2; steps++) {
        uint64_t pfn = os->hand;
        struct frame *f = frame_at(os, pfn);
        if (!f) { /* a chunk never used: all free */
            uint64_t next = ((pfn >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
            os->hand = next >= os->nframes ? 0 : next;
            continue;
        }
        uint64_t next = pfn + (f->kind == FK_HEAD ? os->R : 1);
        os->hand = next >= os->nframes ? 0 : next;
        if ((f->kind != FK_DATA && f->kind != FK_HEAD) || (f->flags & FR_PINNED))
            continue;
        os->st.clock_visits++;
        unsigned level = f->kind == FK_HEAD ? 1 : 0;
        uint64_t raw = read_pte(os, f->pte_pa);
        mmu_pte pte;
        decode(os, level, raw, &pte);
        if (pte.flags & MMU_PTE_ACCESSED) {
            uint64_t cleared;
            pte.flags &= ~(uint32_t)MMU_PTE_ACCESSED;
            mmu_err e = mmu_pte_encode(os->fmt, level, &pte, &cleared);
            if (e == MMU_OK)
                e = write_pte(os, f->pte_pa, cleared);
            if (e != MMU_OK)
                return e;
            os->st.a_cleared++;
            continue;
        }
        int dirty = (pte.flags & MMU_PTE_DIRTY) || (f->flags & FR_SOFT_DIRTY);
        uint64_t need = level ? (dirty ? os->R : 0) : (dirty && !f->slot1 ? 1 : 0);
        if (need > slots_left)
            continue;
        return level ? evict_huge(os, pfn, f, dirty, fc) : evict_page(os, pfn, f, dirty, fc);
    }
    return MMU_EFULL;
}

/* ---------------------------------------------------------------- processes */

static mmu_err proc_get(mmu_os *os, uint16_t asid, struct proc **out)
{
    struct proc *p = proc_of(os, asid);
    if (p) {
        *out = p;
        return MMU_OK;
    }
    uint32_t **t = &os->asid_idx[asid >> 8];
    if (!*t && !(*t = calloc(256, sizeof **t)))
        return MMU_ENOMEM;
    if (os->nprocs == os->cap_procs) {
        uint32_t cap = os->cap_procs ? os->cap_procs * 2 : 8;
        struct proc **n = realloc(os->procs, cap * sizeof *n);
        if (!n)
            return MMU_ENOMEM;
        os->procs = n;
        os->cap_procs = cap;
    }
    p = calloc(1, sizeof *p);
    if (!p)
        return MMU_ENOMEM;
    p->asid = asid;
    mmu_err e = alloc_table(os, p, asid, NULL, &p->root);
    if (e != MMU_OK) {
        free(p);
        return e;
    }
    os->procs[os->nprocs++] = p;
    (*t)[asid & 255] = os->nprocs;
    *out = p;
    return MMU_OK;
}

uint64_t mmu_os_root(mmu_os *os, uint16_t asid)
{
    struct proc *p;
    if (!os || proc_get(os, asid, &p) != MMU_OK)
        return MMU_OS_NO_ROOT;
    return p->root;
}

/* ---------------------------------------------------------------- lookup */

/* Where the OS's own walk of p's tables for va ends: a valid leaf or an invalid entry. */
struct loc {
    unsigned level; /* level of the entry at pa */
    uint64_t pa;
    uint64_t raw;
    mmu_pte pte;
};

static void lookup(const mmu_os *os, const struct proc *p, uint64_t va, struct loc *l)
{
    uint64_t table = p->root;
    unsigned level = os->levels - 1;
    for (;;) {
        l->level = level;
        l->pa = table + mmu_pt_index(os->fmt, level, va) * os->fmt->pte_size;
        l->raw = read_pte(os, l->pa);
        decode(os, level, l->raw, &l->pte);
        if (!(l->pte.flags & MMU_PTE_VALID) || (l->pte.flags & MMU_PTE_LEAF) || level == 0)
            return;
        table = l->pte.paddr;
        level--;
    }
}

/* ---------------------------------------------------------------- mapping */

/* A free aligned block of R frames, or UINT64_MAX. */
static uint64_t find_free_block(mmu_os *os)
{
    if (os->blocks_free == 0)
        return UINT64_MAX;
    uint64_t start = os->cfg.frame_alloc == MMU_OS_ALLOC_RANDOM ? rng_next(os) % os->nblocks : 0;
    for (uint64_t n = 0; n < os->nblocks; n++) {
        uint64_t b = start + n < os->nblocks ? start + n : start + n - os->nblocks;
        if (os->blk_used[b] == 0)
            return b;
    }
    return UINT64_MAX;
}

struct map_out {
    uint8_t kind;      /* MMU_OS_FAULT_MINOR or MAJOR */
    uint8_t page_size;
    uint8_t fallback;
    uint64_t vbase;
};

static mmu_err map_huge(mmu_os *os, struct proc *p, uint64_t va, uint64_t pde_pa, uint64_t block,
                        uint32_t prot, int write, struct fctx *fc, struct map_out *mo)
{
    uint64_t R = os->R;
    uint64_t pfn0 = block * R;
    for (uint64_t i = 0; i < R; i += CHUNK_FRAMES)
        if (!ensure_chunk(os, pfn0 + i))
            return MMU_ENOMEM;
    uint64_t raw;
    mmu_err e = encode(os, 1, pfn0 << os->shift, leaf_flags(os, prot, 1, write), &raw);
    if (e == MMU_OK)
        e = write_pte(os, pde_pa, raw);
    if (e != MMU_OK)
        return e;
    uint64_t vbase = va & ~((1ull << os->huge_shift) - 1);
    for (uint64_t i = 0; i < R; i++) {
        set_used(os, pfn0 + i);
        struct frame *f = frame_at(os, pfn0 + i);
        f->kind = i ? FK_TAIL : FK_HEAD;
        f->asid = p->asid;
        f->vpn = (vbase >> os->shift) + i;
        f->pte_pa = i ? 0 : pde_pa;
    }
    add_rss(p, R);
    p->vms += R;
    p->thp++;
    os->st.thp_mapped++;
    fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.minor_handler + (R - 1) * os->cfg.zero_frame;
    mo->kind = MMU_OS_FAULT_MINOR;
    mo->page_size = os->huge_ps;
    mo->vbase = vbase;
    return MMU_OK;
}

/*
 * Map the page holding va, which is not present, as a demand fault of an
 * access that writes or not: install missing tables, a huge page where THP
 * allows, else a base page (zeroed, or read back from swap).  A set, D set
 * on a write.
 */
static mmu_err map_page(mmu_os *os, struct proc *p, uint64_t va, int write, struct fctx *fc,
                        struct map_out *mo)
{
    uint64_t lo, hi;
    uint32_t prot = region_prot(p, va, &lo, &hi);
    uint64_t table = p->root;
    mmu_err e;
    memset(mo, 0, sizeof *mo);
    for (unsigned level = os->levels - 1; level > 0; level--) {
        uint64_t pa = table + mmu_pt_index(os->fmt, level, va) * os->fmt->pte_size;
        uint64_t raw = read_pte(os, pa);
        mmu_pte pte;
        decode(os, level, raw, &pte);
        if (pte.flags & MMU_PTE_VALID) {
            if (pte.flags & MMU_PTE_LEAF)
                return MMU_EINVAL; /* already mapped: the caller checked */
            table = pte.paddr;
            continue;
        }
        if (level == 1 && os->cfg.thp && os->thp_ok) {
            uint64_t hmask = (1ull << os->huge_shift) - 1;
            uint64_t b = va & ~hmask;
            if (lo <= b && b + hmask <= hi) { /* one protection over the whole aligned region */
                uint64_t block = find_free_block(os);
                if (block != UINT64_MAX)
                    return map_huge(os, p, va, pa, block, prot, write, fc, mo);
                mo->fallback = 1;
                os->st.thp_fallbacks++;
            }
        }
        uint64_t tpa, traw;
        if ((e = alloc_table(os, p, p->asid, fc, &tpa)) != MMU_OK)
            return e;
        if ((e = encode(os, level, tpa, os->table_flags, &traw)) != MMU_OK ||
            (e = write_pte(os, pa, traw)) != MMU_OK)
            return e;
        table = tpa;
    }
    uint64_t pa = table + mmu_pt_index(os->fmt, 0, va) * os->fmt->pte_size;
    uint64_t old = read_pte(os, pa);
    uint32_t slot1 = is_marker(old) ? marker_slot1(old) : 0;
    uint64_t pfn, raw;
    if ((e = alloc_frame(os, fc, &pfn)) != MMU_OK)
        return e;
    if ((e = encode(os, 0, pfn << os->shift, leaf_flags(os, prot, 1, write), &raw)) != MMU_OK ||
        (e = write_pte(os, pa, raw)) != MMU_OK) {
        free_frame(os, pfn);
        return e;
    }
    struct frame *f = frame_at(os, pfn);
    f->kind = FK_DATA;
    f->asid = p->asid;
    f->vpn = va >> os->shift;
    f->pte_pa = pa;
    f->slot1 = slot1;
    add_rss(p, 1);
    if (old == 0)
        p->vms++;
    mo->page_size = os->base_ps;
    mo->vbase = va & ~(os->fs - 1);
    if (slot1) {
        p->swap--;
        p->swap_ins++;
        os->st.swap_ins++;
        mo->kind = MMU_OS_FAULT_MAJOR;
        fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.major_handler;
        fc->lat.part[MMU_OS_LAT_SWAP_READ] += os->swap_read_cyc;
    } else {
        mo->kind = MMU_OS_FAULT_MINOR;
        fc->lat.part[MMU_OS_LAT_HANDLER] += os->cfg.minor_handler;
    }
    return MMU_OK;
}

/*
 * Split the present huge page whose level-1 leaf is at pde_pa into a table
 * of base pages with the same flags (the huge page stays resident).
 */
static mmu_err split_huge(mmu_os *os, struct proc *p, uint64_t pde_pa, struct fctx *fc)
{
    mmu_pte hp;
    decode(os, 1, read_pte(os, pde_pa), &hp);
    uint64_t pfn0 = hp.paddr >> os->shift;
    struct frame *head = frame_at(os, pfn0);
    uint64_t tpa, traw;
    head->flags |= FR_PINNED; /* the table allocation must not evict this page */
    mmu_err e = alloc_table(os, p, p->asid, fc, &tpa);
    head->flags &= (uint8_t)~FR_PINNED;
    if (e != MMU_OK)
        return e;
    for (uint64_t i = 0; i < os->R; i++) {
        uint64_t raw;
        mmu_pte q = hp;
        q.paddr = hp.paddr + i * os->fs;
        if ((e = mmu_pte_encode(os->fmt, 0, &q, &raw)) != MMU_OK ||
            (e = write_pte(os, tpa + i * os->fmt->pte_size, raw)) != MMU_OK)
            return e;
    }
    if ((e = encode(os, 1, tpa, os->table_flags, &traw)) != MMU_OK ||
        (e = write_pte(os, pde_pa, traw)) != MMU_OK)
        return e;
    uint64_t vbase = head->vpn << os->shift;
    uint8_t soft = head->flags & FR_SOFT_DIRTY;
    for (uint64_t i = 0; i < os->R; i++) {
        struct frame *f = frame_at(os, pfn0 + i);
        f->kind = FK_DATA;
        f->flags = soft;
        f->pte_pa = tpa + i * os->fmt->pte_size;
        f->slot1 = 0;
    }
    os->st.thp_splits++;
    shootdown(os, fc, p->asid, vbase, os->huge_ps);
    return MMU_OK;
}

/* ---------------------------------------------------------------- create / destroy */

mmu_err mmu_os_create(const mmu_os_config *cfg, const mmu_pt_format *fmt, mmu_os **out)
{
    if (!cfg || !fmt || !out)
        return MMU_EINVAL;
    *out = NULL;
    if (mmu_os_config_check(cfg, fmt, NULL, 0) != MMU_OK)
        return MMU_ECONFIG;
    mmu_os *os = calloc(1, sizeof *os);
    if (!os)
        return MMU_ENOMEM;
    os->cfg = *cfg;
    os->fmt = fmt;
    os->levels = fmt->levels;
    os->shift = fmt->shift[0];
    os->fs = 1ull << os->shift;
    os->base_ps = fmt->page_size[0];
    os->thp_ok = fmt->levels > 1 && (fmt->leaf_levels & 2u) != 0;
    os->huge_shift = fmt->levels > 1 ? fmt->shift[1] : os->shift;
    os->huge_ps = fmt->levels > 1 ? fmt->page_size[1] : os->base_ps;
    os->R = 1ull << (os->huge_shift - os->shift);
    switch (fmt->arch) {
    case MMU_PT_ARCH_RISCV: /* a pointer: V only */
        os->table_flags = MMU_PTE_VALID;
        break;
    case MMU_PT_ARCH_X86: /* no limits; A set, as Linux's _PAGE_TABLE */
        os->table_flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC |
                          MMU_PTE_USER | MMU_PTE_ACCESSED;
        break;
    default: /* no limits */
        os->table_flags = MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER;
        break;
    }
    os->nframes = cfg->phys_mem >> os->shift;
    os->nwords = (os->nframes + 63) / 64;
    os->nblocks = os->thp_ok ? os->nframes / os->R : 0;
    os->blocks_free = os->nblocks;
    os->rng = cfg->seed;
    os->slot_limit = cfg->swap_size ? cfg->swap_size >> os->shift : (uint64_t)UINT32_MAX - 1;
    os->swap_read_cyc = us_to_cycles(cfg->swap_read_us, cfg->clock_mhz);
    os->swap_write_cyc = us_to_cycles(cfg->swap_write_us, cfg->clock_mhz);
    os->used = calloc(os->nwords, sizeof *os->used);
    os->chunk = calloc(os->nwords, sizeof *os->chunk);
    os->blk_used = calloc(os->nblocks ? os->nblocks : 1, sizeof *os->blk_used);
    if (!os->used || !os->chunk || !os->blk_used ||
        mmu_sparse_mem_create(0, &os->mem) != MMU_OK) {
        mmu_os_destroy(os);
        return MMU_ENOMEM;
    }
    if (os->nframes & 63) /* frames past the end are never free */
        os->used[os->nwords - 1] = ~0ull << (os->nframes & 63);
    os->port = mmu_sparse_mem_port(os->mem);
    *out = os;
    return MMU_OK;
}

void mmu_os_destroy(mmu_os *os)
{
    if (!os)
        return;
    if (os->chunk)
        for (uint64_t i = 0; i < os->nwords; i++)
            free(os->chunk[i]);
    free(os->chunk);
    free(os->used);
    free(os->blk_used);
    free(os->slot_free);
    for (uint32_t i = 0; i < os->nprocs; i++) {
        free(os->procs[i]->reg);
        free(os->procs[i]);
    }
    free(os->procs);
    for (unsigned i = 0; i < 256; i++)
        free(os->asid_idx[i]);
    free(os->tg);
    mmu_sparse_mem_destroy(os->mem);
    free(os);
}

const mmu_os_config *mmu_os_get_config(const mmu_os *os)
{
    return os ? &os->cfg : NULL;
}

const mmu_pt_format *mmu_os_format(const mmu_os *os)
{
    return os ? os->fmt : NULL;
}

const mmu_mem_port *mmu_os_port(mmu_os *os)
{
    return os ? &os->port : NULL;
}

const mmu_sparse_mem *mmu_os_memory(const mmu_os *os)
{
    return os ? os->mem : NULL;
}

mmu_err mmu_os_add_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx)
{
    if (!os || !fn)
        return MMU_EINVAL;
    if (os->ntg == os->cap_tg) {
        size_t cap = os->cap_tg ? os->cap_tg * 2 : 4;
        struct target *n = realloc(os->tg, cap * sizeof *n);
        if (!n)
            return MMU_ENOMEM;
        os->tg = n;
        os->cap_tg = cap;
    }
    os->tg[os->ntg].fn = fn;
    os->tg[os->ntg].ctx = ctx;
    os->ntg++;
    return MMU_OK;
}

mmu_err mmu_os_remove_shootdown_target(mmu_os *os, mmu_os_shootdown_fn fn, void *ctx)
{
    if (!os)
        return MMU_EINVAL;
    for (size_t i = 0; i < os->ntg; i++) {
        if (os->tg[i].fn == fn && os->tg[i].ctx == ctx) {
            memmove(&os->tg[i], &os->tg[i + 1], (os->ntg - i - 1) * sizeof *os->tg);
            os->ntg--;
            return MMU_OK;
        }
    }
    return MMU_ENOTFOUND;
}

/* ---------------------------------------------------------------- faults */

mmu_err mmu_os_handle_fault(mmu_os *os, uint16_t asid, uint64_t vaddr, mmu_access_type type,
                            mmu_priv priv, const mmu_walk_result *walk, mmu_os_fault_result *res)
{
    if (!os || !walk || !res || (unsigned)type >= MMU_ACCESS_TYPES ||
        (priv != MMU_PRIV_USER && priv != MMU_PRIV_SUPER) || walk->fault == MMU_FAULT_NONE ||
        walk->fault >= MMU_FAULT_CAUSES)
        return MMU_EINVAL;
    memset(res, 0, sizeof *res);
    res->cause = walk->fault;
    res->page_size = MMU_PAGE_SIZES;
    struct proc *p;
    mmu_err e = proc_get(os, asid, &p);
    if (e != MMU_OK)
        return e;
    struct fctx fc;
    memset(&fc, 0, sizeof fc);
    fc.lat.part[MMU_OS_LAT_TRAP_ENTRY] = os->cfg.trap_entry;
    fc.lat.part[MMU_OS_LAT_TRAP_RETURN] = os->cfg.trap_return;
    mmu_os_fault_kind kind = MMU_OS_FAULT_PROTECTION;
    int demand = walk->fault == MMU_FAULT_NOT_PRESENT || walk->fault == MMU_FAULT_ACCESS_DIRTY;
    if (demand && mmu_pt_is_canonical(os->fmt, vaddr)) {
        struct loc l;
        lookup(os, p, vaddr, &l);
        if (l.pte.flags & MMU_PTE_VALID) { /* present: accessed/dirty, or stale */
            if (leaf_allows(l.pte.flags, type, priv)) {
                int need_a = !(l.pte.flags & MMU_PTE_ACCESSED);
                int need_d = type == MMU_WRITE && !(l.pte.flags & MMU_PTE_DIRTY);
                uint64_t size = 1ull << os->fmt->shift[l.level];
                res->vbase = vaddr & ~(size - 1);
                res->page_size = os->fmt->page_size[l.level];
                if (need_a || need_d) {
                    uint64_t raw;
                    l.pte.flags |= MMU_PTE_ACCESSED | (need_d ? MMU_PTE_DIRTY : 0u);
                    if ((e = mmu_pte_encode(os->fmt, l.level, &l.pte, &raw)) != MMU_OK ||
                        (e = write_pte(os, l.pa, raw)) != MMU_OK)
                        return e;
                    kind = MMU_OS_FAULT_AD_UPDATE;
                    fc.lat.part[MMU_OS_LAT_HANDLER] += os->cfg.ad_handler;
                } else {
                    kind = MMU_OS_FAULT_SPURIOUS;
                }
            }
        } else if (prot_allows(region_prot(p, vaddr, NULL, NULL), type, priv)) {
            struct map_out mo;
            if ((e = map_page(os, p, vaddr, type == MMU_WRITE, &fc, &mo)) != MMU_OK)
                return e;
            kind = (mmu_os_fault_kind)mo.kind;
            res->vbase = mo.vbase;
            res->page_size = mo.page_size;
            res->thp_fallback = mo.fallback;
        }
    }
    res->kind = (uint8_t)kind;
    fc.lat.total = 0;
    for (unsigned i = 0; i < MMU_OS_LAT_PARTS; i++) {
        fc.lat.total += fc.lat.part[i];
        os->st.lat.part[i] += fc.lat.part[i];
    }
    os->st.lat.total += fc.lat.total;
    res->lat = fc.lat;
    res->evictions = fc.evictions;
    res->writebacks = fc.writebacks;
    res->tables = fc.tables;
    res->shootdowns = fc.shootdowns;
    os->st.faults[kind]++;
    p->faults[kind]++;
    return MMU_OK;
}

/* ---------------------------------------------------------------- ranges */

/* Widen [vaddr, vaddr + bytes) to base pages: [*lo, *hi] inclusive.  Returns 0 if empty. */
static mmu_err norm_range(const mmu_os *os, uint64_t vaddr, uint64_t bytes, uint64_t *lo,
                          uint64_t *hi)
{
    uint64_t last = vaddr + bytes - 1;
    if (last < vaddr)
        return MMU_EINVAL;
    *lo = vaddr & ~(os->fs - 1);
    *hi = last | (os->fs - 1);
    if (!mmu_pt_is_canonical(os->fmt, *lo) || !mmu_pt_is_canonical(os->fmt, *hi))
        return MMU_EINVAL;
    if (os->fmt->canon == MMU_CANON_SIGN &&
        (*lo >> (os->fmt->va_bits - 1)) != (*hi >> (os->fmt->va_bits - 1)))
        return MMU_EINVAL; /* spans the non-canonical hole */
    return MMU_OK;
}

/* The first address after the block of 2^shift bytes holding va; 0 if that wraps. */
static uint64_t block_end(uint64_t va, unsigned shift)
{
    return (va | ((1ull << shift) - 1)) + 1;
}

/* Change the present leaf at l to protection prot; shootdown if it changed. */
static mmu_err reprotect(mmu_os *os, struct proc *p, const struct loc *l, uint64_t va,
                         uint32_t prot, struct fctx *fc)
{
    int a = (l->pte.flags & MMU_PTE_ACCESSED) != 0;
    int d = (l->pte.flags & MMU_PTE_DIRTY) != 0;
    uint64_t raw;
    mmu_err e = encode(os, l->level, l->pte.paddr, leaf_flags(os, prot, a, d), &raw);
    if (e != MMU_OK || raw == l->raw)
        return e;
    if (d && !(prot & MMU_OS_PROT_WRITE)) { /* keep the page's dirtiness in software */
        struct frame *f = frame_at(os, l->pte.paddr >> os->shift);
        f->flags |= FR_SOFT_DIRTY;
    }
    if ((e = write_pte(os, l->pa, raw)) != MMU_OK)
        return e;
    shootdown(os, fc, p->asid, va & ~((1ull << os->fmt->shift[l->level]) - 1),
              os->fmt->page_size[l->level]);
    return MMU_OK;
}

/* Drop the mapping or swap entry at l (a base page, or a huge page wholly inside the range). */
static mmu_err drop(mmu_os *os, struct proc *p, const struct loc *l, uint64_t va, struct fctx *fc)
{
    mmu_err e = write_pte(os, l->pa, 0);
    if (e != MMU_OK)
        return e;
    if (!(l->pte.flags & MMU_PTE_VALID)) { /* a swap entry or a dropped zero page */
        uint32_t slot1 = marker_slot1(l->raw);
        if (slot1) {
            slot_release(os, slot1);
            p->swap--;
        }
        p->vms--;
        return MMU_OK;
    }
    uint64_t pfn = l->pte.paddr >> os->shift;
    uint64_t n = l->level ? os->R : 1;
    for (uint64_t i = 0; i < n; i++) {
        struct frame *f = frame_at(os, pfn + i);
        slot_release(os, f->slot1);
        free_frame(os, pfn + i);
    }
    p->rss -= n;
    p->vms -= n;
    shootdown(os, fc, p->asid, va & ~((1ull << os->fmt->shift[l->level]) - 1),
              os->fmt->page_size[l->level]);
    return MMU_OK;
}

enum { OP_PROTECT, OP_UNMAP, OP_PREFAULT };

static mmu_err range_op(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes, int op,
                        uint32_t prot)
{
    if (!os)
        return MMU_EINVAL;
    if (bytes == 0)
        return MMU_OK;
    uint64_t lo, hi;
    mmu_err e = norm_range(os, vaddr, bytes, &lo, &hi);
    if (e != MMU_OK)
        return e;
    struct proc *p;
    if ((e = proc_get(os, asid, &p)) != MMU_OK)
        return e;
    if (op == OP_PROTECT && (e = region_set(p, lo, hi, prot)) != MMU_OK)
        return e;
    struct fctx fc; /* setup: costs are not charged */
    memset(&fc, 0, sizeof fc);
    uint64_t va = lo;
    for (;;) {
        struct loc l;
        lookup(os, p, va, &l);
        uint64_t next;
        if (l.pte.flags & MMU_PTE_VALID) {
            next = block_end(va, os->fmt->shift[l.level]);
            if (op != OP_PREFAULT) {
                if (l.level > 0) {
                    uint64_t b = va & ~((1ull << os->fmt->shift[l.level]) - 1);
                    if (b < lo || next - 1 > hi || next == 0) { /* partly inside: split, look again */
                        if (l.level != 1 || (e = split_huge(os, p, l.pa, &fc)) != MMU_OK)
                            return e != MMU_OK ? e : MMU_EUNSUPPORTED;
                        continue;
                    }
                }
                e = op == OP_PROTECT ? reprotect(os, p, &l, va, prot, &fc) : drop(os, p, &l, va, &fc);
                if (e != MMU_OK)
                    return e;
            }
        } else if (op == OP_PREFAULT) {
            struct map_out mo;
            if ((e = map_page(os, p, va, 0, &fc, &mo)) != MMU_OK)
                return e;
            next = block_end(va, mo.page_size == os->huge_ps && os->huge_ps != os->base_ps
                                     ? os->huge_shift
                                     : os->shift);
        } else if (l.level > 0) {
            next = block_end(va, os->fmt->shift[l.level]); /* nothing mapped below this entry */
        } else {
            next = block_end(va, os->shift);
            if (op == OP_UNMAP && l.raw != 0 && (e = drop(os, p, &l, va, &fc)) != MMU_OK)
                return e;
        }
        if (next == 0 || next - 1 >= hi)
            return MMU_OK;
        va = next;
    }
}

mmu_err mmu_os_map(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes, uint32_t prot,
                   uint32_t flags)
{
    const uint32_t all = MMU_OS_PROT_READ | MMU_OS_PROT_WRITE | MMU_OS_PROT_EXEC |
                         MMU_OS_PROT_USER | MMU_OS_PROT_GLOBAL;
    if (!(prot & MMU_OS_PROT_READ) || (prot & ~all) || (flags & ~(uint32_t)MMU_OS_MAP_POPULATE))
        return MMU_EINVAL;
    mmu_err e = range_op(os, asid, vaddr, bytes, OP_PROTECT, prot);
    if (e == MMU_OK && (flags & MMU_OS_MAP_POPULATE))
        e = range_op(os, asid, vaddr, bytes, OP_PREFAULT, 0);
    return e;
}

mmu_err mmu_os_prefault(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes)
{
    return range_op(os, asid, vaddr, bytes, OP_PREFAULT, 0);
}

mmu_err mmu_os_unmap(mmu_os *os, uint16_t asid, uint64_t vaddr, uint64_t bytes)
{
    return range_op(os, asid, vaddr, bytes, OP_UNMAP, 0);
}

/* ---------------------------------------------------------------- queries */

mmu_err mmu_os_frame_info_get(const mmu_os *os, uint64_t paddr, mmu_os_frame_info *out)
{
    if (!os || !out || (paddr >> os->shift) >= os->nframes)
        return MMU_EINVAL;
    uint64_t pfn = paddr >> os->shift;
    memset(out, 0, sizeof *out);
    const struct frame *f = frame_at(os, pfn);
    if (!f || f->kind == FK_FREE)
        return MMU_OK;
    out->asid = f->asid;
    if (f->kind == FK_TABLE) {
        out->kind = MMU_OS_FRAME_TABLE;
        return MMU_OK;
    }
    out->kind = MMU_OS_FRAME_DATA;
    out->huge = f->kind != FK_DATA;
    out->vaddr = (f->vpn << os->shift) | (paddr & (os->fs - 1));
    return MMU_OK;
}

void mmu_os_get_stats(const mmu_os *os, mmu_os_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!os)
        return;
    *out = os->st;
    out->frame_bytes = os->fs;
    out->frames_total = os->nframes;
    out->frames_used = os->frames_used;
    out->frames_pt = os->frames_pt;
    out->swap_slots_used = os->slots_used;
    out->swap_slots_peak = os->slots_peak;
    uint64_t h = sizeof *os + os->nwords * (sizeof *os->used + sizeof *os->chunk) +
                 os->nchunks * CHUNK_FRAMES * sizeof(struct frame) +
                 os->nblocks * sizeof *os->blk_used + os->cap_slot_free * sizeof *os->slot_free +
                 (uint64_t)mmu_sparse_mem_pages(os->mem) * MMU_SPARSE_PAGE_SIZE +
                 os->cap_procs * sizeof *os->procs + os->cap_tg * sizeof *os->tg;
    for (uint32_t i = 0; i < os->nprocs; i++)
        h += sizeof *os->procs[i] + os->procs[i]->nreg * sizeof(struct region);
    for (unsigned i = 0; i < 256; i++)
        h += os->asid_idx[i] ? 256 * sizeof(uint32_t) : 0;
    out->host_bytes = h;
}

static void fill_proc(const mmu_os *os, const struct proc *p, mmu_os_proc_stats *out)
{
    memset(out, 0, sizeof *out);
    out->asid = p->asid;
    out->root = p->root;
    out->vms = p->vms * os->fs;
    out->rss = p->rss * os->fs;
    out->peak_rss = p->peak * os->fs;
    out->swap = p->swap * os->fs;
    out->pt_bytes = p->pt * os->fs;
    memcpy(out->faults, p->faults, sizeof out->faults);
    out->swap_ins = p->swap_ins;
    out->swap_outs = p->swap_outs;
    out->thp = p->thp;
}

uint32_t mmu_os_proc_count(const mmu_os *os)
{
    return os ? os->nprocs : 0;
}

mmu_err mmu_os_proc_get(const mmu_os *os, uint32_t i, mmu_os_proc_stats *out)
{
    if (!os || !out || i >= os->nprocs)
        return MMU_ENOTFOUND;
    fill_proc(os, os->procs[i], out);
    return MMU_OK;
}

mmu_err mmu_os_proc_find(const mmu_os *os, uint16_t asid, mmu_os_proc_stats *out)
{
    const struct proc *p = os ? proc_of(os, asid) : NULL;
    if (!p || !out)
        return MMU_ENOTFOUND;
    fill_proc(os, p, out);
    return MMU_OK;
}

void mmu_os_clear_stats(mmu_os *os)
{
    if (!os)
        return;
    memset(&os->st, 0, sizeof os->st);
    os->slots_peak = os->slots_used;
    for (uint32_t i = 0; i < os->nprocs; i++) {
        struct proc *p = os->procs[i];
        memset(p->faults, 0, sizeof p->faults);
        p->swap_ins = p->swap_outs = p->thp = 0;
        p->peak = p->rss;
    }
}
