# SPDX-License-Identifier: BSD-3-Clause
# mmusim report: an HTML page from two JSON results made here from a small
# text trace: the tables' values, a plot (<svg>) for each figure when gnuplot
# is there, a plain note when it is not, identical bytes for identical inputs,
# and clear failures for bad inputs.  Also the latency histogram that the
# report reads from the JSON.
. "$(dirname "$0")/lib.inc"

# 12 pages, read and written 3 times round: a 4-entry L1 misses every time;
# an 8-entry STLB (LRU) misses every time too, a 16-entry one only the first round.
for round in 1 2 3; do
  for p in 1 2 3 4 5 6 7 8 9 a b c; do echo "R ${p}000 8"; echo "W ${p}010 4"; done
done > "$TMP/t.txt"
# the fixed-latency walker: hand-countable outcomes (no OS model)
SMALL=(--set walker.mode=fixed --set tlb.l1d.entries=4 --set tlb.l1d.ways=4 --set tlb.stlb.ways=4)
for e in 8 16; do
  "$MMUSIM" run "$TMP/t.txt" "${SMALL[@]}" --set tlb.stlb.entries=$e --timeline 10 --json "$TMP/s$e.json" --quiet \
    || bad "run stlb.entries=$e"
done
expect_eq "stlb 8 misses" "$(json_get "$TMP/s8.json" 'j["tlb"]["stlb"]["misses"]')" 36
expect_eq "stlb 16 misses" "$(json_get "$TMP/s16.json" 'j["tlb"]["stlb"]["misses"]')" 12

# The histogram in the JSON: non-empty buckets whose counts add up to the count.
for c in all l1_hit walk l2_hit fault; do
  expect_eq "histogram $c adds up" \
    "$(json_get "$TMP/s16.json" "sum(j['latency']['$c']['histogram']['count']) == j['latency']['$c']['count']")" True
done
expect_eq "histogram buckets" "$(json_get "$TMP/s16.json" 'j["latency"]["l2_hit"]["histogram"]')" \
  "{'low': [8], 'high': [8], 'count': [24]}"
expect_eq "empty histogram" "$(json_get "$TMP/s16.json" 'j["latency"]["fault"]["histogram"]["low"]')" "[]"
"$MMUSIM" run "$TMP/t.txt" --quiet --csv "$TMP/runs.csv" || bad "csv run"
grep -q histogram "$TMP/runs.csv" && bad "the CSV row has histogram columns" || ok

HAVE_GNUPLOT=1
if [ -n "${MMUSIM_GNUPLOT-}" ]; then [ -x "$MMUSIM_GNUPLOT" ] || HAVE_GNUPLOT=0
else command -v gnuplot >/dev/null || HAVE_GNUPLOT=0; fi
if [ $HAVE_GNUPLOT = 0 ]; then
  if [ -n "${MMUSIM_REQUIRE_GNUPLOT-}" ]; then bad "gnuplot is not installed (Debian: gnuplot-nox)"
  else echo "SKIP: gnuplot is not installed (Debian: gnuplot-nox): the checks of the plots are left out"; fi
fi

# ---- the page ----
OUT="$TMP/report.html"
"$MMUSIM" report "$OUT" "$TMP/s8.json" "$TMP/s16.json" 2>"$TMP/report.err" || bad "report exit status"
[ -s "$OUT" ] && ok || bad "no report written"
# tables: the STLB rows (level, lookups, hits, misses) of both results, a configuration value
grep -q '<tr><td>stlb</td><td>2</td><td>36</td><td>0</td><td>36</td>' "$OUT" && ok || bad "stlb row of s8"
grep -q '<tr><td>stlb</td><td>2</td><td>36</td><td>24</td><td>12</td>' "$OUT" && ok || bad "stlb row of s16"
grep -q '<tr class="varied"><td>entries</td><td class="val">16</td></tr>' "$OUT" && ok || bad "varied config value"
grep -q '</span>walk</td><td>36</td>' "$OUT" && ok || bad "latency table: walks"
grep -q 'Heatmap of walker.walks over config.tlb.stlb.entries' "$OUT" && ok || bad "heatmap chosen"
grep -q '<html' "$OUT" && grep -q '</html>' "$OUT" && ok || bad "a whole page"
# self-contained: no scripts, no stylesheet links, nothing fetched
grep -Eiq '<script|<link|<img|<iframe|@import|(src|href)="(https?:)?//|url\((https?:)?//' "$OUT" \
  && bad "the page refers to something outside it" || ok
