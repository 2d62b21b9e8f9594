#!/bin/sh
# Installs the pinned OpenAI client (package-lock.json) into WORK_DIR once and
# copies the test client there. Usage: tests/openai_client/install.sh WORK_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/client.mjs" "$work/"
if [ ! -f "$work/node_modules/openai/package.json" ]; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
