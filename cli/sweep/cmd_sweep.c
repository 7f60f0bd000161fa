/*
 * cmd_sweep.c - "mmusim sweep" and "mmusim merge".
 *
 * A sweep is a grid: every trace times every combination of the --vary
 * values (the first --vary varies slowest, the last fastest).  Each point
 * is one child process, "mmusim run TRACE <base options> --set K=V...
 * --csv OUT --quiet", so a point's row is written by the same code as a
 * single run's and appended with one write() when the point finishes: an
 * interrupted sweep keeps every row it finished.  The parent only plans
 * (builds and validates every point's configuration in-process, skips the
 * points already in OUT with --resume, keeps its shard's slice), runs up to
 * -j children at a time, and reports.
 *
 * A point is identified by its trace path and its whole effective
 * configuration: the config.* columns of its row.  --resume and merge both
 * use that identity, so rows of another base configuration never count as
 * done.
 *
 * "merge" joins the CSV files of shards: the same header in every file,
 * rows de-duplicated by point and sorted, so that the merge of the shards
 * of a sweep equals the merge of the whole sweep.
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
#include <time.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "mmusim/io/report.h"
#include "cli.h"
#include "mmusim/mmusim.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"
#include "sweep_onepass.h"
#include "sweep_slurm.h"

#define MAX_VARY 32
#define MAX_SWEEP_TRACES 1024
#define MAX_BASE 512
#define MAX_POINTS 10000000u

/* Exit statuses (also in docs/sweep.md). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_SIGHUP = 129, EXIT_SIGINT = 130, EXIT_SIGTERM = 143 };

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "mmusim: out of memory\n");
        exit(EXIT_FAILED);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "mmusim: out of memory\n");
        exit(EXIT_FAILED);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* FNV-1a, 64 bits: the identity of a point (see point_identity). */
#define FNV_INIT UINT64_C(0xcbf29ce484222325)
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s, strlen(s));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Parse a non-negative decimal integer; returns 0 and *out, or -1. */
static int parse_uint(const char *s, unsigned long *out)
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
/* CSV files: a parser of RFC 4180 records (quoted fields, "" escapes,  */
/* quoted newlines), keeping each record's raw bytes for merge.         */

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
 * Parse one record at *pos; fills a malloc'd array of fields.  Returns the
 * number of fields, 0 at the end of the buffer, or -1 with a message (an
 * unterminated quote).
 */
static long csv_record(const char *buf, size_t len, size_t *pos, char ***out, int *line, char *err,
                       size_t errlen, const char *path)
{
    size_t p = *pos;
    if (p >= len)
        return 0;
    size_t cap = 16, n = 0;
    char **f = xmalloc(cap * sizeof *f);
    char *field = xmalloc(len - p + 1);
    int start_line = *line;
    for (;;) {
        size_t k = 0;
        if (p < len && buf[p] == '"') {
            p++;
            for (;;) {
                if (p >= len) {
                    snprintf(err, errlen, "%s:%d: a quoted field is not closed", path, start_line);
                    for (size_t i = 0; i < n; i++)
                        free(f[i]);
                    free(f);
                    free(field);
                    return -1;
                }
                if (buf[p] == '"') {
                    if (p + 1 < len && buf[p + 1] == '"') {
                        field[k++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (buf[p] == '\n')
                    (*line)++;
                field[k++] = buf[p++];
            }
        }
        while (p < len && buf[p] != ',' && buf[p] != '\n')
            field[k++] = buf[p++];
        if (k && field[k - 1] == '\r' && (p >= len || buf[p] == '\n'))
            k--;
        field[k] = 0;
        if (n == cap) {
            cap *= 2;
            f = xrealloc(f, cap * sizeof *f);
        }
        f[n++] = xstrdup(field);
        if (p < len && buf[p] == ',') {
            p++;
            continue;
        }
        if (p < len) { /* '\n' */
            p++;
            (*line)++;
        }
        break;
    }
    free(field);
    *pos = p;
    *out = f;
    return (long)n;
}

static void csv_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_cols; i++)
        free(t->head[i]);
    free(t->head);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t i = 0; i < t->n_cols; i++)
            free(t->rows[r].f[i]);
        free(t->rows[r].f);
    }
    free(t->rows);
    free(t->cfg_cols);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

static const csv_table *sort_table; /* qsort has no context argument */
static int cmp_cfg_col(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return strcmp(sort_table->head[x], sort_table->head[y]);
}

/* Identity of a row: see point_identity(); the same bytes are hashed. */
static uint64_t row_identity(const csv_table *t, const csv_row *r)
{
    uint64_t h = fnv_str(FNV_INIT, t->path_col >= 0 ? r->f[t->path_col] : "");
    for (size_t i = 0; i < t->n_cfg; i++) {
        size_t c = t->cfg_cols[i];
        h = fnv(h, "\x1f", 1);
        h = fnv_str(h, t->head[c]);
        h = fnv(h, "=", 1);
        h = fnv_str(h, r->f[c]);
    }
    return h;
}

/* Hash of the configuration column names (sorted): the shape of a configuration. */
static uint64_t table_shape(const csv_table *t)
{
    uint64_t h = FNV_INIT;
    for (size_t i = 0; i < t->n_cfg; i++) {
        h = fnv(h, "\x1f", 1);
        h = fnv_str(h, t->head[t->cfg_cols[i]]);
    }
    return h;
}

/*
 * Read a CSV file written by "mmusim run --csv".  A missing file is an
 * error unless missing_ok (then an empty table); an empty file is an empty
 * table.  It must be a regular file, or also a pipe if pipes_ok (a device
 * would never end).  Returns 0, or -1 with "FILE:LINE: what" in err.
 */
