/*
 * trace_bin.c - the binary trace readers: mmusim's own binary format and
 * ChampSim instruction traces (layouts in trace_binfmt.h and
 * docs/trace-formats.md).
 *
 * mmusim binary is the fast path: fixed 16-byte records, decoded straight
 * from the 4 MiB read buffer (for a plain file, read(2) fills that buffer
 * and nothing else copies the data).  Each record is checked with one
 * combined test in the hot loop; a control record or a bad one leaves the
 * loop for the slow path, which applies the control record or builds the
 * message.  A record split across two reads is moved to the front of the
 * buffer and completed by the next read.
 *
 * ChampSim records are instructions: each gives a fetch of its ip, then a
 * read of each non-zero source memory operand, then a write of each non-zero
 * destination memory operand.  The accesses of a record that do not fit in
 * the caller's buffer wait in t->pend for the next call.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_binfmt.h"
#include "trace_impl.h"

/* ---- mmusim binary ---- */

int tbt_bin_header(mmusim_trace *t)
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
    return 0;
}

/*
 * The record at p (number rec, 1-based) left the fast loop: apply it if it
 * is a control record (returns 0), or fail with the reason.
 */
static int bin_slow(mmusim_trace *t, const unsigned char *p, uint64_t rec)
{
    uint32_t delta = mmusim_le32(p + 8);
    unsigned asid = mmusim_le16(p + 12), info = mmusim_le16(p + 14);
    unsigned size = info & MMUSIM_BIN_SIZE_MASK, type = (info >> MMUSIM_BIN_TYPE_SHIFT) & 3;
    int hc = (info & MMUSIM_BIN_HAS_CYCLE) != 0;
    if (type == MMUSIM_BIN_TYPE_CONTROL) {
        if (size != MMUSIM_BIN_CTL_SET_CYCLE)
            return tbt_fail_record(t, rec, MMU_EPARSE, "unknown control record kind %u", size);
        if (delta || asid || hc)
            return tbt_fail_record(t, rec, MMU_EPARSE,
                                   "control record with non-zero delta, asid or cycle bit");
        if (!(t->bin_flags & MMUSIM_BIN_FLAG_CYCLE))
            return tbt_fail_record(t, rec, MMU_EPARSE,
                                   "cycle control record, but the header says there are no cycles");
        t->prev_cycle = mmusim_le64(p);
        return 0;
    }
    if (size - 1 >= MMUSIM_TRACE_MAX_SIZE)
        return tbt_fail_record(t, rec, MMU_ERANGE, "size %u out of range 1..%d", size,
                               MMUSIM_TRACE_MAX_SIZE);
    if (mmusim_le64(p) + (size - 1) < mmusim_le64(p))
        return tbt_fail_record(t, rec, MMU_ERANGE,
                               "the access's bytes run past the end of the address space (address "
                               "+ size - 1 wraps past 2^64)");
    if (asid && !(t->bin_flags & MMUSIM_BIN_FLAG_ASID))
        return tbt_fail_record(t, rec, MMU_EPARSE, "asid %u, but the header says there are no ASIDs",
                               asid);
    if (hc && !(t->bin_flags & MMUSIM_BIN_FLAG_CYCLE))
        return tbt_fail_record(t, rec, MMU_EPARSE,
                               "record with a cycle, but the header says there are no cycles");
    return tbt_fail_record(t, rec, MMU_EPARSE, "cycle delta %" PRIu32 " in a record without a cycle",
                           delta);
}

