-- Download links for platforms that cannot carry files (Zalo, issue 17): one per person
-- and document, valid 24 hours, used once. Only the hash of the link's token is kept.
-- The person is the platform account that asked (`actor`) and, for a delegate, their row.
CREATE TABLE document_links (
    token_hash  TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,                 -- "platform:user_id"
    delegate_id INTEGER REFERENCES delegates (id) ON DELETE CASCADE,  -- NULL: an organiser
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,                 -- UTC ISO 8601
    expires_at  TEXT NOT NULL,
    used_at     TEXT                           -- set once: a link serves the file once
) WITHOUT ROWID;
