/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sweep_options.c - the command line of "mmusim sweep" and its --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "mmusim/io/trace.h"
#include "cli.h"
#include "sweep.h"

/* ------------------------------------------------------------------ */
/* mmusim sweep                                                        */

static void sweep_usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim sweep TRACE... --out FILE [--vary SEC.KEY=V1,V2,...]...\n"
            "                    [--preset NAME] [--config FILE] [--set SEC.KEY=VAL]...\n"
            "                    [-j N] [--resume] [--shard K/N] [--strict] [--dry-run] [--json DIR]\n"
            "                    [--one-pass|--no-one-pass]\n"
            "                    [--format F] [--warmup N] [--on-fault A] [--check] [--prefault A:VA:N]...\n"
            "                    [--progress|--no-progress] [--quiet] [--slurm [SLURM OPTIONS]]\n"
            "Runs every trace with every combination of the --vary values, one 'mmusim run'\n"
            "per point, N at a time, appending one CSV row per point to FILE (see docs/sweep.md;\n"
            "'mmusim sweep --help' explains every option).\n");
}

static void sweep_help(void)
{
    sweep_usage(stdout);
    printf("\n"
           "The grid: every TRACE times every combination of the --vary values; the first --vary\n"
           "varies slowest. Points are numbered from 1 in that order.\n"
           "\n"
           "  --out FILE, -o FILE    the CSV file each point appends its row to (required)\n"
           "  --vary SEC.KEY=V1,V2   one axis of the grid; repeat for more axes. A list value\n"
           "                         (page_sizes, tlb.arrays) separates its items with '|' or spaces.\n"
           "                         Sizes in other units (1M, 1024K) are the same value: refused twice.\n"
           "  --preset NAME, -p      base configuration: a preset (mmusim presets)\n"
           "  --config FILE, -c      base configuration: an INI file\n"
           "  --set SEC.KEY=VAL, -s  base configuration: one key; these three apply in order\n"
           "  -j N, -jN, --jobs N    points run in parallel; 0 or absent: one per online processor\n"
           "  --resume               skip the points whose row FILE holds already (same trace path\n"
           "                         and every config.* column); without it an existing FILE is refused\n"
           "  --shard K/N            run only the K-th of N round-robin slices of the points;\n"
           "                         K is 1-based (1..N); a shard with no point leaves an empty FILE\n"
           "  --strict               refuse the whole sweep if any point of the shard is an invalid\n"
           "                         configuration (default: report it and skip it)\n"
           "  --dry-run, -n          print each point (number, state, trace, values), then each pass\n"
           "                         one pass would make (one-pass, trace, points); run nothing\n"
           "  --json DIR             also keep each point's JSON results as DIR/sweep-point-N.json\n"
           "                         (N zero-padded), for 'mmusim report OUT.html DIR/sweep-point-*.json'\n"
           "  --no-one-pass          run every point separately. By default the points that differ\n"
           "                         only in the last TLB level's geometry (one unified LRU array,\n"
           "                         fixed walker, non-inclusive fill; docs/sweep.md) run in one pass\n"
           "                         over each trace, rows identical to separate runs; the summary\n"
           "                         says how many\n"
           "  --one-pass             require one pass: refuse, with the reason, a point it is not exact for\n"
           "  --format F, --warmup N, --on-fault stop|continue, --check, --prefault A:VA:N\n"
           "                         passed to every point's 'mmusim run' (see mmusim run --help)\n"
           "  --progress, --no-progress  a progress line on standard error (default: on a terminal)\n"
           "  --quiet, -q            no summary line on standard output\n"
           "\n"
           "On a Slurm cluster (a job array, one shard per task, then a merge job):\n"
           "  --slurm                write DIR/tasks.sbatch and DIR/merge.sbatch and submit them with\n"
           "                         sbatch; the merge job reruns failed points (--resume), then\n"
           "                         merges every shard into FILE\n"
           "  --slurm-dir DIR        where scripts, shard files and logs go (default: FILE.slurm)\n"
           "  --slurm-tasks N        array tasks, i.e. shards (default: the points, at most 100)\n"
           "  --slurm-throttle N     at most N tasks at once (--array=1-T%%N)\n"
           "  --slurm-partition P, --slurm-time T, --slurm-mem M, --slurm-cpus N\n"
           "                         sbatch --partition, --time, --mem, --cpus-per-task (each task\n"
           "                         runs -j N points at a time)\n"
           "  --slurm-arg ARG        one more sbatch argument for both jobs (repeat)\n"
           "  --slurm-no-submit      write the scripts and print the sbatch commands; submit nothing\n"
           "\n"
           "Exit status: 0 every valid point of the shard has its row; 1 a point failed or I/O\n"
           "trouble (--resume reruns the failed points); 2 a bad command line, no valid point,\n"
           "--strict with an invalid point, an existing FILE without --resume; 130/143 SIGINT/SIGTERM.\n");
}

