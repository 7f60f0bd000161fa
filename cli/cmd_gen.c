/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_gen.c - "mmusim gen KIND OUT": write a synthetic trace (gen.h,
 * docs/generators.md) in any writable format, compressed or not.
 *
 * Byte quantities (--footprint, --stride, --unit) take binary multiples
 * K, M, G, T (1024-based); counts (--accesses, --pages, --quantum) take
 * decimal ones k, M, G (1000-based).  The output format comes from
 * --format or OUT's suffix, the compression from --compress or the last
 * suffix, as for convert.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mmusim/io/gen.h"
#include "mmusim/error.h"
#include "mmusim/io/trace.h"
#include "mmusim/io/tracewrite.h"

#define GEN_BATCH 4096

static void gen_usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim gen KIND OUT [options]\n"
            "kinds: sequential, strided, uniform (or random), zipf, chase, mix\n"
            "common options:\n"
            "  --seed N            random seed (default 1)\n"
            "  --accesses N        accesses to write (default 1M; k, M, G = 10^3, 10^6, 10^9)\n"
            "  --footprint BYTES   bytes of the region touched (default 64M; K, M, G, T = 2^10...)\n"
            "  --base ADDR         first address of the region (default 0x10000000)\n"
            "  --size BYTES        bytes per access, 1..4096 (default 8)\n"
            "  --write-ratio R     probability that an access is a write, 0..1 (default 0)\n"
            "  --format FMT        text, lackey, din, binary (default: from OUT's suffix)\n"
            "  --compress C        none, gzip, xz, zstd (default: from OUT's suffix)\n"
            "  --level N           compression level\n"
            "  --quiet             no summary\n"
            "kind options:\n"
            "  --stride BYTES      strided: bytes from one access to the next (default 4096)\n"
            "  --unit BYTES        uniform, zipf, chase: page (or element) size (default 4096)\n"
            "  --pages N           uniform, zipf, chase: number of units (default footprint/unit)\n"
            "  --alpha A           zipf: exponent (default 1.0)\n"
            "  --procs P           mix: processes, ASIDs 1..P (default 4; per VM)\n"
            "  --vms V             mix: virtual machines, VM ids 0..V-1, each with P processes (default 1)\n"
            "  --quantum Q         mix: accesses per time slice (default 10000)\n"
            "  --pattern KIND      mix: each process's pattern (default uniform)\n"
            "docs/generators.md defines each generator exactly.\n");
}

/* An unsigned number (decimal, or hex after 0x) with an optional multiplier
 * suffix: binary K, M, G, T (and KiB, KB, ...) or decimal k, M, G, T. */
static int parse_scaled(const char *opt, const char *v, uint64_t *out, int binary)
{
    char *end;
    if (!v || !*v || *v == '-') {
        fprintf(stderr, "mmusim gen: %s needs a non-negative number\n", opt);
        return -1;
    }
    errno = 0;
    int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    unsigned long long x = strtoull(v, &end, hex ? 16 : 10); /* never octal: 010 is ten */
    if (end == v || errno == ERANGE) {
        fprintf(stderr, "mmusim gen: %s: '%s' is not a number\n", opt, v);
        return -1;
    }
    uint64_t m = 1;
    if (*end) {
        const char *s = end;
        switch (*s) {
        case 'k': case 'K': m = binary ? UINT64_C(1) << 10 : UINT64_C(1000); break;
        case 'm': case 'M': m = binary ? UINT64_C(1) << 20 : UINT64_C(1000000); break;
        case 'g': case 'G': m = binary ? UINT64_C(1) << 30 : UINT64_C(1000000000); break;
        case 't': case 'T': m = binary ? UINT64_C(1) << 40 : UINT64_C(1000000000000); break;
        default: m = 0; break;
        }
        s++;
        if (binary && (strcmp(s, "iB") == 0 || strcmp(s, "B") == 0))
            s += strlen(s);
        if (m == 0 || *s) {
            fprintf(stderr, "mmusim gen: %s: '%s' is not a number (suffixes: %s)\n", opt, v,
                    binary ? "K, M, G, T" : "k, M, G, T");
            return -1;
        }
    }
    if (m > 1 && x > UINT64_MAX / m) {
        fprintf(stderr, "mmusim gen: %s: '%s' is too large\n", opt, v);
        return -1;
    }
    *out = (uint64_t)x * m;
    return 0;
}

