/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.h - results of a run: the terminal summary and the JSON document.
 */
#ifndef MMUSIM_IO_REPORT_H
#define MMUSIM_IO_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mmusim/mmu.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMUSIM_JSON_SCHEMA "mmusim.run/1"

/* What the testbench knows of a run besides the MMU's own counters. */
typedef struct mmusim_run_info {
    const char *trace_path;
    const char *trace_format;
    const char *compression;
    uint64_t accesses;     /* memory accesses read from the trace */
    uint64_t translations; /* translations made (>= accesses: page-crossing ones make 2) */
    uint64_t crossings;    /* accesses that spanned two pages */
    uint64_t instructions; /* instructions: fetch accesses counted (Lackey I, ChampSim records, text X) */
    uint64_t warmup;       /* accesses run before the counters were cleared */
    uint64_t first_cycle;  /* issue cycle of the first counted access */
    uint64_t last_cycle;   /* completion cycle of the last translation */
    int has_cycles;        /* the trace carried issue cycles */
    const char *preset;    /* preset the configuration started from, or NULL */
    /* timeline: one window of timeline_window accesses each */
    uint64_t timeline_window;
    size_t n_windows;
    struct mmusim_window *windows;
} mmusim_run_info;

/* The main figures of one window of accesses (differences of the counters). */
typedef struct mmusim_window {
    uint64_t accesses;
    uint64_t translations;
    uint64_t l1_misses;    /* level-1 lookups that missed */
    uint64_t walks;
    uint64_t page_faults;
    uint64_t latency_sum;  /* cycles */
    uint64_t first_cycle;  /* issue cycle of the window's first access */
    uint64_t last_cycle;   /* completion of its last translation */
} mmusim_window;

/* Human summary on out. */
void mmusim_report_text(FILE *out, const mmu *m, const mmusim_run_info *info);

/* The JSON document of a run (the caller owns it: json_decref). NULL if out of memory. */
json_t *mmusim_report_build(const mmu *m, const mmusim_run_info *info);

/*
 * Append one CSV row (with a header line if the file is empty) holding the
 * JSON document flattened: nested keys joined with '.', arrays indexed
 * ("walker.refs_per_walk.3").  The row is written with one write() on a file
 * opened for appending, so parallel runs can share a file.  A non-empty file
 * whose header differs is refused.  Returns 0, or -1 with a message.
 */
int mmusim_report_csv(const char *path, json_t *doc, char *err, size_t errlen);

/*
 * The header line and the row line (each ending in a newline) that
 * mmusim_report_csv writes for doc, in malloc'd strings the caller frees.
 * Returns 0, or -1 out of memory.
 */
int mmusim_report_csv_text(json_t *doc, char **head, char **row);

/*
 * Append rows (one or more whole lines) to the CSV file path as
 * mmusim_report_csv appends one: with the header line head first if the
 * file is empty, refused if a non-empty file has another header, in one
 * write under the file's lock, all or nothing.  Returns 0, or -1 with a
 * message.
 */
int mmusim_report_csv_append(const char *path, const char *head, size_t head_len, const char *rows,
                             size_t rows_len, char *err, size_t errlen);

/*
 * A configuration value as the CSV row shows it in column ("config.os.phys_mem"):
 * a size or page size written with a K, M, G or T suffix ("32K", "4G") becomes
 * its number of bytes ("32768"), so that the column sorts and compares as
 * numbers; lists (page_sizes, even of one item) and any other text are copied.  Returns 1 if the value was converted.  "mmusim sweep"
 * identifies a point by the same text.  (Real numbers in the row are written
 * in the fewest digits that read back as the same double.)
 */
int mmusim_csv_config_value(const char *column, const char *text, char *buf, size_t len);

/*
 * Write the JSON document to path atomically (a temporary file renamed into
 * place, so no half-written file is left).  Returns 0, or -1 with a message.
 */
int mmusim_report_json(const char *path, const mmu *m, const mmusim_run_info *info, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_REPORT_H */
