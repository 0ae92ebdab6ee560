#!/bin/sh
# comment-receive.sh: replies to real digests through `shortmail receive`,
# each case asserting what is stored (comments rows, their text,
# post_state, the raw message), what is queued (notices and their text)
# and what is not. Digests are made for real: the sample feed, readers,
# `shortmail digest`, then each queued digest composed as `send` would
# (tests/outbox-compose) to read its Message-ID and the comment address
# of each item. The replies in tests/comments/ are written as Gmail,
# Outlook, Apple Mail and Thunderbird write them, in English, French and
# German, quoting the digest; @@TO@@, @@MID@@, @@WGAN@@, @@GELU@@ and
# @@READER@@ are filled in for the reader who sends them.
. "$top_srcdir/tests/lib.sh"

: "${OUTBOX_COMPOSE:=$top_builddir/tests/outbox-compose}"
: "${MINT_TOKEN:=$top_builddir/tests/mint-token}"
samples=$top_srcdir/tests/comments
list=lists.example.org
ours=mx.lists.example.org
wgan=41 # the summary ids of the two items every reader gets
gelu=2

printf '[receive]\nauthserv_id = %s\n' "$ours" >>"$T/shortmail.conf"

# ---- a store, readers and their digests ------------------------------
SHORTMAIL_NOW=2026-11-23T10:00:00Z
export SHORTMAIL_NOW
sm ingest "file://$top_srcdir/data/sample-feed.xml"
is "$rc" 0 "the sample feed is ingested"
sql "INSERT INTO subscribers (id, address, status, created_at, confirmed_at, changed_at) VALUES
       (1, 'ada@example.org', 'confirmed', 0, 0, 0),
       (2, 'lucie.martin@example.fr', 'confirmed', 0, 0, 0),
       (3, 'juergen@example.de', 'confirmed', 0, 0, 0),
       (4, 'bob@example.net', 'confirmed', 0, 0, 0),
       (5, 'carol@example.com', 'confirmed', 0, 0, 0),
       (6, 'dave@example.com', 'unsubscribed', 0, 0, 0);
     INSERT INTO interests (subscriber_id, keyword, created_at)
       SELECT id, 'author:arjovsky', 0 FROM subscribers WHERE id <= 5;
     INSERT INTO interests (subscriber_id, keyword, created_at)
       SELECT id, 'author:hendrycks', 0 FROM subscribers WHERE id <= 5;"
sm digest --now "$SHORTMAIL_NOW"
is "$rc" 0 "shortmail digest"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'digest'")" 5 \
  "a digest for each confirmed reader"
mkdir -p "$T/sent"
"$OUTBOX_COMPOSE" "$SHORTMAIL_CONFIG" "$T/sent" >"$T/rows" 2>"$T/rows.err"
ok $? "the digests are composed as send composes them"

# Each reader's digest Message-ID and the comment address under each
# item, read from the text part as the reader sees it, as shell
# variables ADA_MID, ADA_WGAN, ADA_GELU, LUCIE_..., JUERGEN_...
"$PYTHON3" - "$T/rows" "$T/sent" >"$T/addr.sh" <<'PY'
import email, re, sys
from email import policy
names = {"ada@example.org": "ADA", "lucie.martin@example.fr": "LUCIE",
         "juergen@example.de": "JUERGEN", "bob@example.net": "BOB",
         "carol@example.com": "CAROL"}
for line in open(sys.argv[1]):
    oid, kind, rcpt, mid = line.split()
    msg = email.message_from_binary_file(open(f"{sys.argv[2]}/{oid}.eml", "rb"),
                                         policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    p = names[rcpt]
    print(f"{p}_MID='{msg['Message-ID'].strip('<>')}'")
    for title, var in (("Wasserstein GAN", "WGAN"),
                       ("Gaussian Error Linear Units (GELUs)", "GELU")):
        item = text[text.index("\n" + title + "\n"):]
        addr = re.search(r"Comment by replying to: (\S+)", item).group(1)
        print(f"{p}_{var}='{addr}'")
PY
ok $? "comment addresses read from the digests"
. "$T/addr.sh"
case "$ADA_WGAN" in digest+c-*@$list) ok 0 "an item's address is LIST+c-TOKEN@" ;;
*) ok 1 "an item's address is LIST+c-TOKEN@ ($ADA_WGAN)" ;; esac
[ "$ADA_WGAN" != "$ADA_GELU" ] && [ "$ADA_WGAN" != "$LUCIE_WGAN" ]
ok $? "each reader and item has its own address"

