/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_line.h - what the line formats (text, Lackey, din) share: the read
 * loop, number parsing and the parse error codes.  The loop and the parsers
 * are inline so that each format's read_batch is one loop with its own
 * parser compiled in.
 *
 * Throughput: numbers are parsed by hand, with a table for hex digits (and
 * SSE2 where there is SSE2); nothing is allocated per line.  The hot loop
 * only learns *that* a line is bad (an error code and where); the message is
 * built on the cold path (tbt_line_error).
 */
#ifndef MMUSIM_IO_TRACE_LINE_H
#define MMUSIM_IO_TRACE_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "trace_impl.h"

#if defined(__SSE2__) && defined(__GNUC__) && !defined(MMUSIM_NO_SIMD)
#include <emmintrin.h>
#define MMUSIM_SSE2 1
#else
#define MMUSIM_SSE2 0
#endif

/*
 * A line parser: p is the start of a line that ends with '\n' inside the
 * buffer (zero padding after it), next the byte after that '\n' (the read
 * loop has found it already; a parser may use the line's length).  Return 1
 * with *a filled (an access), 0 for a line without an access, or a parse
 * error (below) with *where set where the error says.  A line that is
 * accepted has no '\n' before its end, so the caller finds the next line by
 * itself.
 */

/* Why a line was rejected: the codes every line format may use, with
 * messages in trace_line.c.  A format's own codes count down from
 * PE_FORMAT, and its line_error gives their messages. */
enum tbt_parse_error {
    PE_BAD_OP = -1,        /* where: the operation token (the format's message) */
    PE_NO_ADDR = -2,
    PE_ADDR_NO_DIGITS = -3,
    PE_BAD_HEX = -4,       /* where: the bad character */
    PE_ADDR_RANGE = -5,
    PE_BAD_SIZE_DIGIT = -8, /* where: the bad character */
    PE_SIZE_RANGE = -9,    /* where: the size */
    PE_TRAILING = -10,     /* where: the unexpected text (the format's message) */
    PE_WRAP = -21,         /* the bytes run past 2^64 */
    TBT_TOO_LONG = -22,    /* the read loop's own: a line longer than MMUSIM_TRACE_MAX_LINE */
    PE_FORMAT = -32,
};

/* The message for parse error pe at where, in the line starting at start:
 * the format's line_error first, then the shared ones.  Sticky; returns
 * the error code. */
int tbt_line_error(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start);

/* Quote a character for a message: 'g', or '\x01' if unprintable. */
void tbt_quote_char(char *out, size_t outlen, unsigned char c);
/* Quote the token at p (up to a space, a line end or stop) for a message. */
void tbt_quote_token(char *out, size_t outlen, const char *p, char stop);
#define TBT_QUOTE_SIZE (MMUSIM_TRACE_TOKEN * 4 + 16)

/* The open hook of the line formats (and auto for text data): find the first
 * line that is neither blank, nor a '#' comment, nor a Valgrind '==' line,
 * without consuming it, and decide the format from it if it is not known
 * (each line format's sniff_line).  The lines passed are only looked at,
 * so the chosen parser reads them again and rejects the ones its format
 * does not allow. */
int tbt_line_open(mmusim_trace *t);

/* Is c a character that ends a token (space, tab, CR)? */
static MMUSIM_ALWAYS_INLINE int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* ---- number parsing ---- */

/* hex digit value + 1; 0 for anything that is not a hex digit */
static const uint8_t tbt_hexv[256] = {
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
    while ((d = tbt_hexv[(unsigned char)*q]) != 0) {
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

/*
 * The k bytes at q (1 <= k <= 16), followed by a byte that is not a hex
 * digit: are they all hex digits?  If so their value is in *v.  For a line
 * whose length tells where its digits end: no search for the first
 * non-digit, and 16 digits take no slower path.
 */
static MMUSIM_ALWAYS_INLINE int hex_fixed(const char *q, unsigned k, uint64_t *v)
{
#if MMUSIM_SSE2
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)q);
    /* a range test each with one signed compare: b + (0x80 - '0') < -128 + 10
       for '0'..'9', (b | 0x20) + (0x80 - 'a') < -128 + 6 for a..f and A..F */
    __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(b, _mm_set1_epi8((char)(0x80 - '0'))), _mm_set1_epi8(-128 + 10));
    __m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(b, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(0x80 - 'a'))),
                                   _mm_set1_epi8(-128 + 6));
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, alpha));
    if (MMUSIM_UNLIKELY((unsigned)__builtin_ctz(~mask) != k))
        return 0;
    /* digit values; then in each 16-bit lane (d0, d1), d0 the earlier:
       (d0 + 256 d1) * 0x1001 has d0 * 16 + d1 in its high byte */
    __m128i val = _mm_add_epi8(_mm_and_si128(b, _mm_set1_epi8(0x0f)), _mm_and_si128(alpha, _mm_set1_epi8(9)));
    __m128i pair = _mm_srli_epi16(_mm_mullo_epi16(val, _mm_set1_epi16(0x1001)), 8);
    uint64_t x = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pair, pair));
    *v = __builtin_bswap64(x) >> (64 - 4 * k);
    return 1;
#else
    const char *e = q;
    return parse_hex_scalar(&e, v) == (int)k;
