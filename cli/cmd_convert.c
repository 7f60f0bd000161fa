/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_convert.c - "mmusim convert IN OUT": read a trace in any format and
 * write it in another, compressed or not.
 *
 * The output format comes from --to or OUT's suffix (.txt, .lackey, .din,
 * .bin, then an optional .gz/.xz/.zst), the compression from --compress or
 * that last suffix.  Fields the output format cannot hold (an ASID in
 * Lackey, a size in din, ...) are dropped, and a note on standard error
 * says how many accesses lost what.  The output is written under a
 * temporary name and renamed at the end, so IN may even be OUT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mmusim/error.h"
#include "mmusim/io/trace.h"
#include "mmusim/io/tracewrite.h"

#define CONVERT_BATCH 4096

static void convert_usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim convert IN OUT [options]\n"
            "  --from FMT        input format: auto (default: from the content), text, lackey,\n"
            "                    din, binary, champsim\n"
            "  --to FMT          output format: text, lackey, din, binary (default: from OUT's\n"
            "                    suffix: .txt .lackey .din .bin)\n"
            "  --compress C      none, gzip, xz, zstd (default: from OUT's suffix .gz .xz .zst)\n"
            "  --level N         compression level (default: gzip 6, xz 6, zstd 3)\n"
            "  --quiet           no summary\n"
            "IN and OUT may be '-' for standard input and output (then --to is needed).\n");
}

/* What the output format drops, counted over the accesses that had it. */
typedef struct losses {
    uint64_t asid, cycle, size, vmid;
} losses;

static void count_losses(losses *l, const mmusim_access *a, long n, mmusim_format to)
{
    unsigned keep = mmusim_format_fields(to);
    for (long i = 0; i < n; i++) {
        l->asid += !(keep & MMUSIM_FIELD_ASID) && a[i].asid != 0;
        l->cycle += !(keep & MMUSIM_FIELD_CYCLE) && a[i].has_cycle;
        l->size += !(keep & MMUSIM_FIELD_SIZE) && a[i].size != 4;
        l->vmid += !(keep & MMUSIM_FIELD_VMID) && a[i].vmid != 0;
    }
}

