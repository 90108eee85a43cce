-- 005: evidence for indicator values, and the committee's decisions on the town of a work.
-- Every new column is nullable, so existing inserts (lib/seed.py, lib/criteria.py) keep working.
-- indicator_value.entered_by exists since 001.
-- No semicolon may appear inside a comment or a value: the migration runner splits on it.

-- the document a value comes from: name, number and date
ALTER TABLE indicator_value ADD COLUMN doc_name VARCHAR;
ALTER TABLE indicator_value ADD COLUMN doc_no VARCHAR;
ALTER TABLE indicator_value ADD COLUMN doc_date DATE;

-- work_area.basis gains a third value: committee (Ban Chỉ đạo xác định), beside report and inference.
-- The decision is kept in a table of its own, one row per work_area row of basis committee:
-- new columns on work_area would break inserts that list no columns (INSERT INTO work_area VALUES).
CREATE TABLE work_area_decision (
    work_id       VARCHAR NOT NULL,
    area_id       VARCHAR NOT NULL,
    decision_ref  VARCHAR NOT NULL,
    decision_date DATE NOT NULL,
    recorded_by   VARCHAR NOT NULL,
    recorded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (work_id, area_id)
);
