/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgfile.c - INI configuration files through libinih, --set overrides,
 * and the dump of a configuration in the same format.
 */
#ifdef MMUSIM_IO_SHARED
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#elif !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* realpath */
#endif
#include "mmusim/io/config_file.h"
#include "mmusim/io/stream.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

typedef struct ini_item {
    char *section, *key, *value;
    int line;
} ini_item;

typedef struct ini_collect {
    ini_item *items;
    size_t n, cap;
    int oom;
    FILE *file;
    int line;             /* line the reader returned last */
    char bad_section[128]; /* first section header the configuration does not know */
    int bad_line;
    const mmu_config *cfg;
    char lbuf[1024];      /* the start of the current line */
    char line_err[160];   /* why the reader stopped at line_err_line */
    int line_err_line;
} ini_collect;

/*
 * libinih reader: reads each whole line itself, in bounded memory, so that
 * libinih never sees a line it would split (libinih cuts lines at its buffer
 * size, INI_MAX_LINE, and parses the tail as a new line) and every key gets
 * the line it stands on.  It rejects what libinih would accept silently: a line too long for
 * libinih's buffer (a comment line of any length is handed over as a blank
 * line), a NUL byte (libinih would end the line there) and an indented line
 * (libinih would take it as the continuation of the previous value).  A
 * rejected line ends the input (the reader reports end of file), with the
 * reason in line_err.
 */
static char *read_line(char *buf, int size, void *stream)
{
    ini_collect *c = stream;
    if (c->line_err_line)
        return NULL;
    /* one line, of any length, in bounded memory: its start in lbuf, its
       length in total; a NUL byte stops the reading (/dev/zero) */
    size_t n = 0, total = 0;
    int ch, nul = 0;
    while ((ch = getc(c->file)) != EOF) {
        total++;
        if (ch == 0) {
            nul = 1;
            break;
        }
        if (n < sizeof c->lbuf - 1)
            c->lbuf[n++] = (char)ch;
        if (ch == '\n')
            break;
    }
    if (total == 0)
        return NULL;
    c->lbuf[n] = 0;
    c->line++;
    if (nul) {
        snprintf(c->line_err, sizeof c->line_err, "NUL byte in the line (not a text file?)");
        c->line_err_line = c->line;
        return NULL;
    }
    const char *p = c->lbuf;
    while (*p == ' ' || *p == '\t')
        p++;
    int comment = *p == ';' || *p == '#';
    int blank = *p == '\n' || *p == '\r' || *p == 0;
    if (p > c->lbuf && !comment && !blank) {
        snprintf(c->line_err, sizeof c->line_err,
                 "indented line (a line may not start with spaces or tabs: it would continue the "
                 "value above)");
        c->line_err_line = c->line;
        return NULL;
    }
    /* libinih needs room for the text, "\r\n" and the terminating NUL */
    size_t room = size > 3 ? (size_t)size - 3 : 0;
    if (room > sizeof c->lbuf - 3)
        room = sizeof c->lbuf - 3;
    size_t text = total - (ch == '\n'); /* without the line end */
    if (n == total && text > 0 && c->lbuf[text - 1] == '\r')
        text--;
    if (comment && text > room) {
        snprintf(buf, (size_t)size, "\n");
        return buf;
    }
    if (text > room) {
        snprintf(c->line_err, sizeof c->line_err, "line too long (%zu bytes; at most %zu)", text,
                 room);
        c->line_err_line = c->line;
        return NULL;
    }
    memcpy(buf, c->lbuf, n + 1);
    /* a section header with no key below it never reaches the handler:
       note it here so that an unknown section is never silently accepted */
    if (*p == '[' && !c->bad_line) {
        const char *end = strchr(p, ']');
        size_t len = end ? (size_t)(end - p - 1) : 0;
        if (end && len < sizeof c->bad_section) {
            memcpy(c->bad_section, p + 1, len);
            c->bad_section[len] = 0;
            if (mmu_config_has_section(c->cfg, c->bad_section))
                c->bad_section[0] = 0;
            else
                c->bad_line = c->line;
        }
    }
    return buf;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int collect(void *user, const char *section, const char *name, const char *value)
{
    ini_collect *c = user;
    if (!name) /* a section header alone: nothing to apply */
        return 1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        ini_item *p = realloc(c->items, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return 0;
        }
        c->items = p;
        c->cap = cap;
    }
    ini_item *it = &c->items[c->n];
    it->section = dup_str(section);
    it->key = dup_str(name);
    it->value = dup_str(value ? value : "");
    it->line = c->line;
    if (!it->section || !it->key || !it->value) {
        free(it->section);
        free(it->key);
        free(it->value);
        c->oom = 1;
        return 0;
    }
    c->n++;
    return 1;
}

