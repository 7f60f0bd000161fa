/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep.h - what the files of "mmusim sweep" and "mmusim merge" share
 * (private to cli/sweep/): the grid and its points, the CSV tables, and the
 * functions each file gives the others.
 *
 *   cmd_sweep.c      the command: plan, resume, one pass or separate runs, summary
 *   sweep_options.c  the command line (parse_sweep) and --help
 *   sweep_points.c   the grid: each point's values, name, configuration, identity (plan)
 *   sweep_run.c      separate runs: child processes, signals, progress (run_points)
 *   sweep_csv.c      CSV files: reading (resume) and "mmusim merge"
 *   sweep_onepass.c  one pass for many geometries; sweep_slurm.c  Slurm job arrays
 */
#ifndef CLI_SWEEP_H
#define CLI_SWEEP_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmusim/mmusim.h"
#include "sweep_slurm.h"

#define MAX_VARY 32
#define MAX_SWEEP_TRACES 1024
#define MAX_BASE 512
#define MAX_POINTS 10000000u

/* Exit statuses (also in docs/sweep.md). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_SIGHUP = 129, EXIT_SIGINT = 130, EXIT_SIGTERM = 143 };

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "mmusim: out of memory\n");
        exit(EXIT_FAILED);
    }
    return p;
}

static inline void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "mmusim: out of memory\n");
        exit(EXIT_FAILED);
    }
    return q;
}

static inline char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* FNV-1a, 64 bits: the identity of a point (see point_identity). */
#define FNV_INIT UINT64_C(0xcbf29ce484222325)
static inline uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static inline uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s, strlen(s));
}

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parse a non-negative decimal integer; returns 0 and *out, or -1. */
static inline int parse_uint(const char *s, unsigned long *out)
{
    if (!s || !*s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* CSV files (sweep_csv.c): a parser of RFC 4180 records, keeping each   */
/* record's raw bytes for merge.                                         */

typedef struct csv_row {
    char **f;          /* fields (unquoted), n_cols of them */
    const char *raw;   /* the record as it stands in the file, without its line end */
    size_t rawlen;
    int line;          /* line the record starts on */
    uint64_t id;       /* identity hash (trace.path + config.*) */
    size_t seq;        /* input order, for a stable sort */
    int file;          /* index of the input file (merge) */
} csv_row;

typedef struct csv_table {
    const char *path;
    char *buf;         /* the file */
    size_t len;
    char **head;       /* header fields */
    size_t n_cols;
    csv_row *rows;
    size_t n_rows;
    int path_col;      /* column of trace.path, or -1 */
    size_t *cfg_cols;  /* columns named config.*, sorted by name */
    size_t n_cfg;
} csv_table;

/*
 * Read a CSV file written by "mmusim run --csv".  A missing file is an
 * error unless missing_ok (then an empty table); an empty file is an empty
 * table.  It must be a regular file, or also a pipe if pipes_ok (a device
 * would never end).  Returns 0, or -1 with "FILE:LINE: what" in err.
 */
int csv_read(const char *path, csv_table *t, int missing_ok, int pipes_ok, char *err, size_t errlen);
void csv_free(csv_table *t);
/* Hash of the configuration column names (sorted): the shape of a configuration. */
uint64_t table_shape(const csv_table *t);

/* ------------------------------------------------------------------ */
/* the grid (sweep_points.c)                                           */

typedef struct vary {
    const char *arg; /* "tlb.stlb.entries=1024,2048", as given */
    char *key;     /* "tlb.stlb.entries" */
    char **vals;   /* as given */
    size_t n;
} vary;

enum point_state { P_TODO, P_DONE_BEFORE, P_INVALID, P_OTHER_SHARD, P_OK, P_FAILED, P_NOT_RUN };

typedef struct point {
    uint32_t trace;
    uint32_t state;
    uint64_t id;      /* identity hash */
} point;

typedef struct sweep {
    const char *traces[MAX_SWEEP_TRACES];
    size_t n_traces;
    vary vary[MAX_VARY];
    size_t n_vary;
    const char *base[MAX_BASE]; /* base options for the child, as option/value pairs */
    size_t n_base;
    mmu_config base_cfg;
    const char *out;
    const char *json_dir; /* --json DIR: each point's JSON as DIR/sweep-point-N.json */
    unsigned long jobs;
    unsigned long shard_k, shard_n; /* 1-based; 0/0: no sharding */
    int resume, strict, dry_run, quiet, progress;
    size_t n_columns_failed; /* points refused by OUT for other columns */
    cli_slurm_opts slurm;    /* --slurm: a job array instead of running here */
    int one_pass;            /* 0: one pass where exact; 1: --one-pass (required); -1: --no-one-pass */
    point *pts;
    size_t n_points;
    size_t combos; /* points per trace */
} sweep;

/* The value indices of point i's combination (the last --vary fastest). */
void point_combo(const sweep *s, size_t i, size_t *vi);
/* "TRACE key=value key=value": how a point is named in messages. */
void point_name(const sweep *s, size_t i, char *buf, size_t len);
/* Build and check every point; returns 0, or an exit status with a message printed. */
int plan(sweep *s, uint64_t *shape_out);
/* Point i's configuration (plan() checked that it builds). */
void point_config(const sweep *s, size_t i, mmu_config *cfg);
int cmp_u64(const void *a, const void *b);

/* ---- the command line (sweep_options.c) ---- */
/* Parse the arguments after "sweep" into s: 0, -1 after --help, or an exit status with a message. */
int parse_sweep(int argc, char **argv, sweep *s);
void free_sweep(sweep *s);

/* ---- separate runs (sweep_run.c) ---- */
extern volatile sig_atomic_t got_int, got_term, got_hup;
void on_signal(int sig);
/* Run the points in todo[]; returns the number that failed.  *interrupted set on a signal. */
size_t run_points(sweep *s, const size_t *todo, size_t n_todo, int *interrupted, int *usage_error);

#endif /* CLI_SWEEP_H */
