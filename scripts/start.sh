#!/usr/bin/env bash
# Install (once) and start the app on its default data.
#   bash scripts/start.sh                 # http://localhost:8501
#   CT07_ADDRESS=0.0.0.0 bash scripts/start.sh   # reachable from the office network
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${CT07_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
ADDRESS=${CT07_ADDRESS:-localhost}
if [ "$ADDRESS" = localhost ] || [ "$ADDRESS" = 127.0.0.1 ]; then
    exec "$VENV/bin/python" -m streamlit run app.py --server.address "$ADDRESS" --server.port "${CT07_PORT:-8501}"
fi
# on the network: the guarded ASGI server (deploy/asgi.py), as deploy/ct07.service runs it
exec "$VENV/bin/python" -m uvicorn deploy.asgi:app --host "$ADDRESS" --port "${CT07_PORT:-8501}"
