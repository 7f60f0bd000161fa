# SPDX-License-Identifier: BSD-3-Clause
# mmusim convert and mmusim gen: every generator into every format, round
# trips through convert, bad arguments, and `mmusim run` giving the same TLB
# figures on a converted trace as on the original.
. "$(dirname "$0")/lib.inc"

# run_json TRACE OUT.json: the run's JSON without the "trace" section (path,
# format and compression differ between a trace and its conversions)
UTLB=(--set tlb.arrays=u --set tlb.u.entries=16 --set tlb.u.ways=4 --set tlb.u.policy=lru)
run_json() {
  "$MMUSIM" run "$1" "${UTLB[@]}" --quiet --json "$2.full" || { bad "run $1"; return; }
  "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); j.pop('trace'); json.dump(j, open(sys.argv[2],'w'), sort_keys=True, indent=1)" "$2.full" "$2"
}
same_json() {
  if cmp -s "$2" "$3"; then ok; else bad "$1: $(diff "$2" "$3" | head -5)"; fi
}

# ---- gen: every kind, deterministic, into every format ----
for kind in sequential strided uniform zipf chase mix; do
  "$MMUSIM" gen $kind "$TMP/$kind.bin" --accesses 5000 --footprint 1M --seed 3 --write-ratio 0.2 --quiet || bad "gen $kind"
  "$MMUSIM" gen $kind "$TMP/$kind.2.bin" --accesses 5000 --footprint 1M --seed 3 --write-ratio 0.2 --quiet
  cmp -s "$TMP/$kind.bin" "$TMP/$kind.2.bin" && ok || bad "gen $kind: same seed, different bytes"
  "$MMUSIM" gen $kind "$TMP/$kind.3.bin" --accesses 5000 --footprint 1M --seed 4 --write-ratio 0.2 --quiet
  cmp -s "$TMP/$kind.bin" "$TMP/$kind.3.bin" && bad "gen $kind: another seed, same bytes" || ok
  n=$("$MMUSIM" run "$TMP/$kind.bin" --quiet --json - | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["accesses"])')
  expect_eq "gen $kind accesses" "$n" 5000
done
for out in g.txt g.lackey g.din g.bin g.txt.gz g.bin.zst g.lackey.xz g.din.zst; do
  "$MMUSIM" gen zipf "$TMP/$out" --accesses 2000 --quiet || bad "gen into $out"
done
expect_eq "gen text lines" "$(grep -vc '^#' "$TMP/g.txt")" 2000
expect_eq "gen text comment" "$(head -c 25 "$TMP/g.txt")" "# mmusim gen zipf --seed "
expect_eq "gen zstd magic" "$(head -c 4 "$TMP/g.bin.zst" | od -An -tx1 | tr -d ' ')" "28b52ffd"
expect_eq "gen summary" "$("$MMUSIM" gen sequential "$TMP/s.din" --accesses 3)" \
  "mmusim gen: sequential seed 1: 3 accesses -> $TMP/s.din (din, none)"
expect_eq "gen din content" "$(cat "$TMP/s.din")" "$(printf '0 10000000\n0 10000008\n0 10000010')"
"$MMUSIM" gen mix "$TMP/m.txt" --procs 3 --quantum 2 --accesses 12 --pattern sequential --quiet
expect_eq "gen mix asids" "$(grep -o 'asid=[0-9]*' "$TMP/m.txt" | tr '\n' ' ')" \
  "asid=1 asid=1 asid=2 asid=2 asid=3 asid=3 asid=1 asid=1 asid=2 asid=2 asid=3 asid=3 "
# a mix over VMs: VM ids 0..V-1 (0 is not written), each VM's processes ASIDs 1..P
"$MMUSIM" gen mix "$TMP/v.txt" --procs 2 --vms 3 --quantum 1 --accesses 8 --pattern sequential --quiet
expect_eq "gen mix vms" "$(grep -v '^#' "$TMP/v.txt" | sed 's/^R 0x[0-9a-f]* 8 //' | tr '\n' ' ')" \
  "asid=1 asid=2 asid=1 vmid=1 asid=2 vmid=1 asid=1 vmid=2 asid=2 vmid=2 asid=1 asid=2 "
