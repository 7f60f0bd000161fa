# SPDX-License-Identifier: BSD-3-Clause
"""Check the DOM of an mmusim report as headless Chromium built it.

usage: python3 report_chromium.py DOM.html EXPECTED_PLOTS

Each <figure class="plot"> must hold an <svg> with drawn content (paths and
text); the page must have its title and its tables.  Prints one line per
failed check and exits 1 if any failed.
"""
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack = []
        self.figures = []  # per figure: counts of svg, path, text elements
        self.fig = None
        self.tables = 0
        self.title = ""
        self.in_title = False
        self.missing = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "plot" in (a.get("class") or "").split():
            self.fig = {"svg": 0, "path": 0, "text": 0, "depth": len(self.stack)}
            self.figures.append(self.fig)
        elif self.fig is not None and tag in ("svg", "path", "text"):
            self.fig[tag] += 1
        if tag == "table":
            self.tables += 1
        if tag == "title" and not self.stack[-1:] == ["svg"] and self.fig is None:
            self.in_title = True
        if tag == "p" and "missing" in (a.get("class") or "").split():
            self.missing += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack:
            t = self.stack.pop()
            if t == tag:
                break
        if tag == "figure" and self.fig is not None and len(self.stack) <= self.fig["depth"]:
            self.fig = None
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def main():
    dom = Dom()
    with open(sys.argv[1], encoding="utf-8") as f:
        dom.feed(f.read())
    want = int(sys.argv[2])
    errors = []
    if "mmusim report" not in dom.title:
        errors.append("page title is %r" % dom.title)
    if dom.tables < 5:
        errors.append("only %d tables in the DOM" % dom.tables)
    if len(dom.figures) != want:
        errors.append("%d plot figures in the DOM, expected %d" % (len(dom.figures), want))
    for i, f in enumerate(dom.figures):
        if f["svg"] < 1 or f["path"] < 5 or f["text"] < 5:
            errors.append("figure %d has no drawn plot (svg %d, path %d, text %d)" % (i, f["svg"], f["path"], f["text"]))
    if dom.missing:
        errors.append("%d plots are said to be missing" % dom.missing)
    for e in errors:
        print("FAIL: chromium DOM: " + e)
    print("chromium DOM: %d figures with plots, %d tables" % (len(dom.figures), dom.tables))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
