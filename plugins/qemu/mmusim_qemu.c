/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmusim_qemu.c - a QEMU TCG plugin that runs every instruction fetch, load
 * and store of the guest through mmusim as it executes:
 *
 *   qemu-x86_64 -plugin libmmusim-qemu.so,preset=skylake,json=out.json PROG ARGS
 *
 * One MMU per vCPU (in qemu-user, one per guest thread), one OS model shared
 * by all of them (the guest process is one ASID); the summary, JSON and CSV
 * are those of `mmusim run`, per vCPU.  docs/qemu.md describes the options,
 * how QEMU's view of the accesses differs from Valgrind Lackey's, and the
 * thread-safety rules this file relies on:
 *
 *   - A vCPU's MMU (TLBs, PWCs, walker pool, PTE memory model, counters) is
 *     used only by the thread running that vCPU; no lock on the hit path.
 *   - The OS model (page tables in its memory, frames, processes) is shared:
 *     every call into it (PTE reads and writes of a walk, a root, a fault)
 *     holds os_mu.  Page-table frames are never freed, so a walk reading one
 *     PTE at a time under the lock sees each entry either before or after an
 *     update, as a hardware walker racing the kernel does.
 *   - A shootdown the OS sends while handling one vCPU's fault (g.in_os,
 *     under os_mu) is applied at once to that vCPU's own MMU and queued for
 *     every other vCPU, which applies it before its next access (an IPI
 *     taken at the next instruction boundary).  So no thread ever touches another vCPU's MMU, and lock
 *     order is simply: os_mu, then a vCPU's queue lock (sd_mu), never back.
 *   - The repeat path (rep_*, streak_*: accesses counted, not simulated) is
 *     per vCPU too; its counts go into the vCPU's MMU before its counters
 *     are read (warm-up, exit).
 *   - Reports are written at exit, after QEMU has stopped every vCPU.
 *   - A guest fork() is a host fork() in qemu-user: pthread_atfork handlers
 *     take every lock before it (vcpus_mu, os_mu, then each sd_mu) so the
 *     child's copy of the model is never caught mid-update; the child starts
 *     its own counters and writes its results to the output names + ".PID".
 *
 * Licence: GPL-2.0-or-later, see LICENSE.md in this folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
#include "mmusim/mmusim.h"
#include "qemu_api.h"

/* Provided by QEMU 7.2 too: the guest program's path (the caller frees it). */
char *qemu_plugin_path_to_binary(void);

MMUSIM_QEMU_EXPORT int qemu_plugin_version = MMUSIM_QEMU_API_VERSION;

#define MAX_VCPUS 1024
#define SD_QUEUE_MAX 4096 /* queued shootdowns past this become one full flush */
#define ASID 0            /* the guest process (as in a Lackey trace) */

typedef struct shoot {
    uint64_t vaddr, bytes;
    uint16_t asid;
} shoot;

/*
 * The repeat path (repeat=on; docs/qemu.md, "Performance"): per side (fetch,
 * data), the last REP_PAGES pages (at the model's filter granularity) that
 * hit in level 1 and that the model's hit filter answers, with the access
 * types it answers there.  An access of such a page and of one of those
 * types, within the page, is translated the same way while nothing changes
 * the MMU: it is only counted here (n) and its issue cycle stepped, its
 * data (loads and stores through the PTE caches) made at once
 * (mmu_access_data).  The model said where such a hit is counted
 * (mmu_repeat_watch fills slot), so the counts are added there in bulk
 * (mmu_access_repeat) whenever convenient before the counters are read.  A
 * page is used only once mmu_repeat_watch said yes; it keeps the TLB sets
 * that answer rests on (their change counters and values), and is marked
 * REP_STALE (asked again when next used, rep_verify) once one of them
 * changed: the fast path's pages right after the access the model answered
 * (rep_check), the others when the slow path finds them (rep_fresh); and
 * every page after a walk, a fault, a crossing or shootdowns (rep_stale: a
 * walk may hold up level-1 hits until it completes); a page whose filter
 * slot another page took is dropped (rep_remember).  A repeated load or store's data makes
 * mmu_access_data's first step here (rep_data: the PTE caches' last line is
 * only counted, mmu_get_data_repeat).
 */
#define REP_PAGES 4 /* pages per side: the fast path looks at the last one (loads and stores: the last two),
                       the slow path at all */
#define REP_WATCH 6 /* TLB sets a page's answer may rest on (a level-1 lookup probes at most 6: a page
                       whose answer rests on more is not remembered) */

typedef struct rep_page {
    uint64_t key;       /* va >> shift: the page (| REP_STALE: to be checked again); REP_NONE: none */
    uint8_t shift, types; /* the page's shift; bit t: type t answered by the filter */
    uint8_t nw;         /* TLB sets the answer rests on (0: no page) */
    uint64_t pbase;     /* the page's physical address */
    uint64_t mask;      /* the page's size - 1 */
    uint64_t n[MMU_ACCESS_TYPES]; /* repeats counted here, by type, not yet in the model */
    uint64_t vaddr;     /* an address in the page */
    uint64_t chk;       /* *tlb_changes when none of the sets below had changed (rep_fresh) */
    mmu_repeat_slot slot; /* where the model counts them */
    const uint64_t *gen[REP_WATCH]; /* the change counters of those sets (mmu_repeat_watch) ... */
    uint64_t seen[REP_WATCH];       /* ... and their values when the filter last answered */
} rep_page;

typedef struct rep_side {
    rep_page p[REP_PAGES];
    rep_page *mru;        /* the page that repeated last */
    rep_page *prev;       /* the mru before it (loads and stores: the fast path's second look) */
    unsigned next;        /* the page a new page takes */
    uint32_t lat;         /* the filter's latency (level 1) */
    unsigned shift;       /* every page's shift (the model's filter granularity of the side); 63: none yet */
    uint64_t total;       /* repeats added to the model (MMUSIM_QEMU_REPEAT_STATS) */
    uint64_t asks;        /* mmu_repeat_watch calls (MMUSIM_QEMU_REPEAT_STATS) */
} rep_side;

#define REP_NONE UINT64_MAX /* with shift 63: no address's key */
#define REP_STALE (UINT64_C(1) << 63) /* in a key: no address's key either (va >> shift < 2^63) */

typedef struct vcpu {
    unsigned index;
    mmu *m;
    rep_side rep[2];          /* [0] fetches, [1] loads and stores */
    const uint64_t *tlb_changes; /* the model's count of TLB set changes (mmu_repeat_info) */
    int data_caches;          /* loads and stores go through the PTE caches (mmu_access_data) */
    /* mmu_access_data's first step, made here (mmu_get_data_repeat): a load or store of the line
       the first PTE cache level served last is only counted, in *dcount[is_write] */
    const uint64_t *dline;
    unsigned dshift;
    uint64_t *dcount[2];
    /* a streak of repeats (streak_end): while streaking, each repeat is only counted */
    int streaking;
    int streak_cfg;           /* streaks possible: one filter latency L for both sides, L <= window * interval */
    uint32_t streak_lat;      /* that L */
    uint64_t streak_ni;       /* next_issue when the streak began */
    uint64_t sk;              /* repeats in the streak */
    uint64_t ring_hi;         /* no completion cycle in done_ring is later */
    uint64_t long_until;      /* seen below this: an access slower than window * interval (not a trap) may be in done_ring */
    uint64_t *done_ring;      /* completion cycles of the last max_outstanding accesses */
    uint32_t ring_pos, window, interval;
    uint64_t next_issue;      /* earliest issue cycle of the next access */
    uint64_t seen;            /* accesses, warm-up included */
    uint64_t warm_at;         /* seen at the access that ends the warm-up; UINT64_MAX: none */
    uint64_t counted_from;    /* seen when the counters last started (warm-up, fork) */
    uint64_t seen_at_fork;    /* seen when this process was forked (a child) */
    /* counted crossings, instructions, cycles; accesses and translations are
       made from seen and crossings when reported (sync_info) */
    mmusim_run_info info;
    uint64_t shootdowns_in;   /* shootdowns from other vCPUs applied here */
    char path[4200];          /* "PROGRAM (vCPU n)" for the reports */
    /* shootdowns queued by other vCPUs' faults */
    pthread_mutex_t sd_mu;
    atomic_int sd_pending;
    int sd_flush;             /* the queue overflowed: drop every entry */
    shoot *sd;
    size_t n_sd, cap_sd;
} vcpu;

