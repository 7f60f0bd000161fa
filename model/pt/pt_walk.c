/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pt_walk.c - the one page-table walk loop shared by every format, and the
 * leaf permission check it shares with TLB hits.
 *
 * The loop follows the format descriptor (levels, index bits, PTE size)
 * from the root, or from below the deepest paging-structure-cache hit, down
 * to a leaf; the per-architecture decode turns each raw entry into an
 * mmu_pte, and the loop makes one check per fault reason in a fixed order:
 *   non-canonical address (before any read), then per entry: not present,
 *   reserved bits or an address at or above pa_bits, a table entry at
 *   level 0, a misaligned leaf, the permission check, and accessed/dirty.
 * It never allocates: the per-walk state lives on the stack and in *res.
 */
#include <string.h>

#include "mmusim/pagetable.h"
#include "mmusim/pwc.h"
#include "../pwc_internal.h"
#include "../memport_internal.h"
#include "pt_decode.h"
#include "pt_internal.h"
#include "pt_walk_internal.h"

/* Permission limits a table entry can carry (hierarchical formats). */
#define LIMIT_FLAGS (MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER)

#if defined(__GNUC__)
#define WALK_INLINE static inline __attribute__((always_inline))
#else
#define WALK_INLINE static inline
#endif

WALK_INLINE mmu_fault check_access(uint32_t o, unsigned f, mmu_access_type type, mmu_priv priv)
{
    if (priv == MMU_PRIV_USER) {
        if (!(f & MMU_TLB_USER))
            return MMU_FAULT_USER_SUPER;
    } else if (f & MMU_TLB_USER) {
        if (o & (type == MMU_FETCH ? MMU_WALK_SMEP : MMU_WALK_SMAP))
            return MMU_FAULT_SUPER_USER;
    }
    switch (type) {
    case MMU_FETCH:
        if (!(f & MMU_TLB_EXEC))
            return MMU_FAULT_NX_FETCH;
        break;
    case MMU_WRITE:
        if (!(f & MMU_TLB_WRITE) && !(priv == MMU_PRIV_SUPER && (o & MMU_WALK_NO_WP)))
            return MMU_FAULT_WRITE_RO;
        break;
    default:
        if (!(f & MMU_TLB_READ) && !((o & MMU_WALK_MXR) && (f & MMU_TLB_EXEC)))
            return MMU_FAULT_NO_READ;
        break;
    }
    return MMU_FAULT_NONE;
}

mmu_fault mmu_pt_check_access(const mmu_walk_opts *opts, unsigned f, mmu_access_type type,
                              mmu_priv priv)
{
    return check_access(opts ? opts->flags : 0, f, type, priv);
}

static mmu_err fault(mmu_walk_result *res, mmu_fault cause, int level)
{
    res->fault = (uint8_t)cause;
    res->fault_level = (int8_t)level;
    res->latency = res->mem_latency + res->pwc_latency;
    return MMU_EFAULT;
}

/* fault() of mmusim_walk_run, which set only what a walk that succeeds does
   not: first the fields mmu_walk's initialisation gives a faulting walk. */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static mmu_err fault_run(mmu_walk_result *res, mmu_fault cause, int level)
{
    res->paddr = res->vbase = res->pbase = 0;
    res->pte_flags = 0;
    res->page_size = MMU_PAGE_SIZES;
    res->page_shift = 0;
    res->tlb_flags = 0;
    return fault(res, cause, level);
}

/* Which decoder the loop inlines: the ops table's, or one of pt_decode.h's. */
enum { DEC_OPS, DEC_X86, DEC_RV, DEC_ARM };

/* The walk fields of the inlined formats' ops tables, as constants here. */
static const struct mmu_pt_ops walk_x86 = {MMUSIM_PT_X86_WALK_FIELDS};
static const struct mmu_pt_ops walk_rv = {MMUSIM_PT_RV_WALK_FIELDS};
static const struct mmu_pt_ops walk_arm = {MMUSIM_PT_ARM_WALK_FIELDS};

