/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tables.c - `mmusim report`: one result's tables: summary cards, latency, TLBs, walker, faults, OS, configuration.
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

/* ---- tables ---- */

void card(mmusim_buf *b, const char *key, const char *value){
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

/* A table of obj's scalar members, one row each (objects and arrays left out). */
static void scalars_table(mmusim_buf *b, const char *caption, json_t *obj)
{
    const char *k;
    json_t *v;
    mmusim_buf_str(b, "<table><caption>");
    mmusim_buf_html(b, caption);
    mmusim_buf_str(b, "</caption>\n");
    json_object_foreach(obj, k, v) {
        if (json_is_object(v) || json_is_array(v))
            continue;
        mmusim_buf_str(b, "<tr><td>");
        mmusim_buf_html(b, k);
        mmusim_buf_str(b, "</td>");
        td_json(b, v);
        mmusim_buf_str(b, "</tr>\n");
    }
    mmusim_buf_str(b, "</table>\n");
}

/* A JSON key as a caption: underscores become spaces. */
static void key_caption(char *cap, size_t n, const char *key)
{
    snprintf(cap, n, "%s", key);
    for (char *c = cap; *c; c++)
        if (*c == '_')
            *c = ' ';
}

/* The OS model's figures, when the run had one: its scalars, then each
 * object member as a one-row table and each array of objects as a table. */
static void os_tables(mmusim_buf *b, json_t *doc)
{
    json_t *os = jget(doc, "os");
    if (!json_is_object(os))
        return;
    mmusim_buf_str(b, "<h3>Operating system model</h3>\n");
    scalars_table(b, "Memory and paging", os);
    const char *k;
    json_t *v;
    json_object_foreach(os, k, v) {
        char cap[200];
        key_caption(cap, sizeof cap, k);
        if (json_is_object(v))
            row_table(b, cap, v);
        else if (json_is_array(v))
            table_of_array(b, cap, v);
    }
}

/* ---- virtualization (issue 13): the JSON "virt" object, only in virtualized runs ---- */
static void virt_tables(mmusim_buf *b, json_t *doc)
{
    json_t *vt = jget(doc, "virt");
    if (!json_is_object(vt))
        return;
    mmusim_buf_str(b, "<h3>Virtualization</h3>\n");
    scalars_table(b, "Two-dimensional walks", vt);
    const char *k;
    json_t *v;
    json_object_foreach(vt, k, v) {
        char cap[200];
        key_caption(cap, sizeof cap, k);
        if (json_is_object(v)) {
            json_t *flat = json_object(); /* scalars only (walk_latency's histogram is left out) */
            const char *k2;
            json_t *x;
            json_object_foreach(v, k2, x) if (!json_is_object(x) && !json_is_array(x))
                json_object_set(flat, k2, x);
            row_table(b, cap, flat);
            json_decref(flat);
        } else if (json_is_array(v)) {
            json_t *rows = json_array(), *row; /* per VM: scalars, and exits.KIND as "exits KIND" */
            size_t i;
            json_array_foreach(v, i, row) {
                json_t *flat = json_object();
                const char *k2;
                json_t *x;
                json_object_foreach(row, k2, x) {
                    if (json_is_object(x)) {
                        const char *k3;
                        json_t *y;
                        json_object_foreach(x, k3, y) {
                            char name[160];
                            snprintf(name, sizeof name, "%s %s", k2, k3);
                            json_object_set(flat, name, y);
                        }
                    } else if (!json_is_array(x)) {
                        json_object_set(flat, k2, x);
                    }
                }
                json_array_append_new(rows, flat);
            }
            table_of_array(b, cap, rows);
            json_decref(rows);
        }
    }
}
/* ---- end virtualization ---- */

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

void result_section(rep *r, int i){
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
    virt_tables(b, in->doc);
    plot_virt(r, in->doc);
    mmusim_buf_str(b, "<h3>Timeline</h3>\n");
    plot_timeline(r, in->doc);
    mmusim_buf_str(b, "<h3>Configuration</h3>\n");
    config_tables(r, in->doc);
    mmusim_buf_str(b, "</section>\n");
}
