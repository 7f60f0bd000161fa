/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_binary.c - mmusim's own binary format, read and written (layout in
 * trace_binfmt.h and docs/trace-formats.md).
 *
 * mmusim binary is the fast path: fixed 16-byte records, decoded straight
 * from the 128 KiB read buffer (for a plain file, read(2) fills that buffer
 * and nothing else copies the data).  Each record is checked with one
 * combined test in the hot loop; a control record or a bad one leaves the
 * loop for the slow path, which applies the control record or builds the
 * message.  A record split across two reads is moved to the front of the
 * buffer and completed by the next read.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_binfmt.h"
#include "trace_impl.h"
#include "trace_line.h" /* tbt_put */

/* ---- mmusim binary ---- */

static int bin_open(mmusim_trace *t)
{
    int rc = tbt_fill(t, MMUSIM_BIN_HEADER_SIZE);
    if (rc < 0)
        return rc;
    const unsigned char *b = (const unsigned char *)t->buf + t->pos;
    size_t n = t->len - t->pos;
    if (n == 0)
        return tbt_fail_record(t, 0, MMU_EPARSE, "empty trace (no accesses)");
    if (memcmp(b, MMUSIM_BIN_MAGIC, n < MMUSIM_BIN_MAGIC_LEN ? n : MMUSIM_BIN_MAGIC_LEN) != 0)
        return tbt_fail_record(t, 0, MMU_EPARSE, "not an mmusim binary trace (bad magic number)");
    if (n < MMUSIM_BIN_HEADER_SIZE)
        return tbt_fail_record(t, 0, MMU_EPARSE, "truncated header (%zu of %d bytes)", n,
                               MMUSIM_BIN_HEADER_SIZE);
    unsigned version = mmusim_le16(b + 8), hsize = mmusim_le16(b + 10), rsize = mmusim_le16(b + 12);
    unsigned flags = mmusim_le16(b + 14);
    if (version != MMUSIM_BIN_VERSION)
        return tbt_fail_record(t, 0, MMU_EUNSUPPORTED,
                               "unsupported mmusim binary trace version %u (this reader knows "
                               "version %d)", version, MMUSIM_BIN_VERSION);
    if (hsize != MMUSIM_BIN_HEADER_SIZE)
        return tbt_fail_record(t, 0, MMU_EPARSE, "bad header: header size %u (expected %d)", hsize,
                               MMUSIM_BIN_HEADER_SIZE);
    if (rsize != MMUSIM_BIN_RECORD_SIZE)
        return tbt_fail_record(t, 0, MMU_EPARSE, "bad header: record size %u (expected %d)", rsize,
                               MMUSIM_BIN_RECORD_SIZE);
    if (flags & ~MMUSIM_BIN_FLAGS_KNOWN)
        return tbt_fail_record(t, 0, MMU_EPARSE, "bad header: unknown flags 0x%x", flags);
    if (mmusim_le64(b + 24) != 0)
        return tbt_fail_record(t, 0, MMU_EPARSE, "bad header: reserved bytes 24..31 are not zero");
    t->bin_flags = flags;
    t->bin_count = mmusim_le64(b + 16);
    t->pos += MMUSIM_BIN_HEADER_SIZE;
    t->fields = MMUSIM_FIELD_SIZE | (flags & MMUSIM_BIN_FLAG_ASID ? MMUSIM_FIELD_ASID : 0) |
                (flags & MMUSIM_BIN_FLAG_CYCLE ? MMUSIM_FIELD_CYCLE : 0) |
                (flags & MMUSIM_BIN_FLAG_VMID ? MMUSIM_FIELD_VMID : 0);
    return 0;
}

/* "NAME: record N: ..." into msg; returns code. */
static int dec_fail(const char *name, uint64_t rec, char *msg, size_t msglen, int code, const char *fmt, ...)
    MMUSIM_PRINTF(6, 7);

