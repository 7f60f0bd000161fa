/*
 * trace_async.h - reading a trace on a second thread: batches of accesses
 * are parsed ahead while the caller simulates the previous ones.
 */
#ifndef MMUSIM_TB_TRACE_ASYNC_H
#define MMUSIM_TB_TRACE_ASYNC_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

typedef struct tb_async tb_async;

/*
 * Start reading t on a second thread (t must stay open until
 * tb_async_stop).  Returns NULL if no thread could be started: the caller
 * then reads t itself.
 */
tb_async *tb_async_start(tb_trace *t);

/*
 * The next batch: returns the number of accesses (0 at the end) and points
 * *batch at them (valid until the next call), or a negative value with the
 * reader's message in err, after every access read before the error.
 */
long tb_async_read(tb_async *a, const tb_access **batch, char *err, size_t errlen);

/* Bytes of the trace file consumed so far (for progress), safe to ask from the caller's thread. */
uint64_t tb_async_bytes_read(tb_async *a);

/* Stop the thread (at any point) and free the batches. */
void tb_async_stop(tb_async *a);

#endif /* MMUSIM_TB_TRACE_ASYNC_H */
