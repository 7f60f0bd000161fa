/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfgfile.h - configuration from files and the command line for the
 * testbench: INI files (libinih), presets, "--set section.key=value", and
 * the dump of the effective configuration in the same INI format.
 */
#ifndef MMUSIM_IO_CONFIG_FILE_H
#define MMUSIM_IO_CONFIG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "mmusim/config.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Apply an INI file to cfg.  "[tlb] arrays" is applied before any other
 * key, wherever it stands in the file, so array sections may come first.
 * Returns 0, or -1 with "FILE:LINE: what was wrong" in err.
 */
int mmusim_config_load(mmu_config *cfg, const char *path, char *err, size_t errlen);

/* Apply one "section.key=value" override.  Returns 0, or -1 with a message in err. */
int mmusim_config_override(mmu_config *cfg, const char *assignment, char *err, size_t errlen);

/*
 * Find a preset (a configuration of a real CPU, presets/NAME.ini).  Looks in
 * $MMUSIM_PRESET_DIR; then share/mmusim/presets of the installation the
 * running program (static library) or libmmusim-io (shared library) belongs
 * to, found from its location (so a moved installation still finds its
 * own); then the source tree's presets/ mmusim was built from; then the
 * share/mmusim/presets of the install prefix it was configured with.
 * Returns 0 with the path in buf, or -1 with a message.  A program built
 * against an installed mmusim elsewhere can also load a preset by its path:
 * MMUSIM_PRESET_DIR (CMake package) or presetdir (pkg-config) name the
 * installed directory.
 */
int mmusim_preset_path(const char *name, char *buf, size_t len, char *err, size_t errlen);

/*
 * Load preset NAME into cfg (mmusim_preset_path, then mmusim_config_load):
 * what `--preset NAME` does.  Returns 0, or -1 with a message in err.
 */
int mmusim_config_load_preset(mmu_config *cfg, const char *name, char *err, size_t errlen);

/* The directory presets are listed from (the first of the above that exists). */
const char *mmusim_preset_dir(void);

/* Write cfg as an INI file with a comment per key (with_comments) or bare. */
void mmusim_config_dump(const mmu_config *cfg, FILE *out, int with_comments);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_IO_CONFIG_FILE_H */
