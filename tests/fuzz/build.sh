#!/bin/bash
# build.sh [BUILD_DIR]: builds every libFuzzer harness tests/fuzz/fuzz_*.c
# with clang (-fsanitize=fuzzer,address,undefined -g -O1), linking the
# project's own sources directly (src/*.c except main.c and server.c, the
# only ones that need libmicrohttpd), into BUILD_DIR (default
# tests/fuzz/build).  Needs no ./configure: a minimal config.h is written
# into BUILD_DIR.  Installs clang and its libFuzzer runtime with apt-get if
# they are missing.
#
# Environment: CC (default: clang, else clang-14), FUZZ_JOBS (parallel
# compiles, default nproc), EXTRA_CFLAGS.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$here/build}
mkdir -p "$build/obj"
build=$(cd "$build" && pwd)

find_cc() {
  if [ -n "${CC:-}" ] && command -v "$CC" >/dev/null; then echo "$CC"; return; fi
  for c in clang clang-14; do
    if command -v "$c" >/dev/null; then echo "$c"; return; fi
  done
}

# Whether $cc links a libFuzzer program with the sanitizers (the runtimes are
# in libclang-rt-*-dev, only a Recommends of clang).
can_link_fuzzer() {
  [ -n "$cc" ] || return 1
  printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n);\n%s\n' \
    'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { return d == 0 && n; }' \
    | "$cc" -x c -fsanitize=fuzzer,address,undefined - -o "$build/obj/probe" >/dev/null 2>&1
}

cc=$(find_cc)
if ! can_link_fuzzer; then
  echo "build.sh: no clang with the libFuzzer runtime; installing clang and libclang-rt-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq clang libclang-rt-dev >&2
  cc=$(find_cc)
  can_link_fuzzer || { echo "build.sh: $cc cannot link -fsanitize=fuzzer" >&2; exit 1; }
fi
rm -f "$build/obj/probe"
for pkg in glib-2.0 zlib md4c-html sqlite3; do
  if ! pkg-config --exists "$pkg"; then
    echo "build.sh: $pkg development files missing: apt-get install libglib2.0-dev zlib1g-dev libmd4c-html0-dev libsqlite3-dev" >&2
    exit 1
  fi
done

# config.h: what the sources take from configure (names and version only).
ac="$top/configure.ac"
init=$(sed -n '/^AC_INIT(/,/)/p' "$ac" | tr -d '\n')
field() { echo "$init" | sed -E 's/^AC_INIT\(//; s/\)[^)]*$//' | awk -F'[[:space:]]*,[[:space:]]*' -v n="$1" '{ gsub(/[][]/, "", $n); print $n }'; }
name=$(field 1); version=$(field 2); bugs=$(field 3); url=$(field 5)
cat >"$build/config.h.new" <<EOF
/* Written by tests/fuzz/build.sh for the fuzz build; not configure's. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define PACKAGE "$name"
#define PACKAGE_NAME "$name"
#define PACKAGE_VERSION "$version"
#define PACKAGE_STRING "$name $version"
#define PACKAGE_BUGREPORT "$bugs"
#define PACKAGE_URL "$url"
#define VERSION "$version"
#define HAVE_LINUX_OPENAT2_H 1
EOF
if cmp -s "$build/config.h.new" "$build/config.h"; then
  rm "$build/config.h.new"
else
  mv "$build/config.h.new" "$build/config.h"
fi

# Optional libraries some sources use (tls.c: GnuTLS).  The sources go into
# a static archive, so a harness only pulls in the objects it needs and the
# libraries matter only when one of those needs them.
pcs="glib-2.0 gio-2.0 zlib md4c-html sqlite3"
for opt in gnutls; do
  if pkg-config --exists "$opt"; then pcs="$pcs $opt"; fi
done
libs="$(pkg-config --libs $pcs)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-std=gnu11 -g -O1 $san -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
  -Wmissing-prototypes -Wundef -Wno-unused-parameter \
  -I$build -I$top/include -DG_LOG_DOMAIN=\"docserve\" \
  -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 \
  -DDS_SYSCONFDIR=\"/etc\" $(pkg-config --cflags $pcs) ${EXTRA_CFLAGS:-}"
jobs=${FUZZ_JOBS:-$(nproc)}

# Compiles $1 to $2 unless $2 is newer than $1, the headers and config.h.
compile() {
  local src=$1 obj=$2 flags=$3
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ "$obj" -nt "$build/config.h" ] \
     && [ -z "$(find "$top/include" "$here/fuzz_common.h" "$here/../headsim.h" -newer "$obj" -print -quit)" ]; then
    return 0
  fi
  echo "  CC      ${src#"$top"/}"
  # shellcheck disable=SC2086
  $cc $cflags $flags -c "$src" -o "$obj"
}

# The built-in assets (src/assets/), compiled in as the build does.
mkdir -p "$build/gen"
glib-compile-resources --sourcedir="$top/src/assets" --generate-source --c-name docserve_assets \
  --target="$build/gen/assets-resources.c.new" "$top/src/assets/docserve.gresource.xml" \
  || { echo "build.sh: glib-compile-resources failed" >&2; exit 1; }
if cmp -s "$build/gen/assets-resources.c.new" "$build/gen/assets-resources.c"; then
  rm "$build/gen/assets-resources.c.new"
else
  mv "$build/gen/assets-resources.c.new" "$build/gen/assets-resources.c"
fi

srcs=("$build/gen/assets-resources.c")
for f in "$top"/src/*.c; do
  # assets-resources.c: a build's generated copy, made above for this build.
  case "$(basename "$f")" in main.c|server.c|assets-resources.c) continue ;; esac
  # No harness needs GnuTLS: leave its users out when it is not installed.
  if grep -q '<gnutls/' "$f" && ! pkg-config --exists gnutls; then continue; fi
  srcs+=("$f")
done

echo "build.sh: $($cc --version | head -n1) -> $build"
pids=()
for f in "${srcs[@]}"; do
  compile "$f" "$build/obj/$(basename "${f%.c}").o" "-fsanitize=fuzzer-no-link" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" -eq 0 ] || { echo "build.sh: compiling the sources failed" >&2; exit 1; }

objs=()
for f in "${srcs[@]}"; do objs+=("$build/obj/$(basename "${f%.c}").o"); done
lib="$build/libdocserve-fuzz.a"
if [ ! -f "$lib" ] || [ -n "$(find "${objs[@]}" -newer "$lib" -print -quit)" ] \
   || [ "$(ar t "$lib" | sort | tr '\n' ' ')" != "$(for o in "${objs[@]}"; do basename "$o"; done | sort | tr '\n' ' ')" ]; then
  rm -f "$lib"
  ar rcs "$lib" "${objs[@]}"
fi

built=()
for h in "$here"/fuzz_*.c; do
  name=$(basename "${h%.c}")
  compile "$h" "$build/obj/$name.o" "-fsanitize=fuzzer-no-link -I$here"
  out="$build/$name"
  newest=$(ls -t "$build/obj/$name.o" "$lib" | head -n1)
  if [ ! -x "$out" ] || [ "$newest" -nt "$out" ]; then
    echo "  LD      $name"
    # shellcheck disable=SC2086
    $cc $san -fsanitize=fuzzer -g "$build/obj/$name.o" "$lib" $libs -o "$out"
  fi
  built+=("$name")
done
echo "build.sh: built ${built[*]}"
