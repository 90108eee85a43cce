-- 006: the town answer of the criteria page (issue 12).
-- A regional or special adjustment whose percentage is not known yet (U, e.g. NQ 111 Điều 8)
-- is kept as a row with an empty factor_pct, never a made-up number.
-- No semicolon may appear inside a comment or a value: the migration runner splits on it.
ALTER TABLE regional_factor ALTER COLUMN factor_pct DROP NOT NULL;

-- what would settle an unknown value, what a row stands for, a conflict about its levels
ALTER TABLE ruleset_standard ADD COLUMN evidence VARCHAR;
ALTER TABLE ruleset_standard ADD COLUMN bundle VARCHAR;
ALTER TABLE ruleset_standard ADD COLUMN caveat VARCHAR;

-- a transition rule of the text (NQ 111/2025 Điều 15: former loại IV and V are loại III)
ALTER TABLE ruleset ADD COLUMN transition_article VARCHAR;
ALTER TABLE ruleset ADD COLUMN transition_from VARCHAR;
ALTER TABLE ruleset ADD COLUMN transition_class VARCHAR;
ALTER TABLE ruleset ADD COLUMN transition_confidence VARCHAR;