# From here on it is the afternoon after the digests went out.
SHORTMAIL_NOW=2026-11-23T14:00:00Z
export SHORTMAIL_NOW

# ---- helpers -----------------------------------------------------------
n=0
never_one=0
# deliver RCPT SENDER: stdin through `shortmail receive`; the message is
# kept as $T/msgN.eml ($msg), the status in $rc.
deliver() {
  n=$((n + 1))
  msg=$T/msg$n.eml
  cat >"$msg"
  "$SHORTMAIL" receive --recipient "$1" --sender "$2" <"$msg" >"$T/out" 2>"$T/err"
  rc=$?
  [ "$rc" -ne 1 ] || never_one=1
}
# fill SAMPLE PREFIX TO: a sample with the reader PREFIX's addresses.
fill() {
  eval "f_mid=\$${2}_MID f_wg=\$${2}_WGAN f_ge=\$${2}_GELU"
  case $2 in ADA) f_r=ada@example.org ;; LUCIE) f_r=lucie.martin@example.fr ;;
  JUERGEN) f_r=juergen@example.de ;; esac
  sed -e "s|@@TO@@|$3|g" -e "s|@@MID@@|$f_mid|g" -e "s|@@WGAN@@|$f_wg|g" \
    -e "s|@@GELU@@|$f_ge|g" -e "s|@@READER@@|$f_r|g" "$samples/$1.eml"
}
re() { printf '%s' "$1" | sed 's/[.+()]/\\&/g'; } # a string as an ERE
ncomments() { sql "SELECT count(*) FROM comments"; }
replies() { sql "SELECT count(*) FROM outbox WHERE kind = 'reply' AND recipient = '$1' COLLATE NOCASE"; }
nreplies() { sql "SELECT count(*) FROM outbox WHERE kind = 'reply'"; }
payload() { # payload RCPT FIELD: a field of the newest reply to RCPT
  sql "SELECT payload FROM outbox WHERE kind = 'reply' AND recipient = '$1' COLLATE NOCASE ORDER BY id DESC LIMIT 1" |
    "$PYTHON3" -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$2"
}
outcome() { sql "SELECT outcome FROM received ORDER BY id DESC LIMIT 1"; }
detail() { sql "SELECT detail FROM received ORDER BY id DESC LIMIT 1"; }
quarantined_raw() { sql "SELECT length(raw) FROM received ORDER BY id DESC LIMIT 1"; }
size() { wc -c <"$1" | tr -d ' '; }
body_of() { sql "SELECT body FROM comments WHERE message_id = '$1'"; }
row_of() { sql "SELECT summary_id || ' ' || subscriber_id || ' ' || post_state FROM comments WHERE message_id = '$1'"; }
raw_ok() { # the stored raw message is the one delivered, byte for byte
  sql "SELECT hex(raw) FROM comments WHERE message_id = '$1'" >"$T/raw.hex"
  "$PYTHON3" -c 'import sys; a=open(sys.argv[1]).read().strip(); b=open(sys.argv[2],"rb").read().hex().upper(); sys.exit(a != b)' "$T/raw.hex" "$msg"
}

