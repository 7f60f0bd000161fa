/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_trace.c - the line-format trace readers (io/trace/trace.c,
 * io/stream.c): text, Lackey and Dinero IV din, format detection,
 * gzip/xz/zstd detection by magic number, and every kind of bad input with
 * its exact "FILE:LINE:" message.  The binary formats are in
 * test_trace_bin.c, the writers in test_trace_write.c.  Fixtures are written at run time into a temporary directory,
 * compressed with the libraries themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"

static char tmpdir[64];

/* ---- helpers ---- */

static void path_of(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Write a fixture; returns its path in a static buffer. */
static const char *fixture(const char *name, const void *data, size_t len)
{
    static char path[256];
    path_of(path, sizeof path, name);
    write_bytes(path, data, len);
    return path;
}

static const char *fixture_str(const char *name, const char *text)
{
    return fixture(name, text, strlen(text));
}

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
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static buf gzip_bytes(const void *in, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    buf b = {malloc(deflateBound(&z, (uLong)len) + 64), 0, 0};
    assert_non_null(b.p);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = b.p;
    z.avail_out = (uInt)(deflateBound(&z, (uLong)len) + 64);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    b.len = z.total_out;
    deflateEnd(&z);
    return b;
}

static buf xz_bytes(const void *in, size_t len)
{
    size_t cap = lzma_stream_buffer_bound(len);
    buf b = {malloc(cap), 0, 0};
    assert_non_null(b.p);
    assert_int_equal(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, in, len, b.p, &b.len, cap),
                     LZMA_OK);
    return b;
}

static buf zstd_bytes(const void *in, size_t len, int checksum)
{
    size_t cap = ZSTD_compressBound(len);
    buf b = {malloc(cap), 0, 0};
    assert_non_null(b.p);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum)));
    size_t r = ZSTD_compress2(c, b.p, cap, in, len);
    assert_false(ZSTD_isError(r));
    b.len = r;
    ZSTD_freeCCtx(c);
    return b;
}

/* The result of reading a whole trace. */
typedef struct result {
    int rc;              /* 0, or the first error (from open or read) */
    size_t n;            /* accesses read */
    mmusim_access acc[64];   /* the first 64 */
    uint64_t instructions;
    mmusim_format fmt;
    char comp[8];
    uint64_t bytes_read, file_size;
    char err[512];
} result;

static result *read_all_max(const char *path, mmusim_format fmt, size_t max)
{
    static result r;
    memset(&r, 0, sizeof r);
    mmusim_trace *t = NULL;
    r.rc = mmusim_trace_open(path, fmt, &t, r.err, sizeof r.err);
    if (r.rc < 0) {
        assert_null(t);
        return &r;
    }
    assert_int_equal(r.rc, 0);
    r.fmt = mmusim_trace_format(t);
    snprintf(r.comp, sizeof r.comp, "%s", mmusim_trace_compression(t));
    mmusim_access a[8];
    if (max > 8)
        max = 8;
    for (;;) {
        long k = mmusim_trace_read(t, a, max, r.err, sizeof r.err);
        if (k < 0) {
            r.rc = (int)k;
            /* sticky: the same error again */
            char again[512];
            assert_int_equal(mmusim_trace_read(t, a, max, again, sizeof again), k);
            assert_string_equal(again, r.err);
            break;
        }
        if (k == 0)
            break;
        assert_true((size_t)k <= max);
        for (long i = 0; i < k; i++, r.n++)
            if (r.n < 64)
                r.acc[r.n] = a[i];
    }
    r.instructions = mmusim_trace_instructions(t);
    r.bytes_read = mmusim_trace_bytes_read(t);
    r.file_size = mmusim_trace_file_size(t);
    mmusim_trace_close(t);
    return &r;
}

static result *read_all(const char *path, mmusim_format fmt)
{
    return read_all_max(path, fmt, 8);
}

/* The file named name holding text, read as fmt, fails with "PATH" + suffix. */
static void expect_error(mmusim_format fmt, const char *text, size_t len, const char *suffix)
{
    const char *path = fixture("bad.trace", text, len);
    char want[600];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    result *r = read_all(path, fmt);
    if (r->rc >= 0 || strcmp(r->err, want) != 0)
        print_error("input: \"%s\"\nwant: %s\ngot:  %s (rc %d)\n", text, want, r->err, r->rc);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
}

#define EXPECT_ERROR(fmt, text, suffix) expect_error(fmt, text, sizeof(text) - 1, suffix)

static void check_access(const mmusim_access *a, int type, uint64_t vaddr, uint32_t size)
{
    assert_int_equal(a->type, type);
    assert_int_equal(a->vaddr, vaddr);
    assert_int_equal(a->size, size);
}

/* ---- fixtures ---- */

static const char lackey_text[] =
    "==12345== Lackey, an example Valgrind tool\n"
    "==12345== Command: ./hello\n"
    "==12345== \n"
    "I  04017a0,3\n"
    " S 1ffefffd78,8\n"
    "I  04017a3,5\n"
    " L 04222cac,4\n"
    " M 0421d4d0,4\n"
    "I  04017a8,15\n"
    " L 1ffefffd80,16\n"
    " S ffffffffffffffff,1\n"
    "I  00000000000000000000000000000400,2\n"
    " L 123456789abcdef,32\n"
    "==12345== \n"
    "==12345== Counted 1 call to main()\n";

