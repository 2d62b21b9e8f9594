#!/bin/sh
# Runs every test (unit, integration, lint) of an existing build/ with ctest.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure --timeout 600 -j "$jobs"
