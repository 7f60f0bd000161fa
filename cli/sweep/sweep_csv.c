/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_csv.c - the CSV files of sweeps: reading what "mmusim run --csv"
 * wrote (--resume counts a point done by its row), and "mmusim merge",
 * which joins the files of shards: the same header in every file, rows
 * de-duplicated by point and sorted, so that the merge of the shards of a
 * sweep equals the merge of the whole sweep.
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

#include "cli.h"
#include "mmusim/io/stream.h"
#include "sweep.h"

/* ------------------------------------------------------------------ */
/* CSV files: a parser of RFC 4180 records (quoted fields, "" escapes,  */
/* quoted newlines), keeping each record's raw bytes for merge.         */

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

void csv_free(csv_table *t)
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
uint64_t table_shape(const csv_table *t)
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
int csv_read(const char *path, csv_table *t, int missing_ok, int pipes_ok, char *err, size_t errlen)
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
