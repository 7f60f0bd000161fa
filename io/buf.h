/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * buf.h - a growable text buffer (testbench).
 */
#ifndef MMUSIM_IO_BUF_H
#define MMUSIM_IO_BUF_H

#include <stddef.h>

/*
 * A growable NUL-terminated string.  Zero-initialise it ({0}); an allocation
 * failure sets oom and makes every later add a no-op, so callers check once at
 * the end.  mmusim_buf_free releases the memory.
 */
typedef struct mmusim_buf {
    char *p;
    size_t n, cap;
    int oom;
} mmusim_buf;

void mmusim_buf_add(mmusim_buf *b, const char *s, size_t n);
void mmusim_buf_str(mmusim_buf *b, const char *s);
void mmusim_buf_printf(mmusim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mmusim_buf_free(mmusim_buf *b);

#endif /* MMUSIM_IO_BUF_H */
