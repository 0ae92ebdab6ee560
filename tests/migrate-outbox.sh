#!/bin/sh
# migrate-outbox.sh: migration 0010 rebuilds the outbox (its CHECKs and
# partial index without IN lists) in a store that has mail in it: every
# row and column comes through, the deliveries that reference the rows
# and the bounces that name them stay (foreign keys are off while the
# old table is dropped), the claim still walks outbox_pending, and the
# CHECKs still refuse what they refused.
. "$top_srcdir/tests/lib.sh"

# A store at schema version 9, made from the SQL files themselves.
{
  cat "$top_srcdir/db/schema.sql"
  # 0007's sm_tag_fold is shortmail's own function, which the CLI lacks;
  # with no papers yet its UPDATE has nothing to do.
  for m in 0002 0003 0004 0005 0006 0007 0008 0009; do
    grep -v 'sm_tag_fold' "$top_srcdir"/db/migrations/$m-*.sql
  done
  echo "PRAGMA user_version = 9;"
} > "$T/v9.sql"
"${SQLITE3_CLI:-sqlite3}" -bail "$T/store.db" < "$T/v9.sql" 2> "$T/v9.err"
ok $? "the SQL of versions 1 to 9 runs in the sqlite3 CLI"
is "$(sql "PRAGMA user_version")" 9 "a store at schema version 9"

sql "PRAGMA foreign_keys = ON;
INSERT INTO subscribers (id, address, status, created_at, changed_at)
  VALUES (1, 'ada@example.org', 'confirmed', 1, 1);
INSERT INTO outbox (id, kind, subscriber_id, recipient, issue, message_id,
  payload, state, attempts, next_attempt_at, claimed_by, lease_until,
  created_at, sent_at, last_error) VALUES
  (1, 'digest', 1, 'ada@example.org', '2026-W48', '<m1@x>', '{\"kw\":[]}',
   'sent', 1, 0, NULL, NULL, 100, 101, NULL),
  (2, 'reply', 1, 'ada@example.org', NULL, '<m2@x>', '{}', 'deferred', 3,
   500, NULL, NULL, 200, NULL, '451 try later'),
  (3, 'notice', 1, 'ada@example.org', NULL, '<m3@x>', '{}', 'claimed', 1,
   0, 'host:42', 900, 300, NULL, NULL),
  (4, 'confirm', NULL, 'bob@example.org', NULL, '<m4@x>', '{}', 'queued',
   0, 0, NULL, NULL, 400, NULL, NULL);
INSERT INTO deliveries (outbox_id, at, outcome, smtp_code, reply) VALUES
  (1, 101, 'sent', 250, 'ok'), (2, 201, 'deferred', 451, 'later');
INSERT INTO bounces (subscriber_id, address, kind, source, outbox_id,
  received_at) VALUES (1, 'ada@example.org', 'temporary', 'verp', 1, 102);" \
  > /dev/null
# The columns of version 9 (0011 adds one).
cols="id, kind, subscriber_id, recipient, issue, message_id, payload, state,
  attempts, next_attempt_at, claimed_by, lease_until, created_at, sent_at,
  last_error"
before=$(sql "SELECT $cols FROM outbox ORDER BY id" | md5sum)

sm db migrate
is "$rc" 0 "db migrate: exit 0"
is "$(sql "PRAGMA user_version")" 12 "the store is at schema version 12"
is "$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'paper_keywords' AND sql IS NOT NULL ORDER BY name)")" \
  paper_keywords_folded "0012 dropped the index on paper_keywords.keyword, which no query read"
is "$(sql "SELECT $cols FROM outbox ORDER BY id" | md5sum)" "$before" \
  "every outbox row and column came through"
is "$(sql "SELECT count(*) FROM deliveries")" 2 "no delivery was deleted"
is "$(sql "SELECT outbox_id FROM bounces")" 1 "the bounce still names its message"
is "$(sql "SELECT count(*) FROM pragma_foreign_key_check")" 0 \
  "no reference is broken"
unlike "$(sql "SELECT sql FROM sqlite_master WHERE tbl_name = 'outbox' AND sql IS NOT NULL" > "$T/ddl"; echo "$T/ddl")" \
  "state IN|kind IN \('digest'" "no IN list of more than two values left on the outbox"
like "$T/ddl" "outbox_pending ON outbox \(id\)" "outbox_pending is back"

# 0011: replies and confirmations keep their mailbox, for the limits'
# index; other kinds leave it NULL.
is "$(sql "SELECT id || ':' || coalesce(mailbox, '-') FROM outbox ORDER BY id" | tr '\n' ' ')" \
  "1:- 2:ada@example.org 3:- 4:bob@example.org " \
  "0011 filled the mailbox of the reply and the confirmation"
like "$T/ddl" "outbox_mailbox ON outbox \(mailbox, kind, created_at\)" \
  "the limits' index starts from the mailbox"
unlike "$T/ddl" "outbox_replies" "the index that could not serve them is gone"

# The claim walks the index (it names it: INDEXED BY fails otherwise).
sm queue
is "$rc" 0 "queue lists the migrated rows"
sql "PRAGMA foreign_keys = ON;
  INSERT INTO outbox (kind, recipient, message_id, created_at)
  VALUES ('digest', 'c@example.org', '<m5@x>', 1)" > /dev/null
is "$(sql "SELECT count(*) FROM outbox")" 5 "a new row goes in"
sql "INSERT INTO outbox (kind, recipient, message_id, created_at)
  VALUES ('spam', 'c@example.org', '<m6@x>', 1)" > /dev/null 2> "$T/e1"
like "$T/e1" "CHECK constraint failed" "an unknown kind is still refused"
sql "UPDATE outbox SET state = 'lost' WHERE id = 4" > /dev/null 2> "$T/e2"
like "$T/e2" "CHECK constraint failed" "an unknown state is still refused"
sql "PRAGMA foreign_keys = ON; DELETE FROM outbox WHERE id = 2" > /dev/null
is "$(sql "SELECT count(*) FROM deliveries")" 1 \
  "deleting a row still deletes its deliveries (the reference stands)"

done_testing
