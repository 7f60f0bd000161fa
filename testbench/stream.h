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
 */
#ifndef MMUSIM_TB_STREAM_H
#define MMUSIM_TB_STREAM_H

#include <stddef.h>
#include <stdint.h>

typedef enum tb_compression {
    TB_COMP_NONE = 0,
    TB_COMP_GZIP,
    TB_COMP_XZ,
    TB_COMP_ZSTD,
    TB_COMP_COUNT
} tb_compression;

/* "none", "gzip", "xz", "zstd"; "?" for an invalid value. */
const char *tb_compression_name(tb_compression c);

typedef struct tb_stream tb_stream;

/*
 * Open path ("-" is standard input) and detect its compression from its
 * first bytes.  On success stores a new stream in *out and returns 0; the
 * caller closes it with tb_stream_close().  On failure returns a negative
 * mmu_err and writes "FILE: reason" into err (e.g. "t.txt: No such file or
 * directory").
 */
int tb_stream_open(const char *path, tb_stream **out, char *err, size_t errlen);

/*
 * Read up to len decompressed bytes into buf.  Returns the number of bytes
 * read (> 0; possibly fewer than len), 0 at the end of the data, or a
 * negative mmu_err with "FILE: reason" in err.  Errors are sticky: once a
 * call failed, every later call fails with the same message.
 */
long tb_stream_read(tb_stream *s, void *buf, size_t len, char *err, size_t errlen);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *tb_stream_name(const tb_stream *s);
tb_compression tb_stream_compression(const tb_stream *s);
/* Bytes of the file (compressed, if it is) consumed by the decoder so far. */
uint64_t tb_stream_bytes_read(const tb_stream *s);
/* Size of the file in bytes; 0 for standard input or anything not a regular file. */
uint64_t tb_stream_file_size(const tb_stream *s);
/* Close the file (never standard input) and free everything; NULL is allowed. */
void tb_stream_close(tb_stream *s);

#endif /* MMUSIM_TB_STREAM_H */
