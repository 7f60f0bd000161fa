/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_onepass.c - the points of a sweep that differ only in the geometry
 * of the last TLB level, in one pass over a trace.
 *
 * Under the fixed walker a miss fills at once and nothing else touches the
 * TLBs (no faults, no invalidations, no walk in flight).  The last level is
 * one LRU array serving both sides; the levels above it ("the fixed
 * levels", possibly none) are the same at every point and, under
 * non-inclusive fill, never hear of the last level: a level-1 miss fills
 * level 1 whether the last level hit or the walker answered, with the same
 * entry.  So the fixed levels are simulated once, by the model itself (an
 * mmu of the configuration without the last array), and the stream of
 * lookups that reaches the last level (the fixed levels' misses, in trace
 * order) is the same whatever the last level's geometry.  On that stream,
 * for each number of sets S among the points, each set keeps its pages in
 * LRU order as deep as the largest associativity W asked with S; a lookup's
 * position in its set's stack (its stack distance d, or "deeper") is a hit
 * for every W > d and a miss for the others (LRU's inclusion property,
 * Mattson et al. 1970).  A miss fills, evicting when the set already holds
 * W pages, which under LRU without invalidations is when the set has missed
 * W times before.
 *
 * Each point's latencies follow from where each translation was answered
 * (its level's and the levels above's lookup latencies, plus walker.latency
 * for a walk), and its cycles from the core's issue rule (driver.c) applied
 * to them, access by access.  The row is built by the writers of `mmusim
 * run` (mmusim_report_build, mmusim_report_csv_text) from an MMU of the
 * point's configuration, its counters put in place: the same columns, names
 * and digits.
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

enum { SIDE_I = 0, SIDE_D = 1 };

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

int cli_onepass_eligible(const mmu_config *c, char *why, size_t whylen)
{
    if (c->walker.mode != MMU_WALKER_FIXED) {
        snprintf(why, whylen, "walker.mode is radix: walks, PWCs and page faults depend on which accesses "
                              "missed, so on the TLB geometry");
        return -1;
    }
    uint32_t last = 0;
    for (uint32_t i = 0; i < c->n_tlbs; i++)
        if (c->tlb[i].level > last)
            last = c->tlb[i].level;
    int v = -1;
    for (uint32_t i = 0; i < c->n_tlbs; i++)
        if (c->tlb[i].level == last) {
            if (v >= 0) {
                snprintf(why, whylen, "tlb.%s and tlb.%s are both at the last level (%u): one pass covers "
                                      "one array at the last level", c->tlb[v].name, c->tlb[i].name, last);
                return -1;
            }
            v = (int)i;
        }
    if (v < 0) {
        snprintf(why, whylen, "no TLB array");
        return -1;
    }
    const mmu_tlb_config *t = &c->tlb[v];
    if (t->side != MMU_SIDE_BOTH) {
        snprintf(why, whylen, "tlb.%s (the last level) serves one side only: one pass needs it unified (side id)",
                 t->name);
        return -1;
    }
    if (t->policy != MMU_REPL_LRU) {
        snprintf(why, whylen, "tlb.%s.policy is %s: stack distances hold for LRU only", t->name,
                 mmu_repl_name((mmu_repl_policy)t->policy));
        return -1;
    }
    if (!(t->page_sizes & (1u << c->walker.page_size))) {
        snprintf(why, whylen, "tlb.%s.page_sizes must hold walker.page_size (%s)", t->name,
                 mmu_page_size_name((mmu_page_size)c->walker.page_size));
        return -1;
    }
    if (last > 1 && c->fill != MMU_FILL_NONINCLUSIVE) {
        snprintf(why, whylen, "tlb.fill is %s: %s", c->fill == MMU_FILL_INCLUSIVE ? "inclusive" : "exclusive",
                 c->fill == MMU_FILL_INCLUSIVE
                     ? "the last level's evictions remove entries above it, so the levels above depend on its geometry"
                     : "the last level holds the victims of the levels above and gives up its hits, so its "
                       "stream is not a plain LRU one");
        return -1;
    }
    return v;
}

typedef struct sig_ctx {
    cli_text t;
    const char *vname;
    int bad;
} sig_ctx;

static void sig_visit(void *vctx, const char *section, const char *key, const char *value, const char *desc)
{
    (void)desc;
    sig_ctx *c = vctx;
    if (!key)
        return;
    /* what only changes a point's counts or timing, not the lookups' stream */
    if (strcmp(section, "core") == 0 || (strcmp(section, "walker") == 0 && strcmp(key, "latency") == 0) ||
        (strncmp(section, "tlb.", 4) == 0 && strcmp(key, "latency") == 0) ||
        (strncmp(section, "tlb.", 4) == 0 && strcmp(section + 4, c->vname) == 0 &&
         (strcmp(key, "entries") == 0 || strcmp(key, "ways") == 0)))
        return;
    c->bad |= text_add(&c->t, section, strlen(section)) | text_add(&c->t, ".", 1) |
              text_add(&c->t, key, strlen(key)) | text_add(&c->t, "=", 1) |
              text_add(&c->t, value, strlen(value)) | text_add(&c->t, "\n", 1);
}

char *cli_onepass_signature(const mmu_config *c)
{
    char why[256];
    int v = cli_onepass_eligible(c, why, sizeof why);
    sig_ctx s = {{0}, v >= 0 ? c->tlb[v].name : "", 0};
    mmu_config_foreach(c, sig_visit, &s);
    if (s.bad || !s.t.p) {
        free(s.t.p);
        return NULL;
    }
    return s.t.p;
}

/* The points with one number of sets share the LRU stacks and the histograms of stack distances. */
typedef struct set_group {
    uint32_t sets, depth;
    uint64_t *vpn; /* sets x depth, most recent first */
    uint16_t *asid;
    uint32_t *used;   /* per set */
    uint64_t *hist;   /* sets x (depth + 1): lookups of each set at each distance (depth: deeper or
                         absent), from the start */
    uint64_t *before; /* the same at the end of the warm-up (NULL without one) */
    uint64_t *thist;  /* MMU_ACCESS_TYPES x (depth + 1): lookups by type at each distance, counted
                         after the warm-up */
} set_group;

/* One point: its geometry, latencies, issue state and results. */
typedef struct point_state {
    uint32_t ways, group;
    uint32_t window, pos;
    uint64_t interval, next_issue;
    uint64_t *ring; /* completion of the last `window` accesses */
    uint64_t lat[2][MMU_MAX_TLB_LEVELS + 1]; /* [side][l]: a hit at level l (1-based) */
    uint64_t walk_lat[2];                    /* a miss in every level */
    uint64_t first_cycle, last_cycle;
    uint64_t hits[MMU_ACCESS_TYPES], misses[MMU_ACCESS_TYPES], evictions;
    /* the issue rule without a ring ("fast", below): access i issues at i x interval + delta */
    uint64_t limit;             /* window x interval: an access no longer than this never delays another */
    uint64_t delta;
    uint64_t *chg_idx, *chg_delta; /* delta is chg_delta[k] from access chg_idx[k] on */
    size_t n_chg, cap_chg;
    uint64_t *q_idx, *q_done;   /* the accesses longer than limit still within the window, oldest first */
    uint32_t q_head, q_n;
} point_state;

/* delta at access j (j at most the current access). */
static uint64_t delta_at(const point_state *p, uint64_t j)
{
    size_t k = p->n_chg;
    while (k > 0 && p->chg_idx[k - 1] > j)
        k--;
    return k ? p->chg_delta[k - 1] : 0;
}

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

/* What the issue rule needs of one access: where each translation was answered. */
typedef struct access_info {
    uint64_t index; /* in the trace, warm-up included */
    uint8_t k, side, level[2]; /* translations; side; level of a fixed-level hit (0: the last level
                                  was looked up, its stack distances in the access's dist row) */
} access_info;

/* The latency of an access at point p: its translations one after the other. */
static inline uint64_t access_lat(const point_state *p, const access_info *a, const uint32_t *dist, size_t n_groups,
                                  uint32_t L)
{
    uint64_t l = 0;
    for (int j = 0; j < a->k; j++)
        l += a->level[j] ? p->lat[a->side][a->level[j]]
                         : dist[(size_t)j * n_groups + p->group] < p->ways ? p->lat[a->side][L] : p->walk_lat[a->side];
    return l;
}

/* In the fast mode, the completion cycle of access j from the ring of the last tail accesses' answers. */
static uint64_t ring_done(const point_state *p, const access_info *ring, const uint32_t *dist, size_t tail,
                          size_t n_groups, uint32_t L, uint64_t j)
{
    return j * p->interval + delta_at(p, j) +
           access_lat(p, &ring[j % tail], dist + (j % tail) * 2 * n_groups, n_groups, L);
}

/* A point's last cycle, raised to the completion of the ring's accesses before index (from the warm-up on). */
static void ring_last_cycle(point_state *p, const access_info *ring, const uint32_t *dist, size_t tail,
                            size_t n_groups, uint32_t L, uint64_t index, uint64_t warmup)
{
    for (uint64_t j = index > tail ? index - tail : 0; j < index; j++) {
        uint64_t done = ring_done(p, ring, dist, tail, n_groups, L, j);
        if (j >= warmup && done > p->last_cycle)
            p->last_cycle = done;
    }
}

/*
 * Access i at point p under the issue rule without a ring: it issues at
 * i x interval + delta unless an access `window` before it, longer than
 * window x interval, completes later, which delays it and every later one
 * (delta grows).  check: the access may be longer than limit (it is then
 * remembered).  Returns 0, or -1 out of memory.
 */
static int fast_step(point_state *p, uint64_t i, const access_info *ai, const uint32_t *drow, size_t n_groups,
                     uint32_t L, int check, int warm_end, size_t *pending)
{
    uint64_t issue = i * p->interval + p->delta;
    if (p->q_n && p->q_idx[p->q_head] + p->window == i) {
        const uint64_t d = p->q_done[p->q_head];
        if (++p->q_head == p->window)
            p->q_head = 0;
        p->q_n--;
        --*pending;
        if (d > issue) {
            issue = d;
            p->delta = d - i * p->interval;
            if (p->n_chg == p->cap_chg) {
                size_t cap = p->cap_chg ? 2 * p->cap_chg : 16;
                uint64_t *a = realloc(p->chg_idx, cap * sizeof *a);
                if (!a)
                    return -1;
                p->chg_idx = a;
                a = realloc(p->chg_delta, cap * sizeof *a);
                if (!a)
                    return -1;
                p->chg_delta = a;
                p->cap_chg = cap;
            }
            p->chg_idx[p->n_chg] = i;
            p->chg_delta[p->n_chg++] = p->delta;
        }
    }
    if (warm_end)
        p->first_cycle = issue;
    if (check) {
        const uint64_t l = access_lat(p, ai, drow, n_groups, L);
        if (l > p->limit) {
            uint32_t at = p->q_head + p->q_n;
            if (at >= p->window)
                at -= p->window;
            p->q_idx[at] = i;
            p->q_done[at] = issue + l;
            p->q_n++;
            ++*pending;
        }
    }
    return 0;
}

/* n values v into h, as n calls of mmu_hist_add would. */
static void hist_add_n(mmu_hist *h, uint64_t v, uint64_t n)
{
    if (!n)
        return;
    h->bucket[mmu_hist_index(v)] += n;
    if (v > h->max)
        h->max = v;
    if (v < h->min || h->count == 0)
        h->min = v;
    h->count += n;
    h->sum += n * v;
}

/* The latency object of a class, as mmusim_report_build writes it (the CSV has no histogram). */
static void set_latency(json_t *o, const mmu_hist *h)
{
    json_object_set_new(o, "count", json_integer((json_int_t)h->count));
    json_object_set_new(o, "sum", json_integer((json_int_t)h->sum));
    json_object_set_new(o, "mean", json_real(mmu_hist_mean(h)));
    json_object_set_new(o, "min", json_integer((json_int_t)h->min));
    json_object_set_new(o, "p50", json_integer((json_int_t)mmu_hist_percentile(h, 50)));
    json_object_set_new(o, "p90", json_integer((json_int_t)mmu_hist_percentile(h, 90)));
    json_object_set_new(o, "p99", json_integer((json_int_t)mmu_hist_percentile(h, 99)));
    json_object_set_new(o, "p99_9", json_integer((json_int_t)mmu_hist_percentile(h, 99.9)));
    json_object_set_new(o, "max", json_integer((json_int_t)h->max));
}

/* An array's object, as mmusim_report_build writes it. */
static void set_tlb(json_t *a, const mmu_tlb_stats *ts, uint64_t instructions)
{
    static const char *const tn[MMU_ACCESS_TYPES] = {"read", "write", "fetch"};
    uint64_t h = 0, mi = 0, el = 0;
    json_t *hb = json_object_get(a, "hits_by_type"), *mb = json_object_get(a, "misses_by_type");
    for (int k = 0; k < MMU_ACCESS_TYPES; k++) {
        h += ts->hits[k];
        mi += ts->misses[k];
        el += ts->elsewhere[k];
        json_object_set_new(hb, tn[k], json_integer((json_int_t)ts->hits[k]));
        json_object_set_new(mb, tn[k], json_integer((json_int_t)ts->misses[k]));
    }
    json_object_set_new(a, "lookups", json_integer((json_int_t)(h + mi + el)));
    json_object_set_new(a, "hits", json_integer((json_int_t)h));
    json_object_set_new(a, "misses", json_integer((json_int_t)mi));
    json_object_set_new(a, "hit_elsewhere", json_integer((json_int_t)el));
    json_object_set_new(a, "evictions", json_integer((json_int_t)ts->evictions));
    json_object_set_new(a, "mpki", instructions ? json_real(1000.0 * (double)mi / (double)instructions) : json_null());
    json_object_set_new(a, "fills", json_integer((json_int_t)ts->fills));
    json_object_set_new(a, "invalidations", json_integer((json_int_t)ts->invalidations));
}

int cli_onepass_trace(const char *trace, const cli_onepass_opts *o, const mmu_config *cfgs, size_t n,
                      cli_text *head, cli_text *rows, char *err, size_t errlen)
{
    int rc = -1;
    mmusim_trace *t = NULL;
    mmu *pm = NULL;
    mmu_hist *lat = NULL;
    point_state *ps = calloc(n ? n : 1, sizeof *ps);
    set_group *gr = calloc(n ? n : 1, sizeof *gr);
    mmusim_access *buf = malloc(BATCH * sizeof *buf);
    access_info *ring = NULL; /* the last accesses' answers (see "fast" below) */
    uint32_t *dist = NULL;    /* with each, [translation j][group]: the last level's stack distance */
    size_t n_groups = 0;
    char why[512];
    if (!ps || !gr || !buf)
        goto oom;
    if (n == 0) {
        rc = 0;
        goto out;
    }
    const int vi = cli_onepass_eligible(&cfgs[0], why, sizeof why);
    if (vi < 0) {
        snprintf(err, errlen, "%s: not exact in one pass: %s", trace, why);
        goto out;
    }
    const uint32_t L = cfgs[0].tlb[vi].level;
    /* the fixed levels: the configuration without the last array, simulated by the model */
    if (cfgs[0].n_tlbs > 1) {
        mmu_config pc = cfgs[0];
        memmove(&pc.tlb[vi], &pc.tlb[vi + 1], (pc.n_tlbs - (uint32_t)vi - 1) * sizeof pc.tlb[0]);
        pc.n_tlbs--;
        char msg[512];
        if (mmu_create(&pc, &pm, msg, sizeof msg) != MMU_OK) {
            snprintf(err, errlen, "%s: the levels above tlb.%s: %s", trace, cfgs[0].tlb[vi].name, msg);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const mmu_config *c = &cfgs[i];
        const mmu_tlb_config *tc = &c->tlb[vi];
        point_state *p = &ps[i];
        p->ways = tc->ways;
        uint32_t sets = tc->entries / tc->ways;
        size_t g = 0;
        while (g < n_groups && gr[g].sets != sets)
            g++;
        if (g == n_groups) {
            gr[g].sets = sets;
            n_groups++;
        }
        if (p->ways > gr[g].depth)
            gr[g].depth = p->ways;
        p->group = (uint32_t)g;
        /* a level's latency is its largest array's, per side (mmu.c); a translation pays every level it looked up */
        for (int s = SIDE_I; s <= SIDE_D; s++) {
            uint32_t want = s == SIDE_I ? MMU_SIDE_INSTR : MMU_SIDE_DATA;
            uint64_t levlat[MMU_MAX_TLB_LEVELS + 1] = {0};
            for (uint32_t k = 0; k < c->n_tlbs; k++)
                if ((c->tlb[k].side & want) && c->tlb[k].latency > levlat[c->tlb[k].level])
                    levlat[c->tlb[k].level] = c->tlb[k].latency;
            for (uint32_t l = 1; l <= L; l++)
                p->lat[s][l] = p->lat[s][l - 1] + levlat[l];
            p->walk_lat[s] = p->lat[s][L] + c->walker.latency;
        }
        p->window = c->core.max_outstanding ? c->core.max_outstanding : 1;
        p->interval = c->core.issue_interval;
        p->ring = calloc(p->window, sizeof *p->ring);
        if (!p->ring)
            goto oom;
    }
    for (size_t g = 0; g < n_groups; g++) {
        size_t cells = (size_t)gr[g].sets * gr[g].depth, bins = (size_t)gr[g].sets * (gr[g].depth + 1);
        gr[g].vpn = malloc(cells * sizeof *gr[g].vpn);
        gr[g].asid = malloc(cells * sizeof *gr[g].asid);
        gr[g].used = calloc(gr[g].sets, sizeof *gr[g].used);
        gr[g].hist = calloc(bins, sizeof *gr[g].hist);
        gr[g].thist = calloc((size_t)MMU_ACCESS_TYPES * (gr[g].depth + 1), sizeof *gr[g].thist);
        if (o->warmup)
            gr[g].before = calloc(bins, sizeof *gr[g].before);
        if (!gr[g].vpn || !gr[g].asid || !gr[g].used || !gr[g].hist || !gr[g].thist || (o->warmup && !gr[g].before))
            goto oom;
    }
    /*
     * The issue rule, fast: while no access has its own cycle, access i of a
     * point issues at i x issue_interval + delta, where delta (0 at first)
     * grows only when an access waits for the oldest of max_outstanding in
     * flight, which only an access longer than max_outstanding x
     * issue_interval cycles (its "limit") can make it do, max_outstanding
     * accesses later.  Those are rare (a walk, or two, of a page-crossing
     * access), and an access that no point's latencies can make longer
     * than the smallest limit needs no work per point.  A completion only
     * matters for the last cycle if it is one of the last
     * (max latency - min latency) / issue_interval accesses: a ring of the
     * last `tail` accesses' answers gives each point's last cycle at the
     * end.  Otherwise (an access with its own cycle, an interval of 0) each
     * point follows the rule access by access; the ring also holds the last
     * max_outstanding accesses, from which each point's state is rebuilt
     * on the switch.
     */
    int fast = 1;
    size_t tail = 1, pending = 0;
    uint64_t min_limit = UINT64_MAX, gmax_lat[2][MMU_MAX_TLB_LEVELS + 1] = {{0}}, gmax_walk[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        point_state *p = &ps[i];
        uint64_t maxlat = 0, minlat = UINT64_MAX;
        for (int s = SIDE_I; s <= SIDE_D; s++) {
            if (2 * p->walk_lat[s] > maxlat)
                maxlat = 2 * p->walk_lat[s];
            if (p->lat[s][1] < minlat)
                minlat = p->lat[s][1];
            for (uint32_t l = 1; l <= L; l++)
                if (p->lat[s][l] > gmax_lat[s][l])
                    gmax_lat[s][l] = p->lat[s][l];
            if (p->walk_lat[s] > gmax_walk[s])
                gmax_walk[s] = p->walk_lat[s];
        }
        if (p->interval == 0)
            fast = 0;
        p->limit = (uint64_t)p->window * p->interval;
        if (p->limit < min_limit)
            min_limit = p->limit;
        uint64_t r = p->interval ? (maxlat - minlat) / p->interval + 2 : 1;
        if (r > tail)
            tail = r;
        if (p->window + 1 > tail)
            tail = p->window + 1;
        p->q_idx = malloc(p->window * sizeof *p->q_idx);
        p->q_done = malloc(p->window * sizeof *p->q_done);
        if (!p->q_idx || !p->q_done)
            goto oom;
    }
    ring = calloc(tail, sizeof *ring);
    dist = calloc(tail * 2 * n_groups, sizeof *dist);
    if (!ring || !dist)
        goto oom;
    const int threads = !getenv("MMUSIM_NO_THREADS");
    /* with threads the reader thread decompresses: the stream needs no thread of its own (as in mmusim run) */
    if ((threads ? tbt_trace_open_unthreaded(trace, (mmusim_format)o->format, &t, err, errlen)
                 : mmusim_trace_open(trace, (mmusim_format)o->format, &t, err, errlen)) < 0)
        goto out;
    const unsigned shift = mmu_page_shift((mmu_page_size)cfgs[0].walker.page_size);
    const uint64_t mask = (UINT64_C(1) << shift) - 1;
    uint64_t index = 0, accesses = 0, translations = 0, crossings = 0, instructions = 0;
    uint64_t by_type[MMU_ACCESS_TYPES] = {0};
    uint64_t fixed_hits[2][MMU_MAX_TLB_LEVELS + 1] = {{0}}; /* [side][level]: hits in the fixed levels */
    int has_cycles = 0;
    uint64_t last_vpn = UINT64_MAX, repeats[MMU_ACCESS_TYPES] = {0};
    uint32_t last_asid = UINT32_MAX;
    long got;
    /* the trace is parsed on a second thread, as mmusim run does */
    mmusim_async *as = threads ? mmusim_async_start(t) : NULL;
    const mmusim_access *batch = buf;
    int stopped = 0;
    while ((got = as ? mmusim_async_read(as, &batch, err, errlen) : mmusim_trace_read(t, buf, BATCH, err, errlen)) > 0) {
        if (o->stop && o->stop()) {
            stopped = 1;
            break;
        }
        for (long b = 0; b < got; b++, index++) {
            const mmusim_access *a = &batch[b];
            const int warm_end = o->warmup && index == o->warmup;
            if (warm_end) { /* the counters start here (mmusim run --warmup) */
                for (size_t g = 0; g < n_groups; g++)
                    memcpy(gr[g].before, gr[g].hist, (size_t)gr[g].sets * (gr[g].depth + 1) * sizeof *gr[g].hist);
                if (pm)
                    mmu_clear_stats(pm);
                for (size_t i = 0; i < n; i++)
                    ps[i].last_cycle = 0;
            }
            const int counted = index >= o->warmup;
            const int type = a->type < MMU_ACCESS_TYPES ? a->type : MMU_READ;
            const int side = type == MMU_FETCH ? SIDE_I : SIDE_D;
            has_cycles |= a->has_cycle;
            if (fast && a->has_cycle) { /* each point's issue state, from the accesses so far */
                fast = 0;
                for (size_t i = 0; i < n; i++) {
                    point_state *p = &ps[i];
                    p->pos = (uint32_t)(index % p->window);
                    p->next_issue = index * p->interval + p->delta;
                    for (uint64_t j = index > p->window ? index - p->window : 0; j < index; j++) {
                        p->ring[j % p->window] = ring_done(p, ring, dist, tail, n_groups, L, j);
                    }
                    ring_last_cycle(p, ring, dist, tail, n_groups, L, index, o->warmup);
                }
            }
            access_info *ai = &ring[index % tail];
            uint32_t *drow = dist + (index % tail) * 2 * n_groups;
            /* the translations: the fixed levels answer, or the last level is looked up */
            int k, level[2] = {0, 0};
            uint64_t va[2];
            if (pm) {
                mmu_request req = {a->vaddr, 0, a->size, a->asid, a->type, MMU_PRIV_USER, 0};
                mmu_response resp[2];
                k = mmu_access(pm, &req, resp);
                va[0] = a->vaddr;
                if (k == 2)
                    va[1] = (a->vaddr | ((UINT64_C(1) << mmu_page_shift((mmu_page_size)resp[0].page_size)) - 1)) + 1;
                for (int j = 0; j < k; j++)
                    level[j] = resp[j].outcome == MMU_OUT_TLB ? resp[j].level : 0;
            } else {
                uint64_t size = a->size ? a->size : 1;
                uint64_t last = a->vaddr + (size - 1), page_end = a->vaddr | mask;
                k = last <= page_end || last < a->vaddr ? 1 : 2;
                va[0] = a->vaddr;
                va[1] = page_end + 1;
            }
            if (counted) {
                accesses++;
                instructions += a->type == MMU_FETCH;
                translations += (uint64_t)k;
                crossings += k == 2;
                by_type[type] += (uint64_t)k;
            }
            for (int j = 0; j < k; j++) {
                if (level[j]) {
                    fixed_hits[side][level[j]] += (uint64_t)counted;
                    continue;
                }
                uint64_t vpn = va[j] >> shift;
                if (vpn == last_vpn && a->asid == last_asid) {
                    /* the page just looked up: distance 0 in every group, no stack moves (bin 0 of
                       the per-set histograms never counts: a hit at every associativity) */
                    for (size_t g = 0; g < n_groups; g++)
                        drow[(size_t)j * n_groups + g] = 0;
                    repeats[type] += (uint64_t)counted;
                    continue;
                }
                last_vpn = vpn;
                last_asid = a->asid;
                for (size_t g = 0; g < n_groups; g++) {
                    set_group *sg = &gr[g];
                    uint32_t set = (uint32_t)(vpn % sg->sets);
                    uint32_t d = touch(sg, set, vpn, a->asid);
                    drow[(size_t)j * n_groups + g] = d;
                    sg->hist[(size_t)set * (sg->depth + 1) + d]++;
                    if (counted)
                        sg->thist[(size_t)type * (sg->depth + 1) + d]++;
                }
            }
            ai->index = index;
            ai->k = (uint8_t)k;
            ai->side = (uint8_t)side;
            ai->level[0] = (uint8_t)level[0];
            ai->level[1] = (uint8_t)level[1];
            if (fast) {
                uint64_t bound = 0;
                for (int j = 0; j < k; j++)
                    bound += level[j] ? gmax_lat[side][level[j]] : gmax_walk[side];
                const int check = bound > min_limit;
                if (check || pending || warm_end)
                    for (size_t i = 0; i < n; i++)
                        if (fast_step(&ps[i], index, ai, drow, n_groups, L, check, warm_end, &pending) != 0)
                            goto oom_stop;
                continue;
            }
            /* each point's issue rule (driver.c): wait for the oldest of max_outstanding, or the
               interval; a page-crossing access translates its second page when the first is done */
            for (size_t i = 0; i < n; i++) {
                point_state *p = &ps[i];
                const uint64_t l = access_lat(p, ai, drow, n_groups, L);
                uint64_t issue;
                if (a->has_cycle) {
                    issue = a->cycle;
                } else {
                    issue = p->ring[p->pos] > p->next_issue ? p->ring[p->pos] : p->next_issue;
                }
                const uint64_t done = issue + l;
                p->ring[p->pos] = done;
                if (++p->pos == p->window)
                    p->pos = 0;
                p->next_issue = issue + p->interval;
                if (warm_end)
                    p->first_cycle = issue;
                if (counted && done > p->last_cycle)
                    p->last_cycle = done;
            }
        }
    }
    if (0) {
oom_stop:
        mmusim_async_stop(as);
        goto oom;
    }
    mmusim_async_stop(as);
    if (fast) /* each point's last cycle, from the last accesses */
        for (size_t i = 0; i < n; i++) {
            point_state *p = &ps[i];
            ring_last_cycle(p, ring, dist, tail, n_groups, L, index, o->warmup);
        }
    if (stopped) {
        rc = 1;
        goto out;
    }
    if (got < 0)
        goto out;
    if (o->warmup && index <= o->warmup) {
        snprintf(err, errlen, "%s: --warmup %llu: the trace has only %llu accesses", trace,
                 (unsigned long long)o->warmup, (unsigned long long)index);
        goto out;
    }
    for (size_t g = 0; g < n_groups; g++)
        for (int y = 0; y < MMU_ACCESS_TYPES; y++)
            gr[g].thist[(size_t)y * (gr[g].depth + 1)] += repeats[y];
    /* each point from its group's histograms: a lookup at distance d hits with more than d ways;
       a set that missed M times with W ways evicted max(0, M - W) times (it fills before it evicts) */
    for (size_t i = 0; i < n; i++) {
        point_state *p = &ps[i];
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

    /* the rows, by the writers of mmusim run, from an MMU of each point's configuration */
    lat = malloc(MMU_LAT_CLASSES * sizeof *lat);
    if (!lat)
        goto oom;
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    info.trace_path = trace;
    info.trace_format = mmusim_format_name(mmusim_trace_format(t));
    info.compression = mmusim_trace_compression(t);
    info.accesses = accesses;
    info.translations = translations;
    info.crossings = crossings;
    info.instructions = instructions;
    info.warmup = o->warmup;
    info.has_cycles = has_cycles;
    info.preset = o->preset;
    const mmu_stats *fs = pm ? mmu_get_stats(pm) : NULL;
    for (size_t i = 0; i < n; i++) {
        const point_state *p = &ps[i];
        const mmu_config *c = &cfgs[i];
        mmu *m;
        char msg[512];
        if (mmu_create(c, &m, msg, sizeof msg) != MMU_OK) {
            snprintf(err, errlen, "%s: %s", trace, msg);
            goto out;
        }
        info.first_cycle = p->first_cycle;
        info.last_cycle = p->last_cycle;
        json_t *doc = mmusim_report_build(m, &info);
        mmu_destroy(m);
        if (!doc)
            goto oom;
        uint64_t vh[2] = {0, 0}, vm[2] = {0, 0}, walks = 0;
        mmu_tlb_stats vs;
        memset(&vs, 0, sizeof vs);
        for (int y = 0; y < MMU_ACCESS_TYPES; y++) {
            int s = y == MMU_FETCH ? SIDE_I : SIDE_D;
            vh[s] += p->hits[y];
            vm[s] += p->misses[y];
            vs.hits[y] = p->hits[y];
            vs.misses[y] = p->misses[y];
            vs.fills += p->misses[y];
            walks += p->misses[y];
        }
        vs.evictions = p->evictions;
        json_t *by = json_object_get(doc, "translations_by_type");
        static const char *const tn[MMU_ACCESS_TYPES] = {"read", "write", "fetch"};
        for (int y = 0; y < MMU_ACCESS_TYPES; y++)
            json_object_set_new(by, tn[y], json_integer((json_int_t)by_type[y]));
        json_t *tlb = json_object_get(doc, "tlb");
        set_tlb(json_object_get(tlb, c->tlb[vi].name), &vs, instructions);
        for (uint32_t a = 0; pm && a < mmu_tlb_count(pm); a++) {
            const mmu_tlb *ft = mmu_get_tlb(pm, a);
            set_tlb(json_object_get(tlb, mmu_tlb_get_config(ft)->name), mmu_tlb_get_stats(ft), instructions);
        }
        json_t *levels = json_object_get(doc, "tlb_levels");
        for (uint32_t l = 0; l < L; l++) {
            json_t *lo = json_array_get(levels, l);
            uint64_t lk = l + 1 < L ? fs->level[l].lookups : vh[0] + vh[1] + vm[0] + vm[1];
            uint64_t lh = l + 1 < L ? fs->level[l].hits : vh[0] + vh[1];
            uint64_t lm = l + 1 < L ? fs->level[l].misses : vm[0] + vm[1];
            json_object_set_new(lo, "lookups", json_integer((json_int_t)lk));
            json_object_set_new(lo, "hits", json_integer((json_int_t)lh));
            json_object_set_new(lo, "misses", json_integer((json_int_t)lm));
        }
        json_t *w = json_object_get(doc, "walker");
        json_object_set_new(w, "walks", json_integer((json_int_t)walks));
        json_object_set_new(w, "miss_walks", json_integer((json_int_t)walks));
        /* latencies: a hit at level l costs the lookups of levels 1..l; a walk all levels and walker.latency */
        for (int cl = 0; cl < MMU_LAT_CLASSES; cl++)
            mmu_hist_clear(&lat[cl]);
        for (int s = SIDE_I; s <= SIDE_D; s++) {
            for (uint32_t l = 1; l < L; l++)
                hist_add_n(&lat[l], p->lat[s][l], fixed_hits[s][l]);
            hist_add_n(&lat[L], p->lat[s][L], vh[s]);
            hist_add_n(&lat[MMU_LAT_WALK], p->walk_lat[s], vm[s]);
        }
        for (int cl = 1; cl < MMU_LAT_CLASSES; cl++)
            mmu_hist_merge(&lat[MMU_LAT_ALL], &lat[cl]);
        json_t *lo = json_object_get(doc, "latency");
        for (int cl = 0; cl < MMU_LAT_CLASSES; cl++)
            set_latency(json_object_get(lo, mmu_lat_class_name((mmu_lat_class)cl)), &lat[cl]);
        char *h = NULL, *r = NULL;
        int bad = mmusim_report_csv_text(doc, &h, &r);
        json_decref(doc);
        if (!bad) {
            if (head && head->n == 0)
                bad |= text_add(head, h, strlen(h));
            bad |= text_add(rows, r, strlen(r));
        }
        free(h);
        free(r);
        if (bad)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "%s: out of memory for one pass", trace);
out:
    if (t)
        mmusim_trace_close(t);
    mmu_destroy(pm);
    for (size_t g = 0; gr && g < n_groups; g++) {
        free(gr[g].vpn);
        free(gr[g].asid);
        free(gr[g].used);
        free(gr[g].hist);
        free(gr[g].before);
        free(gr[g].thist);
    }
    for (size_t i = 0; ps && i < n; i++) {
        free(ps[i].ring);
        free(ps[i].chg_idx);
        free(ps[i].chg_delta);
        free(ps[i].q_idx);
        free(ps[i].q_done);
    }
    free(ps);
    free(gr);
    free(buf);
    free(dist);
    free(ring);
    free(lat);
    return rc;
}
