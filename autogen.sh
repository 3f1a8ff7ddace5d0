#!/bin/sh
# Regenerate the build system. NOCONFIGURE=1 skips running ./configure.
set -e
srcdir=$(dirname "$0")
cd "$srcdir"
autoreconf -fi
if [ -z "$NOCONFIGURE" ]; then
  exec ./configure "$@"
fi
