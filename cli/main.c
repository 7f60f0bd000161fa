/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - the mmusim command-line program: dispatches to a subcommand.
 *
 *   mmusim run TRACE [options]     run a trace through the MMU model
 *   mmusim config --dump [options] print the effective configuration
 *   mmusim convert IN OUT [options] convert a trace to another format
 *   mmusim gen KIND OUT [options]  write a synthetic trace
 *   mmusim report OUT.html IN.json... HTML report of JSON results
 *   mmusim presets [NAME]          list the presets of real CPUs
 *   mmusim sweep TRACE... [opts]   run a grid of configurations
 *   mmusim merge OUT IN...         join the CSV files of sweep shards
 *   mmusim version | help
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mmusim/io/stream.h"
#include "mmusim/mmusim.h"

/*
 * A signal that ends the program removes the temporary files of the outputs
 * being written (PATH.tmp.PID), then ends it as the signal would have, so
 * the exit status is the signal's (docs/outputs.md).  The handler is
 * installed with SA_RESETHAND and the signal is blocked while it runs: the
 * raise() is delivered, with the default action, when it returns.
 */
static void on_fatal_signal(int sig)
{
    mmusim_tmp_cleanup();
    raise(sig);
}

static void cleanup_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction sa, old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* ignored (nohup, a background job): left so */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mmusim COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  run TRACE...        run memory-access traces through the MMU model\n"
            "  config --dump       print the effective configuration (INI)\n"
            "  convert IN OUT      convert a trace between formats and compressions (see mmusim convert --help)\n"
            "  gen KIND OUT        write a synthetic trace: sequential, strided, uniform, zipf, chase,\n"
            "                      mix (see mmusim gen --help)\n"
            "  report OUT IN...    HTML report with plots of JSON results (see mmusim report --help)\n"
            "  presets [NAME]      list the presets of real CPUs, or show one's sources\n"
            "  sweep TRACE...      run a grid of configurations (--vary), one CSV row per point\n"
            "  merge OUT IN...     join the CSV files of sweep shards\n"
            "  version             print the version\n"
            "  help                this text\n"
            "\n"
            "configuration options (run, config):\n"
            "  --preset NAME       start from a preset of a real CPU (see mmusim presets)\n"
            "  --config FILE       read an INI configuration file (see docs/configuration.md)\n"
            "  --set SEC.KEY=VAL   override one value, e.g. --set tlb.stlb.entries=2048\n"
            "\n"
            "run options:\n"
            "  --format F          trace format: auto (default), text, lackey, binary, din, champsim\n"
            "  --json FILE         write the results as JSON ('-' for standard output)\n"
            "  --csv FILE          append one CSV row of results (flat column names)\n"
            "  --per-access FILE   write a CSV line per translation\n"
            "  --timeline N        record the main figures per window of N accesses (JSON)\n"
            "  --on-fault A        continue (default) or stop at the first translation fault\n"
            "  --check             check every translation against a walk of the page tables\n"
            "  --prefault A:VA:N   map N bytes at hex VA for ASID A before the run (OS model)\n"
            "  --map A:VA:N:PROT   map a region now with PROT of r, w, x, u (user), g (global)\n"
            "  --progress          show progress (default: only on a terminal); --no-progress\n"
            "  --warmup N          clear the counters after N accesses\n"
            "  --quiet             no summary on standard output\n"
            "\n"
            "sweep options (with the configuration options, and run's --format, --warmup, --on-fault,\n"
            "--check, --prefault):\n"
            "  --vary SEC.KEY=V1,V2,...  one axis of the grid (repeat for more axes)\n"
            "  --out FILE          the CSV file the rows are appended to (required)\n"
            "  -j N                points run in parallel (default: one per processor)\n"
            "  --resume            skip the points whose row FILE holds already\n"
            "  --shard K/N         run only the K-th (1..N) of N slices of the points\n"
            "  --strict            refuse the sweep if a point is invalid (default: skip it)\n"
            "  --dry-run           list the points and what would happen to each\n"
            "  --json DIR          also keep each point's JSON as DIR/sweep-point-N.json\n"
            "  --slurm             run it as a Slurm job array and a merge job (mmusim sweep --help)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    cleanup_on_signals();
    if (strcmp(cmd, "run") == 0)
        return cli_cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "config") == 0)
        return cli_cmd_config(argc - 2, argv + 2);
    if (strcmp(cmd, "convert") == 0)
        return cli_cmd_convert(argc - 2, argv + 2);
    if (strcmp(cmd, "gen") == 0)
        return cli_cmd_gen(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cli_cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "presets") == 0)
        return cli_cmd_presets(argc - 2, argv + 2);
    if (strcmp(cmd, "sweep") == 0)
        return cli_cmd_sweep(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0)
        return cli_cmd_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("mmusim %s\n", MMUSIM_VERSION_STRING);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mmusim: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
