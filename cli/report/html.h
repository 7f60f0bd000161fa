/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * html.h - helpers of `mmusim report`: a growable text buffer with HTML
 * escaping, and a batch of gnuplot plots drawn as SVG by one gnuplot child
 * process.
 *
 * The report is built in memory: text goes into a mmusim_buf, each plot is a
 * gnuplot script registered in a cli_plots batch and marked in the text by a
 * placeholder; when the page is complete the batch runs once and the
 * placeholders are replaced by the SVG (or by a note saying why the plot is
 * missing).  See docs/report.md.
 */
#ifndef MMUSIM_IO_HTML_H
#define MMUSIM_IO_HTML_H

#include <stddef.h>

#include "buf.h"

/* s escaped for HTML text and attribute values (& < > " '); control characters become '?'. */
void mmusim_buf_html(mmusim_buf *b, const char *s);
/* s as a gnuplot double-quoted string, quotes included. */
void mmusim_buf_gpstr(mmusim_buf *b, const char *s);

/* ---- gnuplot batch ---- */

typedef struct cli_plots cli_plots;

/*
 * Find gnuplot and make a private temporary directory for the batch.  The
 * program is $MMUSIM_GNUPLOT when that is set (a path, or a name looked up in
 * PATH; empty means "no plots"), else "gnuplot" looked up in PATH.  When it
 * cannot be found the batch is still returned and cli_plots_unavailable() says
 * why; registering plots then costs nothing and running them does nothing.
 * NULL only when out of memory.  cli_plots_destroy removes the directory.
 */
cli_plots *cli_plots_create(void);
void cli_plots_destroy(cli_plots *p);

/* Why plots cannot be drawn (gnuplot missing, no temporary directory), or NULL. */
const char *cli_plots_unavailable(const cli_plots *p);

/*
 * Write data to a new file of the batch and return its path as a gnuplot
 * string literal (quoted), owned by the batch; NULL when plots are
 * unavailable or the file cannot be written (the batch then says why).
 */
const char *cli_plots_data(cli_plots *p, const mmusim_buf *data);

/*
 * Register a plot of width x height pixels drawn by the gnuplot commands in
 * cmds (after `reset` and the batch's terminal and style settings; cmds use
 * paths from cli_plots_data).  title becomes the SVG's <title>.  Returns the
 * plot's index, or -1 when out of memory.
 */
int cli_plots_add(cli_plots *p, int width, int height, const char *title, const char *cmds);

/*
 * Run gnuplot once over every registered plot.  Returns 0 when every plot was
 * drawn, -1 otherwise (cli_plots_error says why for each missing one).
 */
int cli_plots_run(cli_plots *p);

/* The SVG of plot i, ready to inline in HTML (ids made unique), or NULL. */
const char *cli_plots_svg(const cli_plots *p, int i);
/* Why plot i is missing. */
const char *cli_plots_error(const cli_plots *p, int i);
/* "GNUPLOT 5.4 patchlevel 4" as the SVGs say, or NULL before a successful run. */
const char *cli_plots_version(const cli_plots *p);

#endif /* MMUSIM_IO_HTML_H */
