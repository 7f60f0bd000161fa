# SPDX-License-Identifier: BSD-3-Clause
# mmusim sweep in one pass (the default where it is exact) against the same
# sweep with --no-one-pass (every point its own mmusim run, -j 1 so rows come
# in point order): the output files must be byte-identical.  Real Lackey
# traces and a generated three-ASID trace that crosses pages; one unified
# array (fully associative, direct-mapped, power-of-two and other set
# counts), an L2 behind fixed L1s, three levels; timing that feeds back
# (max_outstanding 1, issue_interval 0), a trace with its own cycles,
# --warmup; mixed sweeps, --resume and --shard; then what --one-pass refuses.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

for t in mawk xz gzip; do ln -s "$SRC/traces/$t.lackey.zst" $t.lackey.zst; done
"$MMUSIM" gen mix mix.txt --accesses 200k --procs 3 --quantum 5000 --size 2000 --unit 1000 \
  --write-ratio 0.3 --footprint 300K --quiet || bad "gen mix"
# the same accesses, the 60000th to the 60010th with issue cycles of their own, not always increasing
# (after them the core waits for accesses issued before them)
awk '/^[RWX]/ && NR >= 60000 && NR <= 60010 { c += (NR % 7 == 0) ? -3 : 2; if (c < 0) c = 0; print $0, "cycle=" c; next } { print }' \
  mix.txt > cyc.txt

# same NAME ARGS...: the sweep in one pass (which it must say) and with --no-one-pass, byte for byte
same() {
  local name=$1
  shift
  rm -f one.csv sep.csv
  "$MMUSIM" sweep "$@" --out one.csv -j 1 >one.out 2>one.err || bad "$name: one-pass sweep failed: $(cat one.err)"
  "$MMUSIM" sweep "$@" --out sep.csv --no-one-pass -j 1 >sep.out 2>sep.err || bad "$name: separate runs failed"
  grep -q "in one pass" one.out && ok || bad "$name: no one pass: $(cat one.out)"
  grep -q "in one pass" sep.out && bad "$name: --no-one-pass made one pass" || ok
  [ "$(wc -l < one.csv)" -gt 2 ] && ok || bad "$name: too few rows"
  if cmp -s one.csv sep.csv; then ok; else
    bad "$name: one pass differs from separate runs"
    "$PY" - one.csv sep.csv <<'PY'
import csv, sys
a = list(csv.DictReader(open(sys.argv[1]))); b = list(csv.DictReader(open(sys.argv[2])))
print("rows", len(a), len(b))
for i, (x, y) in enumerate(zip(a, b)):
    for k in x:
        if x[k] != y.get(k):
            print("row", i + 1, k, "one pass", x[k], "separate", y.get(k))
PY
  fi
}

U=(--set walker.mode=fixed --set tlb.arrays=u --set tlb.u.page_sizes=4K --set tlb.u.policy=lru)
# sets: 4/4 FA; 12/1 12 and 12/4 3 (not powers of two); 16/1 16 (direct-mapped), 16/16 FA;
# 64/4 16; 96/16 6; 96/1 96 (4/16, 12/16 invalid)
GRID=(--vary tlb.u.entries=4,12,16,64,96 --vary tlb.u.ways=1,4,16)
same "unified array, real traces" mawk.lackey.zst xz.lackey.zst "${U[@]}" "${GRID[@]}"
expect_eq "summary" "$(head -2 one.out)" "sweep: 30 points: 26 run, 0 failed, 4 invalid (skipped); rows in one.csv
sweep: 26 of them in one pass (2 passes over the traces: LRU stack distances), 0 as separate runs"
# the counts are not trivial: misses differ between geometries
expect_eq "geometries differ" "$("$PY" -c "
import csv
print(len(set(r['tlb.u.misses'] for r in csv.DictReader(open('one.csv')) if r['trace.path']=='xz.lackey.zst')))")" 13

# passes over several traces run in parallel with -j (rows of each pass together, passes in any order)
rm -f par.csv
"$MMUSIM" sweep mawk.lackey.zst xz.lackey.zst gzip.lackey.zst "${U[@]}" "${GRID[@]}" -j 3 --out par.csv >par.out 2>/dev/null ||
  bad "parallel passes"
