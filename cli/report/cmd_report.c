/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_report.c - `mmusim report`: JSON results of `mmusim run` turned into
 * one self-contained HTML page.
 *
 *   mmusim report [-o] OUT.html IN.json... [--title T] [--heatmap METRIC --x KEY --y KEY]
 *
 * For each result the page shows its figures (TLB arrays and levels, the
 * walker, faults, latency percentiles by outcome), its configuration, and
 * plots: the latency CDF, the breakdown of translations and cycles by
 * outcome, and the timeline when the run recorded one.  With several results
 * (a sweep) it starts with a comparison: a table, a heatmap of one metric
 * over two parameters, cycles per translation by outcome and the overall
 * CDFs side by side.
 *
 * Everything is inline (CSS, SVG), nothing is fetched, and nothing depends on
 * the time or the machine: the same inputs give the same bytes.  The plots
 * come from gnuplot (html_plot.c); without it the page says plainly that they
 * are missing and why.  The page is written to a temporary file renamed into
 * place.  See docs/report.md.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report_internal.h"
#include "mmusim/mmusim.h"
#include "mmusim/io/stream.h"

/* ---- inputs and arguments ---- */

static int load_input(rep_input *in)
{
    char err[1024];
    FILE *f = fopen(in->path, "r");
    if (!f || mmusim_input_check(fileno(f), in->path, 1, err, sizeof err) != 0) {
        if (f)
            fprintf(stderr, "mmusim report: %s\n", err);
        else
            fprintf(stderr, "mmusim report: %s: %s\n", in->path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    json_error_t e;
    in->doc = json_loadf(f, 0, &e);
    fclose(f);
    if (!in->doc) {
        fprintf(stderr, "mmusim report: %s:%d:%d: not a JSON document: %s\n", in->path, e.line, e.column, e.text);
        return -1;
    }
    json_t *schema = jget(in->doc, "schema");
    if (!json_is_string(schema) || strcmp(json_string_value(schema), MMUSIM_JSON_SCHEMA) != 0) {
        if (json_is_string(schema))
            fprintf(stderr, "mmusim report: %s: not an mmusim run result: its schema is '%s', expected '%s'\n",
                    in->path, json_string_value(schema), MMUSIM_JSON_SCHEMA);
        else
            fprintf(stderr,
                    "mmusim report: %s: not an mmusim run result: no \"schema\": \"%s\" member (make one with "
                    "mmusim run --json)\n",
                    in->path, MMUSIM_JSON_SCHEMA);
        return -1;
    }
    const char *base = strrchr(in->path, '/');
    base = base ? base + 1 : in->path;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    in->name = strndup(base, len);
    return in->name ? 0 : -1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim report [-o] OUT.html IN.json... [options]\n"
            "\n"
            "Turn JSON results of `mmusim run --json` into one self-contained HTML page:\n"
            "configuration, tables, and plots drawn by gnuplot (latency CDF, breakdown by\n"
            "outcome, timeline; for several results a comparison and a heatmap).\n"
            "\n"
            "options:\n"
            "  -o, --output FILE  the HTML file to write (else the first argument)\n"
            "  --title TEXT       the page's title (default: mmusim report)\n"
            "  --heatmap METRIC   the heatmap's metric, a dotted path into the results\n"
            "                     (default: walker.walks)\n"
            "  --x KEY, --y KEY   its axes, dotted paths such as config.tlb.stlb.entries\n"
            "                     (default: the first two configuration keys that differ)\n"
            "\n"
            "environment: MMUSIM_GNUPLOT names the gnuplot program (empty: no plots).\n");
}

/* value of option a (--opt VALUE or --opt=VALUE); NULL if a is not opt */
static const char *opt_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int check_path(rep *r, const char *what, const char *path, int numeric)
{
    for (int i = 0; i < r->n; i++) {
        json_t *v = path_get(r->in[i].doc, path);
        double x;
        if (!v || (numeric && !jnum(v, &x)) || json_is_object(v) || json_is_array(v)) {
            fprintf(stderr, "mmusim report: %s: %s '%s' %s\n", r->in[i].path, what, path,
                    !v ? "is not in this result" : "is not a number");
            return -1;
        }
    }
    return 0;
}

int cli_cmd_report(int argc, char **argv)
{
    rep r = {0};
    const char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0, status = 2;
    if (!pos) {
        fprintf(stderr, "mmusim report: out of memory\n");
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(pos);
            return 0;
        }
        if ((v = opt_value(argc, argv, &i, "-o", &missing)) || (v = opt_value(argc, argv, &i, "--output", &missing)))
            r.out = v;
        else if ((v = opt_value(argc, argv, &i, "--title", &missing)))
            r.title = v;
        else if ((v = opt_value(argc, argv, &i, "--heatmap", &missing)))
            r.metric = v;
        else if ((v = opt_value(argc, argv, &i, "--x", &missing)))
            r.xkey = v;
        else if ((v = opt_value(argc, argv, &i, "--y", &missing)))
            r.ykey = v;
        else if (missing) {
            fprintf(stderr, "mmusim report: %s needs a value\n", a);
            goto out;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mmusim report: unknown option '%s'\n\n", a);
            usage(stderr);
            goto out;
        } else {
            pos[npos++] = a;
        }
    }
    int first = 0;
    if (!r.out) {
        if (npos == 0) {
            usage(stderr);
            goto out;
        }
        r.out = pos[0];
        first = 1;
        size_t len = strlen(r.out);
        if (len >= 5 && strcmp(r.out + len - 5, ".json") == 0) {
            fprintf(stderr,
                    "mmusim report: the first argument is the HTML file to write, and '%s' looks like an "
                    "input; give the output first or with -o OUT.html\n",
                    r.out);
            goto out;
        }
    }
    if (npos - first < 1) {
        fprintf(stderr, "mmusim report: no JSON results given (usage: mmusim report OUT.html IN.json...)\n");
        goto out;
    }
    r.n = npos - first;
    r.in = calloc((size_t)r.n, sizeof *r.in);
    status = 1;
    if (!r.in) {
        fprintf(stderr, "mmusim report: out of memory\n");
        goto out;
    }
    int bad = 0;
    for (int i = 0; i < r.n; i++) {
        r.in[i].path = pos[first + i];
        if (strcmp(r.in[i].path, r.out) == 0) {
            fprintf(stderr, "mmusim report: %s is both an input and the output\n", r.out);
            bad = 1;
            continue;
        }
        if (load_input(&r.in[i]) != 0)
            bad = 1;
    }
    if (bad)
        goto out;
    if ((r.metric && check_path(&r, "--heatmap", r.metric, 1)) || (r.xkey && check_path(&r, "--x", r.xkey, 0)) ||
        (r.ykey && check_path(&r, "--y", r.ykey, 0)))
        goto out;
    if (r.n > 1 && find_varied(&r) != 0) {
        fprintf(stderr, "mmusim report: out of memory\n");
        goto out;
    }
    make_labels(&r);
    r.plots = cli_plots_create();
    if (!r.plots) {
        fprintf(stderr, "mmusim report: out of memory\n");
        goto out;
    }
    build_page(&r);
    mmusim_buf page = {0};
    if (r.page.oom || finish_page(&r, &page) != 0) {
        fprintf(stderr, "mmusim report: out of memory building the page\n");
        mmusim_buf_free(&page);
        goto out;
    }
    status = write_atomic(r.out, &page) == 0 ? 0 : 1;
    mmusim_buf_free(&page);
out:
    cli_plots_destroy(r.plots);
    mmusim_buf_free(&r.page);
    for (int i = 0; i < r.n && r.in; i++) {
        json_decref(r.in[i].doc);
        free(r.in[i].name);
        free(r.in[i].label);
    }
    for (int i = 0; i < r.nvaried; i++)
        free(r.varied[i]);
    free(r.varied);
    free(r.in);
    free(pos);
    return status;
}