# ---- replies as mail programs write them -------------------------------
# sample  reader  where-to  summary  Message-ID
while read -r name who where summary mid; do
  case $where in
  LIST) to=digest@$list ;;
  *) eval "to=\$${who}_${where}" ;;
  esac
  eval "from=\$${who}_MID" # (only to check it is set)
  [ -n "$from" ] || { ok 1 "$name: no digest for $who"; continue; }
  case $who in ADA) sender=ada@example.org ;; LUCIE) sender=lucie.martin@example.fr ;;
  JUERGEN) sender=juergen@example.de ;; esac
  before=$(nreplies)
  fill "$name" "$who" "$to" >"$T/$name.eml"
  deliver "$to" "$sender" <"$T/$name.eml"
  is "$rc" 0 "$name: exit 0"
  is "$(outcome)" comment "$name: taken as a comment ($(detail))"
  is "$(row_of "$mid")" "$summary $(sql "SELECT id FROM subscribers WHERE address = '$sender'") pending" \
    "$name: stored on the right summary, by its reader, pending"
  printf '%s\n' "$(body_of "$mid")" >"$T/body"
  if cmp -s "$T/body" "$samples/$name.expect"; then ok 0 "$name: the comment is the reader's words only"; else
    ok 1 "$name: the comment is the reader's words only"
    diff "$samples/$name.expect" "$T/body" | sed 's/^/#   /' | head -30
  fi
  raw_ok "$mid"
  ok $? "$name: the raw message is kept with it"
  is "$(nreplies)" "$before" "$name: nothing is answered"
done <<'EOF'
gmail-en ADA WGAN 41 CAJx3vQ1m8Zr0bYHn5kL2p9xWcE7tq4uFd6gNs8oRzA1vB2cD3e@mail.gmail.com
gmail-fr LUCIE GELU 2 CAF8n2kR7cW1xYt5Hq0pLmZ3sVb6uJe9dKg4oNa2iEf7rTy8wQx@mail.gmail.com
gmail-de JUERGEN GELU 2 CAKm4pV9eW2rT6yHb1nQ8sLxZ0cJd3uFg7oPa5iEk2tRy9wBq4A@mail.gmail.com
outlook-en ADA GELU 2 DB9PR07MB8412C5E2A1F0B3D6E7C9A2B4C8D92@DB9PR07MB8412.eurprd07.prod.outlook.com
outlook-fr LUCIE WGAN 41 PAXPR02MB7310A4B5C6D7E8F90A1B2C3D4E5F6@PAXPR02MB7310.eurprd02.prod.outlook.com
outlook-de JUERGEN WGAN 41 000a01dabc12$3f4e5d60$bdeb1820$@example.de
applemail-en ADA WGAN 41 4E2B7C1D-9A3F-4B8E-A6D5-1F0C2E3B4A59@example.org
applemail-fr LUCIE WGAN 41 A7C3E1F9-2B4D-4F6A-8C0E-9D1B3A5C7E2F@example.fr
applemail-de JUERGEN GELU 2 9F1E3D5B-7A2C-4B8D-9E0F-1A3C5E7B9D2F@example.de
thunderbird-en ADA GELU 2 8d1f3a2e-5b7c-4e9a-b6d0-2c4e6f8a1b3d@example.org
thunderbird-fr LUCIE LIST 41 3b7e9c1a-2d4f-4a6b-8c0e-5f1a3b7d9e2c@example.fr
thunderbird-de JUERGEN LIST 2 c4a8e2f6-1b3d-4c5e-9f7a-0b2d4f6a8c1e@example.de
html-only ADA WGAN 41 webmail.1732368000.4711@example.org
EOF
like "$samples/gmail-en.eml" "^> Gaussian Error Linear Units" \
  "(the Gmail reply quotes the whole digest)"
# The discussion list takes each pending comment: its author follows.
is "$(sql "SELECT group_concat(subscriber_id) FROM (SELECT subscriber_id FROM followers WHERE summary_id = $wgan ORDER BY subscriber_id)")" "1,2,3" \
  "each author now follows the thread they commented on"
unlike "$T/body" "^>" "(no quoted line is left in the last comment)"
# HTML is text in a comment: the tag arrives as the characters typed.
like "$samples/html-only.expect" '<script>alert\(1\)</script>' \
  "an HTML-only reply's <script> is kept as the text the reader saw"

