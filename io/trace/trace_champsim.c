/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_champsim.c - ChampSim instruction traces (64-byte records, layout in
 * trace_binfmt.h and docs/trace-formats.md), read only.
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
        a[i].vmid = 0;
    }
    return k;
}

static long champsim_read(mmusim_trace *t, mmusim_access *out, size_t max)
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

/*
 * Binary data (a NUL byte in the first bytes, which no text trace has) whose
 * first record looks like ChampSim's: is_branch and branch_taken are 0 or
 * 1, and an instruction pointer other than 0.
 */
static int champsim_sniff(const unsigned char *b, size_t n)
{
    return memchr(b, 0, n < MMUSIM_PEEK ? n : MMUSIM_PEEK) != NULL &&
           n >= MMUSIM_CHAMPSIM_OFF_TAKEN + 1 && b[MMUSIM_CHAMPSIM_OFF_IS_BRANCH] <= 1 &&
           b[MMUSIM_CHAMPSIM_OFF_TAKEN] <= 1 && mmusim_le64(b) != 0;
}

const tbt_format tbt_format_champsim = {
    .name = "champsim",
    .records = 1,
    .suffixes = {".champsim", ".champsimtrace", NULL},
    .sniff = champsim_sniff,
    .read_batch = champsim_read,
    .no_write = " (its records are instructions with registers and branch outcomes, which an access "
                "trace does not have)",
};
