/*
 * trace.c - opening a trace, telling its format, and the line formats:
 * mmusim text, Valgrind Lackey and Dinero IV din (see trace.h and
 * docs/trace-formats.md).  The binary formats are in trace_bin.c.
 *
 * Traces run to hundreds of millions of lines, so the reader is built for
 * throughput:
 *   - decompressed text arrives in a 4 MiB buffer (stream.c does the
 *     decompression);
 *   - the buffer is cut after its last newline; everything before that cut is
 *     whole lines, so the parsers scan each line up to its '\n' without any
 *     end-of-buffer check (a last line without a newline gets one appended);
 *   - numbers are parsed by hand, with a table for hex digits;
 *   - nothing is allocated per line.
 * The hot loop only learns *that* a line is bad (an error code and where);
 * the message is built on the cold path.
 *
 * The format is decided at open time: an mmusim binary header by its magic
 * number, ChampSim records by being binary data at all, and the line
 * formats from the first line that is neither blank, nor a '#' comment, nor
 * a Valgrind '==' line; those lines are only looked at, not consumed, so the
 * chosen parser reads them again and rejects the ones its format does not
 * allow.
 */
#include "mmusim/io/trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "mmusim/io/stream.h"
#include "trace_binfmt.h"
#include "trace_impl.h"

#if defined(__SSE2__) && defined(__GNUC__) && !defined(MMUSIM_NO_SIMD)
#include <emmintrin.h>
#endif

#define MMUSIM_TRACE_MAX_LINE 4096 /* bytes, without the line end */
#define MMUSIM_TRACE_TOKEN 32 /* longest piece of a bad line quoted in a message */
#define MMUSIM_PEEK 64 /* bytes looked at to tell a binary format */

/* ---- names ---- */

/* What each format is called and which optional fields it carries. */
static const struct format_info {
    const char *name;
    unsigned fields;
} formats[MMUSIM_FMT_COUNT] = {
    [MMUSIM_FMT_AUTO] = {"auto", 0},
    [MMUSIM_FMT_TEXT] = {"text", MMUSIM_FIELDS_ALL},
    [MMUSIM_FMT_LACKEY] = {"lackey", MMUSIM_FIELD_SIZE},
    [MMUSIM_FMT_DIN] = {"din", 0},
    [MMUSIM_FMT_BINARY] = {"binary", MMUSIM_FIELDS_ALL},
    [MMUSIM_FMT_CHAMPSIM] = {"champsim", 0},
};

const char *mmusim_format_name(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT ? formats[f].name : "?";
}

mmusim_format mmusim_format_parse(const char *name)
{
    if (!name)
        return MMUSIM_FMT_COUNT;
    for (int i = 0; i < MMUSIM_FMT_COUNT; i++)
        if (strcasecmp(name, formats[i].name) == 0)
            return (mmusim_format)i;
    if (strcasecmp(name, "bin") == 0)
        return MMUSIM_FMT_BINARY;
    return MMUSIM_FMT_COUNT;
}

const char *mmusim_format_list(void)
{
    return "auto, text, lackey, din, binary, champsim";
}

unsigned mmusim_format_fields(mmusim_format f)
{
    return (unsigned)f < MMUSIM_FMT_COUNT ? formats[f].fields : 0;
}

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

/* "FILE:LINE: ..." (line > 0) or "FILE: ..." (line == 0); sticky. */
MMUSIM_PRINTF(4, 5)
static int trace_fail(mmusim_trace *t, uint64_t line, int code, const char *fmt, ...)
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

/* Why a line was rejected. */
enum parse_error {
    PE_BAD_OP = -1,        /* where: the operation token */
    PE_NO_ADDR = -2,
    PE_ADDR_NO_DIGITS = -3,
    PE_BAD_HEX = -4,       /* where: the bad character */
    PE_ADDR_RANGE = -5,
    PE_NO_COMMA = -6,
    PE_NO_SIZE = -7,
    PE_BAD_SIZE_DIGIT = -8, /* where: the bad character */
    PE_SIZE_RANGE = -9,    /* where: the size */
    PE_TRAILING = -10,     /* where: the unexpected text */
    PE_SIZE_PLACE = -11,   /* where: the size */
    PE_UNKNOWN_KEY = -12,  /* where: the key */
    PE_DUP_KEY = -13,      /* where: the key */
    PE_NO_VALUE = -14,     /* where: the key */
    PE_BAD_VALUE_DIGIT = -15, /* where: the bad character */
    PE_ASID_RANGE = -16,   /* where: the value */
    PE_CYCLE_RANGE = -17,
    PE_VALGRIND_IN_TEXT = -18,
    PE_DIN_LABEL = -19,       /* where: the label */
    PE_DIN_LABEL_RANGE = -20, /* where: the label */
    PE_WRAP = -21,            /* the bytes run past 2^64 */
};

