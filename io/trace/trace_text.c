/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_text.c - mmusim's text format (docs/trace-formats.md):
 * "OP ADDRESS [SIZE] [asid=N] [vmid=N] [cycle=N] [# comment]", OP one of R, W,
 * X; the keys in any order.
 */
#include <stdio.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_impl.h"
#include "trace_line.h"
#include "trace_put.h"

/* The text format's own parse errors. */
enum {
    PE_SIZE_PLACE = PE_FORMAT,  /* where: the size */
    PE_UNKNOWN_KEY = PE_FORMAT - 1,  /* where: the key */
    PE_DUP_KEY = PE_FORMAT - 2,      /* where: the key */
    PE_NO_VALUE = PE_FORMAT - 3,     /* where: the key */
    PE_BAD_VALUE_DIGIT = PE_FORMAT - 4, /* where: the bad character */
    PE_ASID_RANGE = PE_FORMAT - 5,   /* where: the value */
    PE_CYCLE_RANGE = PE_FORMAT - 6,
    PE_VALGRIND_IN_TEXT = PE_FORMAT - 7,
    PE_VMID_RANGE = PE_FORMAT - 8,   /* where: the value */
};

/* Does c end a field of the text format? */
static MMUSIM_ALWAYS_INLINE int text_end(unsigned char c)
{
    return c == '\n' || c == '#' || is_space(c);
}

static int parse_text(const char *p, mmusim_access *a, const char **where)
{
    const char *q = p;
    while (is_space((unsigned char)*q))
        q++;
    uint8_t type;
    switch (*q) {
    case 'R': case 'r': type = MMU_READ; break;
    case 'W': case 'w': type = MMU_WRITE; break;
    case 'X': case 'x': type = MMU_FETCH; break;
    case '\n':
    case '#':
        return 0;
    case '=':
        if (q == p && q[1] == '=')
            return PE_VALGRIND_IN_TEXT;
        /* fall through */
    default:
        *where = q;
        return PE_BAD_OP;
    }
    const char *op = q++;
    if (!is_space((unsigned char)*q)) {
        *where = op;
        return (*q == '\n' || *q == '#') ? PE_NO_ADDR : PE_BAD_OP;
    }
    while (is_space((unsigned char)*q))
        q++;
    if (*q == '\n' || *q == '#')
        return PE_NO_ADDR;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        q += 2;
    uint64_t addr;
    int nd = parse_hex(&q, &addr);
    if (nd < 0)
        return PE_ADDR_RANGE;
    if (!text_end((unsigned char)*q)) {
        *where = q;
        return PE_BAD_HEX;
    }
    if (nd == 0)
        return PE_ADDR_NO_DIGITS;

    uint32_t size = 1, asid = 0, vmid = 0;
    uint64_t cycle = 0;
    int fields = 0, have_asid = 0, have_cycle = 0, have_vmid = 0;
    for (;;) {
        while (is_space((unsigned char)*q))
            q++;
        if (*q == '\n')
            break;
        if (*q == '#')
            break;
        const char *f = q;
        if ((unsigned)((unsigned char)*q - '0') < 10) {
            if (fields) {
                *where = f;
                return PE_SIZE_PLACE;
            }
            parse_dec_capped(&q, &size, MMUSIM_TRACE_MAX_SIZE);
            if (!text_end((unsigned char)*q)) {
                *where = q;
                return PE_BAD_SIZE_DIGIT;
            }
            if (size - 1 >= MMUSIM_TRACE_MAX_SIZE) {
                *where = f;
                return PE_SIZE_RANGE;
            }
        } else {
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_' ||
                   (*q >= '0' && *q <= '9'))
                q++;
            if (*q != '=' || q == f) {
                *where = f;
                return PE_TRAILING;
            }
            size_t klen = (size_t)(q - f);
            q++;
            const char *val = q;
            int is_asid = klen == 4 && memcmp(f, "asid", 4) == 0;
            int is_vmid = klen == 4 && memcmp(f, "vmid", 4) == 0;
            int is_cycle = klen == 5 && memcmp(f, "cycle", 5) == 0;
            if (!is_asid && !is_vmid && !is_cycle) {
                *where = f;
                return PE_UNKNOWN_KEY;
            }
            if ((is_asid && have_asid) || (is_vmid && have_vmid) || (is_cycle && have_cycle)) {
                *where = f;
                return PE_DUP_KEY;
            }
            if (text_end((unsigned char)*q)) {
                *where = f;
                return PE_NO_VALUE;
            }
            if (is_asid) {
                nd = parse_dec_capped(&q, &asid, 65535);
                have_asid = 1;
            } else if (is_vmid) {
                nd = parse_dec_capped(&q, &vmid, 65535);
                have_vmid = 1;
            } else {
                nd = parse_dec64(&q, &cycle);
                have_cycle = 1;
            }
            if (!text_end((unsigned char)*q)) {
                *where = q;
                return PE_BAD_VALUE_DIGIT;
            }
            if (is_asid && asid > 65535) {
                *where = val;
                return PE_ASID_RANGE;
            }
            if (is_vmid && vmid > 65535) {
                *where = val;
                return PE_VMID_RANGE;
            }
            if (nd < 0)
                return PE_CYCLE_RANGE;
        }
        fields++;
    }
    if (addr + (size - 1) < addr)
        return PE_WRAP;
    tbt_put(a, addr, cycle, size, asid, type, (uint32_t)have_cycle, vmid);
    return 1;
}

