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
 * place (a device, a FIFO or "-" in place: docs/outputs.md).  See
 * docs/report.md.
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
#include "html.h"
#include "mmusim/mmusim.h"
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"

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

/* Outcome classes: colours shared by every plot. */
static const struct {
    const char *name;
    const char *color;
} class_colors[] = {
    {"all", "#222222"},    {"l1_hit", "#2ca02c"}, {"l2_hit", "#1f77b4"}, {"l3_hit", "#17becf"},
    {"l4_hit", "#9467bd"}, {"walk", "#ff7f0e"},   {"fault", "#d62728"},
};

static const char *class_color(const char *name)
{
    for (size_t i = 0; i < sizeof class_colors / sizeof class_colors[0]; i++)
        if (strcmp(class_colors[i].name, name) == 0)
            return class_colors[i].color;
    return "#7f7f7f";
}

static size_t class_rank(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof class_colors / sizeof class_colors[0]; i++)
        if (strcmp(class_colors[i].name, name) == 0)
            break;
    return i;
}

/* ---- JSON access ---- */

static json_t *jget(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* A number: JSON integer or real, or a string that is wholly a number with an
 * optional K/M/G/T suffix (powers of 1024, as in configuration sizes). */
static int jnum(json_t *v, double *out)
{
    if (json_is_integer(v)) {
        *out = (double)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || errno)
            return 0;
        const char *suf = "KMGT";
        const char *p = *end ? strchr(suf, *end) : NULL;
        if (p) {
            for (const char *q = suf; q <= p; q++)
                d *= 1024.0;
            end++;
        }
        if (*end)
            return 0;
        *out = d;
        return 1;
    }
    return 0;
}

/* o.k as a number, NaN when missing. */
static double num(json_t *o, const char *k)
{
    double d;
    return jnum(jget(o, k), &d) ? d : NAN;
}

static json_t *resolve(json_t *v, const char *rest)
{
    if (!*rest)
        return v;
    if (json_is_object(v)) {
        /* keys may hold dots ("tlb.stlb"): try the longest match first */
        size_t len = strlen(rest);
        for (size_t cut = len; cut > 0; cut--) {
            if (cut < len && rest[cut] != '.')
                continue;
            char *key = strndup(rest, cut);
            if (!key)
                return NULL;
            json_t *child = json_object_get(v, key);
            free(key);
            if (child) {
                json_t *r = resolve(child, rest + cut + (cut < len));
                if (r)
                    return r;
            }
        }
        return NULL;
    }
    if (json_is_array(v)) {
        char *end;
        long i = strtol(rest, &end, 10);
        if (end == rest || (*end && *end != '.'))
            return NULL;
        if (i < 0)
            i += (long)json_array_size(v);
        if (i < 0)
            return NULL;
        return resolve(json_array_get(v, (size_t)i), *end ? end + 1 : end);
    }
    return NULL;
}

/* A dotted path (tlb.stlb.misses, tlb_levels.-1.misses, config.tlb.stlb.entries);
 * a path not found from the top is tried under config. */
static json_t *path_get(json_t *doc, const char *path)
{
    json_t *v = resolve(doc, path);
    if (!v && strncmp(path, "config.", 7) != 0)
        v = resolve(jget(doc, "config"), path);
    return v;
}

/* A scalar as text (malloc'd); "(unset)" when missing. */
static char *value_text(json_t *v)
{
    char tmp[64];
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v))
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_null(v))
        snprintf(tmp, sizeof tmp, "null");
    else if (v)
        snprintf(tmp, sizeof tmp, "(not a value)");
    else
        snprintf(tmp, sizeof tmp, "(unset)");
    return strdup(tmp);
}

/* ---- number formatting ---- */

static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "—");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 1000)
        snprintf(buf, n, "%.1f", v);
    else
        snprintf(buf, n, "%.3f", v);
}

static double ratio(double a, double b)
{
    return b > 0 && !isnan(a) ? a / b : NAN;
}

/* a cell: a JSON value as it is (integers exactly), right aligned */
static void td_json(mmusim_buf *b, json_t *v)
{
    char tmp[64];
    if (json_is_integer(v)) {
        mmusim_buf_printf(b, "<td>%lld</td>", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fmt_num(tmp, sizeof tmp, json_real_value(v));
        mmusim_buf_printf(b, "<td>%s</td>", tmp);
    } else if (json_is_string(v)) {
        mmusim_buf_str(b, "<td>");
        mmusim_buf_html(b, json_string_value(v));
        mmusim_buf_str(b, "</td>");
    } else if (json_is_boolean(v)) {
        mmusim_buf_printf(b, "<td>%s</td>", json_is_true(v) ? "true" : "false");
    } else {
        mmusim_buf_str(b, "<td>—</td>");
    }
}

static void td_num(mmusim_buf *b, double v)
{
    char tmp[64];
    fmt_num(tmp, sizeof tmp, v);
    mmusim_buf_printf(b, "<td>%s</td>", tmp);
}

static void td_pct(mmusim_buf *b, double a, double den)
{
    double r = ratio(a, den);
    if (isnan(r))
        mmusim_buf_str(b, "<td>—</td>");
    else
        mmusim_buf_printf(b, "<td>%.3f%%</td>", 100.0 * r);
}

/* a label inside a gnuplot data file: double quotes, none inside */
static void data_label(mmusim_buf *b, const char *s)
{
    mmusim_buf_add(b, "\"", 1);
    for (; *s; s++)
        mmusim_buf_add(b, *s == '"' ? "'" : ((unsigned char)*s < 0x20 ? "?" : s), 1);
    mmusim_buf_add(b, "\"", 1);
}

static void gp_num(mmusim_buf *b, double v)
{
    if (isnan(v))
        mmusim_buf_str(b, "NaN");
    else
        mmusim_buf_printf(b, "%.10g", v);
}

/* ---- plots ---- */

/* Register a plot and put its figure (a placeholder for now) in the page. */
static void figure(rep *r, int w, int h, const char *caption, const mmusim_buf *cmds)
{
    int id = cmds->oom ? -1 : cli_plots_add(r->plots, w, h, caption, cmds->p ? cmds->p : "");
    mmusim_buf_str(&r->page, "<figure class=\"plot\"><figcaption>");
    mmusim_buf_html(&r->page, caption);
    mmusim_buf_printf(&r->page, "</figcaption>" MARK_S "P%d" MARK_S "</figure>\n", id);
}

/* gnuplot commands that plot one CDF per latency class (or per input). */
typedef struct cdf_set {
    mmusim_buf data;
    mmusim_buf plot1, plot2; /* plot clauses: CDF, CCDF */
    int blocks;
    double xlo, xhi, ymin;
    int approx;
} cdf_set;

/* Bounds of one class's CDF. */
static int cdf_bounds(json_t *c, double *lo, double *hi)
{
    double count = num(c, "count");
    if (!(count > 0))
        return 0;
    json_t *h = jget(c, "histogram");
    json_t *low = jget(h, "low");
    if (json_array_size(low) > 0) {
        jnum(json_array_get(low, 0), lo);
    } else {
        *lo = num(c, "min");
    }
    *hi = num(c, "max");
    return !isnan(*lo) && !isnan(*hi);
}

/* Append class c's CDF as data block; title names it. */
static void cdf_block(cdf_set *s, json_t *c, const char *title, const char *color, double xend)
{
    double maxv = num(c, "max");
    json_t *h = jget(c, "histogram");
    json_t *low = jget(h, "low"), *high = jget(h, "high"), *cnt = jget(h, "count");
    size_t nb = json_array_size(cnt);
    int have_hist = nb > 0 && json_array_size(low) == nb && json_array_size(high) == nb;
    double first = NAN, last_ccdf = 1;
    if (have_hist) {
        double total = 0, cum = 0, x;
        for (size_t i = 0; i < nb; i++) {
            double k = 0;
            jnum(json_array_get(cnt, i), &k);
            total += k;
        }
        jnum(json_array_get(low, 0), &first);
        gp_num(&s->data, first);
        mmusim_buf_str(&s->data, " 0 1\n");
        for (size_t i = 0; i < nb; i++) {
            double k = 0;
            x = 0;
            jnum(json_array_get(high, i), &x);
            jnum(json_array_get(cnt, i), &k);
            cum += k;
            if (!isnan(maxv) && x > maxv)
                x = maxv;
            double ccdf = 1.0 - cum / total;
            if (ccdf < 1e-15)
                ccdf = 0;
            gp_num(&s->data, x);
            mmusim_buf_printf(&s->data, " %.10g ", cum / total);
            /* log scale has no 0: the tail's last step holds its level up to the maximum */
            gp_num(&s->data, ccdf > 0 ? ccdf : last_ccdf);
            mmusim_buf_str(&s->data, "\n");
            if (ccdf > 0 && (isnan(s->ymin) || ccdf < s->ymin))
                s->ymin = ccdf;
            last_ccdf = ccdf;
        }
    } else {
        /* no histogram in this JSON: the percentiles only */
        static const char *const keys[] = {"min", "p50", "p90", "p99", "p99_9", "max"};
        static const double ps[] = {0, 0.5, 0.9, 0.99, 0.999, 1};
        s->approx = 1;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            gp_num(&s->data, num(c, keys[i]));
            mmusim_buf_printf(&s->data, " %.10g ", ps[i]);
            gp_num(&s->data, ps[i] < 1 ? 1 - ps[i] : NAN);
            mmusim_buf_str(&s->data, "\n");
            if (ps[i] < 1 && (isnan(s->ymin) || 1 - ps[i] < s->ymin))
                s->ymin = 1 - ps[i];
        }
        last_ccdf = 0;
    }
    gp_num(&s->data, xend);
    mmusim_buf_str(&s->data, " 1 ");
    gp_num(&s->data, last_ccdf > 0 ? last_ccdf : NAN);
    mmusim_buf_str(&s->data, "\n\n\n");
    const char *style = have_hist ? "steps" : "linespoints pt 7 ps 0.6";
    for (int k = 0; k < 2; k++) {
        mmusim_buf *p = k == 0 ? &s->plot1 : &s->plot2;
        mmusim_buf_str(p, p->n ? ", \\\n  " : "plot ");
        mmusim_buf_printf(p, "DATA index %d using 1:%d with %s lw 2 lc rgb \"%s\" title ", s->blocks, k + 2, style,
                      color);
        mmusim_buf_gpstr(p, title);
    }
    s->blocks++;
}

