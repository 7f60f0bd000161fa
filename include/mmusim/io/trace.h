/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace.h - reading memory-access traces.
 *
 * A trace is opened by path; compression (gzip, xz, zstd) is detected by
 * magic number whatever the file name, and the format is given by name or
 * guessed from the first bytes (docs/trace-formats.md).  Each call to
 * mmusim_trace_read() yields up to N memory accesses.  Errors carry
 * "FILE:LINE: what was wrong" for the line formats and "FILE: record N:
 * what was wrong" for the binary ones.
 */
#ifndef MMUSIM_IO_TRACE_H
#define MMUSIM_IO_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trace formats. */
typedef enum mmusim_format {
    MMUSIM_FMT_AUTO = 0, /* guess from the content */
    MMUSIM_FMT_TEXT,     /* mmusim text format (docs/trace-formats.md) */
    MMUSIM_FMT_LACKEY,   /* valgrind --tool=lackey --trace-mem=yes */
    MMUSIM_FMT_DIN,      /* Dinero IV "din": LABEL ADDRESS per line */
    MMUSIM_FMT_BINARY,   /* mmusim binary: 16-byte records after a 32-byte header */
    MMUSIM_FMT_CHAMPSIM, /* ChampSim instruction traces: 64-byte records */
    MMUSIM_FMT_COUNT
} mmusim_format;

/* "auto", "text", "lackey", "din", "binary", "champsim"; "?" if invalid. */
const char *mmusim_format_name(mmusim_format f);
/* Parse a format name (any case; "bin" is also binary); MMUSIM_FMT_COUNT if
 * unknown. */
mmusim_format mmusim_format_parse(const char *name);
/* The names mmusim_format_parse() knows, for messages: "auto, text, ...". */
const char *mmusim_format_list(void);
/* The formats that can be written (tracewrite.h), for messages: "text,
 * lackey, ...", and their output suffixes: ".txt, .lackey, ... or .bin". */
const char *mmusim_format_writable_list(void);
const char *mmusim_format_writable_suffixes(void);

/* Optional fields a format can carry (besides address and type). */
#define MMUSIM_FIELD_SIZE 0x1u  /* the access size in bytes */
#define MMUSIM_FIELD_ASID 0x2u  /* the address space */
#define MMUSIM_FIELD_CYCLE 0x4u /* the issue cycle */
#define MMUSIM_FIELD_VMID 0x8u  /* the virtual machine */
#define MMUSIM_FIELDS_ALL (MMUSIM_FIELD_SIZE | MMUSIM_FIELD_ASID | MMUSIM_FIELD_CYCLE | MMUSIM_FIELD_VMID)
/* The fields format f can represent (0 for auto or an invalid value). */
unsigned mmusim_format_fields(mmusim_format f);

/* One memory access (24 bytes). */
typedef struct mmusim_access {
    uint64_t vaddr;
    uint64_t cycle;   /* issue cycle if has_cycle */
    uint16_t size;    /* bytes, 1..4096 */
    uint16_t asid;    /* address space (process); 0 if the format has none */
    uint8_t type;     /* mmu_access_type */
    uint8_t has_cycle;
    uint16_t vmid;    /* virtual machine; 0 = native (or the only VM), and for formats without one */
} mmusim_access;

typedef struct mmusim_trace mmusim_trace;

/*
 * Open a trace.  On failure returns a negative value and writes a message
 * naming the file into err.  "-" reads standard input.
 */
int mmusim_trace_open(const char *path, mmusim_format fmt, mmusim_trace **out, char *err, size_t errlen);

/*
 * Read up to max accesses into buf.  Returns the number read (0 at the end of
 * the trace), or a negative value with "FILE:LINE: what was wrong" in err.
 * A truncated or corrupt compressed stream is an error, not an end.
 * If a call meets a bad line after reading some accesses, it returns those;
 * the error comes from the next call.  Errors are sticky: every later call
 * returns the same error.  max == 0 returns 0.
 */
long mmusim_trace_read(mmusim_trace *t, mmusim_access *buf, size_t max, char *err, size_t errlen);

/* Instructions seen so far: the fetch accesses (Lackey 'I' records, text
 * 'X' records, din label 2, binary fetch records, ChampSim records). */
uint64_t mmusim_trace_instructions(const mmusim_trace *t);
/* The optional fields this trace carries: its format's, narrowed by the
 * header flags of a binary trace. */
unsigned mmusim_trace_fields(const mmusim_trace *t);
/* The format in use (after auto-detection). */
mmusim_format mmusim_trace_format(const mmusim_trace *t);
/* Compression detected: "none", "gzip", "xz", "zstd". */
const char *mmusim_trace_compression(const mmusim_trace *t);
/* Bytes of the (possibly compressed) file consumed so far and its size (0 if unknown). */
uint64_t mmusim_trace_bytes_read(const mmusim_trace *t);
uint64_t mmusim_trace_file_size(const mmusim_trace *t);
/* The file name used in messages: the path, or "<stdin>" for "-". */
const char *mmusim_trace_name(const mmusim_trace *t);
/* Lines of (decompressed) text consumed so far, '==' and comment lines
 * included; 0 for the binary formats. */
uint64_t mmusim_trace_lines(const mmusim_trace *t);
/* Records consumed so far by the binary formats (control records
 * included); 0 for the line formats. */
uint64_t mmusim_trace_records(const mmusim_trace *t);
/*
 * Give up on the trace from another thread: a read waiting on a pipe returns
 * within 0.1 s (mmusim_stream_abort).  Then close it with mmusim_trace_close.
 */
void mmusim_trace_abort(mmusim_trace *t);
void mmusim_trace_close(mmusim_trace *t);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_TRACE_H */