/* R, W, X (any case) -> mmu_access_type + 1; 0 for anything else */
static const uint8_t text_op[256] = {
    ['R'] = MMU_READ + 1,  ['r'] = MMU_READ + 1,  ['W'] = MMU_WRITE + 1,
    ['w'] = MMU_WRITE + 1, ['X'] = MMU_FETCH + 1, ['x'] = MMU_FETCH + 1,
};

/*
 * The lines the writer writes most: "OP [0x]ADDR[ SIZE]\n", one space
 * between the fields, a size of at most 4 digits, no key.  Taken here
 * without a call; anything else (and any error) goes to parse_text, which
 * parses the line again from its start.
 */
static MMUSIM_ALWAYS_INLINE int parse_text_line(const char *p, mmusim_access *a, const char **where)
{
    unsigned op1 = text_op[(unsigned char)p[0]];
    if (MMUSIM_LIKELY(op1 != 0 && p[1] == ' ')) {
        const char *q = p + 2;
        q += (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) * 2;
        uint64_t addr;
        int nd = parse_hex(&q, &addr);
        if (MMUSIM_LIKELY(nd > 0)) {
            uint32_t size = 1;
            int ok = *q == '\n';
            if (*q == ' ') {
                const char *d = q + 1;
                unsigned k = 0, v;
                size = 0;
                while (k < 4 && (v = (unsigned)((unsigned char)d[k] - '0')) < 10) {
                    size = size * 10 + v;
                    k++;
                }
                ok = k > 0 && d[k] == '\n' && size - 1 < MMUSIM_TRACE_MAX_SIZE;
            }
            if (MMUSIM_LIKELY(ok && addr + (size - 1) >= addr)) {
                tbt_put(a, addr, 0, size, 0, op1 - 1, 0, 0);
                return 1;
            }
        }
    }
    return parse_text(p, a, where);
}

