/*
 * buf.h - a growable text buffer (testbench).
 */
#ifndef MMUSIM_TB_BUF_H
#define MMUSIM_TB_BUF_H

#include <stddef.h>

/*
 * A growable NUL-terminated string.  Zero-initialise it ({0}); an allocation
 * failure sets oom and makes every later add a no-op, so callers check once at
 * the end.  tb_buf_free releases the memory.
 */
typedef struct tb_buf {
    char *p;
    size_t n, cap;
    int oom;
} tb_buf;

void tb_buf_add(tb_buf *b, const char *s, size_t n);
void tb_buf_str(tb_buf *b, const char *s);
void tb_buf_printf(tb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_buf_free(tb_buf *b);

#endif /* MMUSIM_TB_BUF_H */