static struct {
    mmu_config cfg;
    char preset[64];
    int have_preset;
    char *json, *csv, *summary;
    uint64_t warmup;
    int fetches;
    int repeat;               /* repeat=on: the repeat path (default) */
    char target[32];
    char *program;
    pid_t pid;                /* this process (updated in a forked child) */
    pid_t parent;             /* in a forked child of the guest: the parent's pid; else 0 */
    int children;             /* forked children write their own results (children=on) */
    const mmu_pt_format *fmt;
    mmu_os *os;
    mmu_mem_port os_port;     /* the OS model's own memory port */
    pthread_mutex_t os_mu;    /* every call into the OS model */
    mmu_err os_err;           /* first error of the OS model (under os_mu) */
    vcpu *in_os;              /* the vCPU whose walk called into the OS model (under os_mu) */
    pthread_mutex_t vcpus_mu; /* creation of vCPUs */
    _Atomic(vcpu *) vcpus[MAX_VCPUS];
    atomic_uint n_vcpus;      /* 1 + highest index seen */
} g = {.fetches = 1, .repeat = 1, .children = 1, .os_mu = PTHREAD_MUTEX_INITIALIZER, .vcpus_mu = PTHREAD_MUTEX_INITIALIZER};

/*
 * A message on standard error (QEMU's own qemu_plugin_outs() shows only
 * with -d plugin).  One write, so lines of several threads do not mix.
 */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n] = '\n';
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n + 1);
    (void)w; /* the guest may have closed its standard error: nothing else to tell */
}

/* Stop the guest: the model cannot go on meaningfully.  No output file is written. */
static void die(void) __attribute__((noreturn));
static void die(void)
{
    fflush(NULL);
    _exit(1);
}

/* ---- the shared OS model, under os_mu ---- */

static uint32_t os_read(void *ctx, uint64_t pa, uint64_t *v)
{
    (void)ctx;
    pthread_mutex_lock(&g.os_mu);
    uint32_t lat = g.os_port.read64(g.os_port.ctx, pa, v);
    pthread_mutex_unlock(&g.os_mu);
    return lat;
}

static uint32_t os_write(void *ctx, uint64_t pa, uint64_t v)
{
    (void)ctx;
    pthread_mutex_lock(&g.os_mu);
    uint32_t lat = g.os_port.write64(g.os_port.ctx, pa, v);
    pthread_mutex_unlock(&g.os_mu);
    return lat;
}

static uint32_t os_debug_read(void *ctx, uint64_t pa, uint64_t *v)
{
    (void)ctx;
    pthread_mutex_lock(&g.os_mu);
    uint32_t lat = g.os_port.debug_read64 ? g.os_port.debug_read64(g.os_port.ctx, pa, v)
                                          : g.os_port.read64(g.os_port.ctx, pa, v);
    pthread_mutex_unlock(&g.os_mu);
    return lat;
}

static int os_root(void *ctx, uint16_t asid, uint64_t *root)
{
    pthread_mutex_lock(&g.os_mu);
    g.in_os = ctx; /* creating the process may evict a page: its shootdowns */
    uint64_t r = mmu_os_root(g.os, asid);
    if (r == MMU_OS_NO_ROOT && g.os_err == MMU_OK)
        g.os_err = MMU_EFULL;
    pthread_mutex_unlock(&g.os_mu);
    if (r == MMU_OS_NO_ROOT)
        return 0;
    *root = r;
    return 1;
}

static int os_fault(void *ctx, const mmu_request *req, const mmu_walk_result *w, uint64_t *cycles)
{
    mmu_os_fault_result r;
    pthread_mutex_lock(&g.os_mu);
    g.in_os = ctx;
    mmu_err e = mmu_os_handle_fault(g.os, req->asid, req->vaddr, (mmu_access_type)req->type,
                                    (mmu_priv)req->priv, w, &r);
    if (e != MMU_OK && g.os_err == MMU_OK)
        g.os_err = e;
    pthread_mutex_unlock(&g.os_mu);
    if (e != MMU_OK || r.kind == MMU_OS_FAULT_PROTECTION)
        return 0;
    *cycles = r.lat.total;
    return 1;
}

/* Called by the OS model (os_mu held): the faulting vCPU's own MMU now, the others later. */
static void os_shootdown(void *ctx, uint16_t asid, uint64_t vaddr, mmu_page_size size)
{
    vcpu *v = ctx;
    uint64_t bytes = UINT64_C(1) << mmu_page_shift(size);
    if (v == g.in_os) {
        mmu_invalidate_range(v->m, vaddr, bytes, asid);
        return;
    }
    pthread_mutex_lock(&v->sd_mu);
    if (v->n_sd == v->cap_sd && !v->sd_flush) {
        size_t cap = v->cap_sd ? 2 * v->cap_sd : 64;
        shoot *p = cap <= SD_QUEUE_MAX ? realloc(v->sd, cap * sizeof *p) : NULL;
        if (p) {
            v->sd = p;
            v->cap_sd = cap;
        } else {
            v->sd_flush = 1; /* too many (or no memory): drop everything instead */
        }
    }
    if (!v->sd_flush)
        v->sd[v->n_sd++] = (shoot){vaddr, bytes, asid};
    atomic_store_explicit(&v->sd_pending, 1, memory_order_release);
    pthread_mutex_unlock(&v->sd_mu);
}

static void apply_shootdowns(vcpu *v)
{
    pthread_mutex_lock(&v->sd_mu);
    if (v->sd_flush)
        mmu_invalidate(v->m, MMU_INVAL_ALL, 0, 0);
    else
        for (size_t i = 0; i < v->n_sd; i++)
            mmu_invalidate_range(v->m, v->sd[i].vaddr, v->sd[i].bytes, v->sd[i].asid);
    v->shootdowns_in += v->sd_flush ? 1 : v->n_sd;
    v->n_sd = 0;
    v->sd_flush = 0;
    atomic_store_explicit(&v->sd_pending, 0, memory_order_relaxed);
    pthread_mutex_unlock(&v->sd_mu);
}

/* ---- the repeat path ---- */

/* The repeats counted in page p of side r into the model (and the fetches into the instructions). */
static void rep_flush_page(vcpu *v, rep_side *r, rep_page *p)
{
    for (unsigned t = 0; t < MMU_ACCESS_TYPES; t++) {
        if (p->n[t]) {
            mmu_access_repeat(&p->slot, t, p->n[t]);
            if (t == MMU_FETCH)
                v->info.instructions += p->n[t];
            r->total += p->n[t];
            p->n[t] = 0;
        }
    }
}

