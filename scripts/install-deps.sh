#!/bin/sh
# Installs every build and test dependency from Debian 12's packages
# (the list is scripts/debian-packages.txt). Uses sudo when not root.
# --build-only (the Dockerfile's build stage): the same list today; Node.js and npm
# used to be test-only, and the build now needs them (Swagger UI assets from npm).
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
else
  as_root="sudo"
fi
packages=$(grep -v '^#' scripts/debian-packages.txt | tr '\n' ' ')
# Node.js and npm install the Swagger UI assets at build time (docs/swagger-ui) and
# run the manifest and OpenAPI validators in the tests; use the machine's own when
# it has them, else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages="$packages nodejs npm"
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086  # word splitting of $as_root and $packages is intended
$as_root apt-get update -qq
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-deps: all packages installed"