static void check_lackey(const result *r)
{
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 10);
    assert_int_equal(r->instructions, 4);
    assert_int_equal(r->fmt, MMUSIM_FMT_LACKEY);
    check_access(&r->acc[0], MMU_FETCH, 0x4017a0, 3);
    check_access(&r->acc[1], MMU_WRITE, UINT64_C(0x1ffefffd78), 8);
    check_access(&r->acc[2], MMU_FETCH, 0x4017a3, 5);
    check_access(&r->acc[3], MMU_READ, 0x4222cac, 4);
    check_access(&r->acc[4], MMU_WRITE, 0x421d4d0, 4); /* M: one write */
    check_access(&r->acc[5], MMU_FETCH, 0x4017a8, 15);
    check_access(&r->acc[6], MMU_READ, UINT64_C(0x1ffefffd80), 16);
    check_access(&r->acc[7], MMU_WRITE, UINT64_MAX, 1);
    check_access(&r->acc[8], MMU_FETCH, 0x400, 2);
    check_access(&r->acc[9], MMU_READ, UINT64_C(0x123456789abcdef), 32);
    for (size_t i = 0; i < r->n; i++) {
        assert_int_equal(r->acc[i].asid, 0);
        assert_int_equal(r->acc[i].has_cycle, 0);
        assert_int_equal(r->acc[i].cycle, 0);
    }
}

static const char text_text[] =
    "# mmusim text trace\n"
    "\n"
    "R 1000\n"
    "W 0x2000 8 asid=3 cycle=99\n"
    "  X 0XaBcDeF 4096 cycle=18446744073709551615 asid=65535   # a comment\n"
    "\t# indented comment\n"
    "r fffffffffffffffe 2#comment right after\n"
    "w 0 asid=0\n"
    "x 7 cycle=0\n"
    "R 00000000000000000000001 4\n";

static void check_text(const result *r)
{
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 7);
    assert_int_equal(r->instructions, 2);
    assert_int_equal(r->fmt, MMUSIM_FMT_TEXT);
    check_access(&r->acc[0], MMU_READ, 0x1000, 1);
    assert_int_equal(r->acc[0].asid, 0);
    assert_int_equal(r->acc[0].has_cycle, 0);
    check_access(&r->acc[1], MMU_WRITE, 0x2000, 8);
    assert_int_equal(r->acc[1].asid, 3);
    assert_int_equal(r->acc[1].has_cycle, 1);
    assert_int_equal(r->acc[1].cycle, 99);
    check_access(&r->acc[2], MMU_FETCH, 0xabcdef, 4096);
    assert_int_equal(r->acc[2].asid, 65535);
    assert_int_equal(r->acc[2].cycle, UINT64_MAX);
    assert_int_equal(r->acc[2].has_cycle, 1);
    check_access(&r->acc[3], MMU_READ, UINT64_MAX - 1, 2); /* the last 2 bytes */
    check_access(&r->acc[4], MMU_WRITE, 0, 1);
    assert_int_equal(r->acc[4].has_cycle, 0);
    check_access(&r->acc[5], MMU_FETCH, 7, 1);
    assert_int_equal(r->acc[5].has_cycle, 1);
    assert_int_equal(r->acc[5].cycle, 0);
    check_access(&r->acc[6], MMU_READ, 1, 4);
}

/* ---- setup ---- */

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_trace_XXXXXX", base && *base && strlen(base) < 40 ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    static const char *const names[] = {
        "bad.trace", "t.lackey", "t.txt", "t.gz", "t.xz", "t.zst", "t.cat.gz", "t.cat.xz",
        "t.cat.zst", "trunc", "corrupt", "empty", "big.txt", "comments", "valgrind",
        "long", "stdin.gz", "dir/x", "skip.zst", "looks.txt", "t.din", "t.din.xz",
    };
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        path_of(path, sizeof path, names[i]);
        unlink(path);
    }
    path_of(path, sizeof path, "dir");
    rmdir(path);
    return rmdir(tmpdir);
}

/* ---- tests: formats ---- */

static void test_format_names(void **state)
{
    (void)state;
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_AUTO), "auto");
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_TEXT), "text");
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_LACKEY), "lackey");
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_COUNT), "?");
    assert_int_equal(mmusim_format_parse("text"), MMUSIM_FMT_TEXT);
    assert_int_equal(mmusim_format_parse("LACKEY"), MMUSIM_FMT_LACKEY);
    assert_int_equal(mmusim_format_parse("auto"), MMUSIM_FMT_AUTO);
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_DIN), "din");
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_BINARY), "binary");
    assert_string_equal(mmusim_format_name(MMUSIM_FMT_CHAMPSIM), "champsim");
    assert_int_equal(mmusim_format_parse("din"), MMUSIM_FMT_DIN);
    assert_int_equal(mmusim_format_parse("Binary"), MMUSIM_FMT_BINARY);
    assert_int_equal(mmusim_format_parse("bin"), MMUSIM_FMT_BINARY);
    assert_int_equal(mmusim_format_parse("champsim"), MMUSIM_FMT_CHAMPSIM);
    assert_int_equal(mmusim_format_parse("dinero"), MMUSIM_FMT_COUNT);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_TEXT), MMUSIM_FIELDS_ALL);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_LACKEY), MMUSIM_FIELD_SIZE);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_DIN), 0);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_CHAMPSIM), 0);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_COUNT), 0);
    assert_int_equal(mmusim_format_parse(NULL), MMUSIM_FMT_COUNT);
}

static void test_lackey(void **state)
{
    (void)state;
    const char *path = fixture_str("t.lackey", lackey_text);
    result *r = read_all(path, MMUSIM_FMT_LACKEY);
    check_lackey(r);
    assert_string_equal(r->comp, "none");
    assert_int_equal(r->file_size, sizeof lackey_text - 1);
    assert_int_equal(r->bytes_read, sizeof lackey_text - 1);
    /* one access per call must give the same */
    check_lackey(read_all_max(path, MMUSIM_FMT_LACKEY, 1));
    check_lackey(read_all_max(path, MMUSIM_FMT_AUTO, 3));
}

static void test_text(void **state)
{
    (void)state;
    const char *path = fixture_str("t.txt", text_text);
    check_text(read_all(path, MMUSIM_FMT_TEXT));
    check_text(read_all(path, MMUSIM_FMT_AUTO));
    check_text(read_all_max(path, MMUSIM_FMT_AUTO, 1));
}

/* VM ids: a key like asid, in any order with the others; 0 when absent,
 * and 0 from the formats without one. */