long tbt_bin_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    const unsigned asid_ok = t->bin_flags & MMUSIM_BIN_FLAG_ASID ? 0xffffu : 0;
    const int cycles = (t->bin_flags & MMUSIM_BIN_FLAG_CYCLE) != 0;
    size_t n = 0;
    while (n < max) {
        size_t avail = t->len - t->pos;
        if (avail < MMUSIM_BIN_RECORD_SIZE) {
            int rc = tbt_fill(t, MMUSIM_BIN_RECORD_SIZE);
            if (rc < 0)
                return n ? (long)n : rc;
            avail = t->len - t->pos;
            if (avail < MMUSIM_BIN_RECORD_SIZE) {
                int code = 0;
                if (avail)
                    code = tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                           "truncated record (%zu of %d bytes)", avail,
                                           MMUSIM_BIN_RECORD_SIZE);
                else if (t->bin_count != MMUSIM_BIN_COUNT_UNKNOWN && t->record < t->bin_count)
                    code = tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                           "missing: the data ends after %" PRIu64
                                           " records, the header says %" PRIu64,
                                           t->record, t->bin_count);
                if (code)
                    return n ? (long)n : code;
                break;
            }
        }
        size_t k = avail / MMUSIM_BIN_RECORD_SIZE;
        if (t->bin_count != MMUSIM_BIN_COUNT_UNKNOWN) {
            uint64_t left = t->bin_count - t->record;
            if (left == 0) {
                int code = tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                           "more records than the header's count (%" PRIu64 ")",
                                           t->bin_count);
                return n ? (long)n : code;
            }
            if (k > left)
                k = (size_t)left;
        }
        if (k > max - n)
            k = max - n;
        const unsigned char *p = (const unsigned char *)t->buf + t->pos;
        uint64_t prev = t->prev_cycle, instr = 0;
        size_t i;
        mmusim_access *a = out + n;
        for (i = 0; i < k; i++, p += MMUSIM_BIN_RECORD_SIZE) {
            uint64_t va = mmusim_le64(p);
            uint32_t delta = mmusim_le32(p + 8);
            unsigned asid = mmusim_le16(p + 12), info = mmusim_le16(p + 14);
            unsigned size = info & MMUSIM_BIN_SIZE_MASK, type = (info >> MMUSIM_BIN_TYPE_SHIFT) & 3;
            unsigned hc = info >> 15;
            unsigned bad_cycle = hc ? !cycles : delta != 0;
            if (MMUSIM_UNLIKELY((size - 1 >= MMUSIM_TRACE_MAX_SIZE) | (type == MMUSIM_BIN_TYPE_CONTROL) |
                            ((asid & ~asid_ok) != 0) | bad_cycle | (va + (size - 1) < va)))
                break;
            prev += delta;
            a->vaddr = va;
            a->cycle = prev & (0 - (uint64_t)hc);
            a->size = size;
            a->asid = (uint16_t)asid;
            a->type = (uint8_t)type;
            a->has_cycle = (uint8_t)hc;
            a++;
            instr += type == MMU_FETCH;
        }
        t->prev_cycle = prev;
        t->instructions += instr;
        t->record += i;
        t->pos += i * MMUSIM_BIN_RECORD_SIZE;
        n += i;
        if (i < k) {
            /* a control record or a bad one */
            t->prev_cycle = prev;
            int code = bin_slow(t, p, t->record + 1);
            if (code < 0)
                return n ? (long)n : code;
            t->record++;
            t->pos += MMUSIM_BIN_RECORD_SIZE;
        }
    }
    return (long)n;
}

/* ---- ChampSim ---- */

/* Does an access of the record at p run past 2^64 (fetch 4 bytes, data 8)? */
static int champsim_wraps(const unsigned char *p)
{
    if (mmusim_le64(p) > UINT64_MAX - (MMUSIM_CHAMPSIM_FETCH_SIZE - 1))
        return 1;
    for (int i = 0; i < MMUSIM_CHAMPSIM_SRC; i++)
        if (mmusim_le64(p + MMUSIM_CHAMPSIM_OFF_SRC_MEM + 8 * i) > UINT64_MAX - (MMUSIM_CHAMPSIM_DATA_SIZE - 1))
            return 1;
    for (int i = 0; i < MMUSIM_CHAMPSIM_DST; i++)
        if (mmusim_le64(p + MMUSIM_CHAMPSIM_OFF_DST_MEM + 8 * i) > UINT64_MAX - (MMUSIM_CHAMPSIM_DATA_SIZE - 1))
            return 1;
    return 0;
}