grep -q "sweep: 39 of them in one pass (3 passes over the traces" par.out && ok || bad "parallel passes: $(cat par.out)"
cp one.csv two.csv
"$MMUSIM" sweep gzip.lackey.zst "${U[@]}" "${GRID[@]}" -j 1 --out three.csv --quiet 2>/dev/null || bad "gzip pass"
"$MMUSIM" merge mp.csv par.csv && "$MMUSIM" merge m3.csv two.csv three.csv && cmp -s mp.csv m3.csv && ok ||
  bad "parallel passes differ from passes one after the other"
expect_eq "each pass's rows together" "$(tail -n +2 par.csv | cut -d, -f3 | uniq | wc -l)" 3

same "unified array, three ASIDs crossing pages, warm-up" mix.txt "${U[@]}" "${GRID[@]}" --warmup 50000
[ "$("$PY" -c "
import csv
print(min(int(r['page_crossings']) for r in csv.DictReader(open('one.csv'))))")" -gt 0 ] && ok || bad "the mix trace crosses pages"
same "timing that feeds back" mix.txt "${U[@]}" --set core.issue_interval=0 --vary tlb.u.entries=12,64 \
  --vary tlb.u.ways=1,4 --vary core.max_outstanding=1,3 --vary walker.latency=5,200 --vary tlb.u.latency=1,4
same "a trace with its own cycles" cyc.txt "${U[@]}" --vary tlb.u.entries=12,64 --vary tlb.u.ways=1,4 \
  --vary walker.latency=30,50
expect_eq "cycles in the trace" "$(cut -d, -f6 one.csv | sort -u | tr '\n' ' ')" "trace.has_cycles true "
same "own cycles after the warm-up" cyc.txt "${U[@]}" --vary tlb.u.entries=12,64 --vary tlb.u.ways=1,4 --warmup 50000
same "own cycles, a limit that binds" cyc.txt "${U[@]}" --vary tlb.u.entries=12,64 --vary tlb.u.ways=1,4 \
  --vary core.max_outstanding=1,64

# an L2 behind fixed level-1 arrays (split by side, one for 2M pages; one of them PLRU), non-inclusive
L2=(--set walker.mode=fixed --set tlb.l1d.policy=plru)
same "L2 behind fixed L1s, real trace" gzip.lackey.zst "${L2[@]}" --vary tlb.stlb.entries=64,96,1536 \
  --vary tlb.stlb.ways=4,6,12 --vary walker.latency=20,90
same "L2, warm-up, timing" mawk.lackey.zst "${L2[@]}" --set core.max_outstanding=2 --warmup 300000 \
  --vary tlb.stlb.entries=32,48 --vary tlb.stlb.ways=2,8,16 --vary tlb.l1i.latency=1,2
same "three levels" mix.txt --set walker.mode=fixed --set "tlb.arrays=a b c" --set tlb.a.entries=8 \
  --set tlb.a.ways=2 --set tlb.b.level=2 --set tlb.b.entries=24 --set tlb.b.ways=3 --set tlb.b.policy=fifo \
  --set tlb.c.level=3 --vary tlb.c.entries=32,48,256 --vary tlb.c.ways=1,4,16

# ---- a sweep of which only some points are exact in one pass: those in one pass, the others separately ----
rm -f mixed.csv mixsep.csv
"$MMUSIM" sweep mix.txt "${U[@]}" --vary tlb.u.policy=lru,plru --vary tlb.u.entries=12,16 --out mixed.csv >mixed.out 2>&1 ||
  bad "mixed sweep"
grep -q "sweep: 2 of them in one pass (1 pass over the trace: LRU stack distances), 2 as separate runs" mixed.out &&
  ok || bad "mixed summary: $(cat mixed.out)"
"$MMUSIM" sweep mix.txt "${U[@]}" --vary tlb.u.policy=lru,plru --vary tlb.u.entries=12,16 --out mixsep.csv \
  --no-one-pass -j 1 >/dev/null 2>&1 || bad "mixed, separately"
