"""The office deployment (deploy/asgi.py under uvicorn): pages work, the metrics endpoint and
oversized bodies do not reach Streamlit."""
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import ROOT, _free_port, wait_idle


@pytest.fixture
def asgi_server(tmp_path):
    port = _free_port()
    env = dict(os.environ, CT07_DB_PATH=str(tmp_path / "asgi.duckdb"))
    log = open(tmp_path / "uvicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "deploy.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read().strip() == b"ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"uvicorn did not start; see {tmp_path / 'uvicorn.log'}")
        time.sleep(0.3)
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)
    log.close()


def status(url: str, data: bytes | None = None) -> int:
    try:
        return urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_office_server_hides_metrics_and_serves_the_pages(asgi_server, page):
    assert status(asgi_server + "/_stcore/metrics") == 404
    assert status(asgi_server + "/_stcore/metrics/") == 404
    # a body announced larger than the upload limit is refused before it is read
    import http.client
    con = http.client.HTTPConnection(asgi_server.removeprefix("http://"), timeout=10)
    con.putrequest("PUT", "/_stcore/upload_file/x/y")
    con.putheader("Content-Length", str(11 * 1024 * 1024))
    con.endheaders()
    assert con.getresponse().status == 413
    con.close()
    page.goto(asgi_server + "/canh_bao")
    wait_idle(page)
    page.get_by_role("heading", name="Cảnh báo tiến độ").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
