# SPDX-License-Identifier: BSD-3-Clause
# mmusim run on small traces with hand-counted results, in each input format
# and compression, and the configuration round trip through config --dump.
. "$(dirname "$0")/lib.inc"

# One unified 4-entry fully associative LRU TLB, from the command line alone.
UTLB=(--set tlb.arrays=u --set tlb.u.entries=4 --set tlb.u.ways=4 --set tlb.u.policy=lru)

# pages: 1 2 1 3 4 5 1(miss: 1 was LRU? see below) ...
cat > "$TMP/t.txt" <<'T'
# hand-counted: 4-entry FA LRU, 4K pages
R 1000 8          # page 1: miss
W 0x2000 4        # page 2: miss
R 1ff8 8          # page 1: hit
X 3000 4          # page 3: miss
R 4000            # page 4: miss      (resident 1 2 3 4, LRU order 2 1 3 4)
R 5000 8          # page 5: miss, evicts 2
R 2000 8          # page 2: miss, evicts 1
R 1ffc 8          # spans pages 1 and 2: page 1 miss (evicts 3), page 2 hit
T
"$MMUSIM" run "$TMP/t.txt" "${UTLB[@]}" --json "$TMP/t.json" >"$TMP/t.out" || bad "run text trace"
expect_eq "text accesses" "$(json_get "$TMP/t.json" 'j["accesses"]')" 8
expect_eq "text translations" "$(json_get "$TMP/t.json" 'j["translations"]')" 9
expect_eq "text lookups" "$(json_get "$TMP/t.json" 'j["tlb"]["u"]["lookups"]')" 9
expect_eq "text hits" "$(json_get "$TMP/t.json" 'j["tlb"]["u"]["hits"]')" 2
expect_eq "text misses" "$(json_get "$TMP/t.json" 'j["tlb"]["u"]["misses"]')" 7
expect_eq "text evictions" "$(json_get "$TMP/t.json" 'j["tlb"]["u"]["evictions"]')" 3
expect_eq "text fetches" "$(json_get "$TMP/t.json" 'j["translations_by_type"]["fetch"]')" 1
expect_eq "text schema" "$(json_get "$TMP/t.json" 'j["schema"]')" "mmusim.run/1"
grep -q "translations   9" "$TMP/t.out" || bad "summary names the translations"

# The same accesses as a Lackey trace (M is one write), plain and compressed.
cat > "$TMP/t.lackey" <<'T'
==123== Lackey, an example Valgrind tool
 L 00001000,8
 S 00002000,4
 M 00001ff8,8
I  00003000,4
 L 00004000,1
 L 00005000,8
 L 00002000,8
 L 00001ffc,8
==123== done
T
for comp in none zstd gzip xz; do
  f="$TMP/t.lackey"
  case $comp in
    zstd) zstd -q -f "$TMP/t.lackey" -o "$TMP/t.lk.zst"; f="$TMP/t.lk.zst" ;;
    gzip) gzip -c "$TMP/t.lackey" > "$TMP/t.lk.bin"; f="$TMP/t.lk.bin" ;;  # no .gz name: detected by magic
    xz) xz -c "$TMP/t.lackey" > "$TMP/t.lk.xz"; f="$TMP/t.lk.xz" ;;
  esac
  "$MMUSIM" run "$f" "${UTLB[@]}" --json "$TMP/l.json" --quiet || bad "run lackey $comp"
  expect_eq "lackey $comp misses" "$(json_get "$TMP/l.json" 'j["tlb"]["u"]["misses"]')" 7
  expect_eq "lackey $comp hits" "$(json_get "$TMP/l.json" 'j["tlb"]["u"]["hits"]')" 2
  expect_eq "lackey $comp writes" "$(json_get "$TMP/l.json" 'j["translations_by_type"]["write"]')" 2
  expect_eq "lackey $comp instructions" "$(json_get "$TMP/l.json" 'j["instructions"]')" 1
  expect_eq "lackey $comp compression" "$(json_get "$TMP/l.json" 'j["trace"]["compression"]')" "$comp"
