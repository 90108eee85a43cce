-- 003: urban-classification criteria. The rule-set files (data/rulesets/*.csv, or an
-- admin's import) are kept whole in ruleset_file, the one source the scoring reads; the
-- ruleset_* tables are a copy in columns, refreshed on every import, for SQL users.

CREATE TABLE ruleset_file (
    name        VARCHAR PRIMARY KEY,
    content     VARCHAR NOT NULL,
    imported_at TIMESTAMP,
    imported_by VARCHAR
);

ALTER TABLE ruleset_group ADD COLUMN confidence VARCHAR;
ALTER TABLE ruleset_group ADD COLUMN note VARCHAR;

CREATE TABLE ruleset_level (
    ruleset_id    VARCHAR NOT NULL,
    standard_code VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    rank          DOUBLE NOT NULL,
    confidence    VARCHAR,
    note          VARCHAR
);

CREATE TABLE regional_factor (
    ruleset_id   VARCHAR NOT NULL,
    region_code  VARCHAR NOT NULL,
    region_name  VARCHAR,
    kind         VARCHAR NOT NULL,
    factor_pct   DOUBLE NOT NULL,
    standards    VARCHAR,
    confidence   VARCHAR,
    legal_source VARCHAR,
    note         VARCHAR
);

-- the region an area lies in, for the regional factors (Cao Bằng: Trung du và miền núi phía Bắc)
ALTER TABLE area ADD COLUMN region_code VARCHAR;
UPDATE area SET region_code = 'trung_du_mien_nui_phia_bac' WHERE region_code IS NULL;

ALTER TABLE indicator_value ADD COLUMN confidence VARCHAR;
ALTER TABLE indicator_value ADD COLUMN note VARCHAR;

-- the numeric change a work brings to a standard once handed over (e.g. +1 công trình văn hoá)
ALTER TABLE work_standard ADD COLUMN effect_value DOUBLE;