/* Every repeat counted here into the model (before its counters are read). */
static void rep_flush(vcpu *v)
{
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < REP_PAGES; i++)
            rep_flush_page(v, &v->rep[s], &v->rep[s].p[i]);
}

/* Forget every page; drop their counts (the counters were cleared, or are the parent's). */
static void rep_forget(vcpu *v)
{
    for (int s = 0; s < 2; s++) {
        for (unsigned i = 0; i < REP_PAGES; i++) {
            rep_page *p = &v->rep[s].p[i];
            p->key = REP_NONE;
            p->shift = 63;
            p->types = 0;
            p->nw = 0;
            memset(p->n, 0, sizeof p->n);
        }
        v->rep[s].mru = v->rep[s].prev = &v->rep[s].p[0];
        if (!v->rep[s].shift)
            v->rep[s].shift = 63; /* none yet (a forked child keeps its parent's) */
    }
}

/* Page p of side r repeats now: the fast path's pages. */
static inline void rep_use(rep_side *r, rep_page *p)
{
    if (r->mru != p) {
        r->prev = r->mru;
        r->mru = p;
    }
}

/* A walk, a fault, a crossing or shootdowns: check each page again before use. */
static void rep_stale(vcpu *v)
{
    for (int s = 0; s < 2; s++)
        for (unsigned i = 0; i < REP_PAGES; i++)
            v->rep[s].p[i].key |= REP_STALE;
}

/*
 * Page p (not stale) still answered as when the filter last answered it,
 * though tlb_changes may have moved since (mmu_repeat_watch: none of the
 * sets its answer rests on changed, and no walk since, rep_stale)?  If not,
 * it is marked stale.
 */
static inline void rep_fresh(vcpu *v, rep_page *p)
{
    const uint64_t tc = *v->tlb_changes;
    if (p->chk == tc)
        return;
    unsigned changed = 0;
    for (unsigned j = 0; j < p->nw; j++)
        changed |= *p->gen[j] != p->seen[j];
    if (changed)
        p->key |= REP_STALE;
    else
        p->chk = tc;
}

/*
 * An access the model answered from the TLBs (no walk, no fault, no
 * crossing) changed some TLB set: the pages the fast path looks at (the
 * last page of each side, and the one before it for loads and stores) are
 * checked now, as it does not check them; the others when access_slow
 * finds them.  (A dropped page has no sets: never stale.)
 */
static __attribute__((noinline)) void rep_check(vcpu *v)
{
    rep_fresh(v, v->rep[0].mru);
    rep_fresh(v, v->rep[1].mru);
    rep_fresh(v, v->rep[1].prev);
}

/* Drop page p (its counts must be in the model already). */
static inline void rep_drop(rep_page *p)
{
    p->key = REP_NONE;
    p->shift = 63;
    p->types = 0;
    p->nw = 0;
}

/*
 * After an access of side s that hit in level 1 (req, resp): its filter
 * page repeats from now on if the filter answers it, with the TLB sets that
 * answer rests on (mmu_repeat_watch).  The access may have put its page in
 * a filter slot another remembered page had: that page no longer repeats.
 */
static __attribute__((noinline)) void rep_remember(vcpu *v, int s, const mmu_request *req,
                                                   const mmu_response *resp)
{
    rep_side *r = &v->rep[s];
    rep_page *p = NULL;
    unsigned found = 0; /* without branches: the pages vary */
    const uint64_t key = req->vaddr >> r->shift;
    for (unsigned i = 0; i < REP_PAGES; i++)
        found |= (unsigned)((r->p[i].key & ~REP_STALE) == key) << i;
    if (found)
        p = &r->p[__builtin_ctz(found)];
    /* the page it becomes (below: the same when the side's first page changes the shift, as no
       page is found then): the sets go straight there */
    rep_page *const t = p ? p : &r->p[r->next];
    mmu_repeat_slot sl;
    unsigned types = p ? p->types : 0;
    unsigned nw = mmu_repeat_watch(v->m, req, types, &sl, t->gen, t->seen, REP_WATCH);
    r->asks++;
    if (!nw && types) {
        types = 0;
        nw = mmu_repeat_watch(v->m, req, 0, &sl, t->gen, t->seen, REP_WATCH);
        r->asks++;
    }
    unsigned clash = 0;
    for (unsigned i = 0; i < REP_PAGES; i++)
        clash |= (unsigned)((r->p[i].key != REP_NONE) & (r->p[i].slot.index == sl.index)) << i;
    if (p)
        clash &= ~(1u << (p - r->p)); /* the page itself */
    for (; clash; clash &= clash - 1) {
        rep_page *q = &r->p[__builtin_ctz(clash)];
        rep_flush_page(v, r, q); /* its slot holds another page now */
        rep_drop(q);
    }
    if (sl.shift != r->shift) { /* the first page of the side (the model's granularity is fixed) */
        for (unsigned i = 0; i < REP_PAGES; i++) {
            rep_flush_page(v, r, &r->p[i]);
            rep_drop(&r->p[i]);
        }
        p = NULL;
        if (types) {
            types = 0;
            nw = mmu_repeat_watch(v->m, req, 0, &sl, t->gen, t->seen, REP_WATCH);
            r->asks++;
        }
        r->shift = sl.shift;
    }
    if (!p) {
        p = &r->p[r->next];
        r->next = (r->next + 1) % REP_PAGES;
    }
    rep_flush_page(v, r, p); /* its counts go where they belong before the slot is replaced */
    if (p != t) { /* (not seen: a page is found only once the side has its shift) */
        memcpy(p->gen, t->gen, sizeof p->gen);
        memcpy(p->seen, t->seen, sizeof p->seen);
    }
    if (!nw) {
        rep_drop(p);
        return;
    }
    p->shift = (uint8_t)sl.shift;
    p->key = req->vaddr >> sl.shift;
    p->mask = (UINT64_C(1) << sl.shift) - 1;
    p->pbase = resp->paddr - (req->vaddr & p->mask);
    p->vaddr = req->vaddr;
    p->slot = sl;
    p->types = (uint8_t)(types | 1u << req->type);
    p->nw = (uint8_t)nw;
    p->chk = *v->tlb_changes;
    r->lat = resp->latency;
    rep_use(r, p);
}

/* Page p of side r, marked stale since the filter last answered it: still answered so? */
static __attribute__((noinline)) int rep_verify(vcpu *v, rep_side *r, rep_page *p, unsigned type)
{
    uint64_t cycle = v->next_issue; /* the cycle rep_step issues at (later ones follow) */
    if (v->done_ring[v->ring_pos] > cycle)
        cycle = v->done_ring[v->ring_pos];
    rep_flush_page(v, r, p); /* the slot may be another now */
    mmu_request req = {p->vaddr, cycle, 1, ASID, (uint8_t)type, MMU_PRIV_USER, 0};
    const unsigned nw = mmu_repeat_watch(v->m, &req, p->types, &p->slot, p->gen, p->seen, REP_WATCH);
    r->asks++;
    if (!nw) {
        rep_drop(p);
        return 0;
    }
    p->nw = (uint8_t)nw;
    p->chk = *v->tlb_changes;
    p->key &= ~REP_STALE;
    return 1;
}