done

# Same input and seed: byte-identical output (random replacement).
"$MMUSIM" run "$TMP/t.lackey" --set tlb.stlb.policy=random --json "$TMP/r1.json" >"$TMP/r1.out"
"$MMUSIM" run "$TMP/t.lackey" --set tlb.stlb.policy=random --json "$TMP/r2.json" >"$TMP/r2.out"
cmp -s "$TMP/r1.json" "$TMP/r2.json" && cmp -s "$TMP/r1.out" "$TMP/r2.out" && ok || bad "identical outputs"

# Reading on a second thread (the default) gives what reading on one gives, to the byte.
"$MMUSIM" run "$SRC/traces/sort.lackey.zst" --quiet --json "$TMP/thr.json" || bad "threaded run"
MMUSIM_NO_THREADS=1 "$MMUSIM" run "$SRC/traces/sort.lackey.zst" --quiet --json "$TMP/nothr.json" || bad "unthreaded run"
cmp -s "$TMP/thr.json" "$TMP/nothr.json" && ok || bad "threaded and unthreaded results differ"

# config --dump reads back to the same configuration.
"$MMUSIM" config --dump --set tlb.stlb.entries=2048 --set tlb.stlb.ways=16 --set mmu.seed=9 > "$TMP/c1.ini" || bad "dump"
"$MMUSIM" config --dump --config "$TMP/c1.ini" > "$TMP/c2.ini" || bad "dump of dump"
cmp -s "$TMP/c1.ini" "$TMP/c2.ini" && ok || bad "config round trip"
grep -q "^entries = 2048" "$TMP/c1.ini" && ok || bad "dump shows the override"

# Warm-up: counters cleared after N accesses.
"$MMUSIM" run "$TMP/t.txt" "${UTLB[@]}" --warmup 5 --json "$TMP/w.json" --quiet || bad "warmup run"
expect_eq "warmup accesses" "$(json_get "$TMP/w.json" 'j["accesses"]')" 3
expect_eq "warmup misses" "$(json_get "$TMP/w.json" 'j["tlb"]["u"]["misses"]')" 3

# CSV: one row per run, the header once; per-access CSV: a line per translation; timeline windows.
rm -f "$TMP/runs.csv"
"$MMUSIM" run "$TMP/t.txt" "${UTLB[@]}" --set walker.mode=fixed --quiet --csv "$TMP/runs.csv" --per-access "$TMP/pa.csv" --timeline 3 --json "$TMP/tl.json" || bad "csv run"
"$MMUSIM" run "$TMP/t.txt" "${UTLB[@]}" --set walker.mode=fixed --quiet --csv "$TMP/runs.csv" || bad "csv run 2"
expect_eq "csv lines" "$(wc -l < "$TMP/runs.csv")" 3
expect_eq "csv misses column" "$("$PY" -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(r[1]['tlb.u.misses'])" "$TMP/runs.csv")" 7
expect_eq "per-access lines" "$(wc -l < "$TMP/pa.csv")" 10
expect_eq "per-access crossing" "$(sed -n 10p "$TMP/pa.csv" | cut -d, -f4,8)" "0x2000,tlb"
expect_eq "timeline windows" "$(json_get "$TMP/tl.json" 'j["timeline"]["accesses"]')" "[3, 3, 2]"
expect_eq "timeline walks" "$(json_get "$TMP/tl.json" 'sum(j["timeline"]["walks"])')" 7
"$MMUSIM" run "$TMP/t.txt" --quiet --csv "$TMP/runs.csv" 2>"$TMP/csv.err" && bad "csv with other columns accepted" || ok
grep -q "columns differ" "$TMP/csv.err" && ok || bad "csv column mismatch message"

finish