static int csv_read(const char *path, csv_table *t, int missing_ok, int pipes_ok, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->path_col = -1;
    struct stat st;
    if (!pipes_ok && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
        /* opening it would wait for a writer */
        snprintf(err, errlen, "%s: is a FIFO, not a regular file", path);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (mmusim_input_check(fileno(f), path, pipes_ok, err, errlen) != 0) {
        fclose(f);
        return -1;
    }
    size_t cap = 1 << 16;
    t->buf = xmalloc(cap);
    size_t got;
    while ((got = fread(t->buf + t->len, 1, cap - t->len, f)) > 0) {
        t->len += got;
        if (t->len == cap) {
            cap *= 2;
            t->buf = xrealloc(t->buf, cap);
        }
    }
    int rd_err = ferror(f);
    fclose(f);
    if (rd_err) {
        snprintf(err, errlen, "%s: read error", path);
        csv_free(t);
        return -1;
    }
    if (t->len == 0)
        return 0;
    size_t pos = 0;
    int line = 1;
    long n = csv_record(t->buf, t->len, &pos, &t->head, &line, err, errlen, path);
    if (n < 0) {
        csv_free(t);
        return -1;
    }
    t->n_cols = (size_t)n;
    size_t rcap = 64;
    t->rows = xmalloc(rcap * sizeof *t->rows);
    for (;;) {
        size_t start = pos;
        int start_line = line;
        char **fields;
        n = csv_record(t->buf, t->len, &pos, &fields, &line, err, errlen, path);
        if (n < 0) {
            csv_free(t);
            return -1;
        }
        if (n == 0)
            break;
        if ((size_t)n != t->n_cols) {
            snprintf(err, errlen, "%s:%d: %ld fields where the header has %zu (a damaged row?)", path,
                     start_line, n, t->n_cols);
            for (long i = 0; i < n; i++)
                free(fields[i]);
            free(fields);
            csv_free(t);
            return -1;
        }
        if (t->n_rows == rcap) {
            rcap *= 2;
            t->rows = xrealloc(t->rows, rcap * sizeof *t->rows);
        }
        csv_row *r = &t->rows[t->n_rows];
        r->f = fields;
        r->raw = t->buf + start;
        r->rawlen = pos - start;
        while (r->rawlen && (r->raw[r->rawlen - 1] == '\n' || r->raw[r->rawlen - 1] == '\r'))
            r->rawlen--;
        r->line = start_line;
        r->seq = t->n_rows;
        r->file = 0;
        t->n_rows++;
    }
    t->cfg_cols = xmalloc(t->n_cols * sizeof *t->cfg_cols);
    for (size_t i = 0; i < t->n_cols; i++) {
        if (strcmp(t->head[i], "trace.path") == 0)
            t->path_col = (int)i;
        else if (strncmp(t->head[i], "config.", 7) == 0)
            t->cfg_cols[t->n_cfg++] = i;
    }
    if (t->path_col < 0) {
        snprintf(err, errlen, "%s:1: no trace.path column: not a CSV file of mmusim run results", path);
        csv_free(t);
        return -1;
    }
    sort_table = t;
    qsort(t->cfg_cols, t->n_cfg, sizeof *t->cfg_cols, cmp_cfg_col);
    for (size_t r = 0; r < t->n_rows; r++)
        t->rows[r].id = row_identity(t, &t->rows[r]);
    return 0;
}

/* ------------------------------------------------------------------ */
/* the grid                                                            */

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
static void point_combo(const sweep *s, size_t i, size_t *vi)
{
    size_t c = i % s->combos;
    for (size_t k = s->n_vary; k-- > 0;) {
        vi[k] = c % s->vary[k].n;
        c /= s->vary[k].n;
    }
}

/* "TRACE key=value key=value": how a point is named in messages. */
static void point_name(const sweep *s, size_t i, char *buf, size_t len)
{
    size_t vi[MAX_VARY];
    point_combo(s, i, vi);
    size_t used = (size_t)snprintf(buf, len, "%s", s->traces[s->pts[i].trace]);
    for (size_t k = 0; k < s->n_vary && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, " %s=%s", s->vary[k].key, s->vary[k].vals[vi[k]]);
}

typedef struct cfg_item {
    char *name;
    char *value;
} cfg_item;

typedef struct cfg_items {
    cfg_item *it;
    size_t n, cap;
    char section[256];
} cfg_items;

static void collect_visit(void *ctx, const char *section, const char *key, const char *value,
                          const char *desc)
{
    (void)desc;
    cfg_items *c = ctx;
    if (!key)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 128;
        c->it = xrealloc(c->it, c->cap * sizeof *c->it);
    }
    size_t n = strlen(section) + strlen(key) + 16;
    char *name = xmalloc(n);
    snprintf(name, n, "config.%s.%s", section, key);
    c->it[c->n].name = name;
    /* as the CSV row shows it: sizes in bytes */
    char v[64];
    if (strlen(value) < sizeof v) {
        mmusim_csv_config_value(name, value, v, sizeof v);
        c->it[c->n].value = xstrdup(v);
    } else {
        c->it[c->n].value = xstrdup(value);
    }
    c->n++;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const cfg_item *)a)->name, ((const cfg_item *)b)->name);
}

/*
 * The identity of a point: a hash over its trace path and every
 * configuration key with its value as the CSV row will show it (the
 * config.* columns are the configuration's own text, as mmu_config_foreach
 * gives it), keys sorted by name.  *shape gets a hash of the key names.
 */
