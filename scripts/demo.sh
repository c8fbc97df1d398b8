#!/usr/bin/env bash
# The main job on the embedded default (networkx, bundled sample): Zaozhuang's figures and targets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dataset=${1:-data/standards/zaozhuang}
# The as-of date is the dataset's snapshot date (meta.csv) unless AS_OF is set.
as_of=(${AS_OF:+--as-of "$AS_OF"})
.venv/bin/tracegraph validate "$dataset" "${as_of[@]}" | tail -n 1
.venv/bin/tracegraph coverage "$dataset" "${as_of[@]}"
.venv/bin/tracegraph targets "$dataset" "${as_of[@]}"
# The planner: the cheapest plan meeting the targets, and a budget request for it.
.venv/bin/tracegraph plan "$dataset" --targets "${as_of[@]}" --out build/request/budget-request.xlsx