# ---- a reply to the whole digest, not under one item --------------------
before=$(ncomments)
fill list-top ADA "digest@$list" >"$T/list-top.eml"
deliver "digest@$list" ada@example.org <"$T/list-top.eml"
is "$rc" 0 "top-posted reply to the list address: exit 0"
is "$(ncomments)" "$before" "it is no comment"
is "$(outcome)" refused "outcome: refused ($(detail))"
is "$(replies ada@example.org)" 1 "the reader is told how to comment"
payload ada@example.org text >"$T/howto.txt"
like "$T/howto.txt" "could not tell which summary" "the notice says why"
like "$T/howto.txt" "^  Wasserstein GAN$" "it lists the first item"
like "$T/howto.txt" "^  $(re "$ADA_WGAN")$" "with the item's comment address, as in the digest"
like "$T/howto.txt" "^  $(re "$ADA_GELU")$" "and the second item's"
is "$(payload ada@example.org in_reply_to)" "<CAJx3vQ2n9As1cZIo6lM3q0yXdF8ur5vGe7hOt9pSaB2wC3dE4f@mail.gmail.com>" \
  "the notice answers the reply (In-Reply-To)"
is "$(payload ada@example.org auto_submitted)" auto-replied "the notice is Auto-Submitted: auto-replied"

# To the list address, but answering nobody's digest (or someone else's).
deliver "digest@$list" eve@example.net <<EOF
From: Eve <eve@example.net>
To: digest@$list
Subject: hello list
Message-ID: <eve1@example.net>

Is this list open to posts?
EOF
is "$(outcome)" quarantined "mail to the list address answering no digest is quarantined"
is "$(quarantined_raw)" "$(size "$msg")" "with its raw bytes"
is "$(replies eve@example.net)" 0 "and not answered"
deliver "digest@$list" bob@example.net <<EOF
From: Bob <bob@example.net>
To: digest@$list
Subject: Re: ShortScience digest: 2 new summaries
Message-ID: <bob-list@example.net>
In-Reply-To: <$ADA_MID>
References: <$ADA_MID>

> Wasserstein GAN

Great one.
EOF
is "$(outcome)" quarantined "a reply naming another reader's digest is quarantined"
is "$(replies bob@example.net)" 0 "and not answered"

# ---- who may comment -------------------------------------------------------
# The reader's address in another case is the reader.
before=$(ncomments)
deliver "$ADA_WGAN" Ada@Example.ORG <<EOF
From: Ada <ADA@EXAMPLE.ORG>
To: $ADA_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <case@example.org>

Same reader, written in capitals.
EOF
is "$(row_of case@example.org)" "$wgan 1 pending" "From in another case is the same reader"

# The reader writing from another address (the digest went to ada@): a
# pass from our MTA makes the sender answerable, and the notice says why.
deliver "$ADA_WGAN" ada+work@example.org <<EOF
Authentication-Results: $ours; dkim=pass header.d=example.org;
	spf=pass smtp.mailfrom=example.org; dmarc=pass (p=reject dis=none) header.from=example.org
From: Ada <ada+work@example.org>
To: $ADA_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <wrong-from-1@example.org>

Posting from my work address.
EOF
is "$rc" 0 "wrong From: exit 0"
is "$(body_of wrong-from-1@example.org)" "" "wrong From (+tag is another address): no comment"
is "$(outcome)" refused "wrong From: refused"
is "$(replies ada+work@example.org)" 1 "a notice to the DMARC-verified sender"
payload ada+work@example.org text >"$T/wrongfrom.txt"
like "$T/wrongfrom.txt" "reply from the address that got the digest" \
  "it says to reply from the address that got the digest"
unlike "$T/wrongfrom.txt" "ada@example.org" "it does not tell whose digest it was"
deliver "$ADA_GELU" ada+work@example.org <<EOF
Authentication-Results: $ours; dmarc=pass header.from=example.org
From: Ada <ada+work@example.org>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <wrong-from-2@example.org>

And again.
EOF
is "$(outcome)" refused "a second wrong-From reply is refused too"
is "$(replies ada+work@example.org)" 1 "but no second notice of that kind the same day"

