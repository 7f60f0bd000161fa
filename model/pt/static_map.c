/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * static_map.c - a static virtual-to-physical map: parse and print the
 * region list of [map], check it against a format, and build real page
 * tables for it through a memory port with the format's PTE encoder.
 */
#include "mmusim/static_map.h"

#include "mmusim/config.h"
#include "mmusim/mmu.h"
#include "msg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail model_msg

/* ---- the region list as text ---- */

static const char *skip_ws(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* An integer (0x.. hex, decimal) with an optional K, M, G suffix when sized; the whole field. */
static int parse_num(const char *s, int sized, uint64_t *out)
{
    s = skip_ws(s);
    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno == ERANGE)
        return 0;
    unsigned shift = 0;
    if (sized) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10; end++; break;
        case 'M': shift = 20; end++; break;
        case 'G': shift = 30; end++; break;
        case 'T': shift = 40; end++; break;
        default: break;
        }
        if (shift && x > (UINT64_MAX >> shift))
            return 0;
    }
    if (*skip_ws(end) != 0)
        return 0;
    *out = (uint64_t)x << shift;
    return 1;
}

/* Split item at ':' into at most max fields (trimmed, in buf); returns the count, or -1 if too many. */
static int split_fields(char *item, char **field, int max)
{
    int n = 0;
    char *p = item;
    for (;;) {
        if (n == max)
            return -1;
        field[n++] = p;
        char *c = strchr(p, ':');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    for (int i = 0; i < n; i++) {
        field[i] = (char *)skip_ws(field[i]);
        size_t l = strlen(field[i]);
        while (l && isspace((unsigned char)field[i][l - 1]))
            field[i][--l] = 0;
    }
    return n;
}

static mmu_err parse_region(char *item, unsigned idx, mmu_map_region *r, char *msg, size_t msglen)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", item);
    char *f[6];
    int n = split_fields(item, f, 6);
    if (n < 4)
        return fail(MMU_EPARSE, msg, msglen,
                    "map.regions: region %u '%s': expected VBASE:PBASE:SIZE:PERMS[:PAGE][:asid=N|:global]",
                    idx, copy);
    memset(r, 0, sizeof *r);
    r->page_size = MMU_PS_4K;
    r->global = 1;
    if (!parse_num(f[0], 0, &r->vbase))
        return fail(MMU_EPARSE, msg, msglen, "map.regions: region %u: '%s' is not a virtual address", idx,
                    f[0]);
    if (!parse_num(f[1], 0, &r->pbase))
        return fail(MMU_EPARSE, msg, msglen, "map.regions: region %u: '%s' is not a physical address",
                    idx, f[1]);
    if (!parse_num(f[2], 1, &r->size) || r->size == 0)
        return fail(MMU_EPARSE, msg, msglen,
                    "map.regions: region %u: '%s' is not a size (bytes > 0, or with K, M, G)", idx, f[2]);
    for (const char *p = f[3]; *p; p++) {
        switch (tolower((unsigned char)*p)) {
        case 'r': r->perms |= MMU_MAP_READ; break;
        case 'w': r->perms |= MMU_MAP_WRITE; break;
        case 'x': r->perms |= MMU_MAP_EXEC; break;
        case 's': r->perms |= MMU_MAP_SUPER; break;
        case '-': break;
        default:
            return fail(MMU_EPARSE, msg, msglen,
                        "map.regions: region %u: '%s' is not permissions (letters of r w x s)", idx, f[3]);
        }
    }
    for (int i = 4; i < n; i++) {
        if (strcmp(f[i], "global") == 0) {
            r->global = 1;
        } else if (strncmp(f[i], "asid=", 5) == 0) {
            uint64_t a;
            if (!parse_num(f[i] + 5, 0, &a) || a > 0xFFFF)
                return fail(MMU_ERANGE, msg, msglen, "map.regions: region %u: '%s': an ASID is 0..65535",
                            idx, f[i]);
            r->asid = (uint16_t)a;
            r->global = 0;
        } else if (i == 4) {
            mmu_page_size ps = mmu_page_size_parse(f[i]);
            if (ps >= MMU_PAGE_SIZES)
                return fail(MMU_EPARSE, msg, msglen,
                            "map.regions: region %u: '%s' is not a page size (4K 16K 64K 2M 32M 512M 1G), "
                            "asid=N or global",
                            idx, f[i]);
            r->page_size = (uint32_t)ps;
        } else {
            return fail(MMU_EPARSE, msg, msglen, "map.regions: region %u: '%s' is not asid=N or global", idx,
                        f[i]);
        }
    }
    return MMU_OK;
}

