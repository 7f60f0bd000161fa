/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_sweep.c - "mmusim sweep": the command itself.
 *
 * A sweep is a grid: every trace times every combination of the --vary
 * values (sweep_points.c).  The command plans (builds and validates every
 * point's configuration in-process, skips the points already in OUT with
 * --resume, keeps its shard's slice), runs in one pass the points that one
 * pass is exact for (sweep_onepass.c), runs the others separately, one
 * child process each, up to -j at a time (sweep_run.c), or submits the
 * whole as a Slurm job array (sweep_slurm.c), and reports.
 *
 * A point is identified by its trace path and its whole effective
 * configuration: the config.* columns of its row.  --resume and merge
 * (sweep_csv.c) both use that identity, so rows of another base
 * configuration never count as done.
 *
 * docs/sweep.md is the user's guide; the exit statuses are listed there.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"
#include "cli.h"
#include "sweep.h"
#include "sweep_onepass.h"

/* Whether SIGINT, SIGTERM or SIGHUP came: a pass stops, writing no row. */
static int stop_asked(void)
{
    return got_int || got_term || got_hup;
}

/* What one pass cannot give a point: an option only a separate run has (NULL: none). */
static const char *one_pass_blocker(const sweep *s)
{
    if (s->json_dir)
        return "--json (each point's JSON document)";
    for (size_t k = 0; k < s->n_base; k++)
        if (strcmp(s->base[k], "--check") == 0 || strcmp(s->base[k], "--prefault") == 0)
            return s->base[k];
    return NULL;
}

/*
 * One pass over one trace for the todo points todo[members[0..n)]: their
 * rows appended to OUT.  Returns 0, 1 if a signal stopped it (no row), or
 * -1 with a message printed (*columns set if OUT has other columns).
 */
static int pass_group(const sweep *s, const cli_onepass_opts *o, const size_t *todo, const size_t *members, size_t n,
                      int *columns)
{
    mmu_config *cfgs = xmalloc(n * sizeof *cfgs);
    for (size_t q = 0; q < n; q++)
        point_config(s, todo[members[q]], &cfgs[q]);
    const char *trace = s->traces[s->pts[todo[members[0]]].trace];
    cli_text head = {0}, rows = {0};
    char err[1024];
    int r = cli_onepass_trace(trace, o, cfgs, n, &head, &rows, err, sizeof err);
    if (r == 0 && mmusim_report_csv_append(s->out, head.p, head.n, rows.p, rows.n, err, sizeof err) != 0)
        r = -1;
    free(head.p);
    free(rows.p);
    free(cfgs);
    if (r < 0 && stop_asked())
        r = 1; /* interrupted (an open or a read cut short by the signal): not run */
    *columns = 0;
    if (r < 0) {
        fprintf(stderr, "mmusim sweep: %zu points in one pass over %s failed:\n  %s\n", n, trace, err);
        if (strstr(err, "its columns differ")) {
            *columns = 1;
            fprintf(stderr, "  (their results have other columns than the rows of %s: --resume cannot add "
                            "these points to that file; sweep them into another --out file)\n", s->out);
        }
    }
    return r;
}

/*
 * One pass (sweep_onepass.c) for the points of todo[] that it is exact
 * for: grouped by trace and by what their configurations share (their
 * signature), each group of two or more points (one or more with
 * --one-pass) in one pass over its trace, up to -j passes at a time (each
 * then in a child process); each pass appends its rows to OUT in point
 * order, in one write.  The points run so are removed from todo[] (the
 * rest run separately) and counted in *n_points and *n_passes; those of a
 * pass that failed are counted in *failed.  A signal stops the passes
 * (no row; their points stay in todo[], where nothing starts them).
 * Returns 0, or an exit status with a message (--one-pass and a point that
 * is not exact).  dry (--dry-run): print the passes ("one-pass TRACE points
 * N..."), run nothing, leave todo[] as it is.
 */
static int run_one_pass(sweep *s, size_t *todo, size_t *n_todo, size_t *n_points, size_t *n_passes,
                        size_t *failed, int dry)
{
    *n_points = *n_passes = 0;
    if (s->one_pass < 0 || *n_todo == 0)
        return 0;
    const char *no = one_pass_blocker(s);
    if (no) {
        if (s->one_pass > 0) {
            fprintf(stderr, "mmusim sweep: --one-pass: one pass writes CSV rows only: no %s\n", no);
            return EXIT_USAGE;
        }
        return 0;
    }
    cli_onepass_opts o = {0, 0, NULL, NULL};
    for (size_t k = 0; k + 1 < s->n_base; k++) {
        unsigned long w = 0;
        if (strcmp(s->base[k], "--format") == 0)
            o.format = (int)mmusim_format_parse(s->base[k + 1]);
        else if (strcmp(s->base[k], "--warmup") == 0 && parse_uint(s->base[k + 1], &w) == 0)
            o.warmup = w;
        else if (strcmp(s->base[k], "--preset") == 0)
            o.preset = s->base[k + 1];
    }
    /* each todo point's signature (NULL: not exact in one pass) */
    char **sig = xmalloc(*n_todo * sizeof *sig);
    int rc = 0;
    for (size_t j = 0; j < *n_todo; j++) {
        mmu_config cfg;
        point_config(s, todo[j], &cfg);
        char why[512];
        sig[j] = NULL;
        if (cli_onepass_eligible(&cfg, why, sizeof why) < 0) {
            if (s->one_pass > 0 && !rc) {
                char name[2048];
                point_name(s, todo[j], name, sizeof name);
                fprintf(stderr, "mmusim sweep: --one-pass: point %zu (%s) is not exact in one pass: %s; "
                                "sweep it without --one-pass\n", todo[j] + 1, name, why);
                rc = EXIT_USAGE;
            }
            continue;
        }
        sig[j] = cli_onepass_signature(&cfg);
        if (!sig[j]) {
            fprintf(stderr, "mmusim: out of memory\n");
            exit(EXIT_FAILED);
        }
    }
    /* the groups: members[first[g] .. first[g + 1]) are todo indices, in point order */
    size_t *members = xmalloc(*n_todo * sizeof *members), *first = xmalloc((*n_todo + 1) * sizeof *first);
    char *taken = xmalloc(*n_todo);
    memset(taken, 0, *n_todo);
    size_t ng = 0, nm = 0;
    for (size_t j = 0; j < *n_todo && !rc; j++) {
        if (!sig[j] || taken[j])
            continue;
        size_t n = 0;
        for (size_t q = j; q < *n_todo; q++)
            if (sig[q] && !taken[q] && s->pts[todo[q]].trace == s->pts[todo[j]].trace && strcmp(sig[q], sig[j]) == 0) {
                members[nm + n++] = q;
                taken[q] = 1;
            }
        if (n < 2 && s->one_pass <= 0) {
            taken[j] = 0; /* one point: as fast on its own */
            continue;
        }
        first[ng++] = nm;
        nm += n;
    }
    first[ng] = nm;
    memset(taken, 0, *n_todo);
    if (dry) { /* --dry-run: the passes, one line each; nothing runs */
        for (size_t g = 0; g < ng; g++) {
            printf("one-pass\t%s\tpoints", s->traces[s->pts[todo[members[first[g]]]].trace]);
            for (size_t q = first[g]; q < first[g + 1]; q++)
                printf(" %zu", todo[members[q]] + 1);
            printf("\n");
        }
        ng = 0;
    }
    /* a group's outcome: 0 run, 1 not run (stopped), -1 failed */
    int *res = xmalloc((ng ? ng : 1) * sizeof *res);
    for (size_t g = 0; g < ng; g++)
        res[g] = 1;
    size_t cols = 0;
    if (ng <= 1 || s->jobs <= 1) {
        for (size_t g = 0; g < ng && !stop_asked(); g++) {
            const size_t n = first[g + 1] - first[g];
            if (s->progress)
                fprintf(stderr, "sweep: %zu points in one pass over %s\n", n,
                        s->traces[s->pts[todo[members[first[g]]]].trace]);
            int columns;
            o.stop = stop_asked;
            res[g] = pass_group(s, &o, todo, members + first[g], n, &columns);
            cols += columns ? n : 0;
            if (res[g] > 0)
                break;
        }
    } else {
        /* passes in child processes, up to -j at a time; a signal stops them (SIGTERM: no row) */
        pid_t *pid = xmalloc(s->jobs * sizeof *pid);
        size_t *slot_g = xmalloc(s->jobs * sizeof *slot_g);
        size_t next = 0, running = 0;
        int killed = 0;
        while (next < ng || running) {
            const int stop = stop_asked();
            if (stop && !killed) {
                for (size_t k = 0; k < running; k++)
                    kill(pid[k], SIGTERM);
                killed = 1;
            }
            while (!stop && running < s->jobs && next < ng) {
                const size_t g = next++, n = first[g + 1] - first[g];
                if (s->progress)
                    fprintf(stderr, "sweep: %zu points in one pass over %s\n", n,
                            s->traces[s->pts[todo[members[first[g]]]].trace]);
                fflush(stdout);
                fflush(stderr);
                pid_t c = fork();
                if (c < 0) {
                    fprintf(stderr, "mmusim sweep: fork: %s\n", strerror(errno));
                    res[g] = -1;
                    continue;
                }
                if (c == 0) {
                    signal(SIGINT, SIG_DFL);
                    signal(SIGTERM, SIG_DFL);
                    signal(SIGHUP, SIG_DFL);
                    signal(SIGPIPE, SIG_DFL);
                    int columns;
                    int r = pass_group(s, &o, todo, members + first[g], n, &columns);
                    fflush(stderr);
                    _exit(r == 0 ? 0 : r > 0 ? 4 : columns ? 3 : 1);
                }
                pid[running] = c;
                slot_g[running++] = g;
            }
            if (!running)
                break;
            int st;
            pid_t w = waitpid(-1, &st, 0);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "mmusim sweep: waitpid: %s\n", strerror(errno));
                break;
            }
            size_t k = 0;
            while (k < running && pid[k] != w)
                k++;
            if (k == running)
                continue;
            const size_t g = slot_g[k];
            pid[k] = pid[--running];
            slot_g[k] = slot_g[running];
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                res[g] = 0;
            else if (WIFEXITED(st) && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 3)) {
                res[g] = -1;
                cols += WEXITSTATUS(st) == 3 ? first[g + 1] - first[g] : 0;
            } else if (!(killed || (WIFEXITED(st) && WEXITSTATUS(st) == 4))) {
                res[g] = -1; /* died on its own */
                fprintf(stderr, "mmusim sweep: the pass over %s died (%s %d)\n",
                        s->traces[s->pts[todo[members[first[g]]]].trace],
                        WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            }
        }
        free(pid);
        free(slot_g);
    }
    s->n_columns_failed += cols;
    for (size_t g = 0; g < ng; g++) {
        const size_t n = first[g + 1] - first[g];
        if (res[g] > 0)
            continue; /* not run: left in todo[], where nothing starts it after the signal */
        for (size_t q = first[g]; q < first[g + 1]; q++) {
            taken[members[q]] = 1;
            s->pts[todo[members[q]]].state = res[g] == 0 ? P_OK : P_FAILED;
        }
        if (res[g] == 0) {
            *n_points += n;
            ++*n_passes;
        } else {
            *failed += n;
        }
    }
    /* what is left runs separately, in point order */
    size_t m = 0;
    for (size_t j = 0; j < *n_todo; j++) {
        free(sig[j]);
        if (!taken[j])
            todo[m++] = todo[j];
    }
    *n_todo = m;
    free(sig);
    free(taken);
    free(members);
    free(first);
    free(res);
    return rc;
}

