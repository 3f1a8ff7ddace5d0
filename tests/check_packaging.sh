#!/bin/sh
# Packaging files agree with the program: debian/changelog carries the
# version that "docserve --version" prints (and AC_INIT set), and the
# configuration made from data/docserve.conf.in passes --check-config.
set -eu
bin=${DOCSERVE_BIN:-./docserve}
src=${srcdir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
passed=0
ok () { echo "ok: $1"; passed=$((passed + 1)); }
bad () { echo "FAIL: $1"; fail=$((fail + 1)); }

version=$("$bin" --version | sed -n '1s/^docserve //p')
[ -n "$version" ] || bad "docserve --version printed no version"

# debian/ is not in the release tarball (distributions bring their own),
# so this part runs in the git tree and in the Debian package build.
if [ -f "$src/debian/changelog" ]; then
  # "docserve (EPOCH:UPSTREAM-REVISION) dist; urgency=..." -> UPSTREAM
  full=$(sed -n '1s/^docserve (\([^)]*\)).*/\1/p' "$src/debian/changelog")
  upstream=$(printf '%s\n' "$full" | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')
  if [ -z "$full" ]; then
    bad "debian/changelog: first line is not \"docserve (VERSION) ...\""
  elif [ "$upstream" = "$version" ]; then
    ok "debian/changelog $full is docserve $version"
  else
    bad "debian/changelog says $full, docserve --version says $version: add a changelog entry (dch -v $version-1)"
  fi
else
  echo "skip: no debian/changelog here (release tarball)"
fi

conf=data/docserve.conf
if [ ! -f "$conf" ]; then
  bad "$conf was not made (make all)"
elif grep -n '@[a-z]*@' "$conf"; then
  bad "$conf: placeholders left"
elif "$bin" --check-config --config "$conf" "$tmp" 2> "$tmp/err"; then
  ok "$conf passes --check-config (root overridden with a temporary directory)"
else
  cat "$tmp/err"
  bad "$conf fails --check-config"
fi

# Made only when configure found a systemd unit directory.
unit=data/docserve.service
if [ -f "$unit" ]; then
  if grep -n '@[a-z]*@' "$unit"; then
    bad "$unit: placeholders left"
  else
    ok "$unit has its paths filled in"
  fi
fi

echo "$passed passed, $fail failed"
[ "$fail" -eq 0 ]