/* Is c a character that ends a token (space, tab, CR, LF)? */
static MMUSIM_ALWAYS_INLINE int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Quote a character for a message: 'g', or '\x01' if unprintable. */
static void quote_char(char *out, size_t outlen, unsigned char c)
{
    if (c > 0x20 && c < 0x7f && c != '\'')
        snprintf(out, outlen, "'%c'", c);
    else if (c == ' ')
        snprintf(out, outlen, "' '");
    else
        snprintf(out, outlen, "'\\x%02x'", c);
}

/* Quote the token at p (up to a space, a line end or stop) for a message. */
static void quote_token(char *out, size_t outlen, const char *p, char stop)
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

/* pe happened at where, in the line starting at start. */
static int line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start)
{
    char q[MMUSIM_TRACE_TOKEN * 4 + 16];
    int lackey = t->fmt == MMUSIM_FMT_LACKEY;
    switch (pe) {
    case PE_BAD_OP:
        quote_token(q, sizeof q, where, 0);
        if (!lackey)
            return trace_fail(t, line, MMU_EPARSE, "unknown operation %s (expected R, W or X)", q);
        if (where[0] == 'S' && where[1] == 'B')
            return trace_fail(t, line, MMU_EPARSE,
                              "unknown Lackey record %s (trace without --trace-superblocks=yes)", q);
        return trace_fail(t, line, MMU_EPARSE,
                          "unknown Lackey record %s (expected I, L, S, M or a '==' line)", q);
    case PE_NO_ADDR:
        return trace_fail(t, line, MMU_EPARSE, "missing address");
    case PE_ADDR_NO_DIGITS:
        return trace_fail(t, line, MMU_EPARSE, "address has no hex digits");
    case PE_BAD_HEX:
        quote_char(q, sizeof q, (unsigned char)*where);
        return trace_fail(t, line, MMU_EPARSE, "bad hex digit %s in address", q);
    case PE_ADDR_RANGE:
        return trace_fail(t, line, MMU_ERANGE, "address does not fit in 64 bits");
    case PE_NO_COMMA:
        return trace_fail(t, line, MMU_EPARSE, "missing ',size'");
    case PE_NO_SIZE:
        return trace_fail(t, line, MMU_EPARSE, "missing size after ','");
    case PE_BAD_SIZE_DIGIT:
        quote_char(q, sizeof q, (unsigned char)*where);
        return trace_fail(t, line, MMU_EPARSE, "bad digit %s in size", q);
    case PE_SIZE_RANGE:
        quote_token(q, sizeof q, where, '#');
        /* print the digits without quotes: "size 0 out of range 1..4096" */
        q[strlen(q) - 1] = '\0';
        return trace_fail(t, line, MMU_ERANGE, "size %s out of range 1..%d", q + 1, MMUSIM_TRACE_MAX_SIZE);
    case PE_TRAILING:
        quote_token(q, sizeof q, where, lackey ? 0 : '#');
        if (lackey)
            return trace_fail(t, line, MMU_EPARSE, "unexpected %s after the size", q);
        return trace_fail(t, line, MMU_EPARSE, "unexpected %s (expected SIZE, asid=N or cycle=N)", q);
    case PE_SIZE_PLACE:
        quote_token(q, sizeof q, where, '#');
        return trace_fail(t, line, MMU_EPARSE, "size %s must come right after the address", q);
    case PE_UNKNOWN_KEY:
        quote_token(q, sizeof q, where, '=');
        return trace_fail(t, line, MMU_EPARSE, "unknown key %s (expected asid or cycle)", q);
    case PE_DUP_KEY:
        quote_token(q, sizeof q, where, '=');
        return trace_fail(t, line, MMU_EPARSE, "duplicate key %s", q);
    case PE_NO_VALUE:
        quote_token(q, sizeof q, where, '=');
        return trace_fail(t, line, MMU_EPARSE, "missing value for key %s", q);
    case PE_BAD_VALUE_DIGIT: {
        const char *eq = where;
        while (eq > start && *eq != '=')
            eq--;
        quote_char(q, sizeof q, (unsigned char)*where);
        return trace_fail(t, line, MMU_EPARSE, "bad digit %s in %s", q,
                          eq > start && eq[-1] == 'd' ? "asid" : "cycle");
    }
    case PE_ASID_RANGE:
        quote_token(q, sizeof q, where, '#');
        q[strlen(q) - 1] = '\0';
        return trace_fail(t, line, MMU_ERANGE, "asid %s out of range 0..65535", q + 1);
    case PE_CYCLE_RANGE:
        return trace_fail(t, line, MMU_ERANGE, "cycle does not fit in 64 bits");
    case PE_VALGRIND_IN_TEXT:
        return trace_fail(t, line, MMU_EPARSE,
                          "Valgrind '==' line in a text trace (only Lackey traces may have them)");
    case PE_DIN_LABEL:
        quote_token(q, sizeof q, where, 0);
        return trace_fail(t, line, MMU_EPARSE,
                          "bad din label %s (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)", q);
    case PE_DIN_LABEL_RANGE:
        quote_token(q, sizeof q, where, 0);
        q[strlen(q) - 1] = '\0';
        return trace_fail(t, line, MMU_ERANGE, "din label %s out of range 0..4", q + 1);
    case PE_WRAP:
        return trace_fail(t, line, MMU_ERANGE,
                          "the access's bytes run past the end of the address space (address + size - 1 "
                          "wraps past 2^64)");
    default:
        return trace_fail(t, line, MMU_EPARSE, "malformed line");
    }
}

