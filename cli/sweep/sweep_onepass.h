/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_onepass.h - sweep points that differ only in the geometry of the
 * last TLB level (one unified LRU array, behind fixed levels under
 * non-inclusive fill, fixed walker), in one pass over each trace: the fixed
 * levels are simulated once by the model itself, the last level by per-set
 * LRU stack distances (Mattson et al. 1970), and each point's timing by the
 * core's issue rule.  Each row is that of `mmusim run --csv`, byte for byte.
 * docs/sweep.md, "One pass for many geometries", says when it is exact.
 */
#ifndef CLI_SWEEP_ONEPASS_H
#define CLI_SWEEP_ONEPASS_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/config.h"

/*
 * Whether configuration c is exact in one pass.  Returns the index of the
 * array whose geometry a pass covers (the one array of the last level), or
 * -1 with the reason in why.
 */
int cli_onepass_eligible(const mmu_config *c, char *why, size_t whylen);

/*
 * The part of an eligible configuration that points sharing a pass must have
 * in common: every key but the last array's entries and ways, the lookup
 * latencies, walker.latency and [core] (those only change each point's
 * counts and timing, not the stream of lookups), as text in a malloc'd
 * string the caller frees; NULL out of memory.
 */
char *cli_onepass_signature(const mmu_config *c);

typedef struct cli_text {
    char *p;
    size_t n, cap;
} cli_text;

typedef struct cli_onepass_opts {
    int format;                   /* an mmusim_format */
    uint64_t warmup;              /* accesses before the counters start (mmusim run --warmup) */
    const char *preset;           /* the last --preset, as mmusim run reports it, or NULL */
    int (*stop)(void);            /* asked after each batch of accesses: non-zero stops the pass; may be NULL */
} cli_onepass_opts;

/*
 * Run points cfgs[0..n) (eligible, with one signature) over one trace in one
 * pass.  Appends one CSV row per point, in order, to rows (and the header to
 * head if it is empty).  Returns 0, 1 if stopped by o->stop, or -1 with
 * "TRACE: what" in err.
 */
int cli_onepass_trace(const char *trace, const cli_onepass_opts *o, const mmu_config *cfgs, size_t n,
                      cli_text *head, cli_text *rows, char *err, size_t errlen);

#endif /* CLI_SWEEP_ONEPASS_H */