"$MMUSIM" merge m1.csv mixed.csv && "$MMUSIM" merge m2.csv mixsep.csv && cmp -s m1.csv m2.csv && ok ||
  bad "mixed sweep: merged rows differ from separate runs"
# --dry-run shows the passes
"$MMUSIM" sweep mix.txt "${U[@]}" --vary tlb.u.policy=lru,plru --vary tlb.u.entries=12,16 --out dry.csv --dry-run >dry.out ||
  bad "dry run"
expect_eq "dry run: the pass" "$(grep '^one-pass' dry.out)" "$(printf 'one-pass\tmix.txt\tpoints 1 2')"
expect_eq "dry run: the points" "$(grep -c "$(printf '\ttodo\t')" dry.out)" 4
[ ! -e dry.csv ] && ok || bad "a dry run wrote its output"
# a point alone in its pass group runs separately (no gain)
"$MMUSIM" sweep mix.txt "${U[@]}" --set tlb.u.entries=12 --out single.csv >single.out 2>&1 || bad "single point"
grep -q "in one pass" single.out && bad "a single point made a pass" || ok

# ---- --resume and --shard with one pass ----
same "whole" mawk.lackey.zst "${U[@]}" "${GRID[@]}"
cp one.csv whole.csv
{ head -1 whole.csv; sed -n '2,5p;9,12p' whole.csv; } > res.csv
"$MMUSIM" sweep mawk.lackey.zst "${U[@]}" "${GRID[@]}" --out res.csv --resume >res.out 2>/dev/null || bad "resume"
grep -q "5 run, 0 failed, 8 done before" res.out && grep -q "5 of them in one pass" res.out && ok ||
  bad "resume summary: $(cat res.out)"
expect_eq "resumed rows" "$(tail -n +2 res.csv | sort)" "$(tail -n +2 whole.csv | sort)"
rm -f s1.csv s2.csv
"$MMUSIM" sweep mawk.lackey.zst "${U[@]}" "${GRID[@]}" --shard 1/2 --out s1.csv --quiet 2>/dev/null || bad "shard 1"
"$MMUSIM" sweep mawk.lackey.zst "${U[@]}" "${GRID[@]}" --shard 2/2 --out s2.csv --quiet 2>/dev/null || bad "shard 2"
"$MMUSIM" merge ms.csv s1.csv s2.csv && "$MMUSIM" merge mw.csv whole.csv && cmp -s ms.csv mw.csv && ok ||
  bad "merged shards differ from the whole sweep"

# ---- SIGINT while a pass waits for its trace (a FIFO): no row, its points not run; --resume runs them ----
rm -f fifo int.csv
mkfifo fifo
"$MMUSIM" sweep fifo "${U[@]}" --vary tlb.u.ways=1,2 --out int.csv >int.out 2>int.err &
pid=$!
for _ in $(seq 1 100); do [ "$(cat /proc/$pid/wchan 2>/dev/null)" = wait_for_partner ] && break; sleep 0.05; done
kill -INT $pid
wait $pid
expect_eq "interrupted pass: exit status" "$?" 130
grep -q "0 run, 0 failed, 2 not run" int.out && ok || bad "interrupted pass: $(cat int.out int.err)"
[ ! -s int.csv ] && ok || bad "an interrupted pass wrote rows"
"$MMUSIM" sweep fifo "${U[@]}" --vary tlb.u.ways=1,2 --out int.csv --resume >int.out 2>&1 &
pid=$!
timeout 10 bash -c 'printf "R 1000 8\nR 2000 8\n" > fifo' || bad "the resumed pass did not read its trace"
wait $pid
expect_eq "resumed pass" "$?" 0
grep -q "2 of them in one pass" int.out && [ "$(wc -l < int.csv)" = 3 ] && ok || bad "resumed pass: $(cat int.out)"

