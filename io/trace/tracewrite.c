/*
 * tracewrite.c - the trace writers (see tracewrite.h): each access is
 * formatted into a 1 MiB buffer by hand (no printf per access), and the
 * buffer goes to a mmusim_ostream, which compresses it and writes it under a
 * temporary name until the writer is closed.
 */
#include "mmusim/io/tracewrite.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_binfmt.h"

#define MMUSIM_WRITER_BUF ((size_t)1 << 20)
#define MMUSIM_WRITER_MAX_RECORD 128 /* longest formatted access, with room to spare */
#define MMUSIM_WRITER_MAX_SIZE 4096
#define MMUSIM_WRITER_MSG 512

struct mmusim_writer {
    mmusim_ostream *os;
    mmusim_format fmt;
    char *buf;
    size_t len;
    uint64_t accesses;
    uint64_t records; /* binary: records, control records included */
    unsigned declared; /* binary: MMUSIM_BIN_FLAG_* declared in the header */
    unsigned seen;     /* binary: MMUSIM_BIN_FLAG_* actually used */
    uint64_t prev_cycle;
    char *name;
    int err_code;
    char errmsg[MMUSIM_WRITER_MSG];
};

void mmusim_writer_opts_init(mmusim_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = MMUSIM_FMT_TEXT;
    o->comp = MMUSIM_COMP_NONE;
    o->fields = MMUSIM_FIELDS_ALL;
}

int mmusim_format_writable(mmusim_format f)
{
    return f == MMUSIM_FMT_TEXT || f == MMUSIM_FMT_LACKEY || f == MMUSIM_FMT_DIN || f == MMUSIM_FMT_BINARY;
}

void mmusim_output_kind(const char *path, mmusim_format *fmt, mmusim_compression *comp)
{
    static const struct {
        const char *suffix;
        mmusim_format fmt;
    } map[] = {
        {".txt", MMUSIM_FMT_TEXT},        {".text", MMUSIM_FMT_TEXT},         {".lackey", MMUSIM_FMT_LACKEY},
        {".din", MMUSIM_FMT_DIN},         {".bin", MMUSIM_FMT_BINARY},        {".champsim", MMUSIM_FMT_CHAMPSIM},
        {".champsimtrace", MMUSIM_FMT_CHAMPSIM},
    };
    size_t stem = 0;
    mmusim_compression c = mmusim_compression_from_name(path, &stem);
    if (comp)
        *comp = c;
    if (fmt)
        *fmt = MMUSIM_FMT_AUTO;
    for (size_t i = 0; path && fmt && i < sizeof map / sizeof map[0]; i++) {
        size_t k = strlen(map[i].suffix);
        if (stem > k && memcmp(path + stem - k, map[i].suffix, k) == 0) {
            *fmt = map[i].fmt;
            break;
        }
    }
}


#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int writer_fail(mmusim_writer *w, int code, const char *fmt, ...)
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

/* ---- number formatting ---- */

static const char hexdig[16] = "0123456789abcdef";

/* v in hex, at least min digits, lower case. */
static char *put_hex(char *p, uint64_t v, int min)
{
    int nd = 1;
#if defined(__GNUC__)
    if (v)
        nd = (64 - __builtin_clzll(v) + 3) / 4;
#else
    for (uint64_t x = v >> 4; x; x >>= 4)
        nd++;
#endif
    if (nd < min)
        nd = min;
    for (int i = nd - 1; i >= 0; i--) {
        p[i] = hexdig[v & 15];
        v >>= 4;
    }
    return p + nd;
}

