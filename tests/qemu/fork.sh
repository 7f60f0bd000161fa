# SPDX-License-Identifier: BSD-3-Clause
# A guest that forks, on each guest architecture: the forked child writes its
# own results (json, summary, csv) to each output's name + ".PID", counted
# from the fork on: the child writing N more pages takes exactly N page faults
# more; the parent's results do not depend on what the child does; the
# child's document names its parent; children=off writes no child files.
. "$(dirname "$0")/lib.inc"
need_tools qemu-x86_64 qemu-aarch64 qemu-riscv64 cc aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc

# run ARCH DIR PARENT CHILD [OPTIONS]: the forker under the plugin, outputs in DIR
run() {
  local arch=$1 dir=$2 pp=$3 cp=$4
  shift 4
  local opts=""
  for o in "$@"; do opts="$opts,$o"; done
  rm -rf "$dir" && mkdir -p "$dir"
  "qemu-$arch" -plugin "$PLUGIN,json=$dir/r.json,summary=$dir/s.txt,csv=$dir/r.csv,set=os.thp=off$opts" \
    "$TMP/forker-$arch" "$pp" "$cp"
}
child_json() { ls "$1"/r.json.* 2>/dev/null; }
faults() { json_get "$1" "j['total']['page_faults']"; }

N=1500
for arch in x86_64 aarch64 riscv64; do
  "$(cc_for $arch)" -O2 -static -o "$TMP/forker-$arch" "$SRC/tests/qemu/forker.c" ||
    { bad "cannot build the $arch forker"; continue; }
  # the same length of arguments, so the parent runs the same instructions
  run $arch "$TMP/a" 200 0000 || bad "$arch: child writes 0 pages"
  run $arch "$TMP/b" 200 $N || bad "$arch: child writes $N pages"
  for d in a b; do
    expect_eq "$arch/$d: one child document" "$(child_json "$TMP/$d" | wc -l)" 1
    c=$(child_json "$TMP/$d")
    pid=${c##*.}
    [ -s "$TMP/$d/s.txt.$pid" ] && [ -s "$TMP/$d/r.csv.$pid" ] && ok || bad "$arch/$d: the child's summary or csv is missing"
    expect_eq "$arch/$d: the child names itself and its parent" \
      "$(json_get "$c" "j['pid'] == $pid and j['parent_pid'] > 0 and j['parent_pid'] != $pid")" True
    expect_eq "$arch/$d: the parent's document names no parent" "$(json_get "$TMP/$d/r.json" "'parent_pid' in j")" False
    expect_eq "$arch/$d: the child's accesses are its own (fewer than the parent's)" \
      "$(json_get "$c" "0 < j['total']['accesses'] < $(json_get "$TMP/$d/r.json" "j['total']['accesses']")")" True
  done
  ca=$(child_json "$TMP/a"); cb=$(child_json "$TMP/b")
  expect_eq "$arch: child page faults with $N more pages" "$(faults "$cb")" $(( $(faults "$ca") + N ))
  expect_eq "$arch: the parent's page faults do not depend on the child" "$(faults "$TMP/b/r.json")" "$(faults "$TMP/a/r.json")"
  # (within a few accesses: whether the parent's wait starts before the child ends is
  # up to the host; the child's own accesses, about 3 per page, are far more)
  expect_eq "$arch: the parent's accesses do not depend on the child" \
    "$(json_get "$TMP/b/r.json" "abs(j['total']['accesses'] - $(json_get "$TMP/a/r.json" "j['total']['accesses']")) < 100")" True
  run $arch "$TMP/c" 200 $N children=off || bad "$arch: children=off"
  expect_eq "$arch: children=off writes no child file" "$(ls "$TMP/c" | sort | tr '\n' ' ')" "r.csv r.json s.txt "
done
expect_fail "children=maybe" "children=maybe: expected on or off" run x86_64 "$TMP/d" 0 0 children=maybe
finish
