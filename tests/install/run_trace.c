/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An outside program built only against an installed mmusim (core + io):
 * loads a preset, replays a trace through the MMU and its OS model with the
 * issue rule of `mmusim run`, and prints the summary `mmusim run --preset
 * NAME TRACE` prints: one call each.
 *
 *   run_trace PRESET TRACE    the summary on stdout
 *   run_trace --preset-dir    where presets are found
 */
#include <stdio.h>
#include <string.h>

#include <mmusim/mmusim.h>
#include <mmusim/os.h>
#include <mmusim/io/config_file.h>
#include <mmusim/io/replay.h>
#include <mmusim/io/report.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--preset-dir") == 0) {
        printf("%s\n", mmusim_preset_dir());
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: run_trace PRESET TRACE | --preset-dir\n");
        return 2;
    }
    char err[1024];
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    if (mmusim_config_load_preset(&cfg, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "run_trace: %s\n", err);
        return 2;
    }
    mmu *m;
    mmu_os *os;
    if (mmusim_mmu_create(&cfg, &m, &os, err, sizeof err) != 0) {
        fprintf(stderr, "run_trace: %s\n", err);
        return 2;
    }
    mmusim_run_info info;
    memset(&info, 0, sizeof info);
    int status = mmusim_replay(m, argv[2], NULL, &info, err, sizeof err);
    if (status == 0) {
        info.preset = argv[1];
        mmusim_report_text(stdout, m, &info);
    } else {
        fprintf(stderr, "run_trace: %s\n", err);
    }
    mmusim_run_info_release(&info);
    mmu_destroy(m);
    mmu_os_destroy(os);
    return status == 0 ? 0 : 1;
}
