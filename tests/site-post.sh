#!/bin/sh
# tests/site-post.sh: `shortmail post` and `shortmail comments` against a
# real HTTP server standing in for the site's API (tests/siteapi.py): one
# POST per comment with the right JSON, bearer token and Idempotency-Key;
# site down (refused), 503, 400, a lost answer, two runs at once, held
# comments, the operator's release and retry, and the listing.
. "$top_srcdir/tests/lib.sh"

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
NO_PROXY='*'
export NO_PROXY
# Retries within a run wait 50 ms, 100 ms instead of 1 s, 2 s.
SHORTMAIL_RETRY_DELAY_MS=50
export SHORTMAIL_RETRY_DELAY_MS

# at SECONDS: "now" for shortmail is that many seconds after t0.
t0=1795425600 # 2026-11-23T09:20:00Z
at() {
  SHORTMAIL_NOW=$(date -u -d "@$((t0 + $1))" +%Y-%m-%dT%H:%M:%SZ)
  export SHORTMAIL_NOW
}
at 0

port=$(free_port)
token="tok-$$-Zx9"
printf '%s\n' "$token" > "$T/token"
chmod 600 "$T/token"
cp "$T/shortmail.conf" "$T/base.conf"
cat >> "$T/shortmail.conf" <<EOF
[site]
api_url = http://127.0.0.1:$port/api/comments
api_token_file = $T/token
api_timeout = 5
EOF

api_pid=
# start_api ARGS: (re)starts the site's API on $port with these options.
start_api() {
  "$PYTHON3" "$top_srcdir/tests/siteapi.py" "$port" "$T/api.log" \
    --token "$token" "$@" &
  api_pid=$!
  if ! wait_port "$port"; then
    echo "Bail out! tests/siteapi.py did not start on port $port"
    exit 1
  fi
}
stop_api() {
  [ -n "$api_pid" ] || return 0
  kill "$api_pid" 2>/dev/null
  wait "$api_pid" 2>/dev/null
  api_pid=
}
at_exit stop_api

# logq EXPR: evaluates a Python expression over the API's request log:
# P is the list of POSTs, key(K) those with Idempotency-Key K, body(E)
# the JSON a request carried.
logq() {
  "$PYTHON3" - "$T/api.log" "$1" <<'PY'
import json, os, sys
E = []
if os.path.exists(sys.argv[1]):
    E = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
P = [e for e in E if e["method"] == "POST"]
def key(k): return [e for e in P if e["headers"].get("idempotency-key") == k]
def body(e): return json.loads(e["body"])
print(eval(sys.argv[2]))
PY
}
# state ID: post_state|post_attempts of a comment.
state() { sql "SELECT post_state || '|' || post_attempts FROM comments WHERE id = $1"; }

# A store with the feed's summaries, two readers and their comments.
sm ingest "file://$top_srcdir/tests/data/feed-small.xml"
is "$rc" 0 "setup: ingest"
s1=$(sql "SELECT id FROM summaries WHERE guid = 'shortscience:summary:1001'")
s2=$(sql "SELECT id FROM summaries WHERE guid = 'shortscience:summary:1002'")
s5=$(sql "SELECT id FROM summaries WHERE guid LIKE 'https://%'")
sql "INSERT INTO subscribers (id, address, status, created_at, changed_at)
     VALUES (1, 'Ann.Reader@example.org', 'confirmed', $t0, $t0),
            (2, 'bob@example.net', 'confirmed', $t0, $t0)"
# addc ID SUMMARY SUB MESSAGE-ID STATE BODY
addc() {
  sql "INSERT INTO comments (id, summary_id, subscriber_id, message_id, body,
       created_at, post_state) VALUES ($1, $2, $3, '$4', '$6', $((t0 - 3600)),
       '$5')"
}
addc 1 "$s1" 1 '<c1@mail.example.org>' pending 'Great summary.
The residual trick: F(x) = H(x) - x, in one line.'
addc 2 "$s2" 2 '<c2@mail.example.net>' pending \
  'See <script>alert("x")</script> & "quotes" \ back — ok?'
addc 3 "$s1" 2 '<c3@mail.example.net>' held 'held for moderation'

# --help
sm post --help
like "$T/out" "^usage: shortmail post \[--once\] \[--json\]" "post --help"
sm comments --help
like "$T/out" "^       shortmail comments release ID" "comments --help"

# No api_url: nothing can be posted, and that is a configuration error.
SHORTMAIL_CONFIG=$T/base.conf sm post
is "$rc" 78 "no api_url: exits 78"
like "$T/err" "api_url is not set" "no api_url: says so"

