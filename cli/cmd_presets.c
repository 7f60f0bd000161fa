/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_presets.c - "mmusim presets": list the configuration presets of real
 * CPUs (presets/NAME.ini, found as --preset finds them), one line each:
 * the name and the file's first comment line, which is its summary.
 * "mmusim presets NAME" prints a preset's comment block: the CPU, each
 * parameter's source, where sources disagree and what mmusim cannot
 * express.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim/io/config_file.h"
#include "cli.h"

#define MAX_PRESETS 512

/* The comment text of a line ("; text" or "# text"), or NULL if it is not a comment. */
static const char *comment_text(char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ';' && *p != '#')
        return NULL;
    p++;
    if (*p == ' ') /* "; text": one space, the rest is the text's own indentation */
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
        p[--n] = 0;
    return p;
}

/* The first comment line of a file: its summary. */
static void summary(const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "(no summary: the file does not start with a comment)");
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(buf, len, "(unreadable: %s)", strerror(errno));
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        const char *c = comment_text(line);
        if (!c)
            break;
        if (*c) {
            snprintf(buf, len, "%s", c);
            break;
        }
    }
    fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the leading comment block of one preset. */
static int show(const char *name)
{
    char path[4096], err[1024];
    if (mmusim_preset_path(name, path, sizeof path, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mmusim: %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("%s (%s)\n\n", name, path);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        const char *c = comment_text(line);
        if (!c)
            break;
        printf("%s\n", c);
    }
    fclose(f);
    printf("\n(the configuration itself: mmusim config --dump --preset %s)\n", name);
    return 0;
}

int cli_cmd_presets(int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: mmusim presets [NAME | --dir]\n"
               "Lists the presets of real CPUs (name and summary), or shows one preset's sources,\n"
               "or prints the directory they are read from ($MMUSIM_PRESET_DIR, the share/mmusim/presets\n"
               "beside the installed program, the source tree's presets/, or the configured\n"
               "install prefix's share/mmusim/presets).\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: mmusim presets [NAME | --dir]\n");
        return 2;
    }
    const char *dir = mmusim_preset_dir();
    if (argc == 1 && strcmp(argv[0], "--dir") == 0) {
        printf("%s\n", dir);
        return 0;
    }
    if (argc == 1) {
        if (argv[0][0] == '-') {
            fprintf(stderr, "mmusim presets: unknown option '%s'\n", argv[0]);
            return 2;
        }
        return show(argv[0]);
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mmusim presets: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char *names[MAX_PRESETS];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_PRESETS) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") != 0 || e->d_name[0] == '.')
            continue;
        names[n] = malloc(len - 3);
        if (!names[n])
            break;
        memcpy(names[n], e->d_name, len - 4);
        names[n][len - 4] = 0;
        n++;
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "mmusim presets: no presets (*.ini) in %s\n", dir);
        return 1;
    }
    qsort(names, n, sizeof *names, cmp_str);
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(names[i]) > width)
            width = (int)strlen(names[i]);
    for (size_t i = 0; i < n; i++) {
        char path[4096], sum[512];
        snprintf(path, sizeof path, "%s/%s.ini", dir, names[i]);
        summary(path, sum, sizeof sum);
        printf("%-*s  %s\n", width, names[i], sum);
        free(names[i]);
    }
    return 0;
}
