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
#ifndef MMUSIM_TB_GEN_H
#define MMUSIM_TB_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

typedef enum tb_gen_kind {
    TB_GEN_SEQUENTIAL = 0,
    TB_GEN_STRIDED,
    TB_GEN_UNIFORM,
    TB_GEN_ZIPF,
    TB_GEN_CHASE,
    TB_GEN_MIX,
    TB_GEN_KINDS
} tb_gen_kind;

/* "sequential", "strided", "uniform", "zipf", "chase", "mix"; "?" if invalid. */
const char *tb_gen_kind_name(tb_gen_kind k);
/* Parse a kind name ("random" is uniform, "pointer-chase" chase);
 * TB_GEN_KINDS if unknown. */
tb_gen_kind tb_gen_kind_parse(const char *name);

typedef struct tb_gen_params {
    tb_gen_kind kind;
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
    unsigned procs;      /* mix: processes (ASIDs 1..procs); default 4 */
    uint64_t quantum;    /* mix: accesses per time slice; default 10000 */
    tb_gen_kind pattern; /* mix: every process's pattern; default uniform */
} tb_gen_params;

/* The defaults above, kind TB_GEN_UNIFORM. */
void tb_gen_defaults(tb_gen_params *p);

typedef struct tb_gen tb_gen;

/*
 * Check p and build a generator (Zipf and chase allocate their tables
 * here).  Returns 0 with *out set, or a negative mmu_err with a message
 * naming the option ("--stride must be at least 1").
 */
int tb_gen_create(const tb_gen_params *p, tb_gen **out, char *err, size_t errlen);

/* Fill up to max accesses; returns how many (0 when all were made). */
size_t tb_gen_next(tb_gen *g, tb_access *buf, size_t max);

/* The number of units (pages or elements) a uniform, zipf, chase or mix
 * generator draws from, after defaults; 0 for the others. */
uint64_t tb_gen_units(const tb_gen *g);

void tb_gen_destroy(tb_gen *g);

#endif /* MMUSIM_TB_GEN_H */
