-- Emptied tombstones are removed by storage, one level of a thread per statement: this trigger
-- removed them by deleting, which fired itself once per level, and a thread deeper than
-- SQLite's trigger depth (1,000) could not lose its last reply.
DROP TRIGGER comments_tombstone_cleanup;
