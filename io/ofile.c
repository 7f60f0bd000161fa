/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ofile.c - output files: regular files replaced atomically through a temporary file (removed on a signal), devices, FIFOs and standard output written in place, and the checks of outputs and inputs (docs/outputs.md).  Apart from io/stream.c so a program that only writes results links no decompressor.
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