/* ---- number parsing ---- */

/* hex digit value + 1; 0 for anything that is not a hex digit */
static const uint8_t hexv[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* Hex digits at *pp into *v; returns the number of digits, or -1 if the
 * value does not fit in 64 bits.  *pp ends at the first non-digit. */
static MMUSIM_ALWAYS_INLINE int parse_hex_scalar(const char **pp, uint64_t *v)
{
    const char *s = *pp, *q = s;
    uint64_t x = 0;
    unsigned d;
    while ((d = hexv[(unsigned char)*q]) != 0) {
        x = (x << 4) | (d - 1);
        q++;
    }
    *pp = q;
    *v = x;
    if (MMUSIM_UNLIKELY(q - s > 16)) {
        while (*s == '0')
            s++;
        if (q - s > 16)
            return -1;
    }
    return (int)(q - s);
}

#if defined(__SSE2__) && defined(__GNUC__) && !defined(MMUSIM_NO_SIMD)
#define MMUSIM_SSE2 1
#else
#define MMUSIM_SSE2 0
#endif

#if MMUSIM_SSE2
/*
 * SSE2 hex parsing (SSE2 is in every x86-64): look at 16 bytes at once (the
 * buffer is padded so that is always allowed), find the first byte that is
 * not a hex digit, and convert the digits before it without a loop.  A loop
 * over the digits costs a mispredicted branch whenever the address length
 * changes (Lackey has 8 digits for code and heap, 10 for the stack).
 */
static MMUSIM_ALWAYS_INLINE int parse_hex(const char **pp, uint64_t *v)
{
    const char *q = *pp;
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(b, _mm_set1_epi8('0' - 1)),
                                  _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), b));
    __m128i lower = _mm_or_si128(b, _mm_set1_epi8(0x20));
    __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                  _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), lower));
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, alpha));
    unsigned n = (unsigned)__builtin_ctz(~mask); /* digits before the first non-digit */
    if (MMUSIM_UNLIKELY(n - 1 >= 15)) /* none, or 16 or more: the careful way */
        return parse_hex_scalar(pp, v);
    /* digit values, then two per byte, first digit in the high nibble */
    __m128i val = _mm_add_epi8(_mm_and_si128(b, _mm_set1_epi8(0x0f)),
                               _mm_and_si128(alpha, _mm_set1_epi8(9)));
    __m128i pair = _mm_or_si128(_mm_slli_epi16(val, 4), _mm_srli_epi16(val, 8));
    pair = _mm_and_si128(pair, _mm_set1_epi16(0x00ff));
    uint64_t x = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pair, pair));
    *v = __builtin_bswap64(x) >> (64 - 4 * n);
    *pp = q + n;
    return (int)n;
}
#else
#define parse_hex parse_hex_scalar
#endif

