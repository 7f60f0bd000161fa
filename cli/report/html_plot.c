/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * html_plot.c - plots for `mmusim report`, drawn by gnuplot as SVG.
 *
 * Every plot of a report is drawn by one gnuplot child process: the data go
 * to files in a private temporary directory, the script (one `set output`
 * per plot) goes to gnuplot's standard input, and each SVG comes back from
 * its own file.  gnuplot runs with -d (no ~/.gnuplot or gnuplotrc) and
 * LC_ALL=C, and its SVG terminal writes no date, so the same data give the
 * same SVG.  Each SVG is made fit to inline in a page next to others: the XML
 * prolog goes and every id (and reference to one) gets a per-plot prefix, as
 * gnuplot names its markers and clip paths the same in every file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "html.h"

/* gnuplot gets this long for the whole batch before it is killed */
#define CLI_GNUPLOT_TIMEOUT_S 120

typedef struct cli_plot {
    int width, height;
    char *title;
    char *cmds;
    char *svg;
    char *error;
} cli_plot;

struct cli_plots {
    char *prog;        /* gnuplot's path, NULL when unavailable */
    char *dir;         /* private temporary directory, or NULL */
    char reason[600];  /* why plots are unavailable */
    int ndata;
    char **data;       /* gnuplot string literals of the data files' paths */
    cli_plot *plot;
    size_t nplots, cap;
    char version[64];
};

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The program's path (malloc'd), or NULL with the reason in why. */
static char *find_program(const char *name, const char *what, char *why, size_t n)
{
    if (strchr(name, '/')) {
        struct stat st;
        if (is_exec_file(name))
            return strdup(name);
        snprintf(why, n, "%s: %s", what, stat(name, &st) != 0 ? strerror(errno) : "not an executable file");
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t len = strlen(name);
    while (*path) {
        const char *end = strchr(path, ':');
        size_t dl = end ? (size_t)(end - path) : strlen(path);
        char *cand = malloc(dl + len + 3);
        if (!cand)
            break;
        if (dl == 0)
            snprintf(cand, len + 3, "./%s", name);
        else
            snprintf(cand, dl + len + 2, "%.*s/%s", (int)dl, path, name);
        if (is_exec_file(cand))
            return cand;
        free(cand);
        path += dl;
        if (*path == ':')
            path++;
    }
    snprintf(why, n, "%s was not found in PATH", what);
    return NULL;
}

cli_plots *cli_plots_create(void)
{
    cli_plots *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    const char *env = getenv("MMUSIM_GNUPLOT");
    if (env && !*env) {
        snprintf(p->reason, sizeof p->reason, "MMUSIM_GNUPLOT is set and empty, which turns plots off");
        return p;
    }
    if (env) {
        char what[400];
        snprintf(what, sizeof what, "MMUSIM_GNUPLOT=%.300s", env);
        p->prog = find_program(env, what, p->reason, sizeof p->reason);
    } else {
        p->prog = find_program("gnuplot", "gnuplot", p->reason, sizeof p->reason);
    }
    if (!p->prog)
        return p;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    size_t n = strlen(tmp) + 32;
    p->dir = malloc(n);
    if (!p->dir) {
        cli_plots_destroy(p);
        return NULL;
    }
    snprintf(p->dir, n, "%s/mmusim-report.XXXXXX", tmp);
    if (!mkdtemp(p->dir)) {
        snprintf(p->reason, sizeof p->reason, "cannot make a temporary directory in %.400s: %s", tmp,
                 strerror(errno));
        free(p->dir);
        p->dir = NULL;
        free(p->prog);
        p->prog = NULL;
    }
    return p;
}

void cli_plots_destroy(cli_plots *p)
{
    if (!p)
        return;
    if (p->dir) {
        DIR *d = opendir(p->dir);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                size_t n = strlen(p->dir) + strlen(e->d_name) + 2;
                char *f = malloc(n);
                if (f) {
                    snprintf(f, n, "%s/%s", p->dir, e->d_name);
                    remove(f);
                    free(f);
                }
            }
            closedir(d);
        }
        rmdir(p->dir);
        free(p->dir);
    }
    for (int i = 0; i < p->ndata; i++)
        free(p->data[i]);
    free(p->data);
    for (size_t i = 0; i < p->nplots; i++) {
        free(p->plot[i].title);
        free(p->plot[i].cmds);
        free(p->plot[i].svg);
        free(p->plot[i].error);
    }
    free(p->plot);
    free(p->prog);
    free(p);
}

const char *cli_plots_unavailable(const cli_plots *p)
{
    return p->prog ? NULL : p->reason;
}

