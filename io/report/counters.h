/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counters.h - the counters of a run, declared once (counters.c).
 *
 * Each table lists the counters of one object of the results, in the order
 * the JSON document has them: its JSON key (the CSV column is the object's
 * path, a '.', and the key: "os.evictions", "tlb.L1D.hits"), where the
 * value lives (a uint64_t at an offset of the component's stats struct, or a
 * function for a derived count or a value that is not one count), its unit,
 * where the summary shows it, and a line of description (docs/json-schema.md).
 * The summary, JSON and CSV writers (report.c) iterate these tables; adding
 * a counter is a line in one of them.
 */
#ifndef MMUSIM_IO_REPORT_COUNTERS_H
#define MMUSIM_IO_REPORT_COUNTERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/report.h"
#include "mmusim/mmu.h"

/* What a counter function may look at besides the stats struct. */
typedef struct ctr_ctx {
    const mmu *m;
    const mmusim_run_info *in;
    uint32_t index; /* the TLB array or level, the PWC level */
} ctr_ctx;

typedef enum ctr_unit { CTR_COUNT = 0, CTR_BYTES, CTR_CYCLES, CTR_PAGES } ctr_unit;

typedef struct mmusim_counter {
    const char *key; /* JSON key in its object */
    size_t off;      /* a uint64_t at this offset of the stats struct, unless get or json */
    uint64_t (*get)(const void *stats, const ctr_ctx *c); /* a count derived from the stats */
    json_t *(*json)(const void *stats, const ctr_ctx *c); /* a JSON value that is not one count */
    ctr_unit unit;
    /* The summary: a line label (e.g. "replacement"), with label the words
     * for the value on it ("write-backs"; "%s" if the value sits inside
     * them, as in "swap peak %s pages"); or, for a table of the summary, its
     * column heading in label and line NULL.  NULL, NULL: JSON and CSV only. */
    const char *line;
    const char *label;
    const char *doc;
} mmusim_counter;

/* The tables, each ended by a NULL key. */
extern const mmusim_counter mmusim_counters_run[];    /* top level; stats: mmusim_run_info */
extern const mmusim_counter mmusim_counters_tlb[];    /* tlb.NAME; stats: mmu_tlb_stats */
extern const mmusim_counter mmusim_counters_level[];  /* tlb_levels.N; stats: mmu_level_stats */
extern const mmusim_counter mmusim_counters_walker[]; /* walker; stats: mmu_stats */
extern const mmusim_counter mmusim_counters_pwc[];    /* walker.pwc.lN; stats: mmu_pwc_level_stats */
extern const mmusim_counter mmusim_counters_os[];     /* os; stats: mmu_os_stats */
extern const mmusim_counter mmusim_counters_proc[];   /* os.processes.N; stats: mmu_os_proc_stats */
extern const mmusim_counter mmusim_counters_window[]; /* timeline (one array per key); stats: mmusim_window */

/* The value of a counter that is one count. */
static inline uint64_t ctr_value(const mmusim_counter *k, const void *stats, const ctr_ctx *c)
{
    return k->get ? k->get(stats, c) : *(const uint64_t *)(const void *)((const char *)stats + k->off);
}

/* The counter named key in table t (NULL if none). */
const mmusim_counter *ctr_find(const mmusim_counter *t, const char *key);

/* Add the counters of table t to the JSON object o. */
void ctr_json(json_t *o, const mmusim_counter *t, const void *stats, const ctr_ctx *c);

#endif /* MMUSIM_IO_REPORT_COUNTERS_H */
