/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_walkers.c - unit tests of the walker pool timing (model/walkers.c):
 * simultaneous misses, merging, a hand-worked queueing example, a long
 * random stream checked against independent invariants (no walker runs two
 * walks at once, throughput <= walkers / mean walk time, work conservation,
 * exact merge decisions), out-of-order issue, the bounded in-flight table
 * (and its indexes against a plain scan of the table, small tables and
 * large ones retiring many entries at once),
 * API contract errors and configuration checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmusim/walkers.h"

static mmu_walkers *make(uint32_t count, uint32_t max_inflight, uint32_t merge)
{
    mmu_walkers_config c;
    mmu_walkers_config_defaults(&c);
    c.count = count;
    c.max_inflight = max_inflight;
    c.merge = merge;
    mmu_walkers *p = NULL;
    assert_int_equal(mmu_walkers_create(&c, &p), MMU_OK);
    assert_non_null(p);
    return p;
}

/* One request: a new walk of duration dur, or a merge.  Returns the
 * completion cycle and fills *g. */
static uint64_t request(mmu_walkers *p, uint64_t issue, uint64_t key, uint64_t dur,
                        mmu_walk_grant *g)
{
    mmu_walk_grant tmp;
    if (g == NULL)
        g = &tmp;
    assert_int_equal(mmu_walkers_begin(p, issue, key, g), MMU_OK);
    if (g->merged)
        return g->done_cycle;
    uint64_t done = 0;
    assert_int_equal(mmu_walkers_end(p, key, g->start_cycle, dur, &done), MMU_OK);
    assert_int_equal(done, g->start_cycle + dur);
    return done;
}

/* N misses to distinct pages at the same cycle, W walkers: request k
 * completes after (k / W + 1) walk times, the last after ceil(N/W). */
static void test_simultaneous_misses(void **state)
{
    (void)state;
    const uint64_t t0 = 5, dur = 20;
    for (uint32_t w = 1; w <= 4; w++) {
        for (uint32_t n = 1; n <= 12; n++) {
            mmu_walkers *p = make(w, 64, 1);
            uint64_t last = 0, queued = 0;
            for (uint32_t k = 0; k < n; k++) {
                mmu_walk_grant g;
                uint64_t done = request(p, t0, mmu_walk_key(1, 0x1000 + k), dur, &g);
                assert_int_equal(g.merged, 0);
                assert_int_equal(g.start_cycle, t0 + (k / w) * dur);
                assert_int_equal(g.queue_cycles, (k / w) * dur);
                assert_int_equal(done, t0 + (k / w + 1) * dur);
                queued += g.queue_cycles;
                last = done;
            }
            assert_int_equal(last, t0 + ((n + w - 1) / w) * dur);
            mmu_walkers_stats s;
            mmu_walkers_get_stats(p, &s);
            assert_int_equal(s.walks, n);
            assert_int_equal(s.merged, 0);
            assert_int_equal(s.queue_cycles, queued);
            assert_int_equal(s.max_queue_delay, ((n - 1) / w) * dur);
            mmu_walkers_destroy(p);
        }
    }
}

static void test_same_page_merges(void **state)
{
    (void)state;
    mmu_walkers *p = make(2, 64, 1);
    const uint64_t key = mmu_walk_key(3, 0x7fff1);
    mmu_walk_grant g;
    uint64_t done = request(p, 100, key, 60, &g);
    assert_int_equal(done, 160);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(request(p, 100 + 10 * i, key, 999, &g), 160);
        assert_int_equal(g.merged, 1);
        assert_int_equal(g.start_cycle, 100);
        assert_int_equal(g.walker, 0);
    }
    /* the same VPN in another address space is another page */
    assert_int_equal(request(p, 100, mmu_walk_key(4, 0x7fff1), 60, &g), 160);
    assert_int_equal(g.merged, 0);
    assert_int_equal(g.walker, 1);

    mmu_walkers_stats s;
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.walks, 2);
    assert_int_equal(s.merged, 4);
    assert_int_equal(s.merged_wait_cycles, 60 + 50 + 40 + 30);
    assert_int_equal(s.busy_cycles[0], 60);
    assert_int_equal(s.busy_cycles[1], 60);
    mmu_walkers_destroy(p);

    /* merging off: every request walks */
    p = make(2, 64, 0);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(request(p, 100, key, 60, &g), 100 + (i / 2 + 1) * 60);
        assert_int_equal(g.merged, 0);
    }
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.walks, 5);
    assert_int_equal(s.merged, 0);
    mmu_walkers_destroy(p);
}