static void test_vmid(void **state)
{
    (void)state;
    result *r = read_all(fixture_str("t.txt", "R 10 vmid=3\nW 20 8 cycle=5 vmid=65535 asid=2 # c\n"
                                              "X 30 vmid=0\nR 40\n"),
                         MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->acc[0].vmid, 3);
    assert_int_equal(r->acc[0].asid, 0);
    check_access(&r->acc[1], MMU_WRITE, 0x20, 8);
    assert_int_equal(r->acc[1].vmid, 65535);
    assert_int_equal(r->acc[1].asid, 2);
    assert_int_equal(r->acc[1].cycle, 5);
    assert_int_equal(r->acc[2].vmid, 0);
    assert_int_equal(r->acc[3].vmid, 0);
    r = read_all(fixture_str("t.lackey", "I  0400,3\n L 0800,8\n"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->acc[0].vmid + r->acc[1].vmid, 0);
    r = read_all(fixture_str("t.din", "0 1000\n2 400\n"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->acc[0].vmid + r->acc[1].vmid, 0);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_LACKEY) & MMUSIM_FIELD_VMID, 0);
    assert_int_equal(mmusim_format_fields(MMUSIM_FMT_TEXT) & MMUSIM_FIELD_VMID, MMUSIM_FIELD_VMID);
}

static void test_crlf_and_last_line(void **state)
{
    (void)state;
    /* CRLF, and a last line without a newline, in both formats */
    result *r = read_all(fixture_str("t.txt", "R 10 4\r\nW 20 asid=2\r\n\r\nX 30"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 3);
    check_access(&r->acc[0], MMU_READ, 0x10, 4);
    check_access(&r->acc[1], MMU_WRITE, 0x20, 1);
    assert_int_equal(r->acc[1].asid, 2);
    check_access(&r->acc[2], MMU_FETCH, 0x30, 1);
    assert_int_equal(r->instructions, 1);

    r = read_all(fixture_str("t.lackey", "==1== x\r\nI  0400,3\r\n L 0800,8"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_LACKEY);
    assert_int_equal(r->n, 2);
    check_access(&r->acc[0], MMU_FETCH, 0x400, 3);
    check_access(&r->acc[1], MMU_READ, 0x800, 8);

    /* a last line of comment without a newline */
    r = read_all(fixture_str("t.txt", "R 10\n# end"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 1);
}

static void test_auto_detection(void **state)
{
    (void)state;
    /* comments, blank and '==' lines before the first record are looked past */
    result *r = read_all(fixture_str("t.txt", "\n\n# c\n  \nW 1\n"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_TEXT);
    r = read_all(fixture_str("t.lackey", "==9== x\n\n M 0400,8\n"), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_LACKEY);
    check_access(&r->acc[0], MMU_WRITE, 0x400, 8);
    /* the file name does not matter */
    r = read_all(fixture_str("looks.txt", lackey_text), MMUSIM_FMT_AUTO);
    check_lackey(r);
    /* a format that cannot be told */
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "# x\nhello world\n",
                 ":2: cannot tell the trace format from 'hello' (expected a text record R/W/X, "
                 "a Lackey record I/L/S/M or a din record LABEL ADDRESS)");
    /* the wrong format, forced */
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "==1== x\nI  0400,3\n",
                 ":1: Valgrind '==' line in a text trace (only Lackey traces may have them)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "I  0400,3\n", ":1: unknown operation 'I' (expected R, W or X)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "R 400\n",
                 ":1: unknown Lackey record 'R' (expected I, L, S, M or a '==' line)");
    /* auto picks lackey from the first record; a '#' line is then an error */
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "# x\nI  0400,3\n",
                 ":1: unknown Lackey record '#' (expected I, L, S, M or a '==' line)");
    /* and text from its first record; a '==' line is then an error */
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "==1== x\nR 400\n",
                 ":1: Valgrind '==' line in a text trace (only Lackey traces may have them)");
}

/* ---- tests: Dinero IV din ---- */

static const char din_text[] =
    "2 0\n"
    "0 1000\n"
    "0 70f60888 the rest of the line is a comment\n"
    "1 0x70f60890\n"
    "  2\t2cb5\n"
    "3 400\n"
    "4 0\n"
    "0x1 fffffffffffffffc\n"
    "1 10 8\n"
    "\n"
    "2 00000000000000000000abc\r\n"
    "00 7";

static void check_din(const result *r)
{
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->fmt, MMUSIM_FMT_DIN);
    assert_int_equal(r->n, 10);
    assert_int_equal(r->instructions, 3);
    check_access(&r->acc[0], MMU_FETCH, 0, 4);
    check_access(&r->acc[1], MMU_READ, 0x1000, 4);
    check_access(&r->acc[2], MMU_READ, 0x70f60888, 4);
    check_access(&r->acc[3], MMU_WRITE, 0x70f60890, 4);
    check_access(&r->acc[4], MMU_FETCH, 0x2cb5, 4);  /* the address as written: not masked */
    check_access(&r->acc[5], MMU_READ, 0x400, 4);    /* label 3: unknown type, a data read */
    check_access(&r->acc[6], MMU_WRITE, UINT64_MAX - 3, 4); /* label 4 (a flush) made no access */
    check_access(&r->acc[7], MMU_WRITE, 0x10, 4);    /* "8" is part of the ignored rest */
    check_access(&r->acc[8], MMU_FETCH, 0xabc, 4);
    check_access(&r->acc[9], MMU_READ, 7, 4);
    for (size_t i = 0; i < r->n; i++) {
        assert_int_equal(r->acc[i].asid, 0);
        assert_int_equal(r->acc[i].has_cycle, 0);
    }
}