# A token file anyone can read is refused.
chmod 644 "$T/token"
sm post
is "$rc" 78 "world-readable token: exits 78"
like "$T/err" "$T/token: the API token file is readable by others" \
  "world-readable token: names the file"
chmod 600 "$T/token"
is "$(state 1)" "pending|0" "refused token: nothing attempted"

# An api_url we cannot post to: a configuration error, nothing attempted.
sed "s|^api_url = .*|api_url = ftp://127.0.0.1:$port/api/comments|" \
  "$T/shortmail.conf" > "$T/ftp.conf"
SHORTMAIL_CONFIG=$T/ftp.conf sm post
is "$rc" 78 "ftp api_url: exits 78"
like "$T/err" "ftp://127.0.0.1:$port/api/comments: not an http or https URL" \
  "ftp api_url: says so"
is "$(state 1)|$(sql "SELECT count(*) FROM comments WHERE post_claimed_by IS NOT NULL")" \
  "pending|0|0" "ftp api_url: nothing attempted, no claim left"

# 1. The site is down: nothing listens on the port.
sm post
is "$rc" 75 "site down: exits 75"
like "$T/err" "comment 1 <c1@mail.example.org>: http://127.0.0.1:$port/api/comments: .*(onnect|refused).*\(3 attempts\); still pending" \
  "site down: logged, with the retries within the run"
like "$T/out" "^post: 0 posted, 1 pending, 0 failed; 2 left pending \(stopped" \
  "site down: summary line"
is "$(state 1)" "pending|1" "site down: first comment pending, one attempt"
is "$(state 2)" "pending|0" "site down: the run stopped before the second"
is "$(sql "SELECT next_post_at - $t0 FROM comments WHERE id = 1")" 60 \
  "site down: next attempt after 60 s"
like "$T/err" "next attempt after 2026-11-23T09:21:00Z" \
  "site down: the next attempt is logged"
is "$(sql "SELECT post_claimed_by IS NULL FROM comments WHERE id = 1")" 1 \
  "site down: the claim is given up"
sql "SELECT last_error FROM comments WHERE id = 1" > "$T/lasterr"
like "$T/lasterr" "(onnect|refused)" "site down: last_error says why"

# 2. The site answers 503 to the first post.
start_api --fail-first 1
at 30
sm post --once
is "$rc" 75 "503: exits 75"
is "$(logq 'len(P)')" 1 "503: one request (--once: no retry within the run)"
is "$(logq 'P[0]["status"]')" 503 "503: the site answered 503"
is "$(logq 'P[0]["headers"]["idempotency-key"]')" "c2@mail.example.net" \
  "503: comment 2 first (comment 1 waits for its backoff)"
is "$(state 2)" "pending|1" "503: comment 2 pending, one attempt"
is "$(state 1)" "pending|1" "503: comment 1 not tried before its time"
sql "SELECT last_error FROM comments WHERE id = 2" > "$T/lasterr"
like "$T/lasterr" "HTTP 503 Service Unavailable" "503: last_error"
is "$(sql "SELECT next_post_at - $t0 FROM comments WHERE id = 2")" 90 \
  "503: next attempt 60 s later"

# 3. Back up: both are posted, once each.
at 200
sm post --json
is "$rc" 0 "back up: exits 0"
is "$(logq 'len(P)')" 3 "back up: two more requests"
is "$(logq 'len(key("c1@mail.example.org"))')" 1 "comment 1: one POST"
is "$(logq 'len([e for e in key("c2@mail.example.net") if e["status"] < 300])')" 1 \
  "comment 2: one successful POST"
is "$(state 1)" "posted|2" "comment 1 posted"
is "$(state 2)" "posted|2" "comment 2 posted"
is "$(sql "SELECT (posted_at - $t0) || '|' || coalesce(last_error, 'none')
           FROM comments WHERE id = 1")" "200|none" \
  "posted: posted_at set, last_error cleared"
is "$(sql "SELECT count(*) FROM comments WHERE post_state = 'held'")" 1 \
  "the held comment stays held"
is "$(logq 'len(key("c3@mail.example.net"))')" 0 "the held comment is not posted"
"$PYTHON3" - "$T/out" <<'PY' > "$T/json.txt"
import json, sys
d = json.load(open(sys.argv[1]))
print(d["posted"], d["pending"], d["failed"], d["left_pending"])
for c in d["comments"]:
    print(c["id"], c["message_id"], c["outcome"], c["attempts"], c["http_status"], c["error"])
