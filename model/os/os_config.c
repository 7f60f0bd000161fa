/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * os_config.c - the OS model's names (frame allocation policies, fault
 * kinds, latency parts) and its configuration: defaults and the check.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "os_internal.h"
#include "msg.h"

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

static mmu_err ranges_config_check(const mmu_os_config *cfg, const mmu_pt_format *fmt, char *msg,
                                   size_t msglen);

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
    return ranges_config_check(cfg, fmt, msg, msglen);
}

/* ---------------------------------------------------------------- physical ranges */

static const char *skip_ws(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* An integer (0x... hexadecimal, else decimal) in [s, e), with a K, M, G, T suffix if sized. */
static int parse_num(const char *s, const char *e, int sized, uint64_t *out)
{
    s = skip_ws(s);
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    int hex = e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex)
        s += 2;
    if (s == e)
        return 0;
    uint64_t x = 0;
    unsigned base = hex ? 16 : 10;
    for (; s < e; s++) {
        unsigned d;
        if (isdigit((unsigned char)*s))
            d = (unsigned)(*s - '0');
        else if (hex && isxdigit((unsigned char)*s))
            d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
        else
            break;
        if (x > (UINT64_MAX - d) / base)
            return 0;
        x = x * base + d;
    }
    unsigned shift = 0;
    if (sized && !hex && s < e) {
        switch (toupper((unsigned char)*s)) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: return 0;
        }
        s++;
        if (x > (UINT64_MAX >> shift))
            return 0;
    }
    if (s != e)
        return 0;
    *out = x << shift;
    return 1;
}

mmu_err mmu_os_ranges_parse(mmu_os_ranges *out, const char *text, const char *field, char *msg,
                            size_t msglen)
{
    if (!out || !text)
        return MMU_EINVAL;
    if (!field)
        field = "ranges";
    mmu_os_ranges l;
    memset(&l, 0, sizeof l);
    unsigned item = 0;
    for (const char *p = text; *p;) {
        const char *end = p;
        while (*end && *end != ',' && *end != ';')
            end++;
        const char *s = skip_ws(p);
        const char *e = end;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        item++;
        if (s == e) {
            if (*end || item > 1)
                return model_msg(MMU_EPARSE, msg, msglen, "%s: range %u is empty (expected BASE+SIZE, e.g. 0x80000000+16M)",
                           field, item);
        } else {
            int len = (int)(e - s);
            const char *plus = memchr(s, '+', (size_t)(e - s));
            if (!plus)
                return model_msg(MMU_EPARSE, msg, msglen, "%s: range %u '%.*s': expected BASE+SIZE (e.g. 0x80000000+16M)",
                           field, item, len, s);
            if (l.n == MMU_OS_MAX_RANGES)
                return model_msg(MMU_ERANGE, msg, msglen, "%s: at most %d ranges", field, MMU_OS_MAX_RANGES);
            mmu_os_range *r = &l.r[l.n];
            if (!parse_num(s, plus, 0, &r->base))
                return model_msg(MMU_EPARSE, msg, msglen,
                                 "%s: range %u '%.*s': '%.*s' is not a physical address (0x... or decimal)",
                                 field, item, len, s, (int)(plus - s), s);
            if (!parse_num(plus + 1, e, 1, &r->size))
                return model_msg(MMU_EPARSE, msg, msglen,
                                 "%s: range %u '%.*s': '%.*s' is not a size (bytes, 0x..., or with K, M, G, T)",
                                 field, item, len, s, (int)(e - plus - 1), plus + 1);
            l.n++;
        }
        p = *end ? end + 1 : end;
    }
    const char *last = text + strlen(text);
    while (last > text && isspace((unsigned char)last[-1]))
        last--;
    if (last > text && (last[-1] == ',' || last[-1] == ';')) /* a separator with nothing after it */
        return model_msg(MMU_EPARSE, msg, msglen, "%s: range %u is empty (expected BASE+SIZE, e.g. 0x80000000+16M)",
                         field, item + 1);
    *out = l;
    return MMU_OK;
}

mmu_err mmu_os_ranges_add(mmu_os_ranges *list, uint64_t base, uint64_t size)
{
    if (!list)
        return MMU_EINVAL;
    if (list->n >= MMU_OS_MAX_RANGES)
        return MMU_EFULL;
    list->r[list->n].base = base;
    list->r[list->n].size = size;
    list->n++;
    return MMU_OK;
}

static int fmt_size(uint64_t x, char *buf, size_t len)
{
    static const char suffix[] = "TGMK";
    for (unsigned i = 0; i < 4; i++) {
        unsigned shift = 40 - 10 * i;
        if (x && (x & ((UINT64_C(1) << shift) - 1)) == 0)
            return snprintf(buf, len, "%" PRIu64 "%c", x >> shift, suffix[i]);
    }
    return snprintf(buf, len, "%" PRIu64, x);
}

