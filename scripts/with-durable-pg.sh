#!/usr/bin/env bash
# For the PostgreSQL benchmarks (npm run bench:counter:pg, bench:scale with pg): runs the command given
# inside a throwaway durable PostgreSQL cluster (fsync and synchronous commit on, ONESTOP_PG_DURABLE=1; the same cluster as
# the store suite's, scripts/test-env.d/postgres.sh), stopped and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
CLEANUPS=()
cleanup() { local i; for ((i=${#CLEANUPS[@]}-1; i>=0; i--)); do eval "${CLEANUPS[$i]}" || true; done; }
trap cleanup EXIT
unset ONESTOP_TEST_PG_URL
export ONESTOP_PG_DURABLE=1
# shellcheck source=/dev/null
source scripts/test-env.d/postgres.sh
[ -n "${ONESTOP_TEST_PG_URL:-}" ] || { echo "no PostgreSQL"; exit 1; }
"$@"
