-- Invite codes are compared folded (upper case as stored, and the characters people misread
-- mapped to one: O→0, I and L→1, S→5, Z→2, B→8; bot/formats/invite.py), so that organisers'
-- own printed codes may use any letter and a misread character still matches. Codes stored
-- before this used an alphabet without those characters: each is its own folded form, so
-- they keep matching and no two of them collide. The expression must stay the same as
-- storage.delegates.FOLDED_INVITE_CODE, or lookups stop using this index.
CREATE UNIQUE INDEX delegates_folded_invite_code ON delegates (
    replace(replace(replace(replace(replace(replace(invite_code,
        'O', '0'), 'I', '1'), 'L', '1'), 'S', '5'), 'Z', '2'), 'B', '8'));
