#!/bin/sh
# Installs every build and test dependency from Debian 12's packages
# (the list is scripts/debian-packages.txt). Uses sudo when not root.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
else
  as_root="sudo"
fi
packages=$(grep -v '^#' scripts/debian-packages.txt | tr '\n' ' ')
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086  # word splitting of $as_root and $packages is intended
$as_root apt-get update -qq
# shellcheck disable=SC2086
$as_root apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-deps: all packages installed"
