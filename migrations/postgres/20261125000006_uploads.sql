-- Image uploads. An image is stored once under the hash of its stored (re-encoded) bytes; each
-- user who uploaded it has a row, so the same image twice by one user is one row and counts
-- once against their quota. Deleting an account deletes its rows (freeing nothing else): the
-- stored object stays, since another user's row, or a page anywhere, may still point at it.
CREATE TABLE uploads (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT   NOT NULL,
    ext        TEXT   NOT NULL,
    size       BIGINT NOT NULL,
    created_at TEXT   NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE INDEX uploads_hash_idx ON uploads (hash);

-- The sum of each user's uploads(size), written in the same transaction as the row, by a
-- conditional upsert: its row lock makes concurrent uploads of one user queue on it, so they
-- cannot pass the quota together.
CREATE TABLE upload_usage (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    bytes   BIGINT NOT NULL
);
