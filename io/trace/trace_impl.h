/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_impl.h - internals shared by the trace formats: the format table
 * (tbt_format), the reader and writer structs, and the shared buffer and
 * error functions (trace_buf.c) the format files build on.
 *
 * One file per format (trace_text.c, trace_lackey.c, trace_din.c,
 * trace_binary.c, trace_champsim.c) defines its tbt_format: how to recognise
 * it, how to read a batch of accesses and, if it can be written, how to
 * write one.  trace_formats.c lists them, indexed by mmusim_format; trace.c
 * and tracewrite.c only call through that table.  The line formats share
 * their read loop, number parsing and messages (trace_line.h, trace_line.c).
 * Nothing outside io/ includes this (io/replay.c: the binary records' repeat path).
 */
#ifndef MMUSIM_IO_TRACE_IMPL_H
#define MMUSIM_IO_TRACE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"
#include "trace_binfmt.h"
#include "mmusim/io/tracewrite.h"

/* A multiple of every record size.  128 KiB: the data parsed stays in the
 * core's cache between read(2) (or the decompressor) writing it and the
 * parser reading it, and few pages are touched (4 MiB took 3-7 % more CPU
 * on a din or Lackey trace: docs/performance.md). */
#define MMUSIM_TRACE_BUF ((size_t)128 << 10)
#define MMUSIM_TRACE_FIRST ((size_t)64 << 10) /* the first read of a trace, at most */
#define MMUSIM_TRACE_PAD 64 /* zero bytes after the data: the SSE2 code reads up to 64 */
#define MMUSIM_TRACE_MSG 512
#define MMUSIM_TRACE_MAX_SIZE 4096 /* largest access size in bytes */
#define MMUSIM_TRACE_MAX_LINE 4096 /* bytes, without the line end */
#define MMUSIM_TRACE_TOKEN 32 /* longest piece of a bad line quoted in a message */
#define MMUSIM_PEEK 64 /* bytes looked at to tell a binary format */

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

typedef struct tbt_format tbt_format;

struct mmusim_trace {
    mmusim_stream *st;
    mmusim_format fmt;
    const tbt_format *ops; /* tbt_formats[fmt] */
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
    uint16_t bin_vmid; /* the VM of the records that follow (set-VM control records) */

    /* ChampSim: accesses of a record that did not fit in the caller's buffer */
    mmusim_access pend[8];
    unsigned npend, ipend;

    int err_code; /* sticky error */
    char errmsg[MMUSIM_TRACE_MSG];
};

#define MMUSIM_WRITER_BUF ((size_t)1 << 20)
#define MMUSIM_WRITER_MAX_RECORD 128 /* longest formatted access, with room to spare */
#define MMUSIM_WRITER_MSG 512

struct mmusim_writer {
    mmusim_ostream *os;
    mmusim_format fmt;
    const tbt_format *ops;
    char *buf;
    size_t len;
    uint64_t accesses;
    uint64_t records; /* binary: records, control records included */
    unsigned declared; /* binary: MMUSIM_BIN_FLAG_* declared in the header */
    unsigned seen;     /* binary: MMUSIM_BIN_FLAG_* actually used */
    uint64_t prev_cycle;
    uint16_t vmid;     /* binary: the VM the last set-VM record named */
    char *name;
    int err_code;
    char errmsg[MMUSIM_WRITER_MSG];
};

/* Comment lines a line format allows (tbt_format.comments). */
#define TBT_COMMENT_HASH 0x1u     /* '#' lines and '#' comments after a record */
#define TBT_COMMENT_VALGRIND 0x2u /* Valgrind "==PID==" lines */

/*
 * A trace format.  Every field but name may be 0 / NULL.
 */
struct tbt_format {
    const char *name;  /* for mmusim_format_name() and _parse() */
    const char *alias; /* another name _parse() accepts ("bin"), or NULL */
    unsigned fields;   /* MMUSIM_FIELD_* the format can carry */
    int records;       /* 1: fixed-size binary records (messages "FILE: record N: ..."); 0: lines */
    /* Output name suffixes (mmusim_output_kind), NULL-ended; the first is the
     * one messages name. */
    const char *suffixes[3];

    /* ---- reading ---- */
    /* Do the first n bytes of the data (n may be short) start a trace of this
     * format?  Tried in table order before the line formats are considered. */
    int (*sniff)(const unsigned char *b, size_t n);
    /* Line formats: does the first line that is neither blank nor a comment
     * (first, leading blanks skipped) belong to this format? */
    int (*sniff_line)(const char *first);
    /* Called once the format is known, at t->pos: check and consume a header,
     * or (line formats) look at the first lines.  0 or an error (sticky). */
    int (*open)(mmusim_trace *t);
    /* Read up to max (> 0) accesses: the contract of mmusim_trace_read()
     * (errors sticky, the accesses before an error handed out first). */
    long (*read_batch)(mmusim_trace *t, mmusim_access *out, size_t max);

    /* ---- line formats ---- */
    unsigned comments; /* TBT_COMMENT_* */
    /* Parse the line at p (trace_line.h has the contract). */
    int (*parse_line)(const char *p, mmusim_access *a, const char **where);
    /* The message for a parse error of the format's own (trace_line.h), or 0
     * to let the shared messages speak. */
    int (*line_error)(mmusim_trace *t, uint64_t line, int pe, const char *where, const char *start);

    /* ---- writing (write NULL: the format cannot be written) ---- */
    /* After the output is open: write a header or a first line into w->buf.
     * 0 or an error. */
    int (*write_begin)(mmusim_writer *w, const mmusim_writer_opts *o);
    /* Format one access (type and size already checked) at p, at most
     * MMUSIM_WRITER_MAX_RECORD bytes; returns the end, or NULL with w's
     * error set. */
    char *(*write)(mmusim_writer *w, char *p, const mmusim_access *a);
    /* Before the output is closed, everything flushed: patch a header. */
    int (*write_end)(mmusim_writer *w);
    /* Why the format cannot be written, for messages: " (...)", or NULL. */
    const char *no_write;
};

/* The formats, indexed by mmusim_format (trace_formats.c). */
extern const tbt_format *const tbt_formats[MMUSIM_FMT_COUNT];

extern const tbt_format tbt_format_auto, tbt_format_text, tbt_format_lackey, tbt_format_din,
    tbt_format_binary, tbt_format_champsim;

/* ---- the shared buffer (trace_buf.c) ---- */

/* Set the sticky error: "FILE:LINE: ..." (line > 0) or "FILE: ...".
 * Returns code. */
int tbt_fail_line(mmusim_trace *t, uint64_t line, int code, const char *fmt, ...) MMUSIM_PRINTF(4, 5);
/* Set the sticky error: "FILE: record N: ..." (record > 0) or "FILE: ...".
 * Returns code. */
int tbt_fail_record(mmusim_trace *t, uint64_t record, int code, const char *fmt, ...) MMUSIM_PRINTF(4, 5);

/*
 * Make at least need bytes available at t->pos (need <= 4096), moving what
 * is left to the front of the buffer and reading more.  Fewer are available
 * only at the end of the data.  Returns 0 or a negative error (sticky).
 */
int tbt_fill(mmusim_trace *t, size_t need);

/*
 * Read up to n bytes of the data straight into dst, past the buffer (whose
 * bytes must have been consumed first): returns how many, 0 at the end
 * (t->eof set), or an error (sticky, with the position as tbt_fill gives
 * it).
 */
long tbt_read_into(mmusim_trace *t, void *dst, size_t n);

/*
 * Line formats: make whole lines available at t->pos (pos == lim on
 * entry), up to t->lim.  Returns 1 if there are some, 0 at the end of the
 * trace, or an error.
 */
int tbt_advance(mmusim_trace *t);

/* Is the line at p a comment of format f (for auto: of any format)?
 * Comments have no length limit. */
static inline int tbt_comment_line(const tbt_format *f, const char *p)
{
    if (p[0] == '=' && p[1] == '=')
        return (f->comments & TBT_COMMENT_VALGRIND) != 0;
    return p[0] == '#' && (f->comments & TBT_COMMENT_HASH) != 0;
}

/* ---- mmusim binary, decoded apart from reading (trace_binary.c) ---- */

/*
 * What the records of an mmusim binary trace carry from one to the next.
 * The reader of `mmusim run` copies whole records on its thread
 * (tbt_bin_read_raw) and the simulating thread decodes them
 * (tbt_bin_decode): the 16-byte records cross between the cores instead of
 * the 24-byte accesses.  mmusim_trace_read decodes with the same function.
 */
typedef struct tbt_bin_dec {
    unsigned flags;        /* the header's MMUSIM_BIN_FLAG_* */
    uint16_t vmid;         /* the VM of the records that follow */
    uint64_t prev_cycle;
    uint64_t record;       /* records decoded so far, control records included */
    uint64_t instructions; /* fetches decoded so far */
} tbt_bin_dec;

/* The bits of a record's second word (delta, asid, info) that the header forbids: without
   cycles no delta and no cycle bit; without ASIDs no asid. */
static inline uint64_t tbt_bin_forbid(unsigned flags)
{
    return ((flags & MMUSIM_BIN_FLAG_CYCLE) ? 0 : UINT64_C(0x80000000ffffffff)) |
           ((flags & MMUSIM_BIN_FLAG_ASID) ? 0 : UINT64_C(0xffff) << 32);
}

/* Is the record (va, w) other than a well-formed access (a control record or a bad one)?  The
   checks without the cycle's (delta without the cycle bit): forbidden bits, type and size,
   wrap-around. */
static inline unsigned tbt_bin_not_access(uint64_t va, uint64_t w, uint64_t forbid)
{
    const unsigned info = (unsigned)(w >> 48), size = info & MMUSIM_BIN_SIZE_MASK;
    /* type and size in one test: (type << 13 | size) - 1 >> 12 is 0, 2 or 4 exactly
       when the type is 0..2 and the size 1..4096 */
    const unsigned ts = (((info & 0x7fffu) - 1) >> 12) & 15;
    return ((w & forbid) != 0) | (((0x15u >> ts) & 1) ^ 1) | (va + (size - 1) < va);
}

/*
 * Decode the k whole records at p (the first is record d->record + 1) into
 * out (room for k accesses), applying the control records.  Returns the
 * accesses written; d->record counts the records consumed.  *code is 0, or
 * the error of the first bad record (not consumed) with "NAME: record N:
 * ..." in msg (name: the trace's, mmusim_trace_name).
 */
size_t tbt_bin_decode(tbt_bin_dec *d, const char *name, const unsigned char *p, size_t k, mmusim_access *out,
                      int *code, char *msg, size_t msglen);

/*
 * Binary trace t's records, read on the calling thread for a caller that
 * decodes them itself (the run loop's repeat path, io/replay.c): points *p
 * at the whole records in the buffer (at most MMUSIM_BIN_RAW_MAX) and
 * returns how many, with the decoder's state at the first in *dec; 0 at the
 * end (after the empty trace's error), negative with the message in err.
 * The caller decodes some and says so with tbt_bin_raw_done (dec as it
 * left it: dec->record counts the records consumed; accesses: how many of
 * them were accesses).
 */
#define MMUSIM_BIN_RAW_MAX 65536
long tbt_bin_raw(mmusim_trace *t, const unsigned char **p, tbt_bin_dec *dec, char *err, size_t errlen);
void tbt_bin_raw_done(mmusim_trace *t, const tbt_bin_dec *dec, uint64_t accesses);

/*
 * Copy up to max whole records of binary trace t into dst (16 bytes each),
 * with the checks of the data's length that mmusim_trace_read makes (a
 * truncated record, fewer or more records than the header says).  Returns
 * the records copied, 0 at the end, or an error (sticky) with the message
 * in err.
 */
long tbt_bin_read_raw(mmusim_trace *t, unsigned char *dst, size_t max, char *err, size_t errlen);

/* ---- the writer (tracewrite.c) ---- */

/* Set the writer's sticky error: "FILE: ...".  Returns code. */
int tbt_writer_fail(mmusim_writer *w, int code, const char *fmt, ...) MMUSIM_PRINTF(3, 4);

#endif /* MMUSIM_IO_TRACE_IMPL_H */
