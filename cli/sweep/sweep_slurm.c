/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_slurm.c - "mmusim sweep --slurm": write a Slurm job array (one shard
 * of the sweep per task) and a merge job, and submit them with sbatch.
 *
 * Nothing here runs a point: each task is "mmusim sweep <the same grid>
 * --shard K/N --out DIR/part-K.csv --resume", so a task reruns nothing that
 * has its row, and the merge job (after the array, whatever became of its
 * tasks: afterany) runs every shard once more with --resume.  A task that
 * failed, was cancelled or never started has its points rerun there and
 * named in DIR/merge.out; points that fail again keep --out unwritten and the
 * merge job fails, so no point is dropped silently.  docs/sweep.md.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep_slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* A value that goes into an #SBATCH line: no blanks, quotes or control characters. */
static int plain_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\'' || *s == '\\' || *s == 0x7f)
            return 0;
    return 1;
}

static int parse_count(const char *opt, const char *v, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long x = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
    if (!v || *v < '0' || *v > '9' || errno || *end || x == 0 || x > 1000000) {
        fprintf(stderr, "mmusim sweep: %s: '%s' is not a positive number\n", opt, v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

int cli_slurm_option(cli_slurm_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strncmp(a, "--slurm", 7) != 0)
        return 0;
    if (strcmp(a, "--slurm") == 0) {
        o->on = 1;
        return 1;
    }
    if (strcmp(a, "--slurm-no-submit") == 0) {
        o->on = 1;
        o->no_submit = 1;
        return 1;
    }
    static const char *const takes[] = {"--slurm-dir",   "--slurm-partition", "--slurm-time",
                                        "--slurm-mem",   "--slurm-tasks",     "--slurm-throttle",
                                        "--slurm-cpus",  "--slurm-arg"};
    /* --slurm-arg VALUE or --slurm-arg=VALUE (handy for a value that starts with '-') */
    char name[32];
    const char *eq = strchr(a, '=');
    size_t nl = eq ? (size_t)(eq - a) : strlen(a);
    if (nl >= sizeof name)
        return 0;
    memcpy(name, a, nl);
    name[nl] = 0;
    size_t k = 0;
    while (k < sizeof takes / sizeof takes[0] && strcmp(name, takes[k]) != 0)
        k++;
    if (k == sizeof takes / sizeof takes[0])
        return 0; /* unknown: the caller says so */
    if (!eq && *i + 1 >= argc) {
        fprintf(stderr, "mmusim sweep: %s needs a value\n", a);
        return -1;
    }
    const char *v = eq ? eq + 1 : argv[++*i];
    a = takes[k];
    if (strcmp(a, "--slurm-tasks") == 0)
        return parse_count(a, v, &o->tasks) ? -1 : 1;
    if (strcmp(a, "--slurm-throttle") == 0)
        return parse_count(a, v, &o->throttle) ? -1 : 1;
    if (strcmp(a, "--slurm-cpus") == 0)
        return parse_count(a, v, &o->cpus) ? -1 : 1;
    if (strcmp(a, "--slurm-dir") == 0) {
        o->dir = v;
        return 1;
    }
    if (!plain_word(v)) {
        fprintf(stderr, "mmusim sweep: %s '%s': a value of an #SBATCH line cannot hold blanks or quotes\n", a, v);
        return -1;
    }
    if (strcmp(a, "--slurm-partition") == 0)
        o->partition = v;
    else if (strcmp(a, "--slurm-time") == 0)
        o->time = v;
    else if (strcmp(a, "--slurm-mem") == 0)
        o->mem = v;
    else {
        if (v[0] != '-') {
            fprintf(stderr, "mmusim sweep: --slurm-arg '%s': expected an sbatch option (--name=value)\n", v);
            return -1;
        }
        if (o->n_extra == CLI_SLURM_MAX_ARGS) {
            fprintf(stderr, "mmusim sweep: at most %d --slurm-arg\n", CLI_SLURM_MAX_ARGS);
            return -1;
        }
        o->extra[o->n_extra++] = v;
    }
    return 1;
}

/* s in single quotes for sh ('it'\''s'). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The #SBATCH lines both jobs share: where they run, resources, extra options. */
static void put_common(FILE *f, const cli_slurm_opts *o, const char *cwd)
{
    fprintf(f, "#SBATCH --chdir=%s\n", cwd);
    if (o->partition)
        fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->time)
        fprintf(f, "#SBATCH --time=%s\n", o->time);
    if (o->mem)
        fprintf(f, "#SBATCH --mem=%s\n", o->mem);
    if (o->cpus)
        fprintf(f, "#SBATCH --cpus-per-task=%lu\n", o->cpus);
    for (size_t k = 0; k < o->n_extra; k++)
        fprintf(f, "#SBATCH %s\n", o->extra[k]);
}

/* The sweep command of the grid, without the shard's own options. */
static void put_sweep(FILE *f, const char *self, const char *const *fwd, size_t n_fwd)
{
    put_quoted(f, self);
    fputs(" sweep", f);
    for (size_t k = 0; k < n_fwd; k++) {
        fputc(' ', f);
        put_quoted(f, fwd[k]);
    }
}

/* Write a script through a temporary file renamed into place; returns 0 or -1 (message printed). */
static FILE *script_open(const char *path, char *tmp, size_t tmplen)
{
    snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        fprintf(stderr, "mmusim sweep: %s: %s\n", path, strerror(errno));
    return f;
}

static int script_close(FILE *f, const char *tmp, const char *path)
{
    int ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (ok && chmod(tmp, 0755) == 0 && rename(tmp, path) == 0)
        return 0;
    fprintf(stderr, "mmusim sweep: %s: %s\n", path, strerror(errno ? errno : EIO));
    remove(tmp);
    return -1;
}

/*
 * Run "sbatch --parsable [dep] SCRIPT"; its standard output (the job id,
 * maybe ";cluster") into id.  Returns 0, or -1 with a message.
 */
static int sbatch(const char *script, const char *dependency, char *id, size_t idlen)
{
    int fd[2];
    if (pipe(fd) != 0) {
        fprintf(stderr, "mmusim sweep: pipe: %s\n", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mmusim sweep: fork: %s\n", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[1]);
        if (dependency)
            execlp("sbatch", "sbatch", "--parsable", dependency, script, (char *)NULL);
        else
            execlp("sbatch", "sbatch", "--parsable", script, (char *)NULL);
        fprintf(stderr, "mmusim sweep: cannot run sbatch: %s (is Slurm's client installed and on PATH? "
                        "--slurm-no-submit writes the scripts only)\n", strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < idlen && (got = read(fd[0], id + n, idlen - 1 - n)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        n += (size_t)got;
    }
    id[n] = 0;
    char drain[256];
    while (read(fd[0], drain, sizeof drain) > 0) {
    }
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    id[strcspn(id, ";\n")] = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !*id) {
        fprintf(stderr, "mmusim sweep: sbatch %s failed (%s %d)\n", script,
                WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        return -1;
    }
    return 0;
}

int cli_slurm_submit(const cli_slurm_opts *o, const char *out, const char *const *fwd, size_t n_fwd,
                     size_t n_points, int resume, int quiet)
{
    char dirbuf[PATH_MAX], cwd[PATH_MAX], adir[PATH_MAX], self[PATH_MAX];
    const char *dir = o->dir;
    if (!dir) {
        snprintf(dirbuf, sizeof dirbuf, "%s.slurm", out);
        dir = dirbuf;
    }
    unsigned long n = o->tasks ? o->tasks : (n_points < 100 ? (unsigned long)n_points : 100);
    struct stat st;
    if (stat(out, &st) == 0 && st.st_size > 0) {
        fprintf(stderr, "mmusim sweep: %s exists; --slurm writes it by merging the shards: remove it or give "
                        "another --out\n", out);
        return EXIT_USAGE;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mmusim sweep: --slurm-dir %s: %s\n", dir, strerror(errno));
        return EXIT_FAILED;
    }
    if (!realpath(dir, adir) || !getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "mmusim sweep: %s: %s\n", dir, strerror(errno));
        return EXIT_FAILED;
    }
    if (!plain_word(adir) || !plain_word(cwd)) {
        fprintf(stderr, "mmusim sweep: --slurm: '%s' holds blanks or quotes, which #SBATCH lines cannot "
                        "(run from, and give --slurm-dir, a path without them)\n", plain_word(cwd) ? adir : cwd);
        return EXIT_USAGE;
    }
    if (!resume) {
        char part[PATH_MAX + 32];
        for (unsigned long k = 1; k <= n; k++) {
            snprintf(part, sizeof part, "%s/part-%lu.csv", adir, k);
            if (access(part, F_OK) == 0) {
                fprintf(stderr, "mmusim sweep: %s holds the shards of an earlier submission (%s): --resume "
                                "continues them, or remove it\n", dir, part);
                return EXIT_USAGE;
            }
        }
    }
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0 || (size_t)sl >= sizeof self - 1) {
        fprintf(stderr, "mmusim sweep: --slurm: cannot find this program's path\n");
        return EXIT_FAILED;
    }
    self[sl] = 0;

    char tasks[PATH_MAX + 32], merge[PATH_MAX + 32], tmp[PATH_MAX + 64];
    snprintf(tasks, sizeof tasks, "%s/tasks.sbatch", adir);
    snprintf(merge, sizeof merge, "%s/merge.sbatch", adir);

    FILE *f = script_open(tasks, tmp, sizeof tmp);
    if (!f)
        return EXIT_FAILED;
    fprintf(f, "#!/bin/sh\n"
               "# A sweep as a Slurm job array, written by 'mmusim sweep --slurm' (docs/sweep.md):\n"
               "# task K runs shard K of %lu into part-K.csv here; merge.sbatch runs after the array.\n"
               "#SBATCH --job-name=mmusim-sweep\n",
            n);
    if (o->throttle)
        fprintf(f, "#SBATCH --array=1-%lu%%%lu\n", n, o->throttle);
    else
        fprintf(f, "#SBATCH --array=1-%lu\n", n);
    fprintf(f, "#SBATCH --output=%s/task-%%a.out\n", adir);
    put_common(f, o, cwd);
    fprintf(f, "K=$SLURM_ARRAY_TASK_ID\nexec ");
    put_sweep(f, self, fwd, n_fwd);
    fprintf(f, " --shard \"$K/%lu\" --out \"%s/part-$K.csv\" --resume -j \"${SLURM_CPUS_PER_TASK:-1}\" "
               "--no-progress\n",
            n, adir);
    if (script_close(f, tmp, tasks) != 0)
        return EXIT_FAILED;

    f = script_open(merge, tmp, sizeof tmp);
    if (!f)
        return EXIT_FAILED;
    fprintf(f, "#!/bin/sh\n"
               "# The merge job of 'mmusim sweep --slurm' (docs/sweep.md), after the job array\n"
               "# whatever became of its tasks (afterany).  Every shard runs again with --resume:\n"
               "# the points a task left without a row (it failed, was cancelled or never ran)\n"
               "# run here and are named; if any fails again, the output is not written.\n"
               "#SBATCH --job-name=mmusim-sweep-merge\n"
               "#SBATCH --output=%s/merge.out\n",
            adir);
    put_common(f, o, cwd);
    fprintf(f, "sweep() {\n  ");
    put_sweep(f, self, fwd, n_fwd);
    fprintf(f, " \"$@\"\n}\n"
               "TAB=$(printf '\\t')\n"
               "status=0\n"
               "K=1\n"
               "while [ \"$K\" -le %lu ]; do\n"
               "  part=\"%s/part-$K.csv\"\n"
               "  if ! plan=$(sweep --shard \"$K/%lu\" --out \"$part\" --resume --dry-run); then\n"
               "    echo \"mmusim sweep --slurm: shard $K/%lu: cannot be planned (above)\"\n"
               "    status=1\n"
               "  else\n"
               "    left=$(printf '%%s\\n' \"$plan\" | grep -c \"${TAB}todo${TAB}\")\n"
               "    if [ \"$left\" -gt 0 ]; then\n"
               "      echo \"mmusim sweep --slurm: shard $K/%lu: task $K left $left point(s) without a row "
               "(it failed or did not run: %s/task-$K.out); running them again:\"\n"
               "      printf '%%s\\n' \"$plan\" | grep \"${TAB}todo${TAB}\"\n"
               "      sweep --shard \"$K/%lu\" --out \"$part\" --resume -j \"${SLURM_CPUS_PER_TASK:-1}\" "
               "--no-progress || status=1\n"
               "    fi\n"
               "  fi\n"
               "  K=$((K + 1))\n"
               "done\n"
               "if [ \"$status\" -ne 0 ]; then\n"
               "  echo \"mmusim sweep --slurm: points failed again (above); \"",
            n, adir, n, n, n, adir, n);
    put_quoted(f, out);
    fprintf(f, "\" is not written. Fix them, then: sbatch %s\" >&2\n"
               "  exit 1\n"
               "fi\n"
               "exec ",
            merge);
    put_quoted(f, self);
    fputs(" merge ", f);
    put_quoted(f, out);
    for (unsigned long k = 1; k <= n; k++)
        fprintf(f, " \"%s/part-%lu.csv\"", adir, k);
    fputc('\n', f);
    if (script_close(f, tmp, merge) != 0)
        return EXIT_FAILED;

    if (o->no_submit) {
        printf("sweep: wrote %s and %s (%lu tasks for %zu points); submit them with:\n"
               "  jid=$(sbatch --parsable %s)\n"
               "  sbatch --dependency=afterany:$jid %s\n",
               tasks, merge, n, n_points, tasks, merge);
        return EXIT_OK;
    }
    char id[128], id2[128], dep[200];
    if (sbatch(tasks, NULL, id, sizeof id) != 0)
        return EXIT_FAILED;
    snprintf(dep, sizeof dep, "--dependency=afterany:%s", id);
    if (sbatch(merge, dep, id2, sizeof id2) != 0) {
        fprintf(stderr, "mmusim sweep: the job array %s is submitted, its merge job is not: once the array "
                        "has run, sbatch %s\n", id, merge);
        return EXIT_FAILED;
    }
    printf("sweep: submitted job array %s (%lu tasks for %zu points) and merge job %s after it\n", id, n,
           n_points, id2);
    if (!quiet)
        printf("sweep: follow with: squeue -j %s,%s; the rows will be in %s; logs in %s/\n", id, id2, out, adir);
    return EXIT_OK;
}
