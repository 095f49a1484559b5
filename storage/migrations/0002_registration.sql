-- The roster: one row per delegate, matched across imports by their roster code.
CREATE TABLE delegates (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    full_name   TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    delegation  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('official', 'alternate', 'guest')),
    phone       TEXT UNIQUE,              -- E.164, or NULL
    seat        TEXT NOT NULL DEFAULT '',
    invite_code TEXT NOT NULL UNIQUE,     -- normalised: upper case, no separators
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX delegates_delegation ON delegates (delegation);

-- Which chat account is which delegate: at most one account per delegate per platform.
CREATE TABLE registrations (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    delegate_id INTEGER NOT NULL REFERENCES delegates (id) ON DELETE CASCADE,
    method      TEXT NOT NULL CHECK (method IN ('invite_code', 'phone')),
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (platform, user_id),
    UNIQUE (platform, delegate_id),
    FOREIGN KEY (platform, user_id) REFERENCES chat_users (platform, user_id) ON DELETE CASCADE
);
CREATE INDEX registrations_delegate ON registrations (delegate_id);

-- Wrong invite codes and phone numbers, to slow down guessing (the code itself is not kept).
CREATE TABLE login_failures (
    platform TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (platform, user_id, at);

-- Files an organiser sent in chat, kept until they confirm or cancel the import.
CREATE TABLE staged_files (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, purpose)
);