# A forwarded digest: someone unknown replies with the reader's address.
deliver "$ADA_WGAN" eve@example.net <<EOF
From: Eve <eve@example.net>
To: $ADA_WGAN
Subject: Fwd: ShortScience digest
Message-ID: <fwd@example.net>

Ada forwarded me this, here is my take.
EOF
is "$(body_of fwd@example.net)" "" "forwarded digest: no comment"
is "$(outcome)" quarantined "an unknown sender with no verification is quarantined"
is "$(quarantined_raw)" "$(size "$msg")" "its raw bytes are kept"
is "$(replies eve@example.net)" 0 "and never answered (no backscatter)"

# A forged Authentication-Results (another authserv-id) earns nothing.
deliver "$ADA_WGAN" eve@example.net <<EOF
Authentication-Results: mx.google.com; dmarc=pass header.from=example.net
From: Eve <eve@example.net>
To: $ADA_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <fwd2@example.net>

With a header that says I am verified.
EOF
is "$(outcome)" quarantined "a pass from another authserv-id is not believed"
is "$(replies eve@example.net)" 0 "no notice to that sender"

# A forged field with our own authserv-id, written by the sender below the
# Received field our MTA added: only the fields above it are our MTA's
# (RFC 8601 section 5), so its pass counts for nothing.
deliver "$ADA_WGAN" eve@example.net <<EOF
Authentication-Results: $ours; spf=none smtp.mailfrom=example.net
Received: from mail.example.net (mail.example.net [192.0.2.7])
	by mx.lists.example.org (Postfix) with ESMTPS id 4Fq2Zx0kLmz9sVq
	for <$ADA_WGAN>; Mon, 23 Nov 2026 10:02:11 +0000 (UTC)
Authentication-Results: $ours; dkim=pass header.d=example.net;
	dmarc=pass (p=reject dis=none) header.from=example.net
Received: from [10.0.0.5] by mail.example.net; Mon, 23 Nov 2026 10:02:10 +0000
From: Eve <eve@example.net>
To: $ADA_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <forged-below-received@example.net>

Our authserv-id, written by me, under your MTA's Received.
EOF
is "$(outcome)" quarantined "our authserv-id below our MTA's Received is not believed"
is "$(replies eve@example.net)" 0 "no notice to that sender either"

# Another reader's address: Bob is a reader, so he may be told.
deliver "$ADA_GELU" bob@example.net <<EOF
From: Bob <bob@example.net>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <bob1@example.net>

Ada sent me this; nice summary.
EOF
is "$(body_of bob1@example.net)" "" "another reader's address: no comment"
is "$(outcome)" refused "refused"
is "$(replies bob@example.net)" 1 "the other reader is told"
payload bob@example.net text >"$T/other.txt"
like "$T/other.txt" "belongs to another reader's digest" "why"
like "$T/other.txt" "reply to it in your own digest" "and what to do"

# An unsubscribed reader's address.
dave=$("$MINT_TOKEN" "$T/secret" c 6 $wgan 1801000000)
deliver "digest+c-$dave@$list" dave@example.com <<EOF
From: dave@example.com
To: digest+c-$dave@$list
Subject: Re: Wasserstein GAN
Message-ID: <dave1@example.com>

Still reading old digests.
EOF
is "$(body_of dave1@example.com)" "" "an unsubscribed reader: no comment"
is "$(outcome)" refused "refused ($(detail))"
is "$(replies dave@example.com)" 0 "not answered without verification (not a confirmed reader)"
deliver "digest+c-$dave@$list" dave@example.com <<EOF
Authentication-Results: $ours; dmarc=pass header.from=example.com
From: dave@example.com
To: digest+c-$dave@$list
Subject: Re: Wasserstein GAN
Message-ID: <dave2@example.com>

Still reading old digests.
EOF
is "$(replies dave@example.com)" 1 "with DMARC pass the unsubscribed reader is told"
payload dave@example.com text >"$T/dave.txt"
like "$T/dave.txt" "no longer subscribed" "why"