# the same with two passes in parallel (child processes): SIGTERM stops both, no row
rm -f fa fb term.csv
mkfifo fa fb
"$MMUSIM" sweep fa fb "${U[@]}" --vary tlb.u.ways=1,2 -j 2 --out term.csv >term.out 2>term.err &
pid=$!
waiting() { local n=0 c; for c in $(pgrep -P $pid); do [ "$(cat /proc/$c/wchan 2>/dev/null)" = wait_for_partner ] && n=$((n + 1)); done; echo $n; }
for _ in $(seq 1 100); do [ "$(waiting)" = 2 ] && break; sleep 0.05; done
kids=$(pgrep -P $pid)
kill -TERM $pid
wait $pid
expect_eq "stopped parallel passes: exit status" "$?" 143
grep -q "0 run, 0 failed, 4 not run" term.out && ok || bad "stopped parallel passes: $(cat term.out term.err)"
[ ! -s term.csv ] && ok || bad "stopped parallel passes wrote rows"
alive=0
for k in $kids; do kill -0 "$k" 2>/dev/null && alive=1; done
expect_eq "no pass outlives the sweep" "$alive $(echo $kids | wc -w)" "0 2"

# ---- not exact: the default runs the points separately; --one-pass refuses, naming the point and why ----
rm -f r.csv
"$MMUSIM" sweep mix.txt "${U[@]}" --set walker.mode=radix --vary tlb.u.entries=12,16 --out r.csv >r.out 2>&1 ||
  bad "radix sweep"
grep -q "in one pass" r.out && bad "a radix sweep made a pass" || ok
rm -f r.csv
expect_fail "radix" "point 1 (mix.txt tlb.u.entries=12) is not exact in one pass: walker.mode is radix" \
  "$MMUSIM" sweep mix.txt "${U[@]}" --set walker.mode=radix --vary tlb.u.entries=12,16 --out r.csv --one-pass
expect_fail "plru" "policy is plru: stack distances hold for LRU only" \
  "$MMUSIM" sweep mix.txt "${U[@]}" --set tlb.u.policy=plru "${GRID[@]}" --out r.csv --one-pass
expect_fail "page size not held" "tlb.u.page_sizes must hold walker.page_size (4K)" \
  "$MMUSIM" sweep mix.txt "${U[@]}" --set "tlb.u.page_sizes=2M" "${GRID[@]}" --out r.csv --one-pass
expect_fail "inclusive" "tlb.fill is inclusive" \
  "$MMUSIM" sweep mix.txt --set walker.mode=fixed --set tlb.fill=inclusive --vary tlb.stlb.ways=4,12 --out r.csv --one-pass
expect_fail "exclusive" "tlb.fill is exclusive" \
  "$MMUSIM" sweep mix.txt --set walker.mode=fixed --set tlb.fill=exclusive --vary tlb.stlb.ways=4,12 --out r.csv --one-pass
expect_fail "two arrays at the last level" "tlb.l1i and tlb.l1d are both at the last level (1)" \
  "$MMUSIM" sweep mix.txt --set walker.mode=fixed --set "tlb.arrays=l1i l1d" --vary tlb.l1d.ways=2,4 --out r.csv --one-pass
expect_fail "one-sided last level" "serves one side only" \
  "$MMUSIM" sweep mix.txt --set walker.mode=fixed --set "tlb.arrays=l1i l1d stlb" --set tlb.stlb.side=d \
  --vary tlb.stlb.ways=4,12 --out r.csv --one-pass
expect_fail "json" "--one-pass: one pass writes CSV rows only: no --json" \
  "$MMUSIM" sweep mix.txt "${U[@]}" "${GRID[@]}" --json jd --out r.csv --one-pass
[ ! -e r.csv ] && ok || bad "a refused one-pass sweep wrote its output"
printf 'R 1000 8\nR 10zz 8\n' > broken.txt
"$MMUSIM" sweep broken.txt "${U[@]}" "${GRID[@]}" --out r.csv >/dev/null 2>b.err
expect_eq "bad trace: exit status" "$?" 1
grep -q "broken.txt:2" b.err && ok || bad "bad trace message: $(cat b.err)"
[ ! -s r.csv ] && ok || bad "a failed pass wrote rows"
"$MMUSIM" sweep --help | grep -q -- "--no-one-pass" && ok || bad "--help explains --no-one-pass"

finish