/* The worked example of docs/timing.md. */
static void test_worked_example(void **state)
{
    (void)state;
    mmu_walkers *p = make(2, 64, 1);
    const uint64_t A = 0xA, B = 0xB, C = 0xC, D = 0xD, E = 0xE;
    mmu_walk_grant g;

    assert_int_equal(request(p, 0, A, 100, &g), 100); /* W0 0..100 */
    assert_int_equal(g.walker, 0);
    assert_int_equal(g.queue_cycles, 0);
    assert_int_equal(request(p, 0, B, 80, &g), 80); /* W1 0..80 */
    assert_int_equal(g.walker, 1);
    assert_int_equal(request(p, 10, C, 50, &g), 130); /* waits for W1: 80..130 */
    assert_int_equal(g.walker, 1);
    assert_int_equal(g.start_cycle, 80);
    assert_int_equal(g.queue_cycles, 70);
    assert_int_equal(request(p, 20, A, 0, &g), 100); /* joins A */
    assert_true(g.merged);
    assert_int_equal(request(p, 30, D, 40, &g), 140); /* waits for W0: 100..140 */
    assert_int_equal(g.walker, 0);
    assert_int_equal(g.queue_cycles, 70);
    assert_int_equal(request(p, 100, A, 0, &g), 100); /* done >= issue: still joins */
    assert_true(g.merged);
    assert_int_equal(request(p, 101, A, 10, &g), 140); /* A retired: new walk, W1 130..140 */
    assert_false(g.merged);
    assert_int_equal(g.walker, 1);
    assert_int_equal(g.queue_cycles, 29);
    assert_int_equal(request(p, 145, E, 5, &g), 150); /* both free since 140: W0 */
    assert_int_equal(g.walker, 0);
    assert_int_equal(g.queue_cycles, 0);

    mmu_walkers_stats s;
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.walks, 6);
    assert_int_equal(s.merged, 2);
    assert_int_equal(s.merged_wait_cycles, 80);
    assert_int_equal(s.queue_cycles, 169);
    assert_int_equal(s.queued_walks, 3);
    assert_int_equal(s.max_queue_delay, 70);
    assert_int_equal(s.walk_cycles, 285);
    assert_int_equal(s.busy_cycles[0], 145);
    assert_int_equal(s.busy_cycles[1], 140);
    assert_int_equal(s.walker_walks[0], 3);
    assert_int_equal(s.walker_walks[1], 3);
    assert_int_equal(s.first_issue, 0);
    assert_int_equal(s.last_done, 150);
    assert_int_equal(s.late_issues, 0);
    mmu_walkers_destroy(p);
}

/* ---- long random streams ---- */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) /* uniform in [0, n) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

typedef struct walk_rec {
    uint64_t start, done;
    uint32_t walker;
} walk_rec;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Drive n requests with issue gaps in [0, max_gap], keys among n_keys pages
 * (0: every request a new page) and durations in [min_dur, max_dur]; check
 * every invariant on the way and return the counters.
 */
