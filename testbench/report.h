/*
 * report.h - results of a run: the terminal summary and the JSON document.
 */
#ifndef MMUSIM_TB_REPORT_H
#define MMUSIM_TB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "mmusim/mmu.h"

#define TB_JSON_SCHEMA "mmusim.run/1"

/* What the testbench knows of a run besides the MMU's own counters. */
typedef struct tb_run_info {
    const char *trace_path;
    const char *trace_format;
    const char *compression;
    uint64_t accesses;     /* memory accesses read from the trace */
    uint64_t translations; /* translations made (>= accesses: page-crossing ones make 2) */
    uint64_t crossings;    /* accesses that spanned two pages */
    uint64_t instructions; /* instruction records in the trace */
    uint64_t warmup;       /* accesses run before the counters were cleared */
    uint64_t first_cycle;  /* issue cycle of the first counted access */
    uint64_t last_cycle;   /* completion cycle of the last translation */
    int has_cycles;        /* the trace carried issue cycles */
} tb_run_info;

/* Human summary on out. */
void tb_report_text(FILE *out, const mmu *m, const tb_run_info *info);

/*
 * Write the JSON document to path atomically (a temporary file renamed into
 * place, so no half-written file is left).  Returns 0, or -1 with a message.
 */
int tb_report_json(const char *path, const mmu *m, const tb_run_info *info, char *err, size_t errlen);

#endif /* MMUSIM_TB_REPORT_H */
