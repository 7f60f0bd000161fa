/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream.c - file and standard-input byte streams with gzip, xz and zstd
 * decompression detected by magic number (see stream.h).
 *
 * Why a layer of its own: every trace reader needs the same thing (read big
 * blocks of decompressed bytes, fail loudly on a damaged file, report how
 * far it is for a progress bar), and none of them should know which
 * compressor made the file.
 *
 * Plain files are read with read(2) straight into the caller's buffer; the
 * first bytes, read to look at the magic number, are handed out first.
 * Compressed files go through a 1 MiB input buffer and the library's
 * streaming decoder.  The end of the data is only accepted when the decoder
 * says its stream (or member, or frame) is complete; running out of input
 * before that is "truncated", a decoder error is "corrupt".
 *
 * Output streams compress into a 1 MiB buffer that is written out whenever
 * it fills; plain output is written straight from the caller's buffer.  A
 * regular file is "PATH.tmp.PID" until mmusim_ostream_close() renames it
 * (mmusim_ofile: devices, FIFOs and standard output are written in place).
 * gzip output carries no time stamp, so the same data always gives the same
 * bytes.
 */
#define _GNU_SOURCE /* fopencookie: stdio on an output that keeps the errno of a failed write */
#include "mmusim/io/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "mmusim/error.h"

#define MMUSIM_STREAM_IN_CAP ((size_t)1 << 20) /* compressed input buffer */
#define MMUSIM_STREAM_MAGIC_MIN 6             /* longest magic number (xz) */
#define MMUSIM_STREAM_MSG 512

struct mmusim_stream {
    char *name;    /* for messages */
    int fd;
    int own_fd;    /* 0 for standard input */
    int is_pipe;   /* not a regular file: reads wait in poll(), so an abort can end them */
    int raw_eof;   /* read(2) itself returned 0: the producer closed its end */
    atomic_int aborted; /* mmusim_stream_abort: the consumer gave up */
    mmusim_compression comp;

    unsigned char *in; /* compressed input (or the first plain bytes) */
    size_t in_cap;     /* its size: MMUSIM_STREAM_IN_CAP, or less for a small file */
    size_t in_pos, in_len;
    int in_eof;        /* read(2) returned 0 */

    uint64_t raw_total; /* bytes read from the file */
    uint64_t file_size;

    int dec_end; /* the decoder finished its last stream at the end of the input */
    int done;    /* read() has reported the end */
    int stalls;  /* decoder calls in a row without progress */

    z_stream z;
    int z_init;
    int gz_member_end;
    lzma_stream x;
    int x_init;
    ZSTD_DStream *zs;
    size_t zs_last; /* last ZSTD_decompressStream() hint; 0 = frame complete */

    int err_code; /* sticky error */
    char errmsg[MMUSIM_STREAM_MSG];

    struct stream_thread *thr; /* compressed input: decompressed by a second thread */
};

/*
 * Decompression on a second thread (compressed input only): the thread
 * fills a ring of chunks with read_sync(); mmusim_stream_read() hands them out
 * in order.  An error is delivered after every byte decoded before it, as
 * read_sync() would deliver it.  The two threads share only the ring, under
 * one mutex.
 */
#define THR_CHUNK ((size_t)1 << 20)
static void start_thread(mmusim_stream *s);
#define THR_CHUNKS 4

