-- 0008: the site as it is (issue 18): its cut texts and the arXiv
-- categories its feed does not carry.

-- 1 when the summary's markdown is the site's excerpt (/rss.xml and
-- /rss-all.xml carry the first 500 bytes of each text), not the whole;
-- the whole text replaces it when it arrives (/rss-full.xml, an edit).
ALTER TABLE summaries ADD COLUMN excerpt INTEGER NOT NULL DEFAULT 0;

-- arXiv's answer for each id it was asked about (src/arxiv.c): the
-- categories, primary first, separated by char(31); NULL when arXiv does
-- not know the id. An id with a row is not asked again; a paper with an
-- arXiv id and no keywords of its own takes these.
CREATE TABLE arxiv_answers (
  arxiv_id   TEXT PRIMARY KEY,
  categories TEXT,
  asked_at   INTEGER NOT NULL
) WITHOUT ROWID;
