/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.c - the synthetic trace generators (see gen.h, docs/generators.md).
 *
 * Random numbers: xoshiro256** seeded through splitmix64, integers below n
 * by rejection (exactly uniform), doubles in [0, 1) from the top 53 bits.
 * Each generator holds two streams, one for addresses and one for the
 * read/write choice.  A mix holds one single-process generator per process
 * and runs them round robin, a quantum at a time.
 */
#include "mmusim/io/gen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mmusim/error.h"
#include "mmusim/types.h"

#define GEN_MAX_SIZE 4096
#define GEN_ZIPF_MAX ((uint64_t)1 << 24)
#define GEN_CHASE_MAX ((uint64_t)1 << 26)
#define GEN_MAX_PROCS 65535 /* processes of a mix, over all its VMs */
#define GEN_MAX_VMS 65536

static const char *const kind_names[MMUSIM_GEN_KINDS] = {"sequential", "strided", "uniform",
                                                     "zipf",       "chase",   "mix"};

const char *mmusim_gen_kind_name(mmusim_gen_kind k)
{
    return (unsigned)k < MMUSIM_GEN_KINDS ? kind_names[k] : "?";
}

mmusim_gen_kind mmusim_gen_kind_parse(const char *name)
{
    if (!name)
        return MMUSIM_GEN_KINDS;
    for (int i = 0; i < MMUSIM_GEN_KINDS; i++)
        if (strcasecmp(name, kind_names[i]) == 0)
            return (mmusim_gen_kind)i;
    if (strcasecmp(name, "random") == 0)
        return MMUSIM_GEN_UNIFORM;
    if (strcasecmp(name, "pointer-chase") == 0)
        return MMUSIM_GEN_CHASE;
    return MMUSIM_GEN_KINDS;
}

void mmusim_gen_defaults(mmusim_gen_params *p)
{
    memset(p, 0, sizeof *p);
    p->kind = MMUSIM_GEN_UNIFORM;
    p->seed = 1;
    p->accesses = 1000000;
    p->footprint = (uint64_t)64 << 20;
    p->base = 0x10000000;
    p->write_ratio = 0.0;
    p->size = 8;
    p->stride = 4096;
    p->unit = 4096;
    p->pages = 0;
    p->alpha = 1.0;
    p->procs = 4;
    p->vms = 1;
    p->quantum = 10000;
    p->pattern = MMUSIM_GEN_UNIFORM;
}

/* ---- random numbers ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Seed from (seed, stream): different streams of one seed are unrelated. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * UINT64_C(0xd1b54a32d192ed03));
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n >= 1, without modulo bias. */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    if ((n & (n - 1)) == 0)
        return rng_next(r) & (n - 1);
    uint64_t limit = (0 - n) % n; /* 2^64 mod n: draws below it are rejected */
    uint64_t x;
    do
        x = rng_next(r);
    while (x < limit);
    return x % n;
}

/* Uniform in [0, 1). */
static inline double rng_double(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- generators ---- */

struct mmusim_gen {
    mmusim_gen_params p;
    rng addr, rw;
    uint64_t made;   /* accesses made so far */
    uint64_t off;    /* sequential, strided: the next offset */
    uint64_t span;   /* sequential, strided: offsets wrap here */
    uint64_t units;  /* uniform, zipf, chase */
    uint64_t slots;  /* accesses of size bytes that fit in a unit */
    double *cdf;     /* zipf: cumulative probability of ranks 0..units-1 */
    uint32_t *map;   /* zipf: rank -> unit; chase: unit -> next unit */
    uint64_t cur;    /* chase: the current unit */
    uint16_t asid;
    uint16_t vmid;
    /* mix */
    mmusim_gen **procs; /* VM-major: VM v's process j is procs[v * p.procs + j] */
    unsigned nprocs;
    unsigned running;  /* the process in its time slice */
    uint64_t in_slice; /* accesses made in this slice */
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int gen_fail(char *err, size_t errlen, int code, const char *msg, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, msg);
        vsnprintf(err, errlen, msg, ap);
        va_end(ap);
    }
    return code;
}

/* VMs of a mix: 0 counts as 1 (parameters from before VMs existed). */
static unsigned gen_vms(const mmusim_gen_params *p)
{
    return p->vms ? p->vms : 1;
}