int cli_cmd_sweep(int argc, char **argv)
{
    sweep *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "mmusim: out of memory\n");
        return EXIT_FAILED;
    }
    int rc = parse_sweep(argc, argv, s);
    if (rc) {
        free_sweep(s);
        free(s);
        return rc < 0 ? 0 : rc;
    }
    uint64_t shape = 0;
    rc = plan(s, &shape);
    if (rc)
        goto out;
    for (size_t t = 0; t < s->n_traces; t++)
        if (access(s->traces[t], R_OK) != 0) {
            fprintf(stderr, "mmusim sweep: %s: %s\n", s->traces[t], strerror(errno));
            rc = EXIT_FAILED;
            goto out;
        }

    if (s->slurm.on) {
        size_t n_inv = 0;
        for (size_t i = 0; i < s->n_points; i++)
            n_inv += s->pts[i].state == P_INVALID;
        if (n_inv && s->strict) {
            fprintf(stderr, "mmusim sweep: %zu invalid point%s (--strict): nothing submitted\n", n_inv,
                    n_inv == 1 ? "" : "s");
            rc = EXIT_USAGE;
            goto out;
        }
        /* the task's command line: the grid and the options every point shares */
        size_t cap = s->n_traces + s->n_base + 2 * s->n_vary + 5, n_fwd = 0;
        const char **fwd = xmalloc(cap * sizeof *fwd);
        for (size_t t = 0; t < s->n_traces; t++)
            fwd[n_fwd++] = s->traces[t];
        for (size_t k = 0; k < s->n_base; k++)
            fwd[n_fwd++] = s->base[k];
        for (size_t k = 0; k < s->n_vary; k++) {
            fwd[n_fwd++] = "--vary";
            fwd[n_fwd++] = s->vary[k].arg;
        }
        if (s->json_dir) {
            fwd[n_fwd++] = "--json";
            fwd[n_fwd++] = s->json_dir;
        }
        if (s->strict)
            fwd[n_fwd++] = "--strict";
        if (s->one_pass)
            fwd[n_fwd++] = s->one_pass > 0 ? "--one-pass" : "--no-one-pass";
        rc = cli_slurm_submit(&s->slurm, s->out, fwd, n_fwd, s->n_points, s->resume, s->quiet);
        free(fwd);
        goto out;
    }

    /* what OUT holds already */
    char err[1024];
    csv_table have;
    if (csv_read(s->out, &have, 1, 0, err, sizeof err) != 0 ||
        (!s->dry_run && mmusim_output_check(s->out, 1, err, sizeof err) != 0)) {
        fprintf(stderr, "mmusim sweep: --out %s\n", err);
        rc = EXIT_FAILED;
        goto out;
    }
    if (have.n_cols && !s->resume && !s->dry_run) {
        fprintf(stderr, "mmusim sweep: %s exists; --resume continues it (its points are skipped), "
                        "or give another --out\n", s->out);
        csv_free(&have);
        rc = EXIT_USAGE;
        goto out;
    }
    if (have.n_cols && table_shape(&have) != shape) {
        fprintf(stderr, "mmusim sweep: %s: its config.* columns differ from this sweep's configuration "
                        "(another shape of configuration); use another file\n", s->out);
        csv_free(&have);
        rc = EXIT_USAGE;
        goto out;
    }
    uint64_t *done = xmalloc((have.n_rows + 1) * sizeof *done);
    for (size_t r = 0; r < have.n_rows; r++)
        done[r] = have.rows[r].id;
    qsort(done, have.n_rows, sizeof *done, cmp_u64);
    size_t n_done = have.n_rows;
    csv_free(&have);

    size_t n_invalid = 0, n_before = 0, n_other = 0, n_todo = 0;
    size_t *todo = xmalloc(s->n_points * sizeof *todo);
    for (size_t i = 0; i < s->n_points; i++) {
        point *p = &s->pts[i];
        if (p->state == P_INVALID) {
            n_invalid++;
            continue;
        }
        if (p->state == P_OTHER_SHARD) {
            n_other++;
            continue;
        }
        if (s->resume && bsearch(&p->id, done, n_done, sizeof *done, cmp_u64)) {
            p->state = P_DONE_BEFORE;
            n_before++;
            continue;
        }
        todo[n_todo++] = i;
    }
    free(done);

    if (s->dry_run) {
        static const char *names[] = {"todo", "done", "invalid", "other-shard", "ok", "failed", "not-run"};
        for (size_t i = 0; i < s->n_points; i++) {
            char name[2048];
            point_name(s, i, name, sizeof name);
            printf("%zu\t%s\t%s\n", i + 1, names[s->pts[i].state], name);
        }
        size_t dn = 0, dp = 0, df = 0;
        rc = run_one_pass(s, todo, &n_todo, &dn, &dp, &df, 1);
        if (!rc)
            rc = n_invalid && s->strict ? EXIT_USAGE : EXIT_OK;
        free(todo);
        goto out;
    }
    if (n_invalid && s->strict) {
        fprintf(stderr, "mmusim sweep: %zu invalid point%s (--strict): nothing run\n", n_invalid,
                n_invalid == 1 ? "" : "s");
        free(todo);
        rc = EXIT_USAGE;
        goto out;
    }

    if (s->json_dir && mkdir(s->json_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mmusim sweep: --json %s: %s\n", s->json_dir, strerror(errno));
        free(todo);
        rc = EXIT_FAILED;
        goto out;
    }
    struct stat jst;
    if (s->json_dir && (stat(s->json_dir, &jst) != 0 || !S_ISDIR(jst.st_mode))) {
        fprintf(stderr, "mmusim sweep: --json %s: not a directory\n", s->json_dir);
        free(todo);
        rc = EXIT_USAGE;
        goto out;
    }

    struct sigaction sa, ign, old_int, old_term, old_hup, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: waitpid returns on a signal */
    ign = sa;
    ign.sa_handler = SIG_IGN;
    got_int = got_term = got_hup = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* a hangup (the terminal closed) stops the points, unless ignored (nohup);
     * a closed standard error must not kill the sweep before it stopped them */
    sigaction(SIGHUP, NULL, &old_hup);
    if (old_hup.sa_handler != SIG_IGN)
        sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &ign, &old_pipe);
    int interrupted = 0, usage_error = 0;
    /* the points one pass is exact for, first; the rest separately */
    size_t n_op = 0, n_passes = 0, op_failed = 0;
    rc = run_one_pass(s, todo, &n_todo, &n_op, &n_passes, &op_failed, 0);
    size_t failed = rc ? 0 : run_points(s, todo, n_todo, &interrupted, &usage_error);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (rc) {
        free(todo);
        goto out;
    }
    if (got_int || got_term || got_hup)
        interrupted = 1;
    failed += op_failed;

    size_t ok = n_op, not_run = 0;
    for (size_t k = 0; k < n_todo; k++) {
        ok += s->pts[todo[k]].state == P_OK;
        not_run += s->pts[todo[k]].state == P_NOT_RUN;
    }
    free(todo);
    if (!s->quiet) {
        printf("sweep: %zu point%s", s->n_points, s->n_points == 1 ? "" : "s");
        if (s->shard_n)
            printf(" (shard %lu/%lu: %zu)", s->shard_k, s->shard_n, s->n_points - n_other);
        printf(": %zu run, %zu failed", ok, failed);
        if (n_before)
            printf(", %zu done before", n_before);
        if (n_invalid)
            printf(", %zu invalid (skipped)", n_invalid);
        if (not_run)
            printf(", %zu not run", not_run);
        printf("; rows in %s\n", s->out);
        if (n_op)
            printf("sweep: %zu of them in one pass (%zu pass%s over the trace%s: LRU stack distances), "
                   "%zu as separate runs\n",
                   n_op, n_passes, n_passes == 1 ? "" : "es", n_passes == 1 ? "" : "s", ok + failed - n_op);
    }
    if (interrupted) {
        fprintf(stderr, "mmusim sweep: interrupted; %zu point%s not run: --resume continues\n", not_run,
                not_run == 1 ? "" : "s");
        rc = got_hup ? EXIT_SIGHUP : got_term ? EXIT_SIGTERM : EXIT_SIGINT;
    } else if (usage_error) {
        rc = EXIT_USAGE;
    } else if (failed) {
        if (s->n_columns_failed < failed)
            fprintf(stderr, "mmusim sweep: %zu point%s failed (see above); --resume reruns them\n",
                    failed - s->n_columns_failed, failed - s->n_columns_failed == 1 ? "" : "s");
        if (s->n_columns_failed)
            fprintf(stderr, "mmusim sweep: %zu point%s failed because %s has other columns (see above); "
                            "--resume cannot add them: sweep them into another --out file\n",
                    s->n_columns_failed, s->n_columns_failed == 1 ? "" : "s", s->out);
        rc = EXIT_FAILED;
    } else {
        rc = EXIT_OK;
        /* every point of the shard has its row; a shard with no point to run
           still leaves its (empty) file, which merge takes */
        int fd = open(s->out, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0)
            close(fd);
        else if (errno != EEXIST) {
            fprintf(stderr, "mmusim sweep: %s: %s\n", s->out, strerror(errno));
            rc = EXIT_FAILED;
        }
    }
out:
    free_sweep(s);
    free(s);
    return rc;
}
