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
    mmusim_compression comp;

    unsigned char *in; /* compressed input (or the first plain bytes) */
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
    uint64_t bytes_read;   /* compressed bytes consumed by the producer */
};

static const char *const comp_names[MMUSIM_COMP_COUNT] = {"none", "gzip", "xz", "zstd"};

const char *mmusim_compression_name(mmusim_compression c)
{
    return (unsigned)c < MMUSIM_COMP_COUNT ? comp_names[c] : "?";
}

mmusim_compression mmusim_compression_parse(const char *name)
{
    if (!name)
        return MMUSIM_COMP_COUNT;
    for (int i = 0; i < MMUSIM_COMP_COUNT; i++)
        if (strcmp(name, comp_names[i]) == 0)
            return (mmusim_compression)i;
    if (strcmp(name, "gz") == 0)
        return MMUSIM_COMP_GZIP;
    if (strcmp(name, "zst") == 0)
        return MMUSIM_COMP_ZSTD;
    return MMUSIM_COMP_COUNT;
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

mmusim_compression mmusim_compression_from_name(const char *path, size_t *stem_len)
{
    static const struct {
        const char *suffix;
        mmusim_compression comp;
    } map[] = {{".gz", MMUSIM_COMP_GZIP}, {".xz", MMUSIM_COMP_XZ}, {".zst", MMUSIM_COMP_ZSTD}, {".zstd", MMUSIM_COMP_ZSTD}};
    size_t n = path ? strlen(path) : 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (has_suffix(path, n, map[i].suffix)) {
            if (stem_len)
                *stem_len = n - strlen(map[i].suffix);
            return map[i].comp;
        }
    if (stem_len)
        *stem_len = n;
    return MMUSIM_COMP_NONE;
}

void mmusim_copy_msg(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

void mmusim_vname_msg(char *dst, size_t len, const char *name, const char *fmt, va_list ap)
{
    int n = snprintf(dst, len, "%s: ", name);
    if (n < 0 || (size_t)n >= len)
        n = 0;
    vsnprintf(dst + n, len - (size_t)n, fmt, ap);
}

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
        ssize_t r = read(s->fd, buf, len);
        if (r >= 0) {
            s->raw_total += (uint64_t)r;
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

int mmusim_stream_open(const char *path, mmusim_stream **out, char *err, size_t errlen)
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
    s->in = malloc(MMUSIM_STREAM_IN_CAP);
    int rc;
    if (!s->name || !s->in) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        mmusim_stream_close(s);
        return MMU_ENOMEM;
    }
    if (is_stdin) {
        s->fd = STDIN_FILENO;
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
    }
    /* Enough bytes to recognise a magic number (a pipe may give them in pieces). */
    while (s->in_len < MMUSIM_STREAM_MAGIC_MIN) {
        long r = read_raw(s, s->in + s->in_len, MMUSIM_STREAM_IN_CAP - s->in_len);
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
    if (s->comp != MMUSIM_COMP_NONE && !getenv("MMUSIM_NO_THREADS"))
        start_thread(s);
    *out = s;
    return 0;
fail:
    mmusim_copy_msg(err, errlen, s->errmsg);
    mmusim_stream_close(s);
    return rc;
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
            long r = read_raw(s, s->in, MMUSIM_STREAM_IN_CAP);
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
        /* fill one chunk outside the lock */
        size_t n = 0;
        long r = 1;
        while (n < THR_CHUNK && (r = read_sync(s, t->buf[slot] + n, THR_CHUNK - n)) > 0)
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
    for (int i = 0; i < THR_CHUNKS; i++)
        if (!(t->buf[i] = malloc(THR_CHUNK)))
            goto fail;
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

static void stop_thread(mmusim_stream *s)
{
    struct stream_thread *t = s->thr;
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->tid, NULL);
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
        pthread_cond_wait(&t->cv, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
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

void mmusim_stream_close(mmusim_stream *s)
{
    if (!s)
        return;
    stop_thread(s);
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

/* ---- output files ---- */

/*
 * The registry of temporary files, for mmusim_tmp_cleanup() in a signal
 * handler: fixed slots (no allocation, no lock).  A slot is FREE, BUSY while
 * its path is being copied in, LIVE while the file may exist, or GONE once
 * a handler took it (the process is about to die).
 */
#define TMP_SLOTS 64
enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE, SLOT_GONE };
static _Atomic int tmp_state[TMP_SLOTS];
static char tmp_paths[TMP_SLOTS][PATH_MAX];

/* Register path; returns the slot, or -1 (no room: the file is then not
 * removed on a signal, everything else works). */
static int tmp_register(const char *path)
{
    size_t n = strlen(path);
    if (n >= PATH_MAX)
        return -1;
    for (int i = 0; i < TMP_SLOTS; i++) {
        int expect = SLOT_FREE;
        if (atomic_compare_exchange_strong(&tmp_state[i], &expect, SLOT_BUSY)) {
            memcpy(tmp_paths[i], path, n + 1);
            atomic_store(&tmp_state[i], SLOT_LIVE);
            return i;
        }
    }
    return -1;
}

/* The file of slot i is gone (renamed or removed by us). */
static void tmp_unregister(int i)
{
    if (i < 0)
        return;
    int expect = SLOT_LIVE;
    (void)atomic_compare_exchange_strong(&tmp_state[i], &expect, SLOT_FREE);
}

void mmusim_tmp_cleanup(void)
{
    int saved = errno;
    for (int i = 0; i < TMP_SLOTS; i++) {
        int expect = SLOT_LIVE;
        if (atomic_compare_exchange_strong(&tmp_state[i], &expect, SLOT_GONE))
            unlink(tmp_paths[i]);
    }
    errno = saved;
}

struct mmusim_ofile {
    char *name;   /* the path given, for messages ("<stdout>" for "-") */
    char *target; /* the file renamed over (symbolic links followed); NULL if written in place */
    char *tmp;    /* the temporary file; NULL if written in place */
    int slot;     /* registry slot of tmp */
    int fd;
    int own_fd;   /* 0 for standard output */
    FILE *fp;     /* mmusim_ofile_stdio() */
    int werr;     /* errno of the first failed write through fp */
};

/* The descriptor N a path names as /dev/fd/N, /proc/self/fd/N or
 * /proc/PID/fd/N of this process, or -1. */
static int fd_path(const char *p)
{
    char own[64];
    snprintf(own, sizeof own, "/proc/%ld/fd/", (long)getpid());
    const char *prefixes[] = {"/dev/fd/", "/proc/self/fd/", own};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(p, prefixes[i], n) != 0 || !p[n])
            continue;
        long v = 0;
        for (p += n; *p >= '0' && *p <= '9' && v < 1000000; p++)
            v = v * 10 + (*p - '0');
        return *p ? -1 : (int)v;
    }
    return -1;
}

/* What a path names, symbolic links followed (a dangling link names its
 * target, which does not exist).  Returns the path of the last name of the
 * chain (malloc'd) with *exists and st filled, or NULL with errno set.  A
 * chain through one of this process's descriptors (/dev/stdout is
 * /proc/self/fd/1) stops there: *fdnum is set (else -1) and st is the
 * descriptor's, so the open file is written, never replaced. */
static char *resolve_target(const char *path, struct stat *st, int *exists, int *fdnum)
{
    char *cur = strdup(path);
    *fdnum = -1;
    for (int hops = 0; cur; hops++) {
        int fd = fd_path(cur);
        if (fd >= 0) {
            if (fstat(fd, st) != 0)
                break;
            *fdnum = fd;
            *exists = 1;
            return cur;
        }
        if (lstat(cur, st) != 0) {
            if (errno != ENOENT)
                break;
            *exists = 0;
            return cur;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = 1;
            return cur;
        }
        char link[PATH_MAX];
        ssize_t n = hops < 40 ? readlink(cur, link, sizeof link - 1) : -1;
        if (hops >= 40)
            errno = ELOOP;
        if (n < 0)
            break;
        link[n] = 0;
        const char *slash = strrchr(cur, '/');
        size_t dirlen = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = malloc(dirlen + (size_t)n + 1);
        if (!next) {
            errno = ENOMEM;
            break;
        }
        memcpy(next, cur, dirlen);
        memcpy(next + dirlen, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    int e = cur ? errno : ENOMEM;
    free(cur);
    errno = e;
    return NULL;
}

/* Why a file of this type cannot be an output, or NULL if it can. */
static const char *refused_type(mode_t m)
{
    if (S_ISDIR(m))
        return "is a directory, not a file";
    if (S_ISSOCK(m))
        return "is a socket, not a file";
    if (!S_ISREG(m) && !S_ISCHR(m) && !S_ISBLK(m) && !S_ISFIFO(m))
        return "is not a file, device or FIFO";
    return NULL;
}

static int errno_code(int e)
{
    return e == ENOENT ? MMU_ENOTFOUND : e == ENOMEM ? MMU_ENOMEM : MMU_EIO;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void path_msg(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char msg[MMUSIM_STREAM_MSG];
    va_list ap;
    va_start(ap, fmt);
    mmusim_vname_msg(msg, sizeof msg, path, fmt, ap);
    va_end(ap);
    mmusim_copy_msg(err, errlen, msg);
}

int mmusim_ofile_open(const char *path, mmusim_ofile **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out) {
        mmusim_copy_msg(err, errlen, "mmusim_ofile_open: invalid argument");
        return MMU_EINVAL;
    }
    mmusim_ofile *f = calloc(1, sizeof *f);
    int is_stdout = strcmp(path, "-") == 0;
    if (!f || !(f->name = strdup(is_stdout ? "<stdout>" : path))) {
        free(f);
        path_msg(err, errlen, path, "out of memory");
        return MMU_ENOMEM;
    }
    f->slot = -1;
    f->fd = -1;
    if (is_stdout) {
        fflush(stdout); /* what was printed before comes first */
        f->fd = STDOUT_FILENO;
        *out = f;
        return 0;
    }
    struct stat st;
    int exists = 0, fdnum;
    f->target = resolve_target(path, &st, &exists, &fdnum);
    if (!f->target) {
        int e = errno;
        path_msg(err, errlen, path, "%s", strerror(e));
        mmusim_ofile_abort(f);
        return errno_code(e);
    }
    const char *why = exists ? refused_type(st.st_mode) : NULL;
    if (why) {
        path_msg(err, errlen, path, "%s", why);
        mmusim_ofile_abort(f);
        return MMU_EINVAL;
    }
    if (exists && (!S_ISREG(st.st_mode) || fdnum >= 0)) {
        /* a device, a FIFO or an open descriptor: written in place, never replaced */
        free(f->target);
        f->target = NULL;
        if (fdnum >= 0) {
            fflush(stdout); /* what was printed before comes first */
            f->fd = fcntl(fdnum, F_DUPFD_CLOEXEC, 3);
        } else
            do
                f->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
            while (f->fd < 0 && errno == EINTR);
        if (f->fd < 0) {
            int e = errno;
            path_msg(err, errlen, path, "%s", strerror(e));
            mmusim_ofile_abort(f);
            return errno_code(e);
        }
        f->own_fd = 1;
        *out = f;
        return 0;
    }
    size_t tlen = strlen(f->target) + 32;
    f->tmp = malloc(tlen);
    if (!f->tmp) {
        path_msg(err, errlen, path, "out of memory");
        mmusim_ofile_abort(f);
        return MMU_ENOMEM;
    }
    snprintf(f->tmp, tlen, "%s.tmp.%ld", f->target, (long)getpid());
    f->slot = tmp_register(f->tmp);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        int e = errno;
        tmp_unregister(f->slot);
        f->slot = -1;
        free(f->tmp);
        f->tmp = NULL;
        path_msg(err, errlen, path, "%s", strerror(e));
        mmusim_ofile_abort(f);
        return errno_code(e);
    }
    f->own_fd = 1;
    /* the new file keeps the permission bits of the one it replaces */
    if (exists)
        (void)fchmod(f->fd, st.st_mode & 07777);
    *out = f;
    return 0;
}

int mmusim_ofile_fd(const mmusim_ofile *f)
{
    return f ? f->fd : -1;
}

/* The stdio stream's writes: straight to the descriptor, the first error kept. */
static ssize_t ofile_cookie_write(void *c, const char *buf, size_t n)
{
    mmusim_ofile *f = c;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(f->fd, buf + done, n - done);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            if (!f->werr)
                f->werr = w < 0 ? errno : EIO;
            return (ssize_t)done;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int ofile_cookie_close(void *c)
{
    (void)c; /* the descriptor is closed by mmusim_ofile_commit/abort */
    return 0;
}

FILE *mmusim_ofile_stdio(mmusim_ofile *f)
{
    if (!f)
        return NULL;
    if (!f->fp) {
        cookie_io_functions_t io = {NULL, ofile_cookie_write, NULL, ofile_cookie_close};
        f->fp = fopencookie(f, "w", io);
        if (f->fp)
            setvbuf(f->fp, NULL, _IOFBF, (size_t)1 << 16);
    }
    return f->fp;
}

int mmusim_ofile_replaces(const mmusim_ofile *f)
{
    return f && f->tmp != NULL;
}

int mmusim_ofile_commit(mmusim_ofile *f, char *err, size_t errlen)
{
    if (!f)
        return 0;
    int e = 0;
    if (f->fp) {
        if (fflush(f->fp) != 0 || ferror(f->fp))
            e = f->werr ? f->werr : EIO;
        fclose(f->fp);
        f->fp = NULL;
    }
    /* a device or FIFO that cannot sync says so with EINVAL or ENOTSUP */
    if (!e && f->own_fd && fsync(f->fd) != 0 &&
        (f->tmp || (errno != EINVAL && errno != ENOTSUP && errno != EROFS)))
        e = errno;
    if (f->own_fd) {
        if (close(f->fd) != 0 && !e)
            e = errno;
        f->fd = -1;
        f->own_fd = 0;
    }
    if (!e && f->tmp) {
        if (rename(f->tmp, f->target) != 0) {
            e = errno;
            path_msg(err, errlen, f->name, "cannot rename %s into place: %s", f->tmp, strerror(e));
            mmusim_ofile_abort(f);
            return MMU_EIO;
        }
        tmp_unregister(f->slot);
        f->slot = -1;
        free(f->tmp);
        f->tmp = NULL;
    }
    if (e) {
        path_msg(err, errlen, f->name, "write error: %s", strerror(e));
        mmusim_ofile_abort(f);
        return e == ENOMEM ? MMU_ENOMEM : MMU_EIO;
    }
    mmusim_ofile_abort(f);
    return 0;
}

void mmusim_ofile_abort(mmusim_ofile *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    if (f->own_fd)
        close(f->fd);
    if (f->tmp) {
        unlink(f->tmp);
        tmp_unregister(f->slot);
    }
    free(f->tmp);
    free(f->target);
    free(f->name);
    free(f);
}

/* What kind of file this is, for messages. */
static const char *kind_name(mode_t m)
{
    if (S_ISREG(m))
        return "a regular file";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISFIFO(m))
        return "a FIFO";
    return S_ISSOCK(m) ? "a socket" : "a special file";
}

int mmusim_input_check(int fd, const char *path, int pipes_ok, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        path_msg(err, errlen, path ? path : "?", "%s", strerror(errno));
        return MMU_EIO;
    }
    if (S_ISREG(st.st_mode) || (pipes_ok && S_ISFIFO(st.st_mode)))
        return 0;
    path_msg(err, errlen, path ? path : "?", "is %s, not a regular file%s", kind_name(st.st_mode),
             pipes_ok ? " or a pipe" : "");
    return MMU_EINVAL;
}

int mmusim_output_check(const char *path, int append, char *err, size_t errlen)
{
    if (!path) {
        mmusim_copy_msg(err, errlen, "mmusim_output_check: invalid argument");
        return MMU_EINVAL;
    }
    if (strcmp(path, "-") == 0)
        return 0;
    struct stat st;
    int exists = 0, fdnum;
    char *target = resolve_target(path, &st, &exists, &fdnum);
    if (!target) {
        int e = errno;
        path_msg(err, errlen, path, "%s", strerror(e));
        return errno_code(e);
    }
    const char *why = exists ? refused_type(st.st_mode) : NULL;
    int rc = 0, e = 0;
    if (why) {
        path_msg(err, errlen, path, "%s", why);
        rc = MMU_EINVAL;
    } else if (fdnum >= 0) {
        int fl = fcntl(fdnum, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
            e = fl < 0 ? errno : EBADF;
    } else if (exists && S_ISFIFO(st.st_mode)) {
        /* opening it would wait for a reader */
    } else if (exists && (!S_ISREG(st.st_mode) || append)) {
        int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | (append ? O_APPEND : 0));
        if (fd < 0)
            e = errno;
        else
            close(fd);
    } else {
        /* a new file in the target's directory: the probe is the temporary
         * name the output will use, removed at once */
        size_t tlen = strlen(target) + 32;
        char *probe = malloc(tlen);
        if (!probe) {
            e = ENOMEM;
        } else {
            snprintf(probe, tlen, "%s.tmp.%ld", target, (long)getpid());
            int slot = tmp_register(probe);
            int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0) {
                e = errno;
            } else {
                close(fd);
                unlink(probe);
            }
            tmp_unregister(slot);
            free(probe);
        }
    }
    if (e) {
        path_msg(err, errlen, path, "%s", strerror(e));
        rc = errno_code(e);
    }
    free(target);
    return rc;
}

/* ---- output streams ---- */

#define MMUSIM_OSTREAM_OUT_CAP ((size_t)1 << 20)

struct mmusim_ostream {
    char *name; /* the final name, for messages */
    mmusim_ofile *of; /* where the bytes go */
    int fd;
    mmusim_compression comp;
    unsigned char *out; /* compressed output waiting to be written */
    size_t out_len;
    uint64_t written;
    z_stream z;
    int z_init;
    lzma_stream x;
    int x_init;
    ZSTD_CCtx *zc;
    int err_code;
    char errmsg[MMUSIM_STREAM_MSG];
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int ostream_fail(mmusim_ostream *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mmusim_vname_msg(s->errmsg, sizeof s->errmsg, s->name, fmt, ap);
    va_end(ap);
    s->err_code = code;
    return code;
}

static int write_all(mmusim_ostream *s, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t r = write(s->fd, p, len > ((size_t)1 << 30) ? (size_t)1 << 30 : len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return ostream_fail(s, MMU_EIO, "write error: %s", strerror(errno));
        }
        p += r;
        len -= (size_t)r;
        s->written += (uint64_t)r;
    }
    return 0;
}

/* Write out the compressed bytes gathered so far. */
static int flush_out(mmusim_ostream *s)
{
    int rc = write_all(s, s->out, s->out_len);
    s->out_len = 0;
    return rc;
}

int mmusim_ostream_open(const char *path, mmusim_compression comp, int level, mmusim_ostream **out, char *err,
                    size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out || (unsigned)comp >= MMUSIM_COMP_COUNT) {
        mmusim_copy_msg(err, errlen, "mmusim_ostream_open: invalid argument");
        return MMU_EINVAL;
    }
    mmusim_ostream *s = calloc(1, sizeof *s);
    if (!s) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        return MMU_ENOMEM;
    }
    int is_stdout = strcmp(path, "-") == 0;
    s->fd = -1;
    s->comp = comp;
    s->name = strdup(is_stdout ? "<stdout>" : path);
    if (comp != MMUSIM_COMP_NONE)
        s->out = malloc(MMUSIM_OSTREAM_OUT_CAP);
    int rc = 0;
    if (!s->name || (comp != MMUSIM_COMP_NONE && !s->out)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", path);
        free(s->name);
        free(s->out);
        free(s);
        return MMU_ENOMEM;
    }
    switch (comp) {
    case MMUSIM_COMP_GZIP: {
        int r = deflateInit2(&s->z, level > 0 ? (level > 9 ? 9 : level) : 6, Z_DEFLATED, 15 + 16, 8,
                             Z_DEFAULT_STRATEGY);
        if (r != Z_OK) {
            rc = ostream_fail(s, MMU_ENOMEM, "cannot start the gzip encoder: %s", zError(r));
            goto fail;
        }
        s->z_init = 1;
        break;
    }
    case MMUSIM_COMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        s->x = init;
        uint32_t preset = (uint32_t)(level > 0 ? (level > 9 ? 9 : level) : 6);
        lzma_ret r = lzma_easy_encoder(&s->x, preset, LZMA_CHECK_CRC64);
        if (r != LZMA_OK) {
            rc = ostream_fail(s, MMU_ENOMEM, "cannot start the xz encoder (error %d)", (int)r);
            goto fail;
        }
        s->x_init = 1;
        break;
    }
    case MMUSIM_COMP_ZSTD:
        s->zc = ZSTD_createCCtx();
        if (!s->zc) {
            rc = ostream_fail(s, MMU_ENOMEM, "out of memory");
            goto fail;
        }
        if (ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, level > 0 ? level : 3)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1))) {
            rc = ostream_fail(s, MMU_EINVAL, "bad zstd compression level %d", level);
            goto fail;
        }
        break;
    default:
        break;
    }
    rc = mmusim_ofile_open(path, &s->of, s->errmsg, sizeof s->errmsg);
    if (rc < 0) {
        s->err_code = rc;
        goto fail;
    }
    s->fd = mmusim_ofile_fd(s->of);
    *out = s;
    return 0;
