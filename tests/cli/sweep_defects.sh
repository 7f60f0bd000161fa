# SPDX-License-Identifier: BSD-3-Clause
# mmusim sweep as a user tries it: per-point JSON for the report, CSV floats
# that round-trip, sizes as bytes (and the same size in other units refused),
# progress that counts only points that ran, a clear message for a grid whose
# points report other columns, an empty shard's file, a --help that explains
# every option, and a validator message that names the TLB levels.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

BASE=(--set tlb.arrays=u --set tlb.u.entries=4 --set tlb.u.ways=4 --set tlb.u.policy=lru)
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
csv_col() { "$PY" -c "
import csv,sys
for r in csv.DictReader(open(sys.argv[1])): print(r[sys.argv[2]])" "$1" "$2"; }

# ---- 1. --json DIR keeps each point's JSON; report reads them ----
"$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.entries=2,4 --vary tlb.u.ways=1,2 -j 2 --out j.csv --json pts \
  >/dev/null 2>j.err || bad "sweep --json: $(cat j.err)"
expect_eq "one JSON per point" "$(cd pts 2>/dev/null && ls | tr '\n' ' ')" \
  "sweep-point-1.json sweep-point-2.json sweep-point-3.json sweep-point-4.json "
[ -s pts/sweep-point-4.json ] && expect_eq "point 4's JSON is entries=4 ways=2" \
  "$(json_get pts/sweep-point-4.json "j['config']['tlb.u']['entries'], j['config']['tlb.u']['ways']")" "4 2"
[ -s pts/sweep-point-4.json ] && expect_eq "point JSON equals its CSV row" \
  "$(json_get pts/sweep-point-4.json "j['tlb']['u']['misses']")" \
  "$("$PY" -c "
import csv,sys
for r in csv.DictReader(open('j.csv')):
    if r['config.tlb.u.entries']=='4' and r['config.tlb.u.ways']=='2': print(r['tlb.u.misses'])")"
"$MMUSIM" report s.html pts/sweep-point-*.json --heatmap tlb.u.misses >rep.out 2>&1 && ok || bad "report of the points: $(cat rep.out)"
grep -q "tlb.u.entries" s.html && ok || bad "report heatmap names the swept key"
# zero-padded point numbers sort in point order
"$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.entries=4 --vary tlb.u.ways=1,2,4 --vary mmu.seed=1,2,3,4 \
  --out j2.csv --json pts2 --quiet 2>/dev/null || bad "sweep --json 12 points"
expect_eq "padded names" "$(ls pts2 | sed -n '1p;12p' | tr '\n' ' ')" "sweep-point-01.json sweep-point-12.json "

# ---- 2. CSV floats round-trip ----
"$PY" - j.csv <<'PY' > float.out
import csv, json, sys
bad = 0
n = 0
for r in csv.DictReader(open(sys.argv[1])):
    for k, v in r.items():
        if k.endswith(".mean") and v:
            n += 1
            cnt, s = int(r[k[:-5] + ".count"]), int(r[k[:-5] + ".sum"])
            if cnt and float(v) != s / cnt:
                print("not round-trip", k, v, s, cnt); bad += 1
print("means", n > 0, "bad", bad)
PY
expect_eq "latency means are sum/count exactly" "$(cat float.out)" "means True bad 0"
"$MMUSIM" run t.txt "${BASE[@]}" --json one.json --csv one.csv --quiet
expect_eq "CSV mean equals the JSON mean" "$(csv_col one.csv latency.all.mean)" \
  "$(json_get one.json "repr(j['latency']['all']['mean'])")"

# ---- 3. sizes as bytes in the CSV; the same size twice is refused ----
"$MMUSIM" sweep t.txt "${BASE[@]}" --set walker.mode=radix --vary os.phys_mem=64M,1G,512K --out sz.csv -j 1 \
  --quiet 2>sz.err || bad "size sweep: $(cat sz.err)"
expect_eq "phys_mem in bytes" "$(csv_col sz.csv config.os.phys_mem | tr '\n' ' ')" "67108864 1073741824 524288 "
expect_eq "page size in bytes" "$(csv_col sz.csv config.walker.page_size | sort -u)" "4096"
"$MMUSIM" merge szm.csv sz.csv 2>/dev/null || bad "merge sizes"
expect_eq "merge sorts sizes as numbers" "$(csv_col szm.csv config.os.phys_mem | tr '\n' ' ')" "524288 67108864 1073741824 "
expect_fail "1M and 1024K are one value" "'1M' and '1024K' are the same value" \
  "$MMUSIM" sweep t.txt "${BASE[@]}" --set walker.mode=radix --vary os.phys_mem=1M,2M,1024K --out dup.csv
[ ! -e dup.csv ] && ok || bad "a refused sweep ran points"
# --resume finds the points of a file with sizes in bytes
"$MMUSIM" sweep t.txt "${BASE[@]}" --set walker.mode=radix --vary os.phys_mem=64M,1G,512K --out sz.csv --resume \
  >szr.out 2>&1 || bad "resume sizes"
grep -q "0 run, 0 failed, 3 done before" szr.out && ok || bad "resume of sizes: $(cat szr.out)"

# ---- 4. --progress counts only points that ran ----
mkfifo g1
"$MMUSIM" sweep g1 "${BASE[@]}" --out term.csv --progress >/dev/null 2>term.err &
pid=$!
if command -v pgrep >/dev/null; then
  for _ in $(seq 1 100); do [ -n "$(pgrep -P $pid)" ] && break; sleep 0.05; done
else
  sleep 1
fi
kill -TERM $pid
wait $pid
grep -q "point 1 (g1) stopped" term.err && ok || bad "stopped point: $(cat term.err)"
tr '\r' '\n' < term.err | grep -q "1/1 points done" && bad "a stopped point counted as done: $(tr '\r' '\n' < term.err)" || ok
tr '\r' '\n' < term.err | grep -q "0/1 points done" && ok || bad "progress after stop: $(tr '\r' '\n' < term.err)"

# ---- 5. points with other columns: what differs and what to do ----
"$MMUSIM" sweep t.txt --vary walker.mode=fixed,radix --out wm.csv >/dev/null 2>wm.err
expect_eq "walker.mode grid: exit status" "$?" 2
grep -q "report different CSV columns" wm.err && ok || bad "columns message: $(cat wm.err)"
grep -q "walker.mode=radix walker.format=x86_64" wm.err && ok || bad "names what differs: $(cat wm.err)"
grep -q "run one sweep per value of --vary walker.mode, each with its own --out file" wm.err && ok || bad "says what to do"
grep -q -- "--resume reruns" wm.err && bad "promises --resume" || ok
[ ! -e wm.csv ] && ok || bad "refused grid ran points"
# a file of other columns met at run time: --resume is not promised
"$MMUSIM" run t.txt --set walker.mode=radix --csv other.csv --quiet
"$MMUSIM" sweep t.txt --set walker.mode=fixed --vary mmu.seed=1,2 --out other.csv --resume >/dev/null 2>oc.err
rc=$?
[ $rc -ne 0 ] && ok || bad "other columns: exit status 0"
grep -q -- "--resume cannot add" oc.err && ok || bad "other columns at run time: $(cat oc.err)"

# ---- 6. an empty shard writes its (empty) file; merge takes it ----
"$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.ways=1,2 --shard 3/3 --out e3.csv >e3.out 2>&1 || bad "empty shard: $(cat e3.out)"
[ -e e3.csv ] && ok || bad "empty shard wrote no file, the summary says: $(cat e3.out)"
"$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.ways=1,2 --shard 1/3 --out e1.csv --quiet || bad "shard 1/3"
"$MMUSIM" sweep t.txt "${BASE[@]}" --vary tlb.u.ways=1,2 --shard 2/3 --out e2.csv --quiet || bad "shard 2/3"
"$MMUSIM" merge e.csv e1.csv e2.csv e3.csv 2>me.err && ok || bad "merge with the empty shard: $(cat me.err)"
expect_eq "merged rows" "$(($(wc -l < e.csv) - 1))" 2

# ---- 7. sweep --help explains every option ----
"$MMUSIM" sweep --help > help.out
for o in --out --vary --preset --config --set -j --resume --shard --strict --dry-run --json --format --warmup \
         --on-fault --check --prefault --progress --no-progress --quiet --slurm --slurm-dir --slurm-tasks \
         --slurm-throttle --slurm-partition --slurm-time --slurm-mem --slurm-cpus --slurm-arg --slurm-no-submit; do
  grep -qE "^  (.*[ ,])?$o([ ,]|\$)" help.out && ok || bad "sweep --help does not explain $o"
done
grep -q "1-based" help.out && ok || bad "--help: shards are 1-based"
grep -q "one per online processor" help.out && ok || bad "--help: the -j default"

# ---- 8. the validator names the levels ----
expect_fail "levels named" "stlb (level 2), and none at level 1" \
  "$MMUSIM" run t.txt --set "tlb.arrays=l1d stlb"
expect_fail "levels named in a sweep" "stlb (level 2), and none at level 1" \
  "$MMUSIM" sweep t.txt --set "tlb.arrays=l1d stlb" --out lv.csv

finish
