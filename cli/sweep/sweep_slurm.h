/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_slurm.h - "mmusim sweep --slurm": a sweep as a Slurm job array, one
 * shard per task (--shard K/N --resume), and a merge job after it that runs
 * every shard again with --resume (a task that failed or never ran has its
 * points rerun and reported there) before merging the shards into --out.
 * docs/sweep.md, "On a Slurm cluster".
 */
#ifndef CLI_SWEEP_SLURM_H
#define CLI_SWEEP_SLURM_H

#include <stddef.h>

#define CLI_SLURM_MAX_ARGS 64

typedef struct cli_slurm_opts {
    int on;                  /* --slurm */
    int no_submit;           /* --slurm-no-submit: write the scripts, print the commands */
    const char *dir;         /* --slurm-dir (default OUT.slurm) */
    const char *partition;   /* --slurm-partition */
    const char *time;        /* --slurm-time */
    const char *mem;         /* --slurm-mem */
    unsigned long tasks;     /* --slurm-tasks (0: the points, at most 100) */
    unsigned long throttle;  /* --slurm-throttle: %N of --array (0: none) */
    unsigned long cpus;      /* --slurm-cpus: --cpus-per-task (0: Slurm's default) */
    const char *extra[CLI_SLURM_MAX_ARGS]; /* --slurm-arg, repeated */
    size_t n_extra;
} cli_slurm_opts;

/*
 * If argv[*i] is a --slurm option, take it (and its value, advancing *i) and
 * return 1; return 0 if it is not one; -1 after printing a message (a bad
 * value: exit status 2).
 */
int cli_slurm_option(cli_slurm_opts *o, int argc, char **argv, int *i);

/*
 * Write DIR/tasks.sbatch and DIR/merge.sbatch and (unless no_submit) submit
 * them with sbatch.  fwd: the sweep's own arguments each task repeats
 * (traces, --vary, configuration and run options, --json, --strict);
 * n_points: the points of the grid.  Returns an exit status, with messages
 * printed.
 */
int cli_slurm_submit(const cli_slurm_opts *o, const char *out, const char *const *fwd, size_t n_fwd,
                     size_t n_points, int resume, int quiet);

#endif /* CLI_SWEEP_SLURM_H */
