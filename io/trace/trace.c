/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace.c - opening a trace, telling its format, and reading it through
 * its format's entry in the table (trace_formats.c; see trace.h and
 * docs/trace-formats.md).  The formats are in trace_<name>.c, the buffer
 * beneath them in trace_buf.c.
 *
 * The format is decided at open time: a binary format by its first bytes
 * (each format's sniff: the mmusim magic number, ChampSim records), and
 * the line formats from the first line that is neither blank, nor a '#'
 * comment, nor a Valgrind '==' line (trace_line.c).
 */
#include "mmusim/io/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/io/stream.h"
#include "trace_async.h"
#include "trace_impl.h"

long mmusim_trace_read(mmusim_trace *t, mmusim_access *buf, size_t max, char *err, size_t errlen)
{
    if (!t || (!buf && max)) {
        mmusim_copy_msg(err, errlen, "mmusim_trace_read: invalid argument");
        return MMU_EINVAL;
    }
    if (t->err_code) {
        mmusim_copy_msg(err, errlen, t->errmsg);
        return t->err_code;
    }
    if (max > (size_t)1 << 30)
        max = (size_t)1 << 30;
    long n = max ? t->ops->read_batch(t, buf, max) : 0;
    if (n > 0) {
        t->accesses += (uint64_t)n;
    } else if (n == 0 && max && t->accesses == 0) {
        n = tbt_fail_line(t, 0, MMU_EPARSE, "empty trace (no accesses)");
    }
    if (n < 0)
        mmusim_copy_msg(err, errlen, t->errmsg);
    return n;
}

/* ---- opening and format detection ---- */

/*
 * Tell a binary format from the first bytes (each format's sniff, in table
 * order).  Binary data (a NUL byte, which no text trace has) that no format
 * claims is refused, zeros alone (/dev/zero, a file of holes) with their own
 * message.  Returns the format, MMUSIM_FMT_AUTO for text, or an error.
 */
static int detect_binary(mmusim_trace *t)
{
    const unsigned char *b = (const unsigned char *)t->buf + t->pos;
    size_t n = t->len - t->pos;
    for (int f = 0; f < MMUSIM_FMT_COUNT; f++)
        if (tbt_formats[f]->sniff && tbt_formats[f]->sniff(b, n))
            return f;
    if (memchr(b, 0, n < MMUSIM_PEEK ? n : MMUSIM_PEEK) == NULL)
        return MMUSIM_FMT_AUTO;
    size_t zeros = 0;
    while (zeros < n && zeros < MMUSIM_PEEK && b[zeros] == 0)
        zeros++;
    if (zeros == n || zeros == MMUSIM_PEEK)
        return tbt_fail_line(t, 0, MMU_EPARSE,
                             "cannot tell the trace format: the data starts with %zu zero bytes "
                             "(not a trace)", zeros);
    return tbt_fail_line(t, 0, MMU_EPARSE,
                         "cannot tell the trace format: binary data that is neither an mmusim "
                         "binary trace (no magic number) nor a ChampSim trace");
}

/*
 * The buffer for a trace: MMUSIM_TRACE_BUF, or for a small regular file
 * what its data can fill (its size, or 8 times that if compressed), rounded
 * up to 4 KiB, and never less than 8 KiB, so that the longest line (4096
 * bytes) and the binary header always fit.  Only the number of refills
 * depends on it (a file that grows while it is read is still read whole).
 */
static size_t trace_buffer_size(const mmusim_stream *st)
{
    uint64_t size = mmusim_stream_file_size(st);
    if (size == 0)
        return MMUSIM_TRACE_BUF;
    if (mmusim_stream_compression(st) != MMUSIM_COMP_NONE)
        size = size < MMUSIM_TRACE_BUF / 8 ? size * 8 : MMUSIM_TRACE_BUF;
    if (size >= MMUSIM_TRACE_BUF)
        return MMUSIM_TRACE_BUF;
    size_t cap = ((size_t)size + 1 + 4095) & ~(size_t)4095;
    return cap < 8192 ? 8192 : cap;
}

static int trace_open(const char *path, mmusim_format fmt, int stream_thread, mmusim_trace **out, char *err,
                      size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out || (unsigned)fmt >= MMUSIM_FMT_COUNT) {
        mmusim_copy_msg(err, errlen, "mmusim_trace_open: invalid argument");
        return MMU_EINVAL;
    }
    mmusim_trace *t = calloc(1, sizeof *t);
    if (!t) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return MMU_ENOMEM;
    }
    int rc = stream_thread ? mmusim_stream_open(path, &t->st, err, errlen)
                           : mmusim_stream_open_unthreaded(path, &t->st, err, errlen);
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->cap = trace_buffer_size(t->st);
    t->buf = malloc(t->cap + 1 + MMUSIM_TRACE_PAD);
    if (!t->buf) {
        rc = tbt_fail_line(t, 0, MMU_ENOMEM, "out of memory");
        goto fail;
    }
    t->fmt = fmt;
    t->ops = tbt_formats[fmt];
    /* The first read is short: enough to tell the format and read a header
     * or the first lines.  The rest of the buffer is touched only when a
     * reader needs it (the reader thread of a binary trace reads into its
     * batches, and never does): a page fault per 4 KiB is not free. */
    const size_t cap = t->cap;
    t->cap = cap < MMUSIM_TRACE_FIRST ? cap : MMUSIM_TRACE_FIRST;
    rc = tbt_fill(t, MMUSIM_PEEK);
    t->cap = cap;
    if (rc < 0)
        goto fail;
    if (t->len == 0) {
        rc = tbt_fail_line(t, 0, MMU_EPARSE, "empty trace (no accesses)");
        goto fail;
    }
    if (fmt == MMUSIM_FMT_AUTO) {
        rc = detect_binary(t);
        if (rc < 0)
            goto fail;
        fmt = (mmusim_format)rc;
    }
    t->fmt = fmt;
    t->ops = tbt_formats[fmt];
    t->fields = t->ops->fields;
    if (t->ops->open) {
        rc = t->ops->open(t); /* auto: tells the line format, and sets fmt, ops and fields */
        if (rc < 0)
            goto fail;
    }
    *out = t;
    return 0;