/*
 * An access that repeats page p of side r: the issue rule's step of
 * do_access with the filter's latency, and a count (a fetch's instruction
 * is counted when the count goes to the model).
 */
static inline void rep_step(vcpu *v, rep_side *r, rep_page *p, unsigned type)
{
    uint64_t *oldest = &v->done_ring[v->ring_pos];
    if (++v->ring_pos == v->window)
        v->ring_pos = 0;
    uint64_t cycle = v->next_issue;
    if (*oldest > cycle)
        cycle = *oldest;
    v->seen++;
    uint64_t done = cycle + r->lat;
    *oldest = done;
    v->next_issue = cycle + v->interval;
    if (done > v->info.last_cycle)
        v->info.last_cycle = done;
    if (done > v->ring_hi)
        v->ring_hi = done;
    p->n[type]++;
}

/*
 * The end of a streak: the issue rule's steps of its sk repeats at once.
 * A streak begins only when its filter latency L is at most window *
 * interval and either no access in the ring completes after next_issue
 * (ring_hi) or no access in the ring took longer than window * interval
 * without a trap (long_until).  In the second case too the repeat j
 * consults a slot no later than streak_ni + j * interval: the slot's
 * access X issued at least window - j intervals before streak_ni and
 * completed at most window intervals after its issue (a trap: the core
 * waited for it, so streak_ni is no earlier; a slot a streak kept: no
 * later than that repeat's issue, below).  So every repeat issues at
 * next_issue, the j-th at streak_ni + j * interval, and completes L
 * later.  Their ring slots keep the values they had (no later than
 * the repeat's issue), not the repeats' completions: either value is no
 * later than the cycle at which the slot is next consulted (window
 * accesses on, each at least one interval later, and L <= window *
 * interval), so that access issues at its next_issue either way.
 */
static void streak_end(vcpu *v)
{
    const uint64_t k = v->sk, last = v->streak_ni + (k - 1) * v->interval;
    v->seen += k;
    v->next_issue = last + v->interval;
    if (last + v->streak_lat > v->info.last_cycle)
        v->info.last_cycle = last + v->streak_lat;
    v->ring_pos = (uint32_t)((v->ring_pos + k) % v->window);
    v->streaking = 0;
    v->sk = 0;
}

/* Nothing stops a repeat now: no shootdown pending, not the access that ends the warm-up. */
static inline int rep_open(const vcpu *v)
{
    return v->seen != v->warm_at && !atomic_load_explicit(&v->sd_pending, memory_order_acquire);
}

/* The data of a repeated load or store at paddr, in order, as mmu_access makes it after the
   translation: mmu_access_data, whose first step (the line the first PTE cache level served
   last: counted) is made here. */
static inline void rep_data(vcpu *v, uint64_t paddr, int is_write)
{
    if ((paddr >> v->dshift) == *v->dline)
        ++*v->dcount[is_write];
    else
        mmu_access_data(v->m, paddr, is_write);
}

/* The page of side r (stale or not) that holds [va, va + size), of a type answered there, or
   REP_PAGES.  Every page of the side has the side's shift (rep_remember), and no two pages
   have the same key (stale or not). */
static inline unsigned rep_find(const rep_side *r, uint64_t va, uint32_t size, unsigned type)
{
    const uint64_t key = va >> r->shift;
    if (((va + size - 1) >> r->shift) != key)
        return REP_PAGES; /* crosses a page */
    unsigned m = 0; /* without branches: the slow path's pages vary */
    for (unsigned i = 0; i < REP_PAGES; i++)
        m |= (unsigned)((r->p[i].key & ~REP_STALE) == key) << i;
    const unsigned i = m ? (unsigned)__builtin_ctz(m) : 0;
    return m && ((r->p[i].types >> type) & 1) ? i : REP_PAGES;
}

/* ---- vCPUs ---- */

static vcpu *vcpu_create(unsigned index)
{
    char err[1024];
    vcpu *v = calloc(1, sizeof *v);
    if (!v) {
        say("mmusim: out of memory");
        die();
    }
    v->index = index;
    if (mmu_create(&g.cfg, &v->m, err, sizeof err) != MMU_OK) {
        say("mmusim: %s", err);
        die();
    }
    v->warm_at = g.warmup ? g.warmup : UINT64_MAX;
    mmu_repeat_info ri;
    mmu_get_repeat_info(v->m, &ri);
    v->tlb_changes = ri.tlb_changes;
    v->data_caches = ri.data_through_caches;
    mmu_data_repeat dr;
    mmu_get_data_repeat(v->m, &dr);
    v->dline = dr.line;
    v->dshift = dr.line_shift;
    v->dcount[0] = dr.reads;
    v->dcount[1] = dr.writes;
    if (!dr.reads || !dr.writes)
        v->data_caches = 0; /* no data through the PTE caches: mmu_access_data does nothing */
    v->streak_lat = ri.l1_latency[0];
    v->streak_cfg = ri.l1_latency[0] == ri.l1_latency[1] && g.cfg.core.issue_interval > 0 &&
                    ri.l1_latency[0] <= (uint64_t)g.cfg.core.max_outstanding * g.cfg.core.issue_interval;
    rep_forget(v);
    v->window = g.cfg.core.max_outstanding;
    v->interval = g.cfg.core.issue_interval;
    v->done_ring = calloc(v->window, sizeof *v->done_ring);
    pthread_mutex_init(&v->sd_mu, NULL);
    if (!v->done_ring) {
        say("mmusim: out of memory");
        die();
    }
    if (g.os) {
        mmu_mem_port port = {v, os_read, os_write, os_debug_read};
        mmu_set_memory(v->m, &port);
        mmu_fault_handler h = {v, os_root, os_fault};
        mmu_set_fault_handler(v->m, &h);
        pthread_mutex_lock(&g.os_mu);
        mmu_err e = mmu_os_add_shootdown_target(g.os, os_shootdown, v);
        pthread_mutex_unlock(&g.os_mu);
        if (e != MMU_OK) {
            say("mmusim: %s", mmu_strerror(e));
            die();
        }
    }
    return v;
}

/* The vCPU of index, created on first use (a new guest thread). */
static vcpu *vcpu_get(unsigned index)
{
    if (index >= MAX_VCPUS) {
        say("mmusim: vCPU %u: at most %d vCPUs (guest threads alive at once)", index, MAX_VCPUS);
        die();
    }
    vcpu *v = atomic_load_explicit(&g.vcpus[index], memory_order_acquire);
    if (v)
        return v;
    pthread_mutex_lock(&g.vcpus_mu);
    v = atomic_load_explicit(&g.vcpus[index], memory_order_relaxed);
    if (!v) {
        v = vcpu_create(index);
        atomic_store_explicit(&g.vcpus[index], v, memory_order_release);
        if (atomic_load(&g.n_vcpus) <= index)
            atomic_store(&g.n_vcpus, index + 1);
    }
    pthread_mutex_unlock(&g.vcpus_mu);
    return v;
}

static void vcpu_init(qemu_plugin_id_t id, unsigned int index)
{
    (void)id;
    (void)vcpu_get(index);
}

/* ---- the accesses ---- */

