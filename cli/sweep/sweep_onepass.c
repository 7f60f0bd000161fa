/*
 * sweep_onepass.c - every entries x ways geometry of one unified LRU TLB
 * array in one pass over a trace.
 *
 * Under the fixed walker a miss fills the array at once and nothing else
 * touches it (no faults, no invalidations, no other level), so the array
 * sees the same stream of (ASID, page) lookups whatever its geometry: the
 * translations of the trace, an access that spans two pages being two, as
 * mmu_access splits it.  Set = page mod sets (model/tlb.c).  For each number
 * of sets S among the points, each set keeps its pages in LRU order, as deep
 * as the largest associativity W asked with S; a lookup's position in its
 * set's stack (its stack distance d, or "deeper") is a hit for every W > d
 * and a miss for the others (LRU's inclusion property, Mattson et al. 1970).
 * A miss fills, evicting when the set already holds W pages, which under
 * LRU without invalidations is when the set has missed W times before.
 */
#include "sweep_onepass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/io/report.h"
#include "mmusim/io/trace.h"
#include "mmusim/mmusim.h"
#include "trace_async.h"

#define BATCH 4096

static int text_add(cli_text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = 0;
    return 0;
}

static int text_str(cli_text *t, const char *s)
{
    return text_add(t, s, strlen(s));
}

/* A CSV field, quoted when it holds a comma, a quote or a line end (as report.c writes it). */
static int text_field(cli_text *t, const char *s)
{
    if (!strpbrk(s, ",\"\n"))
        return text_str(t, s);
    int r = text_add(t, "\"", 1);
    for (; *s; s++)
        r |= *s == '"' ? text_add(t, "\"\"", 2) : text_add(t, s, 1);
    return r | text_add(t, "\"", 1);
}

/* The config.* columns, as "mmusim run --csv" writes them (sizes in bytes). */
typedef struct cfg_cols {
    cli_text *t;
    int values; /* 0: the header's names, 1: the values */
    int bad;
} cfg_cols;

static void cfg_col(void *ctx, const char *section, const char *key, const char *value, const char *desc)
{
    (void)desc;
    cfg_cols *c = ctx;
    if (!key)
        return;
    char name[512], v[256];
    snprintf(name, sizeof name, "config.%s.%s", section, key);
    c->bad |= text_str(c->t, ",");
    if (!c->values) {
        c->bad |= text_field(c->t, name);
    } else if (strlen(value) < sizeof v) {
        mmusim_csv_config_value(name, value, v, sizeof v);
        c->bad |= text_field(c->t, v);
    } else {
        c->bad |= text_field(c->t, value);
    }
}

static int config_cols(const mmu_config *cfg, cli_text *t, int values)
{
    cfg_cols c = {t, values, 0};
    mmu_config_foreach(cfg, cfg_col, &c);
    return c.bad;
}

int cli_onepass_eligible(const mmu_config *c, const char *const *vary_keys, size_t n_vary, char *why,
                         size_t whylen)
{
    if (c->walker.mode != MMU_WALKER_FIXED) {
        snprintf(why, whylen, "walker.mode is radix: walks, PWCs and page faults feed back into the TLB");
        return 0;
    }
    if (c->n_tlbs != 1) {
        snprintf(why, whylen, "%u TLB arrays: one pass covers one unified array (tlb.arrays=NAME)", c->n_tlbs);
        return 0;
    }
    const mmu_tlb_config *t = &c->tlb[0];
    if (t->side != MMU_SIDE_BOTH || t->level != 1) {
        snprintf(why, whylen, "tlb.%s is not one unified level-1 array (side id, level 1)", t->name);
        return 0;
    }
    if (t->policy != MMU_REPL_LRU) {
        snprintf(why, whylen, "tlb.%s.policy is %s: stack distances hold for LRU only", t->name,
                 mmu_repl_name((mmu_repl_policy)t->policy));
        return 0;
    }
    if (t->page_sizes != (1u << c->walker.page_size)) {
        snprintf(why, whylen, "tlb.%s.page_sizes must be exactly walker.page_size (%s)", t->name,
                 mmu_page_size_name((mmu_page_size)c->walker.page_size));
        return 0;
    }
    char entries[MMU_NAME_MAX + 16], ways[MMU_NAME_MAX + 16];
    snprintf(entries, sizeof entries, "tlb.%s.entries", t->name);
    snprintf(ways, sizeof ways, "tlb.%s.ways", t->name);
    for (size_t k = 0; k < n_vary; k++)
        if (strcmp(vary_keys[k], entries) != 0 && strcmp(vary_keys[k], ways) != 0) {
            snprintf(why, whylen, "--vary %s: one pass varies only %s and %s", vary_keys[k], entries, ways);
            return 0;
        }
    return 1;
}

