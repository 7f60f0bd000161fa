/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_trace_bin.c - the binary trace readers (io/trace/trace_bin.c): the
 * mmusim binary format (header checks, records, cycles and control records,
 * the record count) and ChampSim instruction records, plain and
 * compressed, and every kind of bad input with its exact "FILE: record N:"
 * message.  Fixtures are built byte by byte at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "mmusim/io/trace.h"
#include "trace_async.h"
#include "trace_binfmt.h"

static char tmpdir[64];

/* ---- helpers ---- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

static void buf_append(buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        b->cap = (b->len + len + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    assert_non_null(b->p);
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void buf_free(buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static const char *fixture(const char *name, const void *data, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static buf gzip_bytes(const void *in, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    buf b = {malloc(cap), 0, cap};
    assert_non_null(b.p);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = b.p;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    b.len = z.total_out;
    deflateEnd(&z);
    return b;
}

static buf xz_bytes(const void *in, size_t len)
{
    size_t cap = lzma_stream_buffer_bound(len);
    buf b = {malloc(cap), 0, cap};
    assert_non_null(b.p);
    assert_int_equal(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, in, len, b.p, &b.len, cap),
                     LZMA_OK);
    return b;
}

static buf zstd_bytes(const void *in, size_t len)
{
    size_t cap = ZSTD_compressBound(len);
    buf b = {malloc(cap), 0, cap};
    assert_non_null(b.p);
    size_t r = ZSTD_compress(b.p, cap, in, len, 3);
    assert_false(ZSTD_isError(r));
    b.len = r;
    return b;
}

/* mmusim binary pieces */
static void hdr(buf *b, unsigned version, unsigned flags, uint64_t count)
{
    unsigned char h[MMUSIM_BIN_HEADER_SIZE] = {0};
    memcpy(h, MMUSIM_BIN_MAGIC, MMUSIM_BIN_MAGIC_LEN);
    mmusim_put16(h + 8, (uint16_t)version);
    mmusim_put16(h + 10, MMUSIM_BIN_HEADER_SIZE);
    mmusim_put16(h + 12, MMUSIM_BIN_RECORD_SIZE);
    mmusim_put16(h + 14, (uint16_t)flags);
    mmusim_put64(h + 16, count);
    buf_append(b, h, sizeof h);
}

static void rec(buf *b, uint64_t va, uint32_t delta, uint16_t asid, unsigned size, unsigned type, int hc)
{
    unsigned char r[MMUSIM_BIN_RECORD_SIZE];
    mmusim_put64(r, va);
    mmusim_put32(r + 8, delta);
    mmusim_put16(r + 12, asid);
    mmusim_put16(r + 14, (uint16_t)(size | type << 13 | (hc ? 0x8000u : 0)));
    buf_append(b, r, sizeof r);
}

/* ChampSim record */
static void crec(buf *b, uint64_t ip, const uint64_t src[4], const uint64_t dst[2], unsigned br)
{
    unsigned char r[64] = {0};
    mmusim_put64(r, ip);
    r[8] = (unsigned char)br;
    r[9] = (unsigned char)br;
    r[10] = 3; /* registers are ignored */
    r[12] = 6;
    for (int i = 0; i < 2; i++)
        mmusim_put64(r + 16 + 8 * i, dst ? dst[i] : 0);
    for (int i = 0; i < 4; i++)
        mmusim_put64(r + 32 + 8 * i, src ? src[i] : 0);
    buf_append(b, r, sizeof r);
}

typedef struct result {
    int rc;
    size_t n;
    mmusim_access acc[64];
    uint64_t instructions, records;
    mmusim_format fmt;
    unsigned fields;
    char comp[8];
    char err[512];
} result;

