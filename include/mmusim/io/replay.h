/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/io/replay.h - run traces through an MMU the way `mmusim run` does,
 * in one call: open (any format, any compression), read on a second thread,
 * issue every access through the core's driver (driver.h: issue interval,
 * outstanding limit, page-fault stall), warm-up, timeline windows, and the
 * run information the result writers take (report.h).
 *
 * An integrator gets the same summary and JSON as `mmusim run` with:
 *
 *   mmu_config cfg;  mmu_config_defaults(&cfg);
 *   mmusim_config_load(&cfg, path, err, sizeof err);          (config_file.h; or a preset:
 *                                                               mmusim_preset_path + mmusim_config_load)
 *   mmu *m; mmu_os *os;
 *   mmusim_mmu_create(&cfg, &m, &os, err, sizeof err);         (the MMU, and its OS model)
 *   mmusim_run_info info = {0};
 *   mmusim_replay(m, "trace.lackey.zst", NULL, &info, err, sizeof err);
 *   mmusim_report_text(stdout, m, &info);                      (and mmusim_report_json ...)
 *   mmusim_run_info_release(&info);  mmu_destroy(m);  mmu_os_destroy(os);
 *
 * Threads: a replay uses its MMU (and the OS behind it) alone until it
 * returns; replays of different MMUs (with different OS models) may run on
 * different threads at once.  Unless told not to (no_threads, or the
 * environment variable MMUSIM_NO_THREADS set), each trace is parsed on a
 * second thread while this one simulates, but for an uncompressed text
 * trace in a regular file, which is parsed here (less CPU in all); the
 * results do not depend on it.
 */
#ifndef MMUSIM_IO_REPLAY_H
#define MMUSIM_IO_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mmusim/driver.h"
#include "mmusim/io/report.h"
#include "mmusim/io/trace.h"
#include "mmusim/mmu.h"
#include "mmusim/static_map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One access as replayed, handed to the on_access hook. */
typedef struct mmusim_replay_access {
    uint64_t index;                 /* accesses before it in the replay (warm-up and earlier traces included) */
    const char *trace_path;
    const mmusim_access *access;    /* as read from the trace */
    const mmu_request *req;         /* as issued: req->cycle is the issue cycle */
    const mmu_response *resp;       /* n_resp translations: 2 when the access crossed a page */
    int n_resp;
} mmusim_replay_access;

/* Where the replay is, handed to the on_progress hook. */
typedef struct mmusim_replay_progress {
    const char *trace_path;
    uint64_t accesses;   /* read so far, every trace */
    uint64_t bytes_read; /* of this trace's file */
    uint64_t file_size;  /* of this trace's file; 0 when unknown (a pipe) */
    int final;           /* 1: the trace was read to its end */
} mmusim_replay_progress;

/* Options; all zero (or a NULL pointer) gives a plain replay. */
typedef struct mmusim_replay_opts {
    mmusim_format format;        /* MMUSIM_FMT_AUTO: guessed from the content */
    const mmu_core_config *core; /* the issue rule; NULL: the MMU's configuration ([core]) */
    uint64_t warmup;             /* clear every counter after this many accesses (0: none) */
    uint64_t timeline;           /* info->windows: the main figures per window of this many accesses */
    int check;                   /* compare every translation with a functional walk of the page
                                    tables (and, with the OS model, the frame's owner): the
                                    replay stops with an error at the first difference */
    int stop_on_fault;           /* stop with an error at the first translation fault */
    int no_threads;              /* read traces on the calling thread */
    FILE *per_access;            /* a CSV line per translation (after a header line), or NULL */
    /* Called after every access (and its checks); a non-zero return stops the replay, which
       returns -1 with the message the hook wrote in err (may be NULL). */
    int (*on_access)(void *ctx, const mmusim_replay_access *a, char *err, size_t errlen);
    /* Called after every batch of accesses read, and once more (final = 1) at each trace's end. */
    void (*on_progress)(void *ctx, const mmusim_replay_progress *p);
    void *ctx;                   /* handed to the hooks */
} mmusim_replay_opts;

/*
 * Replay one trace through m.  Fills *info (every field but info->preset,
 * which the caller may set) for mmusim_report_text / _build / _json;
 * info->windows is allocated when o->timeline is set: free it with
 * mmusim_run_info_release.  Returns 0, or -1 with a message in err (the
 * trace cannot be read, the OS model ran out of memory, a check failed,
 * the warm-up is longer than the trace, ...); info is then partial.
 */
int mmusim_replay(mmu *m, const char *trace_path, const mmusim_replay_opts *o, mmusim_run_info *info,
                  char *err, size_t errlen);

/*
 * Replay several traces, one after the other, as one stream (`mmusim run
 * A B`): the issue rule, warm-up count and timeline run on across them;
 * info->trace_path is the first.
 */
int mmusim_replay_traces(mmu *m, const char *const *trace_paths, size_t n_traces,
                         const mmusim_replay_opts *o, mmusim_run_info *info, char *err, size_t errlen);

/* Free what a replay allocated in info (the timeline) and clear those fields. */
void mmusim_run_info_release(mmusim_run_info *info);

/*
 * The MMU `mmusim run` builds from a validated configuration: the MMU and,
 * when walker.mode = radix and os.enabled = on, the OS model created from
 * the configuration and attached (*os is NULL otherwise).  The caller owns
 * both: mmu_destroy(*m), then mmu_os_destroy(*os).  Returns 0, or -1 with a
 * message (nothing is left allocated).
 */
int mmusim_mmu_create(const mmu_config *cfg, mmu **m, mmu_os **os, char *err, size_t errlen);

/*
 * The same, for any configuration `mmusim run` takes: also builds the
 * static map ([map] regions, os.enabled = off) and attaches it; *smap gets
 * it (NULL when there is none).  The caller destroys m, then os, then
 * mmu_static_map_destroy(*smap).  mmusim_mmu_create refuses a
 * configuration with a static map (it could not hand the map back).
 */
int mmusim_mmu_create_map(const mmu_config *cfg, mmu **m, mmu_os **os, mmu_static_map **smap,
                          char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_REPLAY_H */