/* Decimal digits at *pp; the value saturates at cap + 1.  Returns the
 * number of digits. */
static MMUSIM_ALWAYS_INLINE int parse_dec_capped(const char **pp, uint32_t *v, uint32_t cap)
{
    const char *s = *pp, *q = s;
    uint32_t x = 0;
    unsigned d;
    while ((d = (unsigned)((unsigned char)*q - '0')) < 10) {
        x = x * 10 + d;
        if (x > cap)
            x = cap + 1;
        q++;
    }
    *pp = q;
    *v = x;
    return (int)(q - s);
}

/* Decimal uint64 at *pp; returns the number of digits, or -1 on overflow. */
static int parse_dec64(const char **pp, uint64_t *v)
{
    const char *s = *pp, *q = s;
    uint64_t x = 0;
    unsigned d;
    int over = 0;
    while ((d = (unsigned)((unsigned char)*q - '0')) < 10) {
        if (x > (UINT64_MAX - d) / 10)
            over = 1;
        x = x * 10 + d;
        q++;
    }
    *pp = q;
    *v = x;
    return over ? -1 : (int)(q - s);
}

/* ---- line parsers ----
 * Contract: p is the start of a line that ends with '\n' inside the buffer.
 * Return 1 with *a filled (an access), 0 for a line without an access, or a
 * parse_error with *where set.  A line that is accepted has no '\n' before
 * its end, so the caller finds the next line by itself.
 */

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
    while (MMUSIM_UNLIKELY(*q == ' ' || *q == '\t'))
        q++;
    uint64_t addr;
    int nd = parse_hex(&q, &addr);
    if (MMUSIM_UNLIKELY(nd <= 0)) {
        if (nd < 0)
            return PE_ADDR_RANGE;
        *where = q;
        return (*q == '\n' || is_space((unsigned char)*q)) ? PE_NO_ADDR
               : *q == ','                                 ? PE_ADDR_NO_DIGITS
                                                           : PE_BAD_HEX;
    }
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
    a->vaddr = addr;
    a->cycle = 0;
    a->size = size;
    a->asid = 0;
    a->type = (uint8_t)(op1 - 1);
    a->has_cycle = 0;
    return 1;
}

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

    uint32_t size = 1, asid = 0;
    uint64_t cycle = 0;
    int fields = 0, have_asid = 0, have_cycle = 0;
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
            int is_cycle = klen == 5 && memcmp(f, "cycle", 5) == 0;
            if (!is_asid && !is_cycle) {
                *where = f;
                return PE_UNKNOWN_KEY;
            }
            if ((is_asid && have_asid) || (is_cycle && have_cycle)) {
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
            if (nd < 0)
                return PE_CYCLE_RANGE;
        }
        fields++;
    }
    if (addr + (size - 1) < addr)
        return PE_WRAP;
    a->vaddr = addr;
    a->cycle = cycle;
    a->size = size;
    a->asid = (uint16_t)asid;
    a->type = type;
    a->has_cycle = (uint8_t)have_cycle;
    return 1;
}

/*
 * Dinero IV din: "LABEL ADDRESS", both hexadecimal (an optional 0x), the
 * rest of the line ignored.  Label 0 read, 1 write, 2 instruction fetch,
 * 3 escape (an access of unknown type: Dinero IV counts it as a data
 * reference, so a read here), 4 escape (cache flush: no access).  din has no
 * sizes: Dinero IV references the 4-byte word, so every access is 4 bytes.
 */
static const uint8_t din_type[5] = {MMU_READ + 1, MMU_WRITE + 1, MMU_FETCH + 1, MMU_READ + 1, 0};

