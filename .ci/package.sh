#!/bin/bash
# CI: build the Debian package from this tree, lint it, install it, run the
# installed binary against its installed configuration, then purge it and
# check that nothing is left. Debian 12, as root (or with sudo).
#
# The build runs in a temporary copy of the tree (tracked and untracked,
# not ignored files), so the working tree stays as it was; the .deb,
# .changes and .buildinfo are copied to _build-deb/.
set -euo pipefail
cd "$(dirname "$0")/.."

step="start"
fail () { echo "package: $step: $*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt () { $SUDO env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get "$@"; }

# Refuse to touch an existing installation: this script purges at the end.
if dpkg-query -W -f='${Status}' docserve 2>/dev/null | grep -q "ok installed"; then
  echo "package: FAILED at step: start: docserve is already installed here; purge it first" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/docserve-package.XXXXXX)
server_pid=""
installed=no
made_www=""
cleanup () {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$installed" = yes ]; then
    apt purge -y docserve >/dev/null 2>&1 || true
  fi
  if [ -n "$made_www" ]; then
    $SUDO rmdir /var/www/html 2>/dev/null || true
    [ "$made_www" = parent ] && { $SUDO rmdir /var/www 2>/dev/null || true; }
  fi
  rm -rf "$tmp"
  if [ "$status" -ne 0 ]; then
    echo "package: FAILED at step: $step" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

step="build dependencies"
echo "=== apt-get build-dep ./"
apt update
apt build-dep -y --no-install-recommends ./
command -v lintian >/dev/null || apt install -y --no-install-recommends lintian
command -v curl >/dev/null || apt install -y --no-install-recommends curl
command -v git >/dev/null || fail "git is needed to copy the tree"

step="copy the tree"
version=$(dpkg-parsechangelog -S Version)
src="$tmp/docserve-${version%-*}"
mkdir "$src"
# Tracked and untracked files that are not ignored, as they are now (not
# as committed); files deleted in the working tree are skipped.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
  tar --null --no-recursion -T - -cf - | tar -xf - -C "$src"

step="dpkg-buildpackage"
echo "=== dpkg-buildpackage -us -uc -b (in $src)"
(cd "$src" && timeout 1800 dpkg-buildpackage -us -uc -b)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="$tmp/docserve_${version}_${arch}.deb"
changes="$tmp/docserve_${version}_${arch}.changes"
if [ ! -f "$deb" ] || [ ! -f "$changes" ]; then fail "no $deb or $changes"; fi
mkdir -p _build-deb
cp "$tmp"/docserve_"${version}"_* _build-deb/
echo "--- contents of $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{print $1, $6}'

step="lintian"
echo "=== lintian --pedantic (fails on errors and warnings)"
timeout 600 lintian --pedantic -I --fail-on error,warning "$changes"
echo "lintian: no errors, no warnings"

step="install"
echo "=== apt-get install ./$(basename "$deb")"
installed=yes
apt install -y "$deb"
for f in /usr/bin/docserve /etc/docserve/docserve.conf /usr/share/man/man1/docserve.1.gz \
         /usr/share/docserve/htdocs/index.html /lib/systemd/system/docserve.service \
         /lib/systemd/system/docserve.socket /lib/systemd/system/docserve-docs.service \
         /lib/systemd/system/docserve-docs.socket; do
  [ -e "$f" ] || fail "$f is not installed"
done
# The documentation portal's socket is installed, not enabled.
[ ! -e /etc/systemd/system/sockets.target.wants/docserve-docs.socket ] ||
  fail "docserve-docs.socket is enabled by default"
dpkg-query -W -f='${Conffiles}\n' docserve | grep -q '/etc/docserve/docserve.conf' ||
  fail "/etc/docserve/docserve.conf is not a conffile"
if command -v systemd-analyze >/dev/null; then
  step="systemd-analyze"
  systemd-analyze verify --man=no /lib/systemd/system/docserve.socket \
    /lib/systemd/system/docserve.service /lib/systemd/system/docserve-docs.socket \
    /lib/systemd/system/docserve-docs.service
  systemd-analyze security --offline=yes /lib/systemd/system/docserve.service | tail -n 1
  systemd-analyze security --offline=yes /lib/systemd/system/docserve-docs.service | tail -n 1
fi

step="check-config"
if [ ! -d /var/www/html ]; then
  [ -d /var/www ] && made_www=html || made_www=parent
  $SUDO mkdir -p /var/www/html
fi
echo "=== docserve --check-config --config /etc/docserve/docserve.conf"
/usr/bin/docserve --check-config --config /etc/docserve/docserve.conf

step="serve"
echo "=== the installed docserve with its configuration, on 127.0.0.1, any port"
root="$tmp/root"
mkdir -p "$root/sub"
echo "docserve package test $$" > "$root/index.html"
echo "listed" > "$root/sub/file.txt"
# timeout: the server cannot outlive this script by more than two minutes.
timeout 120 /usr/bin/docserve --config /etc/docserve/docserve.conf \
  --port 0 --address 127.0.0.1 "$root" > "$tmp/stdout" 2> "$tmp/stderr" &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^Serving .* at \(http:[^ ]*\).*/\1/p' "$tmp/stderr")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/stderr"; fail "docserve exited"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/stderr"; fail "docserve did not report its address"; }
echo "serving at $url"
body=$(curl -fsS --max-time 10 "$url")
[ "$body" = "docserve package test $$" ] || fail "GET / returned \"$body\""
# listing = true in the installed configuration: a directory is listed.
curl -fsS --max-time 10 "${url}sub/" | grep -q 'file\.txt' ||
  fail "GET /sub/ did not list file.txt"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || { cat "$tmp/stderr"; fail "docserve exited with $status after SIGTERM"; }
# access-log = - in the installed configuration: one line per request on stdout.
grep -q '"GET / HTTP/1.1" 200 ' "$tmp/stdout" || { cat "$tmp/stdout"; fail "no access log line"; }
echo "GET / and GET /sub/ answered, access log on stdout, clean stop on SIGTERM"

step="autopkgtest"
# The package's own autopkgtests (debian/tests), run as autopkgtest would
# against the installed package.
top=$(pwd)
for t in $(sed -n 's/^Tests: *//p' debian/tests/control); do
  echo "=== debian/tests/$t"
  (cd "$tmp" && timeout 120 sh "$top/debian/tests/$t") || fail "debian/tests/$t failed"
done

step="purge"
echo "=== apt-get purge docserve"
apt purge -y docserve
installed=no
left=""
for f in /etc/docserve /usr/bin/docserve /usr/share/docserve /usr/share/doc/docserve \
         /usr/share/man/man1/docserve.1.gz /lib/systemd/system/docserve.service \
         /lib/systemd/system/docserve.socket /lib/systemd/system/docserve-docs.service \
         /lib/systemd/system/docserve-docs.socket \
         /etc/systemd/system/sockets.target.wants/docserve.socket; do
  [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
[ -z "$left" ] || fail "left after purge:$left"

step="done"
echo "package: OK: $(basename "$deb") built, lintian clean, installed, served, purged (artifacts in _build-deb/)"
