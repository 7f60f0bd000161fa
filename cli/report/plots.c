/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plots.c - `mmusim report`: one result's plots: latency CDF, breakdown by outcome, timeline.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_internal.h"

/* ---- plots ---- */

/* Register a plot and put its figure (a placeholder for now) in the page. */
void figure(rep *r, int w, int h, const char *caption, const mmusim_buf *cmds){
    int id = cmds->oom ? -1 : cli_plots_add(r->plots, w, h, caption, cmds->p ? cmds->p : "");
    mmusim_buf_str(&r->page, "<figure class=\"plot\"><figcaption>");
    mmusim_buf_html(&r->page, caption);
    mmusim_buf_printf(&r->page, "</figcaption>" MARK_S "P%d" MARK_S "</figure>\n", id);
}


/* Bounds of one class's CDF. */
int cdf_bounds(json_t *c, double *lo, double *hi){
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
void cdf_block(cdf_set *s, json_t *c, const char *title, const char *color, double xend){
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
void cdf_figure(rep *r, cdf_set *s, const char *caption){
    const char *what = s->what ? s->what : "translations";
    if (!s->blocks) {
        mmusim_buf_printf(&r->page, "<p class=\"note\">No %s: no latency distribution to plot.</p>\n", what);
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
    mmusim_buf_printf(&c, "set ylabel \"fraction of %s <= x\"\nset yrange [0:1.02]\n"
                      "set title \"CDF of %s latency (x: cycles)\"\n", what,
                      s->what ? "walk" : "translation");
    mmusim_buf_add(&c, s->plot1.p, s->plot1.n);
    mmusim_buf_printf(&c, "\nset ylabel \"fraction of %s > x\"\n"
                      "set logscale y\nset format y \"%%g\"\n", what);
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

void cdf_free(cdf_set *s){
    mmusim_buf_free(&s->data);
    mmusim_buf_free(&s->plot1);
    mmusim_buf_free(&s->plot2);
}

void plot_cdf(rep *r, json_t *doc){
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

/*
 * A virtualized run (the JSON "virt" object): the latency distribution of its
 * two-dimensional walks (virt.walk_latency), guest and host references
 * together.  Nothing for a native run.
 */
void plot_virt(rep *r, json_t *doc){
    json_t *c = jget(jget(doc, "virt"), "walk_latency");
    double lo, hi;
    if (!json_is_object(c) || !cdf_bounds(c, &lo, &hi))
        return;
    cdf_set s = {.ymin = NAN, .what = "2D walks"};
    s.xlo = lo;
    s.xhi = hi;
    int logx = lo >= 1 && hi / lo >= 8;
    double xend = logx ? hi * 1.25 : hi + (hi - lo > 20 ? 0.05 * (hi - lo) : 1);
    char title[128];
    snprintf(title, sizeof title, "2D walks (%.0f)", num(c, "count"));
    cdf_block(&s, c, title, class_color("walk"), xend);
    cdf_figure(r, &s, "Latency of the two-dimensional walks (guest and host references): CDF (left) and tail (right)");
    cdf_free(&s);
}

/* Share of translations and of cycles by outcome: two stacked bars. */
void plot_breakdown(rep *r, json_t *doc){
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

void plot_timeline(rep *r, json_t *doc){
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