static uint64_t point_identity(const char *trace, const mmu_config *cfg, uint64_t *shape)
{
    cfg_items c = {0};
    mmu_config_foreach(cfg, collect_visit, &c);
    qsort(c.it, c.n, sizeof *c.it, cmp_item);
    uint64_t h = fnv_str(FNV_INIT, trace), sh = FNV_INIT;
    for (size_t i = 0; i < c.n; i++) {
        h = fnv(h, "\x1f", 1);
        h = fnv_str(h, c.it[i].name);
        h = fnv(h, "=", 1);
        h = fnv_str(h, c.it[i].value);
        sh = fnv(sh, "\x1f", 1);
        sh = fnv_str(sh, c.it[i].name);
        free(c.it[i].name);
        free(c.it[i].value);
    }
    free(c.it);
    *shape = sh;
    return h;
}

/*
 * What of a configuration decides which result columns a run reports beyond
 * its configuration keys (report.c): the walker mode; in radix mode the
 * page-table format (its levels), the PWC levels that have entries and
 * whether the OS model is on.  Written as text, equal for points whose rows
 * can share a CSV file.
 */
static void result_shape(const mmu_config *c, char *buf, size_t len)
{
    if (c->walker.mode != MMU_WALKER_RADIX) {
        snprintf(buf, len, "walker.mode=fixed");
        return;
    }
    const mmu_pt_format *fmt = mmu_pt_format_find(c->walker.format);
    size_t used = (size_t)snprintf(buf, len, "walker.mode=radix walker.format=%s (%u levels), PWC levels with entries:",
                                   c->walker.format, fmt ? fmt->levels : 0u);
    int any = 0;
    for (unsigned l = 1; fmt && l < fmt->levels && used < len; l++)
        if (c->pwc.level[l].entries) {
            used += (size_t)snprintf(buf + used, len - used, " pwc.l%u", l);
            any = 1;
        }
    if (used < len)
        snprintf(buf + used, len - used, "%s, os.enabled=%s", any ? "" : " none", c->os_enabled ? "on" : "off");
}

/* The first --vary whose value differs between points a and b (-1 if none). */
static int differing_axis(const sweep *s, size_t a, size_t b)
{
    size_t va[MAX_VARY], vb[MAX_VARY];
    point_combo(s, a, va);
    point_combo(s, b, vb);
    for (size_t k = 0; k < s->n_vary; k++)
        if (va[k] != vb[k])
            return (int)k;
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ */
/* running points                                                      */

static volatile sig_atomic_t got_int, got_term, got_hup;

static void on_signal(int sig)
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
static size_t run_points(sweep *s, const size_t *todo, size_t n_todo, int *interrupted, int *usage_error)
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

/* ------------------------------------------------------------------ */
/* mmusim sweep                                                        */

static void sweep_usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim sweep TRACE... --out FILE [--vary SEC.KEY=V1,V2,...]...\n"
            "                    [--preset NAME] [--config FILE] [--set SEC.KEY=VAL]...\n"
            "                    [-j N] [--resume] [--shard K/N] [--strict] [--dry-run] [--json DIR]\n"
            "                    [--one-pass|--no-one-pass]\n"
            "                    [--format F] [--warmup N] [--on-fault A] [--check] [--prefault A:VA:N]...\n"
            "                    [--progress|--no-progress] [--quiet] [--slurm [SLURM OPTIONS]]\n"
            "Runs every trace with every combination of the --vary values, one 'mmusim run'\n"
            "per point, N at a time, appending one CSV row per point to FILE (see docs/sweep.md;\n"
            "'mmusim sweep --help' explains every option).\n");
}

static void sweep_help(void)
{
    sweep_usage(stdout);
    printf("\n"
           "The grid: every TRACE times every combination of the --vary values; the first --vary\n"
           "varies slowest. Points are numbered from 1 in that order.\n"
           "\n"
           "  --out FILE, -o FILE    the CSV file each point appends its row to (required)\n"
           "  --vary SEC.KEY=V1,V2   one axis of the grid; repeat for more axes. A list value\n"
           "                         (page_sizes, tlb.arrays) separates its items with '|' or spaces.\n"
           "                         Sizes in other units (1M, 1024K) are the same value: refused twice.\n"
           "  --preset NAME, -p      base configuration: a preset (mmusim presets)\n"
           "  --config FILE, -c      base configuration: an INI file\n"
           "  --set SEC.KEY=VAL, -s  base configuration: one key; these three apply in order\n"
           "  -j N, -jN, --jobs N    points run in parallel; 0 or absent: one per online processor\n"
           "  --resume               skip the points whose row FILE holds already (same trace path\n"
           "                         and every config.* column); without it an existing FILE is refused\n"
           "  --shard K/N            run only the K-th of N round-robin slices of the points;\n"
           "                         K is 1-based (1..N); a shard with no point leaves an empty FILE\n"
           "  --strict               refuse the whole sweep if any point of the shard is an invalid\n"
           "                         configuration (default: report it and skip it)\n"
           "  --dry-run, -n          print each point (number, state, trace, values); run nothing\n"
           "  --json DIR             also keep each point's JSON results as DIR/sweep-point-N.json\n"
           "                         (N zero-padded), for 'mmusim report OUT.html DIR/sweep-point-*.json'\n"
           "  --no-one-pass          run every point separately. By default the points that differ\n"
           "                         only in the last TLB level's geometry (one unified LRU array,\n"
           "                         fixed walker, non-inclusive fill; docs/sweep.md) run in one pass\n"
           "                         over each trace, rows identical to separate runs; the summary\n"
           "                         says how many\n"
           "  --one-pass             require one pass: refuse, with the reason, a point it is not exact for\n"
           "  --format F, --warmup N, --on-fault stop|continue, --check, --prefault A:VA:N\n"
           "                         passed to every point's 'mmusim run' (see mmusim run --help)\n"
           "  --progress, --no-progress  a progress line on standard error (default: on a terminal)\n"
           "  --quiet, -q            no summary line on standard output\n"
           "\n"
           "On a Slurm cluster (a job array, one shard per task, then a merge job):\n"
           "  --slurm                write DIR/tasks.sbatch and DIR/merge.sbatch and submit them with\n"
           "                         sbatch; the merge job reruns failed points (--resume), then\n"
           "                         merges every shard into FILE\n"
           "  --slurm-dir DIR        where scripts, shard files and logs go (default: FILE.slurm)\n"
           "  --slurm-tasks N        array tasks, i.e. shards (default: the points, at most 100)\n"
           "  --slurm-throttle N     at most N tasks at once (--array=1-T%%N)\n"
           "  --slurm-partition P, --slurm-time T, --slurm-mem M, --slurm-cpus N\n"
           "                         sbatch --partition, --time, --mem, --cpus-per-task (each task\n"
           "                         runs -j N points at a time)\n"
           "  --slurm-arg ARG        one more sbatch argument for both jobs (repeat)\n"
           "  --slurm-no-submit      write the scripts and print the sbatch commands; submit nothing\n"
           "\n"
           "Exit status: 0 every valid point of the shard has its row; 1 a point failed or I/O\n"
           "trouble (--resume reruns the failed points); 2 a bad command line, no valid point,\n"
           "--strict with an invalid point, an existing FILE without --resume; 130/143 SIGINT/SIGTERM.\n");
}