# 3 plots per result (CDF, breakdown, timeline) + 3 in the comparison (heatmap, bars, CDFs)
expect_eq "figures" "$(grep -o '<figure class="plot">' "$OUT" | wc -l)" 9
if [ $HAVE_GNUPLOT = 1 ]; then
  expect_eq "svg plots" "$(grep -o '<svg role="img"' "$OUT" | wc -l)" 9
  grep -q 'Plot missing\|Plots are missing' "$OUT" && bad "plots said missing" || ok
  # same inputs, same bytes (gnuplot's output included)
  "$MMUSIM" report -o "$TMP/again.html" "$TMP/s8.json" "$TMP/s16.json" 2>/dev/null || bad "report again"
  cmp -s "$OUT" "$TMP/again.html" && ok || bad "report is not byte-identical on the same inputs"
  # one result: its three plots, no comparison
  "$MMUSIM" report "$TMP/one.html" "$TMP/s16.json" || bad "report of one result"
  expect_eq "svg plots of one" "$(grep -o '<svg role="img"' "$TMP/one.html" | wc -l)" 3
  grep -q 'id="compare"' "$TMP/one.html" && bad "comparison for one result" || ok
  # the heatmap's metric and axes as options (a path without config. is looked up under config)
  "$MMUSIM" report "$TMP/h.html" "$TMP/s8.json" "$TMP/s16.json" --heatmap tlb_levels.-1.misses \
    --x tlb.stlb.entries --y config.tlb.stlb.ways || bad "report --heatmap"
  grep -q 'Heatmap of tlb_levels.-1.misses over tlb.stlb.entries (x) and config.tlb.stlb.ways (y)' "$TMP/h.html" \
    && ok || bad "heatmap options"
fi

# ---- without gnuplot: the page still comes, and says why it has no plots ----
MMUSIM_GNUPLOT=/nonexistent "$MMUSIM" report "$TMP/nog.html" "$TMP/s8.json" "$TMP/s16.json" 2>"$TMP/nog.err" \
  || bad "report without gnuplot"
grep -q 'Plots are missing:</strong> MMUSIM_GNUPLOT=/nonexistent: No such file or directory' "$TMP/nog.html" \
  && ok || bad "page says plots are missing"
grep -q '<svg' "$TMP/nog.html" && bad "svg without gnuplot" || ok
grep -q '<tr><td>stlb</td><td>2</td><td>36</td><td>24</td><td>12</td>' "$TMP/nog.html" && ok || bad "tables without gnuplot"
grep -q 'warning: the page has no plots' "$TMP/nog.err" && ok || bad "warning on stderr"
PATH=/nonexistent "$MMUSIM" report "$TMP/nog2.html" "$TMP/s8.json" 2>/dev/null || bad "report with no gnuplot in PATH"
grep -q 'gnuplot was not found in PATH' "$TMP/nog2.html" && ok || bad "page says gnuplot is not in PATH"

# ---- the OS model's figures (the default configuration has one) ----
"$MMUSIM" run "$TMP/t.txt" --json "$TMP/os.json" --quiet || bad "run with the OS model"
MINOR=$(json_get "$TMP/os.json" 'j["os"]["faults"]["minor"]')
MMUSIM_GNUPLOT= "$MMUSIM" report "$TMP/os.html" "$TMP/os.json" 2>/dev/null || bad "report of an OS-model run"
grep -q '<h3>Operating system model</h3>' "$TMP/os.html" && ok || bad "OS section"
grep -q "<caption>faults</caption><tr><th>minor</th>.*</tr>" "$TMP/os.html" \
  && grep -A1 "<caption>faults</caption>" "$TMP/os.html" | grep -q "<tr><td>$MINOR</td>" && ok || bad "OS minor faults ($MINOR)"

# ---- bad inputs: the file named, a non-zero exit, the old output left alone ----
echo "old" > "$TMP/keep.html"
echo 'not json at all' > "$TMP/bad.json"
echo '{"schema": "something.else/3", "accesses": 1}' > "$TMP/other.json"
echo '{"accesses": 1}' > "$TMP/noschema.json"
expect_fail "missing input" "$TMP/nope.json: No such file or directory" "$MMUSIM" report "$TMP/keep.html" "$TMP/nope.json"
expect_fail "not JSON" "$TMP/bad.json:1:" "$MMUSIM" report "$TMP/keep.html" "$TMP/s8.json" "$TMP/bad.json"
expect_fail "other schema" "$TMP/other.json: not an mmusim run result: its schema is 'something.else/3'" \
  "$MMUSIM" report "$TMP/keep.html" "$TMP/other.json"
expect_fail "no schema" "$TMP/noschema.json: not an mmusim run result" "$MMUSIM" report "$TMP/keep.html" "$TMP/noschema.json"
expect_fail "directory" "$TMP: is a directory" "$MMUSIM" report "$TMP/keep.html" "$TMP"
expect_fail "no inputs" "no JSON results given" "$MMUSIM" report "$TMP/keep.html"
expect_fail "json as output" "looks like an input" "$MMUSIM" report "$TMP/s8.json" "$TMP/s16.json"
expect_fail "unknown metric" "--heatmap 'tlb.nope.misses' is not in this result" \
  "$MMUSIM" report "$TMP/keep.html" "$TMP/s8.json" "$TMP/s16.json" --heatmap tlb.nope.misses
expect_fail "unwritable output" "$TMP/no/dir/x.html:" "$MMUSIM" report "$TMP/no/dir/x.html" "$TMP/s8.json"
expect_eq "old output kept" "$(cat "$TMP/keep.html")" old
expect_eq "no temporary files left" "$(ls "$TMP" | grep -c '\.tmp\.')" 0

finish