/* What stays the same over one walk. */
struct walk_ctx {
    uint64_t vaddr;
    uint32_t asid;
    mmu_access_type type;
    mmu_priv priv;
    struct mmusim_pwc_walk pw;
};

/* The saturating sum of a read's two prices (the MMU's add_lat). */
WALK_INLINE uint32_t add_lat(uint32_t a, uint64_t b)
{
    uint64_t x = a + b;
    return x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

/* The walk from table (at level) down to a leaf; dec, sparse and run are constants
   (run: *res was initialised by mmusim_walk_run, faults go through fault_run). */
WALK_INLINE mmu_err walk_loop(struct walk_ctx *c, const struct mmusim_walk_setup *s, int level, uint64_t table, uint32_t acc,
                              mmu_walk_result *res, int dec, int sparse, int run)
{
    const mmu_pt_format *fmt = s->fmt;
    const struct mmu_pt_ops *ops = dec == DEC_X86   ? &walk_x86
                                   : dec == DEC_RV  ? &walk_rv
                                   : dec == DEC_ARM ? &walk_arm
                                                    : fmt->ops;
    const mmu_mem_port *port = s->port;
    mmu_pwc *pwc = s->pwc;
    const uint64_t vaddr = c->vaddr;
    uint32_t mem_latency = 0;
    unsigned reads = 0;
    mmu_err (*const fail)(mmu_walk_result *, mmu_fault, int) = run ? fault_run : fault;
    for (;;) {
        uint64_t idx = (vaddr >> fmt->shift[level]) &
                       (run ? s->index_mask[level] : (1ull << fmt->index_bits[level]) - 1);
        uint64_t pa = table + idx * fmt->pte_size;
        uint64_t raw;
        if (sparse)
            mem_latency += add_lat(mmusim_sparse_read64(s->sparse, pa, &raw),
                                   mmu_ptemem_access(s->ptemem, pa, 0, MMU_PTEMEM_SRC_PTE, NULL));
        else
            mem_latency += port->read64(port->ctx, pa, &raw);
        res->read_addr[reads++] = pa;

        mmu_pte p;
        switch (dec) {
        case DEC_X86:
            mmusim_pt_x86_decode((unsigned)level, raw, &p);
            break;
        case DEC_RV:
            mmusim_pt_rv_decode(raw, &p);
            break;
        case DEC_ARM:
            mmusim_pt_arm_decode(fmt, (unsigned)level, raw, &p);
            break;
        default:
            ops->decode(fmt, (unsigned)level, raw, &p);
            break;
        }
        res->pte = raw;
        res->reads = (uint8_t)reads;
        res->mem_latency = mem_latency;
        if (!(p.flags & MMU_PTE_VALID))
            return fail(res, MMU_FAULT_NOT_PRESENT, level);
        if (p.reserved || (p.paddr >> s->pa_bits))
            return fail(res, MMU_FAULT_RESERVED, level);

        if (!(p.flags & MMU_PTE_LEAF)) {
            if (level == 0) /* RISC-V: a pointer where no table can follow */
                return fail(res, MMU_FAULT_RESERVED, level);
            if (ops->hier_perms)
                acc = (acc & (p.flags | ~LIMIT_FLAGS)) | (p.flags & MMU_PTE_PXN);
            acc |= p.flags & MMU_PTE_GLOBAL; /* RISC-V: a global table makes all below global */
            if (ops->table_accessed && !(p.flags & MMU_PTE_ACCESSED) && s->ad == MMU_AD_HW &&
                !s->functional) {
                raw |= ops->a_set;
                mem_latency += port->write64(port->ctx, pa, raw);
                res->mem_latency = mem_latency;
                res->write_addr[res->writes++] = pa;
                res->pte = raw;
            }
            if (pwc)
                mmusim_pwc_walk_fill(pwc, (unsigned)level, vaddr, c->asid, p.paddr, (uint16_t)acc,
                                     &c->pw);
            table = p.paddr;
            level--;
            continue;
        }

        unsigned shift = fmt->shift[level];
        uint64_t off_mask = (1ull << shift) - 1;
        if (p.paddr & off_mask) /* misaligned superpage */
            return fail(res, MMU_FAULT_RESERVED, level);

        /* effective permissions: the leaf's, limited by the tables above */
        uint32_t f = p.flags;
        if (ops->hier_perms)
            f &= acc | ~LIMIT_FLAGS;
        f |= acc & MMU_PTE_GLOBAL;
        if (ops->split_exec) {
            int pxn = (p.flags & MMU_PTE_PXN) || (acc & MMU_PTE_PXN);
            f |= pxn ? MMU_PTE_PXN : 0;
            if (!(f & MMU_PTE_USER)) /* an EL1-only page executes unless PXN */
                f = pxn ? f & ~MMU_PTE_EXEC : f | MMU_PTE_EXEC;
        }
        res->leaf_level = (int8_t)level;
        unsigned tf = mmusim_pt_tlb_flags(f);
        mmu_fault pf = check_access(s->oflags, tf, c->type, c->priv);
        if (pf != MMU_FAULT_NONE)
            return fail(res, pf, level);

        int need_a = !(p.flags & MMU_PTE_ACCESSED);
        int need_d = c->type == MMU_WRITE && !(p.flags & MMU_PTE_DIRTY);
        if ((need_a || need_d) && s->ad != MMU_AD_NONE) {
            if (s->ad != MMU_AD_HW)
                return fail(res, MMU_FAULT_ACCESS_DIRTY, level);
            if (need_a)
                raw |= ops->a_set;
            if (need_d)
                raw = (raw | ops->d_set) & ~ops->d_clear;
            if (!s->functional) {
                mem_latency += port->write64(port->ctx, pa, raw);
                res->mem_latency = mem_latency;
                res->write_addr[res->writes++] = pa;
            }
            res->pte = raw;
            f |= MMU_PTE_ACCESSED | (need_d ? MMU_PTE_DIRTY : 0);
            tf = mmusim_pt_tlb_flags(f);
        }

        res->pbase = p.paddr;
        res->vbase = vaddr & ~off_mask;
        res->paddr = p.paddr | (vaddr & off_mask);
        res->page_shift = (uint8_t)shift;
        res->page_size = fmt->page_size[level];
        res->pte_flags = (uint16_t)f;
        res->tlb_flags = (uint8_t)tf;
        res->latency = mem_latency + res->pwc_latency;
        return MMU_OK;
    }
}

/* The fields mmu_walk and mmusim_walk_setup both derive from the format and
   options (checked by the caller); NULL opts: the format's defaults. */
WALK_INLINE void setup_fields(struct mmusim_walk_setup *s, const mmu_pt_format *fmt,
                              const mmu_mem_port *port, mmu_pwc *pwc, const mmu_walk_opts *opts)
{
    mmu_walk_opts dflt;
    if (!opts) {
        mmu_walk_opts_defaults(fmt, &dflt);
        opts = &dflt;
    }
    s->fmt = fmt;
    s->port = port;
    s->oflags = opts->flags;
    s->ad = opts->ad_mode ? opts->ad_mode : fmt->ad_default;
    s->pa_bits = opts->pa_bits && opts->pa_bits < fmt->max_pa_bits ? opts->pa_bits : fmt->max_pa_bits;
    s->functional = (opts->flags & MMU_WALK_FUNCTIONAL) != 0;
    s->pwc = s->functional ? NULL : pwc;
}

mmu_err mmusim_walk_setup(struct mmusim_walk_setup *s, const mmu_pt_format *fmt,
                          const mmu_mem_port *port, mmu_pwc *pwc, const mmu_walk_opts *opts,
                          mmu_sparse_mem *sparse, mmu_ptemem *ptemem)
{
    if (!fmt || !port || !port->read64)
        return MMU_EINVAL;
    if (pwc && pwc->fmt != fmt)
        return MMU_EINVAL;
    setup_fields(s, fmt, port, pwc, opts);
    s->canon_shift = (unsigned)(fmt->canon == MMU_CANON_ZERO ? fmt->va_bits : fmt->va_bits - 1);
    s->canon_hi = fmt->canon == MMU_CANON_ZERO ? 0 : ~0ull >> (fmt->va_bits - 1);
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++)
        s->index_mask[l] = l < fmt->levels ? (1ull << fmt->index_bits[l]) - 1 : 0;
    s->sparse = sparse && ptemem ? sparse : NULL;
    s->ptemem = s->sparse ? ptemem : NULL;
    s->dec = fmt->ops == &mmusim_pt_x86_ops     ? DEC_X86
             : fmt->ops == &mmusim_pt_riscv_ops ? DEC_RV
             : fmt->ops == &mmusim_pt_arm_ops   ? DEC_ARM
                                                : DEC_OPS;
    if (s->ad == MMU_AD_HW && !s->functional && !port->write64)
        return MMU_EINVAL;
    return MMU_OK;
}