/* The CDF and CCDF figure of a cdf_set whose blocks are written. */
static void cdf_figure(rep *r, cdf_set *s, const char *caption)
{
    if (!s->blocks) {
        mmusim_buf_str(&r->page, "<p class=\"note\">No translations: no latency distribution to plot.</p>\n");
        return;
    }
    const char *data = cli_plots_data(r->plots, &s->data);
    mmusim_buf c = {0};
    int logx = s->xlo >= 1 && s->xhi / s->xlo >= 8;
    mmusim_buf_printf(&c, "DATA = %s\n", data ? data : "\"\"");
    /* no x label: gnuplot lets a key below overlap it; the titles name the axis */
    mmusim_buf_str(&c, "set multiplot layout 1,2\n"
                   "set key outside below center horizontal\n");
    if (logx)
        mmusim_buf_printf(&c, "set logscale x 2\nset xrange [%.10g:%.10g]\n", s->xlo / 1.25, s->xhi * 1.25);
    else
        mmusim_buf_printf(&c, "set xrange [%.10g:%.10g]\n", s->xlo > 1 ? s->xlo - 1 : 0,
                      s->xhi + (s->xhi - s->xlo > 20 ? 0.05 * (s->xhi - s->xlo) : 1));
    mmusim_buf_str(&c, "set ylabel \"fraction of translations <= x\"\nset yrange [0:1.02]\n"
                   "set title \"CDF of translation latency (x: cycles)\"\n");
    mmusim_buf_add(&c, s->plot1.p, s->plot1.n);
    mmusim_buf_str(&c, "\nset ylabel \"fraction of translations > x\"\n"
                   "set logscale y\nset format y \"%g\"\n");
    mmusim_buf_printf(&c, "set yrange [%.10g:1.5]\n", isnan(s->ymin) ? 0.1 : s->ymin / 2);
    mmusim_buf_str(&c, "set title \"tail: 1 - CDF, log scale (x: cycles)\"\n");
    mmusim_buf_add(&c, s->plot2.p, s->plot2.n);
    mmusim_buf_str(&c, "\nunset multiplot\n");
    figure(r, 960, 400, caption, &c);
    if (s->approx)
        mmusim_buf_str(&r->page, "<p class=\"note\">Some inputs carry no latency histogram (older JSON): their "
                             "curves join the percentiles (min, p50, p90, p99, p99.9, max) and are marked "
                             "with dots.</p>\n");
    mmusim_buf_free(&c);
}

static void cdf_free(cdf_set *s)
{
    mmusim_buf_free(&s->data);
    mmusim_buf_free(&s->plot1);
    mmusim_buf_free(&s->plot2);
}

static void plot_cdf(rep *r, json_t *doc)
{
    json_t *lat = jget(doc, "latency");
    cdf_set s = {.ymin = NAN};
    double lo = INFINITY, hi = -INFINITY, a, b;
    const char *k;
    json_t *c;
    json_object_foreach(lat, k, c) {
        if (cdf_bounds(c, &a, &b)) {
            lo = fmin(lo, a);
            hi = fmax(hi, b);
        }
    }
    if (lo > hi) {
        cdf_figure(r, &s, "");
        return;
    }
    s.xlo = lo;
    s.xhi = hi;
    int logx = lo >= 1 && hi / lo >= 8;
    double xend = logx ? hi * 1.25 : hi + (hi - lo > 20 ? 0.05 * (hi - lo) : 1);
    json_object_foreach(lat, k, c) {
        if (!cdf_bounds(c, &a, &b))
            continue;
        char title[128];
        snprintf(title, sizeof title, "%s (%.0f)", k, num(c, "count"));
        cdf_block(&s, c, title, class_color(k), xend);
    }
    cdf_figure(r, &s, "Translation latency distribution by outcome: CDF (left) and tail (right)");
    cdf_free(&s);
}

/* Share of translations and of cycles by outcome: two stacked bars. */
static void plot_breakdown(rep *r, json_t *doc)
{
    json_t *lat = jget(doc, "latency");
    double all_n = num(jget(lat, "all"), "count"), all_s = num(jget(lat, "all"), "sum");
    if (!(all_n > 0) || !(all_s > 0))
        return;
    mmusim_buf d = {0}, c = {0};
    const char *rows[] = {"translations", "cycles"};
    for (int row = 0; row < 2; row++) {
        data_label(&d, rows[row]);
        const char *k;
        json_t *v;
        json_object_foreach(lat, k, v) {
            if (strcmp(k, "all") == 0 || !(num(v, "count") > 0))
                continue;
            double x = row == 0 ? num(v, "count") / all_n : num(v, "sum") / all_s;
            mmusim_buf_printf(&d, " %.10g", 100.0 * x);
        }
        mmusim_buf_str(&d, "\n");
    }
    const char *data = cli_plots_data(r->plots, &d);
    mmusim_buf_printf(&c,
                  "DATA = %s\n"
                  "set style data histograms\nset style histogram rowstacked\n"
                  "set style fill solid 0.9 border rgb \"white\"\nset boxwidth 0.55\n"
                  "set yrange [0:100]\nset ylabel \"%% of the run's total\"\n"
                  "set key outside right top vertical\nset grid noxtics ytics\nset xtics nomirror\n"
                  "plot ",
                  data ? data : "\"\"");
    int col = 2;
    const char *k;
    json_t *v;
    json_object_foreach(lat, k, v) {
        if (strcmp(k, "all") == 0 || !(num(v, "count") > 0))
            continue;
        if (col > 2)
            mmusim_buf_str(&c, ", ");
        mmusim_buf_printf(&c, "DATA using %d%s lc rgb \"%s\" title ", col, col == 2 ? ":xtic(1)" : "",
                      class_color(k));
        mmusim_buf_gpstr(&c, k);
        col++;
    }
    mmusim_buf_str(&c, "\n");
    figure(r, 560, 340, "Breakdown by outcome: share of translations and of translation cycles", &c);
    mmusim_buf_free(&d);
    mmusim_buf_free(&c);
}

