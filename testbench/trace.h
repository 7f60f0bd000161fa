/*
 * trace.h - reading memory-access traces.
 *
 * A trace is opened by path; compression (gzip, xz, zstd) is detected by
 * magic number whatever the file name, and the format is given by name or
 * guessed from the first bytes (docs/trace-formats.md).  Each call to
 * tb_trace_read() yields up to N memory accesses.  Errors carry
 * "FILE:LINE: what was wrong" for the line formats and "FILE: record N:
 * what was wrong" for the binary ones.
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
    TB_FMT_DIN,      /* Dinero IV "din": LABEL ADDRESS per line */
    TB_FMT_BINARY,   /* mmusim binary: 16-byte records after a 32-byte header */
    TB_FMT_CHAMPSIM, /* ChampSim instruction traces: 64-byte records */
    TB_FMT_COUNT
} tb_format;

/* "auto", "text", "lackey", "din", "binary", "champsim"; "?" if invalid. */
const char *tb_format_name(tb_format f);
/* Parse a format name (any case; "bin" is also binary); TB_FMT_COUNT if
 * unknown. */
tb_format tb_format_parse(const char *name);
/* The names tb_format_parse() knows, for messages: "auto, text, ...". */
const char *tb_format_list(void);

/* Optional fields a format can carry (besides address and type). */
#define TB_FIELD_SIZE 0x1u  /* the access size in bytes */
#define TB_FIELD_ASID 0x2u  /* the address space */
#define TB_FIELD_CYCLE 0x4u /* the issue cycle */
#define TB_FIELDS_ALL (TB_FIELD_SIZE | TB_FIELD_ASID | TB_FIELD_CYCLE)
/* The fields format f can represent (0 for auto or an invalid value). */
unsigned tb_format_fields(tb_format f);

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

/* Instructions seen so far: the fetch accesses (Lackey 'I' records, text
 * 'X' records, din label 2, binary fetch records, ChampSim records). */
uint64_t tb_trace_instructions(const tb_trace *t);
/* The optional fields this trace carries: its format's, narrowed by the
 * header flags of a binary trace. */
unsigned tb_trace_fields(const tb_trace *t);
/* The format in use (after auto-detection). */
tb_format tb_trace_format(const tb_trace *t);
/* Compression detected: "none", "gzip", "xz", "zstd". */
const char *tb_trace_compression(const tb_trace *t);
/* Bytes of the (possibly compressed) file consumed so far and its size (0 if unknown). */
uint64_t tb_trace_bytes_read(const tb_trace *t);
uint64_t tb_trace_file_size(const tb_trace *t);
/* The file name used in messages: the path, or "<stdin>" for "-". */
const char *tb_trace_name(const tb_trace *t);
/* Lines of (decompressed) text consumed so far, '==' and comment lines
 * included; 0 for the binary formats. */
uint64_t tb_trace_lines(const tb_trace *t);
/* Records consumed so far by the binary formats (control records
 * included); 0 for the line formats. */
uint64_t tb_trace_records(const tb_trace *t);
void tb_trace_close(tb_trace *t);

#endif /* MMUSIM_TB_TRACE_H */
