"""Chart builders, checked through their Vega-Lite specification."""
import pandas as pd

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
    vi = _spec(charts.stage_bars(bs, "n", "x", "t", lang="vi", integer=True))
    en = _spec(charts.stage_bars(bs, "n", "x", "t", lang="en", integer=True))
    # one registered theme carries the Vietnamese locale; an English chart swaps it
    assert vi["config"]["locale"]["number"]["decimal"] == "," and vi["config"]["locale"]["number"]["thousands"] == "."
    assert en["config"]["locale"]["number"]["decimal"] == "." and en["config"]["locale"]["number"]["thousands"] == ","
    assert vi["config"]["axis"]["labelFontSize"] >= 16 and vi["config"]["title"]["fontSize"] >= 16
    # a count axis shows whole numbers only: never "0,5 công trình"
    axis = vi["layer"][0]["encoding"]["x"]["axis"]
    assert axis["tickMinStep"] == 1 and axis["format"] == ",d"


def _pipeline_rows(db):
    works = queries.works(db)
    stages = queries.stages(db)
    opts = queries.town_options(db)
    rows = overview.by_stage_and_town(works, opts, stages, "vi")
    order = {t: i for i, t in enumerate(opts["id"])}
    return works, stages, rows.assign(town_order=rows["town"].map(order), investment_ty=rows["investment_vnd"] / 1e9)


def test_pipeline_stacks_by_stage_in_order_and_can_be_clicked(db):
    works, stages, rows = _pipeline_rows(db)
    bs = overview.by_stage(works, stages, "vi")
    spec = charts.pipeline(rows, bs, "n", "Số công trình", "t", "Địa bàn", selectable=True).to_dict()
    enc = spec["encoding"]
    assert enc["order"]["field"] == "stage_order"
    assert enc["y"]["sort"][:2] == ["Thị trấn Trùng Khánh", "Thị trấn Trà Lĩnh"]
    colours = dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"]))
    assert colours["Đang thi công"] == "#0072B2" and colours["Đã bàn giao"] == "#009E73"
    assert spec["params"][0]["name"] == charts.STAGE_PICK
    assert spec["params"][0]["select"]["fields"] == ["stage_key"]
    assert spec["height"] == {"step": 44}


def test_category_chart_sorts_by_investment(db):
    rows = pd.DataFrame({"category_label": ["Văn hoá", "Trụ sở", "Trụ sở"], "town_label": ["A", "A", "B"],
                         "town_order": [0, 0, 1], "investment_ty": [35.6, 1.0, 5.0]})
    spec = charts.category_by_town(rows, "t", "tỷ", "Địa bàn").to_dict()
    assert spec["encoding"]["y"]["sort"] == ["Văn hoá", "Trụ sở"]
    assert spec["encoding"]["color"]["scale"]["range"] == charts.TOWN_COLORS[:2]


def test_timeline_has_baseline_current_and_the_data_date(db):
    works, stages, _ = _pipeline_rows(db)
    bs = overview.by_stage(works, stages, "vi")
    rows = pd.DataFrame({"label": ["a", "b"], "stage_label": ["Đang thi công", "Đang GPMB"],
                         "baseline_year": [2022, 2022], "expected_year": [2022, 2024]})
    spec = charts.timeline(rows, bs, 2022.99, "t", {"year": "Năm", "baseline": "b", "current": "c",
                                                     "as_of": "Ngày số liệu"}).to_dict()
    layers = spec["layer"]
    assert layers[0]["encoding"]["x"]["field"] == "cur_start" and layers[0]["encoding"]["x2"]["field"] == "cur_end"
    assert layers[1]["mark"]["filled"] is False  # the baseline is an outline
    assert layers[2]["mark"]["type"] == "rule"
    rule_data = spec["datasets"][layers[2]["data"]["name"]]
    assert rule_data[0]["x"] == 2022.99


def test_progress_with_one_period_draws_points_not_lines():
    rows = pd.DataFrame({"period_label": ["P1"], "period_order": [0], "measure": ["Đã bàn giao"], "value": [3.0]})
    spec = charts.progress_over_periods(rows, "t", {"period": "Kỳ", "value": "Giá trị"}).to_dict()
    marks = [l["mark"]["type"] for l in spec["spec"]["layer"]]
    assert "line" not in marks and "point" in marks
    rows2 = pd.concat([rows, rows.assign(period_label="P2", period_order=1)])
    marks2 = [l["mark"]["type"] for l in charts.progress_over_periods(rows2, "t", {"period": "Kỳ", "value": "v"}).to_dict()["spec"]["layer"]]
    assert "line" in marks2


def test_group_points_show_earned_max_and_minimum_and_say_no_data():
    rows = pd.DataFrame({"group_label": ["I. Vai trò", "II. Đô thị hoá"], "points": [12.5, None],
                         "max_points": [15, 20], "min_points": [11.5, 15.5]})
    labels = {"points": "Điểm", "earned": "Đạt", "max": "Tối đa", "min": "Tối thiểu", "no_data": "chưa có số liệu"}
    spec = charts.group_points(rows, "Điểm theo nhóm", labels).to_dict()
    marks = [l["mark"]["type"] if isinstance(l["mark"], dict) else l["mark"] for l in spec["layer"]]
    assert marks == ["bar", "bar", "tick", "text"]
    assert spec["layer"][0]["mark"]["filled"] is False          # the maximum is an outline
    data = spec["datasets"][spec["layer"][3]["data"]["name"]] if "data" in spec["layer"][3] else \
        next(iter(spec["datasets"].values()))
    texts = {r["group_label"]: r["points_text"] for r in data}
    assert texts == {"I. Vai trò": "12,5", "II. Đô thị hoá": "chưa có số liệu"}