static void plot_timeline(rep *r, json_t *doc)
{
    json_t *tl = jget(doc, "timeline");
    json_t *acc = jget(tl, "accesses"), *tr = jget(tl, "translations"), *l1 = jget(tl, "l1_misses"),
           *walks = jget(tl, "walks"), *pf = jget(tl, "page_faults"), *ls = jget(tl, "latency_sum");
    size_t n = json_array_size(acc);
    if (!tl || n == 0) {
        mmusim_buf_str(&r->page, "<p class=\"note\">This result has no timeline (make one with <code>mmusim run "
                             "--timeline N</code>: the figures per window of N accesses).</p>\n");
        return;
    }
    size_t group = (n + MAX_TIMELINE_POINTS - 1) / MAX_TIMELINE_POINTS;
    mmusim_buf d = {0}, c = {0};
    double pos = 0, faults = 0;
    double last[4] = {NAN, NAN, NAN, NAN};
    for (size_t i = 0; i < n; i += group) {
        double sum[6] = {0};
        json_t *cols[6] = {acc, tr, l1, walks, pf, ls};
        for (size_t j = i; j < i + group && j < n; j++)
            for (int k = 0; k < 6; k++) {
                double x = 0;
                jnum(json_array_get(cols[k], j), &x);
                sum[k] += x;
            }
        last[0] = sum[2];
        last[1] = sum[3];
        last[2] = sum[4];
        last[3] = ratio(sum[5], sum[1]);
        faults += sum[4];
        gp_num(&d, pos);
        for (int k = 0; k < 4; k++) {
            mmusim_buf_str(&d, " ");
            gp_num(&d, last[k]);
        }
        mmusim_buf_str(&d, "\n");
        pos += sum[0];
    }
    gp_num(&d, pos);
    for (int k = 0; k < 4; k++) {
        mmusim_buf_str(&d, " ");
        gp_num(&d, last[k]);
    }
    mmusim_buf_str(&d, "\n");
    const char *data = cli_plots_data(r->plots, &d);
    double window = num(tl, "window");
    char per[64];
    if (group > 1)
        snprintf(per, sizeof per, "per %.0f accesses", window * (double)group);
    else
        snprintf(per, sizeof per, "per window of %.0f accesses", window);
    mmusim_buf_printf(&c,
                  "DATA = %s\n"
                  "set multiplot layout 3,1\n"
                  "set lmargin at screen 0.09\nset rmargin at screen 0.97\n"
                  "set xrange [0:%.10g]\nset format x \"%%.1s%%c\"\nunset key\n"
                  "set yrange [0:*]\n"
                  "set ylabel \"L1 misses\"\nset title \"L1 TLB misses %s\"\n"
                  "plot DATA using 1:2 with steps lw 1.5 lc rgb \"#1f77b4\"\n"
                  "set ylabel \"walks\"\nset title \"page walks%s %s\"\n"
                  "plot DATA using 1:3 with steps lw 1.5 lc rgb \"#ff7f0e\"%s\n"
                  "set ylabel \"cycles\"\nset xlabel \"accesses\"\nset autoscale y\n"
                  "set title \"mean translation latency %s\"\n"
                  "plot DATA using 1:5 with steps lw 1.5 lc rgb \"#222222\"\n"
                  "unset multiplot\n",
                  data ? data : "\"\"", pos, per, faults > 0 ? " (orange) and page faults (red)" : "", per,
                  faults > 0 ? ", DATA using 1:4 with steps lw 1.5 lc rgb \"#d62728\"" : "", per);
    figure(r, 960, 620, "Timeline: L1 TLB misses, page walks and mean latency per window", &c);
    if (group > 1)
        mmusim_buf_printf(&r->page,
                      "<p class=\"note\">%zu windows of %.0f accesses, drawn %zu to a point.</p>\n", n, window,
                      group);
    mmusim_buf_free(&d);
    mmusim_buf_free(&c);
}

/* ---- tables ---- */

static void card(mmusim_buf *b, const char *key, const char *value)
{
    mmusim_buf_str(b, "<div class=\"card\"><div class=\"v\">");
    mmusim_buf_html(b, value);
    mmusim_buf_str(b, "</div><div class=\"k\">");
    mmusim_buf_html(b, key);
    mmusim_buf_str(b, "</div></div>\n");
}

static void card_num(mmusim_buf *b, const char *key, double v)
{
    char tmp[64];
    fmt_num(tmp, sizeof tmp, v);
    card(b, key, tmp);
}

static void summary(rep *r, json_t *doc)
{
    mmusim_buf *b = &r->page;
    json_t *lat_all = jget(jget(doc, "latency"), "all");
    json_t *levels = jget(doc, "tlb_levels");
    json_t *l1 = json_array_get(levels, 0);
    double instr = num(doc, "instructions"), walks = num(jget(doc, "walker"), "walks");
    double faults = 0, x;
    const char *k;
    json_t *v;
    json_object_foreach(jget(doc, "faults"), k, v) {
        if (jnum(v, &x))
            faults += x;
    }
    char tmp[96];
    mmusim_buf_str(b, "<div class=\"cards\">\n");
    card_num(b, "accesses", num(doc, "accesses"));
    card_num(b, "translations", num(doc, "translations"));
    card_num(b, "instructions", instr);
    card_num(b, "cycles", num(doc, "cycles"));
    card_num(b, "mean latency (cycles)", num(lat_all, "mean"));
    card_num(b, "p99 latency (cycles)", num(lat_all, "p99"));
    double mr = ratio(num(l1, "misses"), num(l1, "lookups"));
    if (isnan(mr))
        snprintf(tmp, sizeof tmp, "—");
    else
        snprintf(tmp, sizeof tmp, "%.3f%%", 100 * mr);
    card(b, "L1 TLB miss rate", tmp);
    card_num(b, "page walks", walks);
    if (instr > 0)
        card_num(b, "walks per kilo-instruction", 1000 * walks / instr);
    else
        card_num(b, "walks per 1000 accesses", 1000 * ratio(walks, num(doc, "accesses")));
    card_num(b, "faults", faults);
    mmusim_buf_str(b, "</div>\n");

    json_t *trace = jget(doc, "trace");
    mmusim_buf_str(b, "<p class=\"meta\">Trace <code>");
    mmusim_buf_html(b, json_string_value(jget(trace, "path")) ? json_string_value(jget(trace, "path")) : "?");
    mmusim_buf_str(b, "</code>");
    const char *fmt = json_string_value(jget(trace, "format"));
    const char *comp = json_string_value(jget(trace, "compression"));
    if (fmt) {
        mmusim_buf_str(b, " (");
        mmusim_buf_html(b, fmt);
        if (comp && strcmp(comp, "none") != 0) {
            mmusim_buf_str(b, ", ");
            mmusim_buf_html(b, comp);
        }
        mmusim_buf_str(b, ")");
    }
    const char *preset = json_string_value(jget(doc, "preset"));
    if (preset) {
        mmusim_buf_str(b, "; preset <code>");
        mmusim_buf_html(b, preset);
        mmusim_buf_str(b, "</code>");
    }
    double warm = num(doc, "warmup_accesses"), cross = num(doc, "page_crossings");
    if (warm > 0)
        mmusim_buf_printf(b, "; counters cleared after a warm-up of %.0f accesses", warm);
    if (cross > 0)
        mmusim_buf_printf(b, "; %.0f accesses crossed a page boundary (two translations each)", cross);
    const char *ver = json_string_value(jget(doc, "mmusim_version"));
    if (ver) {
        mmusim_buf_str(b, "; made by mmusim ");
        mmusim_buf_html(b, ver);
    }
    mmusim_buf_str(b, ".</p>\n");
}

