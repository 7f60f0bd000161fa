/*
 * tracewrite.h - writing memory-access traces: mmusim text, mmusim binary,
 * Valgrind Lackey and Dinero IV din, plain or compressed with gzip, xz or
 * zstd (docs/trace-formats.md says what each format keeps and loses).
 *
 * The output is written under a temporary name and renamed into place by
 * tb_writer_close(), so a failed or interrupted run never leaves a
 * half-written trace.  ChampSim is not written: a ChampSim record is an
 * instruction with its registers and branch outcome, which an access stream
 * does not have, and inventing them would mislead ChampSim's core model.
 */
#ifndef MMUSIM_TB_TRACEWRITE_H
#define MMUSIM_TB_TRACEWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"
#include "trace.h"

typedef struct tb_writer tb_writer;

typedef struct tb_writer_opts {
    tb_format format;    /* TB_FMT_TEXT, _LACKEY, _DIN or _BINARY */
    tb_compression comp; /* TB_COMP_NONE, _GZIP, _XZ, _ZSTD */
    int level;           /* compression level; 0 = the tool's default */
    /* TB_FIELD_ASID / TB_FIELD_CYCLE the accesses may carry.  The binary
     * header declares them; a plain binary file gets the fields actually
     * seen patched in at the end.  An access with a field not declared
     * here is an error for the binary format. */
    unsigned fields;
    const char *comment; /* text format only: a first "# ..." line, or NULL */
} tb_writer_opts;

/* Defaults: text, no compression, default level, all fields, no comment. */
void tb_writer_opts_init(tb_writer_opts *o);

/* Can format f be written? */
int tb_format_writable(tb_format f);

/*
 * What an output name asks for: the compression from its last suffix (.gz,
 * .xz, .zst), then the format from the suffix before it: .txt or .text
 * text, .lackey lackey, .din din, .bin binary, .champsim or .champsimtrace
 * champsim.  *fmt is TB_FMT_AUTO when there is no known format suffix.
 */
void tb_output_kind(const char *path, tb_format *fmt, tb_compression *comp);

/*
 * Create path ("-" is standard output) for a trace of o->format.  Returns 0
 * with a new writer in *out, or a negative mmu_err with "FILE: reason" in
 * err (MMU_EINVAL for a format that cannot be written).
 */
int tb_writer_open(const char *path, const tb_writer_opts *o, tb_writer **out, char *err,
                   size_t errlen);

/*
 * Append n accesses.  Returns 0, or a negative mmu_err with a message:
 * "FILE: access N: ..." for an access the format cannot hold (size out of
 * 1..4096, a bad type, an undeclared binary field), "FILE: write error:
 * ..." for I/O.  Errors are sticky.
 */
int tb_writer_write(tb_writer *w, const tb_access *a, size_t n, char *err, size_t errlen);

/* Accesses written so far. */
uint64_t tb_writer_accesses(const tb_writer *w);

/*
 * Finish the file (flush, end the compressed stream, patch a plain binary
 * header) and rename it into place; frees w.  0, or a negative mmu_err
 * with a message (the output is then not created).
 */
int tb_writer_close(tb_writer *w, char *err, size_t errlen);

/* Give up: remove the temporary file and free w.  NULL is allowed. */
void tb_writer_abort(tb_writer *w);

#endif /* MMUSIM_TB_TRACEWRITE_H */
