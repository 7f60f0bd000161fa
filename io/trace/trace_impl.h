/*
 * trace_impl.h - internals shared by the trace readers: the mmusim_trace struct
 * and the few functions trace.c (opening, format detection, the line
 * formats) and trace_bin.c (the binary formats) call in each other.
 * Nothing outside testbench/trace*.c includes this.
 */
#ifndef MMUSIM_IO_TRACE_IMPL_H
#define MMUSIM_IO_TRACE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"

#define MMUSIM_TRACE_BUF ((size_t)4 << 20) /* a multiple of every record size */
#define MMUSIM_TRACE_PAD 32 /* zero bytes after the data: the SSE2 code reads up to 32 */
#define MMUSIM_TRACE_MSG 512
#define MMUSIM_TRACE_MAX_SIZE 4096 /* largest access size in bytes */

#if defined(__GNUC__)
#define MMUSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define MMUSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MMUSIM_ALWAYS_INLINE inline __attribute__((always_inline))
#define MMUSIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MMUSIM_LIKELY(x) (x)
#define MMUSIM_UNLIKELY(x) (x)
#define MMUSIM_ALWAYS_INLINE inline
#define MMUSIM_PRINTF(a, b)
#endif

struct mmusim_trace {
    mmusim_stream *st;
    mmusim_format fmt;
    unsigned fields; /* MMUSIM_FIELD_* this trace carries */
    char *buf;       /* cap + 1 + MMUSIM_TRACE_PAD bytes: a last '\n' and padding */
    size_t cap;      /* MMUSIM_TRACE_BUF, or less for a small file (trace_buffer_size()) */
    size_t pos;      /* next byte to parse */
    size_t lim;      /* line formats: end of the whole lines in the buffer (just after a '\n') */
    size_t len;      /* bytes in the buffer */
    int eof;         /* the stream has no more bytes */
    uint64_t line;   /* line formats: lines consumed so far */
    uint64_t record; /* binary formats: records consumed so far */
    uint64_t accesses;
    uint64_t instructions;
    int drop_line;   /* line formats: dropping the rest of a long comment line up to its '\n' */

    /* mmusim binary */
    uint64_t bin_count; /* records the header announces, or MMUSIM_BIN_COUNT_UNKNOWN */
    unsigned bin_flags;
    uint64_t prev_cycle;

    /* ChampSim: accesses of a record that did not fit in the caller's buffer */
    mmusim_access pend[8];
    unsigned npend, ipend;

    int err_code; /* sticky error */
    char errmsg[MMUSIM_TRACE_MSG];
};

/* Set the sticky error: "FILE: record N: ..." (record > 0) or "FILE: ...".
 * Returns code. */
int tbt_fail_record(mmusim_trace *t, uint64_t record, int code, const char *fmt, ...) MMUSIM_PRINTF(4, 5);

/*
 * Make at least need bytes available at t->pos (need <= 4096), moving what
 * is left to the front of the buffer and reading more.  Fewer are available
 * only at the end of the data.  Returns 0 or a negative error (sticky).
 */
int tbt_fill(mmusim_trace *t, size_t need);

/* mmusim binary: check the header at t->pos and consume it.  0 or an error. */
int tbt_bin_header(mmusim_trace *t);
/* Read up to max accesses; the contract of mmusim_trace_read() (errors sticky,
 * accesses before an error handed out first). */
long tbt_bin_read(mmusim_trace *t, mmusim_access *out, size_t max);
long tbt_champsim_read(mmusim_trace *t, mmusim_access *out, size_t max);

#endif /* MMUSIM_IO_TRACE_IMPL_H */
