-- 0011: the reply and confirmation limits count per mailbox through an
-- index (issue 14).
--
-- The limits compared sm_mailbox(recipient) with the sender's mailbox,
-- which no index held: every receive that answered computed the mailbox
-- of every reply and confirmation ever queued (callgrind: 705k of a
-- receive's 10.4M instructions at 300 rows; it grows with the outbox's
-- whole history). Each such row now keeps its mailbox, written when it is
-- queued, and the index starts from it. Digests leave it NULL.
-- sm_mailbox() is the store's SQL name for address_mailbox_key (one line:
-- a CLI without it can leave the line out).
ALTER TABLE outbox ADD COLUMN mailbox TEXT;
UPDATE outbox SET mailbox = sm_mailbox(recipient) WHERE kind IN ('reply', 'confirm');
DROP INDEX outbox_replies;
-- The limits' query names this WHERE word for word.
CREATE INDEX outbox_mailbox ON outbox (mailbox, kind, created_at)
  WHERE kind IN ('reply', 'confirm');
