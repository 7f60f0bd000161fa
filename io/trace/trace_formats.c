/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_formats.c - the table of trace formats, indexed by mmusim_format,
 * and what is answered from it alone: names, fields, which formats can be
 * written, output suffixes.  A new format is a file of its own (see
 * trace_impl.h), a value in mmusim_format (include/mmusim/io/trace.h) and a
 * line here.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mmusim/io/trace.h"
#include "mmusim/io/tracewrite.h"
#include "trace_impl.h"
#include "trace_line.h"

/* "auto": the format is told from the data (trace.c).  Its comment lines are
 * those of every line format, until one is chosen. */
const tbt_format tbt_format_auto = {
    .name = "auto",
    .open = tbt_line_open,
    .comments = TBT_COMMENT_HASH | TBT_COMMENT_VALGRIND,
};

const tbt_format *const tbt_formats[MMUSIM_FMT_COUNT] = {
    [MMUSIM_FMT_AUTO] = &tbt_format_auto,
    [MMUSIM_FMT_TEXT] = &tbt_format_text,
    [MMUSIM_FMT_LACKEY] = &tbt_format_lackey,
    [MMUSIM_FMT_DIN] = &tbt_format_din,
    [MMUSIM_FMT_BINARY] = &tbt_format_binary,
    [MMUSIM_FMT_CHAMPSIM] = &tbt_format_champsim,
};

const char *mmusim_format_name(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT ? tbt_formats[f]->name : "?";
}

mmusim_format mmusim_format_parse(const char *name)
{
    if (!name)
        return MMUSIM_FMT_COUNT;
    for (int i = 0; i < MMUSIM_FMT_COUNT; i++)
        if (strcasecmp(name, tbt_formats[i]->name) == 0)
            return (mmusim_format)i;
    for (int i = 0; i < MMUSIM_FMT_COUNT; i++)
        if (tbt_formats[i]->alias && strcasecmp(name, tbt_formats[i]->alias) == 0)
            return (mmusim_format)i;
    return MMUSIM_FMT_COUNT;
}

/* The names (suffix: the first suffixes) of all formats, or of the writable
 * ones, joined by ", " (suffixes: " or " before the last) into buf. */
static const char *join(char *buf, size_t len, int writable, int suffix)
{
    size_t n = 0, k = 0, count = 0;
    for (int i = 0; i < MMUSIM_FMT_COUNT; i++)
        count += !writable || tbt_formats[i]->write;
    buf[0] = '\0';
    for (int i = 0; i < MMUSIM_FMT_COUNT && n < len; i++) {
        const tbt_format *f = tbt_formats[i];
        if (writable && !f->write)
            continue;
        const char *sep = k == 0 ? "" : suffix && k + 1 == count ? " or " : ", ";
        int w = snprintf(buf + n, len - n, "%s%s", sep, suffix ? f->suffixes[0] : f->name);
        if (w < 0)
            break;
        n += (size_t)w;
        k++;
    }
    return buf;
}

/* The lists for messages, built once from the table. */
static char all_names[256], writable_names[256], writable_suffixes[256];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void build_lists(void)
{
    join(all_names, sizeof all_names, 0, 0);
    join(writable_names, sizeof writable_names, 1, 0);
    join(writable_suffixes, sizeof writable_suffixes, 1, 1);
}

const char *mmusim_format_list(void)
{
    pthread_once(&lists_once, build_lists);
    return all_names;
}

const char *mmusim_format_writable_list(void)
{
    pthread_once(&lists_once, build_lists);
    return writable_names;
}

const char *mmusim_format_writable_suffixes(void)
{
    pthread_once(&lists_once, build_lists);
    return writable_suffixes;
}

unsigned mmusim_format_fields(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT ? tbt_formats[f]->fields : 0;
}

int mmusim_format_writable(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT && tbt_formats[f]->write != NULL;
}

const char *mmusim_format_unwritable_reason(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT && tbt_formats[f]->no_write ? tbt_formats[f]->no_write : "";
}

void mmusim_output_kind(const char *path, mmusim_format *fmt, mmusim_compression *comp)
{
    size_t stem = 0;
    mmusim_compression c = mmusim_compression_from_name(path, &stem);
    if (comp)
        *comp = c;
    if (fmt)
        *fmt = MMUSIM_FMT_AUTO;
    for (int i = 0; path && fmt && i < MMUSIM_FMT_COUNT; i++) {
        for (const char *const *s = tbt_formats[i]->suffixes; *s; s++) {
            size_t k = strlen(*s);
            if (stem > k && memcmp(path + stem - k, *s, k) == 0) {
                *fmt = (mmusim_format)i;
                return;
            }
        }
    }
}