typedef struct point_counts {
    uint32_t sets, ways, group;
    uint64_t hits[MMU_ACCESS_TYPES], misses[MMU_ACCESS_TYPES], evictions;
} point_counts;

/* The points with one number of sets share the LRU stacks and the histograms of stack distances. */
typedef struct set_group {
    uint32_t sets, depth;
    uint64_t *vpn;    /* sets x depth, most recent first */
    uint16_t *asid;
    uint32_t *used;   /* per set */
    uint64_t *hist;   /* sets x (depth + 1): lookups of each set at each distance (depth: deeper or
                         absent), from the start */
    uint64_t *before; /* the same at the end of the warm-up (NULL without one) */
    uint64_t *thist;  /* MMU_ACCESS_TYPES x (depth + 1): lookups by type at each distance, counted
                         after the warm-up */
} set_group;

/* The stack distance of (vpn, asid) in its set of g (depth if deeper or absent); moves it to the top. */
static uint32_t touch(set_group *g, uint32_t set, uint64_t vpn, uint16_t asid)
{
    uint64_t *v = g->vpn + (size_t)set * g->depth;
    uint16_t *a = g->asid + (size_t)set * g->depth;
    uint32_t n = g->used[set], d = 0;
    while (d < n && !(v[d] == vpn && a[d] == asid))
        d++;
    uint32_t dist = d;
    if (d == n) { /* not held: push, dropping the deepest if full */
        if (n < g->depth)
            g->used[set] = n + 1;
        else
            d = n - 1;
    }
    memmove(v + 1, v, d * sizeof *v);
    memmove(a + 1, a, d * sizeof *a);
    v[0] = vpn;
    a[0] = asid;
    return dist < n ? dist : g->depth;
}