static int text_line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start)
{
    char q[TBT_QUOTE_SIZE];
    switch (pe) {
    case PE_BAD_OP:
        tbt_quote_token(q, sizeof q, where, 0);
        return tbt_fail_line(t, line, MMU_EPARSE, "unknown operation %s (expected R, W or X)", q);
    case PE_TRAILING:
        tbt_quote_token(q, sizeof q, where, '#');
        return tbt_fail_line(t, line, MMU_EPARSE,
                             "unexpected %s (expected SIZE, asid=N, vmid=N or cycle=N)", q);
    case PE_SIZE_PLACE:
        tbt_quote_token(q, sizeof q, where, '#');
        return tbt_fail_line(t, line, MMU_EPARSE, "size %s must come right after the address", q);
    case PE_UNKNOWN_KEY:
        tbt_quote_token(q, sizeof q, where, '=');
        return tbt_fail_line(t, line, MMU_EPARSE, "unknown key %s (expected asid, vmid or cycle)", q);
    case PE_DUP_KEY:
        tbt_quote_token(q, sizeof q, where, '=');
        return tbt_fail_line(t, line, MMU_EPARSE, "duplicate key %s", q);
    case PE_NO_VALUE:
        tbt_quote_token(q, sizeof q, where, '=');
        return tbt_fail_line(t, line, MMU_EPARSE, "missing value for key %s", q);
    case PE_BAD_VALUE_DIGIT: {
        /* the key: the word before the '=' before where */
        const char *eq = where, *k;
        while (eq > start && *eq != '=')
            eq--;
        for (k = eq; k > start && !is_space((unsigned char)k[-1]);)
            k--;
        tbt_quote_char(q, sizeof q, (unsigned char)*where);
        return tbt_fail_line(t, line, MMU_EPARSE, "bad digit %s in %.*s", q, (int)(eq - k), k);
    }
    case PE_ASID_RANGE:
        tbt_quote_token(q, sizeof q, where, '#');
        q[strlen(q) - 1] = '\0';
        return tbt_fail_line(t, line, MMU_ERANGE, "asid %s out of range 0..65535", q + 1);
    case PE_VMID_RANGE:
        tbt_quote_token(q, sizeof q, where, '#');
        q[strlen(q) - 1] = '\0';
        return tbt_fail_line(t, line, MMU_ERANGE, "vmid %s out of range 0..65535", q + 1);
    case PE_CYCLE_RANGE:
        return tbt_fail_line(t, line, MMU_ERANGE, "cycle does not fit in 64 bits");
    case PE_VALGRIND_IN_TEXT:
        return tbt_fail_line(t, line, MMU_EPARSE,
                             "Valgrind '==' line in a text trace (only Lackey traces may have them)");
    default:
        return 0;
    }
}

static int text_sniff_line(const char *first)
{
    return *first && strchr("RWXrwx", *first) != NULL;
}

static MMUSIM_ALWAYS_INLINE int parse_text_next(const char *p, const char *next, mmusim_access *a,
                                               const char **where)
{
    (void)next;
    return parse_text_line(p, a, where);
}

static long text_read(mmusim_trace *t, mmusim_access *out, size_t max)
{
    return tbt_line_read(t, out, max, &tbt_format_text, parse_text_next);
}

/* ---- writing ---- */

/* a first "# ..." line if asked for */
static int text_write_begin(mmusim_writer *w, const mmusim_writer_opts *o)
{
    if (!o->comment)
        return 0;
    const char *c = o->comment;
    w->buf[w->len++] = '#';
    w->buf[w->len++] = ' ';
    while (*c && w->len < 1024) {
        w->buf[w->len++] = *c == '\n' ? ' ' : *c;
        c++;
    }
    w->buf[w->len++] = '\n';
    return 0;
}

/* "R 0x1000 8 asid=3 vmid=1 cycle=99"; asid and vmid only if not 0, cycle
 * only if given */
static char *text_write(mmusim_writer *w, char *p, const mmusim_access *a)
{
    static const char op[MMU_ACCESS_TYPES] = {'R', 'W', 'X'};
    (void)w;
    *p++ = op[a->type];
    *p++ = ' ';
    *p++ = '0';
    *p++ = 'x';
    p = tbt_put_hex(p, a->vaddr, 1);
    *p++ = ' ';
    p = tbt_put_dec(p, a->size);
    if (a->asid) {
        memcpy(p, " asid=", 6);
        p = tbt_put_dec(p + 6, a->asid);
    }
    if (a->vmid) {
        memcpy(p, " vmid=", 6);
        p = tbt_put_dec(p + 6, a->vmid);
    }
    if (a->has_cycle) {
        memcpy(p, " cycle=", 7);
        p = tbt_put_dec(p + 7, a->cycle);
    }
    *p++ = '\n';
    return p;
}

const tbt_format tbt_format_text = {
    .name = "text",
    .fields = MMUSIM_FIELDS_ALL,
    .suffixes = {".txt", ".text", NULL},
    .sniff_line = text_sniff_line,
    .open = tbt_line_open,
    .read_batch = text_read,
    .comments = TBT_COMMENT_HASH,
    .parse_line = parse_text,
    .line_error = text_line_error,
    .write_begin = text_write_begin,
    .write = text_write,
};
