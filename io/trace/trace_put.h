/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_put.h - number formatting for the trace writers: by hand, no
 * printf per access.
 */
#ifndef MMUSIM_IO_TRACE_PUT_H
#define MMUSIM_IO_TRACE_PUT_H

#include <stdint.h>

#if defined(__SSE2__) && defined(__GNUC__) && !defined(MMUSIM_NO_SIMD)
#include <emmintrin.h>
/*
 * v in hex, at least min (1..16) digits, lower case.  SSE2: all 16 digits at
 * once, shifted so the first one written is the first significant one; 16
 * bytes are stored at p (the writer keeps MMUSIM_WRITER_MAX_RECORD bytes
 * free, so the bytes past the digits are room that the next field or the
 * next access overwrites).
 */
static inline char *tbt_put_hex(char *p, uint64_t v, int min)
{
    int nd = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
    if (nd < min)
        nd = min;
    uint64_t x = __builtin_bswap64(v << (4 * (16 - nd))); /* first digit in the low byte's high nibble */
    __m128i b = _mm_cvtsi64_si128((long long)x);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(0x0f));
    __m128i lo = _mm_and_si128(b, _mm_set1_epi8(0x0f));
    __m128i nib = _mm_unpacklo_epi8(hi, lo);
    __m128i ch = _mm_add_epi8(nib, _mm_set1_epi8('0'));
    ch = _mm_add_epi8(ch, _mm_and_si128(_mm_cmpgt_epi8(nib, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
    _mm_storeu_si128((__m128i *)(void *)p, ch);
    return p + nd;
}
#else
/* v in hex, at least min digits, lower case. */
static inline char *tbt_put_hex(char *p, uint64_t v, int min)
{
    static const char hexdig[16] = "0123456789abcdef";
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
#endif

static inline char *tbt_put_dec(char *p, uint64_t v)
{
    if (v < 10) { /* sizes, ASIDs: mostly one or two digits */
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100) {
        p[0] = (char)('0' + v / 10);
        p[1] = (char)('0' + v % 10);
        return p + 2;
    }
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

#endif /* MMUSIM_IO_TRACE_PUT_H */