static result *read_all(const char *path, mmusim_format fmt, size_t max)
{
    static result r;
    memset(&r, 0, sizeof r);
    mmusim_trace *t = NULL;
    r.rc = mmusim_trace_open(path, fmt, &t, r.err, sizeof r.err);
    if (r.rc < 0) {
        assert_null(t);
        return &r;
    }
    r.fmt = mmusim_trace_format(t);
    r.fields = mmusim_trace_fields(t);
    snprintf(r.comp, sizeof r.comp, "%s", mmusim_trace_compression(t));
    mmusim_access a[16];
    if (max > 16)
        max = 16;
    for (;;) {
        long k = mmusim_trace_read(t, a, max, r.err, sizeof r.err);
        if (k < 0) {
            r.rc = (int)k;
            char again[512];
            assert_int_equal(mmusim_trace_read(t, a, max, again, sizeof again), k);
            assert_string_equal(again, r.err);
            break;
        }
        if (k == 0)
            break;
        for (long i = 0; i < k; i++, r.n++)
            if (r.n < 64)
                r.acc[r.n] = a[i];
    }
    r.instructions = mmusim_trace_instructions(t);
    r.records = mmusim_trace_records(t);
    mmusim_trace_close(t);
    return &r;
}

/*
 * read_all, then the same trace read as `mmusim run` reads it: opened
 * without a stream thread and read on a second thread (trace_async.c, where
 * a binary trace's records are decoded on the caller's side).  Both must
 * give the same accesses, then the same end or the same error.  Returns
 * the first.
 */
static result *read_both(const char *path, mmusim_format fmt, size_t max)
{
    static result sync;
    sync = *read_all(path, fmt, max);
    result r;
    memset(&r, 0, sizeof r);
    mmusim_trace *t = NULL;
    r.rc = tbt_trace_open_unthreaded(path, fmt, &t, r.err, sizeof r.err);
    if (r.rc >= 0) {
        mmusim_async *as = mmusim_async_start(t);
        assert_non_null(as);
        const mmusim_access *batch;
        long k;
        while ((k = mmusim_async_read(as, &batch, r.err, sizeof r.err)) > 0)
            for (long i = 0; i < k; i++, r.n++)
                if (r.n < 64)
                    r.acc[r.n] = batch[i];
        if (k < 0) {
            r.rc = (int)k;
            char again[512];
            assert_int_equal(mmusim_async_read(as, &batch, again, sizeof again), k);
            assert_string_equal(again, r.err);
        }
        mmusim_async_stop(as);
        r.instructions = mmusim_trace_instructions(t);
        mmusim_trace_close(t);
    }
    assert_int_equal(r.rc, sync.rc);
    assert_string_equal(r.err, sync.err);
    assert_int_equal(r.n, sync.n);
    assert_int_equal(r.instructions, sync.instructions);
    for (size_t i = 0; i < r.n && i < 64; i++)
        assert_memory_equal(&r.acc[i], &sync.acc[i], sizeof r.acc[i]);
    return &sync;
}

static void check_access(const mmusim_access *a, int type, uint64_t vaddr, uint32_t size, unsigned asid)
{
    assert_int_equal(a->type, type);
    assert_int_equal(a->vaddr, vaddr);
    assert_int_equal(a->size, size);
    assert_int_equal(a->asid, asid);
}

/* The bytes, read as fmt, fail with "PATH" + suffix. */
static void expect_error(mmusim_format fmt, const buf *b, const char *suffix)
{
    const char *path = fixture("bad.bin", b->p, b->len);
    char want[600];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    result *r = read_both(path, fmt, 16);
    if (r->rc >= 0 || strcmp(r->err, want) != 0)
        print_error("want: %s\ngot:  %s (rc %d)\n", want, r->err, r->rc);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_trace_bin_XXXXXX",
             base && *base && strlen(base) < 36 ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"bad.bin", "t.bin", "t.bin.gz", "t.bin.xz", "t.bin.zst",
                                        "t.cs", "t.cs.xz", "big.bin", "trunc.zst"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    return rmdir(tmpdir);
}

