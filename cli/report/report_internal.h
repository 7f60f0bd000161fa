/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_internal.h - the parts of `mmusim report` (cli/report/): what the
 * files of the HTML report share.  values.c reads the JSON results and
 * formats numbers and cells, plots.c draws one result's plots, tables.c its
 * tables, compare.c the comparison of several results (table, heatmap,
 * overlaid CDFs), page.c assembles and writes the page, cmd_report.c reads
 * the inputs and the command line.
 */
#ifndef MMUSIM_CLI_REPORT_INTERNAL_H
#define MMUSIM_CLI_REPORT_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "html.h"

#include "mmusim/io/report.h"
#include "mmusim/mmusim.h"

/* Marks in the page text, replaced once gnuplot has run. */
#define MARK '\x1e'
#define MARK_S "\x1e"

/* Comparison CDFs are drawn for at most this many results. */
#define MAX_CDF_OVERLAY 12
/* Longer timelines are drawn with adjacent windows merged down to about this many points. */
#define MAX_TIMELINE_POINTS 1000

typedef struct rep_input {
    const char *path;
    json_t *doc;
    char *name;  /* file name without directory and .json */
    char *label; /* short label for plots: the varied values, or the name */
} rep_input;

typedef struct rep {
    const char *out;
    const char *title;
    const char *metric, *xkey, *ykey; /* heatmap, as given (NULL: detect) */
    rep_input *in;
    int n;
    /* configuration keys ("config.SECTION.KEY", then "trace.path") whose values differ */
    char **varied;
    int nvaried;
    cli_plots *plots;
    mmusim_buf page;
} rep;

/* gnuplot commands that plot one CDF per latency class (or per input). */
typedef struct cdf_set {
    mmusim_buf data;
    mmusim_buf plot1, plot2; /* plot clauses: CDF, CCDF */
    int blocks;
    double xlo, xhi, ymin;
    int approx;
    const char *what; /* what the curves count: "translations" when NULL */
} cdf_set;

/* values.c */
const char *class_color(const char *name);
size_t class_rank(const char *name);
json_t *jget(json_t *o, const char *k);
int jnum(json_t *v, double *out);
double num(json_t *o, const char *k);
json_t *path_get(json_t *doc, const char *path);
char *value_text(json_t *v);
void fmt_num(char *buf, size_t n, double v);
double ratio(double a, double b);
void td_json(mmusim_buf *b, json_t *v);
void td_num(mmusim_buf *b, double v);
void td_pct(mmusim_buf *b, double a, double den);
void data_label(mmusim_buf *b, const char *s);
void gp_num(mmusim_buf *b, double v);

/* plots.c */
void figure(rep *r, int w, int h, const char *caption, const mmusim_buf *cmds);
int cdf_bounds(json_t *c, double *lo, double *hi);
void cdf_block(cdf_set *s, json_t *c, const char *title, const char *color, double xend);
void cdf_figure(rep *r, cdf_set *s, const char *caption);
void plot_virt(rep *r, json_t *doc);
void cdf_free(cdf_set *s);
void plot_cdf(rep *r, json_t *doc);
void plot_breakdown(rep *r, json_t *doc);
void plot_timeline(rep *r, json_t *doc);

/* tables.c */
void card(mmusim_buf *b, const char *key, const char *value);
void result_section(rep *r, int i);

/* compare.c */
int find_varied(rep *r);
void make_labels(rep *r);
void heatmap(rep *r, const char *metric, const char *xkey, const char *ykey);
void comparison(rep *r);

/* page.c */
void build_page(rep *r);
int finish_page(rep *r, mmusim_buf *out);
int write_atomic(const char *path, const mmusim_buf *b);

#endif /* MMUSIM_CLI_REPORT_INTERNAL_H */
