#!/bin/sh
# The options that --help lists, the man page documents and the README
# mentions must be the same set; the man page carries the current version.
set -eu
bin=${DOCSERVE_BIN:-./docserve}
src=${srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --help | sed -n 's/^  *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | sort -u > "$tmp/help"
sed -n 's/^\.BR .*\(\\-\\-[a-z\\-]*\).*/\1/p' "$src/doc/docserve.1" | sed 's/\\//g' | sort -u > "$tmp/man"
grep '^| `--' "$src/README.md" | grep -o -- '`--[a-z][a-z-]*' | tr -d '`' | sort -u > "$tmp/readme"

fail=0
if ! diff -u "$tmp/help" "$tmp/man"; then
  echo "FAIL: --help and doc/docserve.1 list different options"; fail=1
fi
if ! diff -u "$tmp/help" "$tmp/readme"; then
  echo "FAIL: --help and README.md list different options"; fail=1
fi
version=$("$bin" --version | sed -n '1s/^docserve //p')
if ! grep -q "^\.TH DOCSERVE 1 .*\"docserve $version\"" "$src/doc/docserve.1"; then
  echo "FAIL: doc/docserve.1 does not say docserve $version"; fail=1
fi
n=$(wc -l < "$tmp/help")
if [ "$fail" -eq 0 ]; then
  echo "docs: $n options agree in --help, the man page and the README"
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"
fi
exit "$fail"
