-- 001: the programme, its areas, works, reporting periods, status updates,
-- departments' tasks, empty criteria tables, settings and the audit log.
-- Amounts are in đồng (BIGINT). Unknown values are NULL, never 0.

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE programme (
    id             VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    decision_no    VARCHAR,
    decision_date  DATE,
    issuer         VARCHAR,
    period_start   INTEGER,
    period_end     INTEGER,
    plan_no        VARCHAR,
    plan_date      DATE,
    source_ref     VARCHAR,
    source_note    VARCHAR
);

-- Administrative units with dates of validity: a unit that was merged keeps its
-- row, with valid_to and the unit it became (successor_id).
CREATE TABLE area (
    id            VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,        -- thi_tran, xa, huyen
    parent_id     VARCHAR,
    valid_from    DATE,
    valid_to      DATE,                    -- NULL: still in force
    successor_id  VARCHAR,
    change_note   VARCHAR,
    legal_source  VARCHAR,
    confidence    VARCHAR,                 -- C, C2, U
    is_programme_town BOOLEAN NOT NULL DEFAULT FALSE,
    sort_order    INTEGER
);

CREATE TABLE programme_target (
    programme_id  VARCHAR NOT NULL,
    area_id       VARCHAR NOT NULL,
    target_class  VARCHAR NOT NULL,        -- IV, V
    target_year   INTEGER,
    target_text   VARCHAR,
    source_ref    VARCHAR,
    PRIMARY KEY (programme_id, area_id)
);

-- Stages as data: label, order, OC4IDS status, colour (one colour a stage everywhere).
CREATE TABLE stage (
    code            VARCHAR PRIMARY KEY,
    label_vi        VARCHAR NOT NULL,
    label_en        VARCHAR NOT NULL,
    sort_order      INTEGER NOT NULL,
    oc4ids_status   VARCHAR,
    color           VARCHAR NOT NULL,
    is_handed_over  BOOLEAN NOT NULL DEFAULT FALSE,
    report_wording  VARCHAR
);

CREATE TABLE category (
    code           VARCHAR PRIMARY KEY,
    label_vi       VARCHAR NOT NULL,
    label_en       VARCHAR NOT NULL,
    oc4ids_sector  VARCHAR,
    sort_order     INTEGER
);

CREATE TABLE delay_cause (
    code        VARCHAR PRIMARY KEY,
    label_vi    VARCHAR NOT NULL,
    label_en    VARCHAR NOT NULL,
    report_text VARCHAR,                   -- the report's own sentence, where it names this cause
    source_ref  VARCHAR,
    sort_order  INTEGER
);

CREATE TABLE work (
    id                   VARCHAR PRIMARY KEY,   -- e.g. GT-01
    programme_id         VARCHAR NOT NULL,
    name                 VARCHAR NOT NULL,
    kind                 VARCHAR NOT NULL,      -- cong_trinh, nhiem_vu_quy_hoach
    report_group         VARCHAR,               -- the report's heading: giao_thong, ha_tang_xa_hoi, chinh_trang, quy_hoach
    category             VARCHAR,               -- finer: giao_thong, van_hoa, tai_dinh_cu, ...
    oc4ids_sector        VARCHAR,
    total_investment_vnd BIGINT,                -- NULL when the report gives none
    length_m             DOUBLE,
    cross_section_m      DOUBLE,
    scale_text           VARCHAR,               -- physical scale as written
    planning_period      VARCHAR,
    baseline_year        INTEGER,               -- frozen: first expected completion recorded
    baseline_set_at      DATE,
    funding_source       VARCHAR,
    investor             VARCHAR,
    priority             INTEGER,
    report_order         INTEGER,               -- order in the source report
    source_ref           VARCHAR,               -- where in the report
    source_quote         VARCHAR,
    source_note          VARCHAR,               -- the report's slips, inferences
    created_at           TIMESTAMP,
    created_by           VARCHAR,
    CHECK (total_investment_vnd IS NULL OR total_investment_vnd >= 0)
);

