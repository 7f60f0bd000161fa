/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream.h - a byte stream from a file or standard input, decompressed on
 * the fly.
 *
 * Compression is detected by magic number, whatever the file name: gzip
 * (1f 8b, concatenated members), xz (fd 37 7a 58 5a 00, concatenated
 * streams), zstd (28 b5 2f fd or a skippable frame, several frames).
 * Anything else is read as it is.  Every trace reader (text, Lackey, binary)
 * reads through this layer, so they all get the same compression support and
 * the same error messages.  A truncated or corrupt compressed stream is an
 * error ("FILE: truncated zstd stream", "FILE: corrupt gzip stream: DETAIL"),
 * never a silent end.
 *
 * The output side (mmusim_ostream) writes a file compressed with any of the
 * three.  Where the bytes go is decided by mmusim_ofile (docs/outputs.md):
 * a regular file (or a new name) is written to a temporary file renamed into
 * place only when everything was written, so a failed or interrupted write
 * never leaves a half-written output under the final name; a device, a FIFO
 * or standard output ("-") is written in place; symbolic links are followed.
 */
#ifndef MMUSIM_IO_STREAM_H
#define MMUSIM_IO_STREAM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mmusim_compression {
    MMUSIM_COMP_NONE = 0,
    MMUSIM_COMP_GZIP,
    MMUSIM_COMP_XZ,
    MMUSIM_COMP_ZSTD,
    MMUSIM_COMP_COUNT
} mmusim_compression;

/* "none", "gzip", "xz", "zstd"; "?" for an invalid value. */
const char *mmusim_compression_name(mmusim_compression c);
/* Parse "none", "gzip" (or "gz"), "xz", "zstd" (or "zst"); MMUSIM_COMP_COUNT if unknown. */
mmusim_compression mmusim_compression_parse(const char *name);
/*
 * The compression a file name asks for by its suffix (".gz", ".xz", ".zst"
 * or ".zstd"; MMUSIM_COMP_NONE otherwise).  If stem_len is not NULL it gets the
 * length of the name without that suffix.
 */
mmusim_compression mmusim_compression_from_name(const char *path, size_t *stem_len);

typedef struct mmusim_stream mmusim_stream;

/*
 * Open path ("-" is standard input) and detect its compression from its
 * first bytes.  On success stores a new stream in *out and returns 0; the
 * caller closes it with mmusim_stream_close().  On failure returns a negative
 * mmu_err and writes "FILE: reason" into err (e.g. "t.txt: No such file or
 * directory").
 */
int mmusim_stream_open(const char *path, mmusim_stream **out, char *err, size_t errlen);

/*
 * The same, for a reader that decompresses on its own thread: no
 * decompression thread is started (mmusim_stream_open starts one for a
 * compressed stream, which reads ahead from the start; one that a reader
 * stops at once with mmusim_stream_unthread has decompressed a chunk or two
 * into memory touched for nothing).
 */
int mmusim_stream_open_unthreaded(const char *path, mmusim_stream **out, char *err, size_t errlen);

/*
 * Read up to len decompressed bytes into buf.  Returns the number of bytes
 * read (> 0; possibly fewer than len), 0 at the end of the data, or a
 * negative mmu_err with "FILE: reason" in err.  Errors are sticky: once a
 * call failed, every later call fails with the same message.
 */
long mmusim_stream_read(mmusim_stream *s, void *buf, size_t len, char *err, size_t errlen);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *mmusim_stream_name(const mmusim_stream *s);
mmusim_compression mmusim_stream_compression(const mmusim_stream *s);
/* Bytes of the file (compressed, if it is) consumed by the decoder so far. */
uint64_t mmusim_stream_bytes_read(const mmusim_stream *s);
/* Size of the file in bytes; 0 for standard input or anything not a regular file. */
uint64_t mmusim_stream_file_size(const mmusim_stream *s);
/*
 * The consumer gives up on the stream: a read waiting on a pipe (standard
 * input, a named pipe) returns within 0.1 s, as at the end of the data.
 * Safe to call from another thread than the one reading.  NULL is allowed.
 */
void mmusim_stream_abort(mmusim_stream *s);
/*
 * Decompress on the reading thread from now on: a compressed stream stops
 * its decompression thread (the bytes it decompressed are read first).  For
 * a reader that runs on a thread of its own, where the second thread only
 * adds a copy of every byte and a hand-over between threads.  The bytes
 * read are the same.  NULL is allowed.
 */
void mmusim_stream_unthread(mmusim_stream *s);
/*
 * Close the file and free everything; NULL is allowed.  Standard input is
 * not closed, but when it is a pipe not read to its end, /dev/null replaces
 * it, so the producer writing into the pipe stops at once (EPIPE, SIGPIPE)
 * instead of writing on until this process exits.
 */
void mmusim_stream_close(mmusim_stream *s);

/* ---- output files: where the bytes of an output go ---- */

