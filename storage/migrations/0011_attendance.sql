-- Attendance on the congress day: check-ins per attendance window, absences the delegates
-- report, and the alternates who take an official delegate's seat.

-- One check-in per delegate per window (the UNIQUE makes two checkers scanning the same
-- badge at the same moment one check-in). window_key names the window (bot.attendance_windows).
CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    delegate_id INTEGER NOT NULL REFERENCES delegates(id) ON DELETE CASCADE,
    window_key  TEXT NOT NULL,
    checked_at  TEXT NOT NULL,                 -- UTC ISO 8601
    method      TEXT NOT NULL,                 -- staff (a checker scanned), hall (the hall screen), desk
    by_platform TEXT NOT NULL DEFAULT '',      -- who checked them in ('' for the hall screen)
    by_user     TEXT NOT NULL DEFAULT '',
    by_name     TEXT NOT NULL DEFAULT '',
    UNIQUE (delegate_id, window_key)
);
CREATE INDEX checkins_window ON checkins (window_key);

-- An absence a delegate reported (/absent), over [starts_at, ends_at): one window, one day or
-- the rest of the congress (scope), with their reason.
CREATE TABLE absences (
    id          INTEGER PRIMARY KEY,
    delegate_id INTEGER NOT NULL REFERENCES delegates(id) ON DELETE CASCADE,
    starts_at   TEXT NOT NULL,                 -- UTC
    ends_at     TEXT NOT NULL,                 -- UTC
    scope       TEXT NOT NULL,                 -- window, day, rest
    reason      TEXT NOT NULL,
    reported_at TEXT NOT NULL
);
CREATE INDEX absences_delegate ON absences (delegate_id);

-- An alternate delegate who takes an official delegate's seat: one alternate per seat and
-- one seat per alternate; from then on the alternate counts as official.
CREATE TABLE replacements (
    official_id  INTEGER PRIMARY KEY REFERENCES delegates(id) ON DELETE CASCADE,
    alternate_id INTEGER NOT NULL UNIQUE REFERENCES delegates(id) ON DELETE CASCADE,
    replaced_at  TEXT NOT NULL,                -- UTC
    by_user      TEXT NOT NULL                 -- platform:user_id or "cli"
);