mmu_err mmu_map_parse_regions(mmu_map_config *map, const char *text, char *msg, size_t msglen)
{
    if (!map || !text)
        return MMU_EINVAL;
    mmu_map_region out[MMU_MAP_MAX_REGIONS];
    unsigned n = 0;
    const char *p = text;
    while (*p) {
        const char *end = p;
        while (*end && *end != ',' && *end != ';')
            end++;
        const char *s = skip_ws(p);
        if (s < end) {
            char item[256];
            size_t len = (size_t)(end - s);
            if (len >= sizeof item)
                return fail(MMU_EPARSE, msg, msglen, "map.regions: region %u is too long", n);
            memcpy(item, s, len);
            item[len] = 0;
            size_t l = len;
            while (l && isspace((unsigned char)item[l - 1]))
                item[--l] = 0;
            if (l) {
                if (n == MMU_MAP_MAX_REGIONS)
                    return fail(MMU_ERANGE, msg, msglen, "map.regions: at most %d regions", MMU_MAP_MAX_REGIONS);
                mmu_err e = parse_region(item, n, &out[n], msg, msglen);
                if (e != MMU_OK)
                    return e;
                n++;
            }
        }
        p = *end ? end + 1 : end;
    }
    memcpy(map->region, out, n * sizeof out[0]);
    map->n_regions = n;
    return MMU_OK;
}

mmu_err mmu_map_add_region(mmu_map_config *map, const mmu_map_region *region)
{
    if (!map || !region)
        return MMU_EINVAL;
    if (map->n_regions >= MMU_MAP_MAX_REGIONS)
        return MMU_EFULL;
    map->region[map->n_regions++] = *region;
    return MMU_OK;
}

static void format_size(uint64_t x, char *buf, size_t len)
{
    if (x && (x & ((UINT64_C(1) << 30) - 1)) == 0)
        snprintf(buf, len, "%lluG", (unsigned long long)(x >> 30));
    else if (x && (x & ((UINT64_C(1) << 20) - 1)) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(x >> 20));
    else if (x && (x & ((UINT64_C(1) << 10) - 1)) == 0)
        snprintf(buf, len, "%lluK", (unsigned long long)(x >> 10));
    else
        snprintf(buf, len, "%llu", (unsigned long long)x);
}

