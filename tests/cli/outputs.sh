# SPDX-License-Identifier: BSD-3-Clause
# Outputs lose nothing and replace nothing they should not (docs/outputs.md):
# devices, FIFOs and symbolic links at an output path, a full disk, inputs
# that are not regular files, signals during run, convert and sweep.
# Device nodes are made in $TMP (never the real /dev/null or /dev/full);
# the full disk is a 64 KiB tmpfs.  Both need root (CI runs the tests as
# root); without it those parts are skipped with a message.
. "$(dirname "$0")/lib.inc"
case $MMUSIM in /*) ;; *) MMUSIM=$PWD/$MMUSIM ;; esac
cd "$TMP" || exit 1

printf 'R 1000 8\nW 2000 8\nX 3000 4\n' > t.txt
no_tmp_left() { # no PATH.tmp.PID file anywhere under the folder
  local left
  left=$(find "${1:-.}" -name '*.tmp.*' 2>/dev/null)
  [ -z "$left" ] && ok || bad "$2: temporary files left: $left"
}
# a command that may never end on a wrong build (reading a device without
# limit): bounded in time and memory
# (a sanitized build reserves terabytes of address space for its shadow
# memory: there the time limit alone bounds a run that reads without end)
if grep -qE '^MMUSIM_(ASAN|UBSAN):BOOL=ON' "$(dirname "$MMUSIM")/CMakeCache.txt" 2>/dev/null; then
  bounded() { timeout 10 "$@"; }
else
  bounded() { ( ulimit -v 2000000; timeout 10 "$@" ); }
fi
is_root=0
[ "$(id -u)" = 0 ] && is_root=1

# ---- item 6: devices, FIFOs, symbolic links, standard output ----
if [ $is_root = 1 ] && mknod null c 1 3 2>/dev/null && mknod full c 1 7 && mknod zero c 1 5; then
  "$MMUSIM" run t.txt --quiet --json null && ok || bad "--json to a null device failed"
  [ -c null ] && ok || bad "--json replaced the null device node with $(stat -c %F null)"
  "$MMUSIM" run t.txt --quiet --per-access null --csv null && ok || bad "--per-access/--csv to a null device"
  [ -c null ] && ok || bad "--per-access/--csv replaced the null device node"
  expect_fail "--json to a full device" "full: write error: No space left on device" \
    "$MMUSIM" run t.txt --quiet --json full
  expect_fail "--csv to a full device" "No space left on device" "$MMUSIM" run t.txt --quiet --csv full
  expect_fail "--per-access to a full device" "No space left on device" \
    "$MMUSIM" run t.txt --quiet --per-access full
  expect_fail "convert to a full device" "No space left on device" "$MMUSIM" convert t.txt full --to text
  expect_fail "gen to a full device" "No space left on device" \
    "$MMUSIM" gen sequential full --accesses 1000 --to text
  [ -c full ] && ok || bad "the full device node was replaced"
  "$MMUSIM" run t.txt --quiet --json r.json || bad "run for the report"
  expect_fail "report to a full device" "No space left on device" "$MMUSIM" report full r.json
  "$MMUSIM" run t.txt --quiet --csv m1.csv || bad "run for merge"
  expect_fail "merge to a full device" "No space left on device" "$MMUSIM" merge full m1.csv
  [ -c full ] && [ -c null ] && ok || bad "a device node was replaced"
  # item 8: a device read back as the CSV, as a configuration, as --out of a sweep
  bounded "$MMUSIM" run t.txt --quiet --csv zero && ok || bad "--csv to a zero device (read back without limit?)"
  expect_fail "--config a device" "zero: is a character device, not a regular file" \
    bounded "$MMUSIM" run t.txt --quiet --config zero
  expect_fail "sweep --out a device" "zero: is a character device, not a regular file" \
    bounded "$MMUSIM" sweep t.txt --vary walker.count=1,2 --out zero --resume
  expect_fail "merge a device" "zero: is a character device" bounded "$MMUSIM" merge mz.csv zero
  [ -c zero ] && ok || bad "the zero device node was replaced"
else
  echo "SKIP: device nodes need root (mknod): device outputs not tested"
fi

mkdir -p sub
ln -s sub/real.json link.json
"$MMUSIM" run t.txt --quiet --json link.json || bad "--json through a symbolic link"
[ -L link.json ] && ok || bad "the symbolic link was replaced by $(stat -c %F link.json)"
expect_eq "the link's target has the results" "$(json_get sub/real.json 'j["accesses"]')" 3
ln -s ../t2.csv sub/link.csv
"$MMUSIM" run t.txt --quiet --per-access sub/link.csv || bad "--per-access through a relative link"
[ -L sub/link.csv ] && [ -f t2.csv ] && [ "$(wc -l < t2.csv)" = 4 ] && ok || bad "relative link not followed"
printf 'old\n' > mode.json
chmod 600 mode.json
"$MMUSIM" run t.txt --quiet --json mode.json || bad "--json over a file"
expect_eq "a replaced file keeps its mode" "$(stat -c %a mode.json)" 600
mkfifo fifo
expect_fail "sweep --out a FIFO" "fifo: is a FIFO, not a regular file" \
  timeout 10 "$MMUSIM" sweep t.txt --vary walker.count=1 --out fifo
timeout 10 cat fifo > fifo.got &
catpid=$!
"$MMUSIM" run t.txt --quiet --json fifo || bad "--json to a FIFO"
wait $catpid
[ -p fifo ] && ok || bad "the FIFO was replaced"
expect_eq "JSON through the FIFO" "$("$PY" -c "import json; print(json.load(open('fifo.got'))['accesses'])")" 3
# a link to this process's standard output (as /dev/stdout is) writes to it
ln -s /proc/self/fd/1 mystdout
"$MMUSIM" run t.txt --json mystdout > both.txt || bad "--json to a link to /proc/self/fd/1"
[ -L mystdout ] && ok || bad "the link to /proc/self/fd/1 was replaced"
grep -q '^trace  *t.txt' both.txt && grep -q '"schema"' both.txt && ok || bad "summary and JSON not both in standard output"
"$MMUSIM" run t.txt --quiet --csv - > stdout.csv || bad "--csv -"
expect_eq "--csv - writes header and row to standard output" "$(wc -l < stdout.csv)" 2
[ ! -e ./- ] && ok || bad "--csv - made a file named '-'"
expect_fail "--json a directory" "sub: is a directory" "$MMUSIM" run t.txt --quiet --json sub
no_tmp_left . "devices and links"

# ---- item 8: inputs that are not regular files ----
expect_fail "--config a directory" "sub: is a directory, not a regular file" "$MMUSIM" run t.txt --config sub
expect_fail "merge a directory" "sub: is a directory" "$MMUSIM" merge mo.csv sub
"$MMUSIM" run t.txt --quiet --config <(printf '[walker]\ncount = 2\n') --json pipe.json \
  && ok || bad "--config from a pipe"
expect_eq "configuration from a pipe" "$(json_get pipe.json 'j["config"]["walker"]["count"]')" 2

# ---- item 7: a full disk: whole rows or nothing, the real reason ----
mkdir -p small
if [ $is_root = 1 ] && mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
  trap 'umount "$TMP/small" 2>/dev/null' EXIT
  # rows until the last page of the file has room for part of a row, not all
  # of it: then a full disk cuts a row in two unless the writer prevents it
  "$MMUSIM" run t.txt --quiet --csv small/r.csv || bad "first row"
  one=$(wc -c < small/r.csv)
  "$MMUSIM" run t.txt --quiet --csv small/r.csv || bad "second row"
  before=$(wc -c < small/r.csv)
  rowlen=$((before - one))
  for _ in 1 2 3 4 5 6 7 8; do
    slack=$(( (4096 - before % 4096) % 4096 ))
    [ $slack -gt 0 ] && [ $slack -lt $rowlen ] && break
    "$MMUSIM" run t.txt --quiet --csv small/r.csv || bad "more rows"
    before=$(wc -c < small/r.csv)
  done
  rows_before=$(wc -l < small/r.csv)
  dd if=/dev/zero of=small/fill bs=4096 2>/dev/null
  expect_fail "CSV row on a full disk" "small/r.csv: No space left on device" \
    "$MMUSIM" run t.txt --quiet --csv small/r.csv
  expect_eq "no part of a row on a full disk" "$(wc -c < small/r.csv)" "$before"
  expect_fail "JSON on a full disk" "No space left on device" "$MMUSIM" run t.txt --quiet --json small/r.json
  [ ! -e small/r.json ] && ok || bad "a JSON file was left on a full disk"
  expect_fail "sweep row on a full disk" "No space left on device" \
    "$MMUSIM" sweep t.txt --vary walker.count=1 --out small/r.csv --resume
  expect_eq "no part of a sweep row on a full disk" "$(wc -c < small/r.csv)" "$before"
  no_tmp_left small "full disk"
  rm -f small/fill
  "$MMUSIM" run t.txt --quiet --csv small/r.csv && ok || bad "append after the disk has room again"
  "$MMUSIM" merge merged.csv small/r.csv 2>/dev/null && ok || bad "merge refuses the file after a full disk"
  expect_eq "rows after the disk had room again" "$(wc -l < small/r.csv)" $((rows_before + 1))
  umount small
  trap - EXIT
else
  echo "SKIP: cannot mount a small tmpfs (needs root): full disk not tested"
fi

# ---- item 9: outputs checked before the run ----
# the trace is a FIFO nobody writes: a run that starts waits forever
mkfifo never
for opt in --json --csv --per-access; do
  expect_fail "unwritable $opt found before the run" "nodir/x: No such file or directory" \
    timeout 10 "$MMUSIM" run never --quiet $opt nodir/x
done
chmod 500 sub
if [ $is_root = 0 ]; then
  expect_fail "--json in a read-only folder" "Permission denied" timeout 10 "$MMUSIM" run never --json sub/x.json
fi
chmod 700 sub
[ ! -e nodir ] && ok || bad "a check left a file"
no_tmp_left . "checks"

# ---- item 9: signals remove the temporary files, the status is the signal's ----
set -m # background jobs get SIGINT (a script's are made to ignore it otherwise)
wait_for_tmp() { # wait until a PATH.tmp.PID file exists
  for _ in $(seq 1 200); do [ -n "$(find . -name "$1.tmp.*")" ] && return 0; sleep 0.05; done
  return 1
}
for sig in TERM INT HUP; do
  mkfifo tr.$sig
  "$MMUSIM" run tr.$sig --quiet --per-access pa.$sig.csv --json j.$sig.json 2>/dev/null &
  pid=$!
  wait_for_tmp pa.$sig.csv || bad "run $sig: no temporary file seen"
  kill -$sig $pid
  wait $pid
  expect_eq "run killed by SIG$sig: the signal's status" "$?" "$((128 + $(kill -l $sig)))"
  no_tmp_left . "run killed by SIG$sig"
  [ ! -e pa.$sig.csv ] && ok || bad "run killed by SIG$sig left its per-access file"
done
mkfifo conv
"$MMUSIM" convert conv conv.bin --from text --to binary 2>/dev/null &
pid=$!
exec 3> conv # the trace stays open: convert waits for more
yes 'R 1000 8' | head -c 8M >&3 # more than the reader's buffers: some is converted
wait_for_tmp conv.bin || bad "convert: no temporary file seen"
kill -TERM $pid
wait $pid
expect_eq "convert killed by SIGTERM" "$?" 143
exec 3>&-
no_tmp_left . "convert killed"
[ ! -e conv.bin ] && ok || bad "convert killed left its output"
set +m

# ---- item 9: sweep on SIGHUP stops its points and says so ----
mkfifo h1 h2
"$MMUSIM" sweep h1 h2 --vary walker.count=1 -j 2 --out hup.csv >/dev/null 2>hup.err &
pid=$!
kids=
for _ in $(seq 1 200); do kids=$(pgrep -P $pid | tr '\n' ' '); [ -n "$kids" ] && break; sleep 0.05; done
[ -n "$kids" ] || bad "sweep: no point started"
kill -HUP $pid
wait $pid
expect_eq "sweep on SIGHUP: status" "$?" 129
grep -q "SIGHUP: stopping the 1 running point" hup.err && ok || bad "sweep on SIGHUP says nothing: $(cat hup.err)"
grep -q "point 1 (h1 walker.count=1) stopped" hup.err && ok || bad "the stopped point is not named: $(cat hup.err)"
alive=
for k in $kids; do kill -0 "$k" 2>/dev/null && alive="$alive $k"; done
[ -z "$alive" ] && ok || { bad "sweep points still running after SIGHUP:$alive"; kill $alive; }
[ ! -s hup.csv ] && ok || bad "a stopped point wrote a row"
# --resume then runs every point once
"$MMUSIM" sweep h1 h2 --vary walker.count=1 -j 1 --out hup.csv --resume >/dev/null 2>&1 &
pid=$!
# (if the points never open their FIFOs, stop the sweep rather than wait for it forever)
timeout 60 bash -c 'printf "R 1000 8\n" > h1; printf "R 2000 8\n" > h2' || { bad "resumed points did not read"; kill $pid; }
wait $pid
expect_eq "resumed sweep" "$?" 0
expect_eq "one row per point after resume" "$(tail -n +2 hup.csv | wc -l)" 2

finish
