#!/usr/bin/env bash
# Writes or checks the lock files in requirements/. Run it through make:
#   make lock           lock.sh write             keep the pins that still fit, add and drop the rest
#   make lock-upgrade   lock.sh write --upgrade   the newest versions the ranges allow
#   make lock-check     lock.sh check             fail when a lock no longer matches its inputs
# BIN names the venv's bin folder, which has uv (pinned in dev.lock) and python.
#
# The inputs: pyproject.toml's dependencies and requirements/install.in (pip and the build
# backend) make run.lock; the same plus the test and lint extras and requirements/dev.in (uv)
# make dev.lock, constrained to run.lock's versions so that `make run` and `make test` run the
# same code.
#
# Why uv's `pip compile` rather than pip-tools' `pip-compile`: its --universal resolution writes
# one lock for every platform and every CPython from 3.11 (the floor of requires-python) up, with
# environment markers where they differ, where pip-compile resolves for the one machine it runs on
# only; each pin carries the hashes of all its wheels and its sdist, so a school on aarch64
# installs from the same file as CI on x86_64; and it resolves in seconds, which keeps
# lock-check cheap enough to run on every CI run. It is one wheel, installed from dev.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

# --no-config: no uv.toml on the machine or [tool.uv] changes the result. --python-version 3.11:
# resolve from the lowest Python allowed, whichever Python runs uv. The header names `make lock`.
uv_compile() {
  "$BIN/uv" pip compile --no-config --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "make lock" "$@"
}
lock_run() {  # lock_run OUTPUT [uv options]: OUTPUT's pins are kept where they still fit
  local out=$1
  shift
  uv_compile "$@" -o "$out" pyproject.toml requirements/install.in
}
lock_dev() {
  local out=$1
  shift
  uv_compile "$@" -o "$out" -c requirements/run.lock \
    pyproject.toml --extra test --extra lint requirements/install.in requirements/dev.in
}

# A lock's pinned requirements alone: no header, annotations or hashes. A release that gains a
# wheel after it was locked (a new Python's, say) changes no pin, and pip in hash-checking mode
# just keeps to the files whose hashes the lock has.
pins() {
  sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*--hash=/d' -e 's/[[:space:]]*\\$//' -e '/^$/d' "$1"
}

check() {
  local status=0 name
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT

  # The build backend is locked from install.in (the install builds without isolation), so
  # everything [build-system] requires must be there as written.
  "$BIN/python" - <<'PY' || status=1
import sys, tomllib
with open("pyproject.toml", "rb") as f:
    wanted = tomllib.load(f)["build-system"]["requires"]
with open("requirements/install.in") as f:
    have = {line.split("#")[0].strip() for line in f}
missing = [req for req in wanted if req not in have]
if missing:
    print(f"lock-check: requirements/install.in lacks {', '.join(missing)} "
          "from [build-system] requires in pyproject.toml", file=sys.stderr)
    sys.exit(1)
PY

  # Resolve again into copies of the locks, which keep their pins wherever the inputs still allow
  # them: from uv's cache alone when it has everything (a machine that locked before, offline
  # too), otherwise from the package registry.
  cp requirements/run.lock requirements/dev.lock "$tmp/"
  if ! { lock_run "$tmp/run.lock" --offline && lock_dev "$tmp/dev.lock" --offline; } 2>/dev/null; then
    cp requirements/run.lock requirements/dev.lock "$tmp/"
    if ! { lock_run "$tmp/run.lock" && lock_dev "$tmp/dev.lock"; }; then
      echo "lock-check: pyproject.toml and requirements/*.in do not resolve (see above)" >&2
      return 1
    fi
  fi
  for name in run dev; do
    diff -u --label "requirements/$name.lock" --label "requirements/$name.lock as resolved now" \
      <(pins "requirements/$name.lock") <(pins "$tmp/$name.lock") || status=1
  done
  if ((status)); then
    echo "lock-check: the lock files do not match pyproject.toml and requirements/*.in;" \
      "run 'make lock' and commit requirements/" >&2
  else
    echo "lock-check: requirements/run.lock and requirements/dev.lock match their inputs"
  fi
  return "$status"
}

# Writes into copies and replaces a lock only when it changed, so that an unchanged lock keeps
# its time stamp and the Makefile does not reinstall for nothing.
write() {
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp requirements/run.lock requirements/dev.lock "$tmp/" 2>/dev/null || true
  lock_run "$tmp/run.lock" "$@"
  replace run
  lock_dev "$tmp/dev.lock" "$@"
  replace dev
}
replace() {
  if cmp -s "$tmp/$1.lock" "requirements/$1.lock"; then
    echo "lock: requirements/$1.lock is up to date"
  else
    cp "$tmp/$1.lock" "requirements/$1.lock"
    echo "lock: wrote requirements/$1.lock"
  fi
}

case ${1:-} in
  write)
    shift
    write "$@"
    ;;
  check) check ;;
  *)
    echo "usage: $0 write [uv pip compile options] | check" >&2
    exit 2
    ;;
esac
