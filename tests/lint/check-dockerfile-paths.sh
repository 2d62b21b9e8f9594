#!/bin/sh
# Every path the Dockerfile COPYs from the build context exists in the repo.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
missing=0
# COPY lines without --from: all words but the instruction and the destination.
grep -E '^COPY[[:space:]]' "$root/Dockerfile" | grep -v -- '--from=' | while read -r _ rest; do
  # shellcheck disable=SC2086  # split the sources on purpose
  set -- $rest
  while [ $# -gt 1 ]; do
    if [ ! -e "$root/$1" ]; then
      echo "Dockerfile copies $1, which does not exist"
      exit 1
    fi
    echo "ok: $1"
    shift
  done
done || missing=1
exit "$missing"
