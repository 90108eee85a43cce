-- 009: what a stage means, as data (lib/stages.py builds the one model from these columns).
-- No semicolon may appear inside a comment or a value: the migration runner splits on it.
--
-- is_started         the work is on site or done: under construction, paused or handed over.
--                    A started work may finish in the year it gets its money (lib/funding.py).
-- is_early           investment procedures or site clearance not finished: a work due within
--                    flag_at_risk_months is at risk (lib/flags.py).
-- is_paused          work stopped: the stalled flag is red.
-- is_site_clearance  site clearance under way or next: the scenario's extra clearance months apply.
-- is_procedure       investment procedures not finished: overdue (or due today) is red.
-- implied_cause      the delay_cause code a flag infers from this stage when none is recorded
--                    (shown as inferred from the stage), NULL when the stage implies none.
-- default_done_share       share of the total taken as already done when the disbursed amount
--                          is unknown (the funding page's first value, 0..1).
-- default_months_to_start  months still needed before money can be spent (the page's first value).
-- These two are stage data because they describe the stage, and a stage added to the table
-- needs them to be simulated without a change of code.

ALTER TABLE stage ADD COLUMN is_started BOOLEAN DEFAULT FALSE;
ALTER TABLE stage ADD COLUMN is_early BOOLEAN DEFAULT FALSE;
ALTER TABLE stage ADD COLUMN is_paused BOOLEAN DEFAULT FALSE;
ALTER TABLE stage ADD COLUMN is_site_clearance BOOLEAN DEFAULT FALSE;
ALTER TABLE stage ADD COLUMN is_procedure BOOLEAN DEFAULT FALSE;
ALTER TABLE stage ADD COLUMN implied_cause VARCHAR;
ALTER TABLE stage ADD COLUMN default_done_share DOUBLE;
ALTER TABLE stage ADD COLUMN default_months_to_start DOUBLE;

UPDATE stage SET is_started = FALSE, is_early = TRUE, is_paused = FALSE, is_site_clearance = FALSE,
    is_procedure = TRUE, implied_cause = 'thu_tuc', default_done_share = 0.0, default_months_to_start = 12
WHERE code = 'quy_hoach';
UPDATE stage SET is_started = FALSE, is_early = TRUE, is_paused = FALSE, is_site_clearance = TRUE,
    is_procedure = TRUE, implied_cause = 'thu_tuc', default_done_share = 0.0, default_months_to_start = 12
WHERE code = 'hoan_thien_thu_tuc';
UPDATE stage SET is_started = FALSE, is_early = TRUE, is_paused = FALSE, is_site_clearance = TRUE,
    is_procedure = FALSE, implied_cause = 'gpmb', default_done_share = 0.1, default_months_to_start = 6
WHERE code = 'dang_gpmb';
UPDATE stage SET is_started = TRUE, is_early = FALSE, is_paused = FALSE, is_site_clearance = FALSE,
    is_procedure = FALSE, implied_cause = NULL, default_done_share = 0.5, default_months_to_start = 0
WHERE code = 'dang_thi_cong';
UPDATE stage SET is_started = TRUE, is_early = FALSE, is_paused = TRUE, is_site_clearance = FALSE,
    is_procedure = FALSE, implied_cause = NULL, default_done_share = 0.3, default_months_to_start = 6
WHERE code = 'tam_dung';
UPDATE stage SET is_started = TRUE, is_early = FALSE, is_paused = FALSE, is_site_clearance = FALSE,
    is_procedure = FALSE, implied_cause = NULL, default_done_share = 1.0, default_months_to_start = 0
WHERE code = 'da_ban_giao';