/* ---- mmusim binary ---- */

/* accesses with ASIDs and cycles, a cycle that goes back (control record),
 * VM ids (set-VM control records) */
static buf sample_bin(uint64_t count)
{
    buf b = {NULL, 0, 0};
    hdr(&b, 1, MMUSIM_BIN_FLAG_ASID | MMUSIM_BIN_FLAG_CYCLE | MMUSIM_BIN_FLAG_VMID, count);
    rec(&b, 0x400000, 0, 1, 4, MMU_FETCH, 0);
    rec(&b, 0x7ffd1230, 100, 1, 8, MMU_READ, 1);           /* cycle 100 */
    rec(&b, 65535, 0, 0, MMUSIM_BIN_CTL_SET_VMID, 3, 0);       /* control: VM 65535 from here */
    rec(&b, 0x601040, 5, 2, 4096, MMU_WRITE, 1);           /* cycle 105 */
    rec(&b, 50, 0, 0, MMUSIM_BIN_CTL_SET_CYCLE, 3, 0);         /* control: previous cycle = 50 */
    rec(&b, 2, 0, 0, MMUSIM_BIN_CTL_SET_VMID, 3, 0);           /* control: VM 2 */
    rec(&b, UINT64_MAX, 1, 65535, 1, MMU_READ, 1);         /* cycle 51 */
    rec(&b, UINT64_C(0xffffffff00000000), 0, 0, MMUSIM_BIN_CTL_SET_CYCLE, 3, 0);
    rec(&b, 0, 0, 0, MMUSIM_BIN_CTL_SET_VMID, 3, 0);           /* control: VM 0 */
    rec(&b, 0x1000, 0xffffffffu, 0, 2, MMU_FETCH, 1);      /* cycle 0xffffffff00000000 + 0xffffffff */
    return b;
}

static void check_sample(const result *r)
{
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_BINARY);
    assert_int_equal(r->n, 5);
    assert_int_equal(r->instructions, 2);
    assert_int_equal(r->records, 10);
    assert_int_equal(r->fields, MMUSIM_FIELDS_ALL);
    check_access(&r->acc[0], MMU_FETCH, 0x400000, 4, 1);
    assert_int_equal(r->acc[0].has_cycle, 0);
    assert_int_equal(r->acc[0].cycle, 0);
    check_access(&r->acc[1], MMU_READ, 0x7ffd1230, 8, 1);
    assert_int_equal(r->acc[1].has_cycle, 1);
    assert_int_equal(r->acc[1].cycle, 100);
    check_access(&r->acc[2], MMU_WRITE, 0x601040, 4096, 2);
    assert_int_equal(r->acc[2].cycle, 105);
    check_access(&r->acc[3], MMU_READ, UINT64_MAX, 1, 65535);
    assert_int_equal(r->acc[3].cycle, 51);
    check_access(&r->acc[4], MMU_FETCH, 0x1000, 2, 0);
    assert_int_equal(r->acc[4].cycle, UINT64_C(0xffffffffffffffff));
    static const uint16_t vmid[5] = {0, 0, 65535, 2, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(r->acc[i].vmid, vmid[i]);
}