static void test_din(void **state)
{
    (void)state;
    const char *path = fixture_str("t.din", din_text);
    check_din(read_all(path, MMUSIM_FMT_DIN));
    check_din(read_all(path, MMUSIM_FMT_AUTO));
    check_din(read_all_max(path, MMUSIM_FMT_AUTO, 1));
    buf x = xz_bytes(din_text, sizeof din_text - 1);
    result *r = read_all(fixture("t.din.xz", x.p, x.len), MMUSIM_FMT_AUTO);
    check_din(r);
    assert_string_equal(r->comp, "xz");
    free(x.p);
}

static void test_din_errors(void **state)
{
    (void)state;
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 1000\n5 2000\n", ":2: din label 5 out of range 0..4");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 1000\n12 2000\n", ":2: din label 12 out of range 0..4");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 1000\nx 2000\n",
                 ":2: bad din label 'x' (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0,1000\n",
                 ":1: bad din label '0,1000' (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 1\n0 2\n0 10g0\n", ":3: bad hex digit 'g' in address");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 1000,8\n", ":1: bad hex digit ',' in address");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0\n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "1 \r\n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "1 0x\n", ":1: address has no hex digits");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 11112222333344445\n", ":1: address does not fit in 64 bits");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "R 1000\n",
                 ":1: bad din label 'R' (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)");
    /* din has no comment lines and no Valgrind lines */
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "# c\n0 1000\n",
                 ":1: bad din label '#' (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)");
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "\n==1== x\n# c\n0 1000\n",
                 ":2: bad din label '==1==' (expected 0 read, 1 write, 2 fetch, 3 escape or 4 flush)");
    /* only flushes: no access */
    EXPECT_ERROR(MMUSIM_FMT_DIN, "4 0\n4 1000\n", ": empty trace (no accesses)");
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "\n\n", ": empty trace (no accesses)");
}

/* ---- tests: bad input ---- */

static void test_text_errors(void **state)
{
    (void)state;
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nR 2\nR 3\nR 4\nR 5\nR 6\nR 10g0\n",
                 ":7: bad hex digit 'g' in address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nQ 10\n", ":2: unknown operation 'Q' (expected R, W or X)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nREAD 10\n", ":2: unknown operation 'READ' (expected R, W or X)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nR 2\nR 3\nR 10 0\n", ":4: size 0 out of range 1..4096");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 4097\n", ":1: size 4097 out of range 1..4096");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 99999999999999999999999\n",
                 ":1: size 99999999999999999999999 out of range 1..4096");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nR 2\nR 3\nR 4\nR 1ffffffffffffffff\n",
                 ":5: address does not fit in 64 bits");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 0x00000000000000010000000000000000\n",
                 ":1: address does not fit in 64 bits");
    /* an access whose bytes wrap past 2^64 (issue 10, item 5): refused, not cut */
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nR ffffffffffffffff 8\n",
                 ":2: the access's bytes run past the end of the address space (address + size - 1 "
                 "wraps past 2^64)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "W fffffffffffffff9 8 asid=2\n",
                 ":1: the access's bytes run past the end of the address space (address + size - 1 "
                 "wraps past 2^64)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " L 10,8\n S fffffffffffff001,4096\n",
                 ":2: the access's bytes run past the end of the address space (address + size - 1 "
                 "wraps past 2^64)");
    EXPECT_ERROR(MMUSIM_FMT_DIN, "0 10\n1 fffffffffffffffd\n",
                 ":2: the access's bytes run past the end of the address space (address + size - 1 "
                 "wraps past 2^64)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 8 foo=1\n", ":1: unknown key 'foo' (expected asid, vmid or cycle)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=1 asid=2\n", ":1: duplicate key 'asid'");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 cycle=1 cycle=2\n", ":1: duplicate key 'cycle'");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=65536\n", ":1: asid 65536 out of range 0..65535");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=1x\n", ":1: bad digit 'x' in asid");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=\n", ":1: missing value for key 'asid'");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 cycle=18446744073709551616\n", ":1: cycle does not fit in 64 bits");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 cycle=-1\n", ":1: bad digit '-' in cycle");
    /* VM ids */
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\nR 2 vmid=65536\n", ":2: vmid 65536 out of range 0..65535");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=99999999999999999999999\n",
                 ":1: vmid 99999999999999999999999 out of range 0..65535");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=1x\n", ":1: bad digit 'x' in vmid");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=-1\n", ":1: bad digit '-' in vmid");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=2 vmid=0x1\n", ":1: bad digit 'x' in vmid");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=\n", ":1: missing value for key 'vmid'");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=1 vmid=2\n", ":1: duplicate key 'vmid'");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vm=1\n", ":1: unknown key 'vm' (expected asid, vmid or cycle)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 vmid=1 8\n", ":1: size '8' must come right after the address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 asid=3 8\n", ":1: size '8' must come right after the address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 8 9\n", ":1: size '9' must come right after the address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 8x\n", ":1: bad digit 'x' in size");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 =3\n", ":1: unexpected '=3' (expected SIZE, asid=N, vmid=N or cycle=N)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10 hello\n",
                 ":1: unexpected 'hello' (expected SIZE, asid=N, vmid=N or cycle=N)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R\n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "W   # nothing\n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "X 0x\n", ":1: address has no hex digits");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R -10\n", ":1: bad hex digit '-' in address");
    /* a NUL byte and a non-ASCII byte are quoted, not printed raw */
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 10\0\n", ":1: bad hex digit '\\x00' in address");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "R 1\n\xff 10\n", ":2: unknown operation '\\xff' (expected R, W or X)");
}