static MMUSIM_ALWAYS_INLINE int parse_din(const char *p, mmusim_access *a, const char **where)
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
    a->vaddr = addr;
    a->cycle = 0;
    a->size = 4;
    a->asid = 0;
    a->type = (uint8_t)(type1 - 1);
    a->has_cycle = 0;
    return 1;
}

/* ---- buffer ---- */

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
        trace_fail(t, 0, t->err_code, "%s (at the start of the data)", msg);
    else if (t->fmt == MMUSIM_FMT_BINARY || t->fmt == MMUSIM_FMT_CHAMPSIM)
        tbt_fail_record(t, t->record + 1, t->err_code, "%s (after %" PRIu64 " whole records)", msg,
                        t->record);
    else
        trace_fail(t, t->line + 1, t->err_code, "%s (after %" PRIu64 " whole lines)", msg, t->line);
}

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

/*
 * Is the line at p a comment of the format (or, before the format is known,
 * of any format)?  Comments have no length limit: a Valgrind "==PID==
 * Command:" line carries the whole command line.
 */
static int comment_line(mmusim_format fmt, const char *p)
{
    if (p[0] == '=' && p[1] == '=')
        return fmt == MMUSIM_FMT_LACKEY || fmt == MMUSIM_FMT_AUTO;
    return p[0] == '#' && (fmt == MMUSIM_FMT_TEXT || fmt == MMUSIM_FMT_AUTO);
}

/* Bytes of a long comment line kept: enough to quote it in a message. */
#define MMUSIM_COMMENT_KEEP 128

/*
 * Make whole lines available at pos (pos == lim on entry).  Returns 1 if
 * there are some, 0 at the end of the trace, or an error.
 */
static int advance(mmusim_trace *t)
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
            if (!comment_line(t->fmt, t->buf + t->pos))
                return trace_fail(t, t->line + 1, MMU_EPARSE, "line longer than %d bytes",
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

/* Is the line [p, next) longer than allowed?  (Its end may be "\r\n".) */
static int too_long(const char *p, const char *next)
{
    size_t n = (size_t)(next - p) - 1;
    if (n > 0 && next[-2] == '\r')
        n--;
    return n > MMUSIM_TRACE_MAX_LINE;
}

/*
 * The '\n' that ends the line at p (there is one before end).  Finding it
 * apart from the parser keeps the step from one line to the next short, so
 * the CPU parses several lines at once.
 */
static MMUSIM_ALWAYS_INLINE const char *find_newline(const char *p, const char *end)
{
#if MMUSIM_SSE2
    __m128i nl = _mm_set1_epi8('\n');
    unsigned m0 = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), nl));
    unsigned m1 = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)), nl));
    unsigned m = m0 | (m1 << 16);
    if (MMUSIM_LIKELY(m))
        return p + __builtin_ctz(m);
#endif
    return memchr(p, '\n', (size_t)(end - p));
}

static MMUSIM_ALWAYS_INLINE int parse_line(mmusim_format fmt, const char *p, mmusim_access *a, const char **where)
{
    return fmt == MMUSIM_FMT_LACKEY ? parse_lackey(p, a, where)
           : fmt == MMUSIM_FMT_DIN  ? parse_din(p, a, where)
                                : parse_text(p, a, where);
}

