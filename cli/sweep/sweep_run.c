/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_run.c - the points of a sweep run separately: each is one child
 * process, "mmusim run TRACE <base options> --set K=V... --csv OUT
 * --quiet", so a point's row is written by the same code as a single run's
 * and appended with one write() when the point finishes: an interrupted
 * sweep keeps every row it finished.  Up to -j children at a time; signals,
 * progress and each point's messages.
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
#include <time.h>
#include <unistd.h>

#include "sweep.h"

/* ------------------------------------------------------------------ */
/* running points                                                      */

volatile sig_atomic_t got_int, got_term, got_hup;

void on_signal(int sig)
{
    if (sig == SIGINT)
        got_int++;
    else if (sig == SIGHUP)
        got_hup++;
    else
        got_term++;
}

typedef struct slot {
    pid_t pid;
    size_t point;
    FILE *err; /* the child's standard error */
} slot;

/* The program to run points with: this very binary. */
static void self_path(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n > 0 && (size_t)n < len - 1) {
        buf[n] = 0;
        return;
    }
    snprintf(buf, len, "mmusim"); /* found through PATH */
}

/* DIR/sweep-point-N.json, N zero-padded to the width of the last point's number. */
static void point_json_path(const sweep *s, size_t i, char *buf, size_t len)
{
    int width = snprintf(NULL, 0, "%zu", s->n_points);
    snprintf(buf, len, "%s/sweep-point-%0*zu.json", s->json_dir, width, i + 1);
}

/* argv of point i's child; owned strings are freed by free_argv. */
static char **point_argv(const sweep *s, size_t i, const char *self)
{
    size_t n = 0, cap = 16 + s->n_base + 2 * s->n_vary;
    char **av = xmalloc(cap * sizeof *av);
    av[n++] = xstrdup(self);
    av[n++] = xstrdup("run");
    av[n++] = xstrdup(s->traces[s->pts[i].trace]);
    for (size_t k = 0; k < s->n_base; k++)
        av[n++] = xstrdup(s->base[k]);
    size_t vi[MAX_VARY];
    point_combo(s, i, vi);
    for (size_t k = 0; k < s->n_vary; k++) {
        size_t m = strlen(s->vary[k].key) + strlen(s->vary[k].vals[vi[k]]) + 2;
        char *a = xmalloc(m);
        snprintf(a, m, "%s=%s", s->vary[k].key, s->vary[k].vals[vi[k]]);
        av[n++] = xstrdup("--set");
        av[n++] = a;
    }
    av[n++] = xstrdup("--csv");
    av[n++] = xstrdup(s->out);
    if (s->json_dir) {
        char path[4096];
        point_json_path(s, i, path, sizeof path);
        av[n++] = xstrdup("--json");
        av[n++] = xstrdup(path);
    }
    av[n++] = xstrdup("--quiet");
    av[n++] = xstrdup("--no-progress");
    av[n] = NULL;
    return av;
}

static void free_argv(char **av)
{
    for (size_t i = 0; av[i]; i++)
        free(av[i]);
    free(av);
}

/* Start point i in a child; returns 0, or -1 (fork failed: message printed). */
static int start_point(const sweep *s, size_t i, const char *self, slot *sl)
{
    char **av = point_argv(s, i, self);
    FILE *ef = tmpfile();
    if (!ef) {
        fprintf(stderr, "mmusim sweep: cannot create a temporary file: %s\n", strerror(errno));
        free_argv(av);
        return -1;
    }
    /* the other points' children need not hold it open */
    fcntl(fileno(ef), F_SETFD, FD_CLOEXEC);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mmusim sweep: fork: %s\n", strerror(errno));
        fclose(ef);
        free_argv(av);
        return -1;
    }
    if (pid == 0) {
        /* own process group: a Ctrl-C on the terminal reaches the sweep
           only, which lets the running points finish */
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL); /* ignored by the sweep while it runs points */
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        dup2(fileno(ef), STDERR_FILENO);
        if (strchr(av[0], '/'))
            execv(av[0], av);
        else
            execvp(av[0], av);
        static const char msg[] = "mmusim sweep: cannot run this program again (exec failed)\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(127);
    }
    free_argv(av);
    setpgid(pid, pid); /* as the child does: no race with a kill(-pid) */
    sl->pid = pid;
    sl->point = i;
    sl->err = ef;
    return 0;
}

/* Copy a child's standard error to ours, each line indented. */
static void show_child_stderr(FILE *ef)
{
    char line[4096];
    rewind(ef);
    while (fgets(line, sizeof line, ef)) {
        size_t n = strlen(line);
        fprintf(stderr, "  %s%s", line, n && line[n - 1] == '\n' ? "" : "\n");
    }
}

/* Whether a child's standard error holds the text. */
static int child_said(FILE *ef, const char *text)
{
    char line[4096];
    rewind(ef);
    while (fgets(line, sizeof line, ef))
        if (strstr(line, text))
            return 1;
    return 0;
}

typedef struct progress {
    int on;
    double t0;
    size_t total, done, failed, running;
    int shown;
} progress;

