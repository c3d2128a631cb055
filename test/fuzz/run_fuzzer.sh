#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer target with clang (ASan + UBSan) in its own build directory and runs
# it for a bounded time over a copy of the seed corpus (captured packets). Exits non-zero on
# any crash. Usage: run_fuzzer.sh SRCDIR BUILDDIR SECONDS
set -euo pipefail
src=$1
build=$2
seconds=$3
if ! command -v clang++ >/dev/null; then
    echo "SKIP: clang++ not installed"
    exit 77
fi
CXX=clang++ cmake -S "$src" -B "$build" -DHB_FUZZ=ON -DHB_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target decode_verify_fuzzer -j"$(nproc)" >/dev/null
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if compgen -G "$src/test/data/packets/*.bin" >/dev/null; then
    cp "$src"/test/data/packets/*.bin "$corpus"/
fi
"$build/bin/decode_verify_fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 \
    -max_len=70000 -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