static void latency_table(mmusim_buf *b, json_t *doc)
{
    json_t *lat = jget(doc, "latency");
    double all_n = num(jget(lat, "all"), "count"), all_s = num(jget(lat, "all"), "sum");
    mmusim_buf_str(b, "<div class=\"wide\"><table><tr><th>outcome</th><th>translations</th><th>share</th>"
                  "<th>mean</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>"
                  "<th>cycles</th><th>share of cycles</th></tr>\n");
    const char *k;
    json_t *c;
    json_object_foreach(lat, k, c) {
        double n = num(c, "count");
        mmusim_buf_printf(b, "<tr%s><td>", n > 0 ? "" : " class=\"zero\"");
        mmusim_buf_printf(b, "<span class=\"sw\" style=\"background:%s\"></span>", class_color(k));
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</td>");
        td_json(b, jget(c, "count"));
        td_pct(b, n, all_n);
        if (n > 0) {
            td_num(b, num(c, "mean"));
            static const char *const keys[] = {"min", "p50", "p90", "p99", "p99_9", "max"};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                td_json(b, jget(c, keys[i]));
        } else {
            for (int i = 0; i < 7; i++)
                mmusim_buf_str(b, "<td>—</td>");
        }
        td_json(b, jget(c, "sum"));
        td_pct(b, num(c, "sum"), all_s);
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table></div>\n<p class=\"note\">Latency in cycles, from issue to translation. "
                  "Percentiles are exact below 1024 cycles and at most 1/64 high above.</p>\n");
}