/* The smallest format of the same architecture that maps vaddr, or NULL. */
static const mmu_pt_format *wider_format(uint64_t vaddr)
{
    const mmu_pt_format *best = NULL;
    for (unsigned i = 0; i < mmu_pt_format_count(); i++) {
        const mmu_pt_format *f = mmu_pt_format_get(i);
        if (f->host || f->arch != g.fmt->arch || f->va_bits <= g.fmt->va_bits ||
            (vaddr >> (f->va_bits - 1)) != 0) /* host-stage formats are not guest formats */
            continue;
        if (!best || f->va_bits < best->va_bits)
            best = f;
    }
    return best;
}

static void fault_seen(vcpu *v, const mmu_request *req, const mmu_response *resp)
{
    static const char *const what[MMU_ACCESS_TYPES] = {"load from", "store to", "fetch from"};
    if (resp->fault == MMU_FAULT_NONCANONICAL) {
        const mmu_pt_format *w = wider_format(req->vaddr);
        say("mmusim: the %s guest's %s 0x%llx is outside what %s page tables map (%u-bit virtual "
            "addresses; QEMU user mode places the guest's memory where the host's address space "
            "allows, e.g. a riscv64 guest's heap at 2^38, outside Sv39)%s%s%s",
            g.target, what[req->type % MMU_ACCESS_TYPES], (unsigned long long)req->vaddr,
            g.fmt->name, g.fmt->va_bits, w ? ": use a format with more bits, e.g. set=walker.format=" : "",
            w ? w->name : "", w ? "" : ": no format of this architecture maps it");
        die();
    }
    pthread_mutex_lock(&g.os_mu);
    mmu_err e = g.os_err;
    pthread_mutex_unlock(&g.os_mu);
    if (e != MMU_OK) {
        say("mmusim: vCPU %u: %s 0x%llx: the OS model could not handle a page fault: %s (physical "
            "memory too small for the page tables, or swap full: see os.phys_mem, os.pt_ranges, os.swap_size)",
            v->index, what[req->type % MMU_ACCESS_TYPES], (unsigned long long)req->vaddr, mmu_strerror(e));
        die();
    }
}

static void warm_up(vcpu *v, uint64_t cycle)
{
    rep_flush(v); /* counted before the warm-up's end: cleared with the rest */
    mmu_clear_stats(v->m);
    if (g.os && v->index == 0) {
        pthread_mutex_lock(&g.os_mu);
        mmu_os_clear_stats(g.os);
        pthread_mutex_unlock(&g.os_mu);
    }
    v->counted_from = v->seen - 1; /* the access ending the warm-up is counted */
    v->info.accesses = v->info.translations = v->info.crossings = v->info.instructions = 0;
    v->info.first_cycle = cycle;
    v->info.last_cycle = 0;
}

static void do_access(vcpu *v, uint64_t vaddr, uint32_t size, mmu_access_type type)
{
    if (atomic_load_explicit(&v->sd_pending, memory_order_acquire)) {
        apply_shootdowns(v);
        rep_stale(v); /* every page is checked again before it repeats */
    }
    uint64_t *oldest = &v->done_ring[v->ring_pos];
    if (++v->ring_pos == v->window)
        v->ring_pos = 0;
    uint64_t cycle = v->next_issue;
    if (*oldest > cycle)
        cycle = *oldest; /* every slot busy: wait for the oldest access */
    if (__builtin_expect(v->seen++ == v->warm_at, 0))
        warm_up(v, cycle);
    mmu_request req = {vaddr, cycle, size, ASID, (uint8_t)type, MMU_PRIV_USER, 0};
    mmu_response resp[2];
    const int s = type != MMU_FETCH;
    const uint64_t tc = *v->tlb_changes;
    int k = mmu_access(v->m, &req, resp);
    if (g.repeat) {
        if (k != 1 || resp[0].outcome != MMU_OUT_TLB || resp[0].fault != MMU_FAULT_NONE || resp[0].page_faults) {
            rep_stale(v); /* a walk, a fault or a crossing: check every page again before it repeats */
        } else {
            if (*v->tlb_changes != tc)
                rep_check(v); /* TLB sets changed: check again the pages that rest on them */
            if (resp[0].level == 1)
                rep_remember(v, s, &req, &resp[0]); /* a level-1 hit: the filter may answer its page now */
        }
    }
    uint64_t done = resp[k - 1].done_cycle;
    *oldest = done;
    if (done > v->ring_hi)
        v->ring_hi = done;
    v->next_issue = cycle + v->interval;
    if (resp[0].page_faults || resp[k - 1].page_faults)
        v->next_issue = done; /* a page fault is a trap: the core stops until it returns */
    else if (done - cycle > (uint64_t)v->window * v->interval)
        v->long_until = v->seen + v->window; /* its ring slot may hold up a streak (access_slow) */
    v->info.instructions += type == MMU_FETCH;
    if (k == 2)
        v->info.crossings++;
    if (done > v->info.last_cycle)
        v->info.last_cycle = done;
    if (resp[k - 1].fault != MMU_FAULT_NONE)
        fault_seen(v, &req, &resp[k - 1]);
}

/* The vCPU running: created by vcpu_init before it runs (vcpu_get covers a late start). */
static inline vcpu *cur(unsigned index)
{
    vcpu *v = index < MAX_VCPUS ? atomic_load_explicit(&g.vcpus[index], memory_order_acquire) : NULL;
    return __builtin_expect(v != NULL, 1) ? v : vcpu_get(index);
}

/*
 * An access off the fast path.  If it repeats another page of its side
 * that is known good, it is counted as on the fast path (a streak goes on,
 * or begins); if it repeats a page to check again (REP_STALE), the streak
 * ends and the model is asked (rep_verify); else it goes to the model.
 */
static __attribute__((noinline)) void access_slow(vcpu *v, uint64_t va, uint32_t size, mmu_access_type type)
{
    rep_side *r = &v->rep[type != MMU_FETCH];
    rep_page *p = NULL;
    if (g.repeat && rep_open(v)) {
        const unsigned i = rep_find(r, va, size, type);
        if (i < REP_PAGES) {
            p = &r->p[i];
            rep_fresh(v, p); /* (a stale page: its sets changed, chk is old) */
            if (p->key & REP_STALE) {
                if (v->streaking)
                    streak_end(v); /* rep_verify asks at the cycle this access issues */
                if (!rep_verify(v, r, p, type))
                    p = NULL;
            }
        }
    }
    if (!p) {
        if (v->streaking)
            streak_end(v);
        do_access(v, va, size, type);
        return;
    }
    rep_use(r, p);
    if (v->streaking) {
        p->n[type]++;
        v->sk++;
    } else if (v->streak_cfg && (v->warm_at == UINT64_MAX || v->seen > v->warm_at) &&
               (v->next_issue >= v->ring_hi || v->seen >= v->long_until)) {
        v->streaking = 1;
        v->streak_ni = v->next_issue;
        v->sk = 1;
        p->n[type]++;
    } else {
        rep_step(v, r, p, type);
    }
    if (type != MMU_FETCH && v->data_caches) /* the data, in order, as mmu_access makes it */
        rep_data(v, p->pbase | (va & p->mask), type == MMU_WRITE);
}

/*
 * udata of a fetch: the instruction's address << 5 | whether it crosses a 4K
 * boundary << 4 | its size (at most 15 bytes).  The fast path: in a streak,
 * a fetch of the page the last fetch repeated is counted, and that is all.
 */