static void random_stream(uint32_t w, uint32_t n, uint32_t max_gap, uint32_t n_keys,
                          uint32_t min_dur, uint32_t max_dur, mmu_walkers_stats *out)
{
    mmu_walkers *p = make(w, 256, 1);
    walk_rec *walks = calloc(n, sizeof *walks);
    uint64_t *key_done = calloc(n_keys ? n_keys : 1, sizeof *key_done); /* 0: never walked */
    uint64_t *free_at = calloc(w, sizeof *free_at);
    assert_non_null(walks);
    assert_non_null(key_done);
    assert_non_null(free_at);
    uint32_t n_walks = 0;
    uint64_t issue = 1;

    for (uint32_t i = 0; i < n; i++) {
        issue += rnd(max_gap + 1);
        uint64_t k = n_keys ? rnd(n_keys) : i;
        mmu_walk_grant g;
        assert_int_equal(mmu_walkers_begin(p, issue, k, &g), MMU_OK);
        if (n_keys == 0) {
            assert_false(g.merged);
        } else if (g.merged) {
            /* merges exactly when the page's last walk completes at or after issue */
            assert_true(key_done[k] != 0 && key_done[k] >= issue);
            assert_int_equal(g.done_cycle, key_done[k]);
            continue;
        }
        if (n_keys != 0)
            assert_true(key_done[k] < issue);
        assert_true(g.start_cycle >= issue);
        assert_int_equal(g.queue_cycles, g.start_cycle - issue);
        /* work conserving: a walk waits only if every walker is busy at issue,
         * and then exactly until the first one frees */
        uint64_t first_free = UINT64_MAX;
        for (uint32_t j = 0; j < w; j++) {
            free_at[j] = mmu_walkers_free_cycle(p, j);
            if (free_at[j] < first_free)
                first_free = free_at[j];
        }
        if (g.queue_cycles > 0)
            assert_int_equal(g.start_cycle, first_free);
        else
            assert_true(first_free <= issue);
        assert_true(g.walker < w);
        assert_true(g.start_cycle >= free_at[g.walker]); /* no overlap on a walker */

        uint64_t dur = min_dur + rnd(max_dur - min_dur + 1);
        uint64_t done;
        assert_int_equal(mmu_walkers_end(p, k, g.start_cycle, dur, &done), MMU_OK);
        walks[n_walks++] = (walk_rec){ g.start_cycle, done, g.walker };
        if (n_keys != 0)
            key_done[k] = done;
    }

    mmu_walkers_get_stats(p, out);
    assert_int_equal(out->walks, n_walks);
    assert_int_equal(out->walks + out->merged, n);
    if (n_keys != 0) /* the exact merge checks above assume no overflow */
        assert_int_equal(out->inflight_overflows, 0);

    /* independent of the walker indices: at no cycle do more than w walks
     * run (sweep over starts and ends; an end at t frees before a start at t) */
    uint64_t *starts = calloc(n_walks, sizeof *starts);
    uint64_t *ends = calloc(n_walks, sizeof *ends);
    assert_non_null(starts);
    assert_non_null(ends);
    uint64_t busy = 0;
    for (uint32_t i = 0; i < n_walks; i++) {
        starts[i] = walks[i].start;
        ends[i] = walks[i].done;
        busy += walks[i].done - walks[i].start;
    }
    qsort(starts, n_walks, sizeof *starts, cmp_u64);
    qsort(ends, n_walks, sizeof *ends, cmp_u64);
    uint32_t running = 0, max_running = 0, e = 0;
    for (uint32_t i = 0; i < n_walks; i++) {
        while (e < n_walks && ends[e] <= starts[i]) {
            e++;
            running--;
        }
        running++;
        if (running > max_running)
            max_running = running;
    }
    assert_true(max_running <= w);
    assert_int_equal(busy, out->walk_cycles);
    uint64_t per_walker = 0;
    for (uint32_t j = 0; j < w; j++)
        per_walker += out->busy_cycles[j];
    assert_int_equal(per_walker, out->walk_cycles);

    /* throughput: walks / elapsed <= w / mean walk time, i.e. the walkers
     * were never busier than w * elapsed */
    uint64_t elapsed = out->last_done - out->first_issue;
    assert_true(out->walk_cycles <= (uint64_t)w * elapsed);

    free(starts);
    free(ends);
    free(walks);
    free(key_done);
    free(free_at);
    mmu_walkers_destroy(p);
}