static int check(const mmusim_gen_params *p, char *err, size_t errlen)
{
    if ((unsigned)p->kind >= MMUSIM_GEN_KINDS)
        return gen_fail(err, errlen, MMU_EINVAL, "unknown generator kind");
    if (p->size < 1 || p->size > GEN_MAX_SIZE)
        return gen_fail(err, errlen, MMU_ERANGE, "--size %u out of range 1..%d", p->size, GEN_MAX_SIZE);
    if (!(p->write_ratio >= 0.0 && p->write_ratio <= 1.0))
        return gen_fail(err, errlen, MMU_ERANGE, "--write-ratio %g out of range 0..1", p->write_ratio);
    if (p->unit < 1)
        return gen_fail(err, errlen, MMU_ERANGE, "--unit must be at least 1 byte");
    uint64_t fp = p->footprint;
    int by_units = p->kind == MMUSIM_GEN_UNIFORM || p->kind == MMUSIM_GEN_ZIPF || p->kind == MMUSIM_GEN_CHASE;
    if (by_units) {
        uint64_t units = p->pages ? p->pages : p->footprint / p->unit;
        if (units == 0)
            return gen_fail(err, errlen, MMU_ERANGE,
                            "--footprint %llu holds no unit of %llu bytes (or give --pages)",
                            (unsigned long long)p->footprint, (unsigned long long)p->unit);
        if (units > UINT64_MAX / p->unit)
            return gen_fail(err, errlen, MMU_ERANGE, "--pages times --unit does not fit in 64 bits");
        fp = units * p->unit;
        if (p->kind == MMUSIM_GEN_ZIPF && units > GEN_ZIPF_MAX)
            return gen_fail(err, errlen, MMU_ERANGE, "zipf: at most %llu pages (%llu asked)",
                            (unsigned long long)GEN_ZIPF_MAX, (unsigned long long)units);
        if (p->kind == MMUSIM_GEN_CHASE && units > GEN_CHASE_MAX)
            return gen_fail(err, errlen, MMU_ERANGE, "chase: at most %llu elements (%llu asked)",
                            (unsigned long long)GEN_CHASE_MAX, (unsigned long long)units);
    } else if (p->kind != MMUSIM_GEN_MIX) {
        if (p->footprint < p->size)
            return gen_fail(err, errlen, MMU_ERANGE, "--footprint %llu is smaller than --size %u",
                            (unsigned long long)p->footprint, p->size);
    }
    if (p->kind == MMUSIM_GEN_STRIDED && p->stride < 1)
        return gen_fail(err, errlen, MMU_ERANGE, "--stride must be at least 1");
    if (p->kind == MMUSIM_GEN_ZIPF && !(p->alpha >= 0.0 && p->alpha <= 100.0))
        return gen_fail(err, errlen, MMU_ERANGE, "--alpha %g out of range 0..100", p->alpha);
    if (p->kind != MMUSIM_GEN_MIX && fp > UINT64_MAX - p->base)
        return gen_fail(err, errlen, MMU_ERANGE, "--base plus the footprint does not fit in 64 bits");
    if (p->kind != MMUSIM_GEN_MIX && gen_vms(p) != 1)
        return gen_fail(err, errlen, MMU_EINVAL, "--vms needs the mix generator (one VM per set of processes)");
    if (p->kind == MMUSIM_GEN_MIX) {
        if (p->procs < 1 || p->procs > GEN_MAX_PROCS)
            return gen_fail(err, errlen, MMU_ERANGE, "--procs %u out of range 1..%d", p->procs,
                            GEN_MAX_PROCS);
        if (p->vms > GEN_MAX_VMS)
            return gen_fail(err, errlen, MMU_ERANGE, "--vms %u out of range 1..%d", p->vms, GEN_MAX_VMS);
        if ((uint64_t)p->procs * gen_vms(p) > GEN_MAX_PROCS)
            return gen_fail(err, errlen, MMU_ERANGE, "--procs %u times --vms %u is more than %d processes",
                            p->procs, p->vms, GEN_MAX_PROCS);
        if (p->quantum < 1)
            return gen_fail(err, errlen, MMU_ERANGE, "--quantum must be at least 1 access");
        if (p->pattern == MMUSIM_GEN_MIX || (unsigned)p->pattern >= MMUSIM_GEN_KINDS)
            return gen_fail(err, errlen, MMU_EINVAL, "--pattern must be sequential, strided, "
                                                     "uniform, zipf or chase");
        mmusim_gen_params sub = *p;
        sub.kind = p->pattern;
        sub.vms = 1;
        return check(&sub, err, errlen);
    }
    return 0;
}

