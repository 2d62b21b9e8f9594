#!/bin/sh
# Builds the GGUF reader's libFuzzer target with clang (ASan + UBSan) and runs it.
# Usage: scripts/fuzz-gguf.sh WORK_DIR [SECONDS]   (CI runs it briefly; run longer by hand)
# A crash leaves the input as WORK_DIR/crash-* and exits non-zero.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$1
seconds=${2:-60}
cxx=${CLANGXX:-clang++}
mkdir -p "$work/corpus"
flags="-std=c++20 -O1 -g -I$root/libs/gguf/include -I$root/libs/gguf/src"
sources="$root/libs/gguf/src/metadata.cpp $root/libs/gguf/src/byte_source.cpp"
# shellcheck disable=SC2086  # flags and sources are word lists
$cxx $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  $sources "$root/tests/fuzz/gguf_fuzz.cpp" -o "$work/gguf_fuzz"
# shellcheck disable=SC2086
$cxx $flags -I"$root/libs/gguf/tests" "$root/tests/fuzz/make_seed.cpp" -o "$work/make_seed"
"$work/make_seed" "$work/corpus/sample.gguf"
cd "$work"
./gguf_fuzz -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=512 -malloc_limit_mb=256 \
  -print_final_stats=1 corpus
