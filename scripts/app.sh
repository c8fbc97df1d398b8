#!/usr/bin/env bash
# The Streamlit app on the embedded default and the bundled samples: http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Streamlit refuses a larger upload before tracegraph sees it: give it tracegraph's own upload limit.
upload_mb=$(.venv/bin/python -c 'from tracegraph.limits import Limits; print(Limits.resolve().max_upload_mb)')
exec .venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.maxUploadSize "$upload_mb" "$@"