static void test_random_stream_throughput(void **state)
{
    (void)state;
    mmu_walkers_stats s;

    /* light load (about 55%), few pages: many merges */
    rng_state = 42;
    random_stream(2, 40000, 200, 16, 20, 200, &s);
    assert_true(s.merged > 1000);
    assert_true(s.walks > 1000);
    assert_true(s.queued_walks > 0);

    /* busier (about 75%), many pages */
    rng_state = 1234;
    random_stream(4, 40000, 60, 4096, 30, 150, &s);
    assert_true(s.queued_walks > 1000);

    /* overload: new pages, gaps far shorter than walks (the in-flight table
     * overflows); the pool runs at, never above, its capacity: the walkers'
     * idle time is only the ramp at both ends */
    rng_state = 7;
    random_stream(3, 40000, 10, 0, 20, 200, &s);
    uint64_t elapsed = s.last_done - s.first_issue;
    assert_true(s.walk_cycles <= 3 * elapsed);
    assert_true(s.walk_cycles + 3 * 250 >= 3 * elapsed);
    assert_true(s.max_queue_delay > 100000);
    assert_true(s.inflight_overflows > 0);
}

/* Issue cycles earlier than a previous one. */
static void test_out_of_order(void **state)
{
    (void)state;
    mmu_walk_grant g;
    mmu_walkers_stats s;

    mmu_walkers *p = make(1, 16, 1);
    assert_int_equal(request(p, 100, 1, 50, &g), 150);
    /* earlier request, other page: cannot use the idle time before 100 */
    assert_int_equal(request(p, 50, 2, 10, &g), 160);
    assert_int_equal(g.start_cycle, 150);
    assert_int_equal(g.queue_cycles, 100);
    /* earlier request for page 1 joins the walk granted before it */
    assert_int_equal(request(p, 60, 1, 10, &g), 150);
    assert_true(g.merged);
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.late_issues, 2);
    assert_int_equal(s.first_issue, 50);
    assert_int_equal(s.last_done, 160);
    mmu_walkers_destroy(p);

    /* the chosen walker is the free one that freed last, which keeps the
     * longest-idle walker for a late request */
    p = make(2, 16, 1);
    assert_int_equal(request(p, 0, 1, 10, &g), 10); /* W0 0..10 */
    assert_int_equal(g.walker, 0);
    assert_int_equal(request(p, 100, 2, 10, &g), 110); /* W0 (free since 10) */
    assert_int_equal(g.walker, 0);
    assert_int_equal(request(p, 5, 3, 10, &g), 15); /* late, W1 idle since 0 */
    assert_int_equal(g.walker, 1);
    assert_int_equal(g.queue_cycles, 0);
    /* a late request for a page whose walk a later request retired does not
     * see that walk: a new walk, on the walker that frees first (W1 at 15) */
    assert_int_equal(request(p, 200, 4, 10, &g), 210); /* W0; retires pages 1-3 */
    assert_int_equal(g.walker, 0);
    assert_int_equal(request(p, 8, 1, 10, &g), 25);
    assert_false(g.merged);
    assert_int_equal(g.walker, 1);
    assert_int_equal(g.start_cycle, 15);
    mmu_walkers_destroy(p);
}

/* The in-flight table is bounded: retirement and overflow. */
static void test_inflight_table(void **state)
{
    (void)state;
    mmu_walk_grant g;
    mmu_walkers_stats s;
    uint64_t done;

    mmu_walkers *p = make(1, 1, 1);
    assert_int_equal(request(p, 0, 1, 100, &g), 100);
    assert_int_equal(mmu_walkers_inflight(p, 0, 1, &done), 1);
    assert_int_equal(done, 100);
    assert_int_equal(mmu_walkers_inflight(p, 100, 1, NULL), 1);
    assert_int_equal(mmu_walkers_inflight(p, 101, 1, NULL), 0);
    assert_int_equal(mmu_walkers_inflight(p, 0, 2, NULL), 0);
    /* table full (capacity 1) of a walk still in flight: it is dropped */
    assert_int_equal(request(p, 0, 2, 100, &g), 200);
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.inflight_overflows, 1);
    assert_int_equal(mmu_walkers_inflight(p, 0, 1, NULL), 0);
    assert_int_equal(mmu_walkers_inflight(p, 0, 2, NULL), 1);
    /* page 1 lost its chance to be joined: a second walk (which drops page 2) */
    assert_int_equal(request(p, 10, 1, 100, &g), 300);
    assert_false(g.merged);
    assert_int_equal(request(p, 20, 1, 100, &g), 300);
    assert_true(g.merged);
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.inflight_overflows, 2);
    /* completed walks are retired, not overflowed */
    assert_int_equal(request(p, 400, 5, 10, &g), 410);
    assert_int_equal(request(p, 500, 6, 10, &g), 510);
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.inflight_overflows, 2);
    mmu_walkers_destroy(p);
}

