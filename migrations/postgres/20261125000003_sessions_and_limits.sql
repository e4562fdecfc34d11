-- Sessions and abuse limits.

-- A sign-in is a session with a fixed absolute lifetime; every token names its session, and a
-- token re-issued from another keeps the session and its expiry. Ending the session (logout,
-- "sign out everywhere", a password change for the other sessions) deletes the row, which ends
-- every token of it at once, on every replica. Expired rows are purged in the background.
-- revoked_tokens (per-token logout) is no longer read; replicas of the previous release still
-- write it during a rolling deploy, so it is dropped by a later release. created_at is in unix
-- milliseconds (it orders a user's sessions, to end the oldest), expires_at in seconds.
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Attempts per bucket (e.g. failed logins of one account, sign-ups from one address) in the
-- current fixed window (unix seconds) and in the one before it, which a sliding estimate weighs
-- in, so a burst across a window's edge is no bigger than one inside it; shared by every
-- replica. Old windows are purged in the background.
CREATE TABLE rate_limits (
    bucket       TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    prev_hits    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
