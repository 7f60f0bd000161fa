/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_outputs.c - where output bytes go (mmusim_ofile, docs/outputs.md):
 * a new or regular file through a temporary file renamed into place, a FIFO
 * in place, symbolic links followed, directories refused, the temporary
 * file registry emptied by mmusim_tmp_cleanup(), checks that leave nothing,
 * and inputs that must be regular files.  Devices and full disks need root:
 * tests/cli/outputs.sh.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmusim/error.h"
#include "mmusim/io/stream.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_outputs.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Number of entries in dir whose name contains ".tmp." */
static int tmp_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static char *in_dir(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_str(mmusim_ofile *f, const char *s)
{
    assert_int_equal(write(mmusim_ofile_fd(f), s, strlen(s)), (ssize_t)strlen(s));
}

static void read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

static void test_new_file_renamed_on_commit(void **state)
{
    (void)state;
    char err[512], buf[64];
    mmusim_ofile *f;
    assert_int_equal(mmusim_ofile_open(in_dir("a.txt"), &f, err, sizeof err), 0);
    assert_true(mmusim_ofile_replaces(f));
    write_str(f, "hello\n");
    assert_int_equal(access(in_dir("a.txt"), F_OK), -1); /* not there before the commit */
    assert_int_equal(tmp_files(), 1);
    assert_int_equal(mmusim_ofile_commit(f, err, sizeof err), 0);
    read_file(in_dir("a.txt"), buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    assert_int_equal(tmp_files(), 0);
    /* abort keeps the old file */
    assert_int_equal(mmusim_ofile_open(in_dir("a.txt"), &f, err, sizeof err), 0);
    fputs("other\n", mmusim_ofile_stdio(f));
    mmusim_ofile_abort(f);
    read_file(in_dir("a.txt"), buf, sizeof buf);
    assert_string_equal(buf, "hello\n");
    assert_int_equal(tmp_files(), 0);
}

static void test_cleanup_removes_temporary_files(void **state)
{
    (void)state;
    char err[512];
    mmusim_ofile *f, *g;
    assert_int_equal(mmusim_ofile_open(in_dir("b.txt"), &f, err, sizeof err), 0);
    assert_int_equal(mmusim_ofile_open(in_dir("c.txt"), &g, err, sizeof err), 0);
    assert_int_equal(tmp_files(), 2);
    mmusim_tmp_cleanup(); /* what the signal handler does */
    assert_int_equal(tmp_files(), 0);
    /* the commit finds its file gone: an error, and nothing under the name */
    assert_int_not_equal(mmusim_ofile_commit(f, err, sizeof err), 0);
    assert_non_null(strstr(err, "b.txt"));
    mmusim_ofile_abort(g);
    assert_int_equal(access(in_dir("b.txt"), F_OK), -1);
}

static void test_symlink_followed(void **state)
{
    (void)state;
    char err[512], buf[64];
    assert_int_equal(mkdir(in_dir("sub"), 0755), 0);
    assert_int_equal(symlink("sub/target.txt", in_dir("link.txt")), 0);
    mmusim_ofile *f;
    assert_int_equal(mmusim_ofile_open(in_dir("link.txt"), &f, err, sizeof err), 0);
    write_str(f, "through\n");
    assert_int_equal(mmusim_ofile_commit(f, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(lstat(in_dir("link.txt"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    read_file(in_dir("sub/target.txt"), buf, sizeof buf);
    assert_string_equal(buf, "through\n");
}

static void test_fifo_in_place(void **state)
{
    (void)state;
    char err[512], buf[64];
    assert_int_equal(mkfifo(in_dir("fifo"), 0644), 0);
    int rd = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK); /* a reader, so opening to write does not wait */
    assert_true(rd >= 0);
    mmusim_ofile *f;
    assert_int_equal(mmusim_ofile_open(in_dir("fifo"), &f, err, sizeof err), 0);
    assert_false(mmusim_ofile_replaces(f));
    write_str(f, "piped\n");
    assert_int_equal(mmusim_ofile_commit(f, err, sizeof err), 0);
    ssize_t n = read(rd, buf, sizeof buf - 1);
    assert_int_equal(n, 6);
    buf[n] = 0;
    assert_string_equal(buf, "piped\n");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(in_dir("fifo"), &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(tmp_files(), 0);
}

static void test_directory_refused(void **state)
{
    (void)state;
    char err[512];
    mmusim_ofile *f = (mmusim_ofile *)1;
    assert_int_equal(mmusim_ofile_open(dir, &f, err, sizeof err), MMU_EINVAL);
    assert_null(f);
    assert_non_null(strstr(err, "is a directory"));
    assert_int_equal(mmusim_output_check(dir, 0, err, sizeof err), MMU_EINVAL);
    assert_non_null(strstr(err, "is a directory"));
}

static void test_output_check_leaves_nothing(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(mmusim_output_check(in_dir("new.json"), 0, err, sizeof err), 0);
    assert_int_equal(access(in_dir("new.json"), F_OK), -1);
    assert_int_equal(tmp_files(), 0);
    assert_int_equal(mmusim_output_check(in_dir("nodir/new.json"), 0, err, sizeof err), MMU_ENOTFOUND);
    assert_non_null(strstr(err, "nodir/new.json: No such file or directory"));
    assert_int_equal(mmusim_output_check("-", 0, err, sizeof err), 0);
}

static void test_input_check(void **state)
{
    (void)state;
    char err[512];
    int fd = open(dir, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(mmusim_input_check(fd, "D", 1, err, sizeof err), MMU_EINVAL);
    assert_string_equal(err, "D: is a directory, not a regular file or a pipe");
    close(fd);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(mmusim_input_check(p[0], "P", 1, err, sizeof err), 0);
    assert_int_equal(mmusim_input_check(p[0], "P", 0, err, sizeof err), MMU_EINVAL);
    assert_string_equal(err, "P: is a FIFO, not a regular file");
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_file_renamed_on_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleanup_removes_temporary_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_check_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
