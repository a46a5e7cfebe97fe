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
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

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
  if [ -f pwa/package.json ] && ! command -v npm >/dev/null 2>&1; then apt_install nodejs npm; fi
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

# the PWA (issue: officer app) builds with the system's node/npm, offline-capable
if [ -f pwa/package.json ]; then
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$node_major" -lt 20 ]; then
    echo "error: the PWA build (Vite 7) needs Node.js 20 or newer; this machine has $(node -v 2>/dev/null || echo none)." >&2
    echo "       Install nodejs 20+ (NodeSource or a newer Debian), then run this again." >&2
    exit 1
  fi
  if [ ! -f pwa/dist/index.html ] || [ -n "$(find pwa/src pwa/public pwa/index.html pwa/package.json pwa/vite.config.* -newer pwa/dist/index.html 2>/dev/null | head -1)" ]; then
    echo "==> building the PWA"
    (cd pwa && npm install --no-audit --no-fund --loglevel=error && npm run build --silent)
  fi
fi
