# mmusim sweep --one-pass: every geometry of one unified LRU TLB array in one
# pass per trace, compared count for count (every column it writes) with the
# same points run separately: a real Lackey trace and a generated trace of
# three ASIDs whose accesses often span two pages; fully associative,
# power-of-two and other set counts, direct-mapped; with and without
# --warmup.  Then what it refuses, with the reason.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

BASE=(--set walker.mode=fixed --set tlb.arrays=u --set tlb.u.page_sizes=4K --set tlb.u.policy=lru)
# sets: 4/1 4, 4/2 2, 4/4 FA; 12/1 12, 12/2 6, 12/4 3; 16/1 16, 16/2 8, 16/4 4, 16/16 FA; 4/16 and 12/16 invalid
GRID=(--vary tlb.u.entries=4,12,16 --vary tlb.u.ways=1,2,4,16)
ln -s "$SRC/traces/mawk.lackey.zst" mawk.lackey.zst
"$MMUSIM" gen mix mix.txt --accesses 200k --procs 3 --quantum 5000 --size 2000 --unit 1000 \
  --write-ratio 0.3 --footprint 300K --quiet || bad "gen mix"

# compare ONEPASS SEPARATE: every column of the one-pass rows, equal in the separate runs' rows
compare() { "$PY" - "$1" "$2" <<'PY'
import csv, sys
op = list(csv.DictReader(open(sys.argv[1])))
full = list(csv.DictReader(open(sys.argv[2])))
key = lambda r: (r["trace.path"], r["config.tlb.u.entries"], r["config.tlb.u.ways"])
fm = {key(r): r for r in full}
bad = 0
for r in op:
    f = fm.get(key(r))
    if f is None:
        print("no separate row for", key(r)); bad += 1; continue
    for k, v in r.items():
        if f.get(k) != v:
            bad += 1
            if bad < 10: print("differs", key(r), k, "one pass", v, "separate", f.get(k))
print("rows", len(op), len(full), "columns", len(op[0]) if op else 0, "bad", bad)
PY
}

"$MMUSIM" sweep mawk.lackey.zst mix.txt "${BASE[@]}" "${GRID[@]}" --out one.csv --one-pass >one.out 2>one.err
expect_eq "one pass: exit status" "$?" 0
grep -q "24 points in one pass over each of 2 traces (LRU stack distances): 20 run, 0 failed, 4 invalid (skipped)" one.out &&
  ok || bad "one-pass summary: $(cat one.out one.err)"
"$MMUSIM" sweep mawk.lackey.zst mix.txt "${BASE[@]}" "${GRID[@]}" --out sep.csv -j 2 --quiet 2>/dev/null || bad "separate runs"
expect_eq "one pass equals separate runs" "$(compare one.csv sep.csv)" "rows 20 20 columns 99 bad 0"
# the counts are not trivial: misses differ between geometries, and pages were crossed
expect_eq "geometries differ" "$("$PY" -c "
import csv
print(len(set(r['tlb.u.misses'] for r in csv.DictReader(open('one.csv')) if r['trace.path']=='mix.txt')))")" 10
[ "$("$PY" -c "
import csv
print(min(int(r['page_crossings']) for r in csv.DictReader(open('one.csv')) if r['trace.path']=='mix.txt'))")" -gt 0 ] &&
  ok || bad "the mix trace crosses pages"
# rows in point order, trace by trace
expect_eq "row order" "$(cut -d, -f1 one.csv | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" \
  "1trace.path 10mawk.lackey.zst 10mix.txt "

# --warmup: counters from access 50000 on
"$MMUSIM" sweep mix.txt "${BASE[@]}" "${GRID[@]}" --warmup 50000 --out onew.csv --one-pass --quiet 2>/dev/null || bad "one pass with warmup"
"$MMUSIM" sweep mix.txt "${BASE[@]}" "${GRID[@]}" --warmup 50000 --out sepw.csv -j 2 --quiet 2>/dev/null || bad "separate with warmup"
expect_eq "one pass equals separate runs after a warm-up" "$(compare onew.csv sepw.csv)" "rows 10 10 columns 99 bad 0"
expect_eq "warm-up counted" "$(head -2 onew.csv | tail -1 | cut -d, -f2,6)" "150000,50000"

# ---- what one pass refuses: not exact, or not its kind of sweep ----
expect_fail "radix" "walker.mode is radix" \
  "$MMUSIM" sweep mix.txt "${BASE[@]}" --set walker.mode=radix "${GRID[@]}" --out r.csv --one-pass
expect_fail "several arrays" "3 TLB arrays" \
  "$MMUSIM" sweep mix.txt --set walker.mode=fixed --set "tlb.arrays=l1i l1d stlb" --vary tlb.stlb.ways=4,8 --out r.csv --one-pass
expect_fail "plru" "policy is plru: stack distances hold for LRU only" \
  "$MMUSIM" sweep mix.txt "${BASE[@]}" --set tlb.u.policy=plru "${GRID[@]}" --out r.csv --one-pass
expect_fail "two page sizes" "page_sizes must be exactly walker.page_size" \
  "$MMUSIM" sweep mix.txt "${BASE[@]}" --set "tlb.u.page_sizes=4K 2M" "${GRID[@]}" --out r.csv --one-pass
expect_fail "other key" "--vary mmu.seed: one pass varies only tlb.u.entries and tlb.u.ways" \
  "$MMUSIM" sweep mix.txt "${BASE[@]}" --vary mmu.seed=1,2 --out r.csv --one-pass
expect_fail "resume" "no --resume" "$MMUSIM" sweep mix.txt "${BASE[@]}" "${GRID[@]}" --out r.csv --one-pass --resume
expect_fail "existing output" "exists; --one-pass writes it whole" \
  "$MMUSIM" sweep mix.txt "${BASE[@]}" "${GRID[@]}" --out one.csv --one-pass
[ ! -e r.csv ] && ok || bad "a refused one-pass sweep wrote its output"
printf 'R 1000 8\nR 10zz 8\n' > broken.txt
expect_fail "bad trace" "broken.txt:2" "$MMUSIM" sweep broken.txt "${BASE[@]}" "${GRID[@]}" --out r.csv --one-pass
[ ! -e r.csv ] && ok || bad "a failed one-pass sweep left its output"
"$MMUSIM" sweep --help | grep -q -- "--one-pass" && ok || bad "--help explains --one-pass"

finish
