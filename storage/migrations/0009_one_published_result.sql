-- One published result per title. Publishing decides inside its transaction whether a draft
-- corrects the result published under its title (and supersedes it); this index is the
-- backstop. SQLite's lower() folds ASCII letters only: the publishing code folds the case of
-- every alphabet (Vietnamese too), so it always supersedes what the index would refuse.
-- Titles published more than once before this (two drafts published at the same moment):
-- the newest stays published (what /results and a later correction took as the current
-- one), the older ones are superseded. Nothing is deleted.
UPDATE results SET status = 'superseded'
 WHERE status = 'published'
   AND EXISTS (SELECT 1 FROM results AS newer
                WHERE newer.status = 'published' AND newer.id > results.id
                  AND lower(newer.title) = lower(results.title));
CREATE UNIQUE INDEX results_one_published ON results (lower(title)) WHERE status = 'published';