# A tampered token (one character changed) and a token that is not one.
# A character of the MAC (the fifth from the end) changed: a token of
# the right shape that we did not make.
bad=$("$PYTHON3" -c 'import sys; t=sys.argv[1].split("+c-")[1].split("@")[0]; i=len(t)-5; print(t[:i] + ("b" if t[i] != "b" else "c") + t[i+1:])' "$ADA_WGAN")
deliver "digest+c-$bad@$list" ada@example.org <<EOF
From: Ada <ada@example.org>
To: digest+c-$bad@$list
Subject: Re: Wasserstein GAN
Message-ID: <tampered@example.org>

Tampered.
EOF
is "$(outcome)" quarantined "a tampered token is quarantined"
is "$(detail)" "comment token refused: token signature does not match" "as one we did not make"
is "$(body_of tampered@example.org)" "" "no comment"
is "$(quarantined_raw)" "$(size "$msg")" "the raw message is kept for an operator"
deliver "digest+c-zzzz@$list" ada@example.org <<EOF
From: Ada <ada@example.org>
To: digest+c-zzzz@$list
Subject: Re
Message-ID: <malformed@example.org>

Malformed.
EOF
is "$(outcome)" quarantined "a malformed token is quarantined"
is "$(replies ada@example.org)" 1 "neither is answered"

# The same message twice, and the same Message-ID to another address.
before=$(ncomments)
received=$(sql "SELECT count(*) FROM received")
deliver "$ADA_WGAN" ada@example.org <"$T/gmail-en.eml"
is "$rc" 0 "a redelivery: exit 0"
is "$(sql "SELECT count(*) FROM received")" "$received" "a redelivery is not even logged again"
"$SHORTMAIL" receive --dry-run --recipient "$ADA_WGAN" --sender ada@example.org \
  <"$T/gmail-en.eml" >"$T/out" 2>"$T/err"
like "$T/out" "^outcome: duplicate" "receive sees it as a duplicate"
fill gmail-en ADA "$ADA_GELU" >"$T/gmail-en-2.eml"
deliver "$ADA_GELU" ada@example.org <"$T/gmail-en-2.eml"
is "$(outcome)" duplicate "the same Message-ID to another item's address is a duplicate"
is "$(ncomments)" "$before" "no second comment either way"

# A message without a Message-ID is keyed by its bytes.
printf 'From: Ada <ada@example.org>\nTo: %s\nSubject: Re\n\nNo Message-ID here.\n' "$ADA_GELU" >"$T/nomid.eml"
deliver "$ADA_GELU" ada@example.org <"$T/nomid.eml"
is "$(sql "SELECT count(*) FROM comments WHERE message_id LIKE 'sha256:%' AND body = 'No Message-ID here.' || char(10)")" 1 \
  "a comment without a Message-ID is stored under a hash"
deliver "$ADA_GELU" ada@example.org <"$T/nomid.eml"
is "$(sql "SELECT count(*) FROM comments WHERE body LIKE 'No Message-ID here.%'")" 1 "and taken once"

# ---- automatic mail ----------------------------------------------------------
before=$(ncomments)
deliver "$ADA_WGAN" ada@example.org <<EOF
From: Ada <ada@example.org>
To: $ADA_WGAN
Subject: Out of office: Re: Wasserstein GAN
Message-ID: <ooo1@example.org>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All

I am away until 1 December with limited access to mail.
EOF
is "$(outcome)" quarantined "an auto-reply (Auto-Submitted) is quarantined"
deliver "$ADA_WGAN" ada@example.org <<EOF
From: Ada <ada@example.org>
To: $ADA_WGAN
Subject: I am on vacation
Message-ID: <ooo2@example.org>
Precedence: bulk

vacation(1) says: I will read your mail when I return.
EOF
is "$(outcome)" quarantined "a vacation reply (Precedence: bulk) is quarantined"
is "$(ncomments)" "$before" "neither is a comment"
is "$(replies ada@example.org)" 1 "neither is answered"

