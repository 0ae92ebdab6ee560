-- 0006: bounces learn two words (issue 12).
--
-- kind 'delayed': a delay warning (RFC 3464 "Action: delayed", Postfix's
-- "THIS IS A WARNING ONLY", Exim's "has not yet been delivered") is kept
-- with the reader's bounces but counts nothing: the MTA still tries.
-- source 'message-id': a report at LIST-bounces@ without a VERP address
-- whose returned copy carries the Message-ID of a message we sent, which
-- names the reader as surely as the token would.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE bounces_new (
  id            INTEGER PRIMARY KEY,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id)
                ON DELETE CASCADE,
  address       TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary',
                                              'delayed')),
  status        TEXT,
  diagnostic    TEXT,
  source        TEXT NOT NULL CHECK (source IN ('verp', 'message-id',
                                                'parsed', 'smtp')),
  outbox_id     INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
  received_at   INTEGER NOT NULL,
  counted       REAL NOT NULL DEFAULT 0,
  score         REAL NOT NULL DEFAULT 0
);
INSERT INTO bounces_new (id, subscriber_id, address, kind, status, diagnostic,
                         source, outbox_id, received_at, counted, score)
  SELECT id, subscriber_id, address, kind, status, diagnostic, source,
         outbox_id, received_at, counted, score FROM bounces;
DROP TABLE bounces;
ALTER TABLE bounces_new RENAME TO bounces;
CREATE INDEX bounces_subscriber ON bounces (subscriber_id, received_at);