-- A work may sit in one town, both, or at district level; no row means "unknown".
CREATE TABLE work_area (
    work_id  VARCHAR NOT NULL,
    area_id  VARCHAR NOT NULL,
    basis    VARCHAR NOT NULL,                  -- report, inference
    note     VARCHAR,
    PRIMARY KEY (work_id, area_id)
);

CREATE TABLE reporting_period (
    id             VARCHAR PRIMARY KEY,          -- e.g. 2022-12
    label_vi       VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    as_of_precision VARCHAR NOT NULL DEFAULT 'day', -- day, month
    source_ref     VARCHAR,
    source_note    VARCHAR
);

CREATE SEQUENCE status_update_seq START 1;
-- History is appended, never overwritten.
CREATE TABLE status_update (
    id             BIGINT PRIMARY KEY DEFAULT nextval('status_update_seq'),
    work_id        VARCHAR NOT NULL,
    period_id      VARCHAR NOT NULL,
    as_of          DATE NOT NULL,
    stage          VARCHAR,                     -- NULL: the source does not say
    physical_pct   DOUBLE,
    disbursed_vnd  BIGINT,
    expected_year  INTEGER,
    note           VARCHAR,
    delay_cause    VARCHAR,
    source_ref     VARCHAR,
    source_quote   VARCHAR,
    entered_by     VARCHAR,
    entered_at     TIMESTAMP,
    CHECK (physical_pct IS NULL OR (physical_pct >= 0 AND physical_pct <= 100)),
    CHECK (disbursed_vnd IS NULL OR disbursed_vnd >= 0)
);

CREATE TABLE department_task (
    id           VARCHAR PRIMARY KEY,
    programme_id VARCHAR NOT NULL,
    department   VARCHAR NOT NULL,
    task         VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,             -- da_giao, dang_thuc_hien, hoan_thanh, chua_ro
    status_note  VARCHAR,
    source_ref   VARCHAR,
    sort_order   INTEGER
);

-- Urban classification: filled by the criteria module.
CREATE TABLE ruleset (
    id           VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    legal_source VARCHAR,
    valid_from   DATE,
    valid_to     DATE,
    classes      VARCHAR,
    pass_mark    DOUBLE,
    confidence   VARCHAR,
    note         VARCHAR
);

CREATE TABLE ruleset_group (
    ruleset_id  VARCHAR NOT NULL,
    class_code  VARCHAR,
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    max_points  DOUBLE,
    min_points  DOUBLE
);

CREATE TABLE ruleset_standard (
    ruleset_id   VARCHAR NOT NULL,
    class_code   VARCHAR NOT NULL,
    code         VARCHAR NOT NULL,
    group_code   VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    unit         VARCHAR,
    direction    VARCHAR,
    min_level    VARCHAR,
    high_level   VARCHAR,
    min_points   DOUBLE,
    max_points   DOUBLE,
    is_count     BOOLEAN,
    is_density   BOOLEAN,
    confidence   VARCHAR,
    legal_source VARCHAR,
    note         VARCHAR
);

CREATE SEQUENCE indicator_value_seq START 1;
CREATE TABLE indicator_value (
    id            BIGINT PRIMARY KEY DEFAULT nextval('indicator_value_seq'),
    area_id       VARCHAR NOT NULL,
    standard_code VARCHAR NOT NULL,
    value_num     DOUBLE,
    value_text    VARCHAR,
    unit          VARCHAR,
    as_of         DATE,
    source        VARCHAR,
    entered_by    VARCHAR,
    entered_at    TIMESTAMP,
    is_demo       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE work_standard (
    work_id       VARCHAR NOT NULL,
    standard_code VARCHAR NOT NULL,
    effect        VARCHAR,
    note          VARCHAR,
    PRIMARY KEY (work_id, standard_code)
);

CREATE TABLE setting (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    value_type  VARCHAR NOT NULL,              -- int, float, str
    description VARCHAR
);

CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
    id        BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    logged_at TIMESTAMP NOT NULL,
    actor     VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    detail    VARCHAR
);
