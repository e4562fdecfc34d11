-- Prefixes of two to four letters get indexes of their own (FTS5's `prefix` option, counted in
-- characters). Without them FTS5 gathers the articles of every word with that start before
-- yielding one, which costs as much as those words' lists (7 ms for `good way time` at 100,000
-- articles, growing with the site); with them the matches are read newest first and the search
-- stops at its candidates (0.2 ms). Single letters match whole words only; a prefix of five
-- letters or more names few words. The index about doubles. It is rebuilt from the articles, as
-- the triggers keep it.
DROP TABLE article_search;
CREATE VIRTUAL TABLE article_search USING fts5 (
    title, tags, description, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
INSERT INTO article_search (rowid, title, tags, description, body)
    SELECT a.id, a.title, a.tag_list, a.description, b.body
    FROM articles a JOIN article_bodies b ON b.article_id = a.id;
