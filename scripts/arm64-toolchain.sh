#!/usr/bin/env bash
# Installs what a linux-x64 Debian/Ubuntu machine needs to cross-compile the Native AOT bootstrap for linux-arm64
# (Graviton) and to run it under emulation in the tests:
#   clang + llvm (the cross compiler driver and objcopy), the aarch64 GNU linker, the arm64 C runtime, libgcc and
# zlib (the runtime links them), and qemu-user-static (runs the arm64 binary on x64; only scripts/test-arm64.sh needs it).
#   scripts/arm64-toolchain.sh check     exit 0 when everything is there, else name what is missing
#   scripts/arm64-toolchain.sh install   apt-get install (root or sudo); adds the arm64 architecture to dpkg
set -euo pipefail

# The files the link step reads, checked directly: package names differ between distributions.
required_files=(/usr/lib/aarch64-linux-gnu/crt1.o /usr/lib/aarch64-linux-gnu/libz.a /usr/lib/aarch64-linux-gnu/libc.so)
required_commands=(clang llvm-objcopy aarch64-linux-gnu-ld)
gcc_major=$(gcc -dumpversion 2>/dev/null | cut -d. -f1 || true)
packages=(clang llvm binutils-aarch64-linux-gnu libc6-dev:arm64 zlib1g-dev:arm64 "libgcc-${gcc_major:-12}-dev:arm64" qemu-user-static)

missing() {
  local m=()
  for c in "${required_commands[@]}"; do command -v "$c" >/dev/null || m+=("$c"); done
  for f in "${required_files[@]}"; do [ -e "$f" ] || m+=("$f"); done
  compgen -G "/usr/lib/gcc*/aarch64-linux-gnu/*/libgcc.a" >/dev/null || m+=("libgcc for aarch64")
  echo "${m[*]-}"
}

case "${1:-check}" in
  check)
    m=$(missing)
    if [ -n "$m" ]; then
      echo "the linux-arm64 cross toolchain is incomplete; missing: $m" >&2
      echo "install it with: scripts/arm64-toolchain.sh install   (Debian/Ubuntu, needs root or sudo)" >&2
      exit 1
    fi ;;
  install)
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo dpkg --add-architecture arm64
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}"
    "$0" check && echo "linux-arm64 cross toolchain ready" ;;
  *) echo "usage: $0 [check|install]" >&2; exit 2 ;;
esac
