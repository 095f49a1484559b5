-- Congress documents (issue 17): the drafts and reports delegates read on their phones.
-- The file itself lives on disk beside the database, named by its content hash
-- (storage/document_files.py); a new version changes the file columns and bumps `version`.
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,                 -- the title folded (case, spaces, Unicode form)
    file_hash    TEXT NOT NULL,                 -- sha256 of the content, hex
    file_name    TEXT NOT NULL,
    size         INTEGER NOT NULL,
    mime         TEXT NOT NULL,
    session_id   INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    audience     TEXT NOT NULL DEFAULT 'all',   -- all, official, or a delegation's name
    visible_from TEXT NOT NULL,                 -- UTC
    notify       INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1,
    withdrawn_at TEXT,                          -- UTC; NULL while published
    notified_version INTEGER NOT NULL DEFAULT 0, -- the version whose notice was queued
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
-- One published document per title: a second one is a new version of the first.
CREATE UNIQUE INDEX documents_title ON documents (title_key) WHERE withdrawn_at IS NULL;
CREATE INDEX documents_session ON documents (session_id);

-- What a platform gave for a file once uploaded (Telegram's file_id), to send it again
-- without a second upload. Keyed by content: each version has its own.
CREATE TABLE document_uploads (
    file_hash TEXT NOT NULL,
    platform  TEXT NOT NULL,
    file_id   TEXT NOT NULL,
    PRIMARY KEY (file_hash, platform)
) WITHOUT ROWID;

-- Who received which version of a document (told when a newer one comes).
CREATE TABLE document_receipts (
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    delegate_id INTEGER NOT NULL REFERENCES delegates (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (document_id, delegate_id)
) WITHOUT ROWID;

-- A file an organiser sent in chat, with what the caption asked, until they confirm.
CREATE TABLE document_drafts (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    token      TEXT NOT NULL,
    plan       TEXT NOT NULL,                   -- JSON: title, file name, audience, ...
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID
