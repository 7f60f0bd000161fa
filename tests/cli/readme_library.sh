# SPDX-License-Identifier: BSD-3-Clause
# README.md's "Using the library" program, compiled and run as written
# against the build tree's libmmusim: it must translate successfully.
. "$(dirname "$0")/lib.inc"
BUILD=$(dirname "$MMUSIM")
LIB=$(find "$BUILD/model" -maxdepth 1 -name 'libmmusim.*' | head -1)
# the C block between <!-- library-snippet --> and <!-- /library-snippet -->
sed -n '/^<!-- library-snippet -->$/,/^<!-- \/library-snippet -->$/p' "$SRC/README.md" > "$TMP/block.md"
[ "$(sed -n 2p "$TMP/block.md")" = '```c' ] && [ "$(tail -2 "$TMP/block.md" | head -1)" = '```' ] && ok ||
  bad "README.md: no \`\`\`c block between the library-snippet markers"
sed '1,2d;$d' "$TMP/block.md" | sed '$d' > "$TMP/snippet.c"
# a library built with sanitizers (cmake --preset asan) needs their runtimes in the program too
san=""
grep -q '^MMUSIM_ASAN:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && san="$san -fsanitize=address"
grep -q '^MMUSIM_UBSAN:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && san="$san -fsanitize=undefined"
cc -std=c11 -Wall -Wextra -Werror $san -I"$SRC/include" "$TMP/snippet.c" "$LIB" -o "$TMP/snippet" > "$TMP/cc.log" 2>&1 && ok ||
  { cat "$TMP/cc.log"; bad "README snippet does not compile"; }
"$TMP/snippet" > "$TMP/out.txt" 2>&1 && ok || { cat "$TMP/out.txt"; bad "README snippet exits non-zero"; }
grep -Eq '^0x7f0000001234 -> 0x[0-9a-f]+ in [0-9]+ cycles \(1 page fault\)$' "$TMP/out.txt" && ok ||
  { cat "$TMP/out.txt"; bad "README snippet: no successful translation"; }
finish
