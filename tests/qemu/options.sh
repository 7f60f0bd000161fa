# SPDX-License-Identifier: BSD-3-Clause
# The plugin's options: summary file, CSV (a row per vCPU), warm-up,
# fetches=off, config and set on top of a preset, outputs to a device or a
# FIFO written in place, and bad options refused with a message and a
# non-zero exit.
. "$(dirname "$0")/lib.inc"
need_tools qemu-x86_64 cc
build_guest x86_64

guest x86_64 "$TMP/a.json" preset=skylake csv=$TMP/r.csv -- 100 1000 || bad "run"
grep -q "^TLB array" "$TMP/summary.txt" && ok || bad "summary file"
expect_eq "JSON schema" "$(json_get "$TMP/a.json" "j['schema']")" "mmusim.qemu/1"
expect_eq "guest" "$(json_get "$TMP/a.json" "j['guest']")" "x86_64"
expect_eq "preset" "$(json_get "$TMP/a.json" "j['vcpus'][0]['preset']")" "skylake"
expect_eq "CSV lines (header + 1 vCPU)" "$(wc -l < "$TMP/r.csv")" 2
head -1 "$TMP/r.csv" | tr , '\n' | grep -qx vcpu && ok || bad "CSV has no vcpu column"
# fetches=off: no instruction fetches, fewer accesses
guest x86_64 "$TMP/f.json" fetches=off -- 100 1000 || bad "fetches=off"
expect_eq "fetches=off: no instructions" "$(json_get "$TMP/f.json" "j['total']['instructions']")" 0
expect_eq "fetches=off: no fetch translations" "$(json_get "$TMP/f.json" "j['vcpus'][0]['translations_by_type']['fetch']")" 0
expect_eq "fetches=on: fetches counted" "$(json_get "$TMP/a.json" "j['vcpus'][0]['translations_by_type']['fetch'] > 0")" True
# warm-up: the counters restart after N accesses
guest x86_64 "$TMP/w.json" warmup=1000 -- 100 1000 || bad "warmup"
expect_eq "warmup: 1000 fewer accesses" \
  "$(( $(json_get "$TMP/a.json" "j['total']['accesses']") - $(json_get "$TMP/w.json" "j['total']['accesses']") ))" 1000
# config file and set on top of the preset
printf '[tlb.stlb]\nentries = 64\nways = 4\n' > "$TMP/c.ini"
guest x86_64 "$TMP/c.json" preset=skylake config=$TMP/c.ini set=tlb.stlb.ways=8 -- 100 1000 || bad "config"
expect_eq "config + set" "$(json_get "$TMP/c.json" "j['vcpus'][0]['config']['tlb.stlb']['entries'] + ',' + j['vcpus'][0]['config']['tlb.stlb']['ways']")" "64,8"
# bad options
expect_fail "unknown option" "unknown option 'bogus'" guest x86_64 "$TMP/x.json" bogus=1 -- 0 0
expect_fail "bad set" "set=tlb.nope.entries=4" guest x86_64 "$TMP/x.json" set=tlb.nope.entries=4 -- 0 0
expect_fail "bad preset" "preset=nosuchcpu" guest x86_64 "$TMP/x.json" preset=nosuchcpu -- 0 0
expect_fail "bad warmup" "warmup=x" guest x86_64 "$TMP/x.json" warmup=x -- 0 0
expect_fail "bad fetches" "fetches=maybe" guest x86_64 "$TMP/x.json" fetches=maybe -- 0 0
expect_fail "missing config" "config=" guest x86_64 "$TMP/x.json" config=$TMP/none.ini -- 0 0
[ ! -e "$TMP/x.json" ] && ok || bad "a refused run wrote its JSON"
# a device or a FIFO is written in place, never renamed over (as mmusim's own
# outputs: docs/outputs.md); our own device node, never the machine's /dev/null
if [ "$(id -u)" = 0 ] && mknod "$TMP/null" c 1 3 2>/dev/null; then
  guest x86_64 "$TMP/null" summary=$TMP/null -- 10 10 || bad "outputs to a device"
  [ -c "$TMP/null" ] && ok || bad "summary= and json= replaced a device node by a file"
  [ -z "$(ls "$TMP" | grep '^null\.tmp')" ] && ok || bad "a temporary file left beside the device"
fi
mkfifo "$TMP/fifo"
timeout 30 cat "$TMP/fifo" > "$TMP/fifo.got" & # bounded: a plugin that renames over the FIFO never opens it
reader=$!
guest x86_64 "$TMP/fifo" -- 10 10 || bad "JSON to a FIFO"
wait $reader
[ -p "$TMP/fifo" ] && ok || bad "json= replaced a FIFO by a file"
expect_eq "JSON through a FIFO" "$(json_get "$TMP/fifo.got" "j['schema']")" "mmusim.qemu/1"
# installed with mmusim, and it loads from there with the installed presets
cmake --install "$(dirname "$MMUSIM")" --prefix "$TMP/prefix" > "$TMP/install.log" 2>&1 || bad "cmake --install"
inst=$(ls "$TMP"/prefix/lib*/mmusim/libmmusim-qemu.so 2>/dev/null | head -1)
if [ -n "$inst" ]; then
  ok
  MMUSIM_PRESET_DIR="$TMP/prefix/share/mmusim/presets" qemu-x86_64 -plugin "$inst,preset=zen2,json=$TMP/i.json,summary=$TMP/inst-summary.txt" \
    "$TMP/fp-x86_64" 10 10 || bad "the installed plugin"
  expect_eq "installed plugin ran" "$(json_get "$TMP/i.json" "j['vcpus'][0]['preset']")" "zen2"
else
  bad "the plugin is not installed under lib/mmusim"
fi
finish
