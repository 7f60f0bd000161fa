# SPDX-License-Identifier: BSD-3-Clause
# The presets of real CPUs: each is listed with its summary, names its
# sources, loads, round-trips through config --dump, runs on a shipped
# trace, and holds the figures its sources give; mmusim presets itself.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1
unset MMUSIM_PRESET_DIR

REQUIRED="skylake golden_cove zen2 cortex_a76 neoverse_n1 cortex_a72 apple_m1 sifive_u74 rocket champsim"
TRACE="$SRC/traces/mawk.lackey.zst"

"$MMUSIM" presets > list.out || bad "mmusim presets"
expect_eq "one line per preset" "$(wc -l < list.out)" "$(ls "$SRC"/presets/*.ini | wc -l)"
for p in $REQUIRED; do
  [ -f "$SRC/presets/$p.ini" ] && ok || bad "$p: no presets/$p.ini"
done
for f in "$SRC"/presets/*.ini; do
  p=$(basename "$f" .ini)
  line=$(grep "^$p " list.out)
  summary=$(head -1 "$f" | sed 's/^; *//')
  [ -n "$summary" ] && [[ "$line" == *"$summary" ]] && ok || bad "$p: listed as '$line', summary '$summary'"
  # the comment block names sources, disagreements and what cannot be expressed
  for section in "Sources" "disagree" "Cannot be expressed"; do
    grep -q "^;.*$section" "$f" && ok || bad "$p: no '$section' in the comment block"
  done
  # loads, validates, and reads back to the same configuration
  "$MMUSIM" config --dump --preset "$p" > "$p.ini" || bad "$p: config --dump --preset"
  "$MMUSIM" config --dump --config "$f" > "$p.2.ini" || bad "$p: config --dump --config FILE"
  cmp -s "$p.ini" "$p.2.ini" && ok || bad "$p: --preset and --config differ"
  "$MMUSIM" config --dump --config "$p.ini" > "$p.3.ini" || bad "$p: dump of dump"
  cmp -s "$p.ini" "$p.3.ini" && ok || bad "$p: dump round trip"
  grep -q "^mode = radix" "$p.ini" && ok || bad "$p: not a radix walker"
  # runs on a shipped trace: radix walks of the OS model's page tables, every
  # demand fault resolved; and with fixed-latency misses
  "$MMUSIM" run "$TRACE" --preset "$p" --json "$p.json" --quiet || bad "$p: run"
  expect_eq "$p: accesses" "$(json_get "$p.json" 'j["accesses"]')" 1655169
  expect_eq "$p: preset recorded" "$(json_get "$p.json" 'j["preset"]')" "$p"
  expect_eq "$p: faults resolved" "$(json_get "$p.json" 'sum(j["faults"].values())')" 0
  expect_eq "$p: demand faults" "$(json_get "$p.json" 'j["walker"]["page_faults"] > 0 and j["walker"]["walks"] > 0')" True
  "$MMUSIM" run "$TRACE" --preset "$p" --set walker.mode=fixed --json "$p.f.json" --quiet || bad "$p: fixed run"
  expect_eq "$p: fixed-mode walks" "$(json_get "$p.f.json" 'j["walker"]["walks"] > 0')" True
  "$MMUSIM" presets "$p" > "$p.show" || bad "$p: mmusim presets $p"
  grep -q "Sources" "$p.show" && ok || bad "$p: presets $p shows no sources"
done

