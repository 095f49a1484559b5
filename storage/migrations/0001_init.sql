-- Chat accounts: one row per person per platform, with their language and conversation step.
CREATE TABLE chat_users (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    language     TEXT,                 -- chosen with /language; NULL: follow the platform
    step         TEXT,                 -- conversation step, NULL when idle
    step_data    TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,        -- UTC ISO 8601
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
