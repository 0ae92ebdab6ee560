-- 0007: tags match as match.h promises (issue 11).
--
-- paper_keywords.keyword compares with COLLATE NOCASE, which folds ASCII
-- only: a reader's "tag:ωmega" missed a paper tagged "Ωmega". Each tag
-- now also keeps its folded form (match_tag_normalize: case folded across
-- Latin, Greek and Cyrillic, white space made one space), which is what
-- a TAG term's text is; matching compares those, through an index.
-- sm_tag_fold() is the store's SQL name for match_tag_normalize.
ALTER TABLE paper_keywords ADD COLUMN folded TEXT;
UPDATE paper_keywords SET folded = sm_tag_fold(keyword);
CREATE INDEX paper_keywords_folded ON paper_keywords (folded, paper_id);
