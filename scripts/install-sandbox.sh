#!/usr/bin/env bash
# Installs the local AWS sandbox (moto server, pinned in sandbox/requirements.txt) where python3 cannot import it.
# Used by .ci/run and the main job. Handles a Debian python3 without pip, and one marked externally managed (PEP 668),
# where pip refuses plain installs: it is retried with --break-system-packages (only moto and its dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."

if python3 -c 'import moto.server' 2>/dev/null; then
  exit 0
fi
echo "installing the sandbox (moto) from sandbox/requirements.txt" >&2
if ! python3 -m pip --version >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq python3-pip >/dev/null
fi
if ! python3 -m pip install --quiet -r sandbox/requirements.txt; then
  echo "pip refused a plain install (externally managed python?); retrying with --break-system-packages" >&2
  python3 -m pip install --quiet --break-system-packages -r sandbox/requirements.txt
fi
python3 -c 'import moto.server'
