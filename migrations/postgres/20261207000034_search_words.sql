-- The words of the search index, for a search word of five letters or more to be matched with its
-- completions (the words that start with it) as on SQLite, where FTS5 lists its own. The GIN
-- index cannot list its words, and `ts_stat` reads every article. A word is added by the first
-- article that has it and stays when that article goes: a completion that no longer matches finds
-- nothing, and keeping counts would make every article write wait on the commonest words' rows.
-- Byte order ("C") makes the words that start with a word one range of the primary key.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);

INSERT INTO search_words (word)
    SELECT word FROM ts_stat('SELECT search FROM article_bodies') ORDER BY word;

-- New words only, in byte order: two articles that bring the same new words wait for each other
-- in the same order, never in a cycle.
CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.search)) AS w
        WHERE TG_OP = 'INSERT' OR w <> ALL (tsvector_to_array(OLD.search))
        ORDER BY w COLLATE "C"
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

-- The search column is set by a BEFORE trigger, so an update is told by its value, not its name.
CREATE TRIGGER article_bodies_search_words_insert AFTER INSERT ON article_bodies
    FOR EACH ROW EXECUTE FUNCTION search_words_add();
CREATE TRIGGER article_bodies_search_words_update AFTER UPDATE ON article_bodies
    FOR EACH ROW WHEN (OLD.search IS DISTINCT FROM NEW.search)
    EXECUTE FUNCTION search_words_add();