void mmu_map_format_regions(const mmu_map_config *map, char *buf, size_t len)
{
    if (!len)
        return;
    buf[0] = 0;
    size_t used = 0;
    for (uint32_t i = 0; i < map->n_regions && used < len; i++) {
        const mmu_map_region *r = &map->region[i];
        char size[32], perms[8], who[16];
        format_size(r->size, size, sizeof size);
        size_t k = 0;
        if (r->perms & MMU_MAP_READ)
            perms[k++] = 'r';
        if (r->perms & MMU_MAP_WRITE)
            perms[k++] = 'w';
        if (r->perms & MMU_MAP_EXEC)
            perms[k++] = 'x';
        if (r->perms & MMU_MAP_SUPER)
            perms[k++] = 's';
        if (!k)
            perms[k++] = '-';
        perms[k] = 0;
        if (r->global)
            snprintf(who, sizeof who, "global");
        else
            snprintf(who, sizeof who, "asid=%u", r->asid);
        int w = snprintf(buf + used, len - used, "%s0x%llx:0x%llx:%s:%s:%s:%s", i ? ", " : "",
                         (unsigned long long)r->vbase, (unsigned long long)r->pbase, size, perms,
                         mmu_page_size_name((mmu_page_size)r->page_size), who);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ---- checks ---- */

/* The level whose leaves map pages of size ps, or -1. */
static int leaf_level(const mmu_pt_format *fmt, uint32_t ps)
{
    for (unsigned l = 0; l < fmt->levels; l++)
        if ((fmt->leaf_levels & (1u << l)) && fmt->page_size[l] == ps)
            return (int)l;
    return -1;
}

mmu_err mmu_map_check(const mmu_map_config *map, const mmu_pt_format *fmt, char *msg, size_t msglen)
{
    if (!map || !fmt)
        return MMU_EINVAL;
    if (map->n_regions > MMU_MAP_MAX_REGIONS)
        return fail(MMU_ECONFIG, msg, msglen, "map.regions: at most %d regions", MMU_MAP_MAX_REGIONS);
    if (map->n_regions == 0)
        return MMU_OK;
    if (map->table_size == 0)
        return fail(MMU_ECONFIG, msg, msglen,
                    "map.table_size: the static map needs a physical range for its page tables "
                    "(map.table_base, map.table_size)");
    if (map->table_base + map->table_size < map->table_base)
        return fail(MMU_ECONFIG, msg, msglen, "map.table_base + map.table_size wraps around");
    if (map->table_base & 0xFFF)
        return fail(MMU_ECONFIG, msg, msglen, "map.table_base (0x%llx) must be 4K-aligned",
                    (unsigned long long)map->table_base);
    const unsigned pa_bits = fmt->max_pa_bits;
    for (uint32_t i = 0; i < map->n_regions; i++) {
        const mmu_map_region *r = &map->region[i];
        if (r->page_size >= MMU_PAGE_SIZES || leaf_level(fmt, r->page_size) < 0) {
            char sizes[128] = "";
            for (unsigned l = 0; l < fmt->levels; l++) {
                if (!(fmt->leaf_levels & (1u << l)))
                    continue;
                size_t used = strlen(sizes);
                snprintf(sizes + used, sizeof sizes - used, "%s%s", used ? " " : "",
                         mmu_page_size_name((mmu_page_size)fmt->page_size[l]));
            }
            return fail(MMU_ECONFIG, msg, msglen, "map.regions: region %u: %s pages are not a leaf size of %s (%s)",
                        i, mmu_page_size_name((mmu_page_size)r->page_size), fmt->name, sizes);
        }
        const uint64_t mask = (UINT64_C(1) << mmu_page_shift((mmu_page_size)r->page_size)) - 1;
        if ((r->vbase | r->pbase | r->size) & mask)
            return fail(MMU_ECONFIG, msg, msglen,
                        "map.regions: region %u (0x%llx:0x%llx:0x%llx): bases and size must be multiples "
                        "of its page size (%s)",
                        i, (unsigned long long)r->vbase, (unsigned long long)r->pbase,
                        (unsigned long long)r->size, mmu_page_size_name((mmu_page_size)r->page_size));
        if (r->size == 0 || r->vbase + r->size - 1 < r->vbase || r->pbase + r->size - 1 < r->pbase)
            return fail(MMU_ECONFIG, msg, msglen, "map.regions: region %u: empty or wraps around", i);
        if (!mmu_pt_is_canonical(fmt, r->vbase) || !mmu_pt_is_canonical(fmt, r->vbase + r->size - 1) ||
            (fmt->canon == MMU_CANON_SIGN && ((r->vbase ^ (r->vbase + r->size - 1)) >> (fmt->va_bits - 1))))
            return fail(MMU_ECONFIG, msg, msglen,
                        "map.regions: region %u: 0x%llx..0x%llx is not within one canonical half of %s's "
                        "%u-bit virtual addresses",
                        i, (unsigned long long)r->vbase, (unsigned long long)(r->vbase + r->size - 1), fmt->name,
                        fmt->va_bits);
        if (pa_bits < 64 && ((r->pbase + r->size - 1) >> pa_bits))
            return fail(MMU_ECONFIG, msg, msglen,
                        "map.regions: region %u: physical 0x%llx..0x%llx is beyond %s's %u-bit physical addresses",
                        i, (unsigned long long)r->pbase, (unsigned long long)(r->pbase + r->size - 1), fmt->name,
                        pa_bits);
        if (!(r->perms & (MMU_MAP_READ | MMU_MAP_EXEC)))
            return fail(MMU_ECONFIG, msg, msglen, "map.regions: region %u: permissions need r or x", i);
        if ((r->perms & MMU_MAP_WRITE) && !(r->perms & MMU_MAP_READ))
            return fail(MMU_ECONFIG, msg, msglen, "map.regions: region %u: w needs r (write-only pages do not exist)",
                        i);
    }
    if (pa_bits < 64 && ((map->table_base + map->table_size - 1) >> pa_bits))
        return fail(MMU_ECONFIG, msg, msglen, "map.table_base: the table range is beyond %s's %u-bit physical addresses",
                    fmt->name, pa_bits);
    return MMU_OK;
}

/* ---- building ---- */

typedef struct builder {
    const mmu_map_config *map;
    const mmu_pt_format *fmt;
    const mmu_mem_port *port;
    mmu_map_tables *out;
    uint64_t next; /* next free byte of the table range */
    char *msg;
    size_t msglen;
} builder;

static uint64_t rd(const builder *b, uint64_t pa)
{
    uint64_t v = 0;
    if (b->port->debug_read64)
        (void)b->port->debug_read64(b->port->ctx, pa, &v);
    else
        (void)b->port->read64(b->port->ctx, pa, &v);
    return v;
}

/* A zeroed table of a level; MMU_EFULL when the range is used up. */
static mmu_err alloc_table(builder *b, unsigned level, uint64_t *pa)
{
    const uint64_t bytes = mmu_pt_table_bytes(b->fmt, level);
    const uint64_t align = bytes < 8 ? 8 : bytes;
    const uint64_t at = (b->next + align - 1) & ~(align - 1);
    const uint64_t end = b->map->table_base + b->map->table_size;
    if (at < b->next || at + bytes > end || at + bytes < at)
        return fail(MMU_EFULL, b->msg, b->msglen,
                    "map.table_size: %llu bytes at map.table_base 0x%llx are too few for the page tables of "
                    "map.regions (%u tables built so far)",
                    (unsigned long long)b->map->table_size, (unsigned long long)b->map->table_base,
                    b->out->tables);
    for (uint64_t o = 0; o < bytes; o += 8)
        (void)b->port->write64(b->port->ctx, at + o, 0);
    b->next = at + bytes;
    b->out->tables++;
    b->out->bytes = b->next - b->map->table_base;
    *pa = at;
    return MMU_OK;
}

/* Flags of a table entry that limits nothing below it. */
static uint32_t table_flags(const mmu_pt_format *fmt)
{
    switch (fmt->arch) {
    case MMU_PT_ARCH_RISCV:
        return MMU_PTE_VALID; /* a RISC-V pointer has no R/W/X (nor U, A, D) */
    case MMU_PT_ARCH_X86:
        return MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER | MMU_PTE_ACCESSED;
    default:
        return MMU_PTE_VALID | MMU_PTE_READ | MMU_PTE_WRITE | MMU_PTE_EXEC | MMU_PTE_USER;
    }
}

static uint32_t leaf_flags(const mmu_map_region *r)
{
    uint32_t f = MMU_PTE_VALID | MMU_PTE_LEAF | MMU_PTE_ACCESSED;
    if (r->perms & MMU_MAP_READ)
        f |= MMU_PTE_READ;
    if (r->perms & MMU_MAP_WRITE)
        f |= MMU_PTE_WRITE | MMU_PTE_DIRTY;
    if (r->perms & MMU_MAP_EXEC)
        f |= MMU_PTE_EXEC;
    else
        f |= MMU_PTE_PXN; /* Arm: a supervisor page is executable unless PXN */
    if (!(r->perms & MMU_MAP_SUPER))
        f |= MMU_PTE_USER;
    if (r->global)
        f |= MMU_PTE_GLOBAL;
    return f;
}

/* Map region i into the tables under root. */
static mmu_err map_region(builder *b, uint64_t root, uint32_t i)
{
    const mmu_pt_format *fmt = b->fmt;
    const mmu_map_region *r = &b->map->region[i];
    const int leaf = leaf_level(fmt, r->page_size);
    const uint64_t step = UINT64_C(1) << mmu_page_shift((mmu_page_size)r->page_size);
    mmu_pte lp;
    memset(&lp, 0, sizeof lp);
    lp.flags = leaf_flags(r);
    for (uint64_t off = 0; off < r->size; off += step) {
        const uint64_t va = r->vbase + off;
        uint64_t table = root;
        for (int l = fmt->levels - 1; l > leaf; l--) {
            const uint64_t pa = table + (uint64_t)fmt->pte_size * mmu_pt_index(fmt, (unsigned)l, va);
            mmu_pte pte;
            if (mmu_pte_decode(fmt, (unsigned)l, rd(b, pa), &pte) != MMU_OK)
                return MMU_EINVAL;
            if (pte.flags & MMU_PTE_VALID) {
                if (pte.flags & MMU_PTE_LEAF)
                    return fail(MMU_ECONFIG, b->msg, b->msglen,
                                "map.regions: region %u overlaps a larger page of an earlier region at 0x%llx", i,
                                (unsigned long long)va);
                table = pte.paddr;
                continue;
            }
            uint64_t next;
            mmu_err e = alloc_table(b, (unsigned)l - 1, &next);
            if (e != MMU_OK)
                return e;
            memset(&pte, 0, sizeof pte);
            pte.paddr = next;
            pte.flags = table_flags(fmt);
            uint64_t raw;
            if (mmu_pte_encode(fmt, (unsigned)l, &pte, &raw) != MMU_OK)
                return fail(MMU_ECONFIG, b->msg, b->msglen,
                            "map.table_base: table address 0x%llx does not fit a %s entry",
                            (unsigned long long)next, fmt->name);
            (void)b->port->write64(b->port->ctx, pa, raw);
            table = next;
        }
        const uint64_t pa = table + (uint64_t)fmt->pte_size * mmu_pt_index(fmt, (unsigned)leaf, va);
        mmu_pte old;
        if (mmu_pte_decode(fmt, (unsigned)leaf, rd(b, pa), &old) != MMU_OK)
            return MMU_EINVAL;
        if (old.flags & MMU_PTE_VALID)
            return fail(MMU_ECONFIG, b->msg, b->msglen,
                        "map.regions: region %u overlaps an earlier region at 0x%llx%s", i, (unsigned long long)va,
                        (old.flags & MMU_PTE_LEAF) ? "" : " (mapped with smaller pages)");
        lp.paddr = r->pbase + off;
        uint64_t raw;
        if (mmu_pte_encode(fmt, (unsigned)leaf, &lp, &raw) != MMU_OK)
            return fail(MMU_ECONFIG, b->msg, b->msglen,
                        "map.regions: region %u: physical 0x%llx cannot be encoded in a %s %s leaf", i,
                        (unsigned long long)lp.paddr, fmt->name, mmu_page_size_name((mmu_page_size)r->page_size));
        (void)b->port->write64(b->port->ctx, pa, raw);
        b->out->leaves++;
    }
    return MMU_OK;
}

/* Every region that belongs in the tables of asid (global: every root; the shared root: global only). */
static mmu_err fill_root(builder *b, uint64_t root, int asid)
{
    for (uint32_t i = 0; i < b->map->n_regions; i++) {
        const mmu_map_region *r = &b->map->region[i];
        if (!r->global && (asid < 0 || r->asid != (uint16_t)asid))
            continue;
        mmu_err e = map_region(b, root, i);
        if (e != MMU_OK)
            return e;
    }
    return MMU_OK;
}

mmu_err mmu_map_build(const mmu_map_config *map, const mmu_pt_format *fmt, const mmu_mem_port *port,
                      mmu_map_tables *out, char *msg, size_t msglen)
{
    if (!map || !fmt || !port || !port->write64 || (!port->read64 && !port->debug_read64) || !out)
        return MMU_EINVAL;
    mmu_err e = mmu_map_check(map, fmt, msg, msglen);
    if (e != MMU_OK)
        return e;
    memset(out, 0, sizeof *out);
    builder b = {map, fmt, port, out, map->table_base, msg, msglen};
    /* the ASIDs named, in the order the regions name them */
    for (uint32_t i = 0; i < map->n_regions; i++) {
        const mmu_map_region *r = &map->region[i];
        if (r->global)
            continue;
        uint32_t k = 0;
        while (k < out->n_roots && out->asid[k] != r->asid)
            k++;
        if (k == out->n_roots)
            out->asid[out->n_roots++] = r->asid;
    }
    if ((e = alloc_table(&b, fmt->levels - 1u, &out->shared_root)) != MMU_OK ||
        (e = fill_root(&b, out->shared_root, -1)) != MMU_OK)
        return e;
    for (uint32_t k = 0; k < out->n_roots; k++)
        if ((e = alloc_table(&b, fmt->levels - 1u, &out->root[k])) != MMU_OK ||
            (e = fill_root(&b, out->root[k], out->asid[k])) != MMU_OK)
            return e;
    return MMU_OK;
}

uint64_t mmu_map_root(const mmu_map_tables *t, uint16_t asid)
{
    for (uint32_t k = 0; k < t->n_roots; k++)
        if (t->asid[k] == asid)
            return t->root[k];
    return t->shared_root;
}

/* ---- an MMU over a map in a sparse memory ---- */

struct mmu_static_map {
    mmu_sparse_mem *mem;
    mmu_mem_port port;
    const mmu_pt_format *fmt;
    mmu_map_tables tables;
};

mmu_err mmu_static_map_create(const mmu_config *cfg, mmu_static_map **out, char *msg, size_t msglen)
{
    if (!cfg || !out)
        return MMU_EINVAL;
    *out = NULL;
    const mmu_pt_format *fmt = mmu_pt_format_find(cfg->walker.format);
    if (!fmt)
        return fail(MMU_ECONFIG, msg, msglen, "walker.format: '%s' is not a page-table format", cfg->walker.format);
    mmu_static_map *sm = calloc(1, sizeof *sm);
    if (!sm || mmu_sparse_mem_create(0, &sm->mem) != MMU_OK) {
        free(sm);
        return fail(MMU_ENOMEM, msg, msglen, "map: out of memory");
    }
    sm->port = mmu_sparse_mem_port(sm->mem);
    sm->fmt = fmt;
    mmu_err e = mmu_map_build(&cfg->map, fmt, &sm->port, &sm->tables, msg, msglen);
    if (e == MMU_OK && mmu_sparse_mem_status(sm->mem) != MMU_OK)
        e = fail(MMU_ENOMEM, msg, msglen, "map: out of memory");
    if (e != MMU_OK) {
        mmu_static_map_destroy(sm);
        return e;
    }
    *out = sm;
    return MMU_OK;
}

void mmu_static_map_destroy(mmu_static_map *sm)
{
    if (!sm)
        return;
    mmu_sparse_mem_destroy(sm->mem);
    free(sm);
}

static int shared_root(void *ctx, uint16_t asid, uint64_t *root)
{
    *root = mmu_map_root(&((const mmu_static_map *)ctx)->tables, asid);
    return 1;
}

mmu_err mmu_static_map_attach(mmu_static_map *sm, mmu *m)
{
    if (!sm || !m || mmu_get_format(m) != sm->fmt)
        return MMU_EINVAL;
    if (mmu_attach_os(m, NULL) != MMU_OK)
        return MMU_EINVAL;
    for (uint32_t k = 0; k < sm->tables.n_roots; k++) {
        mmu_err e = mmu_set_root(m, sm->tables.asid[k], sm->tables.root[k]);
        if (e != MMU_OK)
            return e;
    }
    mmu_set_memory(m, &sm->port);
    const mmu_fault_handler h = {sm, shared_root, NULL};
    mmu_set_fault_handler(m, &h);
    mmu_invalidate(m, MMU_INVAL_ALL, 0, 0);
    return MMU_OK;
}

const mmu_map_tables *mmu_static_map_tables(const mmu_static_map *sm)
{
    return &sm->tables;
}

const mmu_sparse_mem *mmu_static_map_memory(const mmu_static_map *sm)
{
    return sm->mem;
}
