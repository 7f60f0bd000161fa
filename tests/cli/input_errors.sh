# SPDX-License-Identifier: BSD-3-Clause
# Bad input that used to be accepted silently (or hang) is an error naming
# the file and line, the key or the option: configuration files read by
# libinih, numbers out of range, inconsistent configurations, all-zero data,
# long Valgrind commentary, and broken compressed streams.
. "$(dirname "$0")/lib.inc"

printf 'R 1000 8\n' > "$TMP/ok.txt"

# ---- configuration files ----
# a long comment line is a comment, whatever its length (libinih alone cuts
# lines at 200 bytes and parses the tail: this one set mmu.seed)
{ printf '[mmu]\n; '; head -c 197 /dev/zero | tr '\0' x; printf 'seed = 99\n'; } > "$TMP/longcomment.ini"
"$MMUSIM" config --dump --config "$TMP/longcomment.ini" > "$TMP/dump.ini" || bad "long comment refused"
grep -q '^seed = 1$' "$TMP/dump.ini" && ok || bad "a long comment set a key: $(grep '^seed' "$TMP/dump.ini")"
{ printf '[mmu]\nseed = 1'; head -c 300 /dev/zero | tr '\0' ' '; printf '\n[tlb.l1d]\nwayz = 1\n'; } > "$TMP/longline.ini"
expect_fail "long key line" "$TMP/longline.ini:2: line too long" "$MMUSIM" config --dump --config "$TMP/longline.ini"
# line numbers stay right after a long comment
{ printf '[mmu]\n; '; head -c 500 /dev/zero | tr '\0' x; printf '\n[tlb.l1d]\nwayz = 1\n'; } > "$TMP/lineno.ini"
expect_fail "line numbers after a long comment" "$TMP/lineno.ini:4: tlb.l1d: unknown key 'wayz'" \
  "$MMUSIM" config --dump --config "$TMP/lineno.ini"
printf '[mmu]\nseed = 1\n[tlb.l1d]\nentries = 32\n[mmu]\nseed = 2\n' > "$TMP/dup.ini"
expect_fail "repeated key" "$TMP/dup.ini:6: mmu.seed is set again (first on line 2)" \
  "$MMUSIM" config --dump --config "$TMP/dup.ini"
printf '[mmu]\nseed = 12\0003\n' > "$TMP/nul.ini"
expect_fail "NUL byte" "$TMP/nul.ini:2: NUL byte" "$MMUSIM" config --dump --config "$TMP/nul.ini"
printf '[tlb.l1d]\npolicy = lru\n    fifo\n' > "$TMP/indent.ini"
expect_fail "indented line" "$TMP/indent.ini:3: indented line" "$MMUSIM" config --dump --config "$TMP/indent.ini"
# indented comments and blank lines stay fine
printf '[tlb.l1d]\n  ; a comment\n   \npolicy = lru\n' > "$TMP/indentc.ini"
"$MMUSIM" config --dump --config "$TMP/indentc.ini" > /dev/null && ok || bad "indented comment refused"
# leading zeros are decimal, never octal; 0x is hexadecimal
printf '[tlb.l1d]\nentries = 064\n[mmu]\nseed = 0x2a\n' > "$TMP/zeros.ini"
"$MMUSIM" config --dump --config "$TMP/zeros.ini" > "$TMP/zeros.out" || bad "leading zeros refused"
expect_eq "entries = 064" "$(sed -n '/^\[tlb.l1d\]/,/^\[/p' "$TMP/zeros.out" | grep '^entries')" "entries = 64"
expect_eq "seed = 0x2a" "$(grep '^seed' "$TMP/zeros.out")" "seed = 42"
expect_eq "--set 010" "$("$MMUSIM" config --dump --set tlb.l1d.entries=010 --set tlb.l1d.ways=01 | sed -n '/^\[tlb.l1d\]/,/^\[/p' | grep "^entries")" "entries = 10"

# ---- numbers out of range, inconsistent configurations ----
expect_fail "warmup 2^64" "--warmup: '18446744073709551616' is not an integer below 2^64" \
  "$MMUSIM" run "$TMP/ok.txt" --warmup 18446744073709551616
expect_fail "timeline 2^64" "--timeline" "$MMUSIM" run "$TMP/ok.txt" --timeline 99999999999999999999
expect_fail "prefault size 2^64" "--prefault '0:1000:18446744073709551616'" \
  "$MMUSIM" run "$TMP/ok.txt" --prefault 0:1000:18446744073709551616
expect_fail "map address 2^64" "--map '0:10000000000000000:4096:rw'" \
  "$MMUSIM" run "$TMP/ok.txt" --map 0:10000000000000000:4096:rw
expect_fail "pa_bits 13" "walker.pa_bits (13) is too narrow for os.phys_mem" \
  "$MMUSIM" run "$TMP/ok.txt" --set walker.pa_bits=13
expect_fail "pa_bits 60 under x86_64" "walker.pa_bits (60) is more than walker.format x86_64 encodes" \
  "$MMUSIM" run "$TMP/ok.txt" --set walker.pa_bits=60
