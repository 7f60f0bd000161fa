/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream_names.c - names of the compressions and the messages of the byte layer (io/stream.c, ofile.c, ostream.c).
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