static void tlb_tables(mmusim_buf *b, json_t *doc)
{
    json_t *tlb = jget(doc, "tlb");
    double instr = num(doc, "instructions");
    mmusim_buf_str(b, "<div class=\"wide\"><table><caption>TLB arrays</caption><tr><th>array</th><th>level</th>"
                  "<th>lookups</th><th>hits</th><th>misses</th><th>miss rate</th>");
    if (instr > 0)
        mmusim_buf_str(b, "<th>MPKI</th>");
    mmusim_buf_str(b, "<th>evictions</th><th>fills</th><th>invalidations</th>"
                  "<th>read misses</th><th>write misses</th><th>fetch misses</th></tr>\n");
    const char *k;
    json_t *a;
    json_object_foreach(tlb, k, a) {
        mmusim_buf_str(b, "<tr><td>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</td>");
        td_json(b, jget(a, "level"));
        td_json(b, jget(a, "lookups"));
        td_json(b, jget(a, "hits"));
        td_json(b, jget(a, "misses"));
        td_pct(b, num(a, "misses"), num(a, "lookups"));
        if (instr > 0)
            td_num(b, 1000 * num(a, "misses") / instr);
        td_json(b, jget(a, "evictions"));
        td_json(b, jget(a, "fills"));
        td_json(b, jget(a, "invalidations"));
        json_t *mb = jget(a, "misses_by_type");
        td_json(b, jget(mb, "read"));
        td_json(b, jget(mb, "write"));
        td_json(b, jget(mb, "fetch"));
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table></div>\n");

    json_t *levels = jget(doc, "tlb_levels");
    if (json_array_size(levels)) {
        mmusim_buf_str(b, "<table><caption>TLB levels (a level hits when any of its arrays does)</caption>"
                      "<tr><th>level</th><th>lookups</th><th>hits</th><th>misses</th><th>miss rate</th>");
        if (instr > 0)
            mmusim_buf_str(b, "<th>MPKI</th>");
        mmusim_buf_str(b, "</tr>\n");
        size_t i;
        json_t *l;
        json_array_foreach(levels, i, l) {
            mmusim_buf_str(b, "<tr>");
            td_json(b, jget(l, "level"));
            td_json(b, jget(l, "lookups"));
            td_json(b, jget(l, "hits"));
            td_json(b, jget(l, "misses"));
            td_pct(b, num(l, "misses"), num(l, "lookups"));
            if (instr > 0)
                td_num(b, 1000 * num(l, "misses") / instr);
            mmusim_buf_str(b, "</tr>\n");
        }
        mmusim_buf_str(b, "</table>\n");
    }
}

/* Rows: the members of obj that are objects; columns: their scalar members
 * (one level of nesting flattened as a.b). */
static void table_of_objects(mmusim_buf *b, const char *caption, json_t *obj)
{
    json_t *cols = json_array();
    const char *k, *k2, *k3;
    json_t *row, *v, *v2;
    json_object_foreach(obj, k, row) {
        if (!json_is_object(row))
            continue;
        json_object_foreach(row, k2, v) {
            if (json_is_object(v)) {
                json_object_foreach(v, k3, v2) {
                    char name[256];
                    snprintf(name, sizeof name, "%s.%s", k2, k3);
                    int seen = 0;
                    size_t i;
                    json_t *c;
                    json_array_foreach(cols, i, c) seen |= strcmp(json_string_value(c), name) == 0;
                    if (!seen)
                        json_array_append_new(cols, json_string(name));
                }
            } else if (!json_is_array(v)) {
                int seen = 0;
                size_t i;
                json_t *c;
                json_array_foreach(cols, i, c) seen |= strcmp(json_string_value(c), k2) == 0;
                if (!seen)
                    json_array_append_new(cols, json_string(k2));
            }
        }
    }
    if (json_array_size(cols)) {
        mmusim_buf_str(b, "<div class=\"wide\"><table><caption>");
        mmusim_buf_html(b, caption);
        mmusim_buf_str(b, "</caption><tr><th></th>");
        size_t i;
        json_t *c;
        json_array_foreach(cols, i, c) {
            mmusim_buf_str(b, "<th>");
            mmusim_buf_html(b, json_string_value(c));
            mmusim_buf_str(b, "</th>");
        }
        mmusim_buf_str(b, "</tr>\n");
        json_object_foreach(obj, k, row) {
            if (!json_is_object(row))
                continue;
            mmusim_buf_str(b, "<tr><td>");
            mmusim_buf_html(b, k);
            mmusim_buf_str(b, "</td>");
            json_array_foreach(cols, i, c) {
                const char *name = json_string_value(c);
                const char *dot = strchr(name, '.');
                json_t *cell = json_object_get(row, name);
                if (!cell && dot) {
                    char *head = strndup(name, (size_t)(dot - name));
                    cell = head ? jget(json_object_get(row, head), dot + 1) : NULL;
                    free(head);
                }
                td_json(b, cell);
            }
            mmusim_buf_str(b, "</tr>\n");
        }
        mmusim_buf_str(b, "</table></div>\n");
    }
    json_decref(cols);
}

static void walker_tables(mmusim_buf *b, json_t *doc)
{
    json_t *w = jget(doc, "walker");
    if (!w)
        return;
    mmusim_buf_str(b, "<table><caption>Walker</caption>\n");
    const char *k;
    json_t *v;
    json_object_foreach(w, k, v) {
        if (json_is_object(v) || json_is_array(v))
            continue;
        mmusim_buf_str(b, "<tr><td>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</td>");
        td_json(b, v);
        mmusim_buf_str(b, "</tr>\n");
        if (strcmp(k, "walk_cycles") == 0 && num(w, "walks") > 0) {
            mmusim_buf_str(b, "<tr><td>cycles per walk</td>");
            td_num(b, num(w, "walk_cycles") / num(w, "walks"));
            mmusim_buf_str(b, "</tr>\n");
        }
    }
    mmusim_buf_str(b, "</table>\n");

    json_t *refs = jget(w, "refs_per_walk");
    size_t i;
    json_t *x;
    int any = 0;
    json_array_foreach(refs, i, x) any |= json_integer_value(x) != 0;
    if (any) {
        mmusim_buf_str(b, "<table><caption>Memory references per walk</caption><tr><th>references</th>");
        json_array_foreach(refs, i, x) if (json_integer_value(x)) mmusim_buf_printf(b, "<th>%zu</th>", i);
        mmusim_buf_str(b, "</tr><tr><td>walks</td>");
        json_array_foreach(refs, i, x) if (json_integer_value(x)) td_json(b, x);
        mmusim_buf_str(b, "</tr></table>\n");
    }
    json_t *pwc = jget(w, "pwc");
    if (pwc)
        table_of_objects(b, "Paging-structure caches", pwc);
    json_t *pm = jget(w, "ptemem");
    if (pm) {
        char cap[128];
        const char *mode = json_string_value(jget(pm, "mode"));
        snprintf(cap, sizeof cap, "Where PTE references were served (mode %s)", mode ? mode : "?");
        table_of_objects(b, cap, pm);
    }
}

static void faults_table(mmusim_buf *b, json_t *doc)
{
    json_t *f = jget(doc, "faults"), *wf = jget(jget(doc, "walker"), "walk_faults");
    double total = 0, x;
    const char *k;
    json_t *v;
    json_object_foreach(f, k, v) if (jnum(v, &x)) total += x;
    json_object_foreach(wf, k, v) if (jnum(v, &x)) total += x;
    if (total == 0) {
        mmusim_buf_str(b, "<p>No faults.</p>\n");
        return;
    }
    mmusim_buf_str(b, "<div class=\"wide\"><table><caption>Faults by cause</caption><tr><th></th>");
    json_object_foreach(f, k, v) {
        mmusim_buf_str(b, "<th>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</th>");
    }
    mmusim_buf_str(b, "</tr>\n<tr><td>translations</td>");
    json_object_foreach(f, k, v) td_json(b, v);
    mmusim_buf_str(b, "</tr>\n");
    if (wf) {
        mmusim_buf_str(b, "<tr><td>walks</td>");
        json_object_foreach(f, k, v) td_json(b, jget(wf, k));
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table></div>\n");
}

/* One row: the scalar members of obj as columns. */
static void row_table(mmusim_buf *b, const char *caption, json_t *obj)
{
    const char *k;
    json_t *v;
    mmusim_buf_str(b, "<div class=\"wide\"><table><caption>");
    mmusim_buf_html(b, caption);
    mmusim_buf_str(b, "</caption><tr>");
    json_object_foreach(obj, k, v) {
        mmusim_buf_str(b, "<th>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</th>");
    }
    mmusim_buf_str(b, "</tr>\n<tr>");
    json_object_foreach(obj, k, v) td_json(b, v);
    mmusim_buf_str(b, "</tr></table></div>\n");
}

/* Rows: the objects of array arr; columns: their scalar members. */
static void table_of_array(mmusim_buf *b, const char *caption, json_t *arr)
{
    json_t *first = json_array_get(arr, 0);
    if (!json_is_object(first))
        return;
    const char *k;
    json_t *v, *row;
    size_t i;
    mmusim_buf_str(b, "<div class=\"wide\"><table><caption>");
    mmusim_buf_html(b, caption);
    mmusim_buf_str(b, "</caption><tr>");
    json_object_foreach(first, k, v) {
        mmusim_buf_str(b, "<th>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</th>");
    }
    mmusim_buf_str(b, "</tr>\n");
    json_array_foreach(arr, i, row) {
        mmusim_buf_str(b, "<tr>");
        json_object_foreach(first, k, v) td_json(b, jget(row, k));
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table></div>\n");
}

/* The OS model's figures, when the run had one: its scalars, then each
 * object member as a one-row table and each array of objects as a table. */
static void os_tables(mmusim_buf *b, json_t *doc)
{
    json_t *os = jget(doc, "os");
    if (!json_is_object(os))
        return;
    mmusim_buf_str(b, "<h3>Operating system model</h3>\n<table><caption>Memory and paging</caption>\n");
    const char *k;
    json_t *v;
    json_object_foreach(os, k, v) {
        if (json_is_object(v) || json_is_array(v))
            continue;
        mmusim_buf_str(b, "<tr><td>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</td>");
        td_json(b, v);
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table>\n");
    json_object_foreach(os, k, v) {
        char cap[200];
        snprintf(cap, sizeof cap, "%s", k);
        for (char *c = cap; *c; c++)
            if (*c == '_')
                *c = ' ';
        if (json_is_object(v))
            row_table(b, cap, v);
        else if (json_is_array(v))
            table_of_array(b, cap, v);
    }
}

static int is_varied(const rep *r, const char *section, const char *key)
{
    char name[512];
    snprintf(name, sizeof name, "config.%s.%s", section, key);
    for (int i = 0; i < r->nvaried; i++)
        if (strcmp(r->varied[i], name) == 0)
            return 1;
    return 0;
}

static void config_tables(rep *r, json_t *doc)
{
    mmusim_buf *b = &r->page;
    json_t *cfg = jget(doc, "config");
    if (!json_is_object(cfg)) {
        mmusim_buf_str(b, "<p class=\"note\">This result carries no configuration.</p>\n");
        return;
    }
    mmusim_buf_str(b, "<div class=\"cfg\">\n");
    const char *sec, *k;
    json_t *s, *v;
    json_object_foreach(cfg, sec, s) {
        mmusim_buf_str(b, "<table><caption>[");
        mmusim_buf_html(b, sec);
        mmusim_buf_str(b, "]</caption>\n");
        json_object_foreach(s, k, v) {
            int var = is_varied(r, sec, k);
            mmusim_buf_printf(b, "<tr%s><td>", var ? " class=\"varied\"" : "");
            mmusim_buf_html(b, k);
            mmusim_buf_str(b, "</td><td class=\"val\">");
            char *t = value_text(v);
            mmusim_buf_html(b, t ? t : "?");
            free(t);
            mmusim_buf_str(b, "</td></tr>\n");
        }
        mmusim_buf_str(b, "</table>\n");
    }
    mmusim_buf_str(b, "</div>\n");
    if (r->nvaried && r->n > 1)
        mmusim_buf_str(b, "<p class=\"note\">Highlighted: values that differ across the inputs of this report.</p>\n");
}

static void result_section(rep *r, int i)
{
    rep_input *in = &r->in[i];
    mmusim_buf *b = &r->page;
    mmusim_buf_printf(b, "<section id=\"r%d\">\n<h2>", i + 1);
    if (r->n > 1)
        mmusim_buf_printf(b, "%d. ", i + 1);
    mmusim_buf_html(b, in->name);
    mmusim_buf_str(b, "</h2>\n<p class=\"path\">");
    mmusim_buf_html(b, in->path);
    if (r->n > 1 && r->nvaried) {
        mmusim_buf_str(b, " — ");
        mmusim_buf_html(b, in->label);
    }
    mmusim_buf_str(b, "</p>\n");
    summary(r, in->doc);
    mmusim_buf_str(b, "<h3>Translation latency</h3>\n");
    latency_table(b, in->doc);
    plot_cdf(r, in->doc);
    plot_breakdown(r, in->doc);
    mmusim_buf_str(b, "<h3>TLBs</h3>\n");
    tlb_tables(b, in->doc);
    mmusim_buf_str(b, "<h3>Page walks and faults</h3>\n");
    walker_tables(b, in->doc);
    faults_table(b, in->doc);
    os_tables(b, in->doc);
    mmusim_buf_str(b, "<h3>Timeline</h3>\n");
    plot_timeline(r, in->doc);
    mmusim_buf_str(b, "<h3>Configuration</h3>\n");
    config_tables(r, in->doc);
    mmusim_buf_str(b, "</section>\n");
}

/* ---- several results: comparison and heatmap ---- */

/* Configuration keys whose values differ across the inputs, in the order of
 * their first appearance; then trace.path if the traces differ. */
static int find_varied(rep *r)
{
    json_t *keys = json_object(); /* name -> first value, or null once it varies */
    json_t *order = json_array();
    for (int i = 0; i < r->n; i++) {
        const char *sec, *k;
        json_t *s, *v;
        json_object_foreach(jget(r->in[i].doc, "config"), sec, s) {
            json_object_foreach(s, k, v) {
                char name[512];
                snprintf(name, sizeof name, "config.%s.%s", sec, k);
                if (!json_object_get(keys, name)) {
                    json_object_set_new(keys, name, json_true());
                    json_array_append_new(order, json_string(name));
                }
            }
        }
    }
    json_array_append_new(order, json_string("trace.path"));
    size_t i;
    json_t *name;
    r->varied = calloc(json_array_size(order), sizeof *r->varied);
    if (!r->varied) {
        json_decref(keys);
        json_decref(order);
        return -1;
    }
    json_array_foreach(order, i, name) {
        const char *nm = json_string_value(name);
        char *first = value_text(path_get(r->in[0].doc, nm));
        int differs = 0;
        for (int j = 1; j < r->n && first && !differs; j++) {
            char *t = value_text(path_get(r->in[j].doc, nm));
            differs = !t || strcmp(t, first) != 0;
            free(t);
        }
        free(first);
        if (differs)
            r->varied[r->nvaried++] = strdup(nm);
    }
    json_decref(keys);
    json_decref(order);
    return 0;
}

/* Short labels: the varied configuration values (up to 3), else the file name. */
static void make_labels(rep *r)
{
    for (int i = 0; i < r->n; i++) {
        mmusim_buf l = {0};
        int used = 0;
        for (int k = 0; k < r->nvaried && used < 3; k++) {
            if (strcmp(r->varied[k], "trace.path") == 0 && r->nvaried > 1)
                continue;
            char *t = value_text(path_get(r->in[i].doc, r->varied[k]));
            if (used++)
                mmusim_buf_str(&l, " / ");
            if (strcmp(r->varied[k], "trace.path") == 0) {
                const char *slash = t ? strrchr(t, '/') : NULL;
                mmusim_buf_str(&l, slash ? slash + 1 : (t ? t : "?"));
            } else {
                mmusim_buf_str(&l, t ? t : "?");
            }
            free(t);
        }
        if (!used)
            mmusim_buf_str(&l, r->in[i].name);
        r->in[i].label = l.oom ? strdup("?") : l.p;
    }
}

typedef struct axis {
    const char *key;
    char **vals; /* distinct values, sorted */
    int n;
} axis;

static int cmp_vals(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    json_t *jx = json_string(x), *jy = json_string(y);
    double dx, dy;
    int nx = jnum(jx, &dx), ny = jnum(jy, &dy);
    json_decref(jx);
    json_decref(jy);
    if (nx && ny && dx != dy)
        return dx < dy ? -1 : 1;
    if (nx != ny)
        return nx ? -1 : 1;
    return strcmp(x, y);
}

static int axis_build(rep *r, axis *a, const char *key)
{
    a->key = key;
    a->n = 0;
    a->vals = calloc((size_t)r->n, sizeof *a->vals);
    if (!a->vals)
        return -1;
    for (int i = 0; i < r->n; i++) {
        char *t = key ? value_text(path_get(r->in[i].doc, key)) : strdup("");
        if (!t)
            return -1;
        int seen = 0;
        for (int j = 0; j < a->n; j++)
            seen |= strcmp(a->vals[j], t) == 0;
        if (seen)
            free(t);
        else
            a->vals[a->n++] = t;
    }
    qsort(a->vals, (size_t)a->n, sizeof *a->vals, cmp_vals);
    return 0;
}

static int axis_index(const axis *a, json_t *doc)
{
    char *t = a->key ? value_text(path_get(doc, a->key)) : strdup("");
    int idx = -1;
    for (int j = 0; t && j < a->n; j++)
        if (strcmp(a->vals[j], t) == 0)
            idx = j;
    free(t);
    return idx;
}

static void axis_free(axis *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->vals[i]);
    free(a->vals);
}

static void axis_tics(mmusim_buf *c, const axis *a, const char *which)
{
    mmusim_buf_printf(c, "set %stics (", which);
    for (int i = 0; i < a->n; i++) {
        if (i)
            mmusim_buf_str(c, ", ");
        mmusim_buf_gpstr(c, a->vals[i]);
        mmusim_buf_printf(c, " %d", i);
    }
    mmusim_buf_str(c, ")\n");
}

static void heatmap(rep *r, const char *metric, const char *xkey, const char *ykey)
{
    mmusim_buf *b = &r->page;
    axis ax = {0}, ay = {0};
    if (axis_build(r, &ax, xkey) || axis_build(r, &ay, ykey)) {
        axis_free(&ax);
        axis_free(&ay);
        return;
    }
    int cells = ax.n * ay.n;
    double *sum = calloc((size_t)cells, sizeof *sum);
    int *cnt = calloc((size_t)cells, sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        axis_free(&ax);
        axis_free(&ay);
        return;
    }
    int shared = 0;
    for (int i = 0; i < r->n; i++) {
        int x = axis_index(&ax, r->in[i].doc), y = axis_index(&ay, r->in[i].doc);
        double v;
        if (x < 0 || y < 0 || !jnum(path_get(r->in[i].doc, metric), &v))
            continue;
        sum[y * ax.n + x] += v;
        if (++cnt[y * ax.n + x] == 2)
            shared++;
    }
    mmusim_buf d = {0}, c = {0};
    for (int y = 0; y < ay.n; y++)
        for (int x = 0; x < ax.n; x++) {
            int k = y * ax.n + x;
            if (!cnt[k])
                continue;
            char lab[64];
            fmt_num(lab, sizeof lab, sum[k] / cnt[k]);
            mmusim_buf_printf(&d, "%d %d %.10g ", x, y, sum[k] / cnt[k]);
            data_label(&d, lab);
            mmusim_buf_str(&d, "\n");
        }
    const char *data = cli_plots_data(r->plots, &d);
    mmusim_buf_printf(&c,
                  "DATA = %s\n"
                  "set palette defined (0 \"#fff7bc\", 0.5 \"#fec44f\", 1 \"#e6550d\")\n"
                  "set xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\n"
                  "unset grid\nset tics nomirror out\nset border 3\n"
                  "set cblabel ",
                  data ? data : "\"\"", ax.n - 1, ay.n - 1);
    mmusim_buf_gpstr(&c, metric);
    mmusim_buf_str(&c, "\nset xlabel ");
    mmusim_buf_gpstr(&c, xkey);
    mmusim_buf_str(&c, "\nset ylabel ");
    mmusim_buf_gpstr(&c, ykey ? ykey : "");
    mmusim_buf_str(&c, "\n");
    axis_tics(&c, &ax, "x");
    axis_tics(&c, &ay, "y");
    if (ax.n > 8)
        mmusim_buf_str(&c, "set xtics rotate by -40\n");
    mmusim_buf_str(&c, "plot DATA using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder fc palette notitle, "
                   "DATA using 1:2:4 with labels notitle\n");
    int w = 260 + 90 * ax.n, h = 160 + 46 * ay.n;
    w = w < 520 ? 520 : (w > 960 ? 960 : w);
    h = h < 260 ? 260 : (h > 640 ? 640 : h);
    char cap[600];
    if (ykey)
        snprintf(cap, sizeof cap, "Heatmap of %.180s over %.180s (x) and %.180s (y)", metric, xkey, ykey);
    else
        snprintf(cap, sizeof cap, "Heatmap of %.180s over %.180s (the only key that varies)", metric, xkey);
    figure(r, w, h, cap, &c);
    if (shared)
        mmusim_buf_printf(b,
                      "<p class=\"note\">%d cell%s hold%s several inputs (another parameter varies too): "
                      "such a cell shows their mean.</p>\n",
                      shared, shared == 1 ? "" : "s", shared == 1 ? "s" : "");
    free(sum);
    free(cnt);
    mmusim_buf_free(&d);
    mmusim_buf_free(&c);
    axis_free(&ax);
    axis_free(&ay);
}

/* Mean cycles per translation, stacked by outcome, one bar per input. */
static void plot_compare_bars(rep *r)
{
    const char *classes[16];
    int nc = 0;
    const char *k;
    json_t *v;
    for (int i = 0; i < r->n; i++)
        json_object_foreach(jget(r->in[i].doc, "latency"), k, v) {
            if (strcmp(k, "all") == 0 || !(num(v, "sum") > 0))
                continue;
            int seen = 0;
            for (int j = 0; j < nc; j++)
                seen |= strcmp(classes[j], k) == 0;
            if (!seen && nc < 16)
                classes[nc++] = k;
        }
    if (!nc)
        return;
    /* in the order of class_colors (outcomes from the nearest to the farthest) */
    for (int i = 1; i < nc; i++)
        for (int j = i; j > 0 && class_rank(classes[j]) < class_rank(classes[j - 1]); j--) {
            const char *t = classes[j];
            classes[j] = classes[j - 1];
            classes[j - 1] = t;
        }
    mmusim_buf d = {0}, c = {0};
    for (int i = 0; i < r->n; i++) {
        json_t *lat = jget(r->in[i].doc, "latency");
        double all_n = num(jget(lat, "all"), "count");
        char lab[256];
        snprintf(lab, sizeof lab, "%d: %.200s", i + 1, r->in[i].label);
        data_label(&d, lab);
        for (int j = 0; j < nc; j++) {
            double s = num(jget(lat, classes[j]), "sum");
            mmusim_buf_str(&d, " ");
            gp_num(&d, all_n > 0 && !isnan(s) ? s / all_n : 0);
        }
        mmusim_buf_str(&d, "\n");
    }
    const char *data = cli_plots_data(r->plots, &d);
    mmusim_buf_printf(&c,
                  "DATA = %s\n"
                  "set style data histograms\nset style histogram rowstacked\n"
                  "set style fill solid 0.9 border rgb \"white\"\nset boxwidth 0.7\n"
                  "set yrange [0:*]\nset ylabel \"cycles per translation\"\n"
                  "set key outside right top vertical\nset grid noxtics ytics\nset xtics nomirror\n",
                  data ? data : "\"\"");
    if (r->n > 4)
        mmusim_buf_str(&c, "set xtics rotate by -40\n");
    /* left: every outcome; right: all but L1 hits, whose cycles hide the rest */
    mmusim_buf_str(&c, "set multiplot layout 1,2\nset title \"all outcomes\"\nunset key\n");
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        mmusim_buf_str(&c, "plot ");
        for (int j = 0; j < nc; j++) {
            if (pass == 1 && strcmp(classes[j], "l1_hit") == 0)
                continue;
            mmusim_buf_printf(&c, "%sDATA using %d%s lc rgb \"%s\" title ", first ? "" : ", ", j + 2,
                          first ? ":xtic(1)" : "", class_color(classes[j]));
            mmusim_buf_gpstr(&c, classes[j]);
            first = 0;
        }
        if (first) /* nothing but L1 hits */
            mmusim_buf_str(&c, "DATA using (0):xtic(1) notitle");
        mmusim_buf_str(&c, "\n");
        if (pass == 0)
            mmusim_buf_str(&c, "set title \"beyond the L1 TLB\"\nset key top right opaque\n");
    }
    mmusim_buf_str(&c, "unset multiplot\n");
    figure(r, 960, r->n > 4 ? 420 : 360,
           "Mean translation latency by outcome: cycles per translation spent in each", &c);
    mmusim_buf_free(&d);
    mmusim_buf_free(&c);
}

static void plot_compare_cdf(rep *r)
{
    if (r->n > MAX_CDF_OVERLAY) {
        mmusim_buf_printf(&r->page,
                      "<p class=\"note\">More than %d results: their latency CDFs are drawn only in each "
                      "result's section.</p>\n",
                      MAX_CDF_OVERLAY);
        return;
    }
    static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};
    cdf_set s = {.ymin = NAN};
    double lo = INFINITY, hi = -INFINITY, a, bb;
    for (int i = 0; i < r->n; i++)
        if (cdf_bounds(jget(jget(r->in[i].doc, "latency"), "all"), &a, &bb)) {
            lo = fmin(lo, a);
            hi = fmax(hi, bb);
        }
    if (lo > hi)
        return;
    s.xlo = lo;
    s.xhi = hi;
    int logx = lo >= 1 && hi / lo >= 8;
    double xend = logx ? hi * 1.25 : hi + (hi - lo > 20 ? 0.05 * (hi - lo) : 1);
    for (int i = 0; i < r->n; i++) {
        json_t *c = jget(jget(r->in[i].doc, "latency"), "all");
        if (!cdf_bounds(c, &a, &bb))
            continue;
        char title[256];
        snprintf(title, sizeof title, "%d: %.200s", i + 1, r->in[i].label);
        cdf_block(&s, c, title, palette[i % (int)(sizeof palette / sizeof palette[0])], xend);
    }
    cdf_figure(r, &s, "Latency of all translations, input by input: CDF (left) and tail (right)");
    cdf_free(&s);
}

static int in_all(const rep *r, const char *key)
{
    for (int i = 0; i < r->n; i++)
        if (!path_get(r->in[i].doc, key))
            return 0;
    return 1;
}

static void comparison(rep *r)
{
    mmusim_buf *b = &r->page;
    mmusim_buf_str(b, "<section id=\"compare\">\n<h2>Comparison</h2>\n");
    /* the heatmap's axes and metric */
    const char *xkey = r->xkey, *ykey = r->ykey, *metric = r->metric;
    /* keys that every input has first (a key of one array only is a poor axis) */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; !xkey && i < r->nvaried; i++)
            if ((!ykey || strcmp(r->varied[i], ykey) != 0) && (pass || in_all(r, r->varied[i])))
                xkey = r->varied[i];
        for (int i = 0; !ykey && xkey && i < r->nvaried; i++)
            if (strcmp(r->varied[i], xkey) != 0 && (pass || in_all(r, r->varied[i])))
                ykey = r->varied[i];
    }
    char defmetric[64];
    if (!metric) {
        int walks = 1;
        for (int i = 0; i < r->n; i++) {
            double x;
            walks &= jnum(path_get(r->in[i].doc, "walker.walks"), &x);
        }
        if (walks) {
            metric = "walker.walks";
        } else {
            snprintf(defmetric, sizeof defmetric, "tlb_levels.-1.misses");
            metric = defmetric;
        }
    }

    mmusim_buf_str(b, "<div class=\"wide\"><table><tr><th>#</th><th class=\"l\">result</th>");
    for (int k = 0; k < r->nvaried; k++) {
        mmusim_buf_str(b, "<th class=\"varied\">");
        const char *nm = r->varied[k];
        mmusim_buf_html(b, strncmp(nm, "config.", 7) == 0 ? nm + 7 : nm);
        mmusim_buf_str(b, "</th>");
    }
    int extra = strcmp(metric, "walker.walks") != 0;
    mmusim_buf_str(b, "<th>accesses</th><th>L1 misses</th><th>last-level misses</th><th>walks</th>"
                  "<th>faults</th><th>mean latency</th><th>p99</th><th>max</th>");
    if (extra) {
        mmusim_buf_str(b, "<th>");
        mmusim_buf_html(b, metric);
        mmusim_buf_str(b, "</th>");
    }
    mmusim_buf_str(b, "</tr>\n");
    for (int i = 0; i < r->n; i++) {
        json_t *doc = r->in[i].doc;
        mmusim_buf_printf(b, "<tr><td>%d</td><td class=\"l\"><a href=\"#r%d\">", i + 1, i + 1);
        mmusim_buf_html(b, r->in[i].name);
        mmusim_buf_str(b, "</a></td>");
        for (int k = 0; k < r->nvaried; k++) {
            char *t = value_text(path_get(doc, r->varied[k]));
            mmusim_buf_str(b, "<td class=\"varied\">");
            mmusim_buf_html(b, t ? t : "?");
            mmusim_buf_str(b, "</td>");
            free(t);
        }
        json_t *lv = jget(doc, "tlb_levels");
        td_json(b, jget(doc, "accesses"));
        td_json(b, jget(json_array_get(lv, 0), "misses"));
        td_json(b, jget(json_array_get(lv, json_array_size(lv) ? json_array_size(lv) - 1 : 0), "misses"));
        td_json(b, path_get(doc, "walker.walks"));
        double faults = 0, x;
        const char *k;
        json_t *v;
        json_object_foreach(jget(doc, "faults"), k, v) if (jnum(v, &x)) faults += x;
        td_num(b, faults);
        json_t *all = jget(jget(doc, "latency"), "all");
        td_num(b, num(all, "mean"));
        td_json(b, jget(all, "p99"));
        td_json(b, jget(all, "max"));
        if (extra) {
            json_t *m = path_get(doc, metric);
            td_num(b, jnum(m, &x) ? x : NAN);
        }
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table></div>\n");

    mmusim_buf_str(b, "<h3>Heatmap</h3>\n");
    if (xkey) {
        heatmap(r, metric, xkey, ykey);
        if (r->nvaried > 2 && !r->xkey && !r->ykey) {
            mmusim_buf_str(b, "<p class=\"note\">Also varying:");
            for (int i = 0; i < r->nvaried; i++)
                if (strcmp(r->varied[i], xkey) && (!ykey || strcmp(r->varied[i], ykey))) {
                    mmusim_buf_str(b, " <code>");
                    mmusim_buf_html(b, r->varied[i]);
                    mmusim_buf_str(b, "</code>");
                }
            mmusim_buf_str(b, " (choose the axes with <code>--x KEY --y KEY</code>).</p>\n");
        }
    } else {
        mmusim_buf_str(b, "<p class=\"note\">No configuration key differs across the inputs, so there is no "
                      "heatmap (choose its axes with <code>--x KEY --y KEY</code>).</p>\n");
    }
    mmusim_buf_str(b, "<h3>Latency by outcome</h3>\n");
    plot_compare_bars(r);
    plot_compare_cdf(r);
    mmusim_buf_str(b, "</section>\n");
}