PY
like "$T/json.txt" "^2 0 0 0$" "post --json: counts"
like "$T/json.txt" "^1 <c1@mail.example.org> posted 2 201 None$" \
  "post --json: comment 1"

# What the site got for comment 1: the JSON, the token, the key.
is "$(logq 'body(key("c1@mail.example.org")[0])')" \
  "{'summary': 'shortscience:summary:1001', 'paper': 'journals/corr/HeZRS15', 'summarizer': 'martinthoma', 'author': 'Ann.Reader@example.org', 'body': 'Great summary.\\nThe residual trick: F(x) = H(x) - x, in one line.', 'message_id': 'c1@mail.example.org', 'created_at': '2026-11-23T08:20:00Z'}" \
  "comment 1: the JSON body"
is "$(logq 'key("c1@mail.example.org")[0]["headers"]["authorization"]')" \
  "Bearer $token" "comment 1: the bearer token"
is "$(logq 'key("c1@mail.example.org")[0]["headers"]["content-type"]')" \
  "application/json" "comment 1: Content-Type"
logq 'key("c1@mail.example.org")[0]["headers"]["user-agent"]' > "$T/ua"
like "$T/ua" "^shortmail/[0-9.]+ \(\+https://www.shortscience.org\)$" \
  "comment 1: User-Agent"
# Comment 2 holds markup and quotes: JSON-escaped text, byte for byte.
is "$(logq 'body([e for e in key("c2@mail.example.net") if e["status"] < 300][0])["body"]')" \
  'See <script>alert("x")</script> & "quotes" \ back — ok?' \
  "comment 2: the text arrives exactly as written"
logq '[e for e in key("c2@mail.example.net") if e["status"] < 300][0]["body"]' > "$T/raw2"
like "$T/raw2" '"body":"See <script>alert\(\\"x\\"\)</script> & \\"quotes\\" \\\\ back' \
  "comment 2: quotes and backslash escaped in the JSON"

# 4. A second run posts nothing twice.
at 300
sm post
is "$rc" 0 "second run: exits 0"
is "$(logq 'len(P)')" 3 "second run: no request at all"
like "$T/out" "^post: 0 posted, 0 pending, 0 failed; 0 left pending$" \
  "second run: summary line"

# 5. Held until an operator releases it.
sm comments release 1
is "$rc" 66 "release: a posted comment cannot be released"
like "$T/err" "no held comment 1" "release: says there is no such held comment"
sm comments release 3
is "$rc" 0 "release: exits 0"
is "$(state 3)" "pending|0" "release: the held comment is pending"
sm post
is "$rc" 0 "released: posted"
is "$(logq 'len(key("c3@mail.example.net"))')" 1 "released: one POST"
is "$(state 3)" "posted|1" "released: posted"

# 6. The site refuses a comment: failed, until an operator retries.
stop_api
start_api --reject-key c4@mail.example.org
addc 4 "$s5" 1 '<c4@mail.example.org>' pending 'On the DRAW paper.'
sm post
is "$rc" 0 "400: exits 0 (nothing left pending)"
is "$(state 4)" "failed|1" "400: failed"
sql "SELECT last_error FROM comments WHERE id = 4" > "$T/lasterr"
like "$T/lasterr" "HTTP 400 Bad Request: \{\"error\": \"unknown summary https://www.shortscience.org/paper\?bibtexKey=journals/corr/GregorDGW15#anon\"\}" \
  "400: last_error has the status and the site's answer"
is "$(logq 'body(key("c4@mail.example.org")[0])["summary"]')" \
  "https://www.shortscience.org/paper?bibtexKey=journals/corr/GregorDGW15#anon" \
  "a summary without a guid is named by its link"
is "$(logq 'body(key("c4@mail.example.org")[0])["paper"]')" \
  "journals/corr/GregorDGW15" \
  "the request carries the paper's BibTeX key (here from the link)"
is "$(logq 'body(key("c4@mail.example.org")[0])["summarizer"]')" "anon" \
  "and the summarizer's user name, the fragment of the summary's link"
like "$T/err" "comment 4 <c4@mail.example.org>: failed: .*HTTP 400" \
  "400: logged"
sm post
is "$(logq 'len(key("c4@mail.example.org"))')" 1 "failed: not posted again"
sm comments retry 2
is "$rc" 66 "retry: a posted comment is not failed"
like "$T/err" "no failed comment 2" "retry: says there is no such failed comment"
sm comments retry 4
is "$rc" 0 "retry: exits 0"
is "$(state 4)" "pending|1" "retry: pending again"
stop_api
start_api
sm post
is "$rc" 0 "retried: exits 0"
is "$(state 4)" "posted|2" "retried: posted"
is "$(logq 'len([e for e in key("c4@mail.example.org") if e["created"]])')" 1 \
  "retried: the site has it once"

