# shellcheck shell=bash
# bench/common.sh: sourced by the bench scripts (bash).  Needs SCRIPT_DIR.

REPO=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null || dirname "$SCRIPT_DIR")

# find_docserve SCRIPT-NAME: sets DS_BIN to an absolute path: $DOCSERVE, else
# ./docserve, else the checkout's, which ./quickstart build makes (installing
# what is missing) when a fresh checkout has none yet.
find_docserve() {
  local me=$1
  if [ -n "${DOCSERVE:-}" ]; then
    DS_BIN=$DOCSERVE
  elif [ -x ./docserve ]; then
    DS_BIN=./docserve
  else
    DS_BIN=$REPO/docserve
    if [ ! -x "$DS_BIN" ] && [ -x "$REPO/quickstart" ]; then
      echo "# $me: no docserve binary yet: building it with ./quickstart build" >&2
      "$REPO/quickstart" build >&2
    fi
  fi
  [ -x "$DS_BIN" ] || { echo "$me: $DS_BIN: no docserve binary (build it or set DOCSERVE)" >&2; exit 1; }
  DS_BIN=$(cd "$(dirname "$DS_BIN")" && pwd)/$(basename "$DS_BIN")
}