/* ---- the page ---- */

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;color:#222;"
    "margin:0;background:#eef0f3}\n"
    "main{max-width:1060px;margin:0 auto;padding:12px 28px 40px;background:#fff;min-height:100vh}\n"
    "h1{font-size:24px;margin:10px 0 2px}\n"
    "h2{font-size:20px;border-bottom:2px solid #3b6ea5;padding-bottom:3px;margin:36px 0 6px}\n"
    "h3{font-size:15px;margin:22px 0 6px;color:#3b6ea5}\n"
    "table{border-collapse:collapse;margin:6px 0 12px;font-size:13px;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:3px 9px;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}\n"
    "th{background:#eef2f7;font-weight:600}\n"
    "td:first-child,th:first-child,td.l,th.l{text-align:left}\n"
    "tr.zero td{color:#9a9a9a}\n"
    "caption{text-align:left;font-weight:600;padding:2px 0 4px;color:#444}\n"
    ".wide{overflow-x:auto}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:10px 0}\n"
    ".card{background:#f2f5f9;border-radius:6px;padding:6px 10px}\n"
    ".card .v{font-size:18px;font-weight:600;font-variant-numeric:tabular-nums}\n"
    ".card .k{font-size:12px;color:#555}\n"
    ".cfg{display:flex;flex-wrap:wrap;gap:0 22px;align-items:flex-start}\n"
    ".cfg td.val{text-align:left}\n"
    ".varied,tr.varied td{background:#fff3bf}\n"
    "figure.plot{margin:12px 0 16px}\n"
    "figure.plot svg{max-width:100%;height:auto;display:block;border:1px solid #e3e6ea}\n"
    "figcaption{font-size:13px;font-weight:600;color:#444;margin-bottom:4px}\n"
    ".notice{background:#fff4e5;border:1px solid #f0a040;border-radius:6px;padding:10px 14px;margin:12px 0}\n"
    ".missing{background:#fdecea;border:1px dashed #d9534f;border-radius:4px;padding:8px 12px;color:#8a1f1a;"
    "margin:0}\n"
    ".note,.meta,.path{color:#555;font-size:13px;margin:4px 0}\n"
    ".path{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;word-break:break-all}\n"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}\n"
    "code{background:#f1f3f5;padding:0 3px;border-radius:3px;font-size:12.5px}\n"
    "nav ol{margin:4px 0;padding-left:24px}\n"
    "footer{margin-top:40px;color:#777;font-size:12px;border-top:1px solid #e3e6ea;padding-top:8px}\n";