static int dec_fail(const char *name, uint64_t rec, char *msg, size_t msglen, int code, const char *fmt, ...)
{
    int k = snprintf(msg, msglen, "%s: record %" PRIu64 ": ", name, rec);
    if (k < 0 || (size_t)k >= msglen)
        k = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, msglen - (size_t)k, fmt, ap);
    va_end(ap);
    return code;
}

/*
 * The record at p (number rec, 1-based) left the fast loop: apply it if it
 * is a control record (returns 0), or fail with the reason.
 */
static int bin_slow(tbt_bin_dec *d, const char *name, const unsigned char *p, uint64_t rec, char *msg,
                    size_t msglen)
{
    uint32_t delta = mmusim_le32(p + 8);
    unsigned asid = mmusim_le16(p + 12), info = mmusim_le16(p + 14);
    unsigned size = info & MMUSIM_BIN_SIZE_MASK, type = (info >> MMUSIM_BIN_TYPE_SHIFT) & 3;
    int hc = (info & MMUSIM_BIN_HAS_CYCLE) != 0;
    if (type == MMUSIM_BIN_TYPE_CONTROL) {
        if (size != MMUSIM_BIN_CTL_SET_CYCLE && size != MMUSIM_BIN_CTL_SET_VMID)
            return dec_fail(name, rec, msg, msglen, MMU_EPARSE, "unknown control record kind %u", size);
        if (delta || asid || hc)
            return dec_fail(name, rec, msg, msglen, MMU_EPARSE,
                            "control record with non-zero delta, asid or cycle bit");
        if (size == MMUSIM_BIN_CTL_SET_VMID) {
            if (!(d->flags & MMUSIM_BIN_FLAG_VMID))
                return dec_fail(name, rec, msg, msglen, MMU_EPARSE,
                                "VM control record, but the header says there are no VM ids");
            if (mmusim_le64(p) > UINT16_MAX)
                return dec_fail(name, rec, msg, msglen, MMU_ERANGE, "VM id %" PRIu64 " out of range 0..65535",
                                mmusim_le64(p));
            d->vmid = (uint16_t)mmusim_le64(p);
            return 0;
        }
        if (!(d->flags & MMUSIM_BIN_FLAG_CYCLE))
            return dec_fail(name, rec, msg, msglen, MMU_EPARSE,
                            "cycle control record, but the header says there are no cycles");
        d->prev_cycle = mmusim_le64(p);
        return 0;
    }
    if (size - 1 >= MMUSIM_TRACE_MAX_SIZE)
        return dec_fail(name, rec, msg, msglen, MMU_ERANGE, "size %u out of range 1..%d", size,
                        MMUSIM_TRACE_MAX_SIZE);
    if (mmusim_le64(p) + (size - 1) < mmusim_le64(p))
        return dec_fail(name, rec, msg, msglen, MMU_ERANGE,
                        "the access's bytes run past the end of the address space (address "
                        "+ size - 1 wraps past 2^64)");
    if (asid && !(d->flags & MMUSIM_BIN_FLAG_ASID))
        return dec_fail(name, rec, msg, msglen, MMU_EPARSE, "asid %u, but the header says there are no ASIDs",
                        asid);
    if (hc && !(d->flags & MMUSIM_BIN_FLAG_CYCLE))
        return dec_fail(name, rec, msg, msglen, MMU_EPARSE,
                        "record with a cycle, but the header says there are no cycles");
    return dec_fail(name, rec, msg, msglen, MMU_EPARSE, "cycle delta %" PRIu32 " in a record without a cycle",
                    delta);
}

/*
 * tbt_bin_decode for a trace with (cycles 1) or without cycles.  Each
 * record is checked with one test on its second 8 bytes (delta, asid, info)
 * against the bits the header forbids, plus size, type and wrap-around; a
 * control record or a bad one goes to bin_slow.
 */