# 7. The site took it but the answer never came (a timeout): pending,
# and the repeat with the same key is recognised: one comment on the site.
stop_api
start_api --hang-first 1 --hang 3
sed 's/^api_timeout = 5$/api_timeout = 1/' "$T/shortmail.conf" > "$T/short.conf"
addc 5 "$s1" 1 '<c5@mail.example.org>' pending 'Lost answer.'
SHORTMAIL_CONFIG=$T/short.conf sm post --once
is "$rc" 75 "lost answer: exits 75"
like "$T/err" "comment 5 <c5@mail.example.org>: .*timed out after 1 s; still pending" \
  "lost answer: timed out"
is "$(state 5)" "pending|1" "lost answer: pending"
is "$(logq 'len([e for e in key("c5@mail.example.org") if e["created"]])')" 1 \
  "lost answer: yet the site made the comment"
at 400
sm post
is "$rc" 0 "lost answer, again: exits 0"
is "$(state 5)" "posted|2" "lost answer, again: posted"
is "$(logq 'len(key("c5@mail.example.org"))')" 2 "lost answer: posted twice..."
is "$(logq 'len([e for e in key("c5@mail.example.org") if e["created"]])')" 1 \
  "... and the site has it once (same Idempotency-Key)"

# 8. Two runs at once never post the same comment.
stop_api
start_api --hang-first 1 --hang 2
addc 6 "$s2" 2 '<c6@mail.example.net>' pending 'Two runs.'
"$SHORTMAIL" post > "$T/outA" 2> "$T/errA" &
runa=$!
i=0
while [ "$(logq 'len(key("c6@mail.example.net"))')" = 0 ] && [ $i -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
sm post
like "$T/out" "^post: 0 posted, 0 pending, 0 failed; 1 left pending$" \
  "two runs: the second finds the comment claimed"
wait "$runa"
is "$?" 0 "two runs: the first posts it"
is "$(state 6)" "posted|1" "two runs: posted once"
is "$(logq 'len(key("c6@mail.example.net"))')" 1 "two runs: one POST"

# 9. A run that died holding a claim: taken over when the lease runs out.
addc 7 "$s2" 2 '<c7@mail.example.net>' pending 'Orphaned claim.'
sql "UPDATE comments SET post_claimed_by = 'post/1@gone',
     post_lease_until = $((t0 + 500)) WHERE id = 7"
sm post
is "$(state 7)" "pending|0" "dead run: not taken while its lease holds"
at 501
sm post
is "$rc" 0 "dead run: taken over after the lease"
is "$(state 7)" "posted|1" "dead run: posted"

# 10. The listing.
sm comments --json
is "$rc" 0 "comments --json: exits 0"
"$PYTHON3" - "$T/out" <<'PY' > "$T/list.txt"
import json, sys
for c in json.load(open(sys.argv[1])):
    print("|".join(str(c[k]) for k in ("id", "summary", "reader", "message_id",
          "state", "attempts", "last_error", "posted_at")))
    if c["id"] == 2:
        print("text2=" + c["text"])
PY
like "$T/list.txt" "^1\|shortscience:summary:1001\|Ann.Reader@example.org\|<c1@mail.example.org>\|posted\|2\|None\|2026-11-23T09:23:20Z$" \
  "comments --json: comment 1"
like "$T/list.txt" "^4\|https://www.shortscience.org/paper\?bibtexKey=journals/corr/GregorDGW15#anon\|Ann.Reader@example.org\|<c4@mail.example.org>\|posted\|2\|" \
  "comments --json: comment 4"
like "$T/list.txt" '^text2=See <script>alert\("x"\)</script> & "quotes" \\ back' \
  "comments --json: the text"
is "$(grep -c '|' "$T/list.txt")" 7 "comments --json: seven comments"
addc 8 "$s1" 1 '<c8@mail.example.org>' held 'Still held.'
sm comments shortscience:summary:1001
is "$rc" 0 "comments SUMMARY: exits 0"
is "$(grep -c '^comment ' "$T/out")" 4 "comments SUMMARY: that summary's four"
like "$T/out" "^comment 8  held  attempts 0$" "comments: a held comment"
like "$T/out" "^    \| Still held\.$" "comments: the text"
like "$T/out" "^  reader:     Ann.Reader@example.org$" "comments: the reader"
sm comments "$s2"
is "$(grep -c '^comment ' "$T/out")" 3 "comments ID: by store id"

done_testing