# ---- plain text everywhere -----------------------------------------------
deliver "$ADA_GELU" ada@example.org <<EOF
From: Ada <ada@example.org>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <script@example.org>
Content-Type: text/plain; charset=utf-8

Try this in the comment box: <script>alert("x")</script> & <b>bold</b>
EOF
is "$(body_of script@example.org)" 'Try this in the comment box: <script>alert("x")</script> & <b>bold</b>' \
  "a comment holding <script> is stored as the text written"
id=$(sql "SELECT id FROM comments WHERE message_id = 'script@example.org'")
sql "SELECT payload FROM outbox WHERE kind = 'comment' AND payload LIKE '%\"comment\":$id,%'" >"$T/fanout"
"$PYTHON3" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = "Try this in the comment box: <script>alert(\"x\")</script> & <b>bold</b>"
sys.exit(not rows or any(r["text"].strip() != want for r in rows))' "$T/fanout"
ok $? "and sent on to the followers as that same text"

# ---- DMARC, as our MTA reports it ------------------------------------------
deliver "$ADA_GELU" ada@example.org <<EOF
Authentication-Results: $ours;
	dkim=none; spf=softfail smtp.mailfrom=example.org;
	dmarc=fail (p=quarantine dis=none) header.from=example.org
Received: from mail.attacker.example (mail.attacker.example [192.0.2.66])
	by $ours (Postfix) with ESMTPS id 4Zk8Qx1F2sz9t
	for <$ADA_GELU>; Mon, 23 Nov 2026 14:02:00 +0000 (UTC)
From: Ada <ada@example.org>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <dmarc-fail@example.org>

Buy cheap GPUs at example.com.
EOF
is "$rc" 0 "DMARC fail: exit 0"
is "$(outcome)" held "DMARC fail by our authserv-id: held"
is "$(row_of dmarc-fail@example.org)" "$gelu 1 held" "stored with post_state held"
raw_ok dmarc-fail@example.org
ok $? "with the raw message, for the operator who judges it"
is "$(replies ada@example.org)" 1 "nothing is answered"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'comment' AND payload LIKE '%cheap GPUs%'")" 0 \
  "and nothing is sent on to followers"

deliver "$ADA_GELU" ada@example.org <<EOF
Authentication-Results: $ours; dmarc=pass header.from=example.org
Authentication-Results: mx.evil.example; dmarc=fail header.from=example.org
From: Ada <ada@example.org>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <dmarc-forged-fail@example.org>

A fail written by someone else below our pass.
EOF
is "$(row_of dmarc-forged-fail@example.org)" "$gelu 1 pending" \
  "a dmarc=fail from another authserv-id is ignored: pending"
deliver "$ADA_GELU" ada@example.org <<EOF
Authentication-Results: mx.relay.example; spf=pass smtp.mailfrom=example.org
Authentication-Results: $ours; dmarc=fail header.from=example.org
From: Ada <ada@example.org>
To: $ADA_GELU
Subject: Re: GELUs
Message-ID: <dmarc-below@example.org>

Our authserv-id, but below a field that is not ours.
EOF
is "$(row_of dmarc-below@example.org)" "$gelu 1 pending" \
  "our authserv-id below a field not from us is not believed"

# ---- empty and command replies -----------------------------------------------
deliver "$LUCIE_GELU" lucie.martin@example.fr <<EOF
From: Lucie Martin <lucie.martin@example.fr>
To: $LUCIE_GELU
Subject: Re: GELUs
Message-ID: <empty@example.fr>

Le lun. 23 nov. 2026 à 11:00, ShortScience digest <digest@$list> a écrit :
> Gaussian Error Linear Units (GELUs)
> Dan Hendrycks, Kevin Gimpel · arXiv 2016

-- 
Lucie
EOF
is "$(body_of empty@example.fr)" "" "a reply with nothing but the quote is no comment"
is "$(outcome)" refused "it is refused"
is "$(replies lucie.martin@example.fr)" 1 "with a hint"
payload lucie.martin@example.fr text >"$T/empty.txt"
like "$T/empty.txt" "We found no comment in your reply" "the hint says what happened"
like "$T/empty.txt" 'reply with the single word "unsubscribe"' "and how to leave"

