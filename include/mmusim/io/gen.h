/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.h - synthetic memory-access traces: sequential, strided, uniform
 * random, Zipf, pointer chase, and a mix of processes with context switches
 * (docs/generators.md gives each one's exact definition).
 *
 * A generator is a pure function of its parameters: the same parameters and
 * seed give the same accesses, on any run (for Zipf, on any build with the
 * same libm).  Addresses and read/write choices come from separate random
 * streams, so changing the write ratio never moves an address.
 */
#ifndef MMUSIM_IO_GEN_H
#define MMUSIM_IO_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/io/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mmusim_gen_kind {
    MMUSIM_GEN_SEQUENTIAL = 0,
    MMUSIM_GEN_STRIDED,
    MMUSIM_GEN_UNIFORM,
    MMUSIM_GEN_ZIPF,
    MMUSIM_GEN_CHASE,
    MMUSIM_GEN_MIX,
    MMUSIM_GEN_KINDS
} mmusim_gen_kind;

/* "sequential", "strided", "uniform", "zipf", "chase", "mix"; "?" if invalid. */
const char *mmusim_gen_kind_name(mmusim_gen_kind k);
/* Parse a kind name ("random" is uniform, "pointer-chase" chase);
 * MMUSIM_GEN_KINDS if unknown. */
mmusim_gen_kind mmusim_gen_kind_parse(const char *name);

typedef struct mmusim_gen_params {
    mmusim_gen_kind kind;
    uint64_t seed;       /* default 1 */
    uint64_t accesses;   /* how many; default 1000000 */
    uint64_t footprint;  /* bytes of the region touched; default 64 MiB */
    uint64_t base;       /* first byte of the region; default 0x10000000 */
    double write_ratio;  /* probability that an access is a write; default 0 */
    uint32_t size;       /* bytes per access, 1..4096; default 8 */
    uint64_t stride;     /* strided: bytes between accesses; default 4096 */
    uint64_t unit;       /* uniform, zipf, chase: bytes per page (or element); default 4096 */
    uint64_t pages;      /* uniform, zipf, chase: units; 0 = footprint / unit */
    double alpha;        /* zipf: exponent; default 1.0 */
    unsigned procs;      /* mix: processes (ASIDs 1..procs) per VM; default 4 */
    unsigned vms;        /* mix: virtual machines (VM ids 0..vms-1), each with procs processes; default 1 */
    uint64_t quantum;    /* mix: accesses per time slice; default 10000 */
    mmusim_gen_kind pattern; /* mix: every process's pattern; default uniform */
} mmusim_gen_params;

/* The defaults above, kind MMUSIM_GEN_UNIFORM. */
void mmusim_gen_defaults(mmusim_gen_params *p);

typedef struct mmusim_gen mmusim_gen;

/*
 * Check p and build a generator (Zipf and chase allocate their tables
 * here).  Returns 0 with *out set, or a negative mmu_err with a message
 * naming the option ("--stride must be at least 1").
 */
int mmusim_gen_create(const mmusim_gen_params *p, mmusim_gen **out, char *err, size_t errlen);

/* Fill up to max accesses; returns how many (0 when all were made). */
size_t mmusim_gen_next(mmusim_gen *g, mmusim_access *buf, size_t max);

/* The number of units (pages or elements) a uniform, zipf, chase or mix
 * generator draws from, after defaults; 0 for the others. */
uint64_t mmusim_gen_units(const mmusim_gen *g);

void mmusim_gen_destroy(mmusim_gen *g);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_GEN_H */
