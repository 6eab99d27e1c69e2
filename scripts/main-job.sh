#!/usr/bin/env bash
# The main job on the local sandbox: start the sandbox, plan and apply the example release on `local`,
# then run the post-checks once more on their own. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE="${1:-releases/1.0.0.yaml}"
turnctl() { node bin/turnctl.js "$@"; }

[ -f dist/cli.js ] || npm run build
bash scripts/install-sandbox.sh   # no-op where moto is installed
turnctl sandbox start
turnctl release plan "$RELEASE" --stage local
turnctl release apply "$RELEASE" --stage local --yes
turnctl release plan "$RELEASE" --stage local --exit-code   # 0: the stage now matches the release
turnctl check run post --stage local --release "$RELEASE"