int cli_cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    mmusim_format from = MMUSIM_FMT_AUTO, to = MMUSIM_FMT_COUNT;
    mmusim_compression comp = MMUSIM_COMP_COUNT;
    int level = 0, quiet = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            convert_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0 || strcmp(a, "--compress") == 0 ||
            strcmp(a, "--level") == 0) {
            if (!v) {
                fprintf(stderr, "mmusim convert: %s needs a value\n", a);
                return 2;
            }
            i++;
            if (strcmp(a, "--compress") == 0) {
                comp = mmusim_compression_parse(v);
                if (comp == MMUSIM_COMP_COUNT) {
                    fprintf(stderr, "mmusim convert: --compress: unknown compression '%s' (none, gzip, xz, zstd)\n", v);
                    return 2;
                }
            } else if (strcmp(a, "--level") == 0) {
                char *end;
                long l = strtol(v, &end, 10);
                if (*end || end == v || l < 1 || l > 22) {
                    fprintf(stderr, "mmusim convert: --level: '%s' is not a level 1..22\n", v);
                    return 2;
                }
                level = (int)l;
            } else {
                mmusim_format f = mmusim_format_parse(v);
                if (f == MMUSIM_FMT_COUNT || (a[2] == 't' && f == MMUSIM_FMT_AUTO)) {
                    fprintf(stderr, "mmusim convert: %s: unknown trace format '%s' (%s)\n", a, v,
                            a[2] == 't' ? mmusim_format_writable_list() : mmusim_format_list());
                    return 2;
                }
                if (a[2] == 'f')
                    from = f;
                else
                    to = f;
            }
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "mmusim convert: unknown option '%s'\n", a);
            convert_usage(stderr);
            return 2;
        }
        if (!in)
            in = a;
        else if (!out)
            out = a;
        else {
            fprintf(stderr, "mmusim convert: one input and one output only ('%s')\n", a);
            return 2;
        }
    }
    if (!in || !out) {
        fprintf(stderr, "mmusim convert: needs IN and OUT\n");
        convert_usage(stderr);
        return 2;
    }
    mmusim_format by_name;
    mmusim_compression comp_by_name;
    mmusim_output_kind(out, &by_name, &comp_by_name);
    if (to == MMUSIM_FMT_COUNT)
        to = by_name;
    if (comp == MMUSIM_COMP_COUNT)
        comp = comp_by_name;
    if (to == MMUSIM_FMT_AUTO) {
        fprintf(stderr, "mmusim convert: cannot tell the output format from '%s': use --to FMT or a "
                        "suffix %s\n", out, mmusim_format_writable_suffixes());
        return 2;
    }
    if (!mmusim_format_writable(to)) {
        fprintf(stderr, "mmusim convert: cannot write the %s format%s\n", mmusim_format_name(to),
                mmusim_format_unwritable_reason(to));
        return 2;
    }

    char err[1024];
    mmusim_trace *t;
    if (mmusim_trace_open(in, from, &t, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 1;
    }
    mmusim_writer_opts o;
    mmusim_writer_opts_init(&o);
    o.format = to;
    o.comp = comp;
    o.level = level;
    o.fields = mmusim_trace_fields(t);
    mmusim_writer *w;
    if (mmusim_writer_open(out, &o, &w, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        mmusim_trace_close(t);
        return 1;
    }
    static mmusim_access buf[CONVERT_BATCH];
    losses lost = {0, 0, 0, 0};
    uint64_t accesses = 0;
    long n;
    int status = 0;
    while ((n = mmusim_trace_read(t, buf, CONVERT_BATCH, err, sizeof err)) > 0) {
        count_losses(&lost, buf, n, to);
        accesses += (uint64_t)n;
        if (mmusim_writer_write(w, buf, (size_t)n, err, sizeof err) < 0) {
            status = 1;
            break;
        }
    }
    if (n < 0)
        status = 1;
    if (status == 0 && mmusim_writer_close(w, err, sizeof err) < 0)
        status = 1;
    else if (status != 0)
        mmusim_writer_abort(w);
    if (status != 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        mmusim_trace_close(t);
        return 1;
    }
    FILE *info = strcmp(out, "-") == 0 ? stderr : stdout;
    if (!quiet) {
        fprintf(info, "mmusim convert: %s (%s, %s) -> %s (%s, %s): %" PRIu64 " accesses, %" PRIu64
                      " instructions\n",
                mmusim_trace_name(t), mmusim_format_name(mmusim_trace_format(t)), mmusim_trace_compression(t),
                strcmp(out, "-") == 0 ? "<stdout>" : out, mmusim_format_name(to),
                mmusim_compression_name(comp), accesses, mmusim_trace_instructions(t));
    }
    if (lost.asid)
        fprintf(stderr, "mmusim convert: note: %s keeps no ASIDs: %" PRIu64 " accesses lost theirs\n",
                mmusim_format_name(to), lost.asid);
    if (lost.cycle)
        fprintf(stderr, "mmusim convert: note: %s keeps no cycles: %" PRIu64 " accesses lost theirs\n",
                mmusim_format_name(to), lost.cycle);
    if (lost.vmid)
        fprintf(stderr, "mmusim convert: note: %s keeps no VM ids: %" PRIu64 " accesses lost theirs\n",
                mmusim_format_name(to), lost.vmid);
    if (lost.size)
        fprintf(stderr, "mmusim convert: note: %s keeps no sizes (reads back as 4 bytes): %" PRIu64
                        " accesses had another size\n", mmusim_format_name(to), lost.size);
    mmusim_trace_close(t);
    return 0;
}
