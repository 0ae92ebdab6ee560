-- 0009: messages taken from an IMAP mailbox by `shortmail fetch`
-- (issue 17). A row is written in the same transaction as the message's
-- effect, so a fetch that dies between that commit and moving the
-- message out of the mailbox moves it next time instead of applying it
-- again. UIDs are only meaningful with their mailbox's UIDVALIDITY.
CREATE TABLE imap_taken (
  mailbox     TEXT NOT NULL,    -- "imap://user@host/INBOX"
  uidvalidity INTEGER NOT NULL,
  uid         INTEGER NOT NULL,
  folder      TEXT NOT NULL CHECK (folder IN ('done', 'rejected')),
  taken_at    INTEGER NOT NULL,
  PRIMARY KEY (mailbox, uidvalidity, uid)
) WITHOUT ROWID;
CREATE INDEX imap_taken_at ON imap_taken (taken_at);
