# Helpers for the command-line tests: source this; $MMUSIM, $SRC, $TMP are set.
set -u
MMUSIM=$1
SRC=$2
TMP=$3
rm -rf "$TMP"
mkdir -p "$TMP"
FAILS=0
PASSES=0
ok() { PASSES=$((PASSES + 1)); }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# expect_fail NAME EXPECTED_SUBSTRING CMD...: non-zero exit and the message on stderr
expect_fail() {
  local name=$1 want=$2
  shift 2
  local out rc
  out=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -eq 0 ]; then
    bad "$name: exit status 0, expected failure"
  elif [[ "$out" != *"$want"* ]]; then
    bad "$name: stderr '$out' does not contain '$want'"
  else
    ok
  fi
}

# json_get FILE EXPR: print a value of the JSON document (python3 expression on j)
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect_eq() {
  local name=$1 got=$2 want=$3
  if [ "$got" != "$want" ]; then bad "$name: got '$got', expected '$want'"; else ok; fi
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ $FAILS -eq 0 ]
}