static MMUSIM_ALWAYS_INLINE long read_loop(mmusim_trace *t, mmusim_access *out, size_t max, mmusim_format fmt)
{
    size_t n = 0;
    while (n < max) {
        if (t->pos >= t->lim) {
            int r = advance(t);
            if (r < 0)
                return n ? (long)n : r;
            if (r == 0)
                break;
        }
        const char *p = t->buf + t->pos;
        const char *end = t->buf + t->lim;
        uint64_t line = t->line, instr = 0;
        int rc = 0;
        const char *next = p, *where = p;
        while (p < end && n < max) {
            next = find_newline(p, end) + 1;
            rc = parse_line(fmt, p, &out[n], &where);
            if (MMUSIM_UNLIKELY(rc < 0))
                break;
            if (MMUSIM_UNLIKELY(next - p > MMUSIM_TRACE_MAX_LINE + 1) && too_long(p, next) &&
                !comment_line(fmt, p)) {
                rc = 2;
                break;
            }
            if (MMUSIM_LIKELY(rc)) {
                instr += out[n].type == MMU_FETCH;
                n++;
            }
            line++;
            p = next;
        }
        t->instructions += instr;
        t->pos = (size_t)(p - t->buf);
        t->line = line;
        if (MMUSIM_UNLIKELY(rc < 0 || rc == 2)) {
            int code = rc == 2 ? trace_fail(t, line + 1, MMU_EPARSE, "line longer than %d bytes",
                                            MMUSIM_TRACE_MAX_LINE)
                               : line_error(t, line + 1, rc, where, p);
            /* hand out the good accesses first; the sticky error comes next call */
            return n ? (long)n : code;
        }
    }
    return (long)n;
}

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
    long n;
    switch (t->fmt) {
    case MMUSIM_FMT_LACKEY: n = read_loop(t, buf, max, MMUSIM_FMT_LACKEY); break;
    case MMUSIM_FMT_DIN: n = read_loop(t, buf, max, MMUSIM_FMT_DIN); break;
    case MMUSIM_FMT_BINARY: n = tbt_bin_read(t, buf, max); break;
    case MMUSIM_FMT_CHAMPSIM: n = tbt_champsim_read(t, buf, max); break;
    default: n = read_loop(t, buf, max, MMUSIM_FMT_TEXT); break;
    }
    if (n > 0) {
        t->accesses += (uint64_t)n;
    } else if (n == 0 && max && t->accesses == 0) {
        n = trace_fail(t, 0, MMU_EPARSE, "empty trace (no accesses)");
    }
    if (n < 0)
        mmusim_copy_msg(err, errlen, t->errmsg);
    return n;
}

/* ---- opening and format detection ---- */

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

/*
 * Find the first line that is not blank, a comment or a Valgrind line,
 * without consuming it, and decide the format from it.
 */
static int detect(mmusim_trace *t, mmusim_format want)
{
    saved_line hash = {0, {0}}, valgrind = {0, {0}};
    size_t off = t->pos;
    uint64_t line = t->line;
    const char *first = NULL;
    while (!first) {
        if (off >= t->lim) {
            t->pos = t->lim; /* everything so far was skippable: consume it */
            t->line = line;
            int r = advance(t);
            if (r < 0)
                return r;
            if (r == 0)
                return trace_fail(t, 0, MMU_EPARSE, "empty trace (no accesses)");
            off = t->pos;
        }
        const char *p = t->buf + off;
        const char *nl = memchr(p, '\n', t->lim - off);
        const char *q = p;
        while (is_space((unsigned char)*q))
            q++;
        line++;
        if (*q == '\n') {
        } else if (*q == '#' && want != MMUSIM_FMT_LACKEY) {
            save_line(&hash, line, p);
        } else if (p[0] == '=' && p[1] == '=' && want != MMUSIM_FMT_TEXT) {
            save_line(&valgrind, line, p);
        } else {
            first = q;
            line--;
        }
        off = (size_t)(nl + 1 - t->buf);
    }
    if (want == MMUSIM_FMT_AUTO) {
        if (*first && strchr("ILSM", *first))
            want = MMUSIM_FMT_LACKEY;
        else if (*first && strchr("RWXrwx", *first))
            want = MMUSIM_FMT_TEXT;
        else if (*first >= '0' && *first <= '9')
            want = MMUSIM_FMT_DIN;
        else {
            char q[MMUSIM_TRACE_TOKEN * 4 + 16];
            quote_token(q, sizeof q, first, 0);
            return trace_fail(t, line + 1, MMU_EPARSE,
                              "cannot tell the trace format from %s (expected a text record "
                              "R/W/X, a Lackey record I/L/S/M or a din record LABEL ADDRESS)", q);
        }
    }
    t->fmt = want;
    /* A consumed line the chosen format does not allow is still an error:
     * '#' lines in Lackey and din, '==' lines in text and din. */
    saved_line *bad = want == MMUSIM_FMT_LACKEY ? &hash : &valgrind;
    if (want == MMUSIM_FMT_DIN && hash.line && (!valgrind.line || hash.line < valgrind.line))
        bad = &hash;
    if (bad->line && bad->line <= t->line) {
        mmusim_access a;
        const char *where = bad->text;
        int rc = parse_line(want, bad->text, &a, &where);
        return line_error(t, bad->line, rc < 0 ? rc : PE_BAD_OP, where, bad->text);
    }
    return 0;
}

