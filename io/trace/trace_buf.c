/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_buf.c - the buffer beneath every trace reader, and its errors.
 *
 * Traces run to hundreds of millions of accesses, so the readers are built
 * for throughput: the decompressed data (io/stream.c does the
 * decompression) arrives in a 128 KiB buffer padded with zero bytes, and the
 * format files parse it in place.  For the line formats the buffer is cut
 * after its last newline; everything before that cut is whole lines, so the
 * parsers scan each line up to its '\n' without any end-of-buffer check (a
 * last line without a newline gets one appended).  The binary formats ask
 * for the bytes of the next record with tbt_fill().
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/io/stream.h"
#include "trace_impl.h"

/* ---- errors ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 5, 0)))
#endif
static int vfail(mmusim_trace *t, const char *where, uint64_t n, int code, const char *fmt, va_list ap)
{
    int k;
    if (n)
        k = snprintf(t->errmsg, sizeof t->errmsg, "%s%s%" PRIu64 ": ", mmusim_stream_name(t->st), where, n);
    else
        k = snprintf(t->errmsg, sizeof t->errmsg, "%s: ", mmusim_stream_name(t->st));
    if (k < 0 || (size_t)k >= sizeof t->errmsg)
        k = 0;
    vsnprintf(t->errmsg + k, sizeof t->errmsg - (size_t)k, fmt, ap);
    t->err_code = code;
    return code;
}

int tbt_fail_line(mmusim_trace *t, uint64_t line, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfail(t, ":", line, code, fmt, ap);
    va_end(ap);
    return r;
}

int tbt_fail_record(mmusim_trace *t, uint64_t record, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfail(t, ": record ", record, code, fmt, ap);
    va_end(ap);
    return r;
}

/*
 * A stream error ("FILE: truncated zstd stream") gets the position the
 * reader had reached: "FILE:LINE: ... (after N whole lines)", or for the
 * binary formats "FILE: record N: ... (after N-1 whole records)", or, before
 * the format is known and nothing was read, "FILE: ... (at the start of the
 * data)".  Everything
 * before that position was read and handed out.
 */
static void stream_error_position(mmusim_trace *t)
{
    char msg[MMUSIM_TRACE_MSG];
    const char *name = mmusim_stream_name(t->st);
    size_t nl = strlen(name);
    const char *m = t->errmsg;
    if (strncmp(m, name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
        m += nl + 2;
    snprintf(msg, sizeof msg, "%s", m);
    if (t->fmt == MMUSIM_FMT_AUTO && t->line == 0)
        tbt_fail_line(t, 0, t->err_code, "%s (at the start of the data)", msg);
    else if (t->ops->records)
        tbt_fail_record(t, t->record + 1, t->err_code, "%s (after %" PRIu64 " whole records)", msg,
                        t->record);
    else
        tbt_fail_line(t, t->line + 1, t->err_code, "%s (after %" PRIu64 " whole lines)", msg, t->line);
}

/* ---- refilling ---- */

/*
 * Move the unread bytes to the front of the buffer and read more after
 * them.  Returns 0 (t->eof set at the end of the stream) or an error.
 */
static int refill(mmusim_trace *t)
{
    size_t rem = t->len - t->pos;
    if (t->pos) {
        memmove(t->buf, t->buf + t->pos, rem);
        t->pos = t->lim = 0;
        t->len = rem;
    }
    long r = mmusim_stream_read(t->st, t->buf + t->len, t->cap - t->len, t->errmsg,
                            sizeof t->errmsg);
    if (r < 0) {
        t->err_code = (int)r;
        stream_error_position(t);
        return (int)r;
    }
    if (r == 0) {
        t->eof = 1;
    } else {
        size_t got = (size_t)r;
        if (t->drop_line) {
            /* the middle of a long comment line: keep from its '\n' on */
            char *nb = t->buf + t->len;
            char *nl = memchr(nb, '\n', got);
            if (nl) {
                got -= (size_t)(nl - nb);
                memmove(nb, nl, got);
                t->drop_line = 0;
            } else {
                got = 0;
            }
        }
        t->len += got;
    }
    memset(t->buf + t->len, 0, MMUSIM_TRACE_PAD);
    return 0;
}

long tbt_read_into(mmusim_trace *t, void *dst, size_t n)
{
    if (t->err_code)
        return t->err_code;
    long r = mmusim_stream_read(t->st, dst, n, t->errmsg, sizeof t->errmsg);
    if (r < 0) {
        t->err_code = (int)r;
        stream_error_position(t);
        return r;
    }
    if (r == 0)
        t->eof = 1;
    return r;
}

int tbt_fill(mmusim_trace *t, size_t need)
{
    if (t->err_code)
        return t->err_code;
    while (t->len - t->pos < need && !t->eof) {
        int rc = refill(t);
        if (rc < 0)
            return rc;
    }
    memset(t->buf + t->len, 0, MMUSIM_TRACE_PAD);
    return 0;
}

/* Bytes of a long comment line kept: enough to quote it in a message. */
#define MMUSIM_COMMENT_KEEP 128

int tbt_advance(mmusim_trace *t)
{
    for (;;) {
        size_t rem = t->len - t->pos;
        if (rem) {
            const char *b = t->buf + t->pos;
            size_t i = rem;
            while (i > 0 && b[i - 1] != '\n')
                i--;
            if (i > 0) {
                t->lim = t->pos + i;
                return 1;
            }
        }
        /* rem bytes without a newline: the start of one line */
        if (rem > MMUSIM_TRACE_MAX_LINE + 1) {
            if (!tbt_comment_line(t->ops, t->buf + t->pos))
                return tbt_fail_line(t, t->line + 1, MMU_EPARSE, "line longer than %d bytes",
                                     MMUSIM_TRACE_MAX_LINE);
            /* keep the start of the comment, drop the rest of it as it arrives */
            t->len = t->pos + MMUSIM_COMMENT_KEEP;
            memset(t->buf + t->len, 0, MMUSIM_TRACE_PAD);
            t->drop_line = !t->eof;
            continue;
        }
        if (t->eof) {
            if (rem == 0)
                return 0;
            t->buf[t->len++] = '\n'; /* a last line without a newline */
            memset(t->buf + t->len, 0, MMUSIM_TRACE_PAD);
            continue;
        }
        int rc = refill(t);
        if (rc < 0)
            return rc;
    }
}
