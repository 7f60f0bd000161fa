/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * forker.c - a guest program that forks, for the QEMU plugin's fork test
 * (tests/qemu/fork.sh):
 *
 *   forker PARENT_PAGES CHILD_PAGES
 *
 * The parent writes one word in each of PARENT_PAGES pages of its buffer and
 * forks; the child writes one word in each of CHILD_PAGES pages of another
 * buffer (pages the parent never touched) and exits; the parent waits for it
 * and exits with the child's status.  Built static for each guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_PAGES 8192

/* written through volatile pointers: the stores are the point, nothing reads them */
static char parent_buf[MAX_PAGES][PAGE] __attribute__((aligned(PAGE)));
static char child_buf[MAX_PAGES][PAGE] __attribute__((aligned(PAGE)));
static volatile char *const pbuf = &parent_buf[0][0];
static volatile char *const cbuf = &child_buf[0][0];

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: forker PARENT_PAGES CHILD_PAGES\n");
        return 2;
    }
    long pp = atol(argv[1]), cp = atol(argv[2]);
    if (pp < 0 || pp > MAX_PAGES || cp < 0 || cp > MAX_PAGES) {
        fprintf(stderr, "forker: pages 0..%d\n", MAX_PAGES);
        return 2;
    }
    for (long i = 0; i < pp; i++)
        pbuf[i * PAGE] = 1;
    pid_t pid = fork();
    if (pid < 0) {
        perror("forker: fork");
        return 1;
    }
    if (pid == 0) {
        for (long i = 0; i < cp; i++)
            cbuf[i * PAGE] = 1;
        exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
