/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ostream.c - compressed output streams (gzip, xz, zstd) over an output file (ofile.c).
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

#define MMUSIM_STREAM_MSG 512

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
