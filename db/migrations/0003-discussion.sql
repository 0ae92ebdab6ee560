-- 0003: comments kept whole for audit, discussion threads and their
-- followers (issue 6).

-- The message a comment came in, as received (comments.body is the text
-- taken out of it), for an operator who must judge a held comment.
ALTER TABLE comments ADD COLUMN raw BLOB;

-- The readers who follow a summary's discussion.
CREATE TABLE followers (
  summary_id    INTEGER NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id)
                ON DELETE CASCADE,
  since         INTEGER NOT NULL,
  PRIMARY KEY (summary_id, subscriber_id)
) WITHOUT ROWID;
CREATE INDEX followers_subscriber ON followers (subscriber_id);