static void test_binary(void **state)
{
    (void)state;
    buf b = sample_bin(10);
    const char *path = fixture("t.bin", b.p, b.len);
    for (size_t max = 1; max <= 16; max += 3) {
        check_sample(read_both(path, MMUSIM_FMT_AUTO, max));
        check_sample(read_both(path, MMUSIM_FMT_BINARY, max));
    }
    buf_free(&b);
    /* count unknown (a streamed file) */
    b = sample_bin(MMUSIM_BIN_COUNT_UNKNOWN);
    check_sample(read_both(fixture("t.bin", b.p, b.len), MMUSIM_FMT_AUTO, 16));

    /* every compression, detected by magic number */
    buf g = gzip_bytes(b.p, b.len), x = xz_bytes(b.p, b.len), z = zstd_bytes(b.p, b.len);
    result *r = read_both(fixture("t.bin.gz", g.p, g.len), MMUSIM_FMT_AUTO, 3);
    check_sample(r);
    assert_string_equal(r->comp, "gzip");
    r = read_both(fixture("t.bin.xz", x.p, x.len), MMUSIM_FMT_AUTO, 3);
    check_sample(r);
    assert_string_equal(r->comp, "xz");
    r = read_both(fixture("t.bin.zst", z.p, z.len), MMUSIM_FMT_BINARY, 3);
    check_sample(r);
    assert_string_equal(r->comp, "zstd");
    /* a truncated and a corrupt compressed binary trace */
    char want[600];
    const char *tp = fixture("trunc.zst", z.p, z.len - 3);
    snprintf(want, sizeof want, "%s: truncated zstd stream (at the start of the data)", tp);
    r = read_both(tp, MMUSIM_FMT_AUTO, 16);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    g.p[g.len - 6] ^= 0x55; /* the CRC */
    tp = fixture("t.bin.gz", g.p, g.len);
    snprintf(want, sizeof want, "%s: corrupt gzip stream: incorrect data check (at the start of the data)", tp);
    r = read_both(tp, MMUSIM_FMT_AUTO, 16);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    buf_free(&g);
    buf_free(&x);
    buf_free(&z);
    buf_free(&b);

    /* flags narrow the fields */
    b.p = NULL;
    b.len = b.cap = 0;
    hdr(&b, 1, 0, 1);
    rec(&b, 0x1000, 0, 0, 8, MMU_WRITE, 0);
    r = read_both(fixture("t.bin", b.p, b.len), MMUSIM_FMT_AUTO, 16);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fields, MMUSIM_FIELD_SIZE);
    check_access(&r->acc[0], MMU_WRITE, 0x1000, 8, 0);
    buf_free(&b);
}

/* Many records: buffer refills with records split across reads. */
static void test_binary_big(void **state)
{
    (void)state;
    enum { N = 600000 }; /* 9.6 MB: more than two 4 MiB buffers */
    buf b = {NULL, 0, 0};
    hdr(&b, 1, MMUSIM_BIN_FLAG_ASID, N);
    for (uint32_t i = 0; i < N; i++)
        rec(&b, (uint64_t)i * 4096 + 3, 0, (uint16_t)(i % 7), 1 + i % 4096, i % 3, 0);
    buf z = zstd_bytes(b.p, b.len);
    for (int pass = 0; pass < 2; pass++) {
        const char *path = pass ? fixture("t.bin.zst", z.p, z.len) : fixture("big.bin", b.p, b.len);
        mmusim_trace *t;
        char err[512];
        assert_int_equal(mmusim_trace_open(path, MMUSIM_FMT_AUTO, &t, err, sizeof err), 0);
        mmusim_access a[1000];
        uint64_t seen = 0;
        long k;
        while ((k = mmusim_trace_read(t, a, 1000, err, sizeof err)) > 0)
            for (long j = 0; j < k; j++, seen++) {
                assert_int_equal(a[j].vaddr, seen * 4096 + 3);
                assert_int_equal(a[j].size, 1 + seen % 4096);
                assert_int_equal(a[j].asid, seen % 7);
                assert_int_equal(a[j].type, seen % 3);
            }
        assert_int_equal(k, 0);
        assert_int_equal(seen, N);
        assert_int_equal(mmusim_trace_instructions(t), N / 3);
        mmusim_trace_close(t);
        result *r = read_both(path, MMUSIM_FMT_AUTO, 16); /* and on a second thread */
        assert_int_equal(r->rc, 0);
        assert_int_equal(r->n, N);
    }
    buf_free(&z);
    /* a bad record where the second thread's batches (12288 records) and its
       decoding steps (1024) end, then a truncated last record: the same
       accesses, then the same message, either way */
    static const uint32_t at[] = {1023, 1024, 12287, 12288, 24576, N - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        unsigned char *info = b.p + 32 + (size_t)at[i] * 16 + 14;
        const unsigned char keep[2] = {info[0], info[1]};
        info[0] = 0;
        info[1] = 0; /* size 0 */
        char want[600];
        const char *path = fixture("big.bin", b.p, b.len);
        snprintf(want, sizeof want, "%s: record %u: size 0 out of range 1..4096", path, at[i] + 1);
        result *r = read_both(path, MMUSIM_FMT_AUTO, 16);
        assert_int_equal(r->n, at[i]);
        assert_string_equal(r->err, want);
        info[0] = keep[0];
        info[1] = keep[1];
    }
    const char *path = fixture("big.bin", b.p, b.len - 5);
    char want[600];
    snprintf(want, sizeof want, "%s: record %u: truncated record (11 of 16 bytes)", path, N);
    result *r = read_both(path, MMUSIM_FMT_BINARY, 16);
    assert_int_equal(r->n, N - 1);
    assert_string_equal(r->err, want);
    buf_free(&b);
}

