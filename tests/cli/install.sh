# cmake --install gives a library another project can use, through its CMake
# package (find_package(mmusim)) and through pkg-config.
. "$(dirname "$0")/lib.inc"
BUILD=$(dirname "$MMUSIM")
cmake --install "$BUILD" --prefix "$TMP/prefix" > "$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; bad "cmake --install"; }
for h in mmusim.h mmu.h tlb.h config.h types.h error.h pagetable.h os.h; do
  [ -f "$TMP/prefix/include/mmusim/$h" ] && ok || bad "installed header $h"
done
[ -x "$TMP/prefix/bin/mmusim" ] && ok || bad "installed program"
ls "$TMP"/prefix/share/mmusim/presets/skylake.ini > /dev/null 2>&1 && ok || bad "installed presets"
"$TMP/prefix/bin/mmusim" config --dump --preset skylake > /dev/null 2>&1 || true
# a library built with sanitizers (cmake --preset asan) needs their runtimes in the consumer too
san=""
grep -q '^MMUSIM_ASAN:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && san="$san -fsanitize=address"
grep -q '^MMUSIM_UBSAN:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && san="$san -fsanitize=undefined"
cmake -S "$SRC/tests/install" -B "$TMP/consumer" -DCMAKE_PREFIX_PATH="$TMP/prefix" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" > "$TMP/c.log" 2>&1 &&
  cmake --build "$TMP/consumer" >> "$TMP/c.log" 2>&1 && "$TMP/consumer/consumer" >> "$TMP/c.log" 2>&1 && ok ||
  { cat "$TMP/c.log"; bad "find_package(mmusim) consumer"; }
libdir=$(ls -d "$TMP"/prefix/lib*/pkgconfig | head -1)
if PKG_CONFIG_PATH="$libdir" pkg-config --exists mmusim; then
  ok
  cc $san "$SRC/tests/install/consumer.c" -o "$TMP/pc_consumer" $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs mmusim) &&
    "$TMP/pc_consumer" > /dev/null && ok || bad "pkg-config consumer"
else
  bad "pkg-config finds mmusim"
fi
finish