deliver "$CAROL_WGAN" carol@example.com <<EOF
From: Carol <carol@example.com>
To: $CAROL_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <carol-unsub@example.com>

Unsubscribe

On Mon, 23 Nov 2026 at 11:00, ShortScience digest <digest@$list> wrote:
> Wasserstein GAN
EOF
is "$(sql "SELECT status FROM subscribers WHERE address = 'carol@example.com'")" unsubscribed \
  "\"unsubscribe\" in a reply unsubscribes"
is "$(body_of carol-unsub@example.com)" "" "it is not posted"
is "$(outcome)" command "outcome: command"
is "$(replies carol@example.com)" 1 "a short confirmation is queued"
payload carol@example.com text >"$T/unsub.txt"
like "$T/unsub.txt" "carol@example.com is unsubscribed" "the confirmation says so"

deliver "$BOB_WGAN" bob@example.net <<EOF
From: Bob <bob@example.net>
To: $BOB_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <bob-unfollow@example.net>

unfollow
EOF
is "$(body_of bob-unfollow@example.net)" "" "\"unfollow\" is not posted"
is "$(outcome)" command "outcome: command ($(detail))"
is "$(sql "SELECT count(*) FROM followers WHERE subscriber_id = 4 AND summary_id = $wgan")" 0 \
  "the reader does not follow the thread"
is "$(replies bob@example.net)" 2 "a confirmation is queued"
payload bob@example.net text >"$T/unfollow.txt"
like "$T/unfollow.txt" "follow the discussion of \"Wasserstein GAN\"" "it names the thread"

deliver "$BOB_GELU" bob@example.net <<EOF
From: Bob <bob@example.net>
To: $BOB_GELU
Subject: Re: GELUs
Message-ID: <bob-follow@example.net>

Follow.
EOF
is "$(outcome)" command "\"follow\" is a command"
is "$(body_of bob-follow@example.net)" "" "it is not posted"
is "$(sql "SELECT count(*) FROM followers WHERE subscriber_id = 4 AND summary_id = $gelu")" 1 \
  "the reader follows the thread"
payload bob@example.net text >"$T/follow.txt"
like "$T/follow.txt" "You now follow the discussion of \"Gaussian Error Linear Units \(GELUs\)\"" \
  "the confirmation says so"

# ---- an expired address ------------------------------------------------------------
SHORTMAIL_NOW=2027-03-01T09:00:00Z
deliver "$ADA_WGAN" ada@example.org <<EOF
From: Ada <ada@example.org>
To: $ADA_WGAN
Subject: Re: Wasserstein GAN
Message-ID: <late@example.org>

A late thought on WGAN.
EOF
is "$(body_of late@example.org)" "" "a reply to an address past its 90 days is not posted"
is "$(outcome)" refused "it is refused ($(detail))"
payload ada@example.org text >"$T/expired.txt"
like "$T/expired.txt" "works for 90 days after the digest" "the notice says why"
like "$T/expired.txt" "comment on the site: https://www.shortscience.org/paper" "how to comment now: the site"
fresh=$(sed -n 's/^  \(digest+c-[a-z2-7]*@lists\.example\.org\)$/\1/p' "$T/expired.txt")
[ -n "$fresh" ] && [ "$fresh" != "$ADA_WGAN" ]
ok $? "and a new comment address for the same summary"
deliver "$fresh" ada@example.org <<EOF
From: Ada <ada@example.org>
To: $fresh
Subject: Re: Wasserstein GAN
Message-ID: <late2@example.org>

A late thought on WGAN.
EOF
is "$(row_of late2@example.org)" "$wgan 1 pending" "the new address takes the comment"
is "$(body_of late2@example.org)" "A late thought on WGAN." "word for word"

is "$never_one" 0 "receive never exited 1"
done_testing
