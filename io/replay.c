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

#define BATCH 4096

#if defined(__GNUC__)
#define REPLAY_INLINE inline __attribute__((always_inline))
#define MMUSIM_REPLAY_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define REPLAY_INLINE inline
#define MMUSIM_REPLAY_UNLIKELY(x) (x)
#endif

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
static int os_failed(const replay *r, const char *path, const mmusim_access *a, char *err, size_t errlen)
{
    msg(err, errlen,
        "%s: access %llu (0x%llx, asid %u): the OS model could not "
        "handle a page fault: %s (physical memory too small for the page "
        "tables, or swap full: see os.phys_mem, os.pt_ranges, os.swap_size)",
        path, (unsigned long long)r->index, (unsigned long long)a->vaddr, a->asid,
        mmu_strerror(mmu_os_error(r->m)));
    return -1;
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
            status = os_failed(r, path, &a[i], err, errlen);
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
        return os_failed(r, path, a, err, errlen);
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
    long n;
    int status = 0;
    while (status == 0 &&
           (n = as ? mmusim_async_read(as, &batch, err, errlen) : mmusim_trace_read(t, r->buf, BATCH, err, errlen)) > 0) {
        for (long i = 0; i < n && status == 0;) {
            if (plain && !(o->warmup && r->index == o->warmup)) {
                /* up to the end of the warm-up, if it is in this batch */
                long end = n;
                if (o->warmup && r->index < o->warmup && o->warmup - r->index < (uint64_t)(n - i))
                    end = i + (long)(o->warmup - r->index);
                status = cycles ? plain_run(r, path, batch + i, end - i, err, errlen)
                                : plain_run_nocycles(r, path, batch + i, end - i, err, errlen);
                i = end;
            } else {
                status = one_access(r, path, &batch[i], err, errlen);
                i++;
            }
        }
        if (o->on_progress)
            progress(r, t, as, path, 0);
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
