-- Election and vote results: imported as drafts, published to delegates, corrected by a new
-- published result that supersedes the old one.
CREATE TABLE results (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('election', 'vote')),
    status       TEXT NOT NULL
                 CHECK (status IN ('draft', 'published', 'superseded', 'discarded')),
    data         TEXT NOT NULL,                 -- JSON: the counts and candidates as imported
    file_name    TEXT NOT NULL,
    corrects     INTEGER REFERENCES results (id),
    imported_by  TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT,
    broadcast_id INTEGER REFERENCES broadcasts (id)
);
CREATE INDEX results_status ON results (status, id);