/* ---- the in-flight table against a plain scan ---- */

/* The table as a dense array scanned in place order (the rules of
 * model/walkers.c, written the simplest way): retire moves the last entry
 * into each retired place and looks at that place again; a lookup takes the
 * lowest place; a full table drops the earliest done, lowest place first. */
typedef struct ref_walk {
    uint64_t key, start, done;
    uint32_t walker;
} ref_walk;

#define REF_MAX 200 /* largest table of the scan */

typedef struct ref_pool {
    uint32_t count, cap, n;
    uint64_t free_at[8];
    ref_walk t[REF_MAX];
    uint64_t overflows, merged;
    int open;
    ref_walk grant;
} ref_pool;

static void ref_retire(ref_pool *r, uint64_t cycle)
{
    uint32_t i = 0;
    while (i < r->n) {
        if (r->t[i].done < cycle)
            r->t[i] = r->t[--r->n];
        else
            i++;
    }
}

static const ref_walk *ref_find(const ref_pool *r, uint64_t key, uint64_t cycle)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->t[i].key == key && r->t[i].done >= cycle)
            return &r->t[i];
    return NULL;
}

static void ref_add(ref_pool *r, ref_walk w)
{
    if (r->n == r->cap) {
        uint32_t first = 0;
        for (uint32_t i = 1; i < r->n; i++)
            if (r->t[i].done < r->t[first].done)
                first = i;
        r->t[first] = r->t[--r->n];
        r->overflows++;
    }
    r->t[r->n++] = w;
}

/* begin: 1 and the grant's start and walker when a walk must be made, 0
   and the joined walk's start, done and walker when merged. */
static int ref_begin(ref_pool *r, uint64_t issue, uint64_t key, uint64_t *start, uint64_t *done,
                     uint32_t *walker)
{
    ref_retire(r, issue);
    const ref_walk *w = ref_find(r, key, issue);
    if (w != NULL) {
        r->merged++;
        *start = w->start;
        *done = w->done;
        *walker = w->walker;
        return 0;
    }
    uint32_t best = UINT32_MAX, busy = 0;
    for (uint32_t k = 0; k < r->count; k++) {
        uint64_t f = r->free_at[k];
        if (f <= issue) {
            if (best == UINT32_MAX || f > r->free_at[best])
                best = k;
        } else if (f < r->free_at[busy] || r->free_at[busy] <= issue) {
            busy = k;
        }
    }
    uint32_t k = best != UINT32_MAX ? best : busy;
    *start = r->free_at[k] > issue ? r->free_at[k] : issue;
    *walker = k;
    r->grant = (ref_walk){ key, *start, 0, k };
    r->open = 1;
    return 1;
}

static void ref_end(ref_pool *r, uint64_t dur)
{
    ref_walk w = r->grant;
    w.done = w.start + dur;
    r->free_at[w.walker] = w.done;
    r->open = 0;
    ref_add(r, w);
}

static void ref_pending(ref_pool *r, uint64_t key, uint64_t done)
{
    for (uint32_t i = 0; i < r->n; i++) {
        if (r->t[i].key == key) {
            if (done > r->t[i].done)
                r->t[i].done = done;
            return;
        }
    }
    ref_add(r, (ref_walk){ key, done, done, UINT32_MAX });
}

/*
 * rounds random pools (1 to max_count walkers, count to max_cap entries),
 * each driven by ops random begins, ends, pendings (also inside a
 * begin-end pair, which gives two entries of one key), late issues, equal
 * completion cycles and overflows, and with jumps every jump_every ops (0:
 * none) a leap forward in time that retires many entries at once: every
 * grant, merge, lookup and count as the scan gives.
 */
