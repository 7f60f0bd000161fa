/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_async.h - reading a trace on a second thread: batches of accesses
 * are parsed ahead while the caller simulates the previous ones.
 */
#ifndef MMUSIM_IO_TRACE_ASYNC_H
#define MMUSIM_IO_TRACE_ASYNC_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/trace.h"

typedef struct mmusim_async mmusim_async;

/*
 * mmusim_trace_open for a trace to be read with mmusim_async_start: the
 * stream gets no decompression thread of its own (the reader thread
 * decompresses; mmusim_async_start would stop that thread anyway, after
 * it had read ahead for nothing).  Read on the calling thread, such a
 * trace decompresses there.
 */
int tbt_trace_open_unthreaded(const char *path, mmusim_format fmt, mmusim_trace **out, char *err, size_t errlen);

/*
 * Is t better read on the simulating thread?  1 for an uncompressed regular
 * file (not standard input) in a line format (text, Lackey, din): read(2) from the page cache is
 * a copy the parser then reads while it is still in the core's cache, and
 * handing the parsed accesses to another core cost more CPU than it saved
 * (docs/performance.md, "Hit path").
 */
int tbt_trace_read_here(const mmusim_trace *t);

/*
 * Start reading t on a second thread (t must stay open until
 * mmusim_async_stop).  Returns NULL if no thread could be started: the caller
 * then reads t itself.
 */
mmusim_async *mmusim_async_start(mmusim_trace *t);

/*
 * The next batch: returns the number of accesses (0 at the end) and points
 * *batch at them (valid until the next call), or a negative value with the
 * reader's message in err, after every access read before the error.
 */
long mmusim_async_read(mmusim_async *a, const mmusim_access **batch, char *err, size_t errlen);

/*
 * An mmusim binary trace's records, for a caller that decodes them itself
 * (the run loop's fast path, io/replay.c): tbt_async_raw_ok says whether a
 * reads such a trace.  tbt_async_raw points out->p at the records not yet
 * decoded and returns how many (0 at the end, after the empty trace's error;
 * negative with the message in err), with the decoder's state at the first
 * of them (out->dec: the caller keeps it as tbt_bin_decode would, for the
 * records it decodes itself) and the trace's name for messages.  The caller
 * then says how many records it consumed and how many accesses they held
 * (tbt_async_raw_done).  Calls may alternate with mmusim_async_read.
 */
typedef struct tbt_bin_dec tbt_bin_dec;
typedef struct tbt_raw {
    const unsigned char *p;
    tbt_bin_dec *dec;
    const char *name;
} tbt_raw;
int tbt_async_raw_ok(const mmusim_async *a);
long tbt_async_raw(mmusim_async *a, tbt_raw *out, char *err, size_t errlen);
void tbt_async_raw_done(mmusim_async *a, size_t records, uint64_t accesses);

/* Bytes of the trace file consumed so far (for progress), safe to ask from the caller's thread. */
uint64_t mmusim_async_bytes_read(mmusim_async *a);

/* Stop the thread (at any point) and free the batches. */
void mmusim_async_stop(mmusim_async *a);

#endif /* MMUSIM_IO_TRACE_ASYNC_H */