/* Zipf: ranks 0..n-1 with weights 1/(k+1)^alpha, placed on randomly
 * permuted units so the hot pages are scattered. */
static int zipf_init(mmusim_gen *g)
{
    uint64_t n = g->units;
    g->cdf = malloc(n * sizeof *g->cdf);
    g->map = malloc(n * sizeof *g->map);
    if (!g->cdf || !g->map)
        return MMU_ENOMEM;
    double sum = 0.0;
    for (uint64_t k = 0; k < n; k++) {
        sum += pow((double)(k + 1), -g->p.alpha);
        g->cdf[k] = sum;
    }
    for (uint64_t k = 0; k < n; k++)
        g->cdf[k] /= sum;
    g->cdf[n - 1] = 1.0;
    /* Fisher-Yates from its own stream, so the placement does not depend on the access count */
    rng r;
    rng_seed(&r, g->p.seed, 3);
    for (uint64_t k = 0; k < n; k++)
        g->map[k] = (uint32_t)k;
    for (uint64_t k = n - 1; k > 0; k--) {
        uint64_t j = rng_below(&r, k + 1);
        uint32_t t = g->map[k];
        g->map[k] = g->map[j];
        g->map[j] = t;
    }
    return 0;
}

/* Pointer chase: Sattolo's algorithm gives a random permutation that is a
 * single cycle through all units. */
static int chase_init(mmusim_gen *g)
{
    uint64_t n = g->units;
    g->map = malloc(n * sizeof *g->map);
    if (!g->map)
        return MMU_ENOMEM;
    rng r;
    rng_seed(&r, g->p.seed, 3);
    for (uint64_t k = 0; k < n; k++)
        g->map[k] = (uint32_t)k;
    for (uint64_t k = n - 1; k > 0; k--) {
        uint64_t j = rng_below(&r, k); /* j < k: this is what makes one cycle */
        uint32_t t = g->map[k];
        g->map[k] = g->map[j];
        g->map[j] = t;
    }
    g->cur = 0;
    return 0;
}

static int create(const mmusim_gen_params *p, uint16_t asid, uint16_t vmid, mmusim_gen **out)
{
    mmusim_gen *g = calloc(1, sizeof *g);
    if (!g)
        return MMU_ENOMEM;
    g->p = *p;
    g->asid = asid;
    g->vmid = vmid;
    rng_seed(&g->addr, p->seed, 1);
    rng_seed(&g->rw, p->seed, 2);
    int rc = 0;
    switch (p->kind) {
    case MMUSIM_GEN_SEQUENTIAL:
        g->span = p->footprint - p->footprint % p->size;
        break;
    case MMUSIM_GEN_STRIDED:
        g->span = p->footprint;
        break;
    case MMUSIM_GEN_UNIFORM:
    case MMUSIM_GEN_ZIPF:
    case MMUSIM_GEN_CHASE:
        g->units = p->pages ? p->pages : p->footprint / p->unit;
        g->slots = p->unit >= p->size ? p->unit / p->size : 1;
        if (p->kind == MMUSIM_GEN_ZIPF)
            rc = zipf_init(g);
        else if (p->kind == MMUSIM_GEN_CHASE)
            rc = chase_init(g);
        break;
    case MMUSIM_GEN_MIX: {
        g->nprocs = p->procs * gen_vms(p);
        g->procs = calloc(g->nprocs, sizeof *g->procs);
        if (!g->procs) {
            rc = MMU_ENOMEM;
            break;
        }
        for (unsigned i = 0; i < g->nprocs && rc == 0; i++) {
            mmusim_gen_params sub = *p;
            sub.kind = p->pattern;
            sub.vms = 1;
            uint64_t x = p->seed ^ ((uint64_t)(i + 1) << 32);
            sub.seed = splitmix64(&x);
            rc = create(&sub, (uint16_t)(i % p->procs + 1), (uint16_t)(i / p->procs), &g->procs[i]);
        }
        if (rc == 0)
            g->units = g->procs[0]->units;
        break;
    }
    default:
        break;
    }
    if (rc < 0) {
        mmusim_gen_destroy(g);
        return rc;
    }
    *out = g;
    return 0;
}

