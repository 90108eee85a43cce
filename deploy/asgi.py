"""The app for the office network: Streamlit's ASGI server (``st.App``) with a guard in front.

    .venv/bin/python -m uvicorn deploy.asgi:app --host 0.0.0.0 --port 8501

(from the repository's root; ``deploy/ct07.service`` and ``CT07_ADDRESS=0.0.0.0 bash scripts/start.sh``
run exactly this). ``.streamlit/config.toml`` applies as with ``streamlit run``. The guard answers
404 to Streamlit's public metrics endpoint (``/_stcore/metrics``: Streamlit 1.67 has no setting to
turn it off) and refuses a request body larger than the upload limit before it is read.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = ("/_stcore/metrics",)
MAX_BODY = 10 * 1024 * 1024 + 64 * 1024  # server.maxUploadSize (10 MB) and the form's own bytes


class Guard:
    """ASGI middleware: no metrics for the network, no oversized bodies."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "").rstrip("/")
            if any(path.endswith(h) for h in HIDDEN):
                await PlainTextResponse("Không tìm thấy.", status_code=404)(scope, receive, send)
                return
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > MAX_BODY:
                await PlainTextResponse("Tệp quá lớn (tối đa 10 MB).", status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


app = st.App(str(ROOT / "app.py"), middleware=[Middleware(Guard)])
