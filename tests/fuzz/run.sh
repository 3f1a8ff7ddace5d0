#!/bin/bash
# run.sh [SECONDS]: builds the harnesses if needed (build.sh), then runs each
# for SECONDS (default 60) of fuzzing on a copy of its seed corpus, and
# prints per harness the executions, exec/s, coverage (cov: of libFuzzer's
# final stats line) and findings.  Exits non-zero if any harness found a
# crash, leak, timeout or out-of-memory, or did not run.
#
# Nothing is written into the source tree: the working corpora and the
# harnesses' scratch files live in a temporary directory removed at exit;
# findings are kept in BUILD_DIR/artifacts/HARNESS/ and printed as C strings
# with the command that reproduces them.
#
# Environment:
#   FUZZ_BUILD_DIR  build directory (default tests/fuzz/build)
#   FUZZ_HARNESSES  space-separated subset to run, e.g. "fuzz_path fuzz_range"
#   FUZZ_KEEP_CORPUS  a directory to copy the grown corpora into (optional)
#   FUZZ_ARGS       extra libFuzzer arguments
#   FUZZ_KEEP_GOING=1  go on after a finding (libFuzzer fork mode with
#                   -ignore_crashes etc.), to collect several in one run;
#                   the exit status is still non-zero if there was any
#
# Bounded: each harness gets -max_total_time=SECONDS and is killed by
# timeout(1) if it runs SECONDS + 60 s; only processes started here are
# signalled.
set -uo pipefail

secs=${1:-60}
case "$secs" in ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
[ "$secs" -ge 1 ] || { echo "run.sh: SECONDS must be at least 1" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD_DIR:-$here/build}

"$here/build.sh" "$build" || { echo "run.sh: build failed" >&2; exit 1; }
build=$(cd "$build" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/docserve-fuzz-run.XXXXXX")
child=
cleanup() {
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM

if [ -n "${FUZZ_HARNESSES:-}" ]; then
  read -r -a harnesses <<<"$FUZZ_HARNESSES"
else
  harnesses=()
  for src in "$here"/fuzz_*.c; do harnesses+=("$(basename "${src%.c}")"); done
fi

# A file's bytes as a C string literal (octal escapes never swallow a digit).
c_string() {
  perl -0777 -ne 'print "\""; for (split //) { my $o = ord;
    if ($_ eq "\"" || $_ eq "\\") { print "\\$_" }
    elsif ($o >= 0x20 && $o < 0x7f) { print }
    else { printf "\\%03o", $o } } print "\""' "$1"
}

# Values from libFuzzer's output: the final stat:: lines (-print_final_stats),
# else the last status line ("#N ... cov: C ft: F ... exec/s: E", or in fork
# mode "#N: cov: C ft: F corp: K exec/s E ...").
stat_of() { grep -a "^stat::$2:" "$1" | tail -n1 | awk '{print $2}'; }
status_field() { grep -aoE "[[:space:]]$2:? [0-9]+" "$1" | tail -n1 | awk '{print $NF}'; }
last_execs() { grep -aoE "^#[0-9]+" "$1" | tail -n1 | tr -d '#'; }

failed=0
summary=()
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"

for h in "${harnesses[@]}"; do
  bin="$build/$h"
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin missing" >&2
    summary+=("$(printf '%-16s %s' "$h" "NOT BUILT")")
    failed=1
    continue
  fi
  corpus="$work/corpus/$h"
  arts="$work/artifacts/$h/"
  mkdir -p "$corpus" "$arts"
  if [ -d "$here/corpus/$h" ]; then cp -R "$here/corpus/$h/." "$corpus/"; fi
  dict=()
  if [ -f "$here/$h.dict" ]; then dict=("-dict=$here/$h.dict"); fi
  keep_going=()
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  log="$work/$h.log"

  echo "=== $h: ${secs}s, seeds $(find "$corpus" -type f | wc -l)"
  if [ ${#keep_going[@]} -gt 0 ]; then
    # Fork mode drops seeds that crash without a word: run them once first.
    timeout -k 10 $((secs + 60)) "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$arts" "$corpus" >"$work/$h.seeds.log" 2>&1 ||
      { echo "--- $h: a seed input fails:"; grep -aE "FUZZ PROPERTY|runtime error|ERROR|SUMMARY" \
        "$work/$h.seeds.log" | head -n 5; }
  fi
  # shellcheck disable=SC2086
  timeout -k 10 $((secs + 60)) "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$arts" "${dict[@]}" "${keep_going[@]}" ${FUZZ_ARGS:-} \
    "$corpus" >"$log" 2>&1 &
  child=$!
  wait "$child"
  rc=$?
  child=

  execs=$(stat_of "$log" number_of_executed_units)
  [ -n "$execs" ] || execs=$(last_execs "$log")
  eps=$(stat_of "$log" average_exec_per_sec)
  # Fork mode prints no final stats, and its exec/s is the last job's.
  [ -n "$eps" ] || eps=$(( ${execs:-0} / secs ))
  cov=$(status_field "$log" cov)
  ft=$(status_field "$log" ft)
  findings=$(find "$arts" -type f | wc -l)
  result=ok
  if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
    failed=1
    result="FAILED (exit $rc)"
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && result="HUNG (killed after $((secs + 60))s)"
    echo "--- $h: last lines of its output"
    grep -aE "ERROR|SUMMARY|FUZZ PROPERTY|runtime error|ALARM|^    #[0-9]+ " "$log" | head -n 40
    if [ "$findings" -gt 0 ]; then
      keep="$build/artifacts/$h"
      mkdir -p "$keep"
      shown=0
      for a in "$arts"*; do
        [ -f "$a" ] || continue
        cp "$a" "$keep/"
        shown=$((shown + 1))
        [ "$shown" -le 10 ] || continue
        echo "--- finding $(basename "$a") ($(stat -c %s "$a") bytes): $(c_string "$a" | cut -c1-2000)"
        echo "    reproduce: $bin $keep/$(basename "$a")"
      done
      [ "$shown" -le 10 ] || echo "--- ... $((shown - 10)) more in $keep"
    fi
  fi
  if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$h" && cp -R "$corpus/." "$FUZZ_KEEP_CORPUS/$h/"
  fi
  summary+=("$(printf '%-16s %12s %8s %6s %7s %9s  %s' "$h" "${execs:-?}" "${eps:-?}" \
    "${cov:-?}" "${ft:-?}" "$findings" "$result")")
done

echo
printf '%-16s %12s %8s %6s %7s %9s  %s\n' harness executions exec/s cov ft findings result
for line in "${summary[@]}"; do echo "$line"; done
if [ "$failed" -ne 0 ]; then
  echo "run.sh: FAILED"
  exit 1
fi
echo "run.sh: all ${#harnesses[@]} harnesses ran ${secs}s without findings"