/* path of file NAME in the batch's directory (malloc'd) */
static char *dir_file(const cli_plots *p, const char *name)
{
    size_t n = strlen(p->dir) + strlen(name) + 2;
    char *f = malloc(n);
    if (f)
        snprintf(f, n, "%s/%s", p->dir, name);
    return f;
}

static int write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fwrite(s, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

const char *cli_plots_data(cli_plots *p, const mmusim_buf *data)
{
    if (!p->prog)
        return NULL;
    char name[32];
    snprintf(name, sizeof name, "d%d.dat", p->ndata);
    char *path = dir_file(p, name);
    char **nd = realloc(p->data, (size_t)(p->ndata + 1) * sizeof *nd);
    if (!path || !nd) {
        free(path);
        if (nd)
            p->data = nd;
        return NULL;
    }
    p->data = nd;
    if (data->oom || write_file(path, data->p ? data->p : "", data->n) != 0) {
        snprintf(p->reason, sizeof p->reason, "cannot write %.400s: %s", path,
                 data->oom ? "out of memory" : strerror(errno));
        free(path);
        free(p->prog);
        p->prog = NULL;
        return NULL;
    }
    mmusim_buf q = {0};
    mmusim_buf_gpstr(&q, path);
    free(path);
    if (q.oom) {
        mmusim_buf_free(&q);
        return NULL;
    }
    p->data[p->ndata++] = q.p;
    return q.p;
}

int cli_plots_add(cli_plots *p, int width, int height, const char *title, const char *cmds)
{
    if (p->nplots == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        cli_plot *np = realloc(p->plot, cap * sizeof *np);
        if (!np)
            return -1;
        p->plot = np;
        p->cap = cap;
    }
    cli_plot *x = &p->plot[p->nplots];
    memset(x, 0, sizeof *x);
    x->width = width;
    x->height = height;
    x->title = strdup(title);
    x->cmds = strdup(cmds);
    if (!x->title || !x->cmds) {
        free(x->title);
        free(x->cmds);
        return -1;
    }
    return (int)p->nplots++;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    mmusim_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        mmusim_buf_add(&b, chunk, got);
    fclose(f);
    if (b.oom) {
        mmusim_buf_free(&b);
        return NULL;
    }
    if (!b.p)
        return strdup("");
    return b.p;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The SVG made fit to inline: from <svg on, ids prefixed, our title. */
static char *inline_svg(const char *svg, int index, const char *title, char *version, size_t vlen)
{
    const char *s = strstr(svg, "<svg");
    const char *end = strstr(svg, "</svg>");
    if (!s || !end)
        return NULL;
    end += strlen("</svg>");
    const char *desc = strstr(svg, "Produced by ");
    if (desc && !*version) {
        desc += strlen("Produced by ");
        size_t n = strcspn(desc, "<");
        while (n && desc[n - 1] == ' ')
            n--;
        snprintf(version, vlen, "%.*s", (int)n, desc);
    }
    char prefix[32];
    snprintf(prefix, sizeof prefix, "gp%d-", index);
    mmusim_buf b = {0};
    mmusim_buf_str(&b, "<svg role=\"img\"");
    s += strlen("<svg");
    while (s < end) {
        if (starts(s, "<title>Gnuplot</title>")) {
            mmusim_buf_str(&b, "<title>");
            mmusim_buf_html(&b, title);
            mmusim_buf_str(&b, "</title>");
            s += strlen("<title>Gnuplot</title>");
            continue;
        }
        static const char *const refs[] = {" id='", " id=\"", "\tid='", "\tid=\"", "href='#", "href=\"#",
                                           "url(#"};
        size_t r;
        for (r = 0; r < sizeof refs / sizeof refs[0]; r++)
            if (starts(s, refs[r]))
                break;
        if (r < sizeof refs / sizeof refs[0]) {
            mmusim_buf_str(&b, refs[r]);
            mmusim_buf_str(&b, prefix);
            s += strlen(refs[r]);
            continue;
        }
        mmusim_buf_add(&b, s, 1);
        s++;
    }
    if (b.oom) {
        mmusim_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* The last non-empty line of gnuplot's error output, for the page. */
static void last_line(const char *text, char *out, size_t n)
{
    *out = 0;
    if (!text)
        return;
    const char *best = NULL;
    size_t blen = 0;
    for (const char *l = text; *l;) {
        size_t len = strcspn(l, "\n");
        size_t t = len;
        while (t && (l[t - 1] == ' ' || l[t - 1] == '\r'))
            t--;
        const char *h = l;
        while (t && (*h == ' ' || *h == '\t')) {
            h++;
            t--;
        }
        if (t) {
            best = h;
            blen = t;
        }
        l += len;
        if (*l)
            l++;
    }
    if (best)
        snprintf(out, n, "%.*s", (int)blen, best);
}

/* Run prog with stdin from script, stdout and stderr to errpath.  Returns a reason or NULL. */
static const char *run_gnuplot(const char *prog, const char *script, const char *errpath, char *why, size_t n)
{
    int in = open(script, O_RDONLY);
    if (in < 0) {
        snprintf(why, n, "cannot read the plot script: %s", strerror(errno));
        return why;
    }
    int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err < 0) {
        snprintf(why, n, "cannot write gnuplot's messages: %s", strerror(errno));
        close(in);
        return why;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "cannot start gnuplot: %s", strerror(errno));
        close(in);
        close(err);
        return why;
    }
    if (pid == 0) {
        dup2(in, 0);
        dup2(err, 1);
        dup2(err, 2);
        close(in);
        close(err);
        setenv("LC_ALL", "C", 1);
        char *const argv[] = {(char *)"gnuplot", (char *)"-d", NULL};
        execv(prog, argv);
        fprintf(stderr, "cannot run %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    close(in);
    close(err);
    int status = 0;
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (long waited = 0;; waited++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(why, n, "waiting for gnuplot: %s", strerror(errno));
            return why;
        }
        if (waited >= CLI_GNUPLOT_TIMEOUT_S * 100L) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(why, n, "gnuplot took longer than %d s and was stopped", CLI_GNUPLOT_TIMEOUT_S);
            return why;
        }
        nanosleep(&tick, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    char *msg = read_file(errpath);
    char line[400];
    last_line(msg, line, sizeof line);
    free(msg);
    if (WIFEXITED(status))
        snprintf(why, n, "gnuplot failed (exit status %d)%s%s", WEXITSTATUS(status), *line ? ": " : "", line);
    else
        snprintf(why, n, "gnuplot was killed by signal %d", WTERMSIG(status));
    return why;
}

int cli_plots_run(cli_plots *p)
{
    char why[600];
    const char *fail = NULL;
    if (!p->prog)
        fail = p->reason;
    char *script = NULL, *errpath = NULL;
    int ran = 0; /* gnuplot ran: the plots drawn before a failure are kept */
    if (!fail && p->nplots) {
        mmusim_buf s = {0};
        for (size_t i = 0; i < p->nplots; i++) {
            char name[32];
            snprintf(name, sizeof name, "p%zu.svg", i);
            char *out = dir_file(p, name);
            if (!out) {
                s.oom = 1;
                break;
            }
            mmusim_buf_printf(&s,
                          "reset\n"
                          "set terminal svg size %d,%d fixed noenhanced font \"sans,11\" background rgb \"white\"\n"
                          "set output ",
                          p->plot[i].width, p->plot[i].height);
            mmusim_buf_gpstr(&s, out);
            free(out);
            mmusim_buf_str(&s, "\nset encoding utf8\n"
                           "set datafile missing \"NaN\"\n"
                           "set border lc rgb \"#555555\"\n"
                           "set grid lc rgb \"#dddddd\" lt 1\n");
            mmusim_buf_str(&s, p->plot[i].cmds);
            mmusim_buf_str(&s, "\nunset output\n");
        }
        mmusim_buf_str(&s, "exit\n");
        script = dir_file(p, "script.gp");
        errpath = dir_file(p, "gnuplot.err");
        if (s.oom || !script || !errpath) {
            fail = "out of memory";
        } else if (write_file(script, s.p, s.n) != 0) {
            snprintf(why, sizeof why, "cannot write the plot script: %s", strerror(errno));
            fail = why;
        } else {
            fail = run_gnuplot(p->prog, script, errpath, why, sizeof why);
            ran = 1;
        }
        mmusim_buf_free(&s);
    }
    int missing = 0;
    for (size_t i = 0; i < p->nplots; i++) {
        cli_plot *x = &p->plot[i];
        if (ran) {
            char name[32];
            snprintf(name, sizeof name, "p%zu.svg", i);
            char *path = dir_file(p, name);
            char *svg = path ? read_file(path) : NULL;
            free(path);
            if (svg)
                x->svg = inline_svg(svg, (int)i, x->title, p->version, sizeof p->version);
            free(svg);
        }
        if (!x->svg) {
            missing++;
            x->error = strdup(fail ? fail : "gnuplot wrote no SVG for it");
        }
    }
    free(script);
    free(errpath);
    return missing ? -1 : 0;
}

const char *cli_plots_svg(const cli_plots *p, int i)
{
    return i >= 0 && (size_t)i < p->nplots ? p->plot[i].svg : NULL;
}

const char *cli_plots_error(const cli_plots *p, int i)
{
    if (i < 0 || (size_t)i >= p->nplots)
        return "the plot could not be prepared (out of memory)";
    return p->plot[i].error ? p->plot[i].error : "unknown";
}

const char *cli_plots_version(const cli_plots *p)
{
    return p->version[0] ? p->version : NULL;
}
