#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: Scripts/setup.sh [--deps-only]
# Idempotent set-up of a fresh Debian 12 machine for tinyc (CI runs it as root):
#   1. apt packages: the Arm toolchain + newlib, QEMU, FlatBuffers, make, gcc, cmake (the embedding test)
#      (apt-get runs only if one of them is missing, so a second run does not touch apt);
#   2. the instruction-counting QEMU TCG plugin -> build/tools/libinsncount.so (repo-relative;
#      rebuilt only when Scripts/qemu-insncount/insncount.c is newer);
#   3. (unless --deps-only) builds tinyc with `swift build`, compiles the digits example with an
#      SRAM budget and runs it on the emulated Cortex-M4 board, checked against the reference.
# Uses sudo for apt when not root (and sudo exists).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
          libflatbuffers-dev flatbuffers-compiler make gcc g++ cmake)

log() { echo "setup: $*"; }

# Runs a command as root: directly, or via sudo when we are not root.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "setup: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "apt packages already installed"
        return 0
    fi
    log "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_insncount_plugin() {
    local src="$ROOT/Scripts/qemu-insncount/insncount.c"
    local out="$ROOT/build/tools/libinsncount.so"
    if [[ -f "$out" && ! "$src" -nt "$out" ]]; then
        log "insncount plugin up to date: ${out#"$ROOT"/}"
        return 0
    fi
    mkdir -p "$(dirname "$out")"
    gcc -O2 -shared -fPIC -Wall -Wextra -Werror -o "$out.tmp" "$src"
    mv "$out.tmp" "$out"
    log "built ${out#"$ROOT"/}"
}

build_and_run_example() {
    log "building tinyc (swift build)"
    (cd "$ROOT" && swift build)
    local tinyc="$ROOT/.build/debug/tinyc" out="$ROOT/build/examples/digits"
    local ex="$ROOT/Examples/digits"
    log "compiling Examples/digits/digits.json -> ${out#"$ROOT"/}"
    "$tinyc" compile "$ex/digits.json" --target cortex-m4 --sram 32k --calib "$ex/calib.npy" -o "$out"
    log "running it on mps2-an386 (QEMU) with the first test images, checked against the reference"
    "$tinyc" run "$out" --board mps2-an386 --input "$ex/test_x.npy" --labels "$ex/test_y.npy" --check
}

install_packages
build_insncount_plugin
if [[ "${1:-}" != "--deps-only" ]]; then
    build_and_run_example
fi
