#!/bin/sh
# Schema-validates deploy/kubernetes/*.yaml. Installs the validator (pinned by
# package-lock.json) from npm into WORK_DIR once.
# Usage: tests/lint/validate-kubernetes.sh WORK_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$1
mkdir -p "$work"
cp "$here/kubernetes/package.json" "$here/kubernetes/package-lock.json" "$here/kubernetes/validate.mjs" "$work/"
if [ ! -d "$work/node_modules/kubernetes-models" ]; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
node "$work/validate.mjs" "$root"/deploy/kubernetes/*.yaml
