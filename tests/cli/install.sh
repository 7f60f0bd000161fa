# SPDX-License-Identifier: BSD-3-Clause
# cmake --install gives libraries other projects use from the installed tree
# alone (docs/library.md): every layer with headers, CMake package and
# pkg-config file; outside projects (tests/install/) built with each, their
# results compared with `mmusim run`; the installation moved elsewhere
# (relocatable) with the presets still found from it.
. "$(dirname "$0")/lib.inc"
BUILD=$(dirname "$MMUSIM")
TRACE="$SRC/traces/mawk.lackey.zst"
unset MMUSIM_PRESET_DIR
SYSTEMC=$(sed -n 's/^MMUSIM_SYSTEMC:BOOL=//p' "$BUILD/CMakeCache.txt")
[ "$SYSTEMC" = ON ] || SYSTEMC=OFF

# install into one place, then move it: nothing may depend on where it was installed
cmake --install "$BUILD" --prefix "$TMP/stage" > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; bad "cmake --install"; }
mv "$TMP/stage" "$TMP/prefix"
P=$(cd "$TMP/prefix" && pwd -P)
for h in mmusim.h mmu.h tlb.h config.h types.h error.h pagetable.h os.h \
         io/config_file.h io/report.h io/trace.h io/tracewrite.h io/stream.h io/gen.h; do
  [ -f "$P/include/mmusim/$h" ] && ok || bad "installed header $h"
