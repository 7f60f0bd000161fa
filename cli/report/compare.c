/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compare.c - `mmusim report`: several results: comparison table, heatmap, bars and overlaid CDFs.
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

/* ---- several results: comparison and heatmap ---- */

/* Configuration keys whose values differ across the inputs, in the order of
 * their first appearance; then trace.path if the traces differ. */
int find_varied(rep *r){
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
void make_labels(rep *r){
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

void heatmap(rep *r, const char *metric, const char *xkey, const char *ykey){
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

void comparison(rep *r){
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
