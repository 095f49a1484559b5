-- Broadcasts: one message an organiser (or the bot itself: reminders, notices) sends to many.
CREATE TABLE broadcasts (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,             -- announcement, reminder, agenda_change, result
    audience         TEXT NOT NULL,             -- JSON: {"type": "all" | "delegation" | "kind", ...}
    body             TEXT NOT NULL,             -- what the organiser wrote (plain text)
    status           TEXT NOT NULL CHECK (status IN ('scheduled', 'queued', 'done', 'cancelled')),
    send_at          TEXT,                      -- UTC; NULL: at once
    created_by       TEXT NOT NULL,             -- "platform:user_id", or "bot"
    report_platform  TEXT,                      -- where the live report is kept up to date
    report_chat_id   TEXT,
    report_message_id TEXT,
    report_language  TEXT,
    created_at       TEXT NOT NULL,
    queued_at        TEXT,
    finished_at      TEXT
);
CREATE INDEX broadcasts_status ON broadcasts (status, send_at);

-- The outbox: one row per (message, recipient), sent by the delivery worker.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    broadcast_id    INTEGER REFERENCES broadcasts (id) ON DELETE CASCADE,
    dedupe_key      TEXT NOT NULL UNIQUE,       -- never enqueued twice
    platform        TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    delegate_id     INTEGER REFERENCES delegates (id) ON DELETE SET NULL,
    text            TEXT NOT NULL,              -- HTML, already in the recipient's language
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,              -- UTC
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, state);

-- Accounts that blocked the bot (403) are not sent to again until they write to it.
ALTER TABLE chat_users ADD COLUMN blocked_at TEXT;

-- Who did what, to which audience, when, and the outcome.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,                      -- "platform:user_id", "cli" or "bot"
    action  TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'          -- JSON
);
