-- The index's own list of words, for a search word of five letters or more to be matched with its
-- completions (the words that start with it) rather than as a prefix, which FTS5 answers only
-- after reading the articles of every such word (its prefix indexes stop at four letters).
-- 'instance' steps from one word to the next without counting each word's articles as 'row'
-- would.
CREATE VIRTUAL TABLE article_search_terms USING fts5vocab (article_search, 'instance');