"$MMUSIM" run "$TMP/ok.txt" --set walker.pa_bits=32 --quiet > /dev/null && ok || bad "pa_bits 32 with 4 GiB refused"
expect_fail "16K TLB under x86_64" "tlb.l1d.page_sizes (16K) has no page size of walker.format x86_64" \
  "$MMUSIM" run "$TMP/ok.txt" --set tlb.l1d.page_sizes=16K
# a 4K array under a 64K granule holds splinters; Arm TLBs hold every granule's sizes
"$MMUSIM" run "$TMP/ok.txt" --set walker.format=aarch64_64k --quiet > /dev/null && ok || bad "default TLBs under aarch64_64k"
"$MMUSIM" run "$TMP/ok.txt" --set walker.format=aarch64_4k --set tlb.l1d.page_sizes=16K --quiet > /dev/null \
  && ok || bad "16K array under aarch64_4k"

# ---- traces ----
# zeros are not a ChampSim trace (they read as endless fetches at 0)
head -c 65536 /dev/zero > "$TMP/zero.bin"
expect_fail "64 KiB of zeros" "$TMP/zero.bin: cannot tell the trace format: the data starts with 64 zero bytes" \
  timeout 20 "$MMUSIM" run "$TMP/zero.bin" --quiet
expect_fail "/dev/zero" "/dev/zero: cannot tell the trace format" timeout 20 "$MMUSIM" run /dev/zero --quiet
expect_fail "/dev/zero as champsim" "/dev/zero: record 1: instruction pointer 0" \
  timeout 20 "$MMUSIM" run /dev/zero --format champsim --quiet

# Valgrind commentary has no length limit (a Command: line with long arguments)
"$PY" - "$TMP" <<'PYEOF'
import sys
d = sys.argv[1]
with open(d + '/longcmd.lackey', 'w') as f:
    f.write('==4242== Lackey, an example Valgrind tool\n==4242== Command: ./prog ' + 'a' * 10000 + '\n')
    f.write(' I  04000000,3\n L 00001000,8\n==4242== ' + 'b' * 9000000 + '\n S 00002000,8\n')
    f.write('==4242== ' + 'c' * 5000)  # a last line without a newline
with open(d + '/longc.txt', 'w') as f:
    f.write('# ' + 'c' * 5000 + '\nR 1000 8\n# ' + 'd' * 6000000 + '\nW 2000 8\n')
with open(d + '/longbad.lackey', 'w') as f:
    f.write(' L 00001000,8\n S ' + '0' * 5000 + '\n')
PYEOF
"$MMUSIM" run "$TMP/longcmd.lackey" --quiet --json "$TMP/longcmd.json" || bad "long Valgrind lines"
expect_eq "accesses after long Valgrind lines" "$(json_get "$TMP/longcmd.json" 'j["accesses"]')" 3
"$MMUSIM" run "$TMP/longc.txt" --quiet --json "$TMP/longc.json" || bad "long # comments"
expect_eq "accesses after long # comments" "$(json_get "$TMP/longc.json" 'j["accesses"]')" 2
expect_fail "a long record is still refused" "$TMP/longbad.lackey:2: " \
  "$MMUSIM" run "$TMP/longbad.lackey"

# a broken compressed stream says how far reading got
"$PY" -c "
with open('$TMP/big.lackey', 'w') as f:
    for i in range(1, 200001):
        f.write(' L %08x,8\\n' % ((i * 7919 % 999983) * 64))
"
for c in gzip xz zstd; do
  "$c" -c "$TMP/big.lackey" > "$TMP/big.$c"
  head -c $(($(stat -c %s "$TMP/big.$c") / 2)) "$TMP/big.$c" > "$TMP/half.$c"
  out=$("$MMUSIM" run "$TMP/half.$c" --quiet 2>&1 >/dev/null) && bad "truncated $c accepted"
  if [[ "$out" =~ half\.$c:([0-9]+):\ truncated\ $c\ stream\ \(after\ ([0-9]+)\ whole\ lines\) ]] &&
     [ "${BASH_REMATCH[1]}" -gt 1000 ] && [ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] - 1)) ]; then
    ok
  else
    bad "truncated $c: '$out' does not say the line reached"
  fi
done
printf '\037\213junk, not deflate data' > "$TMP/junk.gz"
expect_fail "junk after a gzip magic" "$TMP/junk.gz: corrupt gzip stream: unknown compression method (at the start of the data)" "$MMUSIM" run "$TMP/junk.gz"
"$MMUSIM" convert "$TMP/big.lackey" "$TMP/big.bin.zst" > /dev/null || bad "convert to binary"
head -c $(($(stat -c %s "$TMP/big.bin.zst") / 2)) "$TMP/big.bin.zst" > "$TMP/half.bin.zst"
out=$("$MMUSIM" run "$TMP/half.bin.zst" --quiet 2>&1 >/dev/null) && bad "truncated binary accepted"
[[ "$out" =~ half\.bin\.zst:\ record\ ([0-9]+):\ truncated\ zstd\ stream\ \(after\ ([0-9]+)\ whole\ records\) ]] &&
  [ "${BASH_REMATCH[1]}" -gt 1000 ] && ok || bad "truncated binary: '$out' does not say the record reached"

finish