int mmusim_gen_create(const mmusim_gen_params *p, mmusim_gen **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!p || !out)
        return gen_fail(err, errlen, MMU_EINVAL, "mmusim_gen_create: invalid argument");
    int rc = check(p, err, errlen);
    if (rc < 0)
        return rc;
    rc = create(p, 0, 0, out);
    if (rc < 0)
        return gen_fail(err, errlen, rc, "out of memory for the generator's tables");
    return 0;
}

/* The next address of a single-process generator. */
static inline uint64_t next_addr(mmusim_gen *g)
{
    const mmusim_gen_params *p = &g->p;
    uint64_t a;
    switch (p->kind) {
    case MMUSIM_GEN_SEQUENTIAL:
        a = p->base + g->off;
        g->off += p->size;
        if (g->off >= g->span)
            g->off = 0;
        return a;
    case MMUSIM_GEN_STRIDED:
    {
        a = p->base + g->off;
        uint64_t step = p->stride % g->span;
        g->off = g->off >= g->span - step ? g->off - (g->span - step) : g->off + step;
        return a;
    }
    case MMUSIM_GEN_UNIFORM: {
        uint64_t u = rng_below(&g->addr, g->units);
        uint64_t s = g->slots > 1 ? rng_below(&g->addr, g->slots) : 0;
        return p->base + u * p->unit + s * p->size;
    }
    case MMUSIM_GEN_ZIPF: {
        double x = rng_double(&g->addr);
        uint64_t lo = 0, hi = g->units - 1; /* the first rank whose cdf exceeds x */
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (g->cdf[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        uint64_t s = g->slots > 1 ? rng_below(&g->addr, g->slots) : 0;
        return p->base + (uint64_t)g->map[lo] * p->unit + s * p->size;
    }
    default: /* chase */
        a = p->base + g->cur * p->unit;
        g->cur = g->map[g->cur];
        return a;
    }
}

static size_t next_single(mmusim_gen *g, mmusim_access *buf, size_t max)
{
    uint64_t left = g->p.accesses - g->made;
    if (max > left)
        max = (size_t)left;
    const double wr = g->p.write_ratio;
    for (size_t i = 0; i < max; i++) {
        mmusim_access *a = &buf[i];
        a->vaddr = next_addr(g);
        a->cycle = 0;
        a->size = (uint16_t)g->p.size;
        a->asid = g->asid;
        a->vmid = g->vmid;
        a->type = MMU_READ;
        if (wr >= 1.0 || (wr > 0.0 && rng_double(&g->rw) < wr))
            a->type = MMU_WRITE;
        a->has_cycle = 0;
    }
    g->made += max;
    return max;
}

size_t mmusim_gen_next(mmusim_gen *g, mmusim_access *buf, size_t max)
{
    if (!g || !buf)
        return 0;
    if (g->p.kind != MMUSIM_GEN_MIX)
        return next_single(g, buf, max);
    size_t n = 0;
    while (n < max && g->made < g->p.accesses) {
        uint64_t k = g->p.quantum - g->in_slice;
        if (k > max - n)
            k = max - n;
        if (k > g->p.accesses - g->made)
            k = g->p.accesses - g->made;
        mmusim_gen *sub = g->procs[g->running];
        sub->p.accesses = sub->made + k; /* a process runs as long as it is scheduled */
        size_t got = next_single(sub, buf + n, (size_t)k);
        n += got;
        g->made += got;
        g->in_slice += got;
        if (g->in_slice == g->p.quantum) {
            g->in_slice = 0;
            g->running = (g->running + 1) % g->nprocs;
        }
    }
    return n;
}

uint64_t mmusim_gen_units(const mmusim_gen *g)
{
    return g ? g->units : 0;
}

void mmusim_gen_destroy(mmusim_gen *g)
{
    if (!g)
        return;
    if (g->procs)
        for (unsigned i = 0; i < g->nprocs; i++)
            mmusim_gen_destroy(g->procs[i]);
    free(g->procs);
    free(g->cdf);
    free(g->map);
    free(g);
}