void mmu_os_ranges_format(const mmu_os_ranges *list, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    buf[0] = 0;
    if (!list)
        return;
    size_t used = 0;
    for (uint32_t i = 0; i < list->n && i < MMU_OS_MAX_RANGES && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s0x%" PRIx64 "+", i ? ", " : "", list->r[i].base);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
        n = fmt_size(list->r[i].size, buf + used, len - used);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

/* The check of one list: page-aligned, non-empty, within the format's physical addresses. */
static mmu_err ranges_check(const mmu_os_ranges *l, const char *field, uint64_t fs, unsigned pa_bits,
                            const char *fname, uint64_t *total, char *msg, size_t msglen)
{
    *total = 0;
    if (l->n > MMU_OS_MAX_RANGES)
        return bad(msg, msglen, "%s: %" PRIu32 " ranges; at most %d", field, l->n, MMU_OS_MAX_RANGES);
    for (uint32_t i = 0; i < l->n; i++) {
        const mmu_os_range *r = &l->r[i];
        if (r->size == 0)
            return bad(msg, msglen, "%s: range %" PRIu32 " (0x%" PRIx64 "+0) has size 0", field, i + 1, r->base);
        if (r->base % fs || r->size % fs)
            return bad(msg, msglen,
                       "%s: range %" PRIu32 " (0x%" PRIx64 "+0x%" PRIx64 "): base and size must be multiples of "
                       "the base page size (%" PRIu64 ")",
                       field, i + 1, r->base, r->size, fs);
        if (r->base + r->size < r->base ||
            (pa_bits < 64 && r->base + r->size > (UINT64_C(1) << pa_bits)))
            return bad(msg, msglen,
                       "%s: range %" PRIu32 " (0x%" PRIx64 "+0x%" PRIx64 ") is out of range: it must end at or "
                       "below 2^%u (the physical addresses of %s)",
                       field, i + 1, r->base, r->size, pa_bits, fname);
        *total += r->size;
        if (*total > MAX_PHYS_MEM)
            return bad(msg, msglen, "%s: the ranges total more than %" PRIu64 " bytes (1 TiB)", field,
                       (uint64_t)MAX_PHYS_MEM);
    }
    return MMU_OK;
}

/* os.frame_ranges and os.pt_ranges: each list, no overlap anywhere, enough frames. */
static mmu_err ranges_config_check(const mmu_os_config *cfg, const mmu_pt_format *fmt, char *msg,
                                   size_t msglen)
{
    const mmu_os_ranges *fr = &cfg->frame_ranges, *pr = &cfg->pt_ranges;
    if (!fr->n && !pr->n)
        return MMU_OK;
    if (!fr->n)
        return bad(msg, msglen, "os.pt_ranges needs os.frame_ranges (the data frames' ranges)");
    uint64_t fs = fmt ? 1ull << fmt->shift[0] : 4096;
    unsigned levels = fmt ? fmt->levels : MMU_PT_MAX_LEVELS;
    unsigned pa_bits = fmt ? fmt->max_pa_bits : 64;
    const char *fname = fmt ? fmt->name : "any format";
    uint64_t ftotal, ptotal;
    if (ranges_check(fr, "os.frame_ranges", fs, pa_bits, fname, &ftotal, msg, msglen) != MMU_OK ||
        ranges_check(pr, "os.pt_ranges", fs, pa_bits, fname, &ptotal, msg, msglen) != MMU_OK)
        return MMU_ECONFIG;
    for (uint32_t i = 0; i < fr->n + pr->n; i++) {
        for (uint32_t j = i + 1; j < fr->n + pr->n; j++) {
            const mmu_os_range *a = i < fr->n ? &fr->r[i] : &pr->r[i - fr->n];
            const mmu_os_range *b = j < fr->n ? &fr->r[j] : &pr->r[j - fr->n];
            if (a->base < b->base + b->size && b->base < a->base + a->size)
                return bad(msg, msglen,
                           "%s range %" PRIu32 " (0x%" PRIx64 "+0x%" PRIx64 ") overlaps %s range %" PRIu32
                           " (0x%" PRIx64 "+0x%" PRIx64 ")",
                           i < fr->n ? "os.frame_ranges" : "os.pt_ranges", (i < fr->n ? i : i - fr->n) + 1,
                           a->base, a->size, j < fr->n ? "os.frame_ranges" : "os.pt_ranges",
                           (j < fr->n ? j : j - fr->n) + 1, b->base, b->size);
        }
    }
    uint64_t data = ftotal < cfg->phys_mem ? ftotal : cfg->phys_mem;
    uint64_t need = pr->n ? fs : fs * (levels + 1);
    if (data < need)
        return bad(msg, msglen,
                   "os.frame_ranges: %" PRIu64 " bytes of frames (cut to os.phys_mem) is too small: at least "
                   "%" PRIu64 " (%s)",
                   data, need, pr->n ? "one data frame" : "a root, the tables and one data frame");
    if (pr->n && ptotal < fs * levels)
        return bad(msg, msglen,
                   "os.pt_ranges: %" PRIu64 " bytes is too small: at least %" PRIu64
                   " (%u frames: a root and %u tables for %s)",
                   ptotal, fs * levels, levels, levels - 1, fname);
    return MMU_OK;
}