static void build_page(rep *r)
{
    mmusim_buf *b = &r->page;
    const char *title = r->title ? r->title : "mmusim report";
    mmusim_buf_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    mmusim_buf_html(b, title);
    mmusim_buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>", css);
    mmusim_buf_html(b, title);
    mmusim_buf_printf(b, "</h1>\n<p class=\"meta\">%d result%s of <code>mmusim run</code>.</p>\n", r->n,
                  r->n == 1 ? "" : "s");
    mmusim_buf_str(b, MARK_S "N" MARK_S);
    if (r->n > 1) {
        mmusim_buf_str(b, "<nav><p><a href=\"#compare\">Comparison</a> of the results:</p><ol>\n");
        for (int i = 0; i < r->n; i++) {
            mmusim_buf_printf(b, "<li><a href=\"#r%d\">", i + 1);
            mmusim_buf_html(b, r->in[i].name);
            mmusim_buf_str(b, "</a>");
            if (r->nvaried) {
                mmusim_buf_str(b, " — ");
                mmusim_buf_html(b, r->in[i].label);
            }
            mmusim_buf_str(b, "</li>\n");
        }
        mmusim_buf_str(b, "</ol></nav>\n");
        comparison(r);
    }
    for (int i = 0; i < r->n; i++)
        result_section(r, i);
    mmusim_buf_str(b, "<footer>Made by <code>mmusim report</code> (mmusim " MMUSIM_VERSION_STRING ")" MARK_S "V" MARK_S
                  ". Self-contained: no scripts, nothing fetched.</footer>\n</main>\n</body>\n</html>\n");
}

