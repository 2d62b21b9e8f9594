#!/bin/sh
# Validates docs/openapi.json (the document GET /swagger/doc.json serves) against
# the OpenAPI 3 schema with @seriousme/openapi-schema-validator, pinned by
# package-lock.json and installed from npm into WORK_DIR once.
# Usage: tests/lint/validate-openapi.sh WORK_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$1
mkdir -p "$work"
cp "$here/openapi/package.json" "$here/openapi/package-lock.json" "$here/openapi/validate.mjs" "$work/"
if [ ! -d "$work/node_modules/@seriousme/openapi-schema-validator" ]; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
node "$work/validate.mjs" "$root/docs/openapi.json"