/* Non-canonical: bits 63:va_bits not zero (MMU_CANON_ZERO), or not copies of bit va_bits-1
   (canon_shift and canon_hi of mmusim_walk_setup; mmu_walk tests the format's fields). */
WALK_INLINE int noncanonical(const struct mmusim_walk_setup *s, uint64_t vaddr)
{
    uint64_t upper = vaddr >> s->canon_shift;
    return upper != 0 && upper != s->canon_hi;
}

/* mmu_walk's result before the walk (mmusim_walk_run's, for a non-canonical address). */
WALK_INLINE void res_init(mmu_walk_result *res)
{
    res->paddr = res->vbase = res->pbase = res->pte = 0;
    res->mem_latency = res->pwc_latency = res->latency = 0;
    res->pte_flags = 0;
    res->fault = MMU_FAULT_NONE;
    res->fault_level = res->leaf_level = res->pwc_level = res->first_level = -1;
    res->page_size = MMU_PAGE_SIZES;
    res->page_shift = 0;
    res->tlb_flags = 0;
    res->reads = res->writes = 0;
}

/* The walk after the checks: the PWC lookup, then the loop (run: as walk_loop's). */
WALK_INLINE mmu_err walk_body(struct walk_ctx *c, const struct mmusim_walk_setup *s, uint64_t root, mmu_walk_result *res, int sparse,
                              int run)
{
    mmu_pwc *pwc = s->pwc;
    int level = s->fmt->levels - 1;
    uint64_t table = root;
    uint32_t acc = LIMIT_FLAGS; /* limits so far, plus PXN and GLOBAL from table entries */
    c->pw.epoch = 0;
    if (pwc) {
        mmu_pwc_entry e = {0, 0};
        int hit = mmusim_pwc_walk_lookup(pwc, c->vaddr, c->asid, &e, &c->pw);
        res->pwc_latency = pwc->latency;
        if (hit > 0) {
            level = hit - 1;
            table = e.table;
            acc = e.flags;
            res->pwc_level = (int8_t)hit;
        }
    }
    res->first_level = (int8_t)level;

    if (!run) /* mmu_walk: the ops table's decoder, as in the MMU's setup */
        return s->fmt->ops == &mmusim_pt_x86_ops     ? walk_loop(c, s, level, table, acc, res, DEC_X86, 0, 0)
               : s->fmt->ops == &mmusim_pt_riscv_ops ? walk_loop(c, s, level, table, acc, res, DEC_RV, 0, 0)
               : s->fmt->ops == &mmusim_pt_arm_ops   ? walk_loop(c, s, level, table, acc, res, DEC_ARM, 0, 0)
                                                     : walk_loop(c, s, level, table, acc, res, DEC_OPS, 0, 0);
    switch (s->dec) {
    case DEC_X86:
        return walk_loop(c, s, level, table, acc, res, DEC_X86, sparse, run);
    case DEC_RV:
        return walk_loop(c, s, level, table, acc, res, DEC_RV, sparse, run);
    case DEC_ARM:
        return walk_loop(c, s, level, table, acc, res, DEC_ARM, sparse, run);
    default:
        return walk_loop(c, s, level, table, acc, res, DEC_OPS, sparse, run);
    }
}