done
libdir=$(cd "$(dirname "$(ls "$P"/lib*/libmmusim.a "$P"/lib/*/libmmusim.a 2>/dev/null | head -1)")" && pwd -P)
LIBS="libmmusim.a libmmusim-io.a"
PCS="mmusim mmusim-io"
CMAKES="mmusimConfig.cmake mmusimConfigVersion.cmake mmusim-core-targets.cmake mmusim-io-targets.cmake"
if [ $SYSTEMC = ON ]; then
  LIBS="$LIBS libmmusim-systemc.a"
  PCS="$PCS mmusim-systemc"
  CMAKES="$CMAKES mmusim-systemc-targets.cmake"
  [ -f "$P/include/mmusim/systemc/mmu_module.h" ] && ok || bad "installed SystemC headers"
fi
for f in $LIBS; do [ -f "$libdir/$f" ] && ok || bad "installed library $f"; done
for f in $PCS; do [ -f "$libdir/pkgconfig/$f.pc" ] && ok || bad "installed pkg-config file $f.pc"; done
for f in $CMAKES; do [ -f "$libdir/cmake/mmusim/$f" ] && ok || bad "installed CMake file $f"; done
[ -x "$P/bin/mmusim" ] && ok || bad "installed program"
[ -f "$P/share/mmusim/presets/skylake.ini" ] && ok || bad "installed presets"
[ -f "$P/share/doc/mmusim/LICENSE" ] && ok || bad "installed LICENSE"
# no path of the build or of the first install place is written into the package
grep -rl -e "$TMP/stage" -e "$SRC" "$libdir/pkgconfig" "$libdir/cmake/mmusim" > "$TMP/abs.txt" &&
  { cat "$TMP/abs.txt"; bad "absolute paths in the installed package files"; } || ok

# the reference: the build tree's program
"$MMUSIM" run --preset skylake "$TRACE" > "$TMP/ref.txt" 2> "$TMP/ref.err" || { cat "$TMP/ref.err"; bad "mmusim run (reference)"; }
grep -q "^" "$TMP/ref.txt" && ok || bad "reference summary is empty"

# the installed program finds the presets of its own installation
expect_eq "installed program's preset dir" "$("$P/bin/mmusim" presets --dir)" "$P/share/mmusim/presets"
"$P/bin/mmusim" run --preset skylake "$TRACE" > "$TMP/inst.txt" 2>&1 && cmp -s "$TMP/ref.txt" "$TMP/inst.txt" && ok ||
  { diff "$TMP/ref.txt" "$TMP/inst.txt" | head; bad "installed mmusim run differs"; }

# ---- find_package(mmusim COMPONENTS io [systemc]) ----
cmake -S "$SRC/tests/install" -B "$TMP/consumer" -DCMAKE_PREFIX_PATH="$P" -DWITH_SYSTEMC=$SYSTEMC \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" > "$TMP/c.log" 2>&1 &&
  cmake --build "$TMP/consumer" >> "$TMP/c.log" 2>&1 && ok || { cat "$TMP/c.log"; bad "find_package(mmusim) consumer builds"; }
expect_eq "CMake MMUSIM_PRESET_DIR" "$(cat "$TMP/consumer/preset_dir.txt" 2>/dev/null)" "$P/share/mmusim/presets"
"$TMP/consumer/run_trace" skylake "$TRACE" > "$TMP/cm.txt" 2> "$TMP/cm.err" && cmp -s "$TMP/ref.txt" "$TMP/cm.txt" && ok ||
  { cat "$TMP/cm.err"; diff "$TMP/ref.txt" "$TMP/cm.txt" | head; bad "find_package consumer: summary differs from mmusim run"; }
# installed beside mmusim, the consumer finds the presets from its own location
cmake --install "$TMP/consumer" --prefix "$P" > /dev/null 2>&1 || bad "install the consumer"
expect_eq "installed consumer's preset dir" "$("$P/bin/run_trace" --preset-dir)" "$P/share/mmusim/presets"
(cd / && "$P/bin/run_trace" skylake "$TRACE") > "$TMP/cmi.txt" 2>&1 && cmp -s "$TMP/ref.txt" "$TMP/cmi.txt" && ok ||
  { diff "$TMP/ref.txt" "$TMP/cmi.txt" | head; bad "installed consumer: summary differs"; }
# a component that is not there is refused with its name
mkdir -p "$TMP/nocomp"
printf 'cmake_minimum_required(VERSION 3.20)\nproject(x LANGUAGES C)\nfind_package(mmusim REQUIRED COMPONENTS nosuch)\n' > "$TMP/nocomp/CMakeLists.txt"
cmake -S "$TMP/nocomp" -B "$TMP/nocomp/b" -DCMAKE_PREFIX_PATH="$P" > "$TMP/nocomp.log" 2>&1 && bad "unknown component accepted" ||
  { grep -q "nosuch" "$TMP/nocomp.log" && ok || { cat "$TMP/nocomp.log"; bad "unknown component: no message naming it"; }; }

# ---- pkg-config ----
export PKG_CONFIG_PATH="$libdir/pkgconfig"
expect_eq "pkg-config presetdir" "$(cd "$(pkg-config --variable=presetdir mmusim-io)" 2>/dev/null && pwd -P)" "$P/share/mmusim/presets"
cc -std=c11 -Wall -Wextra -Werror "$SRC/tests/install/run_trace.c" -o "$TMP/pc_run_trace" $(pkg-config --cflags --libs mmusim-io) \
  > "$TMP/pc.log" 2>&1 && ok || { cat "$TMP/pc.log"; bad "pkg-config mmusim-io consumer links"; }
"$TMP/pc_run_trace" skylake "$TRACE" > "$TMP/pc.txt" 2>&1 && cmp -s "$TMP/ref.txt" "$TMP/pc.txt" && ok ||
  { diff "$TMP/ref.txt" "$TMP/pc.txt" | head; bad "pkg-config consumer: summary differs from mmusim run"; }
# the core alone: the README's snippet
sed -n '/<!-- library-snippet -->/,/<!-- \/library-snippet -->/p' "$SRC/README.md" | sed '1,2d;$d' | sed '$d' > "$TMP/snippet.c"
cc -std=c11 -Wall -Wextra -Werror "$TMP/snippet.c" -o "$TMP/pc_core" $(pkg-config --cflags --libs mmusim) > "$TMP/pcc.log" 2>&1 &&
  "$TMP/pc_core" > "$TMP/pcc.txt" 2>&1 && ok || { cat "$TMP/pcc.log" "$TMP/pcc.txt"; bad "pkg-config mmusim (core) consumer"; }

if [ $SYSTEMC = ON ]; then
  "$TMP/consumer/sc_consumer" > "$TMP/sc.txt" 2>&1 && grep -q "0 failed checks" "$TMP/sc.txt" && ok ||
    { tail "$TMP/sc.txt"; bad "find_package SystemC consumer"; }
  c++ -std=c++17 "$SRC/tests/install/sc_consumer.cpp" -o "$TMP/pc_sc" $(pkg-config --cflags --libs mmusim-systemc) \
    > "$TMP/pcsc.log" 2>&1 && ok || { cat "$TMP/pcsc.log"; bad "pkg-config mmusim-systemc consumer links"; }
  "$TMP/pc_sc" > "$TMP/pcsc.txt" 2>&1 && grep -q "0 failed checks" "$TMP/pcsc.txt" && ok ||
    { tail "$TMP/pcsc.txt"; bad "pkg-config SystemC consumer"; }
  # the SystemC library brings neither the CLI nor the trace readers into a platform
  nm -C "$TMP/consumer/sc_consumer" > "$TMP/sc.nm"
  grep -qE " (cli_|mmusim_trace_open|mmusim_stream_|ZSTD_|lzma_|inflate)" "$TMP/sc.nm" &&
    { grep -E " (cli_|mmusim_trace_open|mmusim_stream_|ZSTD_|lzma_|inflate)" "$TMP/sc.nm" | head -5; bad "SystemC consumer links the CLI or trace readers"; } || ok
  grep -q "mmusim_report_text" "$TMP/sc.nm" && ok || bad "SystemC consumer: no report writer linked"
  # and its sources include only the public headers (what is installed) and its own private ones
  for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$SRC"/systemc/*.cpp "$SRC"/systemc/*.h "$SRC"/include/mmusim/systemc/*.h | sort -u); do
    [ -f "$SRC/include/$inc" ] || [ -f "$SRC/systemc/$inc" ] && ok || bad "systemc/ includes $inc, which is neither a public header nor its own"
  done
fi
finish
