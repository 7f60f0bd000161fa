# SPDX-License-Identifier: BSD-3-Clause
# mmusim report in a real browser: headless Chromium (Debian's chromium)
# loads the page from two JSON results, its DOM holds every plot as drawn
# SVG (report_chromium.py), and a screenshot of it is taken.
# Without chromium the test is skipped with a message, unless
# MMUSIM_REQUIRE_CHROMIUM is set: then it fails.  It needs gnuplot for the
# plots (Debian: gnuplot-nox).
. "$(dirname "$0")/lib.inc"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  if [ -n "${MMUSIM_REQUIRE_CHROMIUM-}" ]; then
    bad "chromium is not installed (Debian package chromium) and MMUSIM_REQUIRE_CHROMIUM is set"
  else
    echo "SKIP: chromium is not installed (Debian package chromium); set MMUSIM_REQUIRE_CHROMIUM=1 to make this a failure"
  fi
  finish
  exit $?
fi
if ! command -v gnuplot >/dev/null && [ -z "${MMUSIM_GNUPLOT-}" ]; then
  bad "gnuplot is not installed (Debian package gnuplot-nox): the page would have no plots to check"
  finish
  exit $?
fi

for round in 1 2 3; do
  for p in 1 2 3 4 5 6 7 8 9 a b c; do echo "R ${p}000 8"; echo "W ${p}010 4"; done
done > "$TMP/t.txt"
for e in 8 16; do
  "$MMUSIM" run "$TMP/t.txt" --set walker.mode=fixed --set tlb.l1d.entries=4 --set tlb.l1d.ways=4 --set tlb.stlb.ways=4 \
    --set tlb.stlb.entries=$e --timeline 10 --json "$TMP/s$e.json" --quiet || bad "run stlb.entries=$e"
done
"$MMUSIM" report "$TMP/report.html" "$TMP/s8.json" "$TMP/s16.json" || bad "report"

# Chromium as root needs --no-sandbox; no network, no first-run or background work.
chrome() {
  local profile
  profile=$(mktemp -d "$TMP/profile.XXXXXX")
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --user-data-dir="$profile" --hide-scrollbars "$@" 2>>"$TMP/chromium.err"
}

chrome --dump-dom "file://$TMP/report.html" > "$TMP/dom.html" || bad "chromium --dump-dom failed (see $TMP/chromium.err)"
# 3 plots per result + heatmap, bars and CDFs of the comparison
"$PY" "$SRC/tests/cli/report_chromium.py" "$TMP/dom.html" 9 && ok || bad "plots in the DOM"

chrome --window-size=1200,3000 --screenshot="$TMP/report.png" "file://$TMP/report.html" >/dev/null \
  || bad "chromium --screenshot failed (see $TMP/chromium.err)"
if [ -s "$TMP/report.png" ] && [ "$(head -c 4 "$TMP/report.png" | od -An -c | tr -d ' ')" = "211PNG" ] \
  && [ "$(wc -c < "$TMP/report.png")" -gt 20000 ]; then ok; else bad "no screenshot of the page"; fi

finish
