-- Reserved for the migration of another branch merged at the same time (issue 14); this
-- placeholder keeps the numbers without gaps on the web branch. Replace it with that file.
SELECT 1