static int parse_real(const char *opt, const char *v, double *out)
{
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end) {
        fprintf(stderr, "mmusim gen: %s: '%s' is not a number\n", opt, v ? v : "");
        return -1;
    }
    *out = x;
    return 0;
}

int cli_cmd_gen(int argc, char **argv)
{
    mmusim_gen_params p;
    mmusim_gen_defaults(&p);
    const char *kind = NULL, *out = NULL;
    mmusim_format fmt = MMUSIM_FMT_COUNT;
    mmusim_compression comp = MMUSIM_COMP_COUNT;
    int level = 0, quiet = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            gen_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (!kind)
                kind = a;
            else if (!out)
                out = a;
            else {
                fprintf(stderr, "mmusim gen: one KIND and one OUT only ('%s')\n", a);
                return 2;
            }
            continue;
        }
        if (!v) {
            fprintf(stderr, "mmusim gen: %s needs a value\n", a);
            return 2;
        }
        i++;
        uint64_t u;
        int bad = 0;
        if (strcmp(a, "--seed") == 0)
            bad = parse_scaled(a, v, &p.seed, 0);
        else if (strcmp(a, "--accesses") == 0)
            bad = parse_scaled(a, v, &p.accesses, 0);
        else if (strcmp(a, "--footprint") == 0)
            bad = parse_scaled(a, v, &p.footprint, 1);
        else if (strcmp(a, "--base") == 0)
            bad = parse_scaled(a, v, &p.base, 1);
        else if (strcmp(a, "--stride") == 0)
            bad = parse_scaled(a, v, &p.stride, 1);
        else if (strcmp(a, "--unit") == 0 || strcmp(a, "--page-size") == 0)
            bad = parse_scaled(a, v, &p.unit, 1);
        else if (strcmp(a, "--pages") == 0)
            bad = parse_scaled(a, v, &p.pages, 0);
        else if (strcmp(a, "--quantum") == 0)
            bad = parse_scaled(a, v, &p.quantum, 0);
        else if (strcmp(a, "--size") == 0 || strcmp(a, "--procs") == 0 || strcmp(a, "--vms") == 0) {
            bad = parse_scaled(a, v, &u, 0);
            if (!bad && u > 1000000) {
                fprintf(stderr, "mmusim gen: %s: '%s' is too large\n", a, v);
                bad = -1;
            }
            if (a[2] == 's')
                p.size = (uint32_t)u;
            else if (a[2] == 'v')
                p.vms = (unsigned)u;
            else
                p.procs = (unsigned)u;
        } else if (strcmp(a, "--write-ratio") == 0)
            bad = parse_real(a, v, &p.write_ratio);
        else if (strcmp(a, "--alpha") == 0)
            bad = parse_real(a, v, &p.alpha);
        else if (strcmp(a, "--pattern") == 0) {
            p.pattern = mmusim_gen_kind_parse(v);
            if (p.pattern == MMUSIM_GEN_KINDS || p.pattern == MMUSIM_GEN_MIX) {
                fprintf(stderr, "mmusim gen: --pattern: '%s' is not sequential, strided, uniform, "
                                "zipf or chase\n", v);
                bad = -1;
            }
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "--to") == 0) {
            fmt = mmusim_format_parse(v);
            if (fmt == MMUSIM_FMT_COUNT || !mmusim_format_writable(fmt)) {
                fprintf(stderr, "mmusim gen: %s: cannot write the trace format '%s' (%s)\n", a, v,
                        mmusim_format_writable_list());
                bad = -1;
            }
        } else if (strcmp(a, "--compress") == 0) {
            comp = mmusim_compression_parse(v);
            if (comp == MMUSIM_COMP_COUNT) {
                fprintf(stderr, "mmusim gen: --compress: unknown compression '%s' (none, gzip, xz, zstd)\n", v);
                bad = -1;
            }
        } else if (strcmp(a, "--level") == 0) {
            bad = parse_scaled(a, v, &u, 0);
            if (!bad && (u < 1 || u > 22)) {
                fprintf(stderr, "mmusim gen: --level: '%s' is not a level 1..22\n", v);
                bad = -1;
            }
            level = (int)u;
        } else {
            fprintf(stderr, "mmusim gen: unknown option '%s'\n", a);
            gen_usage(stderr);
            return 2;
        }
        if (bad)
            return 2;
    }
    if (!kind || !out) {
        fprintf(stderr, "mmusim gen: needs KIND and OUT\n");
        gen_usage(stderr);
        return 2;
    }
    p.kind = mmusim_gen_kind_parse(kind);
    if (p.kind == MMUSIM_GEN_KINDS) {
        fprintf(stderr, "mmusim gen: unknown generator '%s' (sequential, strided, uniform, zipf, "
                        "chase, mix)\n", kind);
        return 2;
    }
    mmusim_format by_name;
    mmusim_compression comp_by_name;
    mmusim_output_kind(out, &by_name, &comp_by_name);
    if (fmt == MMUSIM_FMT_COUNT)
        fmt = by_name;
    if (comp == MMUSIM_COMP_COUNT)
        comp = comp_by_name;
    if (fmt == MMUSIM_FMT_AUTO || !mmusim_format_writable(fmt)) {
        fprintf(stderr, "mmusim gen: cannot tell the output format from '%s': use --format FMT or "
                        "a suffix %s\n", out, mmusim_format_writable_suffixes());
        return 2;
    }

    char err[1024];
    mmusim_gen *g;
    if (mmusim_gen_create(&p, &g, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim gen: %s\n", err);
        return 2;
    }
    /* the text format records how the trace was made */
    char comment[512], extra[256] = "";
    mmusim_gen_kind shape = p.kind == MMUSIM_GEN_MIX ? p.pattern : p.kind;
    size_t k = 0;
    if (p.kind == MMUSIM_GEN_MIX)
        k += (size_t)snprintf(extra + k, sizeof extra - k, " --procs %u --quantum %" PRIu64 " --pattern %s",
                              p.procs, p.quantum, mmusim_gen_kind_name(p.pattern));
    if (p.kind == MMUSIM_GEN_MIX && p.vms > 1)
        k += (size_t)snprintf(extra + k, sizeof extra - k, " --vms %u", p.vms);
    if (shape == MMUSIM_GEN_STRIDED)
        k += (size_t)snprintf(extra + k, sizeof extra - k, " --stride %" PRIu64, p.stride);
    if (shape == MMUSIM_GEN_UNIFORM || shape == MMUSIM_GEN_ZIPF || shape == MMUSIM_GEN_CHASE)
        k += (size_t)snprintf(extra + k, sizeof extra - k, " --unit %" PRIu64 " --pages %" PRIu64,
                              p.unit, mmusim_gen_units(g));
    if (shape == MMUSIM_GEN_ZIPF)
        snprintf(extra + k, sizeof extra - k, " --alpha %g", p.alpha);
    snprintf(comment, sizeof comment,
             "mmusim gen %s --seed %" PRIu64 " --accesses %" PRIu64 " --footprint %" PRIu64
             " --base 0x%" PRIx64 " --size %u --write-ratio %g%s",
             mmusim_gen_kind_name(p.kind), p.seed, p.accesses, p.footprint, p.base, p.size,
             p.write_ratio, extra);
    mmusim_writer_opts o;
    mmusim_writer_opts_init(&o);
    o.format = fmt;
    o.comp = comp;
    o.level = level;
    o.fields = p.kind == MMUSIM_GEN_MIX ? MMUSIM_FIELD_SIZE | MMUSIM_FIELD_ASID : MMUSIM_FIELD_SIZE;
    if (p.kind == MMUSIM_GEN_MIX && p.vms > 1)
        o.fields |= MMUSIM_FIELD_VMID; /* VM ids in the binary format need the header flag */
    o.comment = comment;
    mmusim_writer *w;
    if (mmusim_writer_open(out, &o, &w, err, sizeof err) < 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        mmusim_gen_destroy(g);
        return 1;
    }
    static mmusim_access buf[GEN_BATCH];
    size_t n;
    int status = 0;
    while ((n = mmusim_gen_next(g, buf, GEN_BATCH)) > 0)
        if (mmusim_writer_write(w, buf, n, err, sizeof err) < 0) {
            status = 1;
            break;
        }
    if (status == 0 && mmusim_writer_close(w, err, sizeof err) < 0)
        status = 1;
    else if (status != 0)
        mmusim_writer_abort(w);
    mmusim_gen_destroy(g);
    if (status) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 1;
    }
    if (!quiet)
        fprintf(strcmp(out, "-") == 0 ? stderr : stdout,
                "mmusim gen: %s seed %" PRIu64 ": %" PRIu64 " accesses -> %s (%s, %s)\n",
                mmusim_gen_kind_name(p.kind), p.seed, p.accesses, strcmp(out, "-") == 0 ? "<stdout>" : out,
                mmusim_format_name(fmt), mmusim_compression_name(comp));
    return 0;
}