# figures the sources give
dump_key() { "$PY" -c "
import configparser,sys
c=configparser.ConfigParser(comment_prefixes=(';',)); c.read(sys.argv[1]); print(c[sys.argv[2]][sys.argv[3]])" "$1.ini" "$2" "$3"; }
expect_eq "skylake stlb" "$(dump_key skylake tlb.stlb entries)/$(dump_key skylake tlb.stlb ways)" "1536/12"
expect_eq "skylake l1d" "$(dump_key skylake tlb.l1d entries)/$(dump_key skylake tlb.l1d ways)" "64/4"
expect_eq "skylake walkers" "$(dump_key skylake walker count)" 2
expect_eq "golden_cove l1d" "$(dump_key golden_cove tlb.l1d entries)/$(dump_key golden_cove tlb.l1d ways)" "96/6"
expect_eq "golden_cove walkers" "$(dump_key golden_cove walker count)" 4
expect_eq "zen2 l2d" "$(dump_key zen2 tlb.l2d entries)" 2048
expect_eq "zen2 l1d fully associative" "$(dump_key zen2 tlb.l1d ways)" 64
expect_eq "a76 l2" "$(dump_key cortex_a76 tlb.l2 entries)/$(dump_key cortex_a76 tlb.l2 ways)/$(dump_key cortex_a76 tlb.l2 latency)" "1280/5/3"
expect_eq "n1 = a76 tlbs" "$(grep -A8 '^\[tlb' neoverse_n1.ini)" "$(grep -A8 '^\[tlb' cortex_a76.ini)"
expect_eq "a72 l2" "$(dump_key cortex_a72 tlb.l2 entries)/$(dump_key cortex_a72 tlb.l2 ways)" "1024/4"
expect_eq "m1 format" "$(dump_key apple_m1 walker format)" aarch64_16k
expect_eq "m1 l2" "$(dump_key apple_m1 tlb.l2 entries)/$(dump_key apple_m1 tlb.l2 ways)" "3072/12"
expect_eq "u74 format" "$(dump_key sifive_u74 walker format)" sv39
expect_eq "u74 l1" "$(dump_key sifive_u74 tlb.l1i entries)/$(dump_key sifive_u74 tlb.l1d entries)" "40/40"
expect_eq "rocket format" "$(dump_key rocket walker format)/$(dump_key rocket walker count)" "sv39/1"
expect_eq "rocket pte cache" "$(( $(dump_key rocket pwc.l1 entries) + $(dump_key rocket pwc.l2 entries) ))" 8
expect_eq "champsim format" "$(dump_key champsim walker format)/$(dump_key champsim walker count)" "x86_64_la57/5"
expect_eq "champsim minor fault" "$(dump_key champsim os minor_handler)/$(dump_key champsim os trap_entry)" "200/0"
expect_eq "champsim pscl" "$(dump_key champsim pwc.l4 entries) $(dump_key champsim pwc.l3 entries) $(dump_key champsim pwc.l2 entries) $(dump_key champsim pwc.l1 entries)" "2 4 8 32"

# Apple M1's L1 DTLB (32 sets x 5 ways) holds 80/40/20/10/5 pages at page
# strides 2/4/8/16/32, as measured on the chip (REFERENCE.md): three rounds
# over that many pages miss only the first time; over twice as many, always.
m1_misses() { # stride pages
  for r in 1 2 3; do for i in $(seq 0 $(($2 - 1))); do printf 'R %x 8\n' $((i * $1 * 16384)); done; done > m1.txt
  "$MMUSIM" run m1.txt --preset apple_m1 --set walker.mode=fixed --json - --quiet |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["tlb"]["l1d"]["misses"])'
}
for sc in 2:80 4:40 8:20 16:10 32:5; do
  s=${sc%:*} c=${sc#*:}
  expect_eq "m1 l1d stride $s holds $c" "$(m1_misses $s $c)" $c
  expect_eq "m1 l1d stride $s over $((2 * c))" "$(m1_misses $s $((2 * c)))" $((6 * c))
done

# mmusim presets: a directory of its own, errors
mkdir mine
printf '; My test core: one line\n[walker]\ncount = 3\n' > mine/mycore.ini
printf '[walker]\ncount = 3\n' > mine/nosum.ini
MMUSIM_PRESET_DIR="$TMP/mine" "$MMUSIM" presets > mine.out || bad "presets from MMUSIM_PRESET_DIR"
expect_eq "own preset dir" "$(cat mine.out)" "mycore  My test core: one line
nosum   (no summary: the file does not start with a comment)"
expect_eq "own preset dir path" "$(MMUSIM_PRESET_DIR="$TMP/mine" "$MMUSIM" presets --dir)" "$TMP/mine"
MMUSIM_PRESET_DIR="$TMP/mine" "$MMUSIM" config --dump --preset mycore | grep -q "^count = 3" && ok || bad "--preset from MMUSIM_PRESET_DIR"
expect_fail "unknown preset" "no such preset" "$MMUSIM" config --dump --preset nosuch
expect_fail "unknown preset shown" "no such preset" "$MMUSIM" presets nosuch
expect_fail "bad preset name" "a preset name is letters" "$MMUSIM" presets ../etc
mkdir empty
expect_fail "no presets" "no presets" env MMUSIM_PRESET_DIR="$TMP/empty" "$MMUSIM" presets

finish