static void vs_scan(uint64_t seed, uint32_t rounds, uint32_t ops, uint32_t max_cap,
                    uint32_t max_count, uint32_t jump_every)
{
    rng_state = seed;
    for (uint32_t round = 0; round < rounds; round++) {
        ref_pool r;
        memset(&r, 0, sizeof r);
        r.count = 1 + rnd(max_count);
        r.cap = r.count + rnd(max_cap - r.count + 1);
        uint32_t keys = jump_every ? 2 + rnd(3 * r.cap) : 2 + rnd(20);
        mmu_walkers *p = make(r.count, r.cap, 1);
        uint64_t now = 0;
        for (uint32_t op = 0; op < ops; op++) {
            now += rnd(4);
            if (jump_every && rnd(jump_every) == 0)
                now += 20 + rnd(400);
            uint64_t issue = rnd(8) == 0 && now > 20 ? now - rnd(20) : now; /* late issues */
            uint64_t key = rnd(keys);
            if (rnd(6) == 0) {
                uint64_t d = issue + 5 * rnd(5);
                mmu_walkers_pending(p, key, d);
                ref_pending(&r, key, d);
            } else {
                mmu_walk_grant g;
                uint64_t start = 0, done = 0;
                uint32_t walker = 0;
                assert_int_equal(mmu_walkers_begin(p, issue, key, &g), MMU_OK);
                int walk = ref_begin(&r, issue, key, &start, &done, &walker);
                assert_int_equal(!g.merged, walk);
                assert_int_equal(g.start_cycle, start);
                assert_int_equal(g.walker, walker);
                if (walk) {
                    assert_int_equal(g.queue_cycles, start - issue);
                    if (rnd(10) == 0) { /* a pending for the same page before the end */
                        mmu_walkers_pending(p, key, issue + 3);
                        ref_pending(&r, key, issue + 3);
                    }
                    uint64_t dur = 5 * (1 + rnd(4));
                    assert_int_equal(mmu_walkers_end(p, key, g.start_cycle, dur, &done), MMU_OK);
                    ref_end(&r, dur);
                } else {
                    assert_int_equal(g.done_cycle, done);
                }
            }
            for (uint64_t k = 0; k < keys && k < 40; k++) {
                uint64_t c = now - (now > 10 ? rnd(10) : 0) + rnd(10), d = 0;
                const ref_walk *w = ref_find(&r, k, c);
                assert_int_equal(mmu_walkers_inflight(p, c, k, &d), w != NULL);
                if (w != NULL)
                    assert_int_equal(d, w->done);
            }
        }
        mmu_walkers_stats s;
        mmu_walkers_get_stats(p, &s);
        assert_int_equal(s.inflight_overflows, r.overflows);
        assert_int_equal(s.merged, r.merged);
        mmu_walkers_destroy(p);
    }
}

/* Small tables (up to 16 entries), few keys: many merges, duplicate keys
 * and overflows with ties. */
static void test_inflight_vs_scan(void **state)
{
    (void)state;
    vs_scan(99, 200, 3000, 16, 3, 0);
}

/* Tables of up to 200 entries (a bitmap of several words), up to 4
 * walkers, many keys and leaps in time: retirements of one, two, a few and
 * many entries at once, every case of their moves. */
static void test_inflight_vs_scan_bursts(void **state)
{
    (void)state;
    vs_scan(7, 60, 4000, REF_MAX, 4, 50);
}