struct stream_thread {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* a chunk was filled, or one was freed, or stop */
    unsigned char *buf[THR_CHUNKS];
    size_t len[THR_CHUNKS];
    unsigned head, count;  /* chunks ready: head .. head + count - 1 */
    size_t pos;            /* consumer's offset in the head chunk */
    int end;               /* the producer reached the end (or an error) after the ready chunks */
    long end_code;         /* 0 at the end of the data, or the error code */
    int stop;              /* the consumer closes the stream */
    int joined;            /* the producer has stopped (mmusim_stream_unthread) */
    uint64_t bytes_read;   /* compressed bytes consumed by the producer */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int stream_fail(mmusim_stream *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mmusim_vname_msg(s->errmsg, sizeof s->errmsg, s->name, fmt, ap);
    va_end(ap);
    s->err_code = code;
    return code;
}

/* read(2) with EINTR handled.  Returns bytes (0 at end of file) or an error. */
static long read_raw(mmusim_stream *s, void *buf, size_t len)
{
    if (len > (size_t)1 << 30)
        len = (size_t)1 << 30;
    for (;;) {
        if (s->is_pipe) {
            /* a pipe may stay silent for long: wait in steps of 0.1 s, so that
               mmusim_stream_abort() ends the wait (the stream then reads as ended) */
            if (atomic_load_explicit(&s->aborted, memory_order_relaxed))
                return 0;
            struct pollfd p = {s->fd, POLLIN, 0};
            int pr = poll(&p, 1, 100);
            if (pr == 0 || (pr < 0 && errno == EINTR))
                continue;
        }
        ssize_t r = read(s->fd, buf, len);
        if (r >= 0) {
            s->raw_total += (uint64_t)r;
            s->raw_eof |= r == 0;
            return (long)r;
        }
        if (errno != EINTR)
            return stream_fail(s, MMU_EIO, "read error: %s", strerror(errno));
    }
}

static mmusim_compression detect(const unsigned char *b, size_t n)
{
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return MMUSIM_COMP_GZIP;
    if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
        return MMUSIM_COMP_XZ;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
        return MMUSIM_COMP_ZSTD;
    /* a zstd skippable frame (magic 0x184D2A50..5F, little-endian) */
    if (n >= 4 && (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18)
        return MMUSIM_COMP_ZSTD;
    return MMUSIM_COMP_NONE;
}

static int init_decoder(mmusim_stream *s)
{
    switch (s->comp) {
    case MMUSIM_COMP_GZIP: {
        int r = inflateInit2(&s->z, 15 + 16); /* gzip wrapper only */
        if (r != Z_OK)
            return stream_fail(s, r == Z_MEM_ERROR ? MMU_ENOMEM : MMU_EIO,
                               "cannot start the gzip decoder: %s", zError(r));
        s->z_init = 1;
        return 0;
    }
    case MMUSIM_COMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        s->x = init;
        lzma_ret r = lzma_stream_decoder(&s->x, UINT64_MAX, LZMA_CONCATENATED);
        if (r != LZMA_OK)
            return stream_fail(s, r == LZMA_MEM_ERROR ? MMU_ENOMEM : MMU_EIO,
                               "cannot start the xz decoder (error %d)", (int)r);
        s->x_init = 1;
        return 0;
    }
    case MMUSIM_COMP_ZSTD:
        s->zs = ZSTD_createDStream();
        if (!s->zs)
            return stream_fail(s, MMU_ENOMEM, "out of memory");
        ZSTD_initDStream(s->zs);
        s->zs_last = 1;
        return 0;
    default:
        return 0;
    }
}

static int stream_open(const char *path, int thread, mmusim_stream **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out) {
        mmusim_copy_msg(err, errlen, "mmusim_stream_open: invalid argument");
        return MMU_EINVAL;
    }
    mmusim_stream *s = calloc(1, sizeof *s);
    if (!s) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return MMU_ENOMEM;
    }
    int is_stdin = strcmp(path, "-") == 0;
    s->fd = -1;
    s->name = strdup(is_stdin ? "<stdin>" : path);
    int rc;
    if (!s->name) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        mmusim_stream_close(s);
        return MMU_ENOMEM;
    }
    if (is_stdin) {
        s->fd = STDIN_FILENO;
        struct stat st;
        s->is_pipe = fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            rc = stream_fail(s, errno == ENOENT ? MMU_ENOTFOUND : MMU_EIO, "%s", strerror(errno));
            goto fail;
        }
        s->own_fd = 1;
        struct stat st;
        if (fstat(s->fd, &st) != 0) {
            rc = stream_fail(s, MMU_EIO, "%s", strerror(errno));
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = stream_fail(s, MMU_EIO, "%s", strerror(EISDIR));
            goto fail;
        }
        if (S_ISREG(st.st_mode))
            s->file_size = (uint64_t)st.st_size;
        else
            s->is_pipe = 1; /* a named pipe or a device */
    }
    /* a small file needs no 1 MiB input buffer (many small files: tests, fuzzing) */
    s->in_cap = MMUSIM_STREAM_IN_CAP;
    if (s->file_size > 0 && s->file_size < MMUSIM_STREAM_IN_CAP)
        s->in_cap = (size_t)s->file_size + 1 < 64 ? 64 : (size_t)s->file_size + 1;
    s->in = malloc(s->in_cap);
    if (!s->in) {
        rc = stream_fail(s, MMU_ENOMEM, "out of memory");
        goto fail;
    }
    /* Enough bytes to recognise a magic number (a pipe may give them in pieces). */
    while (s->in_len < MMUSIM_STREAM_MAGIC_MIN) {
        long r = read_raw(s, s->in + s->in_len, s->in_cap - s->in_len);
        if (r < 0) {
            rc = (int)r;
            goto fail;
        }
        if (r == 0) {
            s->in_eof = 1;
            break;
        }
        s->in_len += (size_t)r;
    }
    s->comp = detect(s->in, s->in_len);
    rc = init_decoder(s);
    if (rc < 0)
        goto fail;
    if (thread && s->comp != MMUSIM_COMP_NONE && !getenv("MMUSIM_NO_THREADS"))
        start_thread(s);
    *out = s;
    return 0;
