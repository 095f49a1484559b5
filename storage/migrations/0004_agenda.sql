-- The programme: one row per session, matched across imports by `key`.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    starts_at   TEXT NOT NULL,                  -- UTC
    ends_at     TEXT NOT NULL,                  -- UTC
    title       TEXT NOT NULL,
    location    TEXT NOT NULL DEFAULT '',
    presenter   TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    audience    TEXT NOT NULL DEFAULT 'all',    -- all, official, or a delegation's name
    cancelled   INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);
CREATE INDEX sessions_start ON sessions (starts_at);

-- A person can mute reminders (/reminders off).
ALTER TABLE chat_users ADD COLUMN reminders_off INTEGER NOT NULL DEFAULT 0;

-- A broadcast the bot makes by itself (a reminder) is made once: its key is unique.
ALTER TABLE broadcasts ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX broadcasts_dedupe ON broadcasts (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Small facts about the data, e.g. the agenda's version (bumped by every import, so a
-- running bot notices an import made from the command line and rebuilds its jobs).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
