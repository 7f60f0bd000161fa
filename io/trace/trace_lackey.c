/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_lackey.c - Valgrind Lackey traces (valgrind --tool=lackey
 * --trace-mem=yes): "I  04017a0,3", " L 04222cac,4", " S ...", " M ...",
 * and "==PID==" lines from Valgrind itself.
 */
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_impl.h"
#include "trace_line.h"
#include "trace_put.h"

/* Lackey's own parse errors. */
enum {
    PE_NO_COMMA = PE_FORMAT,
    PE_NO_SIZE = PE_FORMAT - 1,
};

/* Lackey record letter -> mmu_access_type + 1; 0 for anything else.
 * M (modify) is one access, a write. */
static const uint8_t lackey_op[256] = {
    ['I'] = MMU_FETCH + 1, ['L'] = MMU_READ + 1, ['S'] = MMU_WRITE + 1, ['M'] = MMU_WRITE + 1,
};

static MMUSIM_ALWAYS_INLINE int parse_lackey(const char *p, mmusim_access *a, const char **where)
{
    const char *q = p;
    q += *q == ' '; /* " L 0402...": no branch on the record kind */
    unsigned op1 = lackey_op[(unsigned char)*q];
    if (MMUSIM_UNLIKELY(op1 == 0)) {
        while (is_space((unsigned char)*q))
            q++;
        op1 = lackey_op[(unsigned char)*q];
        if (op1 == 0) {
            if (*q == '\n')
                return 0;
            if (q == p && q[0] == '=' && q[1] == '=')
                return 0;
            *where = q;
            return PE_BAD_OP;
        }
    }
    const char *op = q++;
    if (MMUSIM_UNLIKELY(*q != ' ' && *q != '\t')) {
        *where = op;
        return *q == '\n' || *q == '\r' ? PE_NO_ADDR : PE_BAD_OP;
    }
    q++;
    q += *q == ' '; /* "I  0402...": two spaces */
    uint64_t addr;
    int nd = parse_hex(&q, &addr);
    if (MMUSIM_UNLIKELY(nd <= 0)) {
        if (nd < 0)
            return PE_ADDR_RANGE;
        if (*q == ' ' || *q == '\t') { /* more blanks before the address: the slow way */
            while (*q == ' ' || *q == '\t')
                q++;
            nd = parse_hex(&q, &addr);
            if (nd > 0)
                goto have_addr;
            if (nd < 0)
                return PE_ADDR_RANGE;
        }
        *where = q;
        return (*q == '\n' || is_space((unsigned char)*q)) ? PE_NO_ADDR
               : *q == ','                                 ? PE_ADDR_NO_DIGITS
                                                           : PE_BAD_HEX;
    }
have_addr:
    if (MMUSIM_UNLIKELY(*q != ',')) {
        *where = q;
        return (*q == '\n' || is_space((unsigned char)*q)) ? PE_NO_COMMA : PE_BAD_HEX;
    }
    q++;
    const char *sz = q;
    uint32_t size;
    /* sizes are one or two digits: take them without a loop */
    unsigned d0 = (unsigned)((unsigned char)q[0] - '0'), d1 = (unsigned)((unsigned char)q[1] - '0');
    if (MMUSIM_LIKELY(d0 < 10 && (unsigned char)q[1 + (d1 < 10)] == '\n')) {
        size = d1 < 10 ? d0 * 10 + d1 : d0;
        q += 1 + (d1 < 10);
        nd = 1;
    } else {
        nd = parse_dec_capped(&q, &size, MMUSIM_TRACE_MAX_SIZE);
    }
    if (MMUSIM_UNLIKELY(*q != '\n')) {
        if (!is_space((unsigned char)*q)) {
            *where = q;
            return PE_BAD_SIZE_DIGIT;
        }
        while (is_space((unsigned char)*q))
            q++;
        if (*q != '\n') {
            *where = q;
            return PE_TRAILING;
        }
    }
    if (MMUSIM_UNLIKELY(nd == 0))
        return PE_NO_SIZE;
    if (MMUSIM_UNLIKELY(size - 1 >= MMUSIM_TRACE_MAX_SIZE)) {
        *where = sz;
        return PE_SIZE_RANGE;
    }
    if (MMUSIM_UNLIKELY(addr + (size - 1) < addr))
        return PE_WRAP;
    tbt_put(a, addr, 0, size, 0, op1 - 1, 0, 0);
    return 1;
}

static int lackey_parse_line(const char *p, mmusim_access *a, const char **where)
{
    return parse_lackey(p, a, where);
}

static int lackey_line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start)
{
    char q[TBT_QUOTE_SIZE];
    (void)start;
    switch (pe) {
    case PE_BAD_OP:
        tbt_quote_token(q, sizeof q, where, 0);
        if (where[0] == 'S' && where[1] == 'B')
            return tbt_fail_line(t, line, MMU_EPARSE,
                                 "unknown Lackey record %s (trace without --trace-superblocks=yes)", q);
        return tbt_fail_line(t, line, MMU_EPARSE,
                             "unknown Lackey record %s (expected I, L, S, M or a '==' line)", q);
    case PE_TRAILING:
        tbt_quote_token(q, sizeof q, where, 0);
        return tbt_fail_line(t, line, MMU_EPARSE, "unexpected %s after the size", q);
    case PE_NO_COMMA:
        return tbt_fail_line(t, line, MMU_EPARSE, "missing ',size'");
    case PE_NO_SIZE:
        return tbt_fail_line(t, line, MMU_EPARSE, "missing size after ','");
    default:
        return 0;
    }
}

static int lackey_sniff_line(const char *first)
{
    return *first && strchr("ILSM", *first) != NULL;
}

static MMUSIM_ALWAYS_INLINE int parse_lackey_next(const char *p, const char *next, mmusim_access *a,
                                                 const char **where)
{
    (void)next;
    return parse_lackey(p, a, where);
}

static long lackey_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    return tbt_line_read(t, out, max, &tbt_format_lackey, parse_lackey_next);
}

/* "I  04017a0,3", " L 04222cac,4", " S 1ffefffd78,8" (%08lx, as Lackey prints) */
static char *lackey_write(mmusim_writer *w, char *p, const mmusim_access *a)
{
    static const char op[MMU_ACCESS_TYPES][3] = {{' ', 'L', ' '}, {' ', 'S', ' '}, {'I', ' ', ' '}};
    (void)w;
    memcpy(p, op[a->type], 3);
    p = tbt_put_hex(p + 3, a->vaddr, 8);
    *p++ = ',';
    p = tbt_put_dec(p, a->size);
    *p++ = '\n';
    return p;
}

const tbt_format tbt_format_lackey = {
    .name = "lackey",
    .fields = MMUSIM_FIELD_SIZE,
    .suffixes = {".lackey", NULL},
    .sniff_line = lackey_sniff_line,
    .open = tbt_line_open,
    .read_batch = lackey_read,
    .comments = TBT_COMMENT_VALGRIND,
    .parse_line = lackey_parse_line,
    .line_error = lackey_line_error,
    .write = lackey_write,
};
