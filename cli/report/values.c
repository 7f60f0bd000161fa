/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * values.c - `mmusim report`: reading the JSON results, formatting numbers and table cells.
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

/* Outcome classes: colours shared by every plot. */
static const struct {
    const char *name;
    const char *color;
} class_colors[] = {
    {"all", "#222222"},    {"l1_hit", "#2ca02c"}, {"l2_hit", "#1f77b4"}, {"l3_hit", "#17becf"},
    {"l4_hit", "#9467bd"}, {"walk", "#ff7f0e"},   {"fault", "#d62728"},
};

const char *class_color(const char *name){
    for (size_t i = 0; i < sizeof class_colors / sizeof class_colors[0]; i++)
        if (strcmp(class_colors[i].name, name) == 0)
            return class_colors[i].color;
    return "#7f7f7f";
}

size_t class_rank(const char *name){
    size_t i;
    for (i = 0; i < sizeof class_colors / sizeof class_colors[0]; i++)
        if (strcmp(class_colors[i].name, name) == 0)
            break;
    return i;
}

/* ---- JSON access ---- */

json_t *jget(json_t *o, const char *k){
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* A number: JSON integer or real, or a string that is wholly a number with an
 * optional K/M/G/T suffix (powers of 1024, as in configuration sizes). */
int jnum(json_t *v, double *out){
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
double num(json_t *o, const char *k){
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
json_t *path_get(json_t *doc, const char *path){
    json_t *v = resolve(doc, path);
    if (!v && strncmp(path, "config.", 7) != 0)
        v = resolve(jget(doc, "config"), path);
    return v;
}

/* A scalar as text (malloc'd); "(unset)" when missing. */
char *value_text(json_t *v){
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

void fmt_num(char *buf, size_t n, double v){
    if (isnan(v))
        snprintf(buf, n, "—");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else if (fabs(v) >= 1000)
        snprintf(buf, n, "%.1f", v);
    else
        snprintf(buf, n, "%.3f", v);
}

double ratio(double a, double b){
    return b > 0 && !isnan(a) ? a / b : NAN;
}

/* a cell: a JSON value as it is (integers exactly), right aligned */
void td_json(mmusim_buf *b, json_t *v){
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

void td_num(mmusim_buf *b, double v){
    char tmp[64];
    fmt_num(tmp, sizeof tmp, v);
    mmusim_buf_printf(b, "<td>%s</td>", tmp);
}

void td_pct(mmusim_buf *b, double a, double den){
    double r = ratio(a, den);
    if (isnan(r))
        mmusim_buf_str(b, "<td>—</td>");
    else
        mmusim_buf_printf(b, "<td>%.3f%%</td>", 100.0 * r);
}

/* a label inside a gnuplot data file: double quotes, none inside */
void data_label(mmusim_buf *b, const char *s){
    mmusim_buf_add(b, "\"", 1);
    for (; *s; s++)
        mmusim_buf_add(b, *s == '"' ? "'" : ((unsigned char)*s < 0x20 ? "?" : s), 1);
    mmusim_buf_add(b, "\"", 1);
}

void gp_num(mmusim_buf *b, double v){
    if (isnan(v))
        mmusim_buf_str(b, "NaN");
    else
        mmusim_buf_printf(b, "%.10g", v);
}