fail:
    mmusim_copy_msg(err, errlen, s->errmsg);
    mmusim_ostream_abort(s);
    return rc;
}

/* Run the encoder over len bytes at buf (finishing the stream if finish). */
static int encode(mmusim_ostream *s, const unsigned char *buf, size_t len, int finish)
{
    switch (s->comp) {
    case MMUSIM_COMP_GZIP:
        for (;;) {
            size_t chunk = len > UINT_MAX ? UINT_MAX : len;
            s->z.next_in = (Bytef *)(uintptr_t)buf;
            s->z.avail_in = (uInt)chunk;
            int last = finish && chunk == len;
            int r;
            do {
                s->z.next_out = s->out + s->out_len;
                s->z.avail_out = (uInt)(MMUSIM_OSTREAM_OUT_CAP - s->out_len);
                r = deflate(&s->z, last ? Z_FINISH : Z_NO_FLUSH);
                if (r == Z_STREAM_ERROR)
                    return ostream_fail(s, MMU_EIO, "gzip encoder error");
                s->out_len = MMUSIM_OSTREAM_OUT_CAP - s->z.avail_out;
                if (s->out_len == MMUSIM_OSTREAM_OUT_CAP && flush_out(s) < 0)
                    return s->err_code;
            } while (s->z.avail_in > 0 || (last && r != Z_STREAM_END));
            buf += chunk;
            len -= chunk;
            if (len == 0)
                return 0;
        }
    case MMUSIM_COMP_XZ: {
        s->x.next_in = buf;
        s->x.avail_in = len;
        for (;;) {
            s->x.next_out = s->out + s->out_len;
            s->x.avail_out = MMUSIM_OSTREAM_OUT_CAP - s->out_len;
            lzma_ret r = lzma_code(&s->x, finish ? LZMA_FINISH : LZMA_RUN);
            s->out_len = MMUSIM_OSTREAM_OUT_CAP - s->x.avail_out;
            if (r != LZMA_OK && r != LZMA_STREAM_END)
                return ostream_fail(s, r == LZMA_MEM_ERROR ? MMU_ENOMEM : MMU_EIO,
                                    "xz encoder error %d", (int)r);
            if (s->out_len == MMUSIM_OSTREAM_OUT_CAP && flush_out(s) < 0)
                return s->err_code;
            if (finish ? r == LZMA_STREAM_END : s->x.avail_in == 0)
                return 0;
        }
    }
    default: {
        ZSTD_inBuffer ib = {buf, len, 0};
        for (;;) {
            ZSTD_outBuffer ob = {s->out, MMUSIM_OSTREAM_OUT_CAP, s->out_len};
            size_t r = ZSTD_compressStream2(s->zc, &ob, &ib, finish ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(r))
                return ostream_fail(s, MMU_EIO, "zstd encoder error: %s", ZSTD_getErrorName(r));
            s->out_len = ob.pos;
            if (s->out_len == MMUSIM_OSTREAM_OUT_CAP && flush_out(s) < 0)
                return s->err_code;
            if (finish ? r == 0 : ib.pos == ib.size)
                return 0;
        }
    }
    }
}

