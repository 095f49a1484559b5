-- The language the person's app reports (Telegram's language_code): messages to many people
-- use it when the person has not chosen one with /language, as direct replies do.
ALTER TABLE chat_users ADD COLUMN platform_language TEXT;
