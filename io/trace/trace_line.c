/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_line.c - the cold side of the line formats (text, Lackey, din):
 * the messages for bad lines, and telling a line format from the first
 * lines of the data.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "trace_impl.h"
#include "trace_line.h"

void tbt_quote_char(char *out, size_t outlen, unsigned char c)
{
    if (c > 0x20 && c < 0x7f && c != '\'')
        snprintf(out, outlen, "'%c'", c);
    else if (c == ' ')
        snprintf(out, outlen, "' '");
    else
        snprintf(out, outlen, "'\\x%02x'", c);
}

void tbt_quote_token(char *out, size_t outlen, const char *p, char stop)
{
    size_t n = 0;
    int clipped = 0;
    if (outlen < 8)
        return;
    out[n++] = '\'';
    for (int i = 0;; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || is_space(c) || (stop && c == (unsigned char)stop))
            break;
        if (i >= MMUSIM_TRACE_TOKEN) {
            clipped = 1;
            break;
        }
        if (n + 8 >= outlen)
            break;
        if (c >= 0x20 && c < 0x7f)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", c);
    }
    if (clipped && n + 5 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '\'';
    out[n] = '\0';
}

int tbt_line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start)
{
    char q[TBT_QUOTE_SIZE];
    if (t->ops->line_error) {
        int rc = t->ops->line_error(t, line, pe, where, start);
        if (rc)
            return rc;
    }
    switch (pe) {
    case PE_BAD_OP:
        tbt_quote_token(q, sizeof q, where, 0);
        return tbt_fail_line(t, line, MMU_EPARSE, "unknown record %s", q);
    case PE_NO_ADDR:
        return tbt_fail_line(t, line, MMU_EPARSE, "missing address");
    case PE_ADDR_NO_DIGITS:
        return tbt_fail_line(t, line, MMU_EPARSE, "address has no hex digits");
    case PE_BAD_HEX:
        tbt_quote_char(q, sizeof q, (unsigned char)*where);
        return tbt_fail_line(t, line, MMU_EPARSE, "bad hex digit %s in address", q);
    case PE_ADDR_RANGE:
        return tbt_fail_line(t, line, MMU_ERANGE, "address does not fit in 64 bits");
    case PE_BAD_SIZE_DIGIT:
        tbt_quote_char(q, sizeof q, (unsigned char)*where);
        return tbt_fail_line(t, line, MMU_EPARSE, "bad digit %s in size", q);
    case PE_SIZE_RANGE:
        tbt_quote_token(q, sizeof q, where, '#');
        /* print the digits without quotes: "size 0 out of range 1..4096" */
        q[strlen(q) - 1] = '\0';
        return tbt_fail_line(t, line, MMU_ERANGE, "size %s out of range 1..%d", q + 1,
                             MMUSIM_TRACE_MAX_SIZE);
    case PE_TRAILING:
        tbt_quote_token(q, sizeof q, where, 0);
        return tbt_fail_line(t, line, MMU_EPARSE, "unexpected %s", q);
    case PE_WRAP:
        return tbt_fail_line(t, line, MMU_ERANGE,
                             "the access's bytes run past the end of the address space (address + "
                             "size - 1 wraps past 2^64)");
    default:
        return tbt_fail_line(t, line, MMU_EPARSE, "malformed line");
    }
}

/* ---- telling the format ---- */

#define MMUSIM_SAVED_LINE 72

/* A line that was consumed while looking for the first access, kept so the
 * chosen parser can still reject it. */
typedef struct saved_line {
    uint64_t line; /* 0 if none */
    char text[MMUSIM_SAVED_LINE + 2 + MMUSIM_TRACE_PAD];
} saved_line;

static void save_line(saved_line *s, uint64_t line, const char *p)
{
    if (s->line)
        return;
    size_t n = 0;
    while (n < MMUSIM_SAVED_LINE && p[n] != '\n')
        n++;
    memcpy(s->text, p, n);
    s->text[n] = '\n';
    s->line = line;
}

int tbt_line_open(mmusim_trace *t)
{
    const tbt_format *want = t->ops;
    saved_line hash = {0, {0}}, valgrind = {0, {0}};
    size_t off = t->pos;
    uint64_t line = t->line;
    const char *first = NULL;
    /* Given a format with comment lines of one kind (text '#', Lackey
     * '=='), a line of the other kind is taken as its first record, which
     * its parser rejects; auto and din (no comments) look past both kinds
     * and reject below the ones their format does not allow. */
    unsigned stop = t->fmt == MMUSIM_FMT_AUTO ? 0 : want->comments;
    while (!first) {
        if (off >= t->lim) {
            t->pos = t->lim; /* everything so far was skippable: consume it */
            t->line = line;
            int r = tbt_advance(t);
            if (r < 0)
                return r;
            if (r == 0)
                return tbt_fail_line(t, 0, MMU_EPARSE, "empty trace (no accesses)");
            off = t->pos;
        }
        const char *p = t->buf + off;
        const char *nl = memchr(p, '\n', t->lim - off);
        const char *q = p;
        while (is_space((unsigned char)*q))
            q++;
        line++;
        if (*q == '\n') {
        } else if (*q == '#' && !(stop & TBT_COMMENT_VALGRIND)) {
            save_line(&hash, line, p);
        } else if (p[0] == '=' && p[1] == '=' && !(stop & TBT_COMMENT_HASH)) {
            save_line(&valgrind, line, p);
        } else {
            first = q;
            line--;
        }
        off = (size_t)(nl + 1 - t->buf);
    }
    if (t->fmt == MMUSIM_FMT_AUTO) {
        int f;
        for (f = 0; f < MMUSIM_FMT_COUNT; f++)
            if (tbt_formats[f]->sniff_line && tbt_formats[f]->sniff_line(first))
                break;
        if (f == MMUSIM_FMT_COUNT) {
            char q[TBT_QUOTE_SIZE];
            tbt_quote_token(q, sizeof q, first, 0);
            return tbt_fail_line(t, line + 1, MMU_EPARSE,
                                 "cannot tell the trace format from %s (expected a text record "
                                 "R/W/X, a Lackey record I/L/S/M or a din record LABEL ADDRESS)", q);
        }
        t->fmt = (mmusim_format)f;
        t->ops = want = tbt_formats[f];
        t->fields = want->fields;
    }
    /* A consumed line the chosen format does not allow is still an error:
     * '#' lines in Lackey and din, '==' lines in text and din (the earlier
     * one if both). */
    saved_line *bad = NULL;
    if (hash.line && !(want->comments & TBT_COMMENT_HASH))
        bad = &hash;
    if (valgrind.line && !(want->comments & TBT_COMMENT_VALGRIND) && (!bad || valgrind.line < bad->line))
        bad = &valgrind;
    if (bad && bad->line <= t->line) {
        mmusim_access a;
        const char *where = bad->text;
        int rc = want->parse_line(bad->text, &a, &where);
        return tbt_line_error(t, bad->line, rc < 0 ? rc : PE_BAD_OP, where, bad->text);
    }
    return 0;
}