static void on_fetch(unsigned int index, void *udata)
{
    const uintptr_t u = (uintptr_t)udata;
    vcpu *v = cur(index);
    const uint64_t va = (uint64_t)(u >> 5);
    rep_page *p = v->rep[0].mru;
    /* a fetch page holds only fetches; one that does not cross 4K crosses no page */
    if (__builtin_expect((va >> p->shift) == p->key && !(u & 16) && v->streaking &&
                             !atomic_load_explicit(&v->sd_pending, memory_order_acquire), 1)) {
        p->n[MMU_FETCH]++;
        v->sk++;
        return;
    }
    access_slow(v, va, (uint32_t)(u & 15), MMU_FETCH);
}

/* Page p (not stale) holds [va, va + size), of a type answered there. */
static inline int mem_holds(const rep_page *p, uint64_t va, uint32_t size, unsigned type)
{
    return (va >> p->shift) == p->key && ((va + size - 1) >> p->shift) == p->key && ((p->types >> type) & 1);
}

/* The same for loads and stores (the page, within it, and an access type answered there). */
static void on_mem(unsigned int index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)udata;
    vcpu *v = cur(index);
    const uint32_t size = 1u << qemu_plugin_mem_size_shift(info);
    const mmu_access_type type = qemu_plugin_mem_is_store(info) ? MMU_WRITE : MMU_READ;
    rep_side *r = &v->rep[1];
    rep_page *p = r->mru;
    if (__builtin_expect(!mem_holds(p, vaddr, size, type), 0)) {
        p = r->prev; /* loads and stores hop between pages: a second look, as access_slow would */
        if (!mem_holds(p, vaddr, size, type))
            p = NULL;
        else {
            r->prev = r->mru;
            r->mru = p;
        }
    }
    if (__builtin_expect(p && v->streaking && !atomic_load_explicit(&v->sd_pending, memory_order_acquire), 1)) {
        p->n[type]++;
        v->sk++;
        if (v->data_caches) /* the data, in order, as mmu_access makes it after the translation */
            rep_data(v, p->pbase | (vaddr & p->mask), type == MMU_WRITE);
        return;
    }
    access_slow(v, vaddr, size, type);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (g.fetches) {
            uint64_t va = qemu_plugin_insn_vaddr(insn);
            size_t size = qemu_plugin_insn_size(insn);
            if (size > 15)
                size = 15;
            const uint64_t cross = ((va & 4095) + (size ? size : 1) > 4096) ? 16 : 0;
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_fetch, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(uintptr_t)(va << 5 | cross | size));
        }
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
}

/* ---- results ---- */

/*
 * The vCPU of index i as reported: in a forked child only the vCPUs that ran
 * since the fork (the forking thread's; the parent's other threads do not
 * exist in the child).
 */
static vcpu *reported(unsigned i)
{
    vcpu *v = g.vcpus[i];
    if (v && g.parent && v->seen == v->seen_at_fork)
        return NULL;
    return v;
}

/* An output's name: as given for the guest process, NAME.PID for a forked child (a regular file or a new name). */
static const char *out_name(char *buf, size_t n, const char *name)
{
    struct stat st;
    if (!g.parent || strcmp(name, "-") == 0 || (stat(name, &st) == 0 && !S_ISREG(st.st_mode)))
        return name; /* standard output, a device or a FIFO: written in place by every process */
    if ((size_t)snprintf(buf, n, "%s.%ld", name, (long)g.pid) >= n)
        say("mmusim: %s: the name is too long for a forked child's results", name);
    return buf;
}

/* The counters made from others (not counted per access). */
static void sync_info(vcpu *v)
{
    v->info.accesses = v->seen - v->counted_from;
    v->info.translations = v->info.accesses + v->info.crossings;
}

static void fill_info(vcpu *v)
{
    sync_info(v);
    snprintf(v->path, sizeof v->path, "%s (vCPU %u)", g.program ? g.program : "guest", v->index);
    v->info.trace_path = v->path;
    v->info.trace_format = "qemu";
    v->info.compression = "none";
    v->info.warmup = g.warmup;
    v->info.preset = g.have_preset ? g.preset : NULL;
}

/* Totals over every vCPU, for the summary's last lines and the JSON "total". */
typedef struct totals {
    uint64_t accesses, translations, crossings, instructions, walks, page_faults, l1_misses,
        last_misses, shootdowns_in;
} totals;

static void sum(totals *t, unsigned nv)
{
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < nv; i++) {
        vcpu *v = reported(i);
        if (!v)
            continue;
        const mmu_stats *s = mmu_get_stats(v->m);
        t->accesses += v->info.accesses;
        t->translations += v->info.translations;
        t->crossings += v->info.crossings;
        t->instructions += v->info.instructions;
        t->walks += s->walks;
        t->page_faults += s->page_faults;
        t->l1_misses += s->level[0].misses;
        t->last_misses += s->n_levels ? s->level[s->n_levels - 1].misses : 0;
        t->shootdowns_in += v->shootdowns_in;
    }
}

static int write_summary(FILE *out, unsigned nv)
{
    for (unsigned i = 0; i < nv; i++) {
        vcpu *v = reported(i);
        if (!v)
            continue;
        if (nv > 1)
            fprintf(out, "%s== vCPU %u ==\n", i ? "\n" : "", i);
        mmusim_report_text(out, v->m, &v->info);
    }
    if (nv > 1) {
        totals t;
        sum(&t, nv);
        fprintf(out, "\n== all %u vCPUs ==\naccesses %llu, translations %llu, instructions %llu, "
                     "L1 misses %llu, last-level misses %llu, walks %llu, page faults %llu, "
                     "shootdowns from other vCPUs %llu\n",
                nv, (unsigned long long)t.accesses, (unsigned long long)t.translations,
                (unsigned long long)t.instructions, (unsigned long long)t.l1_misses,
                (unsigned long long)t.last_misses, (unsigned long long)t.walks,
                (unsigned long long)t.page_faults, (unsigned long long)t.shootdowns_in);
    }
    return ferror(out) ? -1 : 0;
}

/* The summary into a file, atomically. */
/*
 * An output of the plugin through mmusim's output files (docs/outputs.md):
 * a regular file (or a new name) is written beside it and renamed into
 * place; a device, a FIFO or "-" (standard output) is written in place, so
 * summary=/dev/null never replaces /dev/null.  write() writes the contents to
 * the stream; 0, or -1 after a message naming the option and the file.
 */
static int write_output(const char *opt, const char *path, int (*write)(FILE *f, void *ctx), void *ctx)
{
    char err[4400];
    mmusim_ofile *of;
    if (mmusim_ofile_open(path, &of, err, sizeof err) < 0) {
        say("mmusim: %s=%s", opt, err);
        return -1;
    }
    FILE *f = mmusim_ofile_stdio(of);
    if (!f || write(f, ctx) != 0) {
        say("mmusim: %s=%s: %s", opt, path, f ? "cannot write it" : "out of memory");
        mmusim_ofile_abort(of);
        return -1;
    }
    if (mmusim_ofile_commit(of, err, sizeof err) < 0) {
        say("mmusim: %s=%s", opt, err);
        return -1;
    }
    return 0;
}

static int summary_to(FILE *f, void *ctx)
{
    return write_summary(f, *(const unsigned *)ctx) != 0 ? -1 : 0;
}

static int summary_file(const char *path, unsigned nv)
{
    return write_output("summary", path, summary_to, &nv);
}

