#!/bin/sh
# Copies the shared libraries a binary needs (as ldd resolves them), except the
# C runtime that every glibc system provides, into a directory. The image's
# final stage runs the Debian-built gateway on another distribution; the
# gateway finds them through its DT_RPATH $ORIGIN/../lib (see the Dockerfile),
# so no other program in the image sees them. glibc there must be at least
# Debian 12's 2.36.
# Usage: scripts/bundle-libs.sh BINARY DEST_DIR
set -eu
binary=$1
dest=$2
mkdir -p "$dest"
ldd "$binary" | awk '/=> \// { print $3 }' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libresolv.so.*) ;;
    *) cp -L "$lib" "$dest/" ;;
  esac
done
echo "bundle-libs: $(find "$dest" -type f | wc -l) libraries in $dest"
