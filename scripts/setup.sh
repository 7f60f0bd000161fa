#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up mmusim on Debian 12: install the Debian packages it needs (only the
# missing ones), build it in build/, and run the main job: the default
# configuration over a real Lackey trace that ships in traces/.
#
#   bash scripts/setup.sh            install, build, run the main job
#   bash scripts/setup.sh --no-run   install and build only
#
# Needs root (or sudo) for apt-get when a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# What each package is for: docs/dependencies.md
PACKAGES=(
  build-essential cmake pkgconf g++          # compilers, build
  libinih-dev                                # INI configuration files
  libjansson-dev                             # JSON results
  libzstd-dev liblzma-dev zlib1g-dev         # compressed traces: zstd, xz, gzip
  libcmocka-dev                              # unit tests
  libsystemc-dev                             # the SystemC/TLM-2.0 module and example SoC
  gnuplot-nox                                # plots of the HTML report (mmusim report)
  chromium                                   # the test that loads the HTML report in a headless browser
  slurmctld slurmd slurm-client munge        # the test that runs a sweep as a Slurm job array (sweep --slurm)
  zstd xz-utils gzip python3                 # command-line tests, validation against the reference model
  clang libclang-rt-14-dev                   # the libFuzzer targets (tests/fuzz/, run by .ci/run)
  qemu-user valgrind                         # the QEMU plugin's tests and benchmark (Lackey beside it)
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu libc6-dev-arm64-cross libc6-dev-riscv64-cross  # their guests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: every Debian package needed is installed"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMMUSIM_WERROR=ON
cmake --build build -j"$(nproc)"

if [ "${1:-}" != "--no-run" ]; then
  echo
  echo "setup: main job: ./build/mmusim run traces/xz.lackey.zst (default configuration)"
  ./build/mmusim run traces/xz.lackey.zst --json build/main-job.json
  echo "setup: JSON results in build/main-job.json"
fi
