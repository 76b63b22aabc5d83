#!/usr/bin/env bash
# Fund-model benchmark (not a test): 1,000,000 bucket-level admissions from CSV, baseline and one
# variant (variant.yaml), under xingan-2018 (the five-layer inpatient pipeline), end to end to the
# report files. Prints a Markdown block for RESULTS.md: wall time, peak RSS (the whole process, every
# worker thread included), and the machine.
#
#   bash benchmarks/model/run.sh [ADMISSIONS]     (default 1000000; data in benchmarks/model/data/, gitignored)
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000000}"
DATA=benchmarks/model/data
mkdir -p "$DATA"
CSV="$DATA/admissions-$N.csv"
[ -f dist/model/run/worker.js ] || npm run build >/dev/null
if [ ! -f "$CSV" ]; then
  echo "generating $CSV …" >&2
  node bin/onestop.js synth --admissions "$N" --year 2018 --seed 1 --out "$CSV"
fi
CMD=(node bin/onestop.js model --rules xingan-2018 --bills "$CSV" --what-if benchmarks/model/variant.yaml --out "$DATA/report-$N" --json)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v "${CMD[@]}" > "$DATA/report-$N.stdout.json" 2> "$DATA/time-$N.txt"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
wall="$(grep 'Elapsed (wall clock)' "$DATA/time-$N.txt" | sed 's/.*: //')"
rss_kb="$(grep 'Maximum resident set size' "$DATA/time-$N.txt" | sed 's/.*: //')"
user="$(grep 'User time' "$DATA/time-$N.txt" | sed 's/.*: //')"
sys="$(grep 'System time' "$DATA/time-$N.txt" | sed 's/.*: //')"
cat <<MD
| | |
| --- | --- |
| date | $(date -u +%Y-%m-%dT%H:%MZ) |
| command | \`${CMD[*]}\` |
| admissions | $N (file $(du -h "$CSV" | cut -f1)), baseline + 1 variant = $((2 * N)) settlements |
| wall time | $wall |
| CPU time | user ${user} s, system ${sys} s |
| peak RSS | $((rss_kb / 1024)) MB |
| node | $(node --version) |
| CPU | $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores |
| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |
MD