fail:
    mmusim_copy_msg(err, errlen, s->errmsg);
    mmusim_stream_close(s);
    return rc;
}

int mmusim_stream_open(const char *path, mmusim_stream **out, char *err, size_t errlen)
{
    return stream_open(path, 1, out, err, errlen);
}

int mmusim_stream_open_unthreaded(const char *path, mmusim_stream **out, char *err, size_t errlen)
{
    return stream_open(path, 0, out, err, errlen);
}

/* One call of the decoder: fills buf, stores the bytes made in *made. */
static int step_gzip(mmusim_stream *s, unsigned char *buf, size_t len, size_t *made)
{
    if (s->gz_member_end) {
        if (s->in_pos < s->in_len) {
            inflateReset(&s->z); /* another member follows */
            s->gz_member_end = 0;
        } else {
            if (s->in_eof)
                s->dec_end = 1;
            return 0;
        }
    }
    if (len > UINT_MAX)
        len = UINT_MAX;
    size_t avail = s->in_len - s->in_pos;
    if (avail > UINT_MAX)
        avail = UINT_MAX;
    s->z.next_in = s->in + s->in_pos;
    s->z.avail_in = (uInt)avail;
    s->z.next_out = buf;
    s->z.avail_out = (uInt)len;
    int r = inflate(&s->z, Z_NO_FLUSH);
    s->in_pos += avail - s->z.avail_in;
    *made = len - s->z.avail_out;
    switch (r) {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible now: more input is needed */
        return 0;
    case Z_STREAM_END:
        s->gz_member_end = 1;
        return 0;
    case Z_MEM_ERROR:
        return stream_fail(s, MMU_ENOMEM, "out of memory");
    default:
        return stream_fail(s, MMU_EIO, "corrupt gzip stream: %s", s->z.msg ? s->z.msg : zError(r));
    }
}

static int step_xz(mmusim_stream *s, unsigned char *buf, size_t len, size_t *made)
{
    s->x.next_in = s->in + s->in_pos;
    s->x.avail_in = s->in_len - s->in_pos;
    s->x.next_out = buf;
    s->x.avail_out = len;
    lzma_ret r = lzma_code(&s->x, s->in_eof ? LZMA_FINISH : LZMA_RUN);
    s->in_pos = s->in_len - s->x.avail_in;
    *made = len - s->x.avail_out;
    switch (r) {
    case LZMA_OK:
        return 0;
    case LZMA_STREAM_END:
        s->dec_end = 1;
        return 0;
    case LZMA_BUF_ERROR:
        return stream_fail(s, MMU_EIO, "truncated xz stream");
    case LZMA_MEM_ERROR:
        return stream_fail(s, MMU_ENOMEM, "out of memory");
    case LZMA_MEMLIMIT_ERROR:
        return stream_fail(s, MMU_EIO, "corrupt xz stream: memory usage limit reached");
    case LZMA_FORMAT_ERROR:
        return stream_fail(s, MMU_EIO, "corrupt xz stream: not in the .xz format");
    case LZMA_OPTIONS_ERROR:
        return stream_fail(s, MMU_EIO, "corrupt xz stream: unsupported compression options");
    case LZMA_DATA_ERROR:
        return stream_fail(s, MMU_EIO, "corrupt xz stream: compressed data is corrupt");
    default:
        return stream_fail(s, MMU_EIO, "corrupt xz stream: decoder error %d", (int)r);
    }
}

static int step_zstd(mmusim_stream *s, unsigned char *buf, size_t len, size_t *made)
{
    if (s->in_pos == s->in_len && s->in_eof && s->zs_last == 0) {
        s->dec_end = 1; /* the last frame is complete and flushed */
        return 0;
    }
    ZSTD_inBuffer ib = {s->in, s->in_len, s->in_pos};
    ZSTD_outBuffer ob = {buf, len, 0};
    size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
    if (ZSTD_isError(r))
        return stream_fail(s, MMU_EIO, "corrupt zstd stream: %s", ZSTD_getErrorName(r));
    s->in_pos = ib.pos;
    *made = ob.pos;
    s->zs_last = r;
    return 0;
}

