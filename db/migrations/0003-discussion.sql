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

-- Notices about comments that were not taken (an expired address, a
-- sender who is not the reader, an empty reply, ...) and confirmations
-- of the commands given in a reply: at most one per address and kind a
-- day, whatever a sender tries (src/receive_comment.c).
CREATE TABLE comment_notices (
  address TEXT NOT NULL COLLATE NOCASE,
  kind    TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (address, kind)
) WITHOUT ROWID;

-- Posting comments to the site (src/store_post.c, shortmail post). A
-- comment being posted stays 'pending' (post_state's CHECK cannot be
-- altered to add a state), so its claim is two columns. next_post_at:
-- not before this time (the backoff after a transient failure);
-- post_claimed_by and post_lease_until: the run posting it now, and
-- until when its claim holds (a run that died is taken over after that).
ALTER TABLE comments ADD COLUMN next_post_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN post_claimed_by TEXT;
ALTER TABLE comments ADD COLUMN post_lease_until INTEGER;
CREATE INDEX comments_post_due ON comments (post_state, next_post_at);
