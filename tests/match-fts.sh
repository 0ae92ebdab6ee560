#!/bin/sh
# tests/match-fts.sh: the FTS5 expressions match_term_fts makes are safe.
# Every expression made from a list of hostile keywords (FTS5 operators and
# syntax, column filters, quotes, SQL, odd Unicode) runs without error in
# a real FTS5 table with the store's tokenizer, and a handful find exactly
# the rows they should: a reader's keyword is never FTS5 syntax.
. "$top_srcdir/tests/lib.sh"

SQLITE=${SQLITE3_CLI:-sqlite3}
EXPR=$top_builddir/tests/match-fts-expr
db=$T/fts.db

"$SQLITE" "$db" <<'SQL'
CREATE VIRTUAL TABLE f USING fts5(title, authors, keywords, body,
  tokenize='porter unicode61 remove_diacritics 2');
INSERT INTO f(rowid, title, authors, keywords, body) VALUES
 (1, 'Batch Normalization: Accelerating Deep Network Training',
  'Sergey Ioffe, Christian Szegedy', 'cs.LG',
  'We use self-attention and t-SNE plots; NEAR and AND are words here.'),
 (2, 'Deep Residual Learning', 'Kaiming He, Xiangyu Zhang', 'cs.CV',
  'Results from the École normale; title: foo bar. O''Brien said so.'),
 (3, 'Why Hinton was right', 'Yann LeCun', 'dblp', 'distillation'),
 (4, 'Distilling the Knowledge in a Neural Network',
  'Geoffrey Hinton, Oriol Vinyals, Jeff Dean', 'stat.ML', 'soft targets');
SQL
ok $? "FTS5 table created"

# sqlq TEXT: TEXT as the inside of an SQL string literal.
sqlq() { printf '%s' "$1" | sed "s/'/''/g"; }

# search EXPR: prints the rowids EXPR finds ("1,4"); sqlite3's errors go
# to $T/sqlerr and its status to $src.
search() {
  "$SQLITE" -bail "$db" "SELECT coalesce(group_concat(rowid, ','), '')
    FROM (SELECT rowid FROM f WHERE f MATCH '$(sqlq "$1")' ORDER BY rowid);" \
    2>"$T/sqlerr"
  src=$?
}

# The check can fail: the same words unquoted are FTS5 syntax errors.
search 'NEAR(' >/dev/null
[ "$src" -ne 0 ] && grep -q 'fts5: syntax error' "$T/sqlerr"
ok $? "sanity: a raw NEAR( is an FTS5 syntax error"
search 'title : normalization' >"$T/got"
is "$(cat "$T/got")" 1 "sanity: a raw title : x is a column filter"

cat >"$T/keywords" <<'EOF'
NEAR
NEAR(
NEAR(a
"NEAR(a b, 3)"
AND
OR
NOT
"a AND b"
"x OR y NOT z"
gan*
*gan
"dee*"
^gan
"^title"
+gan
(gan)
gan)
{title
"{title authors}:x"
"title:foo"
"title : foo"
author:title:foo
author:"a:b"
author:NEAR
author:"NOT AND"
author:*
author:O'Brien
"O'Brien"
'
'';
"'; DROP TABLE f; --"
x'||'y
back\slash
"a\"
percent%s%n
ÉCOLE
école
学习
ΑΛΦΑ
МОСКВА
gan🙂
"🙂 gan"
ga​n
"𝔘𝔫𝔦𝔠𝔬𝔡𝔢"
naïve
Ǆ
self-attention
t-sne
-t-sne
-"batch norm"
-author:hinton
c++
x=y
a|b
a&b
a,b
"a , b"
$var
`cmd`
EOF

tab=$(printf '\t')
"$EXPR" <"$T/keywords" >"$T/exprs"
ok $? "match-fts-expr ran"
is "$(wc -l <"$T/exprs" | tr -d ' ')" "$(wc -l <"$T/keywords" | tr -d ' ')" \
  "one answer per keyword"

n=0
while IFS="$tab" read -r kind value; do
  [ "$kind" = fts ] || continue
  n=$((n + 1))
  search "$value" >/dev/null
  if [ "$src" -eq 0 ] && [ ! -s "$T/sqlerr" ]; then
    ok 0 "runs: $value"
  else
    ok 1 "runs: $value"
    sed 's/^/#   /' "$T/sqlerr"
  fi
done <"$T/exprs"
[ "$n" -ge 50 ]
ok $? "at least 50 expressions ran ($n)"
"$SQLITE" "$db" 'SELECT count(*) FROM f;' >"$T/count" 2>&1
is "$(cat "$T/count")" 4 "the table is intact"

# hits KEYWORD WANT: the keyword's expression finds exactly rows WANT.
hits() {
  line=$(printf '%s\n' "$1" | "$EXPR")
  case $line in
  "fts$tab"*) ;;
  *)
    ok 1 "$1 gives an expression"
    echo "#   got: $line"
    return
    ;;
  esac
  search "${line#fts"$tab"}" >"$T/got"
  if [ "$src" -ne 0 ]; then
    ok 1 "$1 runs"
    sed 's/^/#   /' "$T/sqlerr"
    return
  fi
  is "$(cat "$T/got")" "$2" "$1 finds rows '$2'"
}

hits 'NEAR' 1
hits 'AND' 1
hits 'NOT' ''
hits '"batch normalization"' 1
hits '"Normalization Batch"' ''
hits 'networks' 1,4
hits 'deep' 1,2
hits '"dee*"' ''
hits 'deep*' 1,2
hits 'self-attention' 1
hits '"attention self"' ''
hits 't-SNE' 1
hits 'ÉCOLE' 2
hits 'ecole' 2
hits '"title:foo"' 2
hits '"title:deep"' ''
hits 'hinton' 3,4
hits 'author:hinton' 4
hits 'author:"Geoffrey Hinton"' 4
hits 'author:"hinton geoffrey"' ''
hits "O'Brien" 2
hits "author:O'Brien" ''
hits '-"batch normalization"' 1

done_testing
