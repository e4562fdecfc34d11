-- Bulk mode belongs to the loading transaction, not to the site. A row of bulk_loads used to be
-- written on its own for a whole `quill import` or `quill seed`, and a load killed midway left
-- it there: every notification stayed silent for good. Now a row lives only inside the
-- transaction that writes it (storage writes it first and deletes it before committing): no
-- other connection sees it (SQLite has one writer at a time, and readers see only commits), and
-- a load that dies takes it along in its rollback. Its `never` column points at a row that does
-- not exist, checked at commit, so a transaction that forgot to remove it fails to commit rather
-- than silence the site. Recreating the table also clears a row a dead load left behind. The
-- notification triggers read it by name, unchanged.
DROP TABLE bulk_loads;
CREATE TABLE bulk_loads (
    id    INTEGER PRIMARY KEY,
    never INTEGER NOT NULL REFERENCES bulk_loads (id) DEFERRABLE INITIALLY DEFERRED
);
