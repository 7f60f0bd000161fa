/*
 * trace.h - reading memory-access traces.
 *
 * A trace is opened by path; compression (gzip, xz, zstd) is detected by
 * magic number whatever the file name, and the format is given by name or
 * guessed from the first lines.  Each call to tb_trace_read() yields up to N
 * memory access.  Errors carry "FILE:LINE: what was wrong" (or
 * "FILE: record N: ..." for binary formats).
 */
#ifndef MMUSIM_TB_TRACE_H
#define MMUSIM_TB_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Trace formats. */
typedef enum tb_format {
    TB_FMT_AUTO = 0, /* guess from the content */
    TB_FMT_TEXT,     /* mmusim text format (docs/trace-formats.md) */
    TB_FMT_LACKEY,   /* valgrind --tool=lackey --trace-mem=yes */
    TB_FMT_COUNT
} tb_format;

const char *tb_format_name(tb_format f);
/* Parse a format name ("text", "lackey", "auto"); TB_FMT_COUNT if unknown. */
tb_format tb_format_parse(const char *name);

/* One memory access. */
typedef struct tb_access {
    uint64_t vaddr;
    uint64_t cycle;   /* issue cycle if has_cycle */
    uint32_t size;    /* bytes */
    uint16_t asid;    /* address space (process); 0 if the format has none */
    uint8_t type;     /* mmu_access_type */
    uint8_t has_cycle;
} tb_access;

typedef struct tb_trace tb_trace;

/*
 * Open a trace.  On failure returns a negative value and writes a message
 * naming the file into err.  "-" reads standard input.
 */
int tb_trace_open(const char *path, tb_format fmt, tb_trace **out, char *err, size_t errlen);

/*
 * Read up to max accesses into buf.  Returns the number read (0 at the end of
 * the trace), or a negative value with "FILE:LINE: what was wrong" in err.
 * A truncated or corrupt compressed stream is an error, not an end.
 * If a call meets a bad line after reading some accesses, it returns those;
 * the error comes from the next call.  Errors are sticky: every later call
 * returns the same error.  max == 0 returns 0.
 */
long tb_trace_read(tb_trace *t, tb_access *buf, size_t max, char *err, size_t errlen);

/* Instructions seen so far (Lackey 'I' records, text 'X' records). */
uint64_t tb_trace_instructions(const tb_trace *t);
/* The format in use (after auto-detection). */
tb_format tb_trace_format(const tb_trace *t);
/* Compression detected: "none", "gzip", "xz", "zstd". */
const char *tb_trace_compression(const tb_trace *t);
/* Bytes of the (possibly compressed) file consumed so far and its size (0 if unknown). */
uint64_t tb_trace_bytes_read(const tb_trace *t);
uint64_t tb_trace_file_size(const tb_trace *t);
/* The file name used in messages: the path, or "<stdin>" for "-". */
const char *tb_trace_name(const tb_trace *t);
/* Lines of (decompressed) text consumed so far, '==' and comment lines included. */
uint64_t tb_trace_lines(const tb_trace *t);
void tb_trace_close(tb_trace *t);

#endif /* MMUSIM_TB_TRACE_H */
