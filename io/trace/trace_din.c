/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_din.c - Dinero IV "din" traces: "LABEL ADDRESS", both hexadecimal
 * (an optional 0x), the rest of the line ignored.  Label 0 read, 1 write, 2
 * instruction fetch, 3 escape (an access of unknown type: Dinero IV counts
 * it as a data reference, so a read here), 4 escape (cache flush: no
 * access).  din has no sizes: Dinero IV references the 4-byte word, so
 * every access is 4 bytes.
 */
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_impl.h"
#include "trace_line.h"
#include "trace_put.h"

/* din's own parse errors. */
enum {
    PE_DIN_LABEL = PE_FORMAT,           /* where: the label */
    PE_DIN_LABEL_RANGE = PE_FORMAT - 1, /* where: the label */
};

static const uint8_t din_type[5] = {MMU_READ + 1, MMU_WRITE + 1, MMU_FETCH + 1, MMU_READ + 1, 0};

/* Any din line (trace_line.h has the contract): the general path, which
 * says what is wrong with a bad line. */
static int parse_din_any(const char *p, mmusim_access *a, const char **where)
{
    const char *q = p;
    unsigned label = (unsigned)((unsigned char)q[0] - '0');
    if (MMUSIM_LIKELY(label < 10 && (q[1] == ' ' || q[1] == '\t'))) {
        if (MMUSIM_UNLIKELY(label > 4)) {
            *where = q;
            return PE_DIN_LABEL_RANGE;
        }
        q += 2;
    } else {
        while (is_space((unsigned char)*q))
            q++;
        if (*q == '\n')
            return 0;
        const char *lab = q;
        if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
            q += 2;
        uint64_t v;
        int nd = parse_hex_scalar(&q, &v);
        if (nd == 0 || !(is_space((unsigned char)*q) || *q == '\n')) {
            *where = lab;
            return PE_DIN_LABEL;
        }
        if (nd < 0 || v > 4) {
            *where = lab;
            return PE_DIN_LABEL_RANGE;
        }
        if (*q == '\n')
            return PE_NO_ADDR;
        label = (unsigned)v;
    }
    while (is_space((unsigned char)*q))
        q++;
    if (MMUSIM_UNLIKELY(*q == '\n'))
        return PE_NO_ADDR;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        q += 2;
    uint64_t addr;
    int nd = parse_hex(&q, &addr);
    if (MMUSIM_UNLIKELY(nd <= 0 || !(is_space((unsigned char)*q) || *q == '\n'))) {
        if (nd < 0)
            return PE_ADDR_RANGE;
        if (!(is_space((unsigned char)*q) || *q == '\n')) {
            *where = q;
            return PE_BAD_HEX;
        }
        return PE_ADDR_NO_DIGITS;
    }
    unsigned type1 = din_type[label];
    if (MMUSIM_UNLIKELY(type1 == 0))
        return 0; /* a flush: nothing to translate */
    if (MMUSIM_UNLIKELY(addr > UINT64_MAX - 3))
        return PE_WRAP; /* 4 bytes */
    tbt_put(a, addr, 0, 4, 0, type1 - 1, 0, 0);
    return 1;
}

/*
 * The common line, "L HEX\n" with L a label of an access (0..3), one space
 * and 1 to 16 hex digits: the line's length (next - p) says how many digits
 * there are, so one test says whether they all are hex digits (hex_fixed),
 * and the type comes from a 2-bit table (0 read, 1 write, 2 fetch, 3 read).
 * Anything else (a flush, 0x, tabs, '\r', trailing text, a bad or too long
 * address) goes to the general path, which parses the line again and says
 * what is wrong.
 */
static MMUSIM_ALWAYS_INLINE int parse_din(const char *p, const char *next, mmusim_access *a, const char **where)
{
    const unsigned label = (unsigned)((unsigned char)p[0] - '0');
    const size_t k = (size_t)(next - p) - 3; /* digits, if the line is "L HEX\n" */
    uint64_t addr;
    if (MMUSIM_LIKELY(label < 4 && p[1] == ' ' && k - 1 < 16 && hex_fixed(p + 2, (unsigned)k, &addr) &&
                      addr <= UINT64_MAX - 3)) {
        const unsigned type = din_type[label] - 1u;
        tbt_put(a, addr, 0, 4, 0, type, 0, 0);
        return 1;
    }
    return parse_din_any(p, a, where);
}

static int din_parse_line(const char *p, mmusim_access *a, const char **where)
{
    return parse_din_any(p, a, where);
}

static int din_line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start)
{
    char q[TBT_QUOTE_SIZE];
    (void)start;
    switch (pe) {
    case PE_DIN_LABEL:
        tbt_quote_token(q, sizeof q, where, 0);
        return tbt_fail_line(t, line, MMU_EPARSE,
                             "bad din label %s (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)", q);
    case PE_DIN_LABEL_RANGE:
        tbt_quote_token(q, sizeof q, where, 0);
        q[strlen(q) - 1] = '\0';
        return tbt_fail_line(t, line, MMU_ERANGE, "din label %s out of range 0..4", q + 1);
    default:
        return 0;
    }
}

static int din_sniff_line(const char *first)
{
    return *first >= '0' && *first <= '9';
}

static long din_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    return tbt_line_read(t, out, max, &tbt_format_din, parse_din);
}

/* "0 1000" (label 0 read, 1 write, 2 fetch; hex without 0x) */
static char *din_write(mmusim_writer *w, char *p, const mmusim_access *a)
{
    (void)w;
    *p++ = (char)('0' + a->type);
    *p++ = ' ';
    p = tbt_put_hex(p, a->vaddr, 1);
    *p++ = '\n';
    return p;
}

const tbt_format tbt_format_din = {
    .name = "din",
    .suffixes = {".din", NULL},
    .sniff_line = din_sniff_line,
    .open = tbt_line_open,
    .read_batch = din_read,
    .parse_line = din_parse_line,
    .line_error = din_line_error,
    .write = din_write,
};