mmu_err mmu_walk(const mmu_pt_format *fmt, uint64_t root, const mmu_mem_port *port, mmu_pwc *pwc,
                 uint64_t vaddr, mmu_access_type type, mmu_priv priv, uint32_t asid,
                 const mmu_walk_opts *opts, mmu_walk_result *res)
{
    if (!res || (unsigned)type >= MMU_ACCESS_TYPES || (priv != MMU_PRIV_USER && priv != MMU_PRIV_SUPER))
        return MMU_EINVAL;
    if (!fmt || !port || !port->read64)
        return MMU_EINVAL;
    if (pwc && pwc->fmt != fmt)
        return MMU_EINVAL;
    /* what the loop reads of mmusim_walk_setup's (no sparse memory: reads through the port) */
    struct mmusim_walk_setup s;
    setup_fields(&s, fmt, port, pwc, opts);
    if (s.ad == MMU_AD_HW && !s.functional && !port->write64)
        return MMU_EINVAL;
    res_init(res);
    /* canonical: bits 63:va_bits zero (MMU_CANON_ZERO), or copies of bit va_bits-1 */
    uint64_t upper = vaddr >> (fmt->canon == MMU_CANON_ZERO ? fmt->va_bits : fmt->va_bits - 1);
    if (upper != 0 && (fmt->canon == MMU_CANON_ZERO || upper != (~0ull >> (fmt->va_bits - 1))))
        return fault(res, MMU_FAULT_NONCANONICAL, -1);
    struct walk_ctx c;
    c.vaddr = vaddr;
    c.asid = asid;
    c.type = type;
    c.priv = priv;
    return walk_body(&c, &s, root, res, 0, 0);
}