/* Could the n bytes at b be the start of an mmusim binary trace? */
static int bin_magic(const unsigned char *b, size_t n)
{
    if (n > MMUSIM_BIN_MAGIC_LEN)
        n = MMUSIM_BIN_MAGIC_LEN;
    return n > 0 && memcmp(b, MMUSIM_BIN_MAGIC, n) == 0;
}

/*
 * Tell a binary format from the first bytes: the mmusim magic number, or
 * binary data (a NUL byte, which no text trace has) whose first record looks
 * like ChampSim's (is_branch and branch_taken are 0 or 1, and an instruction
 * pointer other than 0).  Zeros alone (/dev/zero, a file of holes) are
 * refused: they would read as endless fetches at address 0.  Returns the
 * format, MMUSIM_FMT_AUTO for text, or an error.
 */
static int detect_binary(mmusim_trace *t)
{
    const unsigned char *b = (const unsigned char *)t->buf + t->pos;
    size_t n = t->len - t->pos;
    if (bin_magic(b, n))
        return MMUSIM_FMT_BINARY;
    if (memchr(b, 0, n < MMUSIM_PEEK ? n : MMUSIM_PEEK) == NULL)
        return MMUSIM_FMT_AUTO;
    size_t zeros = 0;
    while (zeros < n && zeros < MMUSIM_PEEK && b[zeros] == 0)
        zeros++;
    if (zeros == n || zeros == MMUSIM_PEEK)
        return trace_fail(t, 0, MMU_EPARSE,
                          "cannot tell the trace format: the data starts with %zu zero bytes "
                          "(not a trace)", zeros);
    if (n >= MMUSIM_CHAMPSIM_OFF_TAKEN + 1 && b[MMUSIM_CHAMPSIM_OFF_IS_BRANCH] <= 1 &&
        b[MMUSIM_CHAMPSIM_OFF_TAKEN] <= 1 && mmusim_le64(b) != 0)
        return MMUSIM_FMT_CHAMPSIM;
    return trace_fail(t, 0, MMU_EPARSE,
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

int mmusim_trace_open(const char *path, mmusim_format fmt, mmusim_trace **out, char *err, size_t errlen)
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
    int rc = mmusim_stream_open(path, &t->st, err, errlen);
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->cap = trace_buffer_size(t->st);
    t->buf = malloc(t->cap + 1 + MMUSIM_TRACE_PAD);
    if (!t->buf) {
        rc = trace_fail(t, 0, MMU_ENOMEM, "out of memory");
        goto fail;
    }
    t->fmt = fmt;
    rc = tbt_fill(t, MMUSIM_PEEK);
    if (rc < 0)
        goto fail;
    if (t->len == 0) {
        rc = trace_fail(t, 0, MMU_EPARSE, "empty trace (no accesses)");
        goto fail;
    }
    if (fmt == MMUSIM_FMT_AUTO) {
        rc = detect_binary(t);
        if (rc < 0)
            goto fail;
        fmt = (mmusim_format)rc;
    }
    t->fmt = fmt;
    t->fields = mmusim_format_fields(fmt);
    if (fmt == MMUSIM_FMT_BINARY)
        rc = tbt_bin_header(t);
    else if (fmt != MMUSIM_FMT_CHAMPSIM)
        rc = detect(t, fmt);
    if (rc < 0)
        goto fail;
    t->fields = mmusim_format_fields(t->fmt);
    if (t->fmt == MMUSIM_FMT_BINARY)
        t->fields = MMUSIM_FIELD_SIZE | (t->bin_flags & MMUSIM_BIN_FLAG_ASID ? MMUSIM_FIELD_ASID : 0) |
                    (t->bin_flags & MMUSIM_BIN_FLAG_CYCLE ? MMUSIM_FIELD_CYCLE : 0);
    *out = t;
    return 0;
fail:
    mmusim_copy_msg(err, errlen, t->errmsg);
    mmusim_trace_close(t);
    return rc;
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