fail:
    mmusim_copy_msg(err, errlen, t->errmsg);
    mmusim_trace_close(t);
    return rc;
}

int mmusim_trace_open(const char *path, mmusim_format fmt, mmusim_trace **out, char *err, size_t errlen)
{
    return trace_open(path, fmt, 1, out, err, errlen);
}

int tbt_trace_open_unthreaded(const char *path, mmusim_format fmt, mmusim_trace **out, char *err, size_t errlen)
{
    return trace_open(path, fmt, 0, out, err, errlen);
}

uint64_t mmusim_trace_instructions(const mmusim_trace *t)
{
    return t ? t->instructions : 0;
}

mmusim_format mmusim_trace_format(const mmusim_trace *t)
{
    return t ? t->fmt : MMUSIM_FMT_AUTO;
}

const char *mmusim_trace_compression(const mmusim_trace *t)
{
    return mmusim_compression_name(t ? mmusim_stream_compression(t->st) : MMUSIM_COMP_NONE);
}

uint64_t mmusim_trace_bytes_read(const mmusim_trace *t)
{
    return t ? mmusim_stream_bytes_read(t->st) : 0;
}

uint64_t mmusim_trace_file_size(const mmusim_trace *t)
{
    return t ? mmusim_stream_file_size(t->st) : 0;
}

const char *mmusim_trace_name(const mmusim_trace *t)
{
    return t ? mmusim_stream_name(t->st) : "?";
}

uint64_t mmusim_trace_lines(const mmusim_trace *t)
{
    return t ? t->line : 0;
}

uint64_t mmusim_trace_records(const mmusim_trace *t)
{
    return t ? t->record : 0;
}

unsigned mmusim_trace_fields(const mmusim_trace *t)
{
    return t ? t->fields : 0;
}

void mmusim_trace_abort(mmusim_trace *t)
{
    if (t)
        mmusim_stream_abort(t->st);
}

void mmusim_trace_close(mmusim_trace *t)
{
    if (!t)
        return;
    mmusim_stream_close(t->st);
    free(t->buf);
    free(t);
}
