-- Every delegate's check-in token: what the QR code on their card and badge carries
-- (`ci_<token>`), never the invite code. 80 random bits; a new one revokes the old.
ALTER TABLE delegates ADD COLUMN checkin_token TEXT;
UPDATE delegates SET checkin_token = lower(hex(randomblob(10)));
CREATE UNIQUE INDEX delegates_checkin_token ON delegates (checkin_token);
