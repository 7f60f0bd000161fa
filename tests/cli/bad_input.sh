# SPDX-License-Identifier: BSD-3-Clause
# Every kind of bad input: a clear message naming the file, line or field,
# a non-zero exit, and no output file left behind.
. "$(dirname "$0")/lib.inc"

printf 'R 1000 8\nR 10zz 8\n' > "$TMP/badhex.txt"
expect_fail "bad hex digit" "$TMP/badhex.txt:2:" "$MMUSIM" run "$TMP/badhex.txt" --json "$TMP/out.json"
[ ! -e "$TMP/out.json" ] && ok || bad "no JSON file after a failed run"
ls "$TMP" | grep -q tmp && bad "temporary file left behind" || ok

printf 'R 1000 8\nQ 2000 8\n' > "$TMP/badop.txt"
expect_fail "unknown operation" "$TMP/badop.txt:2:" "$MMUSIM" run "$TMP/badop.txt" --format text

printf 'R 1000 8 vmid=1\nR 2000 8 vmid=70000\n' > "$TMP/badvm.txt"
expect_fail "VM id out of range" "$TMP/badvm.txt:2: vmid 70000 out of range 0..65535" "$MMUSIM" run "$TMP/badvm.txt"
printf 'R 1000 8 vmid=x1\n' > "$TMP/badvm2.txt"
expect_fail "VM id not a number" "$TMP/badvm2.txt:1: bad digit 'x' in vmid" "$MMUSIM" convert "$TMP/badvm2.txt" "$TMP/badvm2.bin"
[ ! -e "$TMP/badvm2.bin" ] && ok || bad "no output after a bad VM id"

printf ' L 00001000,8\n L 00002000\n' > "$TMP/bad.lackey"
expect_fail "lackey line without size" "$TMP/bad.lackey:2:" "$MMUSIM" run "$TMP/bad.lackey"

printf ' L 00001000,8\n L 0000200g,8\n' > "$TMP/badhex.lackey"
expect_fail "lackey bad hex" "$TMP/badhex.lackey:2:" "$MMUSIM" run "$TMP/badhex.lackey"

: > "$TMP/empty.txt"
expect_fail "empty trace" "$TMP/empty.txt" "$MMUSIM" run "$TMP/empty.txt"

# a truncated zstd stream is an error, not a short run
for i in $(seq 1 3000); do printf ' L %08x,8\n' $((i * 4096)); done > "$TMP/long.lackey"
zstd -q -f "$TMP/long.lackey" -o "$TMP/long.zst"
size=$(stat -c %s "$TMP/long.zst")
head -c $((size / 2)) "$TMP/long.zst" > "$TMP/trunc.zst"
expect_fail "truncated zstd" "$TMP/trunc.zst" "$MMUSIM" run "$TMP/trunc.zst" --json "$TMP/out2.json"
[ ! -e "$TMP/out2.json" ] && ok || bad "no JSON after a truncated stream"
gzip -c "$TMP/long.lackey" > "$TMP/long.gz"
head -c 200 "$TMP/long.gz" > "$TMP/trunc.gz"
expect_fail "truncated gzip" "$TMP/trunc.gz" "$MMUSIM" run "$TMP/trunc.gz"

expect_fail "missing trace" "$TMP/nope.txt" "$MMUSIM" run "$TMP/nope.txt"

# configuration errors name the field
printf 'R 1000 8\n' > "$TMP/ok.txt"
expect_fail "unknown key" "unknown key 'entriez'" "$MMUSIM" run "$TMP/ok.txt" --set tlb.stlb.entriez=4
expect_fail "unknown section" "unknown section [nope]" "$MMUSIM" run "$TMP/ok.txt" --set nope.x=1
expect_fail "out of range" "mmu.clock_mhz: 0 is out of range" "$MMUSIM" run "$TMP/ok.txt" --set mmu.clock_mhz=0
expect_fail "not a number" "is not a non-negative integer" "$MMUSIM" run "$TMP/ok.txt" --set tlb.l1d.entries=lots
expect_fail "ways must divide" "tlb.stlb.ways (5) must divide tlb.stlb.entries (1536)" \
  "$MMUSIM" run "$TMP/ok.txt" --set tlb.stlb.ways=5
expect_fail "bad policy" "is not one of lru, plru" "$MMUSIM" run "$TMP/ok.txt" --set tlb.l1d.policy=best
printf '[mmu]\nseed = 1\n[tlb.l1d]\nwayz = 2\n' > "$TMP/bad.ini"
expect_fail "config file key" "$TMP/bad.ini:4: tlb.l1d: unknown key 'wayz'" "$MMUSIM" run "$TMP/ok.txt" --config "$TMP/bad.ini"
printf '[mmu]\n[walkerz]\n' > "$TMP/bad2.ini"
expect_fail "config file section" "$TMP/bad2.ini:2: unknown section [walkerz]" "$MMUSIM" config --dump --config "$TMP/bad2.ini"
expect_fail "unknown option" "unknown option '--frobnicate'" "$MMUSIM" run "$TMP/ok.txt" --frobnicate
expect_fail "unknown command" "unknown command 'fly'" "$MMUSIM" fly
expect_fail "bad warmup" "--warmup" "$MMUSIM" run "$TMP/ok.txt" --warmup x
expect_fail "json to a missing dir" "$TMP/no/dir/out.json" "$MMUSIM" run "$TMP/ok.txt" --json "$TMP/no/dir/out.json"

finish
