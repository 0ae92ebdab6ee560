-- db/schema.sql: the shortmail store, schema version 1.
--
-- Applied to an empty database by `shortmail db migrate` (and on every
-- open). Later changes never edit this file: they go in
-- db/migrations/NNNN-what.sql, where NNNN is the version they produce.
-- Times are seconds since the epoch, UTC.

-- Conditional-GET state per feed URL.
CREATE TABLE feeds (
  url           TEXT PRIMARY KEY,
  etag          TEXT,
  last_modified TEXT,
  fetched_at    INTEGER NOT NULL
);

-- A paper is identified by its bibtex key, else its arXiv id, else its
-- title (title_key: lower-cased, white space folded).
CREATE TABLE papers (
  id         INTEGER PRIMARY KEY,
  title      TEXT NOT NULL,
  title_key  TEXT NOT NULL,
  authors    TEXT,
  venue      TEXT,
  year       INTEGER,
  arxiv_id   TEXT UNIQUE,
  bibtex_key TEXT UNIQUE
);
CREATE INDEX papers_title_key ON papers (title_key);

-- Keywords (tags) such as cs.LG or imagenet; compared without case.
CREATE TABLE paper_keywords (
  paper_id INTEGER NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
  keyword  TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (paper_id, keyword)
) WITHOUT ROWID;
CREATE INDEX paper_keywords_keyword ON paper_keywords (keyword, paper_id);

-- A summary of a paper, identified by the feed's guid, else its link.
-- fresh_at is when it last became new for digests: first_seen, or the
-- time of an edit that renewed it (see shortmail(1), INGEST).
CREATE TABLE summaries (
  id           INTEGER PRIMARY KEY,
  paper_id     INTEGER NOT NULL REFERENCES papers (id),
  guid         TEXT UNIQUE,
  link         TEXT NOT NULL,
  summarizer   TEXT,
  markdown     TEXT NOT NULL,
  votes        INTEGER NOT NULL DEFAULT 0,
  published    INTEGER,
  first_seen   INTEGER NOT NULL,
  last_changed INTEGER NOT NULL,
  fresh_at     INTEGER NOT NULL
);
CREATE INDEX summaries_link ON summaries (link);
CREATE INDEX summaries_fresh ON summaries (fresh_at);
CREATE INDEX summaries_paper ON summaries (paper_id);

-- Full text over each summary: rowid = summaries.id. Kept in step with
-- summaries by the store on every insert and update.
CREATE VIRTUAL TABLE summaries_fts USING fts5 (
  title, authors, keywords, body,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Readers. address is stored with its domain lower-cased; the local part
-- keeps its case (RFC 5321) but is compared without it, as every mail
-- system in practice does.
CREATE TABLE subscribers (
  id             INTEGER PRIMARY KEY,
  address        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  status         TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'confirmed', 'unsubscribed',
                                   'disabled')),
  paused         INTEGER NOT NULL DEFAULT 0,
  frequency      TEXT NOT NULL DEFAULT 'weekly'
                 CHECK (frequency IN ('weekly', 'daily')),
  created_at     INTEGER NOT NULL,
  confirmed_at   INTEGER,
  changed_at     INTEGER NOT NULL,
  last_digest_at INTEGER
);

-- A reader's keywords, in the canonical form of the keyword language.
CREATE TABLE interests (
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id)
                ON DELETE CASCADE,
  keyword       TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (subscriber_id, keyword)
) WITHOUT ROWID;
CREATE INDEX interests_keyword ON interests (keyword);

-- Tokens are HMAC-signed and verify without the store; this table makes
-- the single-use ones single-use (keyed by a hash of the token).
CREATE TABLE tokens (
  token_hash    TEXT PRIMARY KEY,
  purpose       TEXT NOT NULL,
  subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
);

-- What to send: never the rendered bytes, which are assembled at send
-- time from the row (see DESIGN.md, outbox). payload is JSON: for a
-- digest the ranked summary ids with the keywords each matched (which is
-- also the record that a reader had a summary: none is sent twice), for
-- a reply its rendered parts.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL
                  CHECK (kind IN ('digest', 'reply', 'confirm', 'comment',
                                  'notice')),
  subscriber_id   INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
  recipient       TEXT NOT NULL,
  issue           TEXT,
  message_id      TEXT NOT NULL UNIQUE,
  payload         TEXT NOT NULL DEFAULT '{}',
  state           TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'claimed', 'sent', 'deferred',
                                   'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  claimed_by      TEXT,
  lease_until     INTEGER,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  last_error      TEXT
);
CREATE UNIQUE INDEX outbox_one_digest ON outbox (subscriber_id, issue)
  WHERE kind = 'digest';
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
-- Rate limits count what went to one address; digests need no such
-- index, so it leaves them out.
CREATE INDEX outbox_replies ON outbox (recipient COLLATE NOCASE, kind,
  created_at) WHERE kind IN ('reply', 'confirm');

-- One row per SMTP transaction for an outbox row: its outcome and reply.
CREATE TABLE deliveries (
  id        INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  at        INTEGER NOT NULL,
  outcome   TEXT NOT NULL CHECK (outcome IN ('sent', 'deferred', 'failed')),
  smtp_code INTEGER,
  reply     TEXT
);
CREATE INDEX deliveries_outbox ON deliveries (outbox_id);

-- Comments received by mail, and their posting to the site.
CREATE TABLE comments (
  id            INTEGER PRIMARY KEY,
  summary_id    INTEGER NOT NULL REFERENCES summaries (id),
  subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
  message_id    TEXT NOT NULL UNIQUE,
  body          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  post_state    TEXT NOT NULL DEFAULT 'pending'
                CHECK (post_state IN ('pending', 'posted', 'held',
                                      'failed')),
  post_attempts INTEGER NOT NULL DEFAULT 0,
  posted_at     INTEGER,
  last_error    TEXT
);
CREATE INDEX comments_summary ON comments (summary_id);

-- Every message `shortmail receive` took: the key (Message-ID, else a
-- hash of the raw message) makes a redelivery a no-op; quarantined mail
-- keeps its raw bytes for an operator to look at.
CREATE TABLE received (
  id          INTEGER PRIMARY KEY,
  message_key TEXT NOT NULL UNIQUE,
  received_at INTEGER NOT NULL,
  sender      TEXT,
  recipient   TEXT,
  route       TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  detail      TEXT,
  raw         BLOB
);
CREATE INDEX received_at ON received (received_at);
