-- 008: no silent loss, and the yearly capital plans (issue 10).
-- No semicolon may appear inside a comment or a value: the migration runner splits on it.

-- One row per form submit that wrote: a submit token seen twice is refused, never written twice
-- (a double click, a replayed message, or two queued submits of the same form). audit_id names the
-- audit row of that write, whose new values are the receipt the page shows, even after a rerun
-- cut the page short between the write and its message.
CREATE TABLE submission (
    token        VARCHAR PRIMARY KEY,
    action       VARCHAR NOT NULL,
    username     VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    audit_id     BIGINT
);

-- The yearly capital plan of a work and what was disbursed of it that year, as the departments'
-- spreadsheets give them (lib/importer.py). NULL: the sheet does not say. The funding-gap flag reads
-- allocated_vnd. status_update.disbursed_vnd stays the cumulative amount reported at a period.
CREATE TABLE capital_plan (
    work_id        VARCHAR NOT NULL,
    year           INTEGER NOT NULL,
    allocated_vnd  BIGINT,
    disbursed_vnd  BIGINT,
    decision_ref   VARCHAR,                      -- the decision that allocated the capital
    source_ref     VARCHAR,
    entered_by     VARCHAR NOT NULL,
    entered_at     TIMESTAMP NOT NULL,
    row_version    INTEGER NOT NULL DEFAULT 1,   -- bumped by every change of the row
    PRIMARY KEY (work_id, year),
    CHECK (year BETWEEN 2000 AND 2100),
    CHECK (allocated_vnd IS NULL OR allocated_vnd >= 0),
    CHECK (disbursed_vnd IS NULL OR disbursed_vnd >= 0)
);
