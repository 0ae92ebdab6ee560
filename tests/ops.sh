#!/bin/sh
# ops.sh: what an operator installs and reads: the sample configuration
# (every key, commented, at its default), `db init` (store and secret),
# `stats` in text and JSON.
. "$top_srcdir/tests/lib.sh"

# The sample holds every key `config` knows, each commented out at the
# default `config` prints when no file is read.
sm -c /dev/null config --sample
is "$rc" 0 "config --sample exits 0"
cp "$T/out" "$T/sample"
sm -c /dev/null config
grep -E '^[a-z_]+ = ' "$T/out" | sed 's/ = .*//' | sort > "$T/keys"
grep -E '^#[a-z_]+ =' "$T/sample" | sed 's/^#//; s/ =.*//' | sort > "$T/skeys"
is "$(wc -l < "$T/keys")" "$(wc -l < "$T/skeys")" "the sample has as many keys as config prints"
is "$(comm -3 "$T/keys" "$T/skeys" | wc -l)" 0 "and the same ones"
unlike "$T/sample" '^[a-z_]+ *=' "no key in the sample is set"
like "$T/sample" '^#busy_timeout = 5000$' "a key shows its default"
like "$T/sample" '^\[smtp\]$' "sections are named"
# Uncommenting the whole sample gives a valid file with the same settings.
sed 's/^#\([a-z_]* =\)/\1/' "$T/sample" | grep -v '^[a-z_]* =$' > "$T/all.conf"
sm -c "$T/all.conf" config
is "$rc" 0 "the sample, uncommented, is a valid configuration"

# db init: the store, then the secret (0600), and a second run keeps it.
cat > "$T/init.conf" <<CONF
[store]
path = $T/init/shortmail.db
[secret]
file = $T/init/secret
CONF
mkdir "$T/init"
sm -c "$T/init.conf" db init
is "$rc" 0 "db init exits 0"
like "$T/out" "^store $T/init/shortmail.db at schema version [0-9]+$" "and names the store"
like "$T/out" "^secret $T/init/secret created \(mode 0600\)$" "and the secret it created"
is "$(stat -c %a "$T/init/secret")" 600 "the secret is mode 0600"
is "$(tr -d '\n' < "$T/init/secret" | wc -c)" 64 "and holds 64 hex digits"
cp "$T/init/secret" "$T/secret.1"
sm -c "$T/init.conf" db init
like "$T/out" "^secret $T/init/secret exists: left as it is$" "a second db init keeps the secret"
cmp -s "$T/init/secret" "$T/secret.1"
ok $? "byte for byte"
sm -c "$T/init.conf" sub add --confirmed a@example.org cs.LG
is "$rc" 0 "the new secret signs tokens (sub add --confirmed)"
mkdir "$T/nosecretdir"
printf '[store]\npath = %s/init/shortmail.db\n[secret]\nfile = %s/none/secret\n' "$T" "$T" > "$T/bad.conf"
sm -c "$T/bad.conf" db init
is "$rc" 73 "db init with a missing secret directory exits 73"
like "$T/err" "$T/none/secret: cannot create the secret file" "and names the file"

# stats over a small list.
sm sub add --confirmed ann@example.org cs.LG attention
sm sub add --confirmed bob@example.org cs.lg
sm sub add carl@example.org gan
sm stats
is "$rc" 0 "stats exits 0"
like "$T/out" '^readers +.*confirmed 2' "counts confirmed readers"
like "$T/out" '^readers +.*pending 1' "and pending ones"
like "$T/out" '^keywords +cs\.(LG|lg) 2, attention 1$' "keywords by followers, case folded, most first"
like "$T/out" '^sent +none$' "no mail sent yet"
sm stats --json
is "$rc" 0 "stats --json exits 0"
"$PYTHON3" - "$T/out" > "$T/j" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["weeks"], d["readers"]["confirmed"], d["readers"]["pending"],
      sorted(d["keywords"].values()), d["sent"], sorted(d))
PY
is "$(cat "$T/j")" "4 2 1 [1, 2] {} ['bounces', 'comments', 'frequency', 'keywords', 'queue', 'readers', 'sent', 'summaries', 'weeks']" \
  "the JSON has every section and the same counts"
sm stats --weeks 0
is "$rc" 64 "--weeks 0 is a usage error"

# sub list filters, for lists too long to read whole.
sm sub list --status pending
is "$(grep -c '@example.org' "$T/out")" 1 "sub list --status pending lists one reader"
like "$T/out" '^carl@example\.org +pending' "the pending one"
sm sub list --keyword CS.LG
is "$(grep -o '^[a-z]*@example\.org' "$T/out" | tr '\n' ' ')" "ann@example.org bob@example.org " \
  "sub list --keyword matches the keyword in any case"
sm sub list --status confirmed --keyword attention --json
is "$("$PYTHON3" -c 'import json,sys; print([r["address"] for r in json.load(open(sys.argv[1]))])' "$T/out")" \
  "['ann@example.org']" "both filters together, in JSON"
sm sub list --status gone
is "$rc" 64 "an unknown status is a usage error"
like "$T/err" 'not one of pending, confirmed, unsubscribed, disabled' "naming the states"

# An option after the address is named as such, not as a bad keyword.
sm sub add dan@example.org --confirmed cs.LG
is "$rc" 64 "sub add ADDRESS --confirmed exits 64"
like "$T/err" 'options go before the address \(--confirmed after dan@example\.org\)' \
  "and says options go before the address"
unlike "$T/err" 'keyword' "not that a keyword is bad"
sm sub show dan@example.org
is "$rc" 66 "and nobody was added"

done_testing