/* mmusim_walk_run with s->sparse (one instance per read path, each inlining the loop). */
static mmu_err walk_run_sparse(struct walk_ctx *c, const struct mmusim_walk_setup *s, uint64_t root, mmu_walk_result *res)
{
    return walk_body(c, s, root, res, 1, 1);
}

static mmu_err walk_run_port(struct walk_ctx *c, const struct mmusim_walk_setup *s, uint64_t root, mmu_walk_result *res)
{
    return walk_body(c, s, root, res, 0, 1);
}

mmu_err mmusim_walk_run(const struct mmusim_walk_setup *s, uint64_t root, uint64_t vaddr,
                        mmu_access_type type, mmu_priv priv, uint32_t asid, mmu_walk_result *res)
{
    if ((unsigned)type >= MMU_ACCESS_TYPES || (priv != MMU_PRIV_USER && priv != MMU_PRIV_SUPER))
        return MMU_EINVAL;
    if (noncanonical(s, vaddr)) {
        res_init(res);
        return fault(res, MMU_FAULT_NONCANONICAL, -1);
    }
    /* what a walk that succeeds does not set (fault_run sets the rest when one faults) */
    res->fault = MMU_FAULT_NONE;
    res->fault_level = res->leaf_level = res->pwc_level = -1;
    res->pwc_latency = 0;
    res->writes = 0;
    struct walk_ctx c;
    c.vaddr = vaddr;
    c.asid = asid;
    c.type = type;
    c.priv = priv;
    return s->sparse ? walk_run_sparse(&c, s, root, res) : walk_run_port(&c, s, root, res);
}

void mmu_walk_tlb_entry(const mmu_walk_result *res, uint16_t asid, mmu_tlb_entry *out)
{
    out->vbase = res->vbase;
    out->pbase = res->pbase;
    out->asid = asid;
    out->vmid = 0;
    out->page_size = res->page_size;
    out->flags = res->tlb_flags;
}
