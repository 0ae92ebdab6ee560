#!/bin/sh
# Regenerate the build system from configure.ac and Makefile.am.
#
# Exits non-zero when any step fails. A failed automake leaves the
# configure that autoconf already wrote; scripts/test and scripts/demo
# take an executable configure as "autogen.sh has run", so it goes, and
# the next run regenerates instead of configuring a tree without
# Makefile.in.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
if ! autoreconf --install --force --warnings=all; then
  rm -f configure
  echo "autogen.sh: autoreconf failed; nothing generated is usable" >&2
  exit 1
fi