int mmusim_ostream_write(mmusim_ostream *s, const void *buf, size_t len, char *err, size_t errlen)
{
    if (!s || (!buf && len)) {
        mmusim_copy_msg(err, errlen, "mmusim_ostream_write: invalid argument");
        return MMU_EINVAL;
    }
    if (!s->err_code && len)
        (void)(s->comp == MMUSIM_COMP_NONE ? write_all(s, buf, len) : encode(s, buf, len, 0));
    if (s->err_code) {
        mmusim_copy_msg(err, errlen, s->errmsg);
        return s->err_code;
    }
    return 0;
}

int mmusim_ostream_pwrite(mmusim_ostream *s, const void *buf, size_t len, uint64_t off, char *err,
                      size_t errlen)
{
    if (!s || !buf) {
        mmusim_copy_msg(err, errlen, "mmusim_ostream_pwrite: invalid argument");
        return MMU_EINVAL;
    }
    if (s->err_code) {
        mmusim_copy_msg(err, errlen, s->errmsg);
        return s->err_code;
    }
    /* only our own file: standard output may be a file we must not rewrite
     * from offset 0 (">> log"), or a pipe */
    struct stat st;
    if (s->comp != MMUSIM_COMP_NONE || !mmusim_ofile_replaces(s->of) || fstat(s->fd, &st) != 0 ||
        !S_ISREG(st.st_mode))
        return MMU_EUNSUPPORTED;
    ssize_t r;
    do
        r = pwrite(s->fd, buf, len, (off_t)off);
    while (r < 0 && errno == EINTR);
    if (r != (ssize_t)len) {
        ostream_fail(s, MMU_EIO, "write error: %s", r < 0 ? strerror(errno) : "short write");
        mmusim_copy_msg(err, errlen, s->errmsg);
        return s->err_code;
    }
    return 0;
}

uint64_t mmusim_ostream_bytes_written(const mmusim_ostream *s)
{
    return s ? s->written + s->out_len : 0;
}

int mmusim_ostream_close(mmusim_ostream *s, char *err, size_t errlen)
{
    if (!s)
        return 0;
    if (!s->err_code && s->comp != MMUSIM_COMP_NONE && encode(s, NULL, 0, 1) == 0)
        flush_out(s);
    if (!s->err_code) {
        mmusim_ofile *of = s->of;
        s->of = NULL; /* committed or removed, either way */
        s->fd = -1;
        int r = mmusim_ofile_commit(of, s->errmsg, sizeof s->errmsg);
        if (r < 0)
            s->err_code = r;
    }
    int rc = s->err_code;
    if (rc)
        mmusim_copy_msg(err, errlen, s->errmsg);
    mmusim_ostream_abort(s);
    return rc;
}

void mmusim_ostream_abort(mmusim_ostream *s)
{
    if (!s)
        return;
    mmusim_ofile_abort(s->of);
    if (s->z_init)
        deflateEnd(&s->z);
    if (s->x_init)
        lzma_end(&s->x);
    ZSTD_freeCCtx(s->zc);
    free(s->out);
    free(s->name);
    free(s);
}