/* Parse "--vary key=v1,v2,..." into v; returns 0, or -1 with a message printed. */
static int parse_vary(const char *arg, vary *v)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        fprintf(stderr, "mmusim sweep: --vary '%s': expected SECTION.KEY=V1,V2,... (e.g. tlb.stlb.entries=1024,2048)\n",
                arg);
        return -1;
    }
    const char *dot = memchr(arg, '.', (size_t)(eq - arg));
    if (!dot || dot == arg || dot + 1 == eq) {
        fprintf(stderr, "mmusim sweep: --vary '%s': the key must be SECTION.KEY (e.g. tlb.stlb.entries)\n", arg);
        return -1;
    }
    v->key = xmalloc((size_t)(eq - arg) + 1);
    memcpy(v->key, arg, (size_t)(eq - arg));
    v->key[eq - arg] = 0;
    v->n = 0;
    v->vals = NULL;
    const char *p = eq + 1;
    size_t cap = 0;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == 0) {
            fprintf(stderr, "mmusim sweep: --vary '%s': an empty value (values are separated by single commas)\n",
                    arg);
            return -1;
        }
        if (v->n == cap) {
            cap = cap ? 2 * cap : 8;
            v->vals = xrealloc(v->vals, cap * sizeof *v->vals);
        }
        char *val = xmalloc(n + 1);
        memcpy(val, p, n);
        val[n] = 0;
        for (size_t k = 0; k < v->n; k++)
            if (strcmp(v->vals[k], val) == 0) {
                fprintf(stderr, "mmusim sweep: --vary %s: the value '%s' is given twice\n", v->key, val);
                free(val);
                return -1;
            }
        v->vals[v->n++] = val;
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

static int parse_shard(const char *arg, unsigned long *k, unsigned long *n)
{
    const char *slash = arg ? strchr(arg, '/') : NULL;
    char kbuf[32];
    if (!slash || (size_t)(slash - arg) >= sizeof kbuf)
        goto bad;
    memcpy(kbuf, arg, (size_t)(slash - arg));
    kbuf[slash - arg] = 0;
    if (parse_uint(kbuf, k) || parse_uint(slash + 1, n) || *n == 0 || *k < 1 || *k > *n)
        goto bad;
    return 0;
bad:
    fprintf(stderr, "mmusim sweep: --shard '%s': expected K/N with 1 <= K <= N (shards are numbered from 1)\n",
            arg ? arg : "");
    return -1;
}

void free_sweep(sweep *s)
{
    for (size_t k = 0; k < s->n_vary; k++) {
        for (size_t j = 0; j < s->vary[k].n; j++)
            free(s->vary[k].vals[j]);
        free(s->vary[k].vals);
        free(s->vary[k].key);
    }
    free(s->pts);
}

