#!/usr/bin/env bash
# npm run bench:counter:pg: benchmarks/counter/pg.mjs (or the script given) in a throwaway durable
# PostgreSQL cluster (fsync, synchronous commit on), stopped and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash scripts/with-durable-pg.sh node "${1:-benchmarks/counter/pg.mjs}"