static MMUSIM_ALWAYS_INLINE size_t bin_decode_t(tbt_bin_dec *d, const char *name, const unsigned char *p, size_t k,
                                                mmusim_access *out, int *code, char *msg, size_t msglen,
                                                const int cycles)
{
    /* without cycles: no delta and no cycle bit; without ASIDs: no asid */
    const uint64_t forbid = tbt_bin_forbid(d->flags); /* (cycles: the flag's bit) */
    uint64_t prev = d->prev_cycle, instr = 0;
    uint32_t vmid = d->vmid;
    size_t i = 0;
    mmusim_access *o = out;
    *code = 0;
    for (;;) {
        for (; i < k; i++, p += MMUSIM_BIN_RECORD_SIZE) {
            const uint64_t va = mmusim_le64(p), w = mmusim_le64(p + 8);
            const unsigned info = (unsigned)(w >> 48);
            const unsigned size = info & MMUSIM_BIN_SIZE_MASK, type = (info >> MMUSIM_BIN_TYPE_SHIFT) & 3;
            const unsigned hc = cycles ? info >> 15 : 0; /* without cycles the bit is forbidden */
            unsigned bad = tbt_bin_not_access(va, w, forbid);
            if (cycles)
                bad |= !hc & ((uint32_t)w != 0);
            if (MMUSIM_UNLIKELY(bad))
                break;
            uint64_t cycle = 0;
            if (cycles) {
                prev += (uint32_t)w;
                cycle = prev & (0 - (uint64_t)hc);
            }
            tbt_put(o++, va, cycle, size, (unsigned)(w >> 32) & 0xffffu, type, hc, vmid);
            instr += type == MMU_FETCH;
        }
        if (i == k)
            break;
        /* a control record or a bad one */
        d->prev_cycle = prev;
        int rc = bin_slow(d, name, p, d->record + i + 1, msg, msglen);
        if (rc < 0) {
            *code = rc;
            break;
        }
        prev = d->prev_cycle;
        vmid = d->vmid;
        i++;
        p += MMUSIM_BIN_RECORD_SIZE;
    }
    d->prev_cycle = prev;
    d->record += i;
    d->instructions += instr;
    return (size_t)(o - out);
}

size_t tbt_bin_decode(tbt_bin_dec *d, const char *name, const unsigned char *p, size_t k, mmusim_access *out,
                      int *code, char *msg, size_t msglen)
{
    if (d->flags & MMUSIM_BIN_FLAG_CYCLE)
        return bin_decode_t(d, name, p, k, out, code, msg, msglen, 1);
    return bin_decode_t(d, name, p, k, out, code, msg, msglen, 0);
}

/*
 * Make whole records available at t->pos: returns how many, at most max and
 * within the header's count, 0 at the end of the data, or an error
 * (sticky): a truncated record, fewer or more records than the header says,
 * the stream's.
 */
static long bin_avail(mmusim_trace *t, size_t max)
{
    size_t avail = t->len - t->pos;
    if (avail < MMUSIM_BIN_RECORD_SIZE) {
        int rc = tbt_fill(t, MMUSIM_BIN_RECORD_SIZE);
        if (rc < 0)
            return rc;
        avail = t->len - t->pos;
        if (avail < MMUSIM_BIN_RECORD_SIZE) {
            if (avail)
                return tbt_fail_record(t, t->record + 1, MMU_EPARSE, "truncated record (%zu of %d bytes)", avail,
                                       MMUSIM_BIN_RECORD_SIZE);
            if (t->bin_count != MMUSIM_BIN_COUNT_UNKNOWN && t->record < t->bin_count)
                return tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                       "missing: the data ends after %" PRIu64 " records, the header says %" PRIu64,
                                       t->record, t->bin_count);
            return 0;
        }
    }
    size_t k = avail / MMUSIM_BIN_RECORD_SIZE;
    if (t->bin_count != MMUSIM_BIN_COUNT_UNKNOWN) {
        uint64_t left = t->bin_count - t->record;
        if (left == 0)
            return tbt_fail_record(t, t->record + 1, MMU_EPARSE, "more records than the header's count (%" PRIu64 ")",
                                   t->bin_count);
        if (k > left)
            k = (size_t)left;
    }
    if (k > max)
        k = max;
    return (long)k;
}

