-- 0010: the outbox's constraints and partial index without IN lists
-- (issue 14).
--
-- SQLite 3.40 evaluates `x IN (a, b, c)` on a row by building a
-- temporary table of the list (more than two values), so every outbox
-- row written (a digest queued, an outcome recorded) built three: one
-- for each CHECK and one for outbox_pending's WHERE. Callgrind put that
-- at 11% of a 100k-reader digest and a share of every recorded outcome.
-- The same tests written with = and OR are plain comparisons.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt;
-- store_migrate turns foreign keys off around migrations (SQLite's
-- procedure for this), so that dropping the old table deletes no
-- delivery and clears no bounce's outbox_id.
CREATE TABLE outbox_new (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL
                  CHECK (kind = 'digest' OR kind = 'reply' OR
                         kind = 'confirm' OR kind = 'comment' OR
                         kind = 'notice'),
  subscriber_id   INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
  recipient       TEXT NOT NULL,
  issue           TEXT,
  message_id      TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL DEFAULT '{}',
  state           TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state = 'queued' OR state = 'claimed' OR
                         state = 'sent' OR state = 'deferred' OR
                         state = 'failed'),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_by      TEXT,
  lease_until     INTEGER,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  last_error      TEXT
);
INSERT INTO outbox_new (id, kind, subscriber_id, recipient, issue,
                        message_id, payload, state, attempts,
                        next_attempt_at, claimed_by, lease_until,
                        created_at, sent_at, last_error)
  SELECT id, kind, subscriber_id, recipient, issue, message_id, payload,
         state, attempts, next_attempt_at, claimed_by, lease_until,
         created_at, sent_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE UNIQUE INDEX outbox_one_digest ON outbox (subscriber_id, issue)
  WHERE kind = 'digest';
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
-- Two values SQLite compares one by one (callgrind counted three
-- temporary tables a row, not four); the rate limit's query names this
-- WHERE word for word.
CREATE INDEX outbox_replies ON outbox (recipient COLLATE NOCASE, kind,
  created_at) WHERE kind IN ('reply', 'confirm');
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
-- A claim names this WHERE word for word (STORE_OUTBOX_DUE_SQL), which
-- is how SQLite knows the index holds every row it wants.
CREATE INDEX outbox_pending ON outbox (id)
  WHERE state = 'queued' OR state = 'deferred' OR state = 'claimed';