/* The accesses of the record at p, in order; returns how many (1..7). */
static unsigned champsim_decode(const unsigned char *p, mmusim_access *a)
{
    unsigned k = 0;
    a[k].vaddr = mmusim_le64(p);
    a[k].size = MMUSIM_CHAMPSIM_FETCH_SIZE;
    a[k].type = MMU_FETCH;
    k++;
    for (int i = 0; i < MMUSIM_CHAMPSIM_SRC; i++) {
        uint64_t v = mmusim_le64(p + MMUSIM_CHAMPSIM_OFF_SRC_MEM + 8 * i);
        if (v) {
            a[k].vaddr = v;
            a[k].size = MMUSIM_CHAMPSIM_DATA_SIZE;
            a[k].type = MMU_READ;
            k++;
        }
    }
    for (int i = 0; i < MMUSIM_CHAMPSIM_DST; i++) {
        uint64_t v = mmusim_le64(p + MMUSIM_CHAMPSIM_OFF_DST_MEM + 8 * i);
        if (v) {
            a[k].vaddr = v;
            a[k].size = MMUSIM_CHAMPSIM_DATA_SIZE;
            a[k].type = MMU_WRITE;
            k++;
        }
    }
    for (unsigned i = 0; i < k; i++) {
        a[i].cycle = 0;
        a[i].asid = 0;
        a[i].has_cycle = 0;
    }
    return k;
}

long tbt_champsim_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    enum { MOST = 1 + MMUSIM_CHAMPSIM_SRC + MMUSIM_CHAMPSIM_DST };
    size_t n = 0;
    while (n < max && t->ipend < t->npend)
        out[n++] = t->pend[t->ipend++];
    while (n < max) {
        size_t avail = t->len - t->pos;
        if (avail < MMUSIM_CHAMPSIM_RECORD_SIZE) {
            int rc = tbt_fill(t, MMUSIM_CHAMPSIM_RECORD_SIZE);
            if (rc < 0)
                return n ? (long)n : rc;
            avail = t->len - t->pos;
            if (avail < MMUSIM_CHAMPSIM_RECORD_SIZE) {
                if (avail) {
                    int code = tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                               "truncated record (%zu of %d bytes)", avail,
                                               MMUSIM_CHAMPSIM_RECORD_SIZE);
                    return n ? (long)n : code;
                }
                break;
            }
        }
        const unsigned char *p = (const unsigned char *)t->buf + t->pos;
        const unsigned char *end = p + avail - avail % MMUSIM_CHAMPSIM_RECORD_SIZE;
        for (; p < end && n < max; p += MMUSIM_CHAMPSIM_RECORD_SIZE) {
            if (MMUSIM_UNLIKELY(p[MMUSIM_CHAMPSIM_OFF_IS_BRANCH] > 1 || p[MMUSIM_CHAMPSIM_OFF_TAKEN] > 1 ||
                                mmusim_le64(p) == 0)) {
                t->pos = (size_t)((const char *)p - t->buf);
                /* no program runs at address 0: zeros are not instructions (/dev/zero) */
                int code = mmusim_le64(p) == 0
                               ? tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                                 "instruction pointer 0 (not a ChampSim trace?)")
                               : tbt_fail_record(t, t->record + 1, MMU_EPARSE,
                                           "is_branch %u and branch_taken %u must be 0 or 1 (not a "
                                           "ChampSim trace?)",
                                           p[MMUSIM_CHAMPSIM_OFF_IS_BRANCH], p[MMUSIM_CHAMPSIM_OFF_TAKEN]);
                return n ? (long)n : code;
            }
            if (MMUSIM_UNLIKELY(champsim_wraps(p))) {
                t->pos = (size_t)((const char *)p - t->buf);
                int code = tbt_fail_record(t, t->record + 1, MMU_ERANGE,
                                           "an access runs past the end of the address space "
                                           "(address + size - 1 wraps past 2^64)");
                return n ? (long)n : code;
            }
            if (max - n >= MOST) {
                n += champsim_decode(p, out + n);
            } else {
                t->npend = champsim_decode(p, t->pend);
                t->ipend = 0;
                while (n < max && t->ipend < t->npend)
                    out[n++] = t->pend[t->ipend++];
            }
            t->record++;
            t->instructions++;
        }
        t->pos = (size_t)((const char *)p - t->buf);
    }
    return (long)n;
}