#endif
}

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
static inline int parse_dec64(const char **pp, uint64_t *v)
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

/* ---- storing an access ---- */

/*
 * Fill *a.  On a little-endian machine the five small fields (size, asid,
 * type, has_cycle, vmid: bytes 16..23) go in one 8-byte store: three stores
 * per access instead of seven.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
_Static_assert(offsetof(mmusim_access, size) == 16 && offsetof(mmusim_access, asid) == 18 &&
                   offsetof(mmusim_access, type) == 20 && offsetof(mmusim_access, has_cycle) == 21 &&
                   offsetof(mmusim_access, vmid) == 22 && sizeof(mmusim_access) == 24,
               "mmusim_access layout");
static MMUSIM_ALWAYS_INLINE void tbt_put(mmusim_access *a, uint64_t vaddr, uint64_t cycle, uint32_t size,
                                         uint32_t asid, uint32_t type, uint32_t has_cycle, uint32_t vmid)
{
    uint64_t w = (uint64_t)size | (uint64_t)asid << 16 | (uint64_t)type << 32 | (uint64_t)has_cycle << 40 |
                 (uint64_t)vmid << 48;
    a->vaddr = vaddr;
    a->cycle = cycle;
    memcpy((char *)a + offsetof(mmusim_access, size), &w, sizeof w);
}
#else
static MMUSIM_ALWAYS_INLINE void tbt_put(mmusim_access *a, uint64_t vaddr, uint64_t cycle, uint32_t size,
                                         uint32_t asid, uint32_t type, uint32_t has_cycle, uint32_t vmid)
{
    a->vaddr = vaddr;
    a->cycle = cycle;
    a->size = (uint16_t)size;
    a->asid = (uint16_t)asid;
    a->type = (uint8_t)type;
    a->has_cycle = (uint8_t)has_cycle;
    a->vmid = (uint16_t)vmid;
}
#endif

/* ---- the read loop ---- */

/* Is the line [p, next) longer than allowed?  (Its end may be "\r\n".) */
static inline int tbt_too_long(const char *p, const char *next)
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

#if MMUSIM_SSE2
/* Bit i set: b[i] is '\n', for i in 0..63 (b may run up to 63 bytes into the
 * zero padding after the data). */
static MMUSIM_ALWAYS_INLINE uint64_t newline_mask64(const char *b)
{
    const __m128i nl = _mm_set1_epi8('\n');
    uint64_t m0 = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)b), nl));
    uint64_t m1 = (uint32_t)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(b + 16)), nl));
    uint64_t m2 = (uint32_t)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(b + 32)), nl));
    uint64_t m3 = (uint32_t)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(b + 48)), nl));
    return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}
#endif

typedef int (*tbt_parse_fn)(const char *p, const char *next, mmusim_access *a, const char **where);

/* The read_batch of line format f with parser parse (inlined into each
 * format's read_batch). */
static MMUSIM_ALWAYS_INLINE long tbt_line_read(mmusim_trace *t, mmusim_access *out, size_t max,
                                               const tbt_format *f, tbt_parse_fn parse)
{
    size_t n = 0;
    while (n < max) {
        if (t->pos >= t->lim) {
            int r = tbt_advance(t);
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
#if MMUSIM_SSE2
        /* The line ends of 64 bytes at a time: the step from one line to
         * the next is a bit cleared and counted, a chain of 2 instructions
         * that waits for no parse, so the CPU parses several lines at once.
         * The current line's '\n' is before end, so the scan stops there. */
        const char *blk = p;
        uint64_t nlm = newline_mask64(blk);
#endif
        while (p < end && n < max) {
#if MMUSIM_SSE2
            while (MMUSIM_UNLIKELY(nlm == 0)) {
                blk += 64;
                nlm = newline_mask64(blk);
            }
            next = blk + (unsigned)__builtin_ctzll(nlm) + 1;
            nlm &= nlm - 1;
#else
            next = find_newline(p, end) + 1;
#endif
            rc = parse(p, next, &out[n], &where);
            if (MMUSIM_UNLIKELY(rc < 0))
                break;
            if (MMUSIM_UNLIKELY(next - p > MMUSIM_TRACE_MAX_LINE + 1) && tbt_too_long(p, next) &&
                !tbt_comment_line(f, p)) {
                rc = TBT_TOO_LONG;
                break;
            }
            if (MMUSIM_LIKELY(rc)) {
                /* a fetch is counted without a branch on the kind of access
                   (fetches and data accesses alternate) */
                instr += out[n].type == MMU_FETCH;
                n++;
            }
            line++;
            p = next;
        }
        t->instructions += instr;
        t->pos = (size_t)(p - t->buf);
        t->line = line;
        if (MMUSIM_UNLIKELY(rc < 0)) {
            int code = rc == TBT_TOO_LONG ? tbt_fail_line(t, line + 1, MMU_EPARSE, "line longer than %d bytes",
                                               MMUSIM_TRACE_MAX_LINE)
                               : tbt_line_error(t, line + 1, rc, where, p);
            /* hand out the good accesses first; the sticky error comes next call */
            return n ? (long)n : code;
        }
    }
    return (long)n;
}

#endif /* MMUSIM_IO_TRACE_LINE_H */
