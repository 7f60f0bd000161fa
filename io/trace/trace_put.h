/*
 * trace_put.h - number formatting for the trace writers: by hand, no
 * printf per access.
 */
#ifndef MMUSIM_IO_TRACE_PUT_H
#define MMUSIM_IO_TRACE_PUT_H

#include <stdint.h>

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

static inline char *tbt_put_dec(char *p, uint64_t v)
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

#endif /* MMUSIM_IO_TRACE_PUT_H */
