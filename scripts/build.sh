#!/bin/sh
# Configures and builds into build/ (binaries in build/bin/).
# Usage: scripts/build.sh [Release|RelWithDebInfo|Debug] [extra cmake args...]
set -eu
cd "$(dirname "$0")/.."
build_type=${1:-RelWithDebInfo}
[ $# -gt 0 ] && shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@"
cmake --build build -j "$jobs"