static long bin_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    size_t n = 0;
    while (n < max) {
        long k = bin_avail(t, max - n);
        if (k <= 0) {
            if (k < 0)
                return n ? (long)n : k;
            break;
        }
        tbt_bin_dec d = {t->bin_flags, t->bin_vmid, t->prev_cycle, t->record, 0};
        int code;
        n += tbt_bin_decode(&d, mmusim_stream_name(t->st), (const unsigned char *)t->buf + t->pos, (size_t)k,
                            out + n, &code, t->errmsg, sizeof t->errmsg);
        t->pos += (size_t)(d.record - t->record) * MMUSIM_BIN_RECORD_SIZE;
        t->record = d.record;
        t->prev_cycle = d.prev_cycle;
        t->bin_vmid = d.vmid;
        t->instructions += d.instructions;
        if (code) {
            t->err_code = code;
            return n ? (long)n : code;
        }
    }
    return (long)n;
}

long tbt_bin_raw(mmusim_trace *t, const unsigned char **p, tbt_bin_dec *dec, char *err, size_t errlen)
{
    long k = t->err_code ? t->err_code : bin_avail(t, MMUSIM_BIN_RAW_MAX);
    if (k == 0 && t->accesses == 0) /* as mmusim_trace_read says it */
        k = tbt_fail_line(t, 0, MMU_EPARSE, "empty trace (no accesses)");
    if (k < 0) {
        mmusim_copy_msg(err, errlen, t->errmsg);
        return k;
    }
    *p = (const unsigned char *)t->buf + t->pos;
    *dec = (tbt_bin_dec){t->bin_flags, t->bin_vmid, t->prev_cycle, t->record, 0};
    return k;
}

void tbt_bin_raw_done(mmusim_trace *t, const tbt_bin_dec *dec, uint64_t accesses)
{
    t->pos += (size_t)(dec->record - t->record) * MMUSIM_BIN_RECORD_SIZE;
    t->record = dec->record;
    t->prev_cycle = dec->prev_cycle;
    t->bin_vmid = dec->vmid;
    t->instructions += dec->instructions;
    t->accesses += accesses;
}

long tbt_bin_read_raw(mmusim_trace *t, unsigned char *dst, size_t max, char *err, size_t errlen)
{
    size_t n = 0;
    while (n < max && !t->err_code) {
        const size_t have = t->len - t->pos;
        uint64_t left = max - n;
        if (t->bin_count != MMUSIM_BIN_COUNT_UNKNOWN && t->bin_count - t->record < left)
            left = t->bin_count - t->record;
        if (have >= MMUSIM_BIN_RECORD_SIZE || t->eof || left == 0) {
            /* the records read with the header, or the end of the data (or of the count) */
            long k = bin_avail(t, max - n);
            if (k <= 0)
                break;
            memcpy(dst + n * MMUSIM_BIN_RECORD_SIZE, t->buf + t->pos, (size_t)k * MMUSIM_BIN_RECORD_SIZE);
            t->pos += (size_t)k * MMUSIM_BIN_RECORD_SIZE;
            t->record += (uint64_t)k;
            n += (size_t)k;
            continue;
        }
        /* the start of a record at most in the buffer: read straight into dst, after it
           (no copy through the buffer) */
        unsigned char *q = dst + n * MMUSIM_BIN_RECORD_SIZE;
        memcpy(q, t->buf + t->pos, have);
        long r = tbt_read_into(t, q + have, (size_t)left * MMUSIM_BIN_RECORD_SIZE - have);
        if (r <= 0)
            continue; /* an error (sticky), or the end: the loop's first branch says what is left */
        const size_t got = have + (size_t)r, whole = got / MMUSIM_BIN_RECORD_SIZE;
        t->pos = 0;
        t->len = got - whole * MMUSIM_BIN_RECORD_SIZE;
        memcpy(t->buf, q + whole * MMUSIM_BIN_RECORD_SIZE, t->len);
        memset(t->buf + t->len, 0, MMUSIM_TRACE_PAD);
        t->record += whole;
        n += whole;
    }
    if (n)
        return (long)n;
    if (t->err_code) {
        mmusim_copy_msg(err, errlen, t->errmsg);
        return t->err_code;
    }
    return 0;
}

