"""Production configuration: the limits in .streamlit/config.toml, and the settings a user can
save (lib.updates.save_settings, checked by lib.flags.Thresholds) or find stored badly."""
import tomllib
from pathlib import Path

import pytest

from lib import updates
from lib.flags import Thresholds
from lib.db import ValidationError
from tests.auth_helpers import admin

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_upload_and_message_limits_fit_the_real_files(config):
    from lib import rulesets
    server = config["server"]
    # the largest upload is a rule-set CSV, a checklist or a department workbook: under 10 MB
    assert server["maxUploadSize"] == 10
    assert rulesets.MAX_TOTAL_BYTES <= server["maxUploadSize"] * 1_000_000
    assert rulesets.MAX_FILE_BYTES < server["maxUploadSize"] * 1_000_000
    # pages and the Word pack (under 5 MB): far below Streamlit's 200 MB default
    assert 5 < server["maxMessageSize"] <= 50
    assert server["maxWidgetStateSize"] <= 10


def test_the_server_is_closed_to_other_sites_and_tells_nothing(config):
    server, client = config["server"], config["client"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True            # Streamlit's default, never turned off
    assert server["enableStaticServing"] is False and server["enableAgentApi"] is False
    assert server["unsafeMetricsUserAttributes"] == []
    assert server["headless"] is True and server["runOnSave"] is False and server["allowRunOnSave"] is False
    assert config["browser"]["gatherUsageStats"] is False
    assert client["showErrorDetails"] == "none" and client["showErrorLinks"] is False
    assert client["toolbarMode"] in ("viewer", "minimal")
    assert client["disableDataExport"] is True               # no raw "Download as CSV" of a grid
    assert config["runner"]["magicEnabled"] is False


def test_every_option_is_one_streamlit_knows(config):
    from streamlit import config as st_config
    st_config.get_config_options()
    known = set(st_config._config_options_template)
    for section, options in config.items():
        for name in options:
            assert f"{section}.{name}" in known, f"{section}.{name}"


# -- settings -------------------------------------------------------------------------------------

def test_a_bad_setting_is_refused_in_vietnamese_naming_it(db):
    who = admin(db)
    before = db.query("SELECT key, value FROM setting ORDER BY key")
    for key in ["stale_after_days", "flag_stale_days", "flag_stalled_periods", "flag_overdue_red_months",
                "flag_at_risk_months"]:
        zero_ok = key in ("flag_overdue_red_months", "flag_at_risk_months")
        for value in [-5, -1 if zero_ok else "0", "mười", 10**20, "1e400", "3.5", "\ud800", "<b>x</b>"]:
            with pytest.raises(ValidationError) as e:
                updates.save_settings(db, who, {key: value})
            text = str(e.value)
            assert f"({key})" in text and "không hợp lệ" in text, text
            assert "Traceback" not in text and len(text) < 400
    assert db.query("SELECT key, value FROM setting ORDER BY key").equals(before)


def test_a_good_setting_is_saved(db):
    updates.save_settings(db, admin(db), {"stale_after_days": 90, "flag_stale_days": "200"})
    assert dict(db.query("SELECT key, value FROM setting").values)["stale_after_days"] == "90"


def test_bad_stored_values_give_the_defaults_and_say_so():
    th, problems = Thresholds.checked({"flag_stale_days": "abc", "flag_stalled_periods": 10**20,
                                       "stale_after_days": "-5", "flag_at_risk_months": 6})
    assert th == Thresholds(at_risk_months=6)
    assert len(problems) == 3 and all("Đang dùng giá trị mặc định" in str(p) for p in problems)
    assert Thresholds.setting_int({"stale_after_days": "x"}, "stale_after_days")[0] == 180
    assert Thresholds.from_settings({"flag_stale_days": "abc"}, strict=False) == Thresholds()


def test_a_page_draws_with_a_bad_stored_setting_and_warns(tmp_path, monkeypatch):
    """Written by hand or by an older version: the page uses the default and says which one."""
    from lib.db import db_path_from_env
    from tests.test_app import ROOT as APP_ROOT, goto, new_app, stamp
    from ui import frame
    monkeypatch.setenv("CT07_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.chdir(APP_ROOT)
    at = new_app(tmp_path)
    at.run()
    app_db = frame._open(str(db_path_from_env()))
    app_db.write(admin(app_db), "t", lambda cur: cur.execute(
        "UPDATE setting SET value = 'mười' WHERE key = 'stale_after_days'"))
    goto(at, "pages/tieu_chi.py")
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "stale\\_after\\_days" in warnings and "giá trị mặc định 180" in warnings, warnings
    assert "quá 180 ngày" in stamp(at)