int parse_sweep(int argc, char **argv, sweep *s)
{
    char err[1024];
    mmu_config_defaults(&s->base_cfg);
    s->progress = isatty(STDERR_FILENO);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int sl = cli_slurm_option(&s->slurm, argc, argv, &i);
        if (sl < 0)
            return EXIT_USAGE;
        if (sl)
            continue;
        int takes = strcmp(a, "--vary") == 0 || strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0 ||
                    strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0 || strcmp(a, "--set") == 0 ||
                    strcmp(a, "-s") == 0 || strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 ||
                    strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--shard") == 0 ||
                    strcmp(a, "--format") == 0 || strcmp(a, "--warmup") == 0 || strcmp(a, "--on-fault") == 0 ||
                    strcmp(a, "--prefault") == 0 || strcmp(a, "--json") == 0;
        if (takes) {
            if (!v) {
                fprintf(stderr, "mmusim sweep: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            i++;
        }
        if (a[0] == '-' && a[1] == 'j' && a[2]) { /* -jN, as make takes it */
            if (parse_uint(a + 2, &s->jobs) != 0 || s->jobs > 1024) {
                fprintf(stderr, "mmusim sweep: -j: '%s' is not a number of jobs (0 = one per processor, at most 1024)\n",
                        a + 2);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--vary") == 0) {
            if (s->n_vary == MAX_VARY) {
                fprintf(stderr, "mmusim sweep: at most %d --vary options\n", MAX_VARY);
                return EXIT_USAGE;
            }
            vary *vy = &s->vary[s->n_vary];
            vy->arg = v;
            if (parse_vary(v, vy) != 0) {
                s->n_vary++; /* freed with the others */
                return EXIT_USAGE;
            }
            s->n_vary++;
            for (size_t k = 0; k + 1 < s->n_vary; k++)
                if (strcmp(s->vary[k].key, vy->key) == 0) {
                    fprintf(stderr, "mmusim sweep: --vary %s is given twice (list every value in one --vary)\n",
                            vy->key);
                    return EXIT_USAGE;
                }
        } else if (strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "--config") == 0 ||
                   strcmp(a, "-c") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0) {
            /* applied here to plan and validate the points, and passed on to each point's run */
            int is_set = strcmp(a, "--set") == 0 || strcmp(a, "-s") == 0;
            int is_preset = strcmp(a, "--preset") == 0 || strcmp(a, "-p") == 0;
            if (is_set) {
                if (mmusim_config_override(&s->base_cfg, v, err, sizeof err) != 0) {
                    fprintf(stderr, "mmusim sweep: %s\n", err);
                    return EXIT_USAGE;
                }
            } else {
                char path[4096];
                const char *file = v;
                if (is_preset) {
                    if (mmusim_preset_path(v, path, sizeof path, err, sizeof err) != 0) {
                        fprintf(stderr, "mmusim sweep: %s\n", err);
                        return EXIT_USAGE;
                    }
                    file = path;
                }
                if (mmusim_config_load(&s->base_cfg, file, err, sizeof err) != 0) {
                    fprintf(stderr, "mmusim sweep: %s\n", err);
                    return EXIT_USAGE;
                }
            }
            if (s->n_base + 2 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many configuration options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = is_set ? "--set" : is_preset ? "--preset" : "--config";
            s->base[s->n_base++] = v;
        } else if (strcmp(a, "--check") == 0) {
            if (s->n_base + 1 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = a;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "--warmup") == 0 || strcmp(a, "--on-fault") == 0 ||
                   strcmp(a, "--prefault") == 0) {
            /* run options passed on to every point (--prefault is checked by the points) */
            unsigned long x;
            if (strcmp(a, "--format") == 0 && mmusim_format_parse(v) == MMUSIM_FMT_COUNT) {
                fprintf(stderr, "mmusim sweep: --format: unknown trace format '%s'\n", v);
                return EXIT_USAGE;
            }
            if (strcmp(a, "--warmup") == 0 && parse_uint(v, &x) != 0) {
                fprintf(stderr, "mmusim sweep: --warmup: '%s' is not a non-negative integer\n", v);
                return EXIT_USAGE;
            }
            if (strcmp(a, "--on-fault") == 0 && strcmp(v, "stop") != 0 && strcmp(v, "continue") != 0) {
                fprintf(stderr, "mmusim sweep: --on-fault: '%s' is not stop or continue\n", v);
                return EXIT_USAGE;
            }
            if (s->n_base + 2 > MAX_BASE) {
                fprintf(stderr, "mmusim sweep: too many options\n");
                return EXIT_USAGE;
            }
            s->base[s->n_base++] = a;
            s->base[s->n_base++] = v;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            if (parse_uint(v, &s->jobs) != 0 || s->jobs > 1024) {
                fprintf(stderr, "mmusim sweep: %s: '%s' is not a number of jobs (0 = one per processor, at most 1024)\n",
                        a, v);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            s->out = v;
        } else if (strcmp(a, "--json") == 0) {
            s->json_dir = v;
        } else if (strcmp(a, "--shard") == 0) {
            if (parse_shard(v, &s->shard_k, &s->shard_n) != 0)
                return EXIT_USAGE;
        } else if (strcmp(a, "--resume") == 0) {
            s->resume = 1;
        } else if (strcmp(a, "--strict") == 0) {
            s->strict = 1;
        } else if (strcmp(a, "--one-pass") == 0) {
            s->one_pass = 1;
        } else if (strcmp(a, "--no-one-pass") == 0) {
            s->one_pass = -1;
        } else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0) {
            s->dry_run = 1;
        } else if (strcmp(a, "--progress") == 0) {
            s->progress = 1;
        } else if (strcmp(a, "--no-progress") == 0) {
            s->progress = 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            s->quiet = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            sweep_help();
            return -1;
        } else if (a[0] != '-') {
            if (s->n_traces == MAX_SWEEP_TRACES) {
                fprintf(stderr, "mmusim sweep: at most %d traces\n", MAX_SWEEP_TRACES);
                return EXIT_USAGE;
            }
            s->traces[s->n_traces++] = a;
        } else {
            fprintf(stderr, "mmusim sweep: unknown option '%s'%s\n", a,
                    strcmp(a, "-") == 0 ? " (a sweep cannot read a trace from standard input)" : "");
            sweep_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (s->n_traces == 0 || !s->out) {
        fprintf(stderr, "mmusim sweep: %s\n", s->n_traces == 0 ? "no trace given" : "--out FILE is required");
        sweep_usage(stderr);
        return EXIT_USAGE;
    }
    if (s->slurm.on && (s->shard_n || s->dry_run)) {
        fprintf(stderr, "mmusim sweep: --slurm makes the shards itself: no %s (--slurm-no-submit writes the "
                        "scripts without submitting them)\n", s->shard_n ? "--shard" : "--dry-run");
        return EXIT_USAGE;
    }
    if (!s->slurm.on && (s->slurm.dir || s->slurm.partition || s->slurm.time || s->slurm.mem || s->slurm.tasks ||
                         s->slurm.throttle || s->slurm.cpus || s->slurm.n_extra)) {
        fprintf(stderr, "mmusim sweep: the --slurm-* options need --slurm\n");
        return EXIT_USAGE;
    }
    if (s->jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->jobs = n > 0 ? (unsigned long)n : 1;
    }
    return 0;
}