int mmusim_config_load(mmu_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* a directory reads as empty, /dev/zero never ends: a file or a pipe only */
    if (mmusim_input_check(fileno(f), path, 1, err, errlen) != 0) {
        fclose(f);
        return -1;
    }
    ini_collect c = {0};
    c.file = f;
    c.cfg = cfg;
    int rc = ini_parse_stream(read_line, &c, collect, &c);
    int status = 0;
    if (c.oom) {
        snprintf(err, errlen, "%s: out of memory", path);
        status = -1;
    } else if (rc > 0 && (!c.line_err_line || rc < c.line_err_line)) {
        snprintf(err, errlen, "%s:%d: malformed line (expected [section], key = value, or a ; comment)",
                 path, rc);
        status = -1;
    } else if (c.line_err_line) {
        snprintf(err, errlen, "%s:%d: %s", path, c.line_err_line, c.line_err);
        status = -1;
    } else if (rc < 0 || ferror(f)) {
        snprintf(err, errlen, "%s: cannot read the file", path);
        status = -1;
    }
    /* a key set twice: libinih would hand over both, and the last would win */
    for (size_t i = 1; i < c.n && status == 0; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(c.items[i].section, c.items[j].section) == 0 &&
                strcmp(c.items[i].key, c.items[j].key) == 0) {
                snprintf(err, errlen, "%s:%d: %s.%s is set again (first on line %d)", path,
                         c.items[i].line, c.items[i].section, c.items[i].key, c.items[j].line);
                status = -1;
                break;
            }
    fclose(f);
    /* pass 1: the list of TLB arrays; pass 2: everything else in file order */
    for (int pass = 0; pass < 2 && status == 0; pass++) {
        for (size_t i = 0; i < c.n && status == 0; i++) {
            ini_item *it = &c.items[i];
            int is_arrays = strcmp(it->section, "tlb") == 0 && strcmp(it->key, "arrays") == 0;
            if (is_arrays != (pass == 0))
                continue;
            char msg[512];
            if (mmu_config_set2(cfg, it->section, it->key, it->value, msg, sizeof msg) != MMU_OK) {
                snprintf(err, errlen, "%s:%d: %s", path, it->line, msg);
                status = -1;
            }
        }
    }
    /* a header for a section no key went into: known by now, or an error */
    if (status == 0 && c.bad_line && !mmu_config_has_section(cfg, c.bad_section)) {
        snprintf(err, errlen, "%s:%d: unknown section [%s]", path, c.bad_line, c.bad_section);
        status = -1;
    }
    for (size_t i = 0; i < c.n; i++) {
        free(c.items[i].section);
        free(c.items[i].key);
        free(c.items[i].value);
    }
    free(c.items);
    return status;
}

static int is_dir(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The installed presets seen from the installed program or library: the
 * file holding this code (the program for the static library, the shared
 * library itself otherwise), symlinks resolved, then the relative path from
 * its install directory to share/mmusim/presets.  Found once.
 */
static char preset_dir_rel[PATH_MAX];
static pthread_once_t preset_dir_once = PTHREAD_ONCE_INIT;

static void find_preset_dir_rel(void)
{
    char self[PATH_MAX], real[PATH_MAX];
#ifdef MMUSIM_IO_SHARED
    Dl_info dl;
    if (!dladdr((void *)mmusim_preset_dir, &dl) || !dl.dli_fname ||
        snprintf(self, sizeof self, "%s", dl.dli_fname) >= (int)sizeof self)
        return;
#else
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return;
    self[n] = 0;
#endif
    if (!realpath(self, real))
        return;
    char *slash = strrchr(real, '/');
    if (!slash)
        return;
    *slash = 0;
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", real, MMUSIM_PRESET_DIR_RELATIVE);
    if (!realpath(dir, preset_dir_rel)) /* absent: this is not an installed copy */
        preset_dir_rel[0] = 0;
}

const char *mmusim_preset_dir(void)
{
    const char *env = getenv("MMUSIM_PRESET_DIR");
    if (is_dir(env))
        return env;
    pthread_once(&preset_dir_once, find_preset_dir_rel);
    if (is_dir(preset_dir_rel))
        return preset_dir_rel;
    if (is_dir(MMUSIM_SOURCE_PRESET_DIR))
        return MMUSIM_SOURCE_PRESET_DIR;
    return MMUSIM_INSTALLED_PRESET_DIR;
}

int mmusim_config_load_preset(mmu_config *cfg, const char *name, char *err, size_t errlen)
{
    char path[4096];
    if (mmusim_preset_path(name, path, sizeof path, err, errlen) != 0)
        return -1;
    return mmusim_config_load(cfg, path, err, errlen);
}

int mmusim_preset_path(const char *name, char *buf, size_t len, char *err, size_t errlen)
{
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) {
            snprintf(err, errlen, "--preset '%s': a preset name is letters, digits, '_' and '-'", name);
            return -1;
        }
    const char *dir = mmusim_preset_dir();
    snprintf(buf, len, "%s/%s.ini", dir, name);
    if (access(buf, R_OK) != 0) {
        snprintf(err, errlen, "--preset '%s': no such preset in %s (see mmusim presets)", name, dir);
        return -1;
    }
    return 0;
}

int mmusim_config_override(mmu_config *cfg, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        snprintf(err, errlen, "--set '%s': expected section.key=value", assignment);
        return -1;
    }
    char key[256];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof key) {
        snprintf(err, errlen, "--set '%s': key too long", assignment);
        return -1;
    }
    memcpy(key, assignment, n);
    key[n] = 0;
    char msg[512];
    if (mmu_config_set(cfg, key, eq + 1, msg, sizeof msg) != MMU_OK) {
        snprintf(err, errlen, "--set %s: %s", assignment, msg);
        return -1;
    }
    return 0;
}

typedef struct dump_ctx {
    FILE *out;
    int comments;
    int first;
} dump_ctx;

static void dump_visit(void *vctx, const char *section, const char *key, const char *value,
                       const char *desc)
{
    dump_ctx *d = vctx;
    if (!key) {
        fprintf(d->out, "%s[%s]\n", d->first ? "" : "\n", section);
        if (d->comments && desc)
            fprintf(d->out, "; %s\n", desc);
        d->first = 0;
        return;
    }
    if (d->comments && desc)
        fprintf(d->out, "; %s\n", desc);
    fprintf(d->out, "%s = %s\n", key, value);
}

void mmusim_config_dump(const mmu_config *cfg, FILE *out, int with_comments)
{
    dump_ctx d = {out, with_comments, 1};
    mmu_config_foreach_all(cfg, dump_visit, &d);
}
