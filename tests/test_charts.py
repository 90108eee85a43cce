"""Chart builders, checked through their Vega-Lite specification."""
from lib import charts, overview, queries


def _spec(chart):
    return chart.to_dict()


def test_stage_bars_colour_each_stage_with_its_own_colour(db):
    works = queries.works(db)
    stages = queries.stages(db)
    bs = overview.by_stage(works, stages, "vi")
    spec = _spec(charts.stage_bars(bs, "n", "Số công trình", "3/18 công trình đã bàn giao"))
    bars = spec["layer"][0]
    scale = bars["encoding"]["color"]["scale"]
    colours = dict(zip(scale["domain"], scale["range"]))
    for st in stages.itertuples():
        assert colours[st.label_vi] == st.color
    assert colours["Chưa có số liệu"] == "#BBBBBB"
    assert bars["encoding"]["y"]["sort"] == list(bs.sort_values("order")["label"])
    assert spec["title"] == "3/18 công trình đã bàn giao"
    assert spec["config"]["axis"]["labelFontSize"] >= 16


def test_missing_amounts_are_labelled_not_zero(db):
    works = queries.works(db)
    bs = overview.by_stage(works, queries.stages(db), "vi").assign(
        investment_ty=lambda d: d["investment_vnd"] / 1e9)
    spec = _spec(charts.stage_bars(bs, "investment_ty", "tỷ đồng", "t", decimals=1, missing_text="chưa có số liệu"))
    rows = {r["label"]: r for r in spec["datasets"][next(iter(spec["datasets"]))]}
    assert rows["Quy hoạch"]["value_text"] == "chưa có số liệu"
    assert rows["Quy hoạch"]["investment_ty"] is None
    assert rows["Đang GPMB"]["value_text"] == "45,6"


def test_axis_labels_follow_vietnamese_number_format(db):
    bs = overview.by_stage(queries.works(db), queries.stages(db), "vi")
    vi = _spec(charts.stage_bars(bs, "n", "x", "t", lang="vi"))
    en = _spec(charts.stage_bars(bs, "n", "x", "t", lang="en"))
    assert "labelExpr" in vi["layer"][0]["encoding"]["x"]["axis"]
    assert "labelExpr" not in en["layer"][0]["encoding"]["x"].get("axis", {})