static void test_binary_errors(void **state)
{
    (void)state;
    buf b = {NULL, 0, 0};
    /* header */
    buf_append(&b, "MMUTRACE and more bytes after that, enough for a header", 56);
    expect_error(MMUSIM_FMT_BINARY, &b, ": not an mmusim binary trace (bad magic number)");
    buf_free(&b);
    hdr(&b, 2, 0, 1);
    rec(&b, 0x1000, 0, 0, 8, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": unsupported mmusim binary trace version 2 (this reader knows version 1)");
    buf_free(&b);
    hdr(&b, 1, 0, 1);
    b.len = 20;
    expect_error(MMUSIM_FMT_AUTO, &b, ": truncated header (20 of 32 bytes)");
    b.len = 5; /* only part of the magic number: still recognised */
    expect_error(MMUSIM_FMT_AUTO, &b, ": truncated header (5 of 32 bytes)");
    buf_free(&b);
    hdr(&b, 1, 0x8, 1);
    expect_error(MMUSIM_FMT_AUTO, &b, ": bad header: unknown flags 0x8");
    buf_free(&b);
    hdr(&b, 1, 0, 1);
    b.p[12] = 24;
    expect_error(MMUSIM_FMT_AUTO, &b, ": bad header: record size 24 (expected 16)");
    b.p[12] = 16;
    b.p[10] = 40;
    expect_error(MMUSIM_FMT_AUTO, &b, ": bad header: header size 40 (expected 32)");
    b.p[10] = 32;
    b.p[30] = 1;
    expect_error(MMUSIM_FMT_AUTO, &b, ": bad header: reserved bytes 24..31 are not zero");
    buf_free(&b);
    /* empty: a header and no record, or not even a header */
    hdr(&b, 1, 0, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": empty trace (no accesses)");
    buf_free(&b);
    hdr(&b, 1, MMUSIM_BIN_FLAG_CYCLE, MMUSIM_BIN_COUNT_UNKNOWN);
    rec(&b, 9, 0, 0, MMUSIM_BIN_CTL_SET_CYCLE, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": empty trace (no accesses)");
    buf_free(&b);
    buf_append(&b, "", 0);
    expect_error(MMUSIM_FMT_BINARY, &b, ": empty trace (no accesses)");

    /* records */
    hdr(&b, 1, 0, MMUSIM_BIN_COUNT_UNKNOWN);
    rec(&b, 0x1000, 0, 0, 8, MMU_READ, 0);
    rec(&b, 0x2000, 0, 0, 8, MMU_READ, 0);
    size_t good = b.len;
    rec(&b, 0x3000, 0, 0, 8, MMU_READ, 0);
    b.len -= 11;
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: truncated record (5 of 16 bytes)");
    b.len = good;
    rec(&b, 0x3000, 0, 0, 0, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: size 0 out of range 1..4096");
    b.len = good;
    rec(&b, 0x3000, 0, 0, 4097, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: size 4097 out of range 1..4096");
    b.len = good;
    rec(&b, 0x3000, 0, 0, 3, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: unknown control record kind 3");
    b.len = good;
    rec(&b, 1, 0, 0, MMUSIM_BIN_CTL_SET_VMID, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: VM control record, but the header says there are no VM ids");
    b.len = good;
    rec(&b, 0x3000, 0, 0, MMUSIM_BIN_CTL_SET_CYCLE, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: cycle control record, but the header says there are no cycles");
    b.len = good;
    rec(&b, 0x3000, 0, 5, 8, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: asid 5, but the header says there are no ASIDs");
    b.len = good;
    rec(&b, 0x3000, 7, 0, 8, MMU_READ, 1);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: record with a cycle, but the header says there are no cycles");
    b.len = good;
    rec(&b, 0x3000, 7, 0, 8, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: cycle delta 7 in a record without a cycle");
    buf_free(&b);
    hdr(&b, 1, MMUSIM_BIN_FLAG_CYCLE, 2);
    rec(&b, 0x3000, 7, 0, 8, MMU_READ, 1);
    rec(&b, 0x3000, 1, 0, MMUSIM_BIN_CTL_SET_CYCLE, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 2: control record with non-zero delta, asid or cycle bit");
    buf_free(&b);
    /* a VM id out of range, and a set-VM record with an ASID */
    hdr(&b, 1, MMUSIM_BIN_FLAG_VMID, MMUSIM_BIN_COUNT_UNKNOWN);
    rec(&b, 0x3000, 0, 0, 8, MMU_READ, 0);
    good = b.len;
    rec(&b, 65536, 0, 0, MMUSIM_BIN_CTL_SET_VMID, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 2: VM id 65536 out of range 0..65535");
    b.len = good;
    rec(&b, 1, 0, 4, MMUSIM_BIN_CTL_SET_VMID, 3, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 2: control record with non-zero delta, asid or cycle bit");
    buf_free(&b);

    /* the record count */
    hdr(&b, 1, 0, 3);
    rec(&b, 0x1000, 0, 0, 8, MMU_READ, 0);
    rec(&b, 0x2000, 0, 0, 8, MMU_READ, 0);
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 3: missing: the data ends after 2 records, the header says 3");
    b.p[16] = 1;
    expect_error(MMUSIM_FMT_AUTO, &b, ": record 2: more records than the header's count (1)");
    buf_free(&b);

    /* the accesses before a bad record come first */
    hdr(&b, 1, 0, MMUSIM_BIN_COUNT_UNKNOWN);
    rec(&b, 0x1000, 0, 0, 8, MMU_READ, 0);
    rec(&b, 0x2000, 0, 0, 8, MMU_READ, 0);
    rec(&b, 0x3000, 0, 0, 0, MMU_READ, 0);
    const char *path = fixture("bad.bin", b.p, b.len);
    mmusim_trace *t;
    char err[512];
    mmusim_access a[16];
    assert_int_equal(mmusim_trace_open(path, MMUSIM_FMT_AUTO, &t, err, sizeof err), 0);
    assert_int_equal(mmusim_trace_read(t, a, 16, err, sizeof err), 2);
    assert_int_equal(mmusim_trace_read(t, a, 16, err, sizeof err), MMU_ERANGE);
    assert_int_equal(mmusim_trace_records(t), 2);
    assert_int_equal(mmusim_trace_lines(t), 0);
    mmusim_trace_close(t);
    buf_free(&b);
}

/* ---- ChampSim ---- */

static buf sample_champsim(void)
{
    buf b = {NULL, 0, 0};
    const uint64_t src1[4] = {0x7ff0, 0, 0x8000, 0}, dst1[2] = {0x9000, 0};
    const uint64_t src3[4] = {0xa1, 0xa2, 0xa3, 0xa4}, dst3[2] = {0xb1, 0xb2};
    crec(&b, 0x401000, src1, dst1, 0);
    crec(&b, 0x401004, NULL, NULL, 1);
    crec(&b, 0x401008, src3, dst3, 0);
    crec(&b, 0x40100c, NULL, (const uint64_t[2]){0, 0xc0}, 0);
    return b;
}

static void check_champsim(const result *r)
{
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_CHAMPSIM);
    assert_int_equal(r->fields, 0);
    assert_true(r->n >= 14);
    const struct {
        int type;
        uint64_t va;
    } want[14] = {
        {MMU_FETCH, 0x401000}, {MMU_READ, 0x7ff0}, {MMU_READ, 0x8000}, {MMU_WRITE, 0x9000},
        {MMU_FETCH, 0x401004}, {MMU_FETCH, 0x401008}, {MMU_READ, 0xa1}, {MMU_READ, 0xa2},
        {MMU_READ, 0xa3},      {MMU_READ, 0xa4},      {MMU_WRITE, 0xb1}, {MMU_WRITE, 0xb2},
        {MMU_FETCH, 0x40100c}, {MMU_WRITE, 0xc0},
    };
    for (int i = 0; i < 14; i++)
        check_access(&r->acc[i], want[i].type, want[i].va,
                     want[i].type == MMU_FETCH ? MMUSIM_CHAMPSIM_FETCH_SIZE : MMUSIM_CHAMPSIM_DATA_SIZE, 0);
}

static void test_champsim(void **state)
{
    (void)state;
    buf b = sample_champsim();
    /* one more, so there are 15 accesses */
    crec(&b, 0x401010, NULL, NULL, 0);
    const char *path = fixture("t.cs", b.p, b.len);
    for (size_t max = 1; max <= 16; max++) {
        result *r = read_all(path, max % 2 ? MMUSIM_FMT_AUTO : MMUSIM_FMT_CHAMPSIM, max);
        check_champsim(r);
        assert_int_equal(r->n, 15);
        assert_int_equal(r->records, 5);
        assert_int_equal(r->instructions, 5);
        check_access(&r->acc[14], MMU_FETCH, 0x401010, MMUSIM_CHAMPSIM_FETCH_SIZE, 0);
    }
    /* ChampSim traces come as .xz */
    buf x = xz_bytes(b.p, b.len);
    result *r = read_all(fixture("t.cs.xz", x.p, x.len), MMUSIM_FMT_AUTO, 7);
    assert_string_equal(r->comp, "xz");
    assert_int_equal(r->n, 15);
    buf_free(&x);
    buf_free(&b);
}

static void test_champsim_errors(void **state)
{
    (void)state;
    buf b = sample_champsim();
    size_t whole = b.len;
    b.len -= 54;
    expect_error(MMUSIM_FMT_CHAMPSIM, &b, ": record 4: truncated record (10 of 64 bytes)");
    b.len = whole;
    b.p[64 + 8] = 7;
    expect_error(MMUSIM_FMT_CHAMPSIM, &b,
                 ": record 2: is_branch 7 and branch_taken 1 must be 0 or 1 (not a ChampSim trace?)");
    /* auto: binary data that is neither format */
    b.p[8] = 9;
    expect_error(MMUSIM_FMT_AUTO, &b,
                 ": cannot tell the trace format: binary data that is neither an mmusim binary "
                 "trace (no magic number) nor a ChampSim trace");
    buf_free(&b);
    buf_append(&b, "", 0);
    expect_error(MMUSIM_FMT_CHAMPSIM, &b, ": empty trace (no accesses)");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_binary_big),
        cmocka_unit_test(test_binary_errors),
        cmocka_unit_test(test_champsim),
        cmocka_unit_test(test_champsim_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