int cli_onepass_trace(const char *trace, int format, uint64_t warmup, const mmu_config *cfgs, size_t n,
                      cli_text *head, cli_text *rows, char *err, size_t errlen)
{
    int rc = -1;
    mmusim_trace *t = NULL;
    point_counts *pc = calloc(n ? n : 1, sizeof *pc);
    set_group *gr = calloc(n ? n : 1, sizeof *gr);
    mmusim_access *buf = malloc(BATCH * sizeof *buf);
    size_t n_groups = 0;
    if (!pc || !gr || !buf)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const mmu_tlb_config *tc = &cfgs[i].tlb[0];
        pc[i].ways = tc->ways;
        pc[i].sets = tc->entries / tc->ways;
        size_t g = 0;
        while (g < n_groups && gr[g].sets != pc[i].sets)
            g++;
        if (g == n_groups) {
            gr[g].sets = pc[i].sets;
            n_groups++;
        }
        if (pc[i].ways > gr[g].depth)
            gr[g].depth = pc[i].ways;
        pc[i].group = (uint32_t)g;
    }
    for (size_t g = 0; g < n_groups; g++) {
        size_t cells = (size_t)gr[g].sets * gr[g].depth, bins = (size_t)gr[g].sets * (gr[g].depth + 1);
        gr[g].vpn = malloc(cells * sizeof *gr[g].vpn);
        gr[g].asid = malloc(cells * sizeof *gr[g].asid);
        gr[g].used = calloc(gr[g].sets, sizeof *gr[g].used);
        gr[g].hist = calloc(bins, sizeof *gr[g].hist);
        gr[g].thist = calloc((size_t)MMU_ACCESS_TYPES * (gr[g].depth + 1), sizeof *gr[g].thist);
        if (warmup)
            gr[g].before = calloc(bins, sizeof *gr[g].before);
        if (!gr[g].vpn || !gr[g].asid || !gr[g].used || !gr[g].hist || !gr[g].thist || (warmup && !gr[g].before))
            goto oom;
    }
    if (mmusim_trace_open(trace, (mmusim_format)format, &t, err, errlen) < 0)
        goto out;
    const unsigned shift = mmu_page_shift((mmu_page_size)(n ? cfgs[0].walker.page_size : MMU_PS_4K));
    const uint64_t mask = (UINT64_C(1) << shift) - 1;
    uint64_t index = 0, accesses = 0, translations = 0, crossings = 0, instructions = 0;
    uint64_t by_type[MMU_ACCESS_TYPES] = {0};
    long got;
    /* the trace is parsed on a second thread, as mmusim run does */
    mmusim_async *as = getenv("MMUSIM_NO_THREADS") ? NULL : mmusim_async_start(t);
    const mmusim_access *batch = buf;
    while ((got = as ? mmusim_async_read(as, &batch, err, errlen) : mmusim_trace_read(t, buf, BATCH, err, errlen)) > 0) {
        for (long b = 0; b < got; b++, index++) {
            const mmusim_access *a = &batch[b];
            if (warmup && index == warmup) /* the counters start here (mmusim run --warmup) */
                for (size_t g = 0; g < n_groups; g++)
                    memcpy(gr[g].before, gr[g].hist,
                           (size_t)gr[g].sets * (gr[g].depth + 1) * sizeof *gr[g].hist);
            const int counted = index >= warmup;
            const int type = a->type < MMU_ACCESS_TYPES ? a->type : MMU_READ;
            uint64_t size = a->size ? a->size : 1;
            uint64_t last = a->vaddr + (size - 1), page_end = a->vaddr | mask;
            int k = last <= page_end || last < a->vaddr ? 1 : 2;
            if (counted) {
                accesses++;
                instructions += a->type == MMU_FETCH;
                translations += (uint64_t)k;
                crossings += k == 2;
                by_type[type] += (uint64_t)k;
            }
            for (int j = 0; j < k; j++) {
                uint64_t vpn = (j ? page_end + 1 : a->vaddr) >> shift;
                for (size_t g = 0; g < n_groups; g++) {
                    set_group *sg = &gr[g];
                    uint32_t set = (uint32_t)(vpn % sg->sets);
                    uint32_t d = touch(sg, set, vpn, a->asid);
                    sg->hist[(size_t)set * (sg->depth + 1) + d]++;
                    if (counted)
                        sg->thist[(size_t)type * (sg->depth + 1) + d]++;
                }
            }
        }
    }
    mmusim_async_stop(as);
    if (got < 0)
        goto out;
    if (warmup && index <= warmup) {
        snprintf(err, errlen, "%s: --warmup %llu: the trace has only %llu accesses", trace,
                 (unsigned long long)warmup, (unsigned long long)index);
        goto out;
    }
    /* each point from its group's histograms: a lookup at distance d hits with more than d ways;
       a set that missed M times with W ways evicted max(0, M - W) times (it fills before it evicts) */
    for (size_t i = 0; i < n; i++) {
        point_counts *p = &pc[i];
        const set_group *sg = &gr[p->group];
        const size_t bins = sg->depth + 1;
        for (int y = 0; y < MMU_ACCESS_TYPES; y++)
            for (size_t d = 0; d < bins; d++) {
                if (d < p->ways)
                    p->hits[y] += sg->thist[(size_t)y * bins + d];
                else
                    p->misses[y] += sg->thist[(size_t)y * bins + d];
            }
        for (uint32_t set = 0; set < sg->sets; set++) {
            uint64_t m = 0, mb = 0;
            for (size_t d = p->ways; d < bins; d++) {
                m += sg->hist[(size_t)set * bins + d];
                if (sg->before)
                    mb += sg->before[(size_t)set * bins + d];
            }
            p->evictions += (m > p->ways ? m - p->ways : 0) - (mb > p->ways ? mb - p->ways : 0);
        }
    }

    /* the rows: the columns of "mmusim run --csv" that one pass knows, same names, same values */
    const char *name = cfgs[0].tlb[0].name;
    static const char *const tn[MMU_ACCESS_TYPES] = {"read", "write", "fetch"};
    char col[256], num[64];
    int bad = 0;
    if (head && head->n == 0) {
        static const char *const top[] = {"trace.path", "accesses", "translations", "page_crossings",
                                          "instructions", "warmup_accesses"};
        for (size_t c = 0; c < sizeof top / sizeof top[0]; c++)
            bad |= text_str(head, c ? "," : "") | text_str(head, top[c]);
        for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
            snprintf(col, sizeof col, ",translations_by_type.%s", tn[y]);
            bad |= text_str(head, col);
        }
        static const char *const arr[] = {"level", "lookups", "hits", "misses", "hit_elsewhere",
                                          "evictions", "fills", "invalidations"};
        for (size_t c = 0; c < sizeof arr / sizeof arr[0]; c++) {
            snprintf(col, sizeof col, ",tlb.%s.%s", name, arr[c]);
            bad |= text_str(head, col);
        }
        for (int hm = 0; hm < 2; hm++)
            for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
                snprintf(col, sizeof col, ",tlb.%s.%s_by_type.%s", name, hm ? "misses" : "hits", tn[y]);
                bad |= text_str(head, col);
            }
        bad |= text_str(head, ",tlb_levels.0.level,tlb_levels.0.lookups,tlb_levels.0.hits,tlb_levels.0.misses"
                              ",walker.mode,walker.walks");
        bad |= config_cols(&cfgs[0], head, 0);
        bad |= text_str(head, "\n");
    }
    for (size_t i = 0; i < n; i++) {
        const point_counts *p = &pc[i];
        uint64_t h = 0, m = 0;
        for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
            h += p->hits[y];
            m += p->misses[y];
        }
        bad |= text_field(rows, trace);
        snprintf(num, sizeof num, ",%llu,%llu,%llu,%llu,%llu", (unsigned long long)accesses,
                 (unsigned long long)translations, (unsigned long long)crossings,
                 (unsigned long long)instructions, (unsigned long long)warmup);
        bad |= text_str(rows, num);
        for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
            snprintf(num, sizeof num, ",%llu", (unsigned long long)by_type[y]);
            bad |= text_str(rows, num);
        }
        snprintf(num, sizeof num, ",1,%llu,%llu,%llu,0,%llu,%llu,0", (unsigned long long)(h + m),
                 (unsigned long long)h, (unsigned long long)m, (unsigned long long)p->evictions,
                 (unsigned long long)m);
        bad |= text_str(rows, num);
        for (int hm = 0; hm < 2; hm++)
            for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
                snprintf(num, sizeof num, ",%llu", (unsigned long long)(hm ? p->misses[y] : p->hits[y]));
                bad |= text_str(rows, num);
            }
        snprintf(num, sizeof num, ",1,%llu,%llu,%llu,fixed,%llu", (unsigned long long)(h + m),
                 (unsigned long long)h, (unsigned long long)m, (unsigned long long)m);
        bad |= text_str(rows, num);
        bad |= config_cols(&cfgs[i], rows, 1);
        bad |= text_str(rows, "\n");
    }
    if (bad)
        goto oom;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "%s: out of memory for one pass", trace);
out:
    if (t)
        mmusim_trace_close(t);
    for (size_t g = 0; gr && g < n_groups; g++) {
        free(gr[g].vpn);
        free(gr[g].asid);
        free(gr[g].used);
        free(gr[g].hist);
        free(gr[g].before);
        free(gr[g].thist);
    }
    free(pc);
    free(gr);
    free(buf);
    return rc;
}
