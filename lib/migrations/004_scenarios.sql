-- 004: named what-if funding scenarios (lib/scenarios.py, page Kịch bản vốn).
-- params holds the scenario as JSON text (Scenario.to_dict), checked again when read.
-- A name is unique (the app also refuses a name differing only in letter case).
-- No semicolon may appear inside a comment or a value: the migration runner splits on it.

CREATE TABLE scenario (
    name       VARCHAR PRIMARY KEY,
    params     VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    note       VARCHAR
);
