/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_trace_write.c - the trace writers (io/trace/tracewrite.c) and the
 * output side of the byte layer (io/stream.c): every writable format
 * plain and compressed, read back by the readers; round trips between every
 * pair of formats, exact where both formats hold a field; output names;
 * no half-written output after an error or an abort; and the writers'
 * error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmusim/error.h"
#include "mmusim/types.h"
#include "mmusim/io/trace.h"
#include "trace_binfmt.h"
#include "mmusim/io/tracewrite.h"

static char tmpdir[64];

static const char *path_of(const char *name)
{
    static char path[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Files in tmpdir (to check that no temporary file is left behind). */
static int count_files(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", tmpdir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* A varied set of accesses: every type, sizes, ASIDs, VM ids, cycles that go
 * up, back, and jump by more than 2^32.  The VM changes 6 times. */
#define NSAMPLE 12
#define NSAMPLE_VM_CHANGES 6
static void sample(mmusim_access *a)
{
    static const mmusim_access s[NSAMPLE] = {
        {0x400000, 0, 4, 0, MMU_FETCH, 0, 0},
        {0x7ffd1230, 10, 8, 1, MMU_READ, 1, 1},
        {0x601040, 12, 4096, 2, MMU_WRITE, 1, 1},
        {0xfff, 0, 2, 0, MMU_READ, 0, 0},           /* crosses a page */
        {UINT64_MAX - 3, 3, 1, 65535, MMU_WRITE, 1, 65535}, /* the cycle goes back; din reads 4 bytes: the last 4 */
        {0, UINT64_C(0x500000000), 16, 7, MMU_FETCH, 1, 0}, /* jumps past 2^32 */
        {0x1ffefffd78, UINT64_C(0x500000001), 8, 7, MMU_READ, 1, 0},
        {0x4017a3, 0, 5, 0, MMU_FETCH, 0, 0},
        {0x4222cac, 0, 4, 0, MMU_READ, 0, 0},
        {0x421d4d0, UINT64_MAX, 4, 3, MMU_WRITE, 1, 3},
        {0x123456789abcdef, 0, 32, 0, MMU_READ, 0, 0},
        {0x10, 0, 4, 0, MMU_WRITE, 0, 0},
    };
    memcpy(a, s, sizeof s);
}

/* What reading back a trace written in fmt gives for access a. */
static mmusim_access as_kept(mmusim_access a, mmusim_format fmt)
{
    unsigned keep = mmusim_format_fields(fmt);
    if (!(keep & MMUSIM_FIELD_SIZE))
        a.size = 4;
    if (!(keep & MMUSIM_FIELD_ASID))
        a.asid = 0;
    if (!(keep & MMUSIM_FIELD_VMID))
        a.vmid = 0;
    if (!(keep & MMUSIM_FIELD_CYCLE)) {
        a.has_cycle = 0;
        a.cycle = 0;
    }
    if (!a.has_cycle)
        a.cycle = 0;
    return a;
}

static int level = 1; /* fast compression: the tests are about correctness */

static void write_trace(const char *path, mmusim_format fmt, mmusim_compression comp, unsigned fields,
                        const mmusim_access *a, size_t n)
{
    mmusim_writer_opts o;
    mmusim_writer_opts_init(&o);
    o.format = fmt;
    o.comp = comp;
    o.level = level;
    o.fields = fields;
    mmusim_writer *w;
    char err[512];
    int rc = mmusim_writer_open(path, &o, &w, err, sizeof err);
    if (rc < 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    /* in two pieces: the writer keeps state between calls */
    assert_int_equal(mmusim_writer_write(w, a, n / 2, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, a + n / 2, n - n / 2, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_accesses(w), n);
    rc = mmusim_writer_close(w, err, sizeof err);
    if (rc < 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
}

/* Read path (auto) into a (at most max); returns the count. */
static size_t read_trace(const char *path, mmusim_access *a, size_t max, mmusim_format *fmt, char *comp,
                         uint64_t *instructions)
{
    mmusim_trace *t;
    char err[512];
    int rc = mmusim_trace_open(path, MMUSIM_FMT_AUTO, &t, err, sizeof err);
    if (rc < 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    size_t n = 0;
    long k;
    while ((k = mmusim_trace_read(t, a + n, max - n, err, sizeof err)) > 0)
        n += (size_t)k;
    if (k < 0)
        print_error("%s\n", err);
    assert_int_equal(k, 0);
    if (fmt)
        *fmt = mmusim_trace_format(t);
    if (comp)
        strcpy(comp, mmusim_trace_compression(t));
    if (instructions)
        *instructions = mmusim_trace_instructions(t);
    mmusim_trace_close(t);
    return n;
}

static void assert_same(const mmusim_access *got, const mmusim_access *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i].vaddr != want[i].vaddr || got[i].size != want[i].size ||
            got[i].type != want[i].type || got[i].asid != want[i].asid ||
            got[i].has_cycle != want[i].has_cycle || got[i].cycle != want[i].cycle ||
            got[i].vmid != want[i].vmid)
            print_error("access %zu: got %llx/%u/%u/asid %u/vmid %u/cycle %d:%llu, want "
                        "%llx/%u/%u/asid %u/vmid %u/cycle %d:%llu\n",
                        i, (unsigned long long)got[i].vaddr, got[i].size, got[i].type, got[i].asid,
                        got[i].vmid, got[i].has_cycle, (unsigned long long)got[i].cycle,
                        (unsigned long long)want[i].vaddr, want[i].size, want[i].type, want[i].asid,
                        want[i].vmid, want[i].has_cycle, (unsigned long long)want[i].cycle);
        assert_int_equal(got[i].vaddr, want[i].vaddr);
        assert_int_equal(got[i].size, want[i].size);
        assert_int_equal(got[i].type, want[i].type);
        assert_int_equal(got[i].asid, want[i].asid);
        assert_int_equal(got[i].has_cycle, want[i].has_cycle);
        assert_int_equal(got[i].cycle, want[i].cycle);
        assert_int_equal(got[i].vmid, want[i].vmid);
    }
}

static const mmusim_format writable[] = {MMUSIM_FMT_TEXT, MMUSIM_FMT_LACKEY, MMUSIM_FMT_DIN, MMUSIM_FMT_BINARY};
static const char *const suffix[] = {".txt", ".lackey", ".din", ".bin"};
static const char *const comp_suffix[MMUSIM_COMP_COUNT] = {"", ".gz", ".xz", ".zst"};

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_trace_write_XXXXXX",
             base && *base && strlen(base) < 34 ? base : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void test_output_kind(void **state)
{
    (void)state;
    mmusim_format f;
    mmusim_compression c;
    mmusim_output_kind("a/b.bin.zst", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_BINARY);
    assert_int_equal(c, MMUSIM_COMP_ZSTD);
    mmusim_output_kind("x.lackey.gz", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_LACKEY);
    assert_int_equal(c, MMUSIM_COMP_GZIP);
    mmusim_output_kind("x.txt", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_TEXT);
    assert_int_equal(c, MMUSIM_COMP_NONE);
    mmusim_output_kind("x.din.xz", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_DIN);
    assert_int_equal(c, MMUSIM_COMP_XZ);
    mmusim_output_kind("x.text.zstd", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_TEXT);
    assert_int_equal(c, MMUSIM_COMP_ZSTD);
    mmusim_output_kind("600.perlbench.champsimtrace.xz", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_CHAMPSIM);
    mmusim_output_kind("trace", &f, &c);
    assert_int_equal(f, MMUSIM_FMT_AUTO);
    assert_int_equal(c, MMUSIM_COMP_NONE);
    mmusim_output_kind(".gz", &f, &c); /* nothing before the suffix: not a suffix */
    assert_int_equal(f, MMUSIM_FMT_AUTO);
    assert_int_equal(c, MMUSIM_COMP_NONE);
    assert_int_equal(mmusim_compression_parse("zst"), MMUSIM_COMP_ZSTD);
    assert_int_equal(mmusim_compression_parse("gz"), MMUSIM_COMP_GZIP);
    assert_int_equal(mmusim_compression_parse("none"), MMUSIM_COMP_NONE);
    assert_int_equal(mmusim_compression_parse("bzip2"), MMUSIM_COMP_COUNT);
    assert_true(mmusim_format_writable(MMUSIM_FMT_BINARY));
    assert_false(mmusim_format_writable(MMUSIM_FMT_CHAMPSIM));
    assert_false(mmusim_format_writable(MMUSIM_FMT_AUTO));
}

/* Each format and compression: written, detected by content, read back. */
static void test_each_format(void **state)
{
    (void)state;
    mmusim_access a[NSAMPLE], got[NSAMPLE + 1], want[NSAMPLE];
    sample(a);
    for (size_t f = 0; f < 4; f++)
        for (int c = 0; c < MMUSIM_COMP_COUNT; c++) {
            char name[64];
            snprintf(name, sizeof name, "each%s%s", suffix[f], comp_suffix[c]);
            const char *path = path_of(name);
            write_trace(path, writable[f], (mmusim_compression)c, MMUSIM_FIELDS_ALL, a, NSAMPLE);
            assert_false(exists(path_of("each.tmp"))); /* nothing left but the file itself */
            mmusim_format fmt;
            char comp[8];
            uint64_t instr;
            size_t n = read_trace(path, got, NSAMPLE + 1, &fmt, comp, &instr);
            assert_int_equal(n, NSAMPLE);
            assert_int_equal(fmt, writable[f]);
            assert_string_equal(comp, mmusim_compression_name((mmusim_compression)c));
            assert_int_equal(instr, 3);
            for (size_t i = 0; i < NSAMPLE; i++)
                want[i] = as_kept(a[i], writable[f]);
            assert_same(got, want, NSAMPLE);
            unlink(path);
        }
    assert_int_equal(count_files(), 0);
}

/* Every pair: A -> B -> read; the fields both formats hold survive exactly. */
static void test_round_trips(void **state)
{
    (void)state;
    mmusim_access a[NSAMPLE], mid[NSAMPLE + 1], got[NSAMPLE + 1], want[NSAMPLE];
    sample(a);
    for (size_t x = 0; x < 4; x++)
        for (size_t y = 0; y < 4; y++) {
            const char *pa = path_of("rt_a"), *pb = path_of("rt_b");
            write_trace(pa, writable[x], MMUSIM_COMP_ZSTD, MMUSIM_FIELDS_ALL, a, NSAMPLE);
            assert_int_equal(read_trace(pa, mid, NSAMPLE + 1, NULL, NULL, NULL), NSAMPLE);
            write_trace(pb, writable[y], (mmusim_compression)((x + y) % MMUSIM_COMP_COUNT), MMUSIM_FIELDS_ALL,
                        mid, NSAMPLE);
            assert_int_equal(read_trace(pb, got, NSAMPLE + 1, NULL, NULL, NULL), NSAMPLE);
            for (size_t i = 0; i < NSAMPLE; i++)
                want[i] = as_kept(as_kept(a[i], writable[x]), writable[y]);
            assert_same(got, want, NSAMPLE);
        }
    unlink(path_of("rt_a"));
    unlink(path_of("rt_b"));
}

/* Text written, read and written again gives the same bytes; so does binary. */
static void test_stable_bytes(void **state)
{
    (void)state;
    mmusim_access a[NSAMPLE], got[NSAMPLE + 1];
    sample(a);
    for (int f = 0; f < 4; f++) {
        const char *p1 = path_of("s1"), *p2 = path_of("s2");
        write_trace(p1, writable[f], MMUSIM_COMP_GZIP, MMUSIM_FIELDS_ALL, a, NSAMPLE);
        size_t n = read_trace(p1, got, NSAMPLE + 1, NULL, NULL, NULL);
        write_trace(p2, writable[f], MMUSIM_COMP_GZIP, MMUSIM_FIELDS_ALL, got, n);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "cmp -s %s %s", p1, p2);
        assert_int_equal(system(cmd), 0);
    }
    /* the exact text */
    const char *p = path_of("t.txt");
    write_trace(p, MMUSIM_FMT_TEXT, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, a, 3);
    char text[256] = {0};
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t k = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[k] = '\0';
    assert_string_equal(text, "X 0x400000 4\nR 0x7ffd1230 8 asid=1 vmid=1 cycle=10\n"
                              "W 0x601040 4096 asid=2 vmid=1 cycle=12\n");
    write_trace(p, MMUSIM_FMT_LACKEY, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, a, 4);
    f = fopen(p, "r");
    k = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[k] = '\0';
    assert_string_equal(text, "I  00400000,4\n L 7ffd1230,8\n S 00601040,4096\n L 00000fff,2\n");
    write_trace(p, MMUSIM_FMT_DIN, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, a, 4);
    f = fopen(p, "r");
    k = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[k] = '\0';
    assert_string_equal(text, "2 400000\n0 7ffd1230\n1 601040\n0 fff\n");
    unlink(path_of("s1"));
    unlink(path_of("s2"));
    unlink(p);
}

/* A plain binary file gets the real count and fields; a compressed one
 * keeps "count unknown" and the declared fields. */
static void test_binary_header(void **state)
{
    (void)state;
    mmusim_access a[NSAMPLE];
    sample(a);
    const char *p = path_of("h.bin");
    write_trace(p, MMUSIM_FMT_BINARY, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, a, NSAMPLE);
    unsigned char h[MMUSIM_BIN_HEADER_SIZE];
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    assert_memory_equal(h, MMUSIM_BIN_MAGIC, MMUSIM_BIN_MAGIC_LEN);
    assert_int_equal(mmusim_le16(h + 8), 1);
    assert_int_equal(mmusim_le16(h + 14), MMUSIM_BIN_FLAG_ASID | MMUSIM_BIN_FLAG_CYCLE | MMUSIM_BIN_FLAG_VMID);
    /* 12 accesses, three of them after a set-cycle control record (the cycle
     * goes back to 3, jumps to 0x500000000, jumps to UINT64_MAX), six after a
     * set-VM one */
    assert_int_equal(mmusim_le64(h + 16), NSAMPLE + 3 + NSAMPLE_VM_CHANGES);
    assert_int_equal(size, MMUSIM_BIN_HEADER_SIZE + (NSAMPLE + 3 + NSAMPLE_VM_CHANGES) * MMUSIM_BIN_RECORD_SIZE);
    /* accesses without ASIDs or cycles: the flags say so */
    mmusim_access plain[3] = {{1, 0, 1, 0, 0, 0, 0}, {2, 0, 1, 0, 1, 0, 0}, {3, 0, 1, 0, 2, 0, 0}};
    write_trace(p, MMUSIM_FMT_BINARY, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, plain, 3);
    f = fopen(p, "rb");
    assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
    fclose(f);
    assert_int_equal(mmusim_le16(h + 14), 0);
    assert_int_equal(mmusim_le64(h + 16), 3);
    mmusim_trace *t;
    char err[512];
    assert_int_equal(mmusim_trace_open(p, MMUSIM_FMT_AUTO, &t, err, sizeof err), 0);
    assert_int_equal(mmusim_trace_fields(t), MMUSIM_FIELD_SIZE);
    mmusim_trace_close(t);
    unlink(p);
}

static void test_writer_errors(void **state)
{
    (void)state;
    mmusim_writer_opts o;
    mmusim_writer_opts_init(&o);
    mmusim_writer *w = (mmusim_writer *)1;
    char err[512], want[600];
    const char *p = path_of("e.txt");

    o.format = MMUSIM_FMT_CHAMPSIM;
    assert_int_equal(mmusim_writer_open(p, &o, &w, err, sizeof err), MMU_EINVAL);
    assert_null(w);
    snprintf(want, sizeof want, "%s: cannot write the champsim format (its records are instructions "
             "with registers and branch outcomes, which an access trace does not have)", p);
    assert_string_equal(err, want);
    o.format = MMUSIM_FMT_TEXT;

    /* a directory that does not exist */
    const char *nodir = path_of("no/such/dir/x.txt");
    assert_int_equal(mmusim_writer_open(nodir, &o, &w, err, sizeof err), MMU_ENOTFOUND);
    snprintf(want, sizeof want, "%s: No such file or directory", nodir);
    assert_string_equal(err, want);

    /* a bad access: an error naming it, sticky, and no output at all */
    mmusim_access a[3] = {{1, 0, 8, 0, MMU_READ, 0, 0}, {2, 0, 0, 0, MMU_READ, 0, 0}, {3, 0, 8, 0, MMU_READ, 0, 0}};
    assert_int_equal(count_files(), 0);
    assert_int_equal(mmusim_writer_open(p, &o, &w, err, sizeof err), 0);
    assert_int_equal(count_files(), 1); /* the temporary file */
    assert_int_equal(mmusim_writer_write(w, a, 3, err, sizeof err), MMU_ERANGE);
    snprintf(want, sizeof want, "%s: access 2: size 0 out of range 1..4096", p);
    assert_string_equal(err, want);
    assert_int_equal(mmusim_writer_write(w, a, 1, err, sizeof err), MMU_ERANGE);
    assert_int_equal(mmusim_writer_close(w, err, sizeof err), MMU_ERANGE);
    assert_false(exists(p));
    assert_int_equal(count_files(), 0);

    a[1].size = 8;
    a[1].type = 3;
    assert_int_equal(mmusim_writer_open(p, &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, a, 3, err, sizeof err), MMU_EINVAL);
    snprintf(want, sizeof want, "%s: access 2: bad access type 3", p);
    assert_string_equal(err, want);
    mmusim_writer_abort(w);
    a[1].type = MMU_WRITE;

    /* binary: a field the header did not declare (streamed output) */
    o.format = MMUSIM_FMT_BINARY;
    o.comp = MMUSIM_COMP_ZSTD;
    o.fields = MMUSIM_FIELD_SIZE;
    a[2].asid = 4;
    const char *pb = path_of("e.bin.zst");
    assert_int_equal(mmusim_writer_open(pb, &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, a, 3, err, sizeof err), MMU_EINVAL);
    snprintf(want, sizeof want, "%s: access 3: asid 4, but the binary header was written without ASIDs", pb);
    assert_string_equal(err, want);
    mmusim_writer_abort(w);
    a[2].asid = 0;
    a[2].has_cycle = 1;
    assert_int_equal(mmusim_writer_open(pb, &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, a, 3, err, sizeof err), MMU_EINVAL);
    snprintf(want, sizeof want, "%s: access 3: a cycle, but the binary header was written without cycles", pb);
    assert_string_equal(err, want);
    mmusim_writer_abort(w);

    /* an abort after writing leaves nothing, and an existing file untouched */
    FILE *f = fopen(p, "w");
    fputs("R 1\n", f);
    fclose(f);
    o.format = MMUSIM_FMT_TEXT;
    o.comp = MMUSIM_COMP_NONE;
    assert_int_equal(mmusim_writer_open(p, &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, a, 2, err, sizeof err), 0);
    mmusim_writer_abort(w);
    mmusim_writer_abort(NULL);
    assert_int_equal(count_files(), 1);
    mmusim_access got[4];
    assert_int_equal(read_trace(p, got, 4, NULL, NULL, NULL), 1);
    /* a successful write replaces it */
    write_trace(p, MMUSIM_FMT_TEXT, MMUSIM_COMP_NONE, MMUSIM_FIELDS_ALL, a, 2);
    assert_int_equal(read_trace(p, got, 4, NULL, NULL, NULL), 2);
    unlink(p);
    assert_int_equal(count_files(), 0);
    assert_int_equal(mmusim_writer_close(NULL, err, sizeof err), 0);
}

/* The text comment line, and writing to standard output. */
static void test_comment_and_stdout(void **state)
{
    (void)state;
    mmusim_writer_opts o;
    mmusim_writer_opts_init(&o);
    o.comment = "made by\na test";
    mmusim_writer *w;
    char err[512];
    const char *p = path_of("c.txt");
    mmusim_access a = {0x1000, 0, 8, 0, MMU_READ, 0, 0};
    assert_int_equal(mmusim_writer_open(p, &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, &a, 1, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_close(w, err, sizeof err), 0);
    char text[128] = {0};
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t k = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[k] = '\0';
    assert_string_equal(text, "# made by a test\nR 0x1000 8\n");
    unlink(p);

    /* "-": standard output, redirected to a file here */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    FILE *out = fopen(p, "w");
    assert_non_null(out);
    assert_int_equal(dup2(fileno(out), STDOUT_FILENO), STDOUT_FILENO);
    o.format = MMUSIM_FMT_BINARY;
    o.comp = MMUSIM_COMP_XZ; /* at the default level */
    assert_int_equal(mmusim_writer_open("-", &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, &a, 1, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_close(w, err, sizeof err), 0);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    fclose(out);
    mmusim_access got[2];
    char comp[8];
    mmusim_format fmt;
    assert_int_equal(read_trace(p, got, 2, &fmt, comp, NULL), 1);
    level = 1;
    assert_int_equal(fmt, MMUSIM_FMT_BINARY);
    assert_string_equal(comp, "xz");
    assert_int_equal(got[0].vaddr, 0x1000);

    /* plain binary to standard output appended to a file: the writer must
     * not go back and patch offset 0 of a file that is not its own */
    out = fopen(p, "w");
    assert_non_null(out);
    fputs("KEEP", out);
    fflush(out);
    saved = dup(STDOUT_FILENO);
    assert_int_equal(dup2(fileno(out), STDOUT_FILENO), STDOUT_FILENO);
    o.comp = MMUSIM_COMP_NONE;
    assert_int_equal(mmusim_writer_open("-", &o, &w, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_write(w, &a, 1, err, sizeof err), 0);
    assert_int_equal(mmusim_writer_close(w, err, sizeof err), 0);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    fclose(out);
    unsigned char bytes[4 + MMUSIM_BIN_HEADER_SIZE + MMUSIM_BIN_RECORD_SIZE + 1];
    f = fopen(p, "rb");
    assert_non_null(f);
    assert_int_equal(fread(bytes, 1, sizeof bytes, f), sizeof bytes - 1);
    fclose(f);
    assert_memory_equal(bytes, "KEEP", 4);
    assert_memory_equal(bytes + 4, MMUSIM_BIN_MAGIC, MMUSIM_BIN_MAGIC_LEN);
    assert_int_equal(mmusim_le64(bytes + 4 + 16), MMUSIM_BIN_COUNT_UNKNOWN);
    unlink(p);
}

/* A big trace through every compressor: buffers fill and flush many times. */
static void test_big(void **state)
{
    (void)state;
    enum { N = 150000 };
    mmusim_access *a = malloc(N * sizeof *a), *got = malloc((N + 1) * sizeof *got);
    assert_non_null(a);
    assert_non_null(got);
    for (uint32_t i = 0; i < N; i++) {
        mmusim_access x = {(uint64_t)i * 0x9e3779b97f4a7c15u, i / 3, (uint16_t)(1 + i % 64), (uint16_t)(i % 5),
                       (uint8_t)(i % 3), (uint8_t)(i % 2), (uint16_t)(i / 1000 % 4)};
        a[i] = x;
    }
    for (int c = 0; c < MMUSIM_COMP_COUNT; c++)
        for (int f = 0; f < 4; f += 3) { /* text and binary hold everything */
            char name[32];
            snprintf(name, sizeof name, "big%s%s", suffix[f], comp_suffix[c]);
            const char *p = path_of(name);
            write_trace(p, writable[f], (mmusim_compression)c, MMUSIM_FIELDS_ALL, a, N);
            assert_int_equal(read_trace(p, got, N + 1, NULL, NULL, NULL), N);
            for (uint32_t i = 0; i < N; i++)
                if (!a[i].has_cycle)
                    a[i].cycle = 0;
            assert_same(got, a, N);
            unlink(p);
        }
    free(a);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_kind),
        cmocka_unit_test(test_each_format),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_stable_bytes),
        cmocka_unit_test(test_binary_header),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_comment_and_stdout),
        cmocka_unit_test(test_big),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