static void test_lackey_errors(void **state)
{
    (void)state;
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  0400,3\nI  0401,3\n L 0400\n", ":3: missing ',size'");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  0400 ,3\n", ":1: missing ',size'");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  04g0,3\n", ":1: bad hex digit 'g' in address");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  0x400,3\n", ":1: bad hex digit 'x' in address");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  ,3\n", ":1: address has no hex digits");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  \n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " L\r\n", ":1: missing address");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,\n", ":1: missing size after ','");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,x\n", ":1: bad digit 'x' in size");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,8x\n", ":1: bad digit 'x' in size");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,0\n", ":1: size 0 out of range 1..4096");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,4097\n", ":1: size 4097 out of range 1..4096");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 0400,8 junk\n", ":1: unexpected 'junk' after the size");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, " S 11112222333344445,8\n", ":1: address does not fit in 64 bits");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  0400,3\nX 0400,3\n",
                 ":2: unknown Lackey record 'X' (expected I, L, S, M or a '==' line)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I0400,3\n",
                 ":1: unknown Lackey record 'I0400,3' (expected I, L, S, M or a '==' line)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "I  0400,3\n--123-- verbose\n",
                 ":2: unknown Lackey record '--123--' (expected I, L, S, M or a '==' line)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "SB 04017a0\n",
                 ":1: unknown Lackey record 'SB' (trace without --trace-superblocks=yes)");
    /* the program's own output mixed into the trace */
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "==1== x\nI  0400,3\nHello, world!\n L 0800,8\n",
                 ":3: unknown Lackey record 'Hello,' (expected I, L, S, M or a '==' line)");
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    char want[600];
    const char *path = fixture("empty", "", 0);
    snprintf(want, sizeof want, "%s: empty trace (no accesses)", path);
    for (int f = MMUSIM_FMT_AUTO; f < MMUSIM_FMT_COUNT; f++) {
        result *r = read_all(path, (mmusim_format)f);
        assert_true(r->rc < 0);
        assert_string_equal(r->err, want);
    }
    EXPECT_ERROR(MMUSIM_FMT_AUTO, "# nothing\n\n", ": empty trace (no accesses)");
    EXPECT_ERROR(MMUSIM_FMT_LACKEY, "==1== nothing\n==1== at all\n", ": empty trace (no accesses)");
    EXPECT_ERROR(MMUSIM_FMT_TEXT, "   \n# nothing\n", ": empty trace (no accesses)");

    char missing[256];
    path_of(missing, sizeof missing, "no-such-file.txt");
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    result *r = read_all(missing, MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, MMU_ENOTFOUND);
    assert_string_equal(r->err, want);

    char dir[256];
    path_of(dir, sizeof dir, "dir");
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(want, sizeof want, "%s: Is a directory", dir);
    r = read_all(dir, MMUSIM_FMT_AUTO);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);

    /* bad arguments */
    mmusim_trace *t = (mmusim_trace *)1;
    char err[64];
    assert_int_equal(mmusim_trace_open(NULL, MMUSIM_FMT_AUTO, &t, err, sizeof err), MMU_EINVAL);
    assert_null(t);
    assert_int_equal(mmusim_trace_open(path, MMUSIM_FMT_COUNT, &t, err, sizeof err), MMU_EINVAL);
    assert_int_equal(mmusim_trace_read(NULL, NULL, 1, err, sizeof err), MMU_EINVAL);
    mmusim_trace_close(NULL);
}

static void test_long_lines(void **state)
{
    (void)state;
    /* 4096 bytes (CRLF not counted) is allowed, 4097 is not */
    size_t cap = 3 * 4200;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = 0;
    n += (size_t)sprintf(text + n, "R 1\n");
    memset(text + n, ' ', 4096);
    memcpy(text + n, "W 2", 3);
    n += 4096;
    text[n++] = '\r';
    text[n++] = '\n';
    memset(text + n, ' ', 4096);
    memcpy(text + n, "X 3", 3);
    n += 4096;
    text[n++] = '\n';
    result *r = read_all(fixture("long", text, n), MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, 3);
    check_access(&r->acc[2], MMU_FETCH, 3, 1);

    /* one byte more on line 3 */
    memmove(text + n, text + n - 1, 1);
    text[n - 1] = ' ';
    n++;
    char want[600];
    const char *path = fixture("long", text, n);
    snprintf(want, sizeof want, "%s:3: line longer than 4096 bytes", path);
    r = read_all(path, MMUSIM_FMT_AUTO);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    assert_int_equal(r->n, 2); /* the lines before it were read */

    /* a line with no end at all (and binary junk) */
    memset(text, 'R', 9000);
    path = fixture("long", text, 9000);
    snprintf(want, sizeof want, "%s:1: line longer than 4096 bytes", path);
    r = read_all(path, MMUSIM_FMT_TEXT);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    free(text);
}

static void test_error_after_accesses(void **state)
{
    (void)state;
    const char *path = fixture_str("bad.trace", "R 1\nW 2\nX 3\nR zz\nR 5\n");
    mmusim_trace *t;
    char err[300], want[600];
    assert_int_equal(mmusim_trace_open(path, MMUSIM_FMT_AUTO, &t, err, sizeof err), 0);
    mmusim_access a[16];
    /* the three good accesses first, then the error */
    assert_int_equal(mmusim_trace_read(t, a, 16, err, sizeof err), 3);
    assert_int_equal(mmusim_trace_instructions(t), 1);
    assert_int_equal(mmusim_trace_lines(t), 3);
    assert_int_equal(mmusim_trace_read(t, a, 16, err, sizeof err), MMU_EPARSE);
    snprintf(want, sizeof want, "%s:4: bad hex digit 'z' in address", path);
    assert_string_equal(err, want);
    assert_int_equal(mmusim_trace_read(t, a, 16, err, sizeof err), MMU_EPARSE);
    assert_int_equal(mmusim_trace_read(t, a, 0, NULL, 0), MMU_EPARSE);
    assert_string_equal(mmusim_trace_name(t), path);
    mmusim_trace_close(t);
}

