/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * page.c - `mmusim report`: the page: CSS, assembly, plots filled in, atomic write.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmusim/io/stream.h"
#include "report_internal.h"

/* ---- the page ---- */

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;color:#222;"
    "margin:0;background:#eef0f3}\n"
    "main{max-width:1060px;margin:0 auto;padding:12px 28px 40px;background:#fff;min-height:100vh}\n"
    "h1{font-size:24px;margin:10px 0 2px}\n"
    "h2{font-size:20px;border-bottom:2px solid #3b6ea5;padding-bottom:3px;margin:36px 0 6px}\n"
    "h3{font-size:15px;margin:22px 0 6px;color:#3b6ea5}\n"
    "table{border-collapse:collapse;margin:6px 0 12px;font-size:13px;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:3px 9px;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}\n"
    "th{background:#eef2f7;font-weight:600}\n"
    "td:first-child,th:first-child,td.l,th.l{text-align:left}\n"
    "tr.zero td{color:#9a9a9a}\n"
    "caption{text-align:left;font-weight:600;padding:2px 0 4px;color:#444}\n"
    ".wide{overflow-x:auto}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:10px 0}\n"
    ".card{background:#f2f5f9;border-radius:6px;padding:6px 10px}\n"
    ".card .v{font-size:18px;font-weight:600;font-variant-numeric:tabular-nums}\n"
    ".card .k{font-size:12px;color:#555}\n"
    ".cfg{display:flex;flex-wrap:wrap;gap:0 22px;align-items:flex-start}\n"
    ".cfg td.val{text-align:left}\n"
    ".varied,tr.varied td{background:#fff3bf}\n"
    "figure.plot{margin:12px 0 16px}\n"
    "figure.plot svg{max-width:100%;height:auto;display:block;border:1px solid #e3e6ea}\n"
    "figcaption{font-size:13px;font-weight:600;color:#444;margin-bottom:4px}\n"
    ".notice{background:#fff4e5;border:1px solid #f0a040;border-radius:6px;padding:10px 14px;margin:12px 0}\n"
    ".missing{background:#fdecea;border:1px dashed #d9534f;border-radius:4px;padding:8px 12px;color:#8a1f1a;"
    "margin:0}\n"
    ".note,.meta,.path{color:#555;font-size:13px;margin:4px 0}\n"
    ".path{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;word-break:break-all}\n"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}\n"
    "code{background:#f1f3f5;padding:0 3px;border-radius:3px;font-size:12.5px}\n"
    "nav ol{margin:4px 0;padding-left:24px}\n"
    "footer{margin-top:40px;color:#777;font-size:12px;border-top:1px solid #e3e6ea;padding-top:8px}\n";

void build_page(rep *r){
    mmusim_buf *b = &r->page;
    const char *title = r->title ? r->title : "mmusim report";
    mmusim_buf_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    mmusim_buf_html(b, title);
    mmusim_buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<h1>", css);
    mmusim_buf_html(b, title);
    mmusim_buf_printf(b, "</h1>\n<p class=\"meta\">%d result%s of <code>mmusim run</code>.</p>\n", r->n,
                  r->n == 1 ? "" : "s");
    mmusim_buf_str(b, MARK_S "N" MARK_S);
    if (r->n > 1) {
        mmusim_buf_str(b, "<nav><p><a href=\"#compare\">Comparison</a> of the results:</p><ol>\n");
        for (int i = 0; i < r->n; i++) {
            mmusim_buf_printf(b, "<li><a href=\"#r%d\">", i + 1);
            mmusim_buf_html(b, r->in[i].name);
            mmusim_buf_str(b, "</a>");
            if (r->nvaried) {
                mmusim_buf_str(b, " — ");
                mmusim_buf_html(b, r->in[i].label);
            }
            mmusim_buf_str(b, "</li>\n");
        }
        mmusim_buf_str(b, "</ol></nav>\n");
        comparison(r);
    }
    for (int i = 0; i < r->n; i++)
        result_section(r, i);
    mmusim_buf_str(b, "<footer>Made by <code>mmusim report</code> (mmusim " MMUSIM_VERSION_STRING ")" MARK_S "V" MARK_S
                  ". Self-contained: no scripts, nothing fetched.</footer>\n</main>\n</body>\n</html>\n");
}

/* The page with its marks replaced by the plots, the notice and the version. */
int finish_page(rep *r, mmusim_buf *out){
    const char *unavail = cli_plots_unavailable(r->plots);
    int failed = unavail ? 0 : cli_plots_run(r->plots) != 0;
    if (failed) {
        /* gnuplot ran but some plots are missing: say so on the terminal too */
        fprintf(stderr, "mmusim report: warning: some plots are missing: %s\n", cli_plots_error(r->plots, 0));
    }
    const char *p = r->page.p;
    while (*p) {
        const char *m = strchr(p, MARK);
        if (!m) {
            mmusim_buf_str(out, p);
            break;
        }
        mmusim_buf_add(out, p, (size_t)(m - p));
        const char *end = strchr(m + 1, MARK);
        if (!end)
            return -1;
        if (m[1] == 'P') {
            int id = atoi(m + 2);
            const char *svg = cli_plots_svg(r->plots, id);
            if (svg) {
                mmusim_buf_str(out, svg);
            } else {
                mmusim_buf_str(out, "<p class=\"missing\">Plot missing: ");
                mmusim_buf_html(out, unavail ? unavail : cli_plots_error(r->plots, id));
                mmusim_buf_str(out, ".</p>");
            }
        } else if (m[1] == 'N') {
            if (unavail) {
                mmusim_buf_str(out, "<div class=\"notice\" id=\"plots-missing\"><strong>Plots are missing:</strong> ");
                mmusim_buf_html(out, unavail);
                mmusim_buf_str(out, ". The tables are complete. To draw the plots, install gnuplot (on Debian: "
                                "<code>apt-get install gnuplot-nox</code>), or point <code>MMUSIM_GNUPLOT</code> "
                                "at it, and run <code>mmusim report</code> again.</div>\n");
            } else if (failed) {
                mmusim_buf_str(out, "<div class=\"notice\" id=\"plots-missing\"><strong>Some plots are missing:"
                                "</strong> ");
                mmusim_buf_html(out, cli_plots_error(r->plots, 0));
                mmusim_buf_str(out, ".</div>\n");
            }
        } else if (m[1] == 'V') {
            const char *v = cli_plots_version(r->plots);
            if (v) {
                mmusim_buf_str(out, "; plots drawn by ");
                mmusim_buf_html(out, v);
            } else {
                mmusim_buf_str(out, "; no plots");
            }
        }
        p = end + 1;
    }
    if (unavail)
        fprintf(stderr, "mmusim report: warning: the page has no plots: %s\n", unavail);
    return out->oom ? -1 : 0;
}

int write_atomic(const char *path, const mmusim_buf *b)
{
    char err[1024];
    mmusim_ofile *of;
    if (mmusim_ofile_open(path, &of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim report: %s\n", err);
        return -1;
    }
    const char *p = b->p;
    size_t n = b->n;
    while (n) {
        ssize_t w = write(mmusim_ofile_fd(of), p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "mmusim report: %s: write error: %s\n", path, w < 0 ? strerror(errno) : "short write");
            mmusim_ofile_abort(of);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    if (mmusim_ofile_commit(of, err, sizeof err) != 0) {
        fprintf(stderr, "mmusim report: %s\n", err);
        return -1;
    }
    return 0;
}
