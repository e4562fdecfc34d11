-- The changes to what readers see, counted in the file: a server announces its own here, and
-- every server on the file polls it to drop cached answers that other processes (a second server
-- during a restart, `quill import`, `quill admin`) made stale. PRAGMA data_version cannot tell
-- those from commits that change nothing a reader sees, such as a failed sign-in's counter.
CREATE TABLE site_changes (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO site_changes (id, generation) VALUES (1, 0);