expect_eq "gen mix vms comment" "$(head -1 "$TMP/v.txt" | grep -o -- '--vms 3')" "--vms 3"
# VM ids survive text -> binary (set-VM control records) -> text, plain and compressed
"$MMUSIM" gen mix "$TMP/v2.txt" --procs 2 --vms 4 --quantum 3 --accesses 500 --write-ratio 0.3 --quiet
for b in v2.bin v2.bin.zst; do
  "$MMUSIM" convert "$TMP/v2.txt" "$TMP/$b" --quiet || bad "convert to $b"
  "$MMUSIM" convert "$TMP/$b" "$TMP/v2.back.txt" --quiet || bad "convert $b back"
  expect_eq "VM ids round trip through $b" "$(grep -v '^#' "$TMP/v2.txt" | md5sum)" "$(md5sum < "$TMP/v2.back.txt")"
done
# generated straight into the binary format: the same accesses as generated into text
"$MMUSIM" gen mix "$TMP/v3.bin" --procs 2 --vms 4 --quantum 3 --accesses 500 --write-ratio 0.3 --quiet || bad "gen --vms to binary"
"$MMUSIM" convert "$TMP/v3.bin" "$TMP/v3.back.txt" --quiet || bad "read the generated VM binary"
expect_eq "gen --vms into binary" "$(grep -v '^#' "$TMP/v2.txt" | md5sum)" "$(grep -v '^#' "$TMP/v3.back.txt" | md5sum)"
expect_eq "VM ids lost to lackey" "$("$MMUSIM" convert "$TMP/v2.txt" "$TMP/v2.lackey" --quiet 2>&1 | grep -c 'keeps no VM ids')" 1

# --format overrides the suffix; --compress overrides it too (detected by magic on reading)
"$MMUSIM" gen uniform "$TMP/o.dat" --format text --compress gzip --accesses 10 --quiet || bad "gen --format"
expect_eq "gen --compress gzip" "$(head -c 2 "$TMP/o.dat" | od -An -tx1 | tr -d ' ')" "1f8b"
"$MMUSIM" gen uniform - --format lackey --accesses 4 --quiet > "$TMP/o.lackey" || bad "gen to stdout"
expect_eq "gen to stdout" "$(wc -l < "$TMP/o.lackey")" 4

# ---- gen: bad arguments ----
expect_fail "gen no args" "needs KIND and OUT" "$MMUSIM" gen
expect_fail "gen unknown kind" "unknown generator 'gauss'" "$MMUSIM" gen gauss "$TMP/x.bin"
expect_fail "gen no format" "cannot tell the output format from" "$MMUSIM" gen uniform "$TMP/x.dat"
expect_fail "gen champsim" "cannot write the trace format 'champsim'" "$MMUSIM" gen uniform "$TMP/x" --format champsim
expect_fail "gen bad number" "--accesses: '12x' is not a number" "$MMUSIM" gen uniform "$TMP/x.bin" --accesses 12x
expect_fail "gen bad ratio" "--write-ratio 2 out of range 0..1" "$MMUSIM" gen uniform "$TMP/x.bin" --write-ratio 2
expect_fail "gen bad option" "unknown option '--bogus'" "$MMUSIM" gen uniform "$TMP/x.bin" --bogus 1
expect_fail "gen missing value" "--seed needs a value" "$MMUSIM" gen uniform "$TMP/x.bin" --seed
expect_fail "gen bad pattern" "--pattern: 'mix' is not" "$MMUSIM" gen mix "$TMP/x.bin" --pattern mix
expect_fail "gen no dir" "No such file or directory" "$MMUSIM" gen uniform "$TMP/no/such/x.bin"
"$MMUSIM" gen uniform "$TMP/x.bin" --stride 0 --kind 2>/dev/null; expect_eq "gen usage status" $? 2
[ -e "$TMP/x.bin" ] && bad "a failed gen left its output" || ok
ls "$TMP" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok

# ---- convert: round trips ----
# a text trace with every field; text <-> binary keep everything
cat > "$TMP/a.txt" <<'T'
X 0x400000 4 asid=1 cycle=0
R 0x7ffd1230 8 asid=1 cycle=3
W 0x601040 4096 asid=2 cycle=2
R 0xffe 4
W 0xffffffffffffffff 1 asid=65535 cycle=18446744073709551615
T
"$MMUSIM" convert "$TMP/a.txt" "$TMP/a.bin.zst" --quiet || bad "convert text -> binary"
"$MMUSIM" convert "$TMP/a.bin.zst" "$TMP/a2.txt" --quiet || bad "convert binary -> text"
cmp -s "$TMP/a.txt" "$TMP/a2.txt" && ok || bad "text -> binary -> text: $(diff "$TMP/a.txt" "$TMP/a2.txt")"
expect_eq "convert summary" "$("$MMUSIM" convert "$TMP/a.txt" "$TMP/a.bin")" \
  "mmusim convert: $TMP/a.txt (text, none) -> $TMP/a.bin (binary, none): 5 accesses, 1 instructions"