/* Many lines: buffer refills, line numbers past the first buffer. */
static void test_big_trace(void **state)
{
    (void)state;
    enum { LINES = 400000, BAD = 350001 };
    buf b = {NULL, 0, 0};
    char line[64];
    for (unsigned i = 1; i <= LINES; i++) {
        int k = i == BAD ? snprintf(line, sizeof line, "W %xq 8\n", i)
                         : snprintf(line, sizeof line, "%c %x %u\n", "RWX"[i % 3], i * 64, 1 + i % 64);
        buf_append(&b, line, (size_t)k);
    }
    assert_true(b.len > ((size_t)4 << 20)); /* more than one buffer */
    char path[256];
    path_of(path, sizeof path, "big.txt");
    write_bytes(path, b.p, b.len);
    mmusim_trace *t;
    char err[300], want[600];
    assert_int_equal(mmusim_trace_open(path, MMUSIM_FMT_AUTO, &t, err, sizeof err), 0);
    mmusim_access a[7]; /* an odd batch size */
    uint64_t seen = 0;
    long k;
    while ((k = mmusim_trace_read(t, a, 7, err, sizeof err)) > 0) {
        for (long j = 0; j < k; j++) {
            unsigned i = (unsigned)++seen;
            assert_int_equal(a[j].vaddr, (uint64_t)i * 64);
            assert_int_equal(a[j].size, 1 + i % 64);
            assert_int_equal(a[j].type, i % 3 == 0 ? MMU_READ : i % 3 == 1 ? MMU_WRITE : MMU_FETCH);
        }
    }
    assert_int_equal(k, MMU_EPARSE);
    assert_int_equal(seen, BAD - 1);
    snprintf(want, sizeof want, "%s:%d: bad hex digit 'q' in address", path, BAD);
    assert_string_equal(err, want);
    mmusim_trace_close(t);

    /* the same through zstd, read to the end without the bad line */
    snprintf(line, sizeof line, "W %xq 8\n", BAD);
    char *bad = strstr((char *)b.p, line);
    assert_non_null(bad);
    bad[strlen(line) - 4] = '0';
    buf z = zstd_bytes(b.p, b.len, 0);
    path_of(path, sizeof path, "t.zst");
    write_bytes(path, z.p, z.len);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->n, LINES);
    assert_int_equal(r->instructions, LINES / 3);
    assert_int_equal(r->bytes_read, z.len);
    assert_int_equal(r->file_size, z.len);
    free(z.p);
    free(b.p);
}

/* More than a buffer of lines that are skipped while looking for the format. */
static void test_long_preamble(void **state)
{
    (void)state;
    enum { SKIPPED = 80000 };
    buf b = {NULL, 0, 0};
    const char *c = "# a comment line, repeated to fill more than a buffer of text...\n";
    for (int i = 0; i < SKIPPED; i++)
        buf_append(&b, c, strlen(c));
    assert_true(b.len > ((size_t)4 << 20));
    buf_append(&b, "I  0400,3\n", 10);
    char path[256], want[600];
    path_of(path, sizeof path, "comments");
    write_bytes(path, b.p, b.len);
    /* auto: Lackey, so the first '#' line is an error even though it was passed */
    snprintf(want, sizeof want, "%s:1: unknown Lackey record '#' (expected I, L, S, M or a '==' line)",
             path);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    /* text: comments are fine and the Lackey line is the error */
    snprintf(want, sizeof want, "%s:%d: unknown operation 'I' (expected R, W or X)", path, SKIPPED + 1);
    r = read_all(path, MMUSIM_FMT_TEXT);
    assert_string_equal(r->err, want);
    free(b.p);

    /* Valgrind lines: fine for Lackey, line numbers still right */
    b.p = NULL;
    b.len = b.cap = 0;
    c = "==12345== a Valgrind message line, long enough to fill the buffer..\n";
    for (int i = 0; i < SKIPPED; i++)
        buf_append(&b, c, strlen(c));
    buf_append(&b, "I  0400,3\n L 0800,8\n S 08g0,8\n", 30);
    path_of(path, sizeof path, "valgrind");
    write_bytes(path, b.p, b.len);
    r = read_all(path, MMUSIM_FMT_AUTO);
    snprintf(want, sizeof want, "%s:%d: bad hex digit 'g' in address", path, SKIPPED + 3);
    assert_int_equal(r->fmt, MMUSIM_FMT_LACKEY);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->err, want);
    free(b.p);
}

/* ---- tests: compression ---- */

static void test_gzip(void **state)
{
    (void)state;
    buf g = gzip_bytes(lackey_text, sizeof lackey_text - 1);
    const char *path = fixture("t.gz", g.p, g.len);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    check_lackey(r);
    assert_string_equal(r->comp, "gzip");
    assert_int_equal(r->bytes_read, g.len);
    assert_int_equal(r->file_size, g.len);
    free(g.p);

    /* concatenated members, split in the middle of a line */
    size_t half = 101;
    buf a = gzip_bytes(text_text, half);
    buf c = gzip_bytes(text_text + half, sizeof text_text - 1 - half);
    buf_append(&a, c.p, c.len);
    r = read_all(fixture("t.cat.gz", a.p, a.len), MMUSIM_FMT_AUTO);
    check_text(r);
    assert_string_equal(r->comp, "gzip");
    free(a.p);
    free(c.p);
}

static void test_xz(void **state)
{
    (void)state;
    buf x = xz_bytes(lackey_text, sizeof lackey_text - 1);
    result *r = read_all(fixture("t.xz", x.p, x.len), MMUSIM_FMT_AUTO);
    check_lackey(r);
    assert_string_equal(r->comp, "xz");
    assert_int_equal(r->bytes_read, x.len);
    free(x.p);

    size_t half = 57;
    buf a = xz_bytes(text_text, half);
    buf c = xz_bytes(text_text + half, sizeof text_text - 1 - half);
    buf_append(&a, c.p, c.len);
    r = read_all(fixture("t.cat.xz", a.p, a.len), MMUSIM_FMT_AUTO);
    check_text(r);
    assert_string_equal(r->comp, "xz");
    free(a.p);
    free(c.p);
}

