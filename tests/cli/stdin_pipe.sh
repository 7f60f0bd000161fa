# SPDX-License-Identifier: BSD-3-Clause
# `mmusim run -` on a live pipe that stops early (here --on-fault stop):
# mmusim lets go of the pipe at once, so the producer's next write fails
# (SIGPIPE, exit 141) instead of succeeding while mmusim waits for the
# producer's end; and mmusim itself exits without waiting for the producer.
. "$(dirname "$0")/lib.inc"

producer() {
  for i in $(seq 10); do echo " L 1000,8"; done
  echo " S 10000,8" # a store to a read-only page: the run stops here
  for i in $(seq 10000); do echo " L 2000,8"; done # more than one batch of the reader
  sleep 3 # silent, the pipe open
  echo " L 1000,8" || exit 99
  sleep 3
  exit 0
}
start=$(date +%s%N)
( producer | ( "$MMUSIM" run - --map 0:10000:4096:r --on-fault stop --quiet 2>"$TMP/err"; echo $? > "$TMP/rc"
               date +%s%N > "$TMP/end" )
  echo "${PIPESTATUS[0]}" > "$TMP/prc" )
expect_eq "mmusim exit status" "$(cat "$TMP/rc")" 1
grep -q "stopping (--on-fault stop)" "$TMP/err" && ok || bad "no stop message: $(cat "$TMP/err")"
prc=$(cat "$TMP/prc")
[ "$prc" = 141 ] || [ "$prc" = 99 ] && ok || bad "the producer's write after mmusim stopped succeeded (exit $prc)"
ms=$(( ($(cat "$TMP/end") - start) / 1000000 ))
[ $ms -lt 2500 ] && ok || bad "mmusim took $ms ms to exit: it waited on the silent pipe"

# a bad line: the reader stops there, the producer is stopped the same way
( { for i in $(seq 20); do echo " L 1000,8"; done; echo "garbage"; sleep 2; echo " L 1000,8" || exit 99; sleep 2; } |
  "$MMUSIM" run - --quiet 2>"$TMP/err2"; echo "${PIPESTATUS[0]} ${PIPESTATUS[1]}" > "$TMP/prc2" )
grep -q "<stdin>:21: unknown Lackey record 'garbage'" "$TMP/err2" && ok || bad "bad line message: $(cat "$TMP/err2")"
read -r p2 m2 < "$TMP/prc2"
expect_eq "mmusim exit status on a bad line" "$m2" 1
[ "$p2" = 141 ] || [ "$p2" = 99 ] && ok || bad "bad line: the producer's later write succeeded (exit $p2)"
finish