# what is lost is said on stderr
"$MMUSIM" convert "$TMP/a.txt" "$TMP/a.din" --quiet 2> "$TMP/lost.err" || bad "convert to din"
grep -q "din keeps no ASIDs: 4 accesses lost theirs" "$TMP/lost.err" && ok || bad "asid loss note: $(cat "$TMP/lost.err")"
grep -q "din keeps no cycles: 4 accesses lost theirs" "$TMP/lost.err" && ok || bad "cycle loss note"
grep -q "din keeps no sizes (reads back as 4 bytes): 3 accesses had another size" "$TMP/lost.err" && ok || bad "size loss note"
expect_eq "din content" "$(cat "$TMP/a.din")" "$(printf '2 400000\n0 7ffd1230\n1 601040\n0 ffe\n1 ffffffffffffffff')"
# stdin to stdout, the format forced both ways; converting a file onto itself
"$MMUSIM" convert - - --from text --to lackey --quiet < "$TMP/a.txt" > "$TMP/a.lackey" 2>/dev/null || bad "convert stdin -> stdout"
expect_eq "lackey content" "$(head -2 "$TMP/a.lackey")" "$(printf 'I  00400000,4\n L 7ffd1230,8')"
cp "$TMP/a.txt" "$TMP/self.txt"
"$MMUSIM" convert "$TMP/self.txt" "$TMP/self.txt" --compress xz --quiet || bad "convert onto itself"
expect_eq "onto itself: xz" "$(head -c 6 "$TMP/self.txt" | od -An -tx1 | tr -d ' ')" "fd377a585a00"
"$MMUSIM" convert "$TMP/self.txt" "$TMP/self2.txt" --quiet && cmp -s "$TMP/a.txt" "$TMP/self2.txt" && ok || bad "onto itself: content"

# ---- convert: bad arguments and bad input ----
expect_fail "convert no args" "needs IN and OUT" "$MMUSIM" convert
expect_fail "convert no format" "cannot tell the output format from" "$MMUSIM" convert "$TMP/a.txt" "$TMP/x.out"
expect_fail "convert to champsim" "cannot write the champsim format" "$MMUSIM" convert "$TMP/a.txt" "$TMP/x.champsim"
expect_fail "convert bad --to" "--to: unknown trace format 'foo'" "$MMUSIM" convert "$TMP/a.txt" "$TMP/x.bin" --to foo
expect_fail "convert bad --from" "--from: unknown trace format 'bar'" "$MMUSIM" convert "$TMP/a.txt" "$TMP/x.bin" --from bar
expect_fail "convert bad --compress" "unknown compression 'rar'" "$MMUSIM" convert "$TMP/a.txt" "$TMP/x.bin" --compress rar
expect_fail "convert three names" "one input and one output only" "$MMUSIM" convert a b c
expect_fail "convert missing input" "$TMP/none.txt: No such file or directory" "$MMUSIM" convert "$TMP/none.txt" "$TMP/x.bin"
printf 'R 1000\nR 10g0\n' > "$TMP/bad.txt"
expect_fail "convert bad line" "$TMP/bad.txt:2: bad hex digit 'g' in address" "$MMUSIM" convert "$TMP/bad.txt" "$TMP/x.bin"
head -c 40 "$TMP/a.bin" > "$TMP/trunc.bin"
expect_fail "convert truncated binary" "$TMP/trunc.bin: record 1: truncated record (8 of 16 bytes)" "$MMUSIM" convert "$TMP/trunc.bin" "$TMP/x.txt"
"$MMUSIM" convert "$TMP/a.txt" "$TMP/x.bin" --bogus 2>/dev/null; expect_eq "convert usage status" $? 2
"$MMUSIM" convert "$TMP/bad.txt" "$TMP/x.bin" 2>/dev/null; expect_eq "convert bad input status" $? 1
[ -e "$TMP/x.bin" ] || [ -e "$TMP/x.txt" ] && bad "a failed convert left its output" || ok
ls "$TMP" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok

