# SPDX-License-Identifier: BSD-3-Clause
# mmusim sweep and mmusim merge: the grid, its rows against single runs,
# parallel runs, --resume, --shard with merge, invalid and failing points,
# bad command lines, and an interrupted sweep.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

# One unified array; the grid varies its entries and ways.
BASE=(--set tlb.arrays=u --set tlb.u.entries=4 --set tlb.u.ways=4 --set tlb.u.policy=lru)
GRID=(--vary tlb.u.entries=2,4,8 --vary tlb.u.ways=1,2,4)
cat > t.txt <<'T'
R 1000 8
W 0x2000 4
R 1ff8 8
X 3000 4
R 4000
R 5000 8
R 2000 8
R 1ffc 8
R 9000 8
R 1000 8
R 3000 8
R 11000 8
T
printf 'R 7000 8\nR 8000 8\nR 7000 8\nR f000 8\n' > u.txt

# csv_col FILE COLUMN: the column's values, one a line, in file order
csv_col() { "$PY" -c "
import csv,sys
for r in csv.DictReader(open(sys.argv[1])): print(r[sys.argv[2]])" "$1" "$2"; }
# rows FILE: the data rows, sorted (for comparing files whose rows came in another order)
rows() { tail -n +2 "$1" | sort; }

# ---- the grid: 2 traces x 3 x 3 = 18 points, 2 invalid (entries 2 with 4 ways) ----
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" -j 1 --out full.csv >full.out 2>full.err
rc=$?
expect_eq "grid exit status" "$rc" 0
expect_eq "grid rows" "$(($(wc -l < full.csv) - 1))" 16
expect_eq "invalid points named" "$(grep -c 'invalid configuration: tlb.u.ways (4) is more than tlb.u.entries (2); skipped' full.err)" 2
grep -q "point 3 (t.txt tlb.u.entries=2 tlb.u.ways=4)" full.err && ok || bad "invalid point named by trace and values"
grep -q "16 run, 0 failed, 2 invalid (skipped)" full.out && ok || bad "summary line: $(cat full.out)"
expect_eq "trace paths" "$(csv_col full.csv trace.path | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" "8t.txt 8u.txt "
expect_eq "varied values" "$(csv_col full.csv config.tlb.u.entries | sort -n | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')" \
  "4x2 6x4 6x8 "
# every row against a single run of the same point
"$PY" - full.csv "$MMUSIM" <<'PY' > check.out
import csv, json, subprocess, sys
rows = list(csv.DictReader(open(sys.argv[1])))
bad = 0
for r in rows:
    cmd = [sys.argv[2], "run", r["trace.path"], "--set", "tlb.arrays=u", "--set", "tlb.u.policy=lru",
           "--set", "tlb.u.entries=" + r["config.tlb.u.entries"], "--set", "tlb.u.ways=" + r["config.tlb.u.ways"],
           "--json", "-", "--quiet"]
    j = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
    for k in ("hits", "misses", "evictions"):
        if str(j["tlb"]["u"][k]) != r["tlb.u." + k]:
            print("mismatch", r["trace.path"], r["config.tlb.u.entries"], r["config.tlb.u.ways"], k)
            bad += 1
print("checked", len(rows), "bad", bad)
PY
expect_eq "rows equal single runs" "$(cat check.out)" "checked 16 bad 0"
# two hand-counted points.  4-entry fully associative LRU: 7 misses over the
# first 8 accesses, as in run_counts.sh, leaving pages 4 5 1 2 (LRU first);
# then 9000 misses (evicts 4), 1000 hits, 3000 and 11000 miss: 10 misses
get_point() { "$PY" -c "
import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if (r['trace.path'], r['config.tlb.u.entries'], r['config.tlb.u.ways']) == tuple(sys.argv[2:5]): print(r[sys.argv[5]])" "$@"; }
expect_eq "t.txt 4/4 misses" "$(get_point full.csv t.txt 4 4 tlb.u.misses)" 10
# u.txt: 7000 8000 7000 f000; direct-mapped 2 sets: 7 and f share set 1, 8 is in set 0: 7 miss, 8 miss, 7 hit, f miss
expect_eq "u.txt 2/1 misses" "$(get_point full.csv u.txt 2 1 tlb.u.misses)" 3
expect_eq "u.txt 2/1 hits" "$(get_point full.csv u.txt 2 1 tlb.u.hits)" 1
# nothing on standard error but the invalid points when not on a terminal (no progress)
expect_eq "no progress off a terminal" "$(grep -vc 'invalid configuration' full.err)" 0

# ---- -j 2 gives the same rows ----
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" -j 2 --out par.csv >/dev/null 2>&1 || bad "sweep -j 2"
expect_eq "-j 2 header" "$(head -1 par.csv)" "$(head -1 full.csv)"
[ "$(rows par.csv)" = "$(rows full.csv)" ] && ok || bad "-j 2 rows differ from -j 1"
"$PY" -c "
import csv,sys
r=list(csv.reader(open(sys.argv[1]))); print(len(set(len(x) for x in r)), len(r))" par.csv > par.chk
expect_eq "-j 2 rows intact" "$(cat par.chk)" "1 17"

# ---- --resume after deleting rows reruns exactly those ----
{ head -1 full.csv; sed -n '2,4p;7,12p;15,17p' full.csv; } > res.csv
sed -n '5,6p;13,14p' full.csv | sort > deleted.rows
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" -j 2 --out res.csv --resume >res.out 2>/dev/null || bad "resume"
grep -q "4 run, 0 failed, 12 done before, 2 invalid" res.out && ok || bad "resume summary: $(cat res.out)"
expect_eq "resume appended exactly the deleted rows" "$(tail -n 4 res.csv | sort)" "$(cat deleted.rows)"
[ "$(rows res.csv)" = "$(rows full.csv)" ] && ok || bad "resumed file differs from the full sweep"
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --out res.csv --resume >res2.out 2>/dev/null || bad "resume when done"
grep -q "0 run, 0 failed, 16 done before" res2.out && ok || bad "resume of a finished sweep runs nothing"
# another base configuration is other points: nothing counts as done
"$MMUSIM" sweep t.txt "${BASE[@]}" --set tlb.u.latency=3 "${GRID[@]}" --out res.csv --resume --dry-run 2>/dev/null > dry.out
expect_eq "other base: all to do" "$(grep -c $'\ttodo\t' dry.out)" 8

# ---- --shard 1/2 + 2/2, merged, equals the full sweep ----
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --shard 1/2 --out s1.csv >/dev/null 2>&1 || bad "shard 1/2"
"$MMUSIM" sweep t.txt u.txt "${BASE[@]}" "${GRID[@]}" --shard 2/2 --out s2.csv -j 2 >/dev/null 2>&1 || bad "shard 2/2"
expect_eq "shards split the points" "$(($(wc -l < s1.csv) - 1 + $(wc -l < s2.csv) - 1))" 16
[ -z "$(comm -12 <(rows s1.csv) <(rows s2.csv))" ] && ok || bad "shards overlap"
"$MMUSIM" merge merged.csv s1.csv s2.csv || bad "merge shards"
"$MMUSIM" merge fullm.csv full.csv || bad "merge full"
cmp -s merged.csv fullm.csv && ok || bad "merged shards differ from the merged full sweep"
"$MMUSIM" merge par_m.csv par.csv || bad "merge -j 2 output"
cmp -s par_m.csv fullm.csv && ok || bad "merge order is not deterministic"
# shard slicing is round robin over the point list, numbered from 1
"$MMUSIM" sweep t.txt "${BASE[@]}" "${GRID[@]}" --shard 2/3 --out x.csv --dry-run > dry2.out
expect_eq "shard 2/3 points" "$(grep -v other-shard dry2.out | cut -f1 | tr '\n' ' ')" "2 5 8 "
# duplicates are dropped; the same header is required
"$MMUSIM" merge dup.csv full.csv s1.csv s2.csv 2>dup.err || bad "merge with duplicates"
cmp -s dup.csv fullm.csv && ok || bad "merge does not drop duplicate rows"
grep -q "16 duplicate rows" dup.err && ok || bad "merge reports duplicates"
"$MMUSIM" run t.txt --quiet --csv other.csv || bad "run for other.csv"
expect_fail "merge other header" "its header differs" "$MMUSIM" merge bad_m.csv full.csv other.csv
[ ! -e bad_m.csv ] && ok || bad "failed merge left its output"
expect_fail "merge missing input" "nope.csv" "$MMUSIM" merge bad_m.csv nope.csv
: > empty.csv
"$MMUSIM" merge withempty.csv empty.csv full.csv && cmp -s withempty.csv fullm.csv && ok || bad "empty input file"
printf 'a,b\n1,2\n' > notours.csv
expect_fail "merge foreign CSV" "no trace.path column" "$MMUSIM" merge bad_m.csv notours.csv

# ---- invalid points with --strict; failing points ----
expect_fail "strict" "refused (--strict)" "$MMUSIM" sweep t.txt "${BASE[@]}" "${GRID[@]}" --strict --out strict.csv
[ ! -e strict.csv ] && ok || bad "--strict ran points"
printf 'R 1000 8\nR 10zz 8\n' > broken.txt
"$MMUSIM" sweep t.txt broken.txt "${BASE[@]}" --vary tlb.u.ways=1,2 -j 2 --out fail.csv >/dev/null 2>fail.err
expect_eq "failing point: exit status" "$?" 1
grep -q "point 3 (broken.txt tlb.u.ways=1) failed (exit status 1)" fail.err && ok || bad "failed point named: $(cat fail.err)"
grep -q "  mmusim: broken.txt:2:" fail.err && ok || bad "failed point's stderr shown"
expect_eq "the other points' rows" "$(csv_col fail.csv trace.path | sort | uniq -c | awk '{print $1 $2}')" "2t.txt"

# a usage error of run, common to every point, stops the sweep
"$MMUSIM" sweep t.txt "${BASE[@]}" --prefault nonsense --vary tlb.u.ways=1,2,4 -j 1 --out pre.csv >/dev/null 2>pre.err
expect_eq "run usage error: exit status" "$?" 2
expect_eq "run usage error: one point tried" "$(grep -c 'failed (exit status 2)' pre.err)" 1
grep -q "common to every point: no new points" pre.err && ok || bad "run usage error message: $(cat pre.err)"

# ---- bad command lines ----
expect_fail "vary without values" "expected SECTION.KEY=V1,V2" "$MMUSIM" sweep t.txt --vary tlb.u.entries --out b.csv
expect_fail "vary empty value" "an empty value" "$MMUSIM" sweep t.txt --vary tlb.stlb.entries=512,,1024 --out b.csv
expect_fail "vary key without section" "the key must be SECTION.KEY" "$MMUSIM" sweep t.txt --vary entries=4 --out b.csv
expect_fail "vary unknown key" "--vary tlb.stlb.entriez: tlb.stlb: unknown key 'entriez'" \
  "$MMUSIM" sweep t.txt --vary tlb.stlb.entriez=4 --out b.csv
expect_fail "vary unknown section" "unknown section [nope]" "$MMUSIM" sweep t.txt --vary nope.x=1 --out b.csv
expect_fail "vary bad value" "--vary tlb.stlb.entries=lots" "$MMUSIM" sweep t.txt --vary tlb.stlb.entries=lots --out b.csv
expect_fail "vary twice" "is given twice" "$MMUSIM" sweep t.txt --vary mmu.seed=1 --vary mmu.seed=2 --out b.csv
expect_fail "no valid point" "no point of the grid is a valid configuration" \
  "$MMUSIM" sweep t.txt --vary tlb.stlb.ways=5,7 --out b.csv
expect_fail "no --out" "--out FILE is required" "$MMUSIM" sweep t.txt
expect_fail "no trace" "no trace given" "$MMUSIM" sweep --out b.csv
expect_fail "bad shard" "expected K/N with 1 <= K <= N" "$MMUSIM" sweep t.txt --shard 0/2 --out b.csv
expect_fail "bad shard 2" "expected K/N" "$MMUSIM" sweep t.txt --shard 3/2 --out b.csv
expect_fail "bad jobs" "is not a number of jobs" "$MMUSIM" sweep t.txt -j x --out b.csv
expect_fail "unknown option" "unknown option '--frobnicate'" "$MMUSIM" sweep t.txt --frobnicate --out b.csv
expect_fail "missing trace" "nope.txt" "$MMUSIM" sweep nope.txt --out b.csv
expect_fail "bad base --set" "unknown key 'wayz'" "$MMUSIM" sweep t.txt --set tlb.stlb.wayz=4 --out b.csv
expect_fail "existing output" "exists; --resume continues it" "$MMUSIM" sweep t.txt "${BASE[@]}" --out full.csv
expect_fail "resume into another shape" "its config.* columns differ" "$MMUSIM" sweep t.txt --out full.csv --resume
[ ! -e b.csv ] && ok || bad "a refused sweep left an output file"

# ---- progress on request (on a terminal by default) ----
"$MMUSIM" sweep u.txt "${BASE[@]}" --vary tlb.u.ways=1,2 --out prog.csv --progress 2>prog.err >/dev/null || bad "progress sweep"
grep -q "2/2 points done" prog.err && ok || bad "progress shows points done/total"

# ---- SIGINT: no new points, the running one finishes and keeps its row ----
mkfifo f1 f2 f3
"$MMUSIM" sweep f1 f2 f3 "${BASE[@]}" -j 1 --out int.csv >int.out 2>int.err &
pid=$!
# wait until the first point runs (it blocks opening f1 until we write it)
if command -v pgrep >/dev/null; then
  for _ in $(seq 1 100); do [ -n "$(pgrep -P $pid)" ] && break; sleep 0.05; done
else
  sleep 1
fi
kill -INT $pid
for _ in $(seq 1 100); do grep -q interrupted int.err && break; sleep 0.05; done
timeout 10 bash -c 'printf "R 1000 8\n" > f1' || bad "first point did not read its trace"
wait $pid
expect_eq "interrupted exit status" "$?" 130
expect_eq "interrupted: the running point's row" "$(csv_col int.csv trace.path)" "f1"
grep -q "2 points not run: --resume continues" int.err && ok || bad "interrupted message: $(cat int.err)"
"$MMUSIM" sweep f1 f2 f3 "${BASE[@]}" -j 1 --out int.csv --resume >/dev/null 2>&1 &
pid=$!
timeout 10 bash -c 'printf "R 1000 8\n" > f2; printf "R 2000 8\n" > f3' || bad "resumed points did not read"
wait $pid
expect_eq "resumed after interrupt" "$?" 0
expect_eq "all rows after resume" "$(csv_col int.csv trace.path | tr '\n' ' ')" "f1 f2 f3 "

# ---- SIGTERM: the running points are stopped, no row is written ----
mkfifo g1
"$MMUSIM" sweep g1 "${BASE[@]}" --out term.csv >/dev/null 2>term.err &
pid=$!
if command -v pgrep >/dev/null; then
  for _ in $(seq 1 100); do [ -n "$(pgrep -P $pid)" ] && break; sleep 0.05; done
else
  sleep 1
fi
kill -TERM $pid
wait $pid
expect_eq "SIGTERM exit status" "$?" 143
grep -q "point 1 (g1) stopped" term.err && ok || bad "stopped point named: $(cat term.err)"
[ ! -s term.csv ] && ok || bad "a stopped point wrote a row"

finish
