/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay.c - traces through an MMU in one call (mmusim/io/replay.h): what
 * `mmusim run` does between building the MMU and writing the results.
 *
 * The loop reads batches (on a second thread unless told not to), issues
 * each access through the driver (the core's issue rule, model/driver.c),
 * and does the per-access work the options ask for: warm-up, timeline
 * windows, per-access CSV, the shadow check, stop on a fault, the caller's
 * hook.  Nothing is allocated per access.
 */
#include "mmusim/io/replay.h"
#include "mmusim/static_map.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace_async.h"
#include "trace_binfmt.h"
#include "trace_impl.h"

#define BATCH 4096

#if defined(__GNUC__)
#define REPLAY_INLINE inline __attribute__((always_inline))
#define MMUSIM_REPLAY_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MMUSIM_REPLAY_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define REPLAY_INLINE inline
#define MMUSIM_REPLAY_UNLIKELY(x) (x)
#define MMUSIM_REPLAY_LIKELY(x) (x)
#endif

/*
 * The repeat path (docs/performance.md, "The run loop's repeat path"): per
 * side (loads and stores; fetches), REP_PAGES pages of the model's level-1
 * hit filter that the model said it would answer (mmu_repeat_watch,
 * mmu_repeat_hit), each in the place rep_slot gives its address, with the
 * TLB sets that answer rests on.  An access of the page in its place,
 * within it, of a type answered there, is counted where the filter counts
 * it and takes the issue rule's step with the filter's latency, without a
 * call into the model (but for an LRU entry another page made older: the
 * hit's update, rep_touch): the counts are those of mmu_access.  After an
 * access the model answered changed a TLB set, every page that rests on
 * that set is no longer counted, and every page is dropped after a walk, a
 * fault or a page crossing; any other access is offered to the filter
 * first (rep_hit), and a level-1 hit is remembered.  For traces without
 * cycles (the issue cycles only grow), with plain options, after the
 * warm-up; a binary trace's records are tested undecoded.
 */
#define REP_PAGES 8 /* per side: a page's place is rep_slot of its address */
#define REP_WATCH 4 /* sets a page's answer may rest on */
/* when it pauses (rep_judge) */
#define REP_JUDGE 16384
#define REP_GIVE_UP 8
#define REP_PAUSE 65536
#define REP_PAUSE_MAX (UINT64_C(1) << 22)
#define REP_SIDE(type) ((unsigned)(type) >> 1) /* 0: loads and stores, 1: fetches */
/* A binary record's second word outside its size and type: the cycle delta, the ASID, the cycle bit. */
#define BIN_W_CHECK UINT64_C(0x8000ffffffffffff)

typedef struct rep_page {
    /* the binary records of the page: (w & wmask) == wbits for their second word w (no delta,
       no cycle bit, the page's ASID, a type answered: wbits is 1 for no page) ... */
    uint64_t wmask, wbits;
    /* ... and an address in [base, base + mask] with its last byte (mask < 4 KiB) */
    uint64_t base, mask;
    uint64_t *pend; /* the model's counters of the page's level-1 outcome, by access type */
    /* its entry is the newest of its set while (*order & 15) == way (sl's, here beside the
       page's test for the run loops) */
    const uint64_t *order;
    uint32_t way;
    uint64_t pbase; /* the physical address of base */
    uint32_t lat;   /* the filter's latency */
    uint32_t id;    /* asid | vmid << 16 */
    unsigned types; /* the access types answered (bit t); 0: no page */
    unsigned nw;    /* sets watched */
    const uint64_t *gen[REP_WATCH]; /* their change counters ... */
    uint64_t seen[REP_WATCH];       /* ... and the values they had */
    mmu_repeat_slot sl;             /* the filter's answer (mmu_repeat_touch) */
} __attribute__((aligned(256))) rep_page; /* (a power of two: the run loops index pages by rep_slot) */
_Static_assert(sizeof(rep_page) == 256, "a page is 256 bytes");

typedef struct rep_state {
    uint64_t judged, to_model; /* accesses on the repeat path since it was last judged; of them through the model */
    uint64_t pause;            /* the next pause (rep_judge) */
    rep_page p[2][REP_PAGES];
    const uint64_t *tlb_changes;
    int data;         /* loads' and stores' data through the PTE caches (mmu_access_data) */
    uint32_t lat[2];  /* the filter's latency, by REP_SIDE */
    mmu_data_repeat dr;
} rep_state;

/* State of one replay across its traces. */
typedef struct replay {
    mmu *m;
    mmu_driver *drv;
    const mmusim_replay_opts *o;
    mmusim_run_info *info;
    mmusim_access *buf;     /* BATCH accesses, when reading on this thread */
    uint64_t index;         /* accesses read so far, all traces */
    mmusim_window cur;      /* the timeline window being filled */
    mmu_stats snap;         /* counters at the start of the window */
    size_t cap_windows;
    rep_state rep;
} replay;

static const char type_char[MMU_ACCESS_TYPES] = {'R', 'W', 'X'};

static void msg(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* The first byte of the page after the one resp describes (the second translation of a crossing). */
static uint64_t next_page(uint64_t vaddr, const mmu_response *resp)
{
    return (vaddr | ((UINT64_C(1) << mmu_page_shift((mmu_page_size)resp->page_size)) - 1)) + 1;
}

static int close_window(replay *r)
{
    const mmu_stats *s = mmu_get_stats(r->m);
    mmusim_window *w = &r->cur;
    w->l1_misses = s->level[0].misses - r->snap.level[0].misses;
    w->walks = s->walks - r->snap.walks;
    w->page_faults = s->page_faults - r->snap.page_faults;
    w->latency_sum = s->latency_sum - r->snap.latency_sum;
    if (r->info->n_windows == r->cap_windows) {
        size_t cap = r->cap_windows ? 2 * r->cap_windows : 64;
        mmusim_window *p = realloc(r->info->windows, cap * sizeof *p);
        if (!p)
            return -1;
        r->info->windows = p;
        r->cap_windows = cap;
    }
    r->info->windows[r->info->n_windows++] = *w;
    memset(w, 0, sizeof *w);
    r->snap = *s;
    return 0;
}

/*
 * The shadow check: each translation against a functional walk of the page
 * tables as they are now and (with the OS model) the frame's owner.
 * Returns 0, or -1 with a message.
 */
static int check_access(replay *r, const char *path, const mmu_request *req, const mmu_response *resp,
                        int k, char *err, size_t errlen)
{
    for (int j = 0; j < k; j++) {
        mmu_request q = *req;
        if (j)
            q.vaddr = next_page(req->vaddr, &resp[0]);
        mmu_response w;
        (void)mmu_walk_debug(r->m, &q, &w);
        const char *why = NULL;
        if (resp[j].fault != w.fault)
            why = "the fault differs";
        else if (resp[j].fault == MMU_FAULT_NONE && resp[j].paddr != w.paddr)
            why = "the physical address differs";
        mmu_os *os = mmu_get_os(r->m);
        mmu_os *host = mmu_get_host_os(r->m);
        mmu_os_frame_info fi;
        if (host) { /* virtualization: a host frame of the VM (a host "process" per VM) */
            if (!why && resp[j].fault == MMU_FAULT_NONE &&
                (mmu_os_frame_info_get(host, resp[j].paddr, &fi) != MMU_OK ||
                 fi.kind != MMU_OS_FRAME_DATA || fi.asid != q.vmid))
                why = "the host frame does not belong to the VM";
        } else if (!why && os && resp[j].fault == MMU_FAULT_NONE &&
            (mmu_os_frame_info_get(os, resp[j].paddr, &fi) != MMU_OK || fi.kind != MMU_OS_FRAME_DATA ||
             fi.asid != q.asid))
            why = "the frame does not belong to the process";
        if (why) {
            msg(err, errlen,
                "%s: access %llu: --check: %s: TLB/MMU answer 0x%llx (%s), page tables "
                "now 0x%llx (%s) for vaddr 0x%llx asid %u",
                path, (unsigned long long)r->index, why, (unsigned long long)resp[j].paddr,
                mmu_fault_id((mmu_fault)resp[j].fault), (unsigned long long)w.paddr,
                mmu_fault_id((mmu_fault)w.fault), (unsigned long long)q.vaddr, q.asid);
            return -1;
        }
    }
    return 0;
}

static void write_per_access(FILE *f, uint64_t index, const mmusim_access *a, const mmu_request *req,
                             const mmu_response *resp, int k)
{
    for (int j = 0; j < k; j++)
        fprintf(f, "%llu,%llu,%c,0x%llx,%u,0x%llx,%s,%s,%u,%u,%u,%s\n", (unsigned long long)index,
                (unsigned long long)(j ? resp[0].done_cycle : req->cycle), type_char[a->type % MMU_ACCESS_TYPES],
                (unsigned long long)(j ? next_page(a->vaddr, &resp[0]) : a->vaddr), a->asid,
                (unsigned long long)resp[j].paddr, mmu_page_size_name((mmu_page_size)resp[j].page_size),
                resp[j].outcome == MMU_OUT_TLB ? "tlb" : resp[j].outcome == MMU_OUT_WALK ? "walk" : "fault",
                resp[j].level, resp[j].latency, resp[j].walk_refs, mmu_fault_id((mmu_fault)resp[j].fault));
}

/* Clear every counter after the warm-up: the MMU's, the OS's, the run's, the timeline's. */
static void end_warmup(replay *r)
{
    mmu_clear_stats(r->m);
    if (mmu_get_os(r->m))
        mmu_os_clear_stats(mmu_get_os(r->m));
    mmusim_run_info *info = r->info;
    info->accesses = info->translations = info->crossings = info->instructions = 0;
    info->last_cycle = 0;
    r->snap = *mmu_get_stats(r->m);
    memset(&r->cur, 0, sizeof r->cur);
}

/* The OS model could not handle a page fault of access a (the r->index-th): the message; returns -1. */
static int os_failed(const replay *r, uint64_t index, const char *path, const mmusim_access *a, char *err,
                     size_t errlen)
{
    msg(err, errlen,
        "%s: access %llu (0x%llx, asid %u): the OS model could not "
        "handle a page fault: %s (physical memory too small for the page "
        "tables, or swap full: see os.phys_mem, os.pt_ranges, os.swap_size)",
        path, (unsigned long long)index, (unsigned long long)a->vaddr, a->asid,
        mmu_strerror(mmu_os_error(r->m)));
    return -1;
}

/* ---- the repeat path ---- */

static void rep_drop(rep_page *p)
{
    static const uint64_t zero;
    p->types = 0;
    p->wmask = 0;
    p->wbits = 1; /* no record matches */
    p->order = &zero;
    p->way = 0;
}

static void rep_drop_all(rep_state *rs)
{
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < REP_PAGES; i++)
            rep_drop(&rs->p[s][i]);
}

/* Forget every page (a new trace; the model may have been used without the repeat path). */
static void rep_reset(replay *r)
{
    rep_state *rs = &r->rep;
    mmu_repeat_info ri;
    mmu_get_repeat_info(r->m, &ri);
    rs->tlb_changes = ri.tlb_changes;
    rs->lat[0] = ri.l1_latency[1]; /* (loads and stores) */
    rs->lat[1] = ri.l1_latency[0]; /* (fetches) */
    mmu_get_data_repeat(r->m, &rs->dr);
    rs->data = ri.data_through_caches && rs->dr.reads && rs->dr.writes;
    rs->judged = rs->to_model = 0;
    if (!rs->pause)
        rs->pause = REP_PAUSE; /* (kept from one trace to the next of a run) */
    rep_drop_all(rs);
}

/* Some TLB set changed: every page that rests on a set that did is no longer counted in the run
   loops; it is kept (types), as the filter may still answer it (rep_hit). */
static __attribute__((noinline)) void rep_check(rep_state *rs)
{
    rep_page *p = &rs->p[0][0];
    for (unsigned i = 0; i < 2 * REP_PAGES; i++, p++) {
        if (!p->types)
            continue;
        unsigned changed = *p->gen[0] != p->seen[0]; /* (a page watches at least one set) */
        for (unsigned j = 1; j < p->nw; j++)
            changed |= *p->gen[j] != p->seen[j];
        if (changed) {
            p->wmask = 0;
            p->wbits = 1; /* (no record matches) */
        }
    }
}

/* The binary record (va, w) is an access of page p (the fast test). */
static inline int rep_holds(const rep_page *p, uint64_t va, uint64_t w)
{
    const uint64_t off = va - p->base;                                  /* (huge below the page) */
    const uint32_t sz1 = (uint32_t)((w >> 48) & MMUSIM_BIN_SIZE_MASK) - 1; /* (size 0: 2^32 - 1) */
    return ((w & p->wmask) == p->wbits) & ((off | (off + sz1)) <= p->mask);
}

/* The place of the page that holds address va, among its side's (a hash of its 4 KiB page). */
static inline unsigned rep_slot(uint64_t va)
{
    return (unsigned)((va >> 12) ^ (va >> 18)) & (REP_PAGES - 1);
}

/* The remembered page of side s that holds req's address (counted or not), or NULL. */
static rep_page *rep_page_of(rep_state *rs, unsigned s, const mmu_request *req)
{
    const uint32_t id = req->asid | (uint32_t)req->vmid << 16;
    rep_page *q = &rs->p[s][rep_slot(req->vaddr)];
    return q->types && q->id == id && req->vaddr - q->base <= q->mask ? q : NULL;
}

/* Page p is req's from now on, counted for `types` (req's type
   among them), at physical address paddr, on the filter's slot sl whose answer rests on the
   p->nw sets already in p->gen and p->seen.  A page is the filter's page, or the 4 KiB of it
   that hold req if the filter's pages are larger (record sizes are at most 4 KiB). */
static void rep_set(rep_state *rs, rep_page *p, const mmu_request *req, unsigned types,
                    const mmu_repeat_slot *sl, uint64_t paddr)
{
    const unsigned s = REP_SIDE(req->type);
    const uint64_t mask = sl->shift < 12 ? (UINT64_C(1) << sl->shift) - 1 : 0xfff;
    /* one type: that type exactly; loads and stores: a type below 2 */
    const uint64_t tmask = types == 3 ? UINT64_C(2) << 61 : UINT64_C(3) << 61;
    p->types = types;
    p->wmask = BIN_W_CHECK | tmask;
    p->wbits = (uint64_t)req->asid << 32 | ((uint64_t)req->type << 61 & tmask);
    p->base = req->vaddr & ~mask;
    p->mask = mask;
    p->pend = sl->pend;
    p->order = sl->order;
    p->way = sl->way;
    p->sl = *sl;
    p->pbase = paddr - (req->vaddr & mask);
    p->lat = rs->lat[s];
    p->id = req->asid | (uint32_t)req->vmid << 16;
}

/* The place for req's page, not remembered (the page there, if any, is replaced). */
static rep_page *rep_next(rep_state *rs, const mmu_request *req)
{
    return &rs->p[REP_SIDE(req->type)][rep_slot(req->vaddr)];
}

/*
 * After a level-1 hit the model answered in full (req, resp: one
 * translation, no fault, no walk): its page repeats from now on if the
 * filter answers it (mmu_repeat_ok) and its answer rests on at most
 * REP_WATCH sets.
 */
static __attribute__((noinline)) void rep_remember(replay *r, const mmu_request *req, const mmu_response *resp)
{
    rep_state *rs = &r->rep;
    rep_page *p = rep_page_of(rs, REP_SIDE(req->type), req);
    unsigned types = p ? p->types : 0;
    if (!p)
        p = rep_next(rs, req);
    rep_drop(p);
    mmu_repeat_slot sl;
    if (!(p->nw = mmu_repeat_watch(r->m, req, types, &sl, p->gen, p->seen, REP_WATCH)) && types) {
        types = 0; /* (a type answered before no longer is) */
        p->nw = mmu_repeat_watch(r->m, req, 0, &sl, p->gen, p->seen, REP_WATCH);
    }
    if (!p->nw)
        return;
    rep_set(rs, p, req, types | 1u << req->type, &sl, resp->paddr);
}

/* The data of a repeated load or store at offset off of page p, in order, as mmu_access makes it
   (mmu_access_data, whose first step is made here: mmu_get_data_repeat). */
static inline void rep_data(replay *r, const rep_page *p, uint64_t off, int is_write)
{
    const rep_state *rs = &r->rep;
    const uint64_t pa = p->pbase + off;
    if ((pa >> rs->dr.line_shift) == *rs->dr.line)
        ++*(is_write ? rs->dr.writes : rs->dr.reads);
    else
        mmu_access_data(r->m, pa, is_write);
}

/* What a plain run adds up; the driver is a copy, written back at the end. */
typedef struct run_acc {
    mmu_driver d;
    uint64_t last;         /* the latest completion */
    uint64_t accesses;     /* accesses through the model (the one the OS model failed on included) */
    uint64_t translations; /* ... their translations */
    uint64_t fetches;      /* ... their fetches */
    uint64_t reps;         /* accesses counted on the repeat path so far (set at each call out) */
    uint64_t hits;         /* ... of the accesses, those the filter answered (rep_hit) */
} run_acc;

/*
 * The issue rule's state in the run loops, in registers (written to the
 * run_acc around each access through the model).  A repeat is quick when no
 * access in the ring can hold it up (ni >= hi; hi: at least every
 * completion in the ring) and its latency is at most the issue interval: it
 * issues at ni, and its completion need not be written to the ring (that
 * slot is next looked at window - 1 accesses later, when ni is past it).
 * The ring position then moves on by the quick repeats (nq), and the latest
 * completion becomes that of the last quick repeat (of page lq, issued at
 * ni - interval), when the state is next needed (iss_sync).  Every other
 * repeat takes the rule's full step (mmu_driver_next_issue_inline and
 * mmu_driver_record_inline).
 */
typedef struct iss_regs {
    uint64_t *ring;
    uint64_t interval, ni, last, hi, nq;
    uint32_t window, pos;
    const rep_page *lq;
} iss_regs;

static inline __attribute__((always_inline)) void iss_from(iss_regs *q, const run_acc *ra)
{
    q->pos = ra->d.pos;
    q->ni = ra->d.next_issue;
    q->last = ra->last;
    q->hi = q->last > q->hi ? q->last : q->hi; /* (the model's completion is in the ring) */
}

/* The issue rule's state at the start of a run loop (rs: the filter's latencies). */
static inline __attribute__((always_inline)) void iss_start(iss_regs *q, const run_acc *ra, const rep_state *rs)
{
    q->ring = ra->d.done;
    q->window = ra->d.window;
    q->interval = ra->d.interval;
    q->nq = 0;
    q->lq = NULL;
    q->hi = 0;
    for (uint32_t j = 0; j < q->window; j++)
        q->hi = q->ring[j] > q->hi ? q->ring[j] : q->hi;
    iss_from(q, ra);
    if (rs->lat[0] > q->interval || rs->lat[1] > q->interval)
        q->hi = UINT64_MAX; /* (no repeat is quick) */
}

static inline __attribute__((always_inline)) void iss_sync(iss_regs *q)
{
    if (q->nq) {
        q->pos = (uint32_t)((q->pos + q->nq) % q->window);
        q->nq = 0;
        const uint64_t done = q->ni - q->interval + q->lq->lat;
        q->last = done > q->last ? done : q->last;
    }
}

/* The state into ra, for an access through the model (iss_from after it). */
static inline __attribute__((always_inline)) void iss_to(iss_regs *q, run_acc *ra)
{
    iss_sync(q);
    ra->d.pos = q->pos;
    ra->d.next_issue = q->ni;
    ra->last = q->last;
}

/* A repeat of page p: its issue and completion. */
static inline __attribute__((always_inline)) void iss_step(iss_regs *q, const rep_page *p)
{
    if (MMUSIM_REPLAY_LIKELY(q->ni >= q->hi)) {
        q->lq = p;
        q->ni += q->interval;
        q->nq++;
        return;
    }
    iss_sync(q);
    const uint64_t oldest = q->ring[q->pos];
    const uint64_t issue = oldest > q->ni ? oldest : q->ni;
    const uint64_t done = issue + p->lat;
    q->ring[q->pos] = done;
    q->pos = q->pos + 1 == q->window ? 0 : q->pos + 1;
    q->ni = issue + q->interval;
    q->last = done > q->last ? done : q->last;
    q->hi = done > q->hi ? done : q->hi;
}

/*
 * The recency order of the LRU set whose change counter is g changed (a
 * hit's update: mmu_repeat_touch, or mmu_repeat_hit's re-hit), and nothing
 * else: the pages counted that watch the set stay counted (what it holds is
 * the same), with their value of its counter brought up to date.
 */
static void rep_reorder(rep_state *rs, const uint64_t *g)
{
    rep_page *q = &rs->p[0][0];
    for (unsigned i = 0; i < 2 * REP_PAGES; i++, q++)
        if (q->wmask) /* (counted) */
            for (unsigned j = 0; j < q->nw; j++)
                if (q->gen[j] == g)
                    q->seen[j] = *g;
}

/* A repeat of page p whose entry another page's hit made older (no longer the newest of its
   LRU set): the hit's replacement update, before it is counted. */
static __attribute__((noinline)) void rep_touch(replay *r, const rep_page *p)
{
    rep_reorder(&r->rep, mmu_repeat_touch(r->m, &p->sl));
}

/* A repeat of page p (type, at offset off in it): the hit's replacement update if its entry is
   not the newest of its set, the filter's count, the issue rule's step, the data; adds to
   *fetches. */
static inline __attribute__((always_inline)) void rep_step(replay *r, iss_regs *q, const rep_page *p,
                                                           unsigned type, uint64_t off, uint64_t *fetches,
                                                           const int data)
{
    if (MMUSIM_REPLAY_UNLIKELY((*p->order & 15) != p->way))
        rep_touch(r, p);
    p->pend[type]++; /* as mmu_access_repeat adds it */
    *fetches += type >> 1; /* (2: a fetch) */
    iss_step(q, p);
    if (data && type != MMU_FETCH)
        rep_data(r, p, off, type == MMU_WRITE);
}

/* The sums of a run into the run information: ra's accesses through the model (ra->last: the
   latest completion), and reps repeats, fetches of them fetches; os_fail: the last access through
   the model failed (counted, not stepped past). */
static void run_sums(replay *r, const run_acc *ra, uint64_t reps, uint64_t fetches, unsigned os_fail)
{
    mmusim_run_info *info = r->info;
    *r->drv = ra->d;
    const uint64_t acc = ra->accesses + reps;
    info->accesses += acc;
    info->instructions += ra->fetches + fetches;
    info->translations += ra->translations + reps;
    info->crossings += ra->translations - ra->accesses;
    info->last_cycle = ra->last;
    r->index += acc - os_fail;
    r->rep.judged += acc;
    r->rep.to_model += ra->accesses - ra->hits;
}

/*
 * Access req (at its issue cycle; tc: tlb_changes before it), if the
 * filter answers it (mmu_repeat_hit): a page remembered whose sets other
 * accesses changed, or a page not remembered.  It is counted as mmu_access
 * counts it and its page remembered from now on.  If its hit reordered an
 * LRU set, the pages on that set stay counted (rep_reorder); under another
 * policy, the pages whose sets it changed are no longer counted
 * (rep_check).  Returns 1, or 0 (nothing done: the filter does not answer
 * it).
 */
static int rep_hit(replay *r, run_acc *ra, const mmu_request *req, uint64_t tc)
{
    rep_state *rs = &r->rep;
    rep_page *p = rep_page_of(rs, REP_SIDE(req->type), req);
    unsigned types = p ? p->types : 0;
    mmu_repeat_slot sl;
    const uint64_t *gen[REP_WATCH];
    uint64_t seen[REP_WATCH], pa;
    unsigned n = mmu_repeat_hit(r->m, req, types, &sl, gen, seen, REP_WATCH, &pa);
    if (!n && types)
        n = mmu_repeat_hit(r->m, req, types = 0, &sl, gen, seen, REP_WATCH, &pa);
    if (!n)
        return 0;
    if (!p)
        p = rep_next(rs, req);
    rep_drop(p);
    p->nw = n;
    for (unsigned j = 0; j < n; j++) {
        p->gen[j] = gen[j];
        p->seen[j] = seen[j];
    }
    rep_set(rs, p, req, types | 1u << req->type, &sl, pa);
    p->pend[req->type]++; /* as mmu_access_repeat adds it */
    const uint64_t done = req->cycle + p->lat;
    mmu_driver_record_inline(&ra->d, 0, req->cycle, done, 0);
    ra->accesses++;
    ra->translations++;
    ra->fetches += req->type == MMU_FETCH;
    ra->hits++;
    if (done > ra->last)
        ra->last = done;
    if (rs->data && req->type != MMU_FETCH)
        rep_data(r, p, req->vaddr - p->base, req->type == MMU_WRITE);
    if (*rs->tlb_changes != tc) {
        if (sl.ordered)
            rep_reorder(rs, sl.gen); /* its hit changed its set's recency order, nothing else */
        else
            rep_check(rs); /* (another policy: the pages on the set must be asked again) */
    }
    return 1;
}

/*
 * An access the repeat path did not count: through the model, with the issue
 * rule and the counts, and the repeat path's bookkeeping.  Returns 0, or -1
 * with a message (the OS model failed; the access is counted).
 */
static __attribute__((noinline)) int full_access(replay *r, run_acc *ra, const char *path, const mmusim_access *a,
                                                 char *err, size_t errlen)
{
    rep_state *rs = &r->rep;
    mmu_request req;
    req.vaddr = a->vaddr;
    req.cycle = mmu_driver_next_issue_inline(&ra->d, 0, 0);
    req.size = a->size;
    req.asid = a->asid;
    req.type = a->type;
    req.priv = MMU_PRIV_USER;
    req.vmid = a->vmid;
    const uint64_t tc = *rs->tlb_changes;
    if (rep_hit(r, ra, &req, tc))
        return 0;
    mmu_response resp[2];
    const int k = mmu_access(r->m, &req, resp);
    const mmu_response *lr = &resp[k - 1];
    mmu_driver_record_inline(&ra->d, 0, req.cycle, lr->done_cycle, (resp[0].page_faults | lr->page_faults) != 0);
    ra->accesses++;
    ra->translations += (unsigned)k;
    ra->fetches += a->type == MMU_FETCH;
    if (lr->done_cycle > ra->last)
        ra->last = lr->done_cycle;
    if (k == 1 && resp[0].outcome == MMU_OUT_TLB && resp[0].fault == MMU_FAULT_NONE && resp[0].page_faults == 0) {
        if (*rs->tlb_changes != tc)
            rep_check(rs); /* a TLB hit that changed sets */
        if (resp[0].level == 1)
            rep_remember(r, &req, &resp[0]); /* the filter may answer its page now */
    } else {
        rep_drop_all(rs); /* a walk, a fault or a crossing */
    }
    if (MMUSIM_REPLAY_UNLIKELY(lr->fault != MMU_FAULT_NONE) && mmu_os_error(r->m) != MMU_OK)
        return os_failed(r, r->index + ra->reps + ra->accesses - 1, path, a, err, errlen);
    return 0;
}

/*
 * A binary record of no remembered page: an access through the model, or
 * (a control record, a bad one) decoded by tbt_bin_decode, with its
 * messages.  record: the records before it.  Returns 0 (*access: it was an
 * access), or -1 with a message.
 */
static __attribute__((noinline)) int bin_slow(replay *r, run_acc *ra, const char *path, const tbt_raw *raw,
                                              const unsigned char *p, uint64_t record, unsigned *access,
                                              char *err, size_t errlen)
{
    rep_state *rs = &r->rep;
    const uint64_t va = mmusim_le64(p), w = mmusim_le64(p + 8);
    tbt_bin_dec *dec = raw->dec;
    if (!tbt_bin_not_access(va, w, tbt_bin_forbid(dec->flags))) {
        /* an access, as tbt_bin_decode makes it */
        const unsigned type = (unsigned)(w >> 61) & 3, size = (unsigned)(w >> 48) & MMUSIM_BIN_SIZE_MASK;
        const mmusim_access a = {va, 0, (uint16_t)size, (uint16_t)(w >> 32), (uint8_t)type, 0, dec->vmid};
        dec->instructions += type == MMU_FETCH;
        *access = 1;
        return full_access(r, ra, path, &a, err, errlen);
    }
    dec->record = record;
    mmusim_access a;
    int code;
    const size_t got = tbt_bin_decode(dec, raw->name, p, 1, &a, &code, err, errlen);
    if (code)
        return -1;
    if (got) { /* (cannot happen: tbt_bin_not_access said it is none) */
        *access = 1;
        return full_access(r, ra, path, &a, err, errlen);
    }
    /* a control record: another VM's pages are no longer the accesses' */
    for (int t = 0; t < 2; t++)
        for (unsigned i = 0; i < REP_PAGES; i++)
            if ((rs->p[t][i].id >> 16) != dec->vmid)
                rep_drop(&rs->p[t][i]);
    return 0;
}

/*
 * The plain run of an mmusim binary trace without cycles, past the warm-up,
 * on its records (tbt_async_raw from the reader thread, or tbt_bin_raw): a
 * record of a remembered page, checked as tbt_bin_decode checks it, is
 * counted on the repeat path without being decoded; every other record goes
 * to bin_slow.  Returns the records consumed, 0 at the end of the trace, -1
 * with a message.
 */
static inline __attribute__((always_inline)) long bin_run_t(replay *r, mmusim_trace *t, mmusim_async *as,
                                                            const char *path, char *err, size_t errlen,
                                                            const int data)
{
    tbt_raw raw;
    tbt_bin_dec here;
    long n;
    if (as) {
        n = tbt_async_raw(as, &raw, err, errlen);
    } else {
        n = tbt_bin_raw(t, &raw.p, &here, err, errlen);
        raw.dec = &here;
        raw.name = mmusim_trace_name(t);
    }
    if (n <= 0)
        return n < 0 ? -1 : 0;
    rep_state *const rs = &r->rep;
    run_acc ra = {*r->drv, r->info->last_cycle, 0, 0, 0, 0, 0};
    iss_regs q;
    iss_start(&q, &ra, rs);
    uint64_t fetches = 0, slow = 0; /* repeats that are fetches; records through bin_slow */
    const uint64_t rec0 = raw.dec->record;
    uint64_t decoded = 0;
    int status = 0;
    unsigned os_fail = 0;
    long i;
    const unsigned char *p = raw.p;
    for (i = 0; i < n; i++, p += MMUSIM_BIN_RECORD_SIZE) {
        const uint64_t va = mmusim_le64(p), w = mmusim_le64(p + 8);
        const unsigned s = (unsigned)(w >> 62) & 1; /* REP_SIDE of the type */
        rep_page *pg = &rs->p[s][rep_slot(va)];
        if (MMUSIM_REPLAY_UNLIKELY(!rep_holds(pg, va, w))) {
            iss_to(&q, &ra);
            ra.reps = (uint64_t)i - slow;
            unsigned access = 0;
            const int rc = bin_slow(r, &ra, path, &raw, p, rec0 + (uint64_t)i, &access, err, errlen);
            iss_from(&q, &ra);
            decoded += access;
            if (rc < 0) {
                status = -1;
                os_fail = access; /* an access: the OS model failed on it */
                break;
            }
            slow++;
            continue;
        }
        rep_step(r, &q, pg, (unsigned)(w >> 61) & 3, va - pg->base, &fetches, data);
    }
    iss_to(&q, &ra);
    const uint64_t reps = (uint64_t)i - slow;
    /* what the decoder and the reader would have counted for the records consumed */
    raw.dec->record = rec0 + (uint64_t)i;
    raw.dec->instructions += fetches;
    if (as)
        tbt_async_raw_done(as, (size_t)i, reps + decoded);
    else
        tbt_bin_raw_done(t, raw.dec, reps + decoded);
    run_sums(r, &ra, reps, fetches, os_fail);
    return status ? -1 : i;
}

static long bin_run(replay *r, mmusim_trace *t, mmusim_async *as, const char *path, char *err, size_t errlen)
{
    return r->rep.data ? bin_run_t(r, t, as, path, err, errlen, 1) : bin_run_t(r, t, as, path, err, errlen, 0);
}

/* Page p holds access a (the repeat path's test on a decoded access; wmask is 0 for a page
   that is no longer counted, rep_check). */
static inline int rep_holds_acc(const rep_page *p, const mmusim_access *a)
{
    const uint64_t off = a->vaddr - p->base;
    return (p->id == (a->asid | (uint32_t)a->vmid << 16)) & (int)((p->types >> a->type) & 1) &
           ((off | (off + (uint32_t)(a->size - 1))) <= p->mask) & (p->wmask != 0);
}

/*
 * plain_run for accesses without cycles (any format), with the repeat path:
 * an access of a remembered page is counted there, every other one goes
 * through the model (full_access).  Returns 0, or -1 with a message.
 */
static inline __attribute__((always_inline)) int plain_run_rep_t(replay *r, const char *path, const mmusim_access *a,
                                                                 long n, char *err, size_t errlen, const int data)
{
    rep_state *const rs = &r->rep;
    run_acc ra = {*r->drv, r->info->last_cycle, 0, 0, 0, 0, 0};
    iss_regs q;
    iss_start(&q, &ra, rs);
    uint64_t fetches = 0, slow = 0; /* repeats that are fetches; accesses through full_access */
    int status = 0;
    long i;
    for (i = 0; i < n; i++) {
        const mmusim_access *x = &a[i];
        const unsigned s = REP_SIDE(x->type);
        const rep_page *pg = &rs->p[s][rep_slot(x->vaddr)];
        if (MMUSIM_REPLAY_UNLIKELY(!rep_holds_acc(pg, x))) {
            iss_to(&q, &ra);
            ra.reps = (uint64_t)i - slow;
            status = full_access(r, &ra, path, x, err, errlen);
            iss_from(&q, &ra);
            if (status)
                break;
            slow++;
            continue;
        }
        rep_step(r, &q, pg, x->type, x->vaddr - pg->base, &fetches, data);
    }
    iss_to(&q, &ra);
    run_sums(r, &ra, (uint64_t)i - slow, fetches, status ? 1 : 0);
    return status;
}

static int plain_run_rep(replay *r, const char *path, const mmusim_access *a, long n, char *err, size_t errlen)
{
    return r->rep.data ? plain_run_rep_t(r, path, a, n, err, errlen, 1)
                       : plain_run_rep_t(r, path, a, n, err, errlen, 0);
}

/* Options that ask for nothing per access beyond issuing and counting (the warm-up aside). */
static int plain_options(const mmusim_replay_opts *o)
{
    return !o->per_access && !o->timeline && !o->check && !o->stop_on_fault && !o->on_access;
}

/*
 * Accesses a[0..n) under plain options, none of them the end of the
 * warm-up: what one_access does for them, with the run's counters and the
 * driver's state kept in registers (a local copy of the driver, written
 * back at the end: nothing else touches it meanwhile).  cycles 0: no access
 * carries its own cycle (the trace's format or header says so), which
 * takes the issue rule's choice out of the loop.  Returns 0, or -1 with a
 * message.
 */
static REPLAY_INLINE int plain_run_t(replay *r, const char *path, const mmusim_access *a, long n, char *err,
                                     size_t errlen, const int cycles)
{
    mmusim_run_info *info = r->info;
    mmu_driver d = *r->drv;
    uint64_t fetches = 0, translations = 0, last = info->last_cycle;
    unsigned has_cycle = 0;
    int status = 0;
    long i;
    mmu_request req;
    req.priv = MMU_PRIV_USER;
    for (i = 0; i < n; i++) {
        const unsigned own = cycles ? a[i].has_cycle : 0;
        req.vaddr = a[i].vaddr;
        req.size = a[i].size;
        req.asid = a[i].asid;
        req.type = a[i].type;
        req.priv = MMU_PRIV_USER;
        req.vmid = a[i].vmid; /* ignored unless virt.enabled */
        /* mmu_driver_access_inline, with the issue cycle and the last response kept at hand */
        const uint64_t issue = mmu_driver_next_issue_inline(&d, (int)own, a[i].cycle);
        req.cycle = issue;
        mmu_response resp[2];
        const int k = mmu_access(d.m, &req, resp);
        const mmu_response *lr = &resp[k - 1];
        const uint64_t done = lr->done_cycle;
        mmu_driver_record_inline(&d, (int)own, issue, done, (resp[0].page_faults | lr->page_faults) != 0);
        fetches += a[i].type == MMU_FETCH; /* an instruction is its fetch */
        translations += (unsigned)k;
        last = done > last ? done : last;
        has_cycle |= own;
        if (MMUSIM_REPLAY_UNLIKELY(lr->fault != MMU_FAULT_NONE) && mmu_os_error(r->m) != MMU_OK) {
            status = os_failed(r, r->index + (uint64_t)i, path, &a[i], err, errlen);
            break;
        }
    }
    *r->drv = d;
    /* the access that failed is counted as one_access counts it, but not stepped past */
    const uint64_t done_n = (uint64_t)i + (status ? 1 : 0);
    info->accesses += done_n;
    info->instructions += fetches;
    info->translations += translations;
    info->crossings += translations - done_n;
    info->last_cycle = last;
    info->has_cycles |= (int)has_cycle;
    r->index += (uint64_t)i;
    return status;
}

static int plain_run(replay *r, const char *path, const mmusim_access *a, long n, char *err, size_t errlen)
{
    return plain_run_t(r, path, a, n, err, errlen, 1);
}

static int plain_run_nocycles(replay *r, const char *path, const mmusim_access *a, long n, char *err,
                              size_t errlen)
{
    return plain_run_t(r, path, a, n, err, errlen, 0);
}

/* One access: issue, count, and the per-access work.  Returns 0, or -1 with a message. */
static int one_access(replay *r, const char *path, const mmusim_access *a, char *err, size_t errlen)
{
    const mmusim_replay_opts *o = r->o;
    mmusim_run_info *info = r->info;
    mmu *m = r->m;
    const int warm_end = o->warmup && r->index == o->warmup;
    if (warm_end)
        end_warmup(r);
    mmu_request req;
    req.vaddr = a->vaddr;
    req.cycle = a->cycle;
    req.size = a->size;
    req.asid = a->asid;
    req.type = a->type;
    req.priv = MMU_PRIV_USER;
    req.vmid = a->vmid; /* ignored unless virt.enabled */
    mmu_response resp[2];
    const int k = mmu_driver_access_inline(r->drv, &req, a->has_cycle, resp);
    const uint64_t done = resp[k - 1].done_cycle;
    if (warm_end)
        info->first_cycle = req.cycle;
    info->accesses++;
    info->instructions += a->type == MMU_FETCH; /* an instruction is its fetch */
    info->translations += (uint64_t)k;
    info->crossings += k == 2;
    if (done > info->last_cycle)
        info->last_cycle = done;
    info->has_cycles |= a->has_cycle;
    if (o->per_access)
        write_per_access(o->per_access, r->index, a, &req, resp, k);
    if (o->timeline) {
        if (r->cur.accesses == 0)
            r->cur.first_cycle = req.cycle;
        r->cur.accesses++;
        r->cur.translations += (uint64_t)k;
        if (done > r->cur.last_cycle)
            r->cur.last_cycle = done;
        if (r->cur.accesses == o->timeline && close_window(r) != 0) {
            msg(err, errlen, "out of memory for the timeline");
            return -1;
        }
    }
    if (resp[k - 1].fault != MMU_FAULT_NONE && mmu_os_error(m) != MMU_OK)
        return os_failed(r, r->index, path, a, err, errlen);
    if (o->check && check_access(r, path, &req, resp, k, err, errlen) != 0)
        return -1;
    if (o->stop_on_fault && resp[k - 1].fault != MMU_FAULT_NONE) {
        msg(err, errlen,
            "%s: access %llu (%c 0x%llx, asid %u): %s fault at level %d; "
            "stopping (--on-fault stop)",
            path, (unsigned long long)r->index, type_char[a->type % MMU_ACCESS_TYPES],
            (unsigned long long)a->vaddr, a->asid, mmu_fault_name((mmu_fault)resp[k - 1].fault),
            resp[k - 1].fault_level);
        return -1;
    }
    if (o->on_access) {
        const mmusim_replay_access ra = {r->index, path, a, &req, resp, k};
        if (err && errlen)
            err[0] = 0;
        if (o->on_access(o->ctx, &ra, err, errlen) != 0)
            return -1;
    }
    r->index++;
    return 0;
}

static void progress(replay *r, mmusim_trace *t, mmusim_async *as, const char *path, int final)
{
    const mmusim_replay_progress p = {path, r->index, as ? mmusim_async_bytes_read(as) : mmusim_trace_bytes_read(t),
                                      mmusim_trace_file_size(t), final};
    r->o->on_progress(r->o->ctx, &p);
}

/*
 * Does the repeat path pay?  An access through the model costs it more
 * than without it (the page test, the bookkeeping: about 350 instructions
 * against 100-300 saved per access it counts), so when more than 1 in
 * REP_GIVE_UP of the last REP_JUDGE or more accesses went through the model
 * (pages that hardly repeat before their TLB sets change: code and data
 * pages taking turns in the sets of one TLB; walk-heavy traces), the next
 * accesses take the path without it: REP_PAUSE of them, twice as many after
 * each further give-up in a row, at most REP_PAUSE_MAX.  Either path gives
 * the same counts.  Returns the access up to which the repeat path pauses.
 */
static uint64_t rep_judge(replay *r)
{
    rep_state *rs = &r->rep;
    if (rs->judged < REP_JUDGE)
        return 0;
    const int give_up = rs->to_model * REP_GIVE_UP > rs->judged;
    rs->judged = rs->to_model = 0;
    if (!give_up) {
        rs->pause = REP_PAUSE;
        return 0;
    }
    const uint64_t until = r->index + rs->pause;
    if (rs->pause < REP_PAUSE_MAX)
        rs->pause *= 2;
    return until;
}

/* Replay one trace; returns 0, or -1 with a message. */
static int replay_trace(replay *r, const char *path, char *err, size_t errlen)
{
    const mmusim_replay_opts *o = r->o;
    mmusim_trace *t;
    const int threads = !o->no_threads && !getenv("MMUSIM_NO_THREADS");
    /* with threads the reader thread decompresses: the stream needs no thread of its own */
    if ((threads ? tbt_trace_open_unthreaded(path, o->format, &t, err, errlen)
                 : mmusim_trace_open(path, o->format, &t, err, errlen)) < 0)
        return -1;
    /* the trace is parsed on a second thread while this one simulates; an
       uncompressed text file is parsed here (less CPU in all) */
    mmusim_async *as = threads && !tbt_trace_read_here(t) ? mmusim_async_start(t) : NULL;
    if (!as && !r->buf && !(r->buf = malloc(BATCH * sizeof *r->buf))) {
        msg(err, errlen, "out of memory");
        mmusim_trace_close(t);
        return -1;
    }
    const mmusim_access *batch = r->buf;
    const int plain = plain_options(o);
    const int cycles = (mmusim_trace_fields(t) & MMUSIM_FIELD_CYCLE) != 0;
    /* the repeat path: plain options, no cycles; on a binary trace's records themselves */
    const int rep = plain && !cycles && !getenv("MMUSIM_NO_REPEAT");
    const int raw = rep && (as ? tbt_async_raw_ok(as) : mmusim_trace_format(t) == MMUSIM_FMT_BINARY);
    int rep_live = 0; /* the repeat path's pages were remembered since the model was last used without it */
    uint64_t rep_from = 0; /* the repeat path is paused up to this access */
    long n;
    int status = 0;
    for (;;) {
        if (raw && r->index >= rep_from && (!o->warmup || r->index > o->warmup)) {
            if (!rep_live)
                rep_reset(r);
            rep_live = 1;
            n = bin_run(r, t, as, path, err, errlen);
            if (n <= 0) {
                status = (int)n;
                n = 0;
                break;
            }
            rep_from = rep_judge(r);
            if (o->on_progress)
                progress(r, t, as, path, 0);
            continue;
        }
        n = as ? mmusim_async_read(as, &batch, err, errlen) : mmusim_trace_read(t, r->buf, BATCH, err, errlen);
        if (n <= 0)
            break;
        for (long i = 0; i < n && status == 0;) {
            if (plain && !(o->warmup && r->index == o->warmup)) {
                /* up to the end of the warm-up, if it is in this batch */
                long end = n;
                if (o->warmup && r->index < o->warmup && o->warmup - r->index < (uint64_t)(n - i))
                    end = i + (long)(o->warmup - r->index);
                if (cycles) {
                    status = plain_run(r, path, batch + i, end - i, err, errlen);
                } else if (rep && r->index >= rep_from) {
                    if (!rep_live)
                        rep_reset(r);
                    rep_live = 1;
                    status = plain_run_rep(r, path, batch + i, end - i, err, errlen);
                    rep_from = rep_judge(r);
                } else {
                    status = plain_run_nocycles(r, path, batch + i, end - i, err, errlen);
                    rep_live = 0; /* (the model was used without the repeat path) */
                }
                i = end;
            } else {
                status = one_access(r, path, &batch[i], err, errlen);
                rep_live = 0; /* (the model was used without the repeat path) */
                i++;
            }
        }
        if (o->on_progress)
            progress(r, t, as, path, 0);
        if (status)
            break;
    }
    if (status == 0 && n < 0)
        status = -1; /* the reader's message is in err */
    if (status == 0 && o->on_progress)
        progress(r, t, as, path, 1);
    r->info->trace_format = mmusim_format_name(mmusim_trace_format(t));
    r->info->compression = mmusim_trace_compression(t);
    mmusim_async_stop(as);
    mmusim_trace_close(t);
    return status;
}

int mmusim_replay_traces(mmu *m, const char *const *trace_paths, size_t n_traces,
                         const mmusim_replay_opts *o, mmusim_run_info *info, char *err, size_t errlen)
{
    static const mmusim_replay_opts no_opts;
    if (!o)
        o = &no_opts;
    if (!m || !info || (n_traces && !trace_paths)) {
        msg(err, errlen, "mmusim_replay: no MMU, run information or trace");
        return -1;
    }
    const char *preset = info->preset;
    memset(info, 0, sizeof *info);
    info->preset = preset;
    info->trace_path = n_traces ? trace_paths[0] : NULL;
    info->warmup = o->warmup;
    info->timeline_window = o->timeline;
    replay r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.o = o;
    r.info = info;
    char sub[512];
    if (mmu_driver_create(m, o->core, &r.drv, sub, sizeof sub) != MMU_OK) {
        msg(err, errlen, "%s", sub);
        return -1;
    }
    if (o->per_access)
        fputs("access,cycle,type,vaddr,asid,paddr,page_size,outcome,level,latency,walk_refs,fault\n",
              o->per_access);
    int status = 0;
    for (size_t i = 0; i < n_traces && status == 0; i++)
        status = replay_trace(&r, trace_paths[i], err, errlen);
    if (status == 0 && o->warmup && r.index <= o->warmup) {
        msg(err, errlen, "--warmup %llu: the trace has only %llu accesses", (unsigned long long)o->warmup,
            (unsigned long long)r.index);
        status = -1;
    }
    if (status == 0 && o->timeline && r.cur.accesses && close_window(&r) != 0) {
        msg(err, errlen, "out of memory for the timeline");
        status = -1;
    }
    free(r.buf);
    mmu_driver_destroy(r.drv);
    return status;
}

int mmusim_replay(mmu *m, const char *trace_path, const mmusim_replay_opts *o, mmusim_run_info *info,
                  char *err, size_t errlen)
{
    return mmusim_replay_traces(m, &trace_path, 1, o, info, err, errlen);
}

void mmusim_run_info_release(mmusim_run_info *info)
{
    if (!info)
        return;
    free(info->windows);
    info->windows = NULL;
    info->n_windows = 0;
}

int mmusim_mmu_create_map(const mmu_config *cfg, mmu **m, mmu_os **os, mmu_static_map **smap,
                          char *err, size_t errlen)
{
    *m = NULL;
    *os = NULL;
    if (smap)
        *smap = NULL;
    if (mmu_create(cfg, m, err, errlen) != MMU_OK)
        return -1;
    mmu_err e = MMU_OK;
    if (cfg->walker.mode == MMU_WALKER_RADIX && cfg->os_enabled) {
        e = mmu_os_create_from_config(cfg, os, err, errlen);
        if (e == MMU_OK && (e = mmu_attach_os(*m, *os)) != MMU_OK)
            msg(err, errlen, "attaching the OS model: %s", mmu_strerror(e));
    } else if (cfg->walker.mode == MMU_WALKER_RADIX && cfg->map.n_regions) {
        if (!smap) {
            e = MMU_EINVAL;
            msg(err, errlen, "the configuration has a static map ([map] regions): create the MMU with "
                             "mmusim_mmu_create_map, which builds it");
        } else {
            e = mmu_static_map_create(cfg, smap, err, errlen);
            if (e == MMU_OK && (e = mmu_static_map_attach(*smap, *m)) != MMU_OK)
                msg(err, errlen, "map: %s", mmu_strerror(e));
        }
    }
    if (e != MMU_OK) {
        mmu_destroy(*m);
        mmu_os_destroy(*os);
        if (smap) {
            mmu_static_map_destroy(*smap);
            *smap = NULL;
        }
        *m = NULL;
        *os = NULL;
        return -1;
    }
    return 0;
}

int mmusim_mmu_create(const mmu_config *cfg, mmu **m, mmu_os **os, char *err, size_t errlen)
{
    return mmusim_mmu_create_map(cfg, m, os, NULL, err, errlen);
}