# ---- ChampSim: read (plain and xz, detected), run, converted; run --format knows every name ----
"$PY" - "$TMP/t.champsim" <<'P'
import struct, sys
recs = [(0x401000, [0x7ff0, 0, 0x8000, 0], [0x9000, 0]), (0x401004, [0]*4, [0, 0]), (0x402000, [1, 2, 3, 4], [5, 6])]
with open(sys.argv[1], 'wb') as f:
    for ip, src, dst in recs:
        f.write(struct.pack('<QBB2B4B2Q4Q', ip, 0, 0, 0, 0, 0, 0, 0, 0, *dst, *src))
P
xz -k -c "$TMP/t.champsim" > "$TMP/t.cs.xz"
for f in "$TMP/t.champsim" "$TMP/t.cs.xz"; do
  "$MMUSIM" run "$f" --quiet --json "$TMP/cs.json" || bad "run champsim $f"
  expect_eq "champsim accesses" "$(json_get "$TMP/cs.json" 'j["accesses"]')" 12
  expect_eq "champsim instructions" "$(json_get "$TMP/cs.json" 'j["instructions"]')" 3
  expect_eq "champsim format" "$(json_get "$TMP/cs.json" 'j["trace"]["format"]')" champsim
done
"$MMUSIM" convert "$TMP/t.cs.xz" "$TMP/cs.txt" --quiet || bad "convert champsim"
expect_eq "champsim as text" "$(head -4 "$TMP/cs.txt" | tr '\n' ' ')" "X 0x401000 4 R 0x7ff0 8 R 0x8000 8 W 0x9000 8 "
for fmt in text lackey din binary bin; do
  "$MMUSIM" convert "$TMP/cs.txt" "$TMP/cs.$fmt" --to $fmt --quiet 2>/dev/null
  "$MMUSIM" run "$TMP/cs.$fmt" --format $fmt --quiet --json "$TMP/f.json" || bad "run --format $fmt"
  expect_eq "run --format $fmt" "$(json_get "$TMP/f.json" 'j["accesses"]')" 12
done
expect_fail "run --format champsim on text" "is_branch" "$MMUSIM" run "$TMP/cs.txt" --format champsim --quiet

# ---- run: the same TLB figures on a converted trace ----
# a real program's Lackey trace, converted to every format that keeps sizes
REAL="$SRC/traces/sort.lackey.zst"
if [ -f "$REAL" ]; then
  run_json "$REAL" "$TMP/orig.json"
  expect_eq "real trace instructions" "$(json_get "$TMP/orig.json" 'j["instructions"] > 0')" True
  for out in sort.bin.zst sort.txt.gz sort.lackey.xz sort.bin; do
    "$MMUSIM" convert "$REAL" "$TMP/$out" --quiet || bad "convert sort to $out"
    run_json "$TMP/$out" "$TMP/$out.json"
    same_json "run on $out" "$TMP/orig.json" "$TMP/$out.json"
  done
  # two steps: lackey -> binary -> text
  "$MMUSIM" convert "$TMP/sort.bin.zst" "$TMP/sort2.txt.zst" --quiet || bad "convert bin -> text"
  run_json "$TMP/sort2.txt.zst" "$TMP/sort2.json"
  same_json "run on lackey -> binary -> text" "$TMP/orig.json" "$TMP/sort2.json"
else
  bad "missing $REAL"
fi
# a generated multi-process trace with ASIDs: binary and text agree
"$MMUSIM" gen mix "$TMP/mix.bin" --procs 4 --quantum 500 --accesses 50000 --pattern zipf --write-ratio 0.3 --quiet
"$MMUSIM" convert "$TMP/mix.bin" "$TMP/mix.txt.zst" --quiet
run_json "$TMP/mix.bin" "$TMP/mix.json"
run_json "$TMP/mix.txt.zst" "$TMP/mix2.json"
same_json "run on mix binary vs text" "$TMP/mix.json" "$TMP/mix2.json"
# din keeps no size: a din trace and its text conversion agree with each other
"$MMUSIM" convert "$TMP/mix.bin" "$TMP/mix.din" --quiet 2>/dev/null
"$MMUSIM" convert "$TMP/mix.din" "$TMP/mix.din.txt" --quiet
run_json "$TMP/mix.din" "$TMP/d1.json"
run_json "$TMP/mix.din.txt" "$TMP/d2.json"
same_json "run on din vs its text" "$TMP/d1.json" "$TMP/d2.json"

finish
