-- 0012: paper_keywords loses its index on keyword (issue 14).
--
-- Since 0007 every lookup of a tag goes through folded
-- (paper_keywords_folded), and every other one through paper_id (the
-- primary key); no query reads paper_keywords_keyword. It only cost an
-- index entry per keyword written: about 476,000 for 100,000 items.
DROP INDEX paper_keywords_keyword;