static long read_compressed(mmusim_stream *s, unsigned char *buf, size_t len)
{
    for (;;) {
        if (s->dec_end)
            return 0;
        if (s->in_pos == s->in_len && !s->in_eof) {
            long r = read_raw(s, s->in, s->in_cap);
            if (r < 0)
                return r;
            s->in_pos = 0;
            s->in_len = (size_t)r;
            if (r == 0)
                s->in_eof = 1;
        }
        size_t in_before = s->in_pos, made = 0;
        int rc;
        switch (s->comp) {
        case MMUSIM_COMP_GZIP: rc = step_gzip(s, buf, len, &made); break;
        case MMUSIM_COMP_XZ: rc = step_xz(s, buf, len, &made); break;
        default: rc = step_zstd(s, buf, len, &made); break;
        }
        if (rc < 0)
            return rc;
        if (made > 0) {
            s->stalls = 0;
            return (long)made;
        }
        if (s->dec_end)
            return 0;
        if (s->in_pos != in_before) {
            s->stalls = 0;
            continue;
        }
        /* No input taken and no output made. */
        if (s->in_pos == s->in_len && s->in_eof) {
            if (++s->stalls >= 2)
                return stream_fail(s, MMU_EIO, "truncated %s stream", mmusim_compression_name(s->comp));
        } else if (s->in_pos < s->in_len && ++s->stalls >= 16) {
            return stream_fail(s, MMU_EIO, "corrupt %s stream: the decoder makes no progress",
                               mmusim_compression_name(s->comp));
        }
    }
}

/* One read on the calling thread: bytes (0 at the end) or an error code with s->errmsg. */
static long read_sync(mmusim_stream *s, void *buf, size_t len)
{
    if (s->err_code)
        return s->err_code;
    if (len == 0 || s->done)
        return 0;
    if (len > LONG_MAX)
        len = LONG_MAX;
    long r;
    if (s->comp == MMUSIM_COMP_NONE) {
        if (s->in) { /* hand out the bytes read to look at the magic number */
            size_t n = s->in_len - s->in_pos;
            if (n > len)
                n = len;
            memcpy(buf, s->in + s->in_pos, n);
            s->in_pos += n;
            if (s->in_pos == s->in_len) {
                free(s->in);
                s->in = NULL;
                s->in_pos = s->in_len = 0;
            }
            if (n > 0)
                return (long)n;
        }
        r = s->in_eof ? 0 : read_raw(s, buf, len);
    } else {
        r = read_compressed(s, buf, len);
    }
    if (r < 0)
        return r;
    if (r == 0)
        s->done = 1;
    return r;
}

static void *producer(void *arg)
{
    mmusim_stream *s = arg;
    struct stream_thread *t = s->thr;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (t->count == THR_CHUNKS && !t->stop)
            pthread_cond_wait(&t->cv, &t->mu);
        int stop = t->stop;
        unsigned slot = (t->head + t->count) % THR_CHUNKS;
        pthread_mutex_unlock(&t->mu);
        if (stop)
            return NULL;
        /* fill one chunk outside the lock (allocated when first needed:
           a small stream never needs all of them) */
        size_t n = 0;
        long r = 1;
        if (!t->buf[slot] && !(t->buf[slot] = malloc(THR_CHUNK)))
            r = stream_fail(s, MMU_ENOMEM, "out of memory");
        while (r > 0 && n < THR_CHUNK && (r = read_sync(s, t->buf[slot] + n, THR_CHUNK - n)) > 0)
            n += (size_t)r;
        pthread_mutex_lock(&t->mu);
        t->bytes_read = s->raw_total - (uint64_t)(s->in_len - s->in_pos);
        if (n > 0) {
            t->len[slot] = n;
            t->count++;
        }
        if (r <= 0) {
            t->end = 1;
            t->end_code = r;
        }
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        if (r <= 0)
            return NULL;
    }
}