/* The page with its marks replaced by the plots, the notice and the version. */
static int finish_page(rep *r, mmusim_buf *out)
{
    const char *unavail = cli_plots_unavailable(r->plots);
    int failed = unavail ? 0 : cli_plots_run(r->plots) != 0;
    if (failed) {
        /* gnuplot ran but some plots are missing: say so on the terminal too */
        fprintf(stderr, "mmusim report: warning: some plots are missing: %s\n", cli_plots_error(r->plots, 0));
    }
    const char *p = r->page.p;
    while (*p) {
        const char *m = strchr(p, MARK);
        if (!m) {
            mmusim_buf_str(out, p);
            break;
        }
        mmusim_buf_add(out, p, (size_t)(m - p));
        const char *end = strchr(m + 1, MARK);
        if (!end)
            return -1;
        if (m[1] == 'P') {
            int id = atoi(m + 2);
            const char *svg = cli_plots_svg(r->plots, id);
            if (svg) {
                mmusim_buf_str(out, svg);
            } else {
                mmusim_buf_str(out, "<p class=\"missing\">Plot missing: ");
                mmusim_buf_html(out, unavail ? unavail : cli_plots_error(r->plots, id));
                mmusim_buf_str(out, ".</p>");
            }
        } else if (m[1] == 'N') {
            if (unavail) {
                mmusim_buf_str(out, "<div class=\"notice\" id=\"plots-missing\"><strong>Plots are missing:</strong> ");
                mmusim_buf_html(out, unavail);
                mmusim_buf_str(out, ". The tables are complete. To draw the plots, install gnuplot (on Debian: "
                                "<code>apt-get install gnuplot-nox</code>), or point <code>MMUSIM_GNUPLOT</code> "
                                "at it, and run <code>mmusim report</code> again.</div>\n");
            } else if (failed) {
                mmusim_buf_str(out, "<div class=\"notice\" id=\"plots-missing\"><strong>Some plots are missing:"
                                "</strong> ");
                mmusim_buf_html(out, cli_plots_error(r->plots, 0));
                mmusim_buf_str(out, ".</div>\n");
            }
        } else if (m[1] == 'V') {
            const char *v = cli_plots_version(r->plots);
            if (v) {
                mmusim_buf_str(out, "; plots drawn by ");
                mmusim_buf_html(out, v);
            } else {
                mmusim_buf_str(out, "; no plots");
            }
        }
        p = end + 1;
    }
    if (unavail)
        fprintf(stderr, "mmusim report: warning: the page has no plots: %s\n", unavail);
    return out->oom ? -1 : 0;
}

/* Write the page: a regular file replaced atomically, a device, FIFO or "-"
 * written in place (mmusim_ofile, docs/outputs.md). */
static int write_atomic(const char *path, const mmusim_buf *b)
{
    char err[1024];
    mmusim_ofile *of;
    if (mmusim_ofile_open(path, &of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim report: %s\n", err);
        return -1;
    }
    const char *p = b->p;
    size_t n = b->n;
    while (n) {
        ssize_t w = write(mmusim_ofile_fd(of), p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "mmusim report: %s: write error: %s\n", path, w < 0 ? strerror(errno) : "short write");
            mmusim_ofile_abort(of);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    if (mmusim_ofile_commit(of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim report: %s\n", err);
        return -1;
    }
    return 0;
}

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
