-- 0002: bounces, bounce scores and forgotten readers (issue 7).

-- Each bounce about a reader we had mailed: from the VERP return path
-- (source 'verp', the token named reader and outbox row), a report parsed
-- at LIST-bounces@ ('parsed'), or the relay's 5xx to RCPT TO while
-- sending ('smtp'). `counted` is what it added
-- to the reader's score (0: a second bounce the same day, or a reader no
-- longer confirmed); `score` is the score after it.
CREATE TABLE bounces (
  id            INTEGER PRIMARY KEY,
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id)
                ON DELETE CASCADE,
  address       TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('permanent', 'temporary')),
  status        TEXT,
  diagnostic    TEXT,
  source        TEXT NOT NULL CHECK (source IN ('verp', 'parsed', 'smtp')),
  outbox_id     INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
  received_at   INTEGER NOT NULL,
  counted       REAL NOT NULL DEFAULT 0,
  score         REAL NOT NULL DEFAULT 0
);
CREATE INDEX bounces_subscriber ON bounces (subscriber_id, received_at);

-- A reader's bounce score (src/bouncer.h has the rules): the score as
-- of the last counted bounce, that bounce's time and kind, and when the
-- score disabled the reader.
CREATE TABLE bounce_scores (
  subscriber_id  INTEGER PRIMARY KEY REFERENCES subscribers (id)
                 ON DELETE CASCADE,
  score          REAL NOT NULL DEFAULT 0,
  last_bounce_at INTEGER NOT NULL,
  last_kind      TEXT NOT NULL CHECK (last_kind IN ('permanent',
                                                     'temporary')),
  disabled_at    INTEGER
);

-- Readers erased by `shortmail sub forget`: only the SHA-256 of the
-- lower-cased address, so that an operator's import or `sub add` does
-- not bring them back. Their own confirmed subscription removes it.
CREATE TABLE forgotten (
  address_hash TEXT PRIMARY KEY,
  forgotten_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The mail a reader was sent: bounces check that we mailed them, and
-- forget erases it.
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
