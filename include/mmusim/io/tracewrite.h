/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tracewrite.h - writing memory-access traces: mmusim text, mmusim binary,
 * Valgrind Lackey and Dinero IV din, plain or compressed with gzip, xz or
 * zstd (docs/trace-formats.md says what each format keeps and loses).
 *
 * The output is written under a temporary name and renamed into place by
 * mmusim_writer_close(), so a failed or interrupted run never leaves a
 * half-written trace.  ChampSim is not written: a ChampSim record is an
 * instruction with its registers and branch outcome, which an access stream
 * does not have, and inventing them would mislead ChampSim's core model.
 */
#ifndef MMUSIM_IO_TRACEWRITE_H
#define MMUSIM_IO_TRACEWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mmusim_writer mmusim_writer;

typedef struct mmusim_writer_opts {
    mmusim_format format;    /* MMUSIM_FMT_TEXT, _LACKEY, _DIN or _BINARY */
    mmusim_compression comp; /* MMUSIM_COMP_NONE, _GZIP, _XZ, _ZSTD */
    int level;           /* compression level; 0 = the tool's default */
    /* MMUSIM_FIELD_ASID / _VMID / _CYCLE the accesses may carry.  The binary
     * header declares them; a plain binary file gets the fields actually
     * seen patched in at the end.  An access with a field not declared
     * here is an error for the binary format. */
    unsigned fields;
    const char *comment; /* text format only: a first "# ..." line, or NULL */
} mmusim_writer_opts;

/* Defaults: text, no compression, default level, all fields, no comment. */
void mmusim_writer_opts_init(mmusim_writer_opts *o);

/* Can format f be written? */
int mmusim_format_writable(mmusim_format f);
/* Why format f cannot be written, for a message: " (its records are ...)",
 * or "" if it can be or there is nothing to say. */
const char *mmusim_format_unwritable_reason(mmusim_format f);

/*
 * What an output name asks for: the compression from its last suffix (.gz,
 * .xz, .zst), then the format from the suffix before it: .txt or .text
 * text, .lackey lackey, .din din, .bin binary, .champsim or .champsimtrace
 * champsim.  *fmt is MMUSIM_FMT_AUTO when there is no known format suffix.
 */
void mmusim_output_kind(const char *path, mmusim_format *fmt, mmusim_compression *comp);

/*
 * Create path ("-" is standard output) for a trace of o->format.  Returns 0
 * with a new writer in *out, or a negative mmu_err with "FILE: reason" in
 * err (MMU_EINVAL for a format that cannot be written).
 */
int mmusim_writer_open(const char *path, const mmusim_writer_opts *o, mmusim_writer **out, char *err,
                   size_t errlen);

/*
 * Append n accesses.  Returns 0, or a negative mmu_err with a message:
 * "FILE: access N: ..." for an access the format cannot hold (size out of
 * 1..4096, a bad type, an undeclared binary field), "FILE: write error:
 * ..." for I/O.  Errors are sticky.
 */
int mmusim_writer_write(mmusim_writer *w, const mmusim_access *a, size_t n, char *err, size_t errlen);

/* Accesses written so far. */
uint64_t mmusim_writer_accesses(const mmusim_writer *w);

/*
 * Finish the file (flush, end the compressed stream, patch a plain binary
 * header) and rename it into place; frees w.  0, or a negative mmu_err
 * with a message (the output is then not created).
 */
int mmusim_writer_close(mmusim_writer *w, char *err, size_t errlen);

/* Give up: remove the temporary file and free w.  NULL is allowed. */
void mmusim_writer_abort(mmusim_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_TRACEWRITE_H */