static void progress_show(progress *p)
{
    if (!p->on)
        return;
    double el = now_s() - p->t0;
    fprintf(stderr, "\rsweep: %zu/%zu points done, %zu running", p->done, p->total, p->running);
    if (p->failed)
        fprintf(stderr, ", %zu failed", p->failed);
    if (p->done && p->done < p->total)
        fprintf(stderr, ", ETA %.0fs", el / (double)p->done * (double)(p->total - p->done));
    fprintf(stderr, "   ");
    p->shown = 1;
}

static void progress_clear(progress *p)
{
    if (p->on && p->shown) {
        fprintf(stderr, "\r\033[K");
        p->shown = 0;
    }
}

/* The size of a file, 0 if it does not exist. */
static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Run the points in todo[]; returns the number that failed.  *interrupted set on a signal. */
size_t run_points(sweep *s, const size_t *todo, size_t n_todo, int *interrupted, int *usage_error)
{
    char self[4096];
    self_path(self, sizeof self);
    slot *slots = xmalloc(s->jobs * sizeof *slots);
    size_t running = 0, next = 0, failed = 0;
    progress pr = {0};
    pr.on = s->progress;
    pr.t0 = now_s();
    pr.total = n_todo;
    int killed = 0;
    progress_show(&pr);
    while (next < n_todo || running > 0) {
        int stopping = got_int || got_term || got_hup || *usage_error;
        if (got_term || got_hup || (got_int > 1)) {
            if (!killed) {
                progress_clear(&pr);
                fprintf(stderr, "mmusim sweep: %s: stopping the %zu running point%s\n",
                        got_hup ? "SIGHUP" : got_term ? "SIGTERM" : "SIGINT again", running,
                        running == 1 ? "" : "s");
                /* each point is a process group of its own (whatever it
                 * started goes too); a run killed so leaves no row, or a
                 * whole one: the row is written with these signals held */
                for (size_t k = 0; k < running; k++)
                    if (kill(-slots[k].pid, SIGTERM) != 0)
                        kill(slots[k].pid, SIGTERM);
                killed = 1;
            }
        } else if (got_int == 1 && !*interrupted) {
            progress_clear(&pr);
            fprintf(stderr, "mmusim sweep: interrupted: no new points; waiting for the %zu running "
                            "(Ctrl-C again stops them)\n", running);
        }
        if (got_int || got_term || got_hup)
            *interrupted = 1;
        /* while OUT has no header yet, one point runs alone: two children
           finding it empty at once would both write a header */
        size_t limit = file_size(s->out) > 0 ? s->jobs : 1;
        while (!stopping && running < limit && next < n_todo) {
            if (start_point(s, todo[next], self, &slots[running]) != 0) {
                s->pts[todo[next]].state = P_FAILED;
                failed++;
                next++;
                continue;
            }
            running++;
            next++;
            pr.running = running;
            progress_show(&pr);
        }
        if (running == 0) {
            if (stopping || next >= n_todo)
                break;
            continue;
        }
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "mmusim sweep: waitpid: %s\n", strerror(errno));
            break;
        }
        size_t k = 0;
        while (k < running && slots[k].pid != pid)
            k++;
        if (k == running)
            continue; /* not one of ours */
        slot sl = slots[k];
        slots[k] = slots[--running];
        point *p = &s->pts[sl.point];
        pr.running = running;
        char name[2048];
        point_name(s, sl.point, name, sizeof name);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            p->state = P_OK;
            pr.done++;
            /* a successful run is quiet; anything it said is shown */
            if (ftell(sl.err) > 0) {
                progress_clear(&pr);
                fprintf(stderr, "mmusim sweep: point %zu (%s) said:\n", sl.point + 1, name);
                show_child_stderr(sl.err);
            }
        } else if (killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) {
            p->state = P_NOT_RUN; /* stopped by us: no row, --resume runs it */
            progress_clear(&pr);
            fprintf(stderr, "mmusim sweep: point %zu (%s) stopped\n", sl.point + 1, name);
        } else {
            p->state = P_FAILED;
            failed++;
            pr.done++; /* it ran: counted done, and failed */
            pr.failed++;
            progress_clear(&pr);
            if (WIFEXITED(st))
                fprintf(stderr, "mmusim sweep: point %zu (%s) failed (exit status %d):\n", sl.point + 1, name,
                        WEXITSTATUS(st));
            else
                fprintf(stderr, "mmusim sweep: point %zu (%s) failed (killed by signal %d):\n", sl.point + 1,
                        name, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            show_child_stderr(sl.err);
            if (child_said(sl.err, "its columns differ")) {
                s->n_columns_failed++;
                fprintf(stderr, "  (its results have other columns than the rows of %s: --resume cannot add "
                                "this point to that file; sweep it into another --out file)\n", s->out);
            }
            /* the configurations were checked here, so a usage error of run
               comes from the options every point shares: no use going on */
            if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_USAGE && !*usage_error) {
                *usage_error = 1;
                fprintf(stderr, "mmusim sweep: a usage error of run, common to every point: no new points\n");
            }
        }
        fclose(sl.err);
        progress_show(&pr);
    }
    if (pr.on && pr.shown)
        fprintf(stderr, "\n");
    for (size_t i = next; i < n_todo; i++)
        s->pts[todo[i]].state = P_NOT_RUN;
    free(slots);
    return failed;
}
