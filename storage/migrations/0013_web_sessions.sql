-- The dashboard's one-time login links and sessions (issue 16). Only hashes of the link's
-- token and of the session cookie are kept: a copy of the database opens no session.
-- `role` says what a session opens: every organiser page, or the check-in desk only.
CREATE TABLE web_logins (
    token_hash TEXT PRIMARY KEY,
    actor      TEXT NOT NULL,                 -- "platform:user_id", or "cli"
    role       TEXT NOT NULL CHECK (role IN ('organiser', 'checker')),
    language   TEXT,                          -- the pages' language; NULL: the event's
    created_at TEXT NOT NULL,                 -- UTC ISO 8601
    expires_at TEXT NOT NULL,
    used_at    TEXT                           -- set once: a link opens one session
) WITHOUT ROWID;

CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('organiser', 'checker')),
    language   TEXT,
    csrf       TEXT NOT NULL,                 -- the token every POST of the session carries
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_actor ON web_sessions (actor)