static void test_zstd(void **state)
{
    (void)state;
    buf z = zstd_bytes(lackey_text, sizeof lackey_text - 1, 1);
    result *r = read_all(fixture("t.zst", z.p, z.len), MMUSIM_FMT_AUTO);
    check_lackey(r);
    assert_string_equal(r->comp, "zstd");
    assert_int_equal(r->bytes_read, z.len);
    free(z.p);

    /* several frames */
    size_t third = (sizeof text_text - 1) / 3;
    buf a = zstd_bytes(text_text, third, 0);
    buf c = zstd_bytes(text_text + third, third, 1);
    buf d = zstd_bytes(text_text + 2 * third, sizeof text_text - 1 - 2 * third, 0);
    buf_append(&a, c.p, c.len);
    buf_append(&a, d.p, d.len);
    r = read_all(fixture("t.cat.zst", a.p, a.len), MMUSIM_FMT_AUTO);
    check_text(r);
    assert_string_equal(r->comp, "zstd");
    free(a.p);
    free(c.p);
    free(d.p);

    /* a skippable frame first (magic 0x184D2A5?) */
    buf s = {NULL, 0, 0};
    const unsigned char skip[] = {0x52, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'};
    buf_append(&s, skip, sizeof skip);
    z = zstd_bytes(text_text, sizeof text_text - 1, 0);
    buf_append(&s, z.p, z.len);
    r = read_all(fixture("skip.zst", s.p, s.len), MMUSIM_FMT_AUTO);
    check_text(r);
    assert_string_equal(r->comp, "zstd");
    free(s.p);
    free(z.p);
}

/* Compressed text that ends early: an error, never a short trace.  The
 * message says how far reading got: "FILE:LINE: truncated gzip stream (after
 * LINE-1 whole lines)" once lines were read (at least min_line of them), or
 * "FILE: truncated gzip stream (at the start of the data)". */
static void check_truncated(const buf *c, size_t keep, const char *name, unsigned min_line)
{
    char path[256], want[600];
    path_of(path, sizeof path, "trunc");
    write_bytes(path, c->p, keep);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    unsigned line = 0;
    size_t pl = strlen(path);
    if (r->rc < 0 && strncmp(r->err, path, pl) == 0 && r->err[pl] == ':' && r->err[pl + 1] != ' ')
        line = (unsigned)strtoul(r->err + pl + 1, NULL, 10);
    if (line)
        snprintf(want, sizeof want, "%s:%u: truncated %s stream (after %u whole lines)", path, line,
                 name, line - 1);
    else
        snprintf(want, sizeof want, "%s: truncated %s stream (at the start of the data)", path, name);
    if (r->rc >= 0 || strcmp(r->err, want) != 0 || line < min_line)
        print_error("%s cut to %zu of %zu bytes: got \"%s\" (rc %d), want line >= %u\n", name, keep,
                    c->len, r->err, r->rc, min_line);
    assert_true(r->rc < 0);
    assert_string_equal(r->err, want);
    assert_true(line >= min_line);
}

static void test_truncated(void **state)
{
    (void)state;
    /* enough text that half of it decodes into whole lines */
    buf t = {NULL, 0, 0};
    for (int i = 0; i < 2000; i++) {
        char line[40];
        int k = snprintf(line, sizeof line, "%s %x %d\n", i % 2 ? "R" : "W", i * 4096 + 8, 1 + i % 8);
        buf_append(&t, line, (size_t)k);
    }
    buf g = gzip_bytes(t.p, t.len), x = xz_bytes(t.p, t.len), z = zstd_bytes(t.p, t.len, 0);
    check_truncated(&g, g.len / 2, "gzip", 500); /* gzip decodes as it goes: ~960 lines */
    check_truncated(&g, g.len - 1, "gzip", 1);
    check_truncated(&g, 10, "gzip", 0);
    check_truncated(&g, 2, "gzip", 0); /* only the magic number */
    check_truncated(&x, x.len / 2, "xz", 0);
    check_truncated(&x, x.len - 1, "xz", 0);
    check_truncated(&x, 6, "xz", 0);
    check_truncated(&z, z.len / 2, "zstd", 0);
    check_truncated(&z, z.len - 1, "zstd", 0);
    check_truncated(&z, 4, "zstd", 0);
    free(g.p);
    free(x.p);
    free(z.p);
    free(t.p);
}

static void check_corrupt(const buf *c, size_t at, const char *prefix)
{
    char path[256], want[600];
    unsigned char *copy = malloc(c->len);
    assert_non_null(copy);
    memcpy(copy, c->p, c->len);
    copy[at] ^= 0x55;
    path_of(path, sizeof path, "corrupt");
    write_bytes(path, copy, c->len);
    free(copy);
    snprintf(want, sizeof want, "%s: %s", path, prefix);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    if (r->rc >= 0 || strncmp(r->err, want, strlen(want)) != 0)
        print_error("byte %zu of %zu flipped: got \"%s\" (rc %d)\n", at, c->len, r->err, r->rc);
    assert_true(r->rc < 0);
    assert_memory_equal(r->err, want, strlen(want));
}

static void test_corrupt(void **state)
{
    (void)state;
    buf g = gzip_bytes(text_text, sizeof text_text - 1);
    check_corrupt(&g, g.len / 2, "corrupt gzip stream: ");
    check_corrupt(&g, g.len - 6, "corrupt gzip stream: incorrect data check"); /* the CRC */
    check_corrupt(&g, 3, "corrupt gzip stream: ");                            /* the flags */
    buf x = xz_bytes(text_text, sizeof text_text - 1);
    check_corrupt(&x, x.len / 2, "corrupt xz stream: ");
    buf z = zstd_bytes(text_text, sizeof text_text - 1, 1);
    check_corrupt(&z, z.len / 2, "corrupt zstd stream: ");
    check_corrupt(&z, z.len - 2, "corrupt zstd stream: "); /* the checksum */

    /* junk after a complete member/frame */
    buf_append(&g, "junk", 4);
    char path[256], want[600];
    path_of(path, sizeof path, "corrupt");
    write_bytes(path, g.p, g.len);
    /* every line was read before the junk: the message says so */
    unsigned lines = 0;
    for (const char *c = text_text; *c; c++)
        lines += *c == '\n';
    snprintf(want, sizeof want, "%s:%u: corrupt gzip stream: ", path, lines + 1);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    assert_memory_equal(r->err, want, strlen(want));
    snprintf(want, sizeof want, "(after %u whole lines)", lines);
    assert_non_null(strstr(r->err, want));
    buf_append(&z, "junk", 4);
    write_bytes(path, z.p, z.len);
    snprintf(want, sizeof want, "%s:%u: corrupt zstd stream: ", path, lines + 1);
    r = read_all(path, MMUSIM_FMT_AUTO);
    assert_memory_equal(r->err, want, strlen(want));
    free(g.p);
    free(x.p);
    free(z.p);
}

static void test_empty_compressed(void **state)
{
    (void)state;
    char want[600];
    buf g = gzip_bytes("", 0);
    const char *path = fixture("t.gz", g.p, g.len);
    snprintf(want, sizeof want, "%s: empty trace (no accesses)", path);
    result *r = read_all(path, MMUSIM_FMT_AUTO);
    assert_string_equal(r->err, want);
    buf z = zstd_bytes("# nothing\n", 10, 0);
    path = fixture("t.zst", z.p, z.len);
    snprintf(want, sizeof want, "%s: empty trace (no accesses)", path);
    r = read_all(path, MMUSIM_FMT_AUTO);
    assert_string_equal(r->err, want);
    free(g.p);
    free(z.p);
}

static void test_stdin(void **state)
{
    (void)state;
    buf g = gzip_bytes(text_text, sizeof text_text - 1);
    const char *path = fixture("stdin.gz", g.p, g.len);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    result *r = read_all("-", MMUSIM_FMT_AUTO);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    check_text(r);
    assert_string_equal(r->comp, "gzip");
    assert_int_equal(r->file_size, 0);
    assert_int_equal(r->bytes_read, g.len);

    /* messages name "<stdin>" */
    path = fixture_str("bad.trace", "R 1\nR x\n");
    saved = dup(STDIN_FILENO);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0 && saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    r = read_all("-", MMUSIM_FMT_AUTO);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_string_equal(r->err, "<stdin>:2: bad hex digit 'x' in address");
    free(g.p);
}

static void test_stream_direct(void **state)
{
    (void)state;
    /* the byte layer by itself: the exact bytes back, whatever the compressor */
    buf x = xz_bytes(text_text, sizeof text_text - 1);
    const char *path = fixture("t.xz", x.p, x.len);
    mmusim_stream *s;
    char err[300];
    assert_int_equal(mmusim_stream_open(path, &s, err, sizeof err), 0);
    assert_int_equal(mmusim_stream_compression(s), MMUSIM_COMP_XZ);
    assert_string_equal(mmusim_compression_name(MMUSIM_COMP_ZSTD), "zstd");
    char out[sizeof text_text + 16];
    size_t n = 0;
    long k;
    while ((k = mmusim_stream_read(s, out + n, 7, err, sizeof err)) > 0)
        n += (size_t)k;
    assert_int_equal(k, 0);
    assert_int_equal(n, sizeof text_text - 1);
    assert_memory_equal(out, text_text, n);
    assert_int_equal(mmusim_stream_read(s, out, 7, err, sizeof err), 0);
    mmusim_stream_close(s);
    free(x.p);
}

/* Read s to its end in pieces of `piece` bytes into out (cap bytes); returns the bytes read. */
static size_t read_rest(mmusim_stream *s, char *out, size_t cap, size_t piece)
{
    char err[300];
    size_t n = 0;
    long k;
    while (n < cap && (k = mmusim_stream_read(s, out + n, cap - n < piece ? cap - n : piece, err,
                                              sizeof err)) > 0)
        n += (size_t)k;
    return n;
}

static void test_stream_unthread(void **state)
{
    (void)state;
    /* a compressed stream larger than the decompression thread's ring (4 x 1 MiB), stopped
       before any read, after a few bytes, after several chunks and twice: the same bytes,
       and every compressed byte counted */
    const size_t len = (size_t)9 << 20;
    char *plain = malloc(len), *out = malloc(len + 1);
    assert_non_null(plain);
    assert_non_null(out);
    uint64_t x = 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        plain[i] = (char)('a' + (x >> 60));
    }
    buf z = zstd_bytes(plain, len, 1);
    const char *path = fixture("big.zst", z.p, z.len);
    const size_t before[] = {0, 5, 3000000, 7000000};
    for (unsigned c = 0; c < 4; c++) {
        mmusim_stream *s;
        char err[300];
        assert_int_equal(mmusim_stream_open(path, &s, err, sizeof err), 0);
        size_t n = read_rest(s, out, before[c], 65536);
        assert_int_equal(n, before[c]);
        mmusim_stream_unthread(s);
        if (c == 3)
            mmusim_stream_unthread(s);
        n += read_rest(s, out + n, len + 1 - n, 100000);
        assert_int_equal(n, len);
        assert_memory_equal(out, plain, len);
        assert_int_equal(mmusim_stream_read(s, out, 7, err, sizeof err), 0);
        assert_int_equal(mmusim_stream_bytes_read(s), z.len);
        mmusim_stream_close(s);
    }
    mmusim_stream_unthread(NULL);
    free(z.p);
    free(plain);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_lackey),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_vmid),
        cmocka_unit_test(test_crlf_and_last_line),
        cmocka_unit_test(test_auto_detection),
        cmocka_unit_test(test_din),
        cmocka_unit_test(test_din_errors),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_lackey_errors),
        cmocka_unit_test(test_empty_and_missing),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_error_after_accesses),
        cmocka_unit_test(test_big_trace),
        cmocka_unit_test(test_long_preamble),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_xz),
        cmocka_unit_test(test_zstd),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_empty_compressed),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_stream_direct),
        cmocka_unit_test(test_stream_unthread),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
