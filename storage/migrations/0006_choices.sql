-- On platforms without buttons (Zalo, the console) the last choices offered to a person are
-- kept, so that "1" or the choice's text still works after a restart.
ALTER TABLE chat_users ADD COLUMN choices TEXT NOT NULL DEFAULT '[]';

-- The delivery worker sends one chat's messages in order: it looks for earlier waiting ones.
CREATE INDEX outbox_chat_waiting ON outbox (platform, chat_id, id)
    WHERE state IN ('pending', 'sending');
