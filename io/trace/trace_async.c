/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_async.c - a producer thread calls mmusim_trace_read() into a ring of
 * batches; the consumer takes them in order.  Results are those of reading
 * on one thread: the same accesses in the same order, then the same end or
 * error.
 *
 * An mmusim binary trace is decoded on the consumer's side: the producer
 * only reads (decompresses) and copies whole 16-byte records into the ring
 * (tbt_bin_read_raw), and mmusim_async_read decodes them (tbt_bin_decode)
 * ASYNC_DECODE at a time into a buffer that stays in the consumer's cache.
 * What crosses between the cores is then the records, not the 24-byte
 * accesses, and the decoded accesses are read back while still cached.
 */
#include "trace_async.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/error.h"
#include "mmusim/io/stream.h"
#include "trace_binfmt.h"
#include "trace_impl.h"

#define ASYNC_BATCH 8192
#define ASYNC_SLOTS 4
/* records of a binary trace in a batch's memory: 12288, 1.5 times the accesses, so the
   producer wakes up less often */
#define ASYNC_RECORDS (ASYNC_BATCH * sizeof(mmusim_access) / MMUSIM_BIN_RECORD_SIZE)
#define ASYNC_DECODE 1024 /* accesses decoded at a time from a ring of records (24 KiB) */

struct mmusim_async {
    mmusim_trace *t;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mmusim_access *buf[ASYNC_SLOTS];
    long len[ASYNC_SLOTS];
    unsigned head, count; /* batches ready: head .. head + count - 1 */
    int held;             /* the consumer holds the head batch */
    int end;              /* the producer stopped after the ready batches */
    long end_code;        /* 0, or the reader's error */
    char errmsg[1024];
    int stop;
    /* who waits, so that a thread is woken only when it can go on.  The producer,
       finding the ring full, waits for half of it to be free: it sleeps once per
       ASYNC_SLOTS / 2 batches, not once per batch.  (The consumer takes each batch
       as soon as it is ready: waiting for more made runs of slow readers, Lackey
       text, take longer.) */
    int prod_waits, cons_waits;
    uint64_t bytes_read;  /* mmusim_trace_bytes_read after the last batch */

    /* mmusim binary: the ring holds records; the consumer decodes them */
    int raw;
    const unsigned char *rp; /* the held batch's records not yet decoded */
    size_t rleft;
    tbt_bin_dec dec;
    const char *name;
    uint64_t dec_accesses;   /* accesses decoded */
    int dec_code;            /* sticky: a bad record's error, or the empty trace's */
    char dec_msg[MMUSIM_TRACE_MSG];
    mmusim_access *out;      /* ASYNC_DECODE accesses */
};

static void *producer(void *arg)
{
    mmusim_async *a = arg;
    /* this thread decompresses too: a third thread would add a copy of every byte */
    mmusim_stream_unthread(a->t->st);
    for (;;) {
        pthread_mutex_lock(&a->mu);
        if (a->count == ASYNC_SLOTS) {
            a->prod_waits = 1;
            while (a->count > ASYNC_SLOTS / 2 && !a->stop)
                pthread_cond_wait(&a->cv, &a->mu);
            a->prod_waits = 0;
        }
        int stop = a->stop;
        unsigned slot = (a->head + a->count) % ASYNC_SLOTS;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            return NULL;
        char err[1024] = "";
        long n = a->raw ? tbt_bin_read_raw(a->t, (unsigned char *)a->buf[slot], ASYNC_RECORDS, err, sizeof err)
                        : mmusim_trace_read(a->t, a->buf[slot], ASYNC_BATCH, err, sizeof err);
        uint64_t bytes = mmusim_trace_bytes_read(a->t);
        pthread_mutex_lock(&a->mu);
        a->bytes_read = bytes;
        if (n > 0) {
            a->len[slot] = n;
            a->count++;
        } else {
            a->end = 1;
            a->end_code = n;
            memcpy(a->errmsg, err, sizeof err);
        }
        if (a->cons_waits)
            pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (n <= 0)
            return NULL;
    }
}

int tbt_trace_read_here(const mmusim_trace *t)
{
    return t->ops->parse_line != NULL && mmusim_stream_compression(t->st) == MMUSIM_COMP_NONE &&
           mmusim_stream_file_size(t->st) > 0;
}

