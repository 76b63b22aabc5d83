#!/usr/bin/env bash
# `npm test`: build, bring up what the suites need (each scripts/test-env.d/*.sh may install and start a
# service and export its address, e.g. PostgreSQL, Chromium), run every suite, tear it down again.
set -euo pipefail
cd "$(dirname "$0")/.."
CLEANUPS=()
cleanup() { local i; for ((i=${#CLEANUPS[@]}-1; i>=0; i--)); do eval "${CLEANUPS[$i]}" || true; done; }
trap cleanup EXIT
npm run build
for f in scripts/test-env.d/*.sh; do
  [ -e "$f" ] || continue
  # shellcheck source=/dev/null
  source "$f"
done
npx vitest run "$@"
