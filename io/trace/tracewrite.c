/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracewrite.c - writing traces (see tracewrite.h): each access is
 * formatted by its format's write (trace_<name>.c, through the table in
 * trace_formats.c) into a 1 MiB buffer by hand (no printf per access), and
 * the buffer goes to a mmusim_ostream, which compresses it and writes it
 * under a temporary name until the writer is closed.
 */
#include "mmusim/io/tracewrite.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_impl.h"

#define MMUSIM_WRITER_MAX_SIZE 4096

void mmusim_writer_opts_init(mmusim_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = MMUSIM_FMT_TEXT;
    o->comp = MMUSIM_COMP_NONE;
    o->fields = MMUSIM_FIELDS_ALL;
}

int tbt_writer_fail(mmusim_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mmusim_vname_msg(w->errmsg, sizeof w->errmsg, w->name, fmt, ap);
    va_end(ap);
    w->err_code = code;
    return code;
}

static int flush(mmusim_writer *w)
{
    if (w->len == 0)
        return 0;
    int rc = mmusim_ostream_write(w->os, w->buf, w->len, w->errmsg, sizeof w->errmsg);
    w->len = 0;
    if (rc < 0)
        w->err_code = rc;
    return rc;
}

/* ---- API ---- */

int mmusim_writer_open(const char *path, const mmusim_writer_opts *o, mmusim_writer **out, char *err,
                   size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !o || !out || (unsigned)o->comp >= MMUSIM_COMP_COUNT) {
        mmusim_copy_msg(err, errlen, "mmusim_writer_open: invalid argument");
        return MMU_EINVAL;
    }
    if (!mmusim_format_writable(o->format)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot write the %s format%s", path, mmusim_format_name(o->format),
                     mmusim_format_unwritable_reason(o->format));
        return MMU_EINVAL;
    }
    mmusim_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->buf = malloc(MMUSIM_WRITER_BUF)) ||
        !(w->name = strdup(strcmp(path, "-") == 0 ? "<stdout>" : path))) {
        if (w) {
            free(w->buf);
            free(w);
        }
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return MMU_ENOMEM;
    }
    w->fmt = o->format;
    w->ops = tbt_formats[o->format];
    int rc = mmusim_ostream_open(path, o->comp, o->level, &w->os, err, errlen);
    if (rc < 0) {
        free(w->buf);
        free(w->name);
        free(w);
        return rc;
    }
    if (w->ops->write_begin && w->ops->write_begin(w, o) < 0) {
        mmusim_copy_msg(err, errlen, w->errmsg);
        rc = w->err_code;
        mmusim_writer_abort(w);
        return rc;
    }
    *out = w;
    return 0;
}

int mmusim_writer_write(mmusim_writer *w, const mmusim_access *a, size_t n, char *err, size_t errlen)
{
    if (!w || (!a && n)) {
        mmusim_copy_msg(err, errlen, "mmusim_writer_write: invalid argument");
        return MMU_EINVAL;
    }
    for (size_t i = 0; i < n && !w->err_code; i++) {
        const mmusim_access *x = &a[i];
        if (x->type >= MMU_ACCESS_TYPES || (uint32_t)x->size - 1 >= MMUSIM_WRITER_MAX_SIZE) {
            if (x->type >= MMU_ACCESS_TYPES)
                tbt_writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": bad access type %u", w->accesses + 1,
                            x->type);
            else
                tbt_writer_fail(w, MMU_ERANGE, "access %" PRIu64 ": size %u out of range 1..%d",
                            w->accesses + 1, x->size, MMUSIM_WRITER_MAX_SIZE);
            break;
        }
        if (MMUSIM_WRITER_BUF - w->len < MMUSIM_WRITER_MAX_RECORD && flush(w) < 0)
            break;
        char *p = w->buf + w->len;
        p = w->ops->write(w, p, x);
        if (!p)
            break;
        w->len = (size_t)(p - w->buf);
        w->accesses++;
    }
    if (w->err_code) {
        mmusim_copy_msg(err, errlen, w->errmsg);
        return w->err_code;
    }
    return 0;
}

uint64_t mmusim_writer_accesses(const mmusim_writer *w)
{
    return w ? w->accesses : 0;
}

int mmusim_writer_close(mmusim_writer *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    if (!w->err_code)
        flush(w);
    if (!w->err_code && w->ops->write_end)
        w->ops->write_end(w);
    if (!w->err_code) {
        mmusim_ostream *os = w->os;
        w->os = NULL;
        int rc = mmusim_ostream_close(os, w->errmsg, sizeof w->errmsg);
        if (rc < 0)
            w->err_code = rc;
    }
    int rc = w->err_code;
    if (rc)
        mmusim_copy_msg(err, errlen, w->errmsg);
    mmusim_writer_abort(w);
    return rc;
}

void mmusim_writer_abort(mmusim_writer *w)
{
    if (!w)
        return;
    mmusim_ostream_abort(w->os);
    free(w->buf);
    free(w->name);
    free(w);
}
