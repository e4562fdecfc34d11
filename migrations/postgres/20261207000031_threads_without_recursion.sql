-- Emptied tombstones are removed by storage, one level of a thread per statement: this trigger
-- removed them by deleting, which fired itself once per level, and a thread some 700 levels deep
-- ran out of stack (max_stack_depth) and could not lose its last reply.
DROP TRIGGER comments_tombstone_cleanup ON comments;
DROP FUNCTION comments_tombstone_cleanup();