static int json_to(FILE *f, void *ctx)
{
    return json_dumpf((json_t *)ctx, f, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ? -1 : 0;
}

static int json_file(const char *path, unsigned nv)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("mmusim.qemu/1"));
    json_object_set_new(root, "mmusim_version", json_string(MMUSIM_VERSION_STRING));
    json_object_set_new(root, "guest", json_string(g.target));
    json_object_set_new(root, "program", json_string(g.program ? g.program : ""));
    json_object_set_new(root, "fetches", json_boolean(g.fetches));
    if (g.parent) { /* a forked child of the guest (only there: the guest's own file stays reproducible) */
        json_object_set_new(root, "pid", json_integer(g.pid));
        json_object_set_new(root, "parent_pid", json_integer(g.parent));
    }
    json_t *arr = json_array();
    for (unsigned i = 0; i < nv; i++) {
        vcpu *v = reported(i);
        if (!v)
            continue;
        json_t *d = mmusim_report_build(v->m, &v->info);
        if (!d) {
            json_decref(root);
            json_decref(arr);
            say("mmusim: out of memory");
            return -1;
        }
        json_object_set_new(d, "vcpu", json_integer(i));
        json_object_set_new(d, "shootdowns_received", json_integer((json_int_t)v->shootdowns_in));
        json_array_append_new(arr, d);
    }
    json_object_set_new(root, "vcpus", arr);
    totals t;
    sum(&t, nv);
    json_t *tot = json_object();
    json_object_set_new(tot, "accesses", json_integer((json_int_t)t.accesses));
    json_object_set_new(tot, "translations", json_integer((json_int_t)t.translations));
    json_object_set_new(tot, "page_crossings", json_integer((json_int_t)t.crossings));
    json_object_set_new(tot, "instructions", json_integer((json_int_t)t.instructions));
    json_object_set_new(tot, "l1_misses", json_integer((json_int_t)t.l1_misses));
    json_object_set_new(tot, "last_level_misses", json_integer((json_int_t)t.last_misses));
    json_object_set_new(tot, "walks", json_integer((json_int_t)t.walks));
    json_object_set_new(tot, "page_faults", json_integer((json_int_t)t.page_faults));
    json_object_set_new(root, "total", tot);
    int rc = write_output("json", path, json_to, root);
    json_decref(root);
    return rc;
}