mmusim_async *mmusim_async_start(mmusim_trace *t)
{
    mmusim_async *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->t = t;
    a->raw = t->fmt == MMUSIM_FMT_BINARY;
    if (a->raw) {
        /* nothing was read past the header yet (this thread reads from here on) */
        a->dec = (tbt_bin_dec){t->bin_flags, t->bin_vmid, t->prev_cycle, t->record, 0};
        a->name = mmusim_trace_name(t);
        if (!(a->out = malloc(ASYNC_DECODE * sizeof *a->out)))
            goto fail;
    }
    for (int i = 0; i < ASYNC_SLOTS; i++)
        if (!(a->buf[i] = malloc(ASYNC_BATCH * sizeof(mmusim_access))))
            goto fail;
    if (pthread_mutex_init(&a->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&a->cv, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        goto fail;
    }
    if (pthread_create(&a->tid, NULL, producer, a) == 0)
        return a;
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
fail:
    for (int i = 0; i < ASYNC_SLOTS; i++)
        free(a->buf[i]);
    free(a->out);
    free(a);
    return NULL;
}

/* The next batch of the ring (accesses, or records when raw): its length,
 * 0 at the end, or the producer's error with its message. */
static long take(mmusim_async *a, const void **batch, char *err, size_t errlen)
{
    pthread_mutex_lock(&a->mu);
    if (a->held) { /* the batch handed out last time is done with */
        a->head = (a->head + 1) % ASYNC_SLOTS;
        a->count--;
        a->held = 0;
        if (a->prod_waits && a->count <= ASYNC_SLOTS / 2)
            pthread_cond_broadcast(&a->cv);
    }
    if (a->count == 0 && !a->end) {
        a->cons_waits = 1;
        while (a->count == 0 && !a->end)
            pthread_cond_wait(&a->cv, &a->mu);
        a->cons_waits = 0;
    }
    long n;
    if (a->count > 0) {
        *batch = a->buf[a->head];
        n = a->len[a->head];
        a->held = 1;
    } else {
        n = a->end_code;
        if (n < 0)
            mmusim_copy_msg(err, errlen, a->errmsg);
    }
    pthread_mutex_unlock(&a->mu);
    return n;
}

/* The next accesses of a binary trace, decoded from the ring's records. */
static long read_raw(mmusim_async *a, const mmusim_access **batch, char *err, size_t errlen)
{
    for (;;) {
        tbt_raw raw;
        const long n = tbt_async_raw(a, &raw, err, errlen);
        if (n <= 0)
            return n;
        const size_t k = (size_t)n < ASYNC_DECODE ? (size_t)n : ASYNC_DECODE;
        const uint64_t rec0 = a->dec.record;
        int code;
        const size_t got = tbt_bin_decode(&a->dec, a->name, raw.p, k, a->out, &code, a->dec_msg, sizeof a->dec_msg);
        tbt_async_raw_done(a, (size_t)(a->dec.record - rec0), got);
        if (code)
            a->dec_code = code;
        if (got) {
            *batch = a->out;
            return (long)got;
        }
    }
}

int tbt_async_raw_ok(const mmusim_async *a)
{
    return a && a->raw;
}

long tbt_async_raw(mmusim_async *a, tbt_raw *out, char *err, size_t errlen)
{
    for (;;) {
        if (a->dec_code) {
            mmusim_copy_msg(err, errlen, a->dec_msg);
            return a->dec_code;
        }
        if (a->rleft) {
            out->p = a->rp;
            out->dec = &a->dec;
            out->name = a->name;
            return (long)a->rleft;
        }
        const void *b = NULL;
        long n = take(a, &b, err, errlen);
        if (n == 0 && a->dec_accesses == 0) {
            /* as mmusim_trace_read says it */
            snprintf(a->dec_msg, sizeof a->dec_msg, "%s: empty trace (no accesses)", a->name);
            a->dec_code = MMU_EPARSE;
            continue;
        }
        if (n <= 0)
            return n;
        a->rp = b;
        a->rleft = (size_t)n;
    }
}

void tbt_async_raw_done(mmusim_async *a, size_t records, uint64_t accesses)
{
    a->rp += records * MMUSIM_BIN_RECORD_SIZE;
    a->rleft -= records;
    a->dec_accesses += accesses;
}

long mmusim_async_read(mmusim_async *a, const mmusim_access **batch, char *err, size_t errlen)
{
    if (a->raw)
        return read_raw(a, batch, err, errlen);
    const void *b = NULL;
    long n = take(a, &b, err, errlen);
    if (n > 0)
        *batch = b;
    return n;
}

uint64_t mmusim_async_bytes_read(mmusim_async *a)
{
    pthread_mutex_lock(&a->mu);
    uint64_t n = a->bytes_read;
    pthread_mutex_unlock(&a->mu);
    return n;
}

void mmusim_async_stop(mmusim_async *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    /* the reader may be waiting on a silent pipe: end the wait (at the end
       of the data the abort changes nothing) */
    mmusim_trace_abort(a->t);
    pthread_join(a->tid, NULL);
    if (a->raw) { /* what mmusim_trace_read would have counted */
        a->t->accesses += a->dec_accesses;
        a->t->instructions += a->dec.instructions;
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    for (int i = 0; i < ASYNC_SLOTS; i++)
        free(a->buf[i]);
    free(a->out);
    free(a);
}
