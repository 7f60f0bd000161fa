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
 * three, through a temporary file that is renamed into place only when
 * everything was written, so a failed or interrupted write never leaves a
 * half-written output under the final name.
 */
#ifndef MMUSIM_IO_STREAM_H
#define MMUSIM_IO_STREAM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
 * Close the file and free everything; NULL is allowed.  Standard input is
 * not closed, but when it is a pipe not read to its end, /dev/null replaces
 * it, so the producer writing into the pipe stops at once (EPIPE, SIGPIPE)
 * instead of writing on until this process exits.
 */
void mmusim_stream_close(mmusim_stream *s);

/* ---- output ---- */

typedef struct mmusim_ostream mmusim_ostream;

/*
 * Create path for writing, compressed with comp at level (0: the command-line
 * tool's default: gzip 6, xz 6, zstd 3).  The data goes to "PATH.tmp.PID"
 * in the same directory and becomes path only in mmusim_ostream_close(); "-"
 * writes to standard output directly.  Returns 0 with a new stream in *out,
 * or a negative mmu_err with "FILE: reason" in err.
 */
int mmusim_ostream_open(const char *path, mmusim_compression comp, int level, mmusim_ostream **out, char *err,
                    size_t errlen);

/* Write len bytes (compressing them).  0, or a negative mmu_err with
 * "FILE: reason" in err; errors are sticky. */
int mmusim_ostream_write(mmusim_ostream *s, const void *buf, size_t len, char *err, size_t errlen);

/*
 * Overwrite len bytes at offset off of an uncompressed file already written
 * (a header patched at the end).  Returns 0, MMU_EUNSUPPORTED if the stream
 * is compressed or standard output (nothing done, no message), or another
 * negative mmu_err with a message.
 */
int mmusim_ostream_pwrite(mmusim_ostream *s, const void *buf, size_t len, uint64_t off, char *err,
                      size_t errlen);

/* Bytes written to the file so far (compressed, if it is). */
uint64_t mmusim_ostream_bytes_written(const mmusim_ostream *s);

/*
 * Finish the compressed stream, close the file and rename it into place;
 * frees s.  On failure returns a negative mmu_err with a message, and the
 * temporary file is removed (the final name is left as it was).
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

#endif /* MMUSIM_IO_STREAM_H */