/*
 * An output file, opened by what its path names (docs/outputs.md):
 *  - "-": standard output, written in place;
 *  - a regular file, or nothing yet: "TARGET.tmp.PID" is written and renamed
 *    over TARGET by mmusim_ofile_commit() (after fsync), keeping the old
 *    file's permission bits; until then the old file is untouched;
 *  - a character or block device, or a FIFO: opened and written in place
 *    (nothing is created, renamed or removed);
 *  - a directory, a socket: refused.
 * Symbolic links are followed: TARGET is the file the chain of links names
 * (a dangling link's target is created), so the link stays and the file it
 * points to gets the new contents.  Temporary files are listed in a
 * registry that mmusim_tmp_cleanup() empties from a signal handler.
 */
typedef struct mmusim_ofile mmusim_ofile;

/* Open path for writing as above.  0 with a new handle in *out, or a
 * negative mmu_err with "PATH: reason" in err. */
int mmusim_ofile_open(const char *path, mmusim_ofile **out, char *err, size_t errlen);

/* The file descriptor to write to. */
int mmusim_ofile_fd(const mmusim_ofile *f);

/* A stdio stream on the file, made on the first call and owned by f
 * (stdout for "-"); NULL if out of memory. */
FILE *mmusim_ofile_stdio(mmusim_ofile *f);

/* Nonzero if the file is replaced on commit (a regular file or a new name),
 * 0 if it is written in place (standard output, a device, a FIFO). */
int mmusim_ofile_replaces(const mmusim_ofile *f);

/*
 * Finish: flush the stdio stream if any, fsync (errors of devices that cannot
 * sync are ignored), close, and for a replaced file rename it into place.
 * Every write, flush, sync or close error is reported ("PATH: No space left
 * on device"); the temporary file is then removed and the old file kept.
 * Frees f.  Returns 0 or a negative mmu_err with a message.
 */
int mmusim_ofile_commit(mmusim_ofile *f, char *err, size_t errlen);

/* Give up: close and remove the temporary file (if any), free f.  NULL is allowed. */
void mmusim_ofile_abort(mmusim_ofile *f);

/*
 * Check, before a long run, that path can be written as an output: the
 * directory accepts a new file (a probe is created and removed at once) or,
 * with append set, an existing regular file opens for appending; a device
 * must be writable; a FIFO is accepted without opening it (that would wait
 * for a reader); a directory or a socket is refused.  Nothing is left
 * behind.  0, or a negative mmu_err with "PATH: reason" in err.
 */
int mmusim_output_check(const char *path, int append, char *err, size_t errlen);

/*
 * Check that the file open on fd (named path in messages) is what an input
 * read as a whole needs: a regular file, or also a pipe or FIFO if pipes_ok.
 * A directory, a device (/dev/zero would never end) or a socket is refused:
 * MMU_EINVAL with "PATH: is a character device, not a regular file" in err.
 */
int mmusim_input_check(int fd, const char *path, int pipes_ok, char *err, size_t errlen);

/*
 * Remove every temporary output file still open.  Async-signal-safe: meant
 * for a handler of SIGINT, SIGTERM, SIGHUP, SIGPIPE that then re-raises the
 * signal with its default action.
 */
void mmusim_tmp_cleanup(void);

/* ---- output streams (compressed or not) ---- */

typedef struct mmusim_ostream mmusim_ostream;

/*
 * Create path for writing, compressed with comp at level (0: the command-line
 * tool's default: gzip 6, xz 6, zstd 3).  The file is opened with
 * mmusim_ofile_open(): a regular file (or a new name) is written to
 * "PATH.tmp.PID" beside it and becomes path only in mmusim_ostream_close();
 * "-", devices and FIFOs are written in place.  Returns 0 with a new stream
 * in *out, or a negative mmu_err with "FILE: reason" in err.
 */
int mmusim_ostream_open(const char *path, mmusim_compression comp, int level, mmusim_ostream **out, char *err,
                    size_t errlen);

/* Write len bytes (compressing them).  0, or a negative mmu_err with
 * "FILE: reason" in err; errors are sticky. */
int mmusim_ostream_write(mmusim_ostream *s, const void *buf, size_t len, char *err, size_t errlen);

/*
 * Overwrite len bytes at offset off of an uncompressed file already written
 * (a header patched at the end).  Returns 0, MMU_EUNSUPPORTED if the stream
 * is compressed or not a file of its own (standard output, a device, a FIFO:
 * nothing done, no message), or another negative mmu_err with a message.
 */
int mmusim_ostream_pwrite(mmusim_ostream *s, const void *buf, size_t len, uint64_t off, char *err,
                      size_t errlen);

/* Bytes written to the file so far (compressed, if it is). */
uint64_t mmusim_ostream_bytes_written(const mmusim_ostream *s);

/*
 * Finish the compressed stream and commit the file (mmusim_ofile_commit:
 * fsync, close, rename into place); frees s.  On failure returns a negative
 * mmu_err with a message, and the temporary file is removed (the final name
 * is left as it was).
 */
int mmusim_ostream_close(mmusim_ostream *s, char *err, size_t errlen);

/* Give up: close and remove the temporary file, free s.  NULL is allowed. */
void mmusim_ostream_abort(mmusim_ostream *s);

/* Copy msg into err (if err is non-NULL and errlen > 0). */
void mmusim_copy_msg(char *err, size_t errlen, const char *msg);

/* Write "NAME: <formatted message>" into dst (the testbench's error messages). */
void mmusim_vname_msg(char *dst, size_t len, const char *name, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 0)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_STREAM_H */
