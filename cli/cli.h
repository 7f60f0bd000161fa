/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - the subcommands of the mmusim program.  Each takes the arguments
 * after its name and returns the process exit status: 0 success, 1 a failed
 * run (bad input, I/O error), 2 a usage error.
 */
#ifndef MMUSIM_IO_CLI_H
#define MMUSIM_IO_CLI_H

int cli_cmd_run(int argc, char **argv);
int cli_cmd_config(int argc, char **argv);
int cli_cmd_convert(int argc, char **argv);
int cli_cmd_gen(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_presets(int argc, char **argv);
int cli_cmd_sweep(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);

#endif /* MMUSIM_IO_CLI_H */