static void test_contract(void **state)
{
    (void)state;
    mmu_walk_grant g;
    mmu_walkers_stats s;
    uint64_t done = 0;
    mmu_walkers *p = make(2, 16, 1);

    assert_int_equal(mmu_walkers_end(p, 1, 0, 10, &done), MMU_EINVAL); /* nothing granted */
    assert_int_equal(mmu_walkers_begin(p, 10, 1, &g), MMU_OK);
    assert_int_equal(mmu_walkers_begin(p, 10, 2, &g), MMU_EINVAL); /* grant still open */
    assert_int_equal(g.start_cycle, 10);                           /* untouched */
    assert_int_equal(mmu_walkers_end(p, 2, 10, 10, &done), MMU_EINVAL); /* wrong key */
    assert_int_equal(mmu_walkers_end(p, 1, 11, 10, &done), MMU_EINVAL); /* wrong start */
    mmu_walkers_cancel(p);
    assert_int_equal(mmu_walkers_end(p, 1, 10, 10, &done), MMU_EINVAL); /* cancelled */
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.walks, 0);
    assert_int_equal(mmu_walkers_free_cycle(p, 0), 0);
    assert_int_equal(mmu_walkers_free_cycle(p, 99), 0);

    /* overflow of start + duration */
    const uint64_t late = UINT64_MAX - 5;
    assert_int_equal(mmu_walkers_begin(p, late, 1, &g), MMU_OK);
    assert_int_equal(mmu_walkers_end(p, 1, late, 10, &done), MMU_ERANGE);
    assert_int_equal(mmu_walkers_end(p, 1, late, 5, &done), MMU_OK);
    assert_int_equal(done, UINT64_MAX);

    assert_int_equal(mmu_walkers_begin(NULL, 0, 1, &g), MMU_EINVAL);
    assert_int_equal(mmu_walkers_begin(p, 0, 1, NULL), MMU_EINVAL);
    mmu_walkers_cancel(NULL);

    /* clear_stats keeps the walkers busy; reset frees them */
    mmu_walkers_clear_stats(p);
    mmu_walkers_get_stats(p, &s);
    assert_int_equal(s.walks, 0);
    assert_int_equal(mmu_walkers_free_cycle(p, 0), UINT64_MAX);
    mmu_walkers_reset(p);
    assert_int_equal(mmu_walkers_free_cycle(p, 0), 0);
    assert_int_equal(mmu_walkers_inflight(p, 0, 1, NULL), 0);
    assert_int_equal(request(p, 3, 1, 4, &g), 7);
    assert_int_equal(g.walker, 0);
    assert_int_equal(mmu_walkers_get_config(p)->count, 2);
    mmu_walkers_destroy(p);
    mmu_walkers_destroy(NULL);
}

static void expect_refused(const mmu_walkers_config *c, const char *want)
{
    char msg[200];
    mmu_walkers *p = (mmu_walkers *)&msg; /* must be reset to NULL */
    assert_int_equal(mmu_walkers_config_check(c, msg, sizeof msg), MMU_ECONFIG);
    assert_string_equal(msg, want);
    assert_int_equal(mmu_walkers_create(c, &p), MMU_ECONFIG);
    assert_null(p);
}

static void test_config_check(void **state)
{
    (void)state;
    mmu_walkers_config c;
    char msg[200];
    mmu_walkers_config_defaults(&c);
    assert_int_equal(mmu_walkers_config_check(&c, msg, sizeof msg), MMU_OK);
    assert_int_equal(c.count, 2);

    c.count = 0;
    expect_refused(&c, "walkers.count (0) must be at least 1");
    c.count = 65;
    expect_refused(&c, "walkers.count (65) must be at most 64");
    mmu_walkers_config_defaults(&c);
    c.max_inflight = 1;
    expect_refused(&c, "walkers.max_inflight (1) must be at least walkers.count (2)");
    c.max_inflight = 100000;
    expect_refused(&c, "walkers.max_inflight (100000) must be at most 65536");
    mmu_walkers_config_defaults(&c);
    c.merge = 2;
    expect_refused(&c, "walkers.merge (2) must be 0 or 1");
    assert_int_equal(mmu_walkers_config_check(NULL, NULL, 0), MMU_ECONFIG);
    assert_int_equal(mmu_walkers_create(NULL, NULL), MMU_EINVAL);

    assert_int_equal(mmu_walk_key(0x1234, 0x7FF000000007ull), 0x12347FF000000007ull);
    /* a canonical upper-half address (bits 63:47 set): VPN bits 51:48 dropped */
    assert_int_equal(mmu_walk_key(0x1234, 0xFFFF800000000ull + 7), 0x1234FFF800000007ull);
    assert_true(mmu_walk_key(1, 5) != mmu_walk_key(2, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simultaneous_misses),
        cmocka_unit_test(test_same_page_merges),
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_random_stream_throughput),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_inflight_table),
        cmocka_unit_test(test_inflight_vs_scan),
        cmocka_unit_test(test_inflight_vs_scan_bursts),
        cmocka_unit_test(test_contract),
        cmocka_unit_test(test_config_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
