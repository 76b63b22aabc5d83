#!/usr/bin/env bash
# npm run bench:counter:pg: a throwaway durable PostgreSQL cluster (fsync, synchronous commit on) for
# benchmarks/counter/pg.mjs, stopped and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLEANUPS=()
cleanup() { local i; for ((i=${#CLEANUPS[@]}-1; i>=0; i--)); do eval "${CLEANUPS[$i]}" || true; done; }
trap cleanup EXIT
unset ONESTOP_TEST_PG_URL
export ONESTOP_PG_DURABLE=1
# shellcheck source=/dev/null
source scripts/test-env.d/postgres.sh
[ -n "${ONESTOP_TEST_PG_URL:-}" ] || { echo "no PostgreSQL"; exit 1; }
node "${1:-benchmarks/counter/pg.mjs}"