static char *put_dec(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* ---- formats ---- */

/* text: "R 0x1000 8 asid=3 cycle=99"; asid only if not 0, cycle only if given */
static char *put_text(char *p, const mmusim_access *a)
{
    static const char op[MMU_ACCESS_TYPES] = {'R', 'W', 'X'};
    *p++ = op[a->type];
    *p++ = ' ';
    *p++ = '0';
    *p++ = 'x';
    p = put_hex(p, a->vaddr, 1);
    *p++ = ' ';
    p = put_dec(p, a->size);
    if (a->asid) {
        memcpy(p, " asid=", 6);
        p = put_dec(p + 6, a->asid);
    }
    if (a->has_cycle) {
        memcpy(p, " cycle=", 7);
        p = put_dec(p + 7, a->cycle);
    }
    *p++ = '\n';
    return p;
}

/* Lackey: "I  04017a0,3", " L 04222cac,4", " S 1ffefffd78,8" (%08lx, as Lackey prints) */
static char *put_lackey(char *p, const mmusim_access *a)
{
    static const char op[MMU_ACCESS_TYPES][3] = {{' ', 'L', ' '}, {' ', 'S', ' '}, {'I', ' ', ' '}};
    memcpy(p, op[a->type], 3);
    p = put_hex(p + 3, a->vaddr, 8);
    *p++ = ',';
    p = put_dec(p, a->size);
    *p++ = '\n';
    return p;
}

/* din: "0 1000" (label 0 read, 1 write, 2 fetch; hex without 0x) */
static char *put_din(char *p, const mmusim_access *a)
{
    *p++ = (char)('0' + a->type);
    *p++ = ' ';
    p = put_hex(p, a->vaddr, 1);
    *p++ = '\n';
    return p;
}

static char *put_bin_record(char *p, uint64_t vaddr, uint32_t delta, uint16_t asid, uint16_t info)
{
    unsigned char *b = (unsigned char *)p;
    mmusim_put64(b, vaddr);
    mmusim_put32(b + 8, delta);
    mmusim_put16(b + 12, asid);
    mmusim_put16(b + 14, info);
    return p + MMUSIM_BIN_RECORD_SIZE;
}

static void bin_header(unsigned char *h, unsigned flags, uint64_t count)
{
    memset(h, 0, MMUSIM_BIN_HEADER_SIZE);
    memcpy(h, MMUSIM_BIN_MAGIC, MMUSIM_BIN_MAGIC_LEN);
    mmusim_put16(h + 8, MMUSIM_BIN_VERSION);
    mmusim_put16(h + 10, MMUSIM_BIN_HEADER_SIZE);
    mmusim_put16(h + 12, MMUSIM_BIN_RECORD_SIZE);
    mmusim_put16(h + 14, (uint16_t)flags);
    mmusim_put64(h + 16, count);
}

/* binary: one record, after a set-cycle control record if the delta does
 * not fit (the cycle went back or jumped 2^32 or more).  NULL with the
 * error set if the header did not declare a field the access has. */
static char *put_binary(mmusim_writer *w, char *p, const mmusim_access *a)
{
    uint32_t delta = 0;
    uint16_t info = (uint16_t)(a->size | (unsigned)a->type << MMUSIM_BIN_TYPE_SHIFT);
    if (a->asid) {
        if (!(w->declared & MMUSIM_BIN_FLAG_ASID)) {
            writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": asid %u, but the binary header was "
                        "written without ASIDs", w->accesses + 1, a->asid);
            return NULL;
        }
        w->seen |= MMUSIM_BIN_FLAG_ASID;
    }
    if (a->has_cycle) {
        if (!(w->declared & MMUSIM_BIN_FLAG_CYCLE)) {
            writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": a cycle, but the binary header was "
                        "written without cycles", w->accesses + 1);
            return NULL;
        }
        w->seen |= MMUSIM_BIN_FLAG_CYCLE;
        if (a->cycle < w->prev_cycle || a->cycle - w->prev_cycle > UINT32_MAX) {
            p = put_bin_record(p, a->cycle, 0, 0,
                               (uint16_t)(MMUSIM_BIN_CTL_SET_CYCLE | MMUSIM_BIN_TYPE_CONTROL << MMUSIM_BIN_TYPE_SHIFT));
            w->records++;
        } else {
            delta = (uint32_t)(a->cycle - w->prev_cycle);
        }
        w->prev_cycle = a->cycle;
        info |= MMUSIM_BIN_HAS_CYCLE;
    }
    w->records++;
    return put_bin_record(p, a->vaddr, delta, a->asid, info);
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
                     o->format == MMUSIM_FMT_CHAMPSIM
                         ? " (its records are instructions with registers and branch outcomes, "
                           "which an access trace does not have)"
                         : "");
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
    int rc = mmusim_ostream_open(path, o->comp, o->level, &w->os, err, errlen);
    if (rc < 0) {
        free(w->buf);
        free(w->name);
        free(w);
        return rc;
    }
    if (w->fmt == MMUSIM_FMT_BINARY) {
        w->declared = (o->fields & MMUSIM_FIELD_ASID ? MMUSIM_BIN_FLAG_ASID : 0) |
                      (o->fields & MMUSIM_FIELD_CYCLE ? MMUSIM_BIN_FLAG_CYCLE : 0);
        bin_header((unsigned char *)w->buf, w->declared, MMUSIM_BIN_COUNT_UNKNOWN);
        w->len = MMUSIM_BIN_HEADER_SIZE;
    } else if (w->fmt == MMUSIM_FMT_TEXT && o->comment) {
        const char *c = o->comment;
        w->buf[w->len++] = '#';
        w->buf[w->len++] = ' ';
        while (*c && w->len < 1024) {
            w->buf[w->len++] = *c == '\n' ? ' ' : *c;
            c++;
        }
        w->buf[w->len++] = '\n';
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
        if (x->type >= MMU_ACCESS_TYPES || x->size - 1 >= MMUSIM_WRITER_MAX_SIZE) {
            if (x->type >= MMU_ACCESS_TYPES)
                writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": bad access type %u", w->accesses + 1,
                            x->type);
            else
                writer_fail(w, MMU_ERANGE, "access %" PRIu64 ": size %u out of range 1..%d",
                            w->accesses + 1, x->size, MMUSIM_WRITER_MAX_SIZE);
            break;
        }
        if (MMUSIM_WRITER_BUF - w->len < MMUSIM_WRITER_MAX_RECORD && flush(w) < 0)
            break;
        char *p = w->buf + w->len;
        switch (w->fmt) {
        case MMUSIM_FMT_TEXT: p = put_text(p, x); break;
        case MMUSIM_FMT_LACKEY: p = put_lackey(p, x); break;
        case MMUSIM_FMT_DIN: p = put_din(p, x); break;
        default: p = put_binary(w, p, x); break;
        }
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
    if (!w->err_code && w->fmt == MMUSIM_FMT_BINARY) {
        /* a plain file gets the real count and the fields actually used */
        unsigned char h[MMUSIM_BIN_HEADER_SIZE];
        bin_header(h, w->seen, w->records);
        int rc = mmusim_ostream_pwrite(w->os, h, sizeof h, 0, w->errmsg, sizeof w->errmsg);
        if (rc < 0 && rc != MMU_EUNSUPPORTED)
            w->err_code = rc;
    }
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