/* Start the decompression thread; on failure the stream stays synchronous. */
static void start_thread(mmusim_stream *s)
{
    struct stream_thread *t = calloc(1, sizeof *t);
    if (!t)
        return;
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&t->cv, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        goto fail;
    }
    s->thr = t;
    if (pthread_create(&t->tid, NULL, producer, s) == 0)
        return;
    s->thr = NULL;
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
fail:
    for (int i = 0; i < THR_CHUNKS; i++)
        free(t->buf[i]);
    free(t);
}

void mmusim_stream_unthread(mmusim_stream *s)
{
    struct stream_thread *t = s ? s->thr : NULL;
    if (!t || t->joined)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL); /* a chunk being filled is finished first */
    t->joined = 1;
}

static void stop_thread(mmusim_stream *s)
{
    struct stream_thread *t = s->thr;
    if (!t)
        return;
    mmusim_stream_unthread(s);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    for (int i = 0; i < THR_CHUNKS; i++)
        free(t->buf[i]);
    free(t);
    s->thr = NULL;
}

/* mmusim_stream_read with the decompression thread: copy out of the ready chunks. */
static long read_threaded(mmusim_stream *s, unsigned char *buf, size_t len)
{
    struct stream_thread *t = s->thr;
    size_t got = 0;
    long rc = 0;
    int sync = 0;
    pthread_mutex_lock(&t->mu);
    while (got < len) {
        if (t->count > 0) {
            unsigned h = t->head;
            size_t n = t->len[h] - t->pos;
            if (n > len - got)
                n = len - got;
            memcpy(buf + got, t->buf[h] + t->pos, n);
            got += n;
            t->pos += n;
            if (t->pos == t->len[h]) {
                t->head = (h + 1) % THR_CHUNKS;
                t->count--;
                t->pos = 0;
                pthread_cond_broadcast(&t->cv);
            }
            continue;
        }
        if (t->end) {
            rc = t->end_code;
            break;
        }
        if (got > 0)
            break; /* hand out what is here rather than wait */
        if (t->joined) { /* unthreaded, its chunks all read: decompress here from now on */
            sync = 1;
            break;
        }
        pthread_cond_wait(&t->cv, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    if (sync) {
        stop_thread(s);
        return read_sync(s, buf, len);
    }
    return got > 0 ? (long)got : rc;
}

long mmusim_stream_read(mmusim_stream *s, void *buf, size_t len, char *err, size_t errlen)
{
    if (!s || !buf) {
        mmusim_copy_msg(err, errlen, "mmusim_stream_read: invalid argument");
        return MMU_EINVAL;
    }
    if (len > LONG_MAX)
        len = LONG_MAX;
    long r = s->thr ? read_threaded(s, buf, len) : read_sync(s, buf, len);
    if (r < 0)
        mmusim_copy_msg(err, errlen, s->errmsg);
    return r;
}

const char *mmusim_stream_name(const mmusim_stream *s)
{
    return s ? s->name : "?";
}

mmusim_compression mmusim_stream_compression(const mmusim_stream *s)
{
    return s ? s->comp : MMUSIM_COMP_NONE;
}

uint64_t mmusim_stream_bytes_read(const mmusim_stream *s)
{
    if (!s)
        return 0;
    if (s->thr) {
        pthread_mutex_lock(&s->thr->mu);
        uint64_t n = s->thr->bytes_read;
        pthread_mutex_unlock(&s->thr->mu);
        return n;
    }
    return s->raw_total - (uint64_t)(s->in_len - s->in_pos);
}

uint64_t mmusim_stream_file_size(const mmusim_stream *s)
{
    return s ? s->file_size : 0;
}

void mmusim_stream_abort(mmusim_stream *s)
{
    if (s)
        atomic_store_explicit(&s->aborted, 1, memory_order_relaxed);
}

void mmusim_stream_close(mmusim_stream *s)
{
    if (!s)
        return;
    mmusim_stream_abort(s); /* a decompression thread waiting on a pipe stops too */
    stop_thread(s);
    if (!s->own_fd && s->fd == STDIN_FILENO && s->is_pipe && !s->raw_eof) {
        /* standard input left before its end: let go of the pipe now, so the
           producer's next write fails (EPIPE, SIGPIPE) rather than waiting for
           this process to exit; standard input reads as empty from now on */
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (nul >= 0) {
            (void)dup2(nul, STDIN_FILENO);
            close(nul);
        }
    }
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->x_init)
        lzma_end(&s->x);
    ZSTD_freeDStream(s->zs);
    if (s->own_fd && s->fd >= 0)
        close(s->fd);
    free(s->in);
    free(s->name);
    free(s);
}
