/*
 * sweep_onepass.h - "mmusim sweep --one-pass": every geometry (entries x
 * ways) of one unified LRU TLB array in one pass over each trace, from
 * per-set LRU stack distances (Mattson et al. 1970).  docs/sweep.md, "One
 * pass for many geometries", says when it is exact and which columns it
 * writes.
 */
#ifndef CLI_SWEEP_ONEPASS_H
#define CLI_SWEEP_ONEPASS_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/config.h"

/*
 * Whether the counts of configuration c are exact in one pass, the keys in
 * vary_keys being the ones that change between points.  Returns 1, or 0 with
 * the reason in why.
 */
int cli_onepass_eligible(const mmu_config *c, const char *const *vary_keys, size_t n_vary, char *why,
                         size_t whylen);

/*
 * Run the points of one trace in one pass: cfgs[i] for i < n (all eligible,
 * differing only in the array's entries and ways).  Appends one CSV row per
 * point, in order, to rows (and the header to head if head is not NULL and
 * empty).  format: an mmusim_format; warmup: accesses before the counters
 * start.  Returns 0, or -1 with "TRACE: what" in err.
 */
typedef struct cli_text {
    char *p;
    size_t n, cap;
} cli_text;

int cli_onepass_trace(const char *trace, int format, uint64_t warmup, const mmu_config *cfgs, size_t n,
                      cli_text *head, cli_text *rows, char *err, size_t errlen);

#endif /* CLI_SWEEP_ONEPASS_H */