/* Parse "--vary key=v1,v2,..." into v; returns 0, or -1 with a message printed. */
static int parse_vary(const char *arg, vary *v)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "mmusim sweep: --vary '%s': expected SECTION.KEY=V1,V2,... (e.g. tlb.stlb.entries=1024,2048)\n",
                arg);
        return -1;
    }
    const char *dot = memchr(arg, '.', (size_t)(eq - arg));
    if (!dot || dot == arg || dot + 1 == eq) {
        fprintf(stderr, "mmusim sweep: --vary '%s': the key must be SECTION.KEY (e.g. tlb.stlb.entries)\n", arg);
        return -1;
    }
    v->key = xmalloc((size_t)(eq - arg) + 1);
    memcpy(v->key, arg, (size_t)(eq - arg));
    v->key[eq - arg] = 0;
    v->n = 0;
    v->vals = NULL;
    const char *p = eq + 1;
    size_t cap = 0;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == 0) {
            fprintf(stderr, "mmusim sweep: --vary '%s': an empty value (values are separated by single commas)\n",
                    arg);
            return -1;
        }
        if (v->n == cap) {
            cap = cap ? 2 * cap : 8;
            v->vals = xrealloc(v->vals, cap * sizeof *v->vals);
        }
        char *val = xmalloc(n + 1);
        memcpy(val, p, n);
        val[n] = 0;
        for (size_t k = 0; k < v->n; k++)
            if (strcmp(v->vals[k], val) == 0) {
                fprintf(stderr, "mmusim sweep: --vary %s: the value '%s' is given twice\n", v->key, val);
                free(val);
                return -1;
            }
        v->vals[v->n++] = val;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static int parse_shard(const char *arg, unsigned long *k, unsigned long *n)
{
    const char *slash = arg ? strchr(arg, '/') : NULL;
    char kbuf[32];
    if (!slash || (size_t)(slash - arg) >= sizeof kbuf)
        goto bad;
    memcpy(kbuf, arg, (size_t)(slash - arg));
    kbuf[slash - arg] = 0;
    if (parse_uint(kbuf, k) || parse_uint(slash + 1, n) || *n == 0 || *k < 1 || *k > *n)
        goto bad;
    return 0;
bad:
    fprintf(stderr, "mmusim sweep: --shard '%s': expected K/N with 1 <= K <= N (shards are numbered from 1)\n",
            arg ? arg : "");
    return -1;
}

static void free_sweep(sweep *s)
{
    for (size_t k = 0; k < s->n_vary; k++) {
        for (size_t j = 0; j < s->vary[k].n; j++)
            free(s->vary[k].vals[j]);
        free(s->vary[k].vals);
        free(s->vary[k].key);
    }
    free(s->pts);
}

