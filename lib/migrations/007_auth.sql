-- Sign-in and roles (issue 10): local accounts, and old/new values in the audit log.
-- A viewer has no account: reading needs no sign-in. Passwords are argon2 hashes (lib/auth.py).
CREATE TABLE app_user (
    username      VARCHAR PRIMARY KEY,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('editor', 'admin')),
    password_hash VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP
);

-- what a write changed: the rows (or a summary) before and after, as JSON; NULL when not recorded
ALTER TABLE audit_log ADD COLUMN old VARCHAR;
ALTER TABLE audit_log ADD COLUMN new VARCHAR;