/* Could the n bytes at b be the start of an mmusim binary trace? */
static int bin_sniff(const unsigned char *b, size_t n)
{
    if (n > MMUSIM_BIN_MAGIC_LEN)
        n = MMUSIM_BIN_MAGIC_LEN;
    return n > 0 && memcmp(b, MMUSIM_BIN_MAGIC, n) == 0;
}

/* ---- writing ---- */

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

/* The header with the fields declared and the count unknown; close patches
 * it in a plain file. */
static int bin_write_begin(mmusim_writer *w, const mmusim_writer_opts *o)
{
    w->declared = (o->fields & MMUSIM_FIELD_ASID ? MMUSIM_BIN_FLAG_ASID : 0) |
                  (o->fields & MMUSIM_FIELD_CYCLE ? MMUSIM_BIN_FLAG_CYCLE : 0) |
                  (o->fields & MMUSIM_FIELD_VMID ? MMUSIM_BIN_FLAG_VMID : 0);
    bin_header((unsigned char *)w->buf, w->declared, MMUSIM_BIN_COUNT_UNKNOWN);
    w->len = MMUSIM_BIN_HEADER_SIZE;
    return 0;
}

/* One record, after a set-VM control record if the VM changed, and a
 * set-cycle control record if the delta does not fit (the cycle went back or
 * jumped 2^32 or more).  NULL with the error set if the header did not
 * declare a field the access has. */
static char *bin_write(mmusim_writer *w, char *p, const mmusim_access *a)
{
    uint32_t delta = 0;
    uint16_t info = (uint16_t)(a->size | (unsigned)a->type << MMUSIM_BIN_TYPE_SHIFT);
    if (a->vmid != w->vmid) {
        if (!(w->declared & MMUSIM_BIN_FLAG_VMID)) {
            tbt_writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": VM id %u, but the binary header was "
                            "written without VM ids", w->accesses + 1, a->vmid);
            return NULL;
        }
        w->seen |= MMUSIM_BIN_FLAG_VMID;
        p = put_bin_record(p, a->vmid, 0, 0,
                           (uint16_t)(MMUSIM_BIN_CTL_SET_VMID | MMUSIM_BIN_TYPE_CONTROL << MMUSIM_BIN_TYPE_SHIFT));
        w->records++;
        w->vmid = a->vmid;
    }
    if (a->asid) {
        if (!(w->declared & MMUSIM_BIN_FLAG_ASID)) {
            tbt_writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": asid %u, but the binary header was "
                            "written without ASIDs", w->accesses + 1, a->asid);
            return NULL;
        }
        w->seen |= MMUSIM_BIN_FLAG_ASID;
    }
    if (a->has_cycle) {
        if (!(w->declared & MMUSIM_BIN_FLAG_CYCLE)) {
            tbt_writer_fail(w, MMU_EINVAL, "access %" PRIu64 ": a cycle, but the binary header was "
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

/* A plain file gets the real count and the fields actually used. */
static int bin_write_end(mmusim_writer *w)
{
    unsigned char h[MMUSIM_BIN_HEADER_SIZE];
    bin_header(h, w->seen, w->records);
    int rc = mmusim_ostream_pwrite(w->os, h, sizeof h, 0, w->errmsg, sizeof w->errmsg);
    if (rc < 0 && rc != MMU_EUNSUPPORTED)
        w->err_code = rc;
    return w->err_code;
}

const tbt_format tbt_format_binary = {
    .name = "binary",
    .alias = "bin",
    .fields = MMUSIM_FIELDS_ALL,
    .records = 1,
    .suffixes = {".bin", NULL},
    .sniff = bin_sniff,
    .open = bin_open,
    .read_batch = bin_read,
    .write_begin = bin_write_begin,
    .write = bin_write,
    .write_end = bin_write_end,
};