static int parse_sweep(int argc, char **argv, sweep *s)
{
    char err[1024];
    mmu_config_defaults(&s->base_cfg);
    s->progress = isatty(STDERR_FILENO);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int sl = cli_slurm_option(&s->slurm, argc, argv, &i);
        if (sl < 0)
            return EXIT_USAGE;
        if (sl)
            continue;
        int takes = strcmp(a, "--vary") == 0 || strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0 ||
                    strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0 || strcmp(a, "--set") == 0 ||
                    strcmp(a, "-s") == 0 || strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 ||
                    strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--shard") == 0 ||
                    strcmp(a, "--format") == 0 || strcmp(a, "--warmup") == 0 || strcmp(a, "--on-fault") == 0 ||
                    strcmp(a, "--prefault") == 0 || strcmp(a, "--json") == 0;
        if (takes) {
            if (!v) {
                fprintf(stderr, "mmusim sweep: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            i++;
        }
        if (a[0] == '-' && a[1] == 'j' && a[2]) { /* -jN, as make takes it */
            if (parse_uint(a + 2, &s->jobs) != 0 || s->jobs > 1024) {
                fprintf(stderr, "mmusim sweep: -j: '%s' is not a number of jobs (0 = one per processor, at most 1024)\n",
                        a + 2);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--vary") == 0) {
            if (s->n_vary == MAX_VARY) {
                fprintf(stderr, "mmusim sweep: at most %d --vary options\n", MAX_VARY);
                return EXIT_USAGE;
            }
            vary *vy = &s->vary[s->n_vary];
            vy->arg = v;
            if (parse_vary(v, vy) != 0) {
                s->n_vary++; /* freed with the others */
                return EXIT_USAGE;
            }
            s->n_vary++;
            for (size_t k = 0; k + 1 < s->n_vary; k++)
                if (strcmp(s->vary[k].key, vy->key) == 0) {
                    fprintf(stderr, "mmusim sweep: --vary %s is given twice (list every value in one --vary)\n",
                            vy->key);
                    return EXIT_USAGE;
                }
        } else if (strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "--config") == 0 ||
                   strcmp(a, "-c") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
            /* applied here to plan and validate the points, and passed on to each point's run */
            int is_set = strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0;
            int is_preset = strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0;
            if (is_set) {
                if (mmusim_config_override(&s->base_cfg, v, err, sizeof err) != 0) {
                    fprintf(stderr, "mmusim sweep: %s\n", err);
                    return EXIT_USAGE;
                }
            } else {
                char path[4096];
                const char *file = v;
                if (is_preset) {
                    if (mmusim_preset_path(v, path, sizeof path, err, sizeof err) != 0) {
                        fprintf(stderr, "mmusim sweep: %s\n", err);
                        return EXIT_USAGE;
                    }
                    file = path;
                }
                if (mmusim_config_load(&s->base_cfg, file, err, sizeof err) != 0) {
                    fprintf(stderr, "mmusim sweep: %s\n", err);
                    return EXIT_USAGE;
                }
            }
            if (s->n_base + 2 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many configuration options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = is_set ? "--set" : is_preset ? "--preset" : "--config";
            s->base[s->n_base++] = v;
        } else if (strcmp(a, "--check") == 0) {
            if (s->n_base + 1 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = a;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "--warmup") == 0 || strcmp(a, "--on-fault") == 0 ||
                   strcmp(a, "--prefault") == 0) {
            /* run options passed on to every point (--prefault is checked by the points) */
            unsigned long x;
            if (strcmp(a, "--format") == 0 && mmusim_format_parse(v) == MMUSIM_FMT_COUNT) {
                fprintf(stderr, "mmusim sweep: --format: unknown trace format '%s'\n", v);
                return EXIT_USAGE;
            }
            if (strcmp(a, "--warmup") == 0 && parse_uint(v, &x) != 0) {
                fprintf(stderr, "mmusim sweep: --warmup: '%s' is not a non-negative integer\n", v);
                return EXIT_USAGE;
            }
            if (strcmp(a, "--on-fault") == 0 && strcmp(v, "stop") != 0 && strcmp(v, "continue") != 0) {
                fprintf(stderr, "mmusim sweep: --on-fault: '%s' is not stop or continue\n", v);
                return EXIT_USAGE;
            }
            if (s->n_base + 2 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = a;
            s->base[s->n_base++] = v;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            if (parse_uint(v, &s->jobs) != 0 || s->jobs > 1024) {
                fprintf(stderr, "mmusim sweep: %s: '%s' is not a number of jobs (0 = one per processor, at most 1024)\n",
                        a, v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            s->out = v;
        } else if (strcmp(a, "--json") == 0) {
            s->json_dir = v;
        } else if (strcmp(a, "--shard") == 0) {
            if (parse_shard(v, &s->shard_k, &s->shard_n) != 0)
                return EXIT_USAGE;
        } else if (strcmp(a, "--resume") == 0) {
            s->resume = 1;
        } else if (strcmp(a, "--strict") == 0) {
            s->strict = 1;
        } else if (strcmp(a, "--one-pass") == 0) {
            s->one_pass = 1;
        } else if (strcmp(a, "--no-one-pass") == 0) {
            s->one_pass = -1;
        } else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0) {
            s->dry_run = 1;
        } else if (strcmp(a, "--progress") == 0) {
            s->progress = 1;
        } else if (strcmp(a, "--no-progress") == 0) {
            s->progress = 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            s->quiet = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sweep_help();
            return -1;
        } else if (a[0] != '-') {
            if (s->n_traces == MAX_SWEEP_TRACES) {
                fprintf(stderr, "mmusim sweep: at most %d traces\n", MAX_SWEEP_TRACES);
                return EXIT_USAGE;
            }
            s->traces[s->n_traces++] = a;
        } else {
            fprintf(stderr, "mmusim sweep: unknown option '%s'%s\n", a,
                    strcmp(a, "-") == 0 ? " (a sweep cannot read a trace from standard input)" : "");
            sweep_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (s->n_traces == 0 || !s->out) {
        fprintf(stderr, "mmusim sweep: %s\n", s->n_traces == 0 ? "no trace given" : "--out FILE is required");
        sweep_usage(stderr);
        return EXIT_USAGE;
    }
    if (s->slurm.on && (s->shard_n || s->dry_run)) {
        fprintf(stderr, "mmusim sweep: --slurm makes the shards itself: no %s (--slurm-no-submit writes the "
                        "scripts without submitting them)\n", s->shard_n ? "--shard" : "--dry-run");
        return EXIT_USAGE;
    }
    if (!s->slurm.on && (s->slurm.dir || s->slurm.partition || s->slurm.time || s->slurm.mem || s->slurm.tasks ||
                         s->slurm.throttle || s->slurm.cpus || s->slurm.n_extra)) {
        fprintf(stderr, "mmusim sweep: the --slurm-* options need --slurm\n");
        return EXIT_USAGE;
    }
    if (s->jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->jobs = n > 0 ? (unsigned long)n : 1;
    }
    return 0;
}

static const point *sort_points; /* qsort has no context argument */
static int cmp_point_id(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint64_t ix = sort_points[x].id, iy = sort_points[y].id;
    if (ix != iy)
        return ix < iy ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Build and check every point; returns 0, or an exit status with a message printed. */
static int plan(sweep *s, uint64_t *shape_out)
{
    size_t combos = 1;
    for (size_t k = 0; k < s->n_vary; k++) {
        if (combos > MAX_POINTS / s->vary[k].n) {
            fprintf(stderr, "mmusim sweep: more than %u points\n", MAX_POINTS);
            return EXIT_USAGE;
        }
        combos *= s->vary[k].n;
    }
    if (combos > MAX_POINTS / s->n_traces) {
        fprintf(stderr, "mmusim sweep: more than %u points\n", MAX_POINTS);
        return EXIT_USAGE;
    }
    s->combos = combos;
    s->n_points = combos * s->n_traces;
    s->pts = xmalloc(s->n_points * sizeof *s->pts);
    /* A key that does not exist, or a value that does not parse or is out of
       the key's range, is an error of the command line (not an invalid point):
       checked on the base configuration first, for a clear message.  After a
       --vary of tlb.arrays, later keys may name arrays the base does not have:
       those are checked point by point below. */
    for (size_t k = 0; k < s->n_vary; k++) {
        if (strcmp(s->vary[k].key, "tlb.arrays") == 0)
            break;
        for (size_t j = 0; j < s->vary[k].n; j++) {
            mmu_config c = s->base_cfg;
            char msg[512];
            mmu_err e = mmu_config_set(&c, s->vary[k].key, s->vary[k].vals[j], msg, sizeof msg);
            if (e == MMU_EUNKNOWN) {
                fprintf(stderr, "mmusim sweep: --vary %s: %s\n", s->vary[k].key, msg);
                return EXIT_USAGE;
            }
            if (e != MMU_OK) {
                fprintf(stderr, "mmusim sweep: --vary %s=%s: %s\n", s->vary[k].key, s->vary[k].vals[j], msg);
                return EXIT_USAGE;
            }
        }
    }
    int have_shape = 0;
    uint64_t shape0 = 0;
    size_t valid = 0, first_valid = 0;
    char rshape0[512] = "", tlbs0[512] = "";
    for (size_t i = 0; i < s->n_points; i++) {
        point *p = &s->pts[i];
        p->trace = (uint32_t)(i / combos);
        p->state = P_TODO;
        p->id = 0; /* set for a valid configuration */
        if (s->shard_n && i % s->shard_n != s->shard_k - 1)
            p->state = P_OTHER_SHARD;
        size_t vi[MAX_VARY];
        point_combo(s, i, vi);
        mmu_config c = s->base_cfg;
        char msg[512];
        for (size_t k = 0; k < s->n_vary; k++)
            if (mmu_config_set(&c, s->vary[k].key, s->vary[k].vals[vi[k]], msg, sizeof msg) != MMU_OK) {
                fprintf(stderr, "mmusim sweep: --vary %s=%s: %s\n", s->vary[k].key, s->vary[k].vals[vi[k]], msg);
                return EXIT_USAGE;
            }
        if (mmu_config_validate(&c, msg, sizeof msg) != MMU_OK) {
            if (p->state != P_OTHER_SHARD) {
                char name[2048];
                point_name(s, i, name, sizeof name);
                fprintf(stderr, "mmusim sweep: point %zu (%s): invalid configuration: %s; %s\n", i + 1, name,
                        msg, s->strict ? "refused (--strict)" : "skipped");
            }
            if (p->state != P_OTHER_SHARD)
                p->state = P_INVALID;
            continue;
        }
        uint64_t shape;
        p->id = point_identity(s->traces[p->trace], &c, &shape);
        char rshape[512], tlbs[512] = "";
        result_shape(&c, rshape, sizeof rshape);
        for (uint32_t j = 0; j < c.n_tlbs; j++) {
            size_t used = strlen(tlbs);
            snprintf(tlbs + used, sizeof tlbs - used, "%s%s", used ? " " : "", c.tlb[j].name);
        }
        if (!have_shape) {
            shape0 = shape;
            have_shape = 1;
            first_valid = i;
            snprintf(rshape0, sizeof rshape0, "%s", rshape);
            snprintf(tlbs0, sizeof tlbs0, "%s", tlbs);
        } else if (shape != shape0 || strcmp(rshape, rshape0) != 0) {
            /* one CSV file holds one set of columns: say which differ and what to do */
            char name[2048], name0[2048];
            point_name(s, i, name, sizeof name);
            point_name(s, first_valid, name0, sizeof name0);
            int k = differing_axis(s, first_valid, i);
            fprintf(stderr, "mmusim sweep: point %zu (%s) and point %zu (%s) report different CSV columns, "
                            "which one file cannot hold:\n",
                    i + 1, name, first_valid + 1, name0);
            if (shape != shape0)
                fprintf(stderr, "  their TLB arrays differ ('%s' and '%s'), and so do their tlb.NAME.* columns\n",
                        tlbs, tlbs0);
            else
                fprintf(stderr, "  %s\n  %s\n  (radix runs add walker.format, walker.pwc.*, walker.ptemem.* and "
                                "os.* columns, the PWC levels and the OS model theirs)\n",
                        rshape, rshape0);
            fprintf(stderr, "  run one sweep per value of %s%s, each with its own --out file (--set %s=VALUE "
                            "--out FILE-VALUE.csv); --json DIR keeps every point's JSON, which `mmusim report` "
                            "reads whatever its columns\n",
                    k >= 0 ? "--vary " : "the differing key", k >= 0 ? s->vary[k].key : "",
                    k >= 0 ? s->vary[k].key : "KEY");
            return EXIT_USAGE;
        }
        valid++;
    }
    if (valid == 0) {
        fprintf(stderr, "mmusim sweep: no point of the grid is a valid configuration\n");
        return EXIT_USAGE;
    }
    /* the same configuration twice (1M and 1024K, say): an error of the command line */
    size_t *order = xmalloc(s->n_points * sizeof *order);
    size_t n_ord = 0;
    for (size_t i = 0; i < s->n_points; i++)
        if (s->pts[i].id)
            order[n_ord++] = i;
    sort_points = s->pts;
    qsort(order, n_ord, sizeof *order, cmp_point_id);
    for (size_t j = 1; j < n_ord; j++) {
        size_t a = order[j - 1], b = order[j];
        if (s->pts[a].id != s->pts[b].id)
            continue;
        int k = differing_axis(s, a, b);
        size_t va[MAX_VARY], vb[MAX_VARY];
        point_combo(s, a, va);
        point_combo(s, b, vb);
        if (k >= 0)
            fprintf(stderr, "mmusim sweep: --vary %s: '%s' and '%s' are the same value (points %zu and %zu "
                            "would be the same configuration); give it once\n",
                    s->vary[k].key, s->vary[k].vals[va[k]], s->vary[k].vals[vb[k]], a + 1, b + 1);
        else
            fprintf(stderr, "mmusim sweep: points %zu and %zu are the same configuration\n", a + 1, b + 1);
        free(order);
        return EXIT_USAGE;
    }
    free(order);
    *shape_out = shape0;
    return 0;
}

/* Point i's configuration (plan() checked that it builds). */
static void point_config(const sweep *s, size_t i, mmu_config *cfg)
{
    size_t vi[MAX_VARY];
    point_combo(s, i, vi);
    *cfg = s->base_cfg;
    char msg[512];
    for (size_t k = 0; k < s->n_vary; k++)
        if (mmu_config_set(cfg, s->vary[k].key, s->vary[k].vals[vi[k]], msg, sizeof msg) != MMU_OK)
            break;
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
 * One pass (sweep_onepass.c) for the points of todo[] that it is exact
 * for: grouped by trace and by what their configurations share (their
 * signature), each group of two or more points (one or more with
 * --one-pass) in one pass over its trace; the rows are appended to OUT in
 * point order, one write per group.  The points run so are removed from
 * todo[] (the rest run separately) and counted in *n_points and *n_passes;
 * those of a pass that failed are counted in *failed.  Returns 0, or an
 * exit status with a message (--one-pass and a point that is not exact).
 */
static int run_one_pass(sweep *s, size_t *todo, size_t *n_todo, size_t *n_points, size_t *n_passes,
                        size_t *failed)
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
    o.stop = &got_int;
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
    size_t *group = xmalloc(*n_todo * sizeof *group);
    mmu_config *cfgs = xmalloc(*n_todo * sizeof *cfgs);
    char *taken = xmalloc(*n_todo);
    memset(taken, 0, *n_todo);
    for (size_t j = 0; j < *n_todo && !rc; j++) {
        if (!sig[j] || taken[j])
            continue;
        size_t n = 0;
        for (size_t q = j; q < *n_todo; q++)
            if (sig[q] && !taken[q] && s->pts[todo[q]].trace == s->pts[todo[j]].trace && strcmp(sig[q], sig[j]) == 0)
                group[n++] = q;
        if (n < 2 && s->one_pass <= 0)
            continue; /* one point: as fast on its own */
        if (got_int || got_term || got_hup)
            break;
        for (size_t q = 0; q < n; q++) {
            taken[group[q]] = 1;
            point_config(s, todo[group[q]], &cfgs[q]);
        }
        const char *trace = s->traces[s->pts[todo[j]].trace];
        if (s->progress)
            fprintf(stderr, "sweep: %zu points in one pass over %s\n", n, trace);
        cli_text head = {0}, rows = {0};
        char err[1024];
        int r = cli_onepass_trace(trace, &o, cfgs, n, &head, &rows, err, sizeof err);
        if (r == 0 && mmusim_report_csv_append(s->out, head.p, head.n, rows.p, rows.n, err, sizeof err) != 0)
            r = -1;
        free(head.p);
        free(rows.p);
        if (r > 0) {
            for (size_t q = 0; q < n; q++)
                taken[group[q]] = 0; /* not run: separate runs start none after the signal either */
            break;
        }
        if (r < 0) {
            fprintf(stderr, "mmusim sweep: %zu points in one pass over %s failed:\n  %s\n", n, trace, err);
            if (strstr(err, "its columns differ")) {
                s->n_columns_failed += n;
                fprintf(stderr, "  (their results have other columns than the rows of %s: --resume cannot add "
                                "these points to that file; sweep them into another --out file)\n", s->out);
            }
            *failed += n;
        }
        for (size_t q = 0; q < n; q++)
            s->pts[todo[group[q]]].state = r == 0 ? P_OK : P_FAILED;
        if (r == 0) {
            *n_points += n;
            ++*n_passes;
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
    free(cfgs);
    free(group);
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
    rc = run_one_pass(s, todo, &n_todo, &n_op, &n_passes, &op_failed);
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

/* ------------------------------------------------------------------ */
/* mmusim merge                                                        */

/* Compare two fields: as numbers when both are integers, else as strings. */
static int cmp_field(const char *a, const char *b)
{
    char *ea, *eb;
    if (*a && *b && ((*a >= '0' && *a <= '9') || *a == '-') && ((*b >= '0' && *b <= '9') || *b == '-')) {
        long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);
        if (!*ea && !*eb && x != y)
            return x < y ? -1 : 1;
    }
    return strcmp(a, b);
}

typedef struct merge_ctx {
    const csv_table *t; /* columns (every table has the same header) */
    size_t *key_cols;   /* trace.path, then config.* in header order */
    size_t n_keys;
} merge_ctx;

static merge_ctx mctx; /* qsort has no context argument */

static int cmp_row(const void *pa, const void *pb)
{
    const csv_row *a = *(csv_row *const *)pa, *b = *(csv_row *const *)pb;
    for (size_t k = 0; k < mctx.n_keys; k++) {
        int c = cmp_field(a->f[mctx.key_cols[k]], b->f[mctx.key_cols[k]]);
        if (c)
            return c;
    }
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int same_point(const csv_row *a, const csv_row *b)
{
    if (a->id != b->id)
        return 0;
    for (size_t k = 0; k < mctx.n_keys; k++)
        if (strcmp(a->f[mctx.key_cols[k]], b->f[mctx.key_cols[k]]) != 0)
            return 0;
    return 1;
}

/* Write the whole of buf to fd; returns 0 or -1. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int cli_cmd_merge(int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: mmusim merge OUT IN...\n"
               "Joins CSV files of sweep shards: the same header in each, rows de-duplicated by point\n"
               "(trace.path and every config.* column) and sorted by them (see docs/sweep.md).\n");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: mmusim merge OUT IN...\n");
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "mmusim merge: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    const char *out = argv[0];
    int n_in = argc - 1;
    csv_table *t = xmalloc((size_t)n_in * sizeof *t);
    char err[1024];
    int rc = 0, loaded = 0, first = -1;
    for (int i = 0; i < n_in; i++) {
        if (csv_read(argv[i + 1], &t[i], 0, 1, err, sizeof err) != 0) {
            fprintf(stderr, "mmusim merge: %s\n", err);
            rc = EXIT_FAILED;
            break;
        }
        loaded++;
        if (!t[i].n_cols)
            continue; /* an empty file: a shard that had no points */
        if (first < 0) {
            first = i;
            continue;
        }
        int same = t[i].n_cols == t[first].n_cols;
        for (size_t c = 0; same && c < t[i].n_cols; c++)
            same = strcmp(t[i].head[c], t[first].head[c]) == 0;
        if (!same) {
            fprintf(stderr, "mmusim merge: %s: its header differs from %s's (another configuration shape?)\n",
                    t[i].path, t[first].path);
            rc = EXIT_FAILED;
            break;
        }
    }
    size_t n_rows = 0;
    csv_row **rows = NULL;
    if (rc)
        goto done;
    for (int i = 0; i < n_in; i++)
        n_rows += t[i].n_rows;
    rows = xmalloc((n_rows + 1) * sizeof *rows);
    n_rows = 0;
    for (int i = 0; i < n_in; i++)
        for (size_t r = 0; r < t[i].n_rows; r++) {
            t[i].rows[r].file = i;
            rows[n_rows++] = &t[i].rows[r];
        }
    size_t key_cols[4096];
    mctx.t = first >= 0 ? &t[first] : NULL;
    mctx.key_cols = key_cols;
    mctx.n_keys = 0;
    if (first >= 0) {
        key_cols[mctx.n_keys++] = (size_t)t[first].path_col;
        for (size_t c = 0; c < t[first].n_cols && mctx.n_keys < 4096; c++)
            if (strncmp(t[first].head[c], "config.", 7) == 0)
                key_cols[mctx.n_keys++] = c;
    }
    qsort(rows, n_rows, sizeof *rows, cmp_row);

    /* a regular file is replaced atomically; a device, FIFO or "-" written in place */
    mmusim_ofile *of;
    if (mmusim_ofile_open(out, &of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim merge: %s\n", err);
        rc = EXIT_FAILED;
        goto done;
    }
    int fd = mmusim_ofile_fd(of);
    int ok = 1;
    size_t dups = 0;
    if (first >= 0) {
        /* the header as it stands in the first file */
        const csv_table *f = &t[first];
        const char *h = f->buf;
        size_t hl = f->n_rows ? (size_t)(f->rows[0].raw - f->buf) : f->len;
        while (hl && (h[hl - 1] == '\n' || h[hl - 1] == '\r'))
            hl--;
        ok = write_all(fd, h, hl) == 0 && write_all(fd, "\n", 1) == 0;
    }
    /* the sort put the rows of one point together, the first input's first */
    for (size_t r = 0; ok && r < n_rows;) {
        size_t j = r + 1;
        for (; j < n_rows && same_point(rows[j], rows[r]); j++) {
            dups++;
            if (rows[j]->rawlen != rows[r]->rawlen || memcmp(rows[j]->raw, rows[r]->raw, rows[r]->rawlen) != 0)
                fprintf(stderr, "mmusim merge: warning: %s:%d and %s:%d are the same point with different "
                                "results; keeping the first\n",
                        t[rows[r]->file].path, rows[r]->line, t[rows[j]->file].path, rows[j]->line);
        }
        ok = write_all(fd, rows[r]->raw, rows[r]->rawlen) == 0 && write_all(fd, "\n", 1) == 0;
        r = j;
    }
    if (!ok) {
        fprintf(stderr, "mmusim merge: %s: %s\n", out, strerror(errno ? errno : EIO));
        mmusim_ofile_abort(of);
        rc = EXIT_FAILED;
    } else if (mmusim_ofile_commit(of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim merge: %s\n", err);
        rc = EXIT_FAILED;
    } else if (dups) {
        fprintf(stderr, "mmusim merge: %zu duplicate row%s of the same point dropped\n", dups, dups == 1 ? "" : "s");
    }
done:
    free(rows);
    for (int i = 0; i < loaded; i++)
        csv_free(&t[i]);
    free(t);
    return rc;
}