/* v's shape with every value null (an empty CSV field), or NULL if out of memory. */
static json_t *blank_copy(json_t *v)
{
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            json_t *b = blank_copy(x);
            if (!o || !b || json_object_set_new(o, k, b) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            json_t *b = blank_copy(x);
            if (!a || !b || json_array_append_new(a, b) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    return json_null();
}

/*
 * One row per vCPU.  The shared OS model is reported with the first vCPU
 * reported (at_exit attaches it to that MMU); the other rows have the same
 * os.* columns, empty, so that every row has the same columns (and the OS
 * model's figures are not counted twice by a sum over the rows).
 */
static int csv_file(const char *path, unsigned nv)
{
    char err[1024];
    json_t *os_blank = NULL;
    int rc = 0;
    for (unsigned i = 0; i < nv && rc == 0; i++) {
        vcpu *v = reported(i);
        if (!v)
            continue;
        json_t *d = mmusim_report_build(v->m, &v->info);
        if (d) {
            json_object_set_new(d, "vcpu", json_integer(i));
            json_t *os = json_object_get(d, "os");
            if (os && !json_is_null(os) && !os_blank)
                os_blank = blank_copy(os);
            else if (os && json_is_null(os) && os_blank)
                json_object_set(d, "os", os_blank);
        }
        if (!d || mmusim_report_csv(path, d, err, sizeof err) != 0) {
            say("mmusim: csv=%s: %s", path, d ? err : "out of memory");
            rc = -1;
        }
        json_decref(d);
    }
    json_decref(os_blank);
    return rc;
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    if (g.parent && !g.children)
        return; /* a forked child of the guest, and children=off */
    unsigned nv = atomic_load(&g.n_vcpus);
    /* known only once the guest runs (QEMU's allocation, never freed: the process ends) */
    g.program = qemu_plugin_path_to_binary();
    for (unsigned i = 0; i < nv; i++) {
        vcpu *v = reported(i);
        if (v) {
            if (v->streaking)
                streak_end(v);
            rep_flush(v); /* the repeats counted here, before the counters are read */
            fill_info(v);
        }
        const char *rs = getenv("MMUSIM_QEMU_REPEAT_STATS"); /* a file: how much the repeat path answered */
        FILE *rf = v && rs ? fopen(rs, "a") : NULL;
        if (rf) {
            fprintf(rf, "vcpu %u accesses %llu repeated fetches %llu repeated loads+stores %llu asks %llu\n", i,
                    (unsigned long long)v->seen, (unsigned long long)v->rep[0].total,
                    (unsigned long long)v->rep[1].total,
                    (unsigned long long)(v->rep[0].asks + v->rep[1].asks));
            fclose(rf);
        }
        if (v && v->info.accesses == 0 && g.warmup && v->seen <= g.warmup)
            say("mmusim: warmup=%llu: vCPU %u made only %llu accesses", (unsigned long long)g.warmup,
                i, (unsigned long long)v->seen);
    }
    /* the OS model (shared) is reported with the first vCPU reported (vCPU 0 but in a
       forked child), whose MMU it is attached to now */
    vcpu *v0 = NULL;
    for (unsigned i = 0; i < nv && !v0; i++)
        v0 = reported(i);
    if (g.os && v0 && mmu_attach_os(v0->m, g.os) != MMU_OK)
        say("mmusim: cannot report the OS model");
    int bad = 0;
    char path[4096]; /* NAME.PID of a forked child (the temporary file adds ".tmp.PID") */
    if (g.summary)
        bad |= summary_file(out_name(path, sizeof path, g.summary), nv) != 0;
    else {
        if (g.parent)
            fprintf(stderr, "== mmusim: forked child %ld of %ld ==\n", (long)g.pid, (long)g.parent);
        bad |= write_summary(stderr, nv) != 0;
    }
    if (g.json)
        bad |= json_file(out_name(path, sizeof path, g.json), nv) != 0;
    if (g.csv)
        bad |= csv_file(out_name(path, sizeof path, g.csv), nv) != 0;
    fflush(NULL);
    if (bad)
        _exit(1);
}

/* ---- a guest fork() (a host fork() in qemu-user) ---- */

/* Before fork(): every lock, in the documented order, so the child's copy is consistent. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&g.vcpus_mu);
    pthread_mutex_lock(&g.os_mu);
    unsigned nv = atomic_load(&g.n_vcpus);
    for (unsigned i = 0; i < nv; i++)
        if (g.vcpus[i])
            pthread_mutex_lock(&g.vcpus[i]->sd_mu);
}

static void fork_release(void)
{
    unsigned nv = atomic_load(&g.n_vcpus);
    for (unsigned i = nv; i-- > 0;)
        if (g.vcpus[i])
            pthread_mutex_unlock(&g.vcpus[i]->sd_mu);
    pthread_mutex_unlock(&g.os_mu);
    pthread_mutex_unlock(&g.vcpus_mu);
}

static void fork_parent(void)
{
    fork_release();
}

/*
 * In the child (only the forking thread exists): a new process of its own.
 * Its address space starts as the parent's at the fork (the OS model's page
 * tables and frames as they are; no copy-on-write is modelled), its TLBs and
 * paging-structure caches start empty (a new process has a new ASID on a
 * real CPU), and every counter starts from zero, so its results are its own.
 */
static void fork_child(void)
{
    g.parent = g.pid;
    g.pid = getpid();
    unsigned nv = atomic_load(&g.n_vcpus);
    for (unsigned i = 0; i < nv; i++) {
        vcpu *v = g.vcpus[i];
        if (!v)
            continue;
        if (v->streaking)
            streak_end(v); /* its issue cycles (its counts are the parent's) */
        mmu_invalidate(v->m, MMU_INVAL_ALL, 0, 0);
        mmu_clear_stats(v->m);
        rep_forget(v); /* the parent's repeats are the parent's: dropped with its counters */
        v->n_sd = 0;
        v->sd_flush = 0;
        atomic_store(&v->sd_pending, 0);
        v->shootdowns_in = 0;
        v->seen_at_fork = v->seen;
        v->counted_from = v->seen;
        v->info.accesses = v->info.translations = v->info.crossings = v->info.instructions = 0;
        v->info.first_cycle = v->next_issue;
        v->info.last_cycle = 0;
    }
    if (g.os)
        mmu_os_clear_stats(g.os);
    fork_release();
}

/* ---- options ---- */

static const char usage[] =
    "mmusim QEMU plugin options (comma-separated after the plugin's path):\n"
    "  preset=NAME       a preset of a real CPU (default per guest: skylake, neoverse_n1, sifive_u74 with sv48)\n"
    "  config=FILE       an INI configuration file (applied after the preset)\n"
    "  set=SEC.KEY=VAL   override one value (repeatable, applied in order)\n"
    "  json=FILE         results as JSON (per vCPU and totals)\n"
    "  csv=FILE          append one CSV row per vCPU\n"
    "  summary=FILE      the summary into a file (default: standard error)\n"
    "  warmup=N          clear each vCPU's counters after its first N accesses\n"
    "  fetches=on|off    count instruction fetches (default on)\n"
    "  repeat=on|off     count an access that repeats the last one as the model would answer it\n"
    "                    again, without simulating it (default on; the counts are the same)\n"
    "  children=on|off   forked children of the guest write their results to FILE.PID (default on)\n";

static const char *default_preset(const char *target, const char **set)
{
    *set = NULL;
    if (strcmp(target, "x86_64") == 0)
        return "skylake";
    if (strcmp(target, "aarch64") == 0)
        return "neoverse_n1";
    if (strcmp(target, "riscv64") == 0) {
        *set = "walker.format=sv48"; /* QEMU-user puts a riscv64 guest's heap above Sv39 */
        return "sifive_u74";
    }
    return NULL;
}

static int load_preset(const char *name)
{
    char path[4096], err[1024];
    if (mmusim_preset_path(name, path, sizeof path, err, sizeof err) != 0 ||
        mmusim_config_load(&g.cfg, path, err, sizeof err) != 0) {
        say("mmusim: preset=%s: %s", name, err);
        return -1;
    }
    snprintf(g.preset, sizeof g.preset, "%s", name);
    g.have_preset = 1;
    return 0;
}

static int parse_u64(const char *key, const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*v || *v == '-') {
        say("mmusim: %s: needs a non-negative integer", key);
        return -1;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno) {
        say("mmusim: %s=%s: not a non-negative integer", key, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int arch_matches(const char *target, const mmu_pt_format *f)
{
    if (strcmp(target, "x86_64") == 0)
        return f->arch == MMU_PT_ARCH_X86;
    if (strcmp(target, "aarch64") == 0)
        return f->arch == MMU_PT_ARCH_ARM;
    if (strcmp(target, "riscv64") == 0)
        return f->arch == MMU_PT_ARCH_RISCV;
    return 1; /* another guest: the configuration decides */
}

MMUSIM_QEMU_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    char err[1024];
    snprintf(g.target, sizeof g.target, "%s", info->target_name ? info->target_name : "?");
    g.pid = getpid();
    mmu_config_defaults(&g.cfg);
    /* a preset comes first wherever it stands, so config and set apply on top of it */
    const char *preset = NULL;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "preset=", 7) == 0)
            preset = argv[i] + 7;
    const char *dset = NULL;
    if (!preset)
        preset = default_preset(g.target, &dset);
    if (preset && load_preset(preset) != 0)
        return -1;
    if (dset && mmusim_config_override(&g.cfg, dset, err, sizeof err) != 0) {
        say("mmusim: %s", err);
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        if (!eq) {
            say("mmusim: option '%s': expected KEY=VALUE\n%s", a, usage);
            return -1;
        }
        size_t kl = (size_t)(eq - a);
        const char *v = eq + 1;
#define KEY(k) (kl == sizeof(k) - 1 && strncmp(a, k, kl) == 0)
        if (KEY("preset")) {
            continue;
        } else if (KEY("config")) {
            if (mmusim_config_load(&g.cfg, v, err, sizeof err) != 0) {
                say("mmusim: config=%s", err);
                return -1;
            }
        } else if (KEY("set")) {
            if (mmusim_config_override(&g.cfg, v, err, sizeof err) != 0) {
                say("mmusim: set=%s: %s", v, err);
                return -1;
            }
        } else if (KEY("json") || KEY("csv") || KEY("summary")) {
            if (!*v) {
                say("mmusim: %.*s= needs a file name", (int)kl, a);
                return -1;
            }
            char **slot = KEY("json") ? &g.json : KEY("csv") ? &g.csv : &g.summary;
            free(*slot);
            *slot = strdup(v);
        } else if (KEY("warmup")) {
            if (parse_u64("warmup", v, &g.warmup) != 0)
                return -1;
        } else if (KEY("fetches") || KEY("children") || KEY("repeat")) {
            int *flag = KEY("fetches") ? &g.fetches : KEY("children") ? &g.children : &g.repeat;
            if (strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
                *flag = 1;
            else if (strcasecmp(v, "off") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
                *flag = 0;
            else {
                say("mmusim: %.*s=%s: expected on or off", (int)kl, a, v);
                return -1;
            }
        } else {
            say("mmusim: unknown option '%.*s'\n%s", (int)kl, a, usage);
            return -1;
        }
#undef KEY
    }
    if (mmu_config_validate(&g.cfg, err, sizeof err) != MMU_OK) {
        say("mmusim: invalid configuration: %s", err);
        return -1;
    }
    if (g.cfg.walker.mode == MMU_WALKER_RADIX) {
        g.fmt = mmu_pt_format_find(g.cfg.walker.format);
        if (g.fmt && !arch_matches(g.target, g.fmt)) {
            say("mmusim: walker.format %s (from %s%s) is not a page-table format of the %s guest: "
                "choose a preset of its architecture (x86_64: skylake, golden_cove, zen2; aarch64: "
                "neoverse_n1, cortex_a76, cortex_a72, apple_m1; riscv64: sifive_u74 or rocket, with "
                "set=walker.format=sv48) or set walker.format",
                g.fmt->name, g.have_preset ? "preset " : "the configuration", g.have_preset ? g.preset : "",
                g.target);
            return -1;
        }
        if (g.cfg.os_enabled) {
            if (mmu_os_create_from_config(&g.cfg, &g.os, err, sizeof err) != MMU_OK) {
                say("mmusim: %s", err);
                return -1;
            }
            g.os_port = *mmu_os_port(g.os);
        }
    }
    qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0) {
        say("mmusim: cannot register the fork handlers");
        return -1;
    }
    return 0;
}
