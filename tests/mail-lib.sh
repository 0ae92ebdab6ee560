# tests/mail-lib.sh: one message of every kind the list sends, made by the
# commands that make them for readers, for the tests that look at them
# (look.sh in headless Chromium, mail-spam.sh with SpamAssassin). Source
# it after tests/lib.sh.
#
#   mail_kinds DIR   the sample feed and readers of digest-lib.sh, then:
#                    digests (two readers), a confirmation request (`sub
#                    add`), a welcome (the confirmation reply), a command
#                    reply, a comment notification (a reader follows a
#                    summary, another comments on it) and a notice (a
#                    comment from the wrong address); each composed as
#                    `send` would (tests/outbox-compose) into DIR/KIND.eml.
#                    The kinds made are in $mail_kinds_made.

. "$top_srcdir/tests/digest-lib.sh"

: "${OUTBOX_COMPOSE:=$top_builddir/tests/outbox-compose}"
: "${MINT_TOKEN:=$top_builddir/tests/mint-token}"

# mail_receive FROM TO SUBJECT BODY: `shortmail receive` of a plain message.
mail_receive() {
  mail_n=$((${mail_n:-0} + 1))
  printf '%s\n' "From: $1" "To: $2" "Subject: $3" \
    "Message-ID: <look$mail_n@example.org>" "Date: Mon, 23 Nov 2026 10:00:00 +0000" \
    "" "$4" | "$SHORTMAIL" receive --recipient "$2" --sender "$1" >>"$T/receive.out" 2>&1
}

mail_kinds() {
  d=$1
  mkdir -p "$d" "$T/rows"
  digest_store --layout || return 1
  for a in math@example.net juergen@example.de; do
    sm preview --now "$SHORTMAIL_NOW" --eml "$d/digest-${a%%@*}.eml" "$a"
    [ "$rc" -eq 0 ] || return 1
  done
  # A confirmation request, then the welcome that confirming by mail gets.
  sm sub add newbie@example.com cs.LG '"batch normalization"'
  [ "$rc" -eq 0 ] || return 1
  ctok=$(sql "SELECT payload FROM outbox WHERE kind = 'confirm'" |
    grep -o 'digest+confirm-[a-z2-7]*@lists.example.org' | head -1)
  [ -n "$ctok" ] || return 1
  "$OUTBOX_COMPOSE" "$T/shortmail.conf" "$T/rows" >"$T/rows.list" 2>>"$T/receive.out" || return 1
  mv "$T/rows/$(awk '$2 == "confirm" {print $1}' "$T/rows.list").eml" "$d/confirm.eml" || return 1
  sql "UPDATE outbox SET state = 'sent'"
  mail_receive newbie@example.com "$ctok" "Re: Confirm your subscription" "yes"
  # A command reply to a confirmed reader.
  mail_receive many@example.com digest-request@lists.example.org \
    "Re: commands" "$(printf 'add the\nadd gan\nkeywords')"
  # A comment notification: many@ follows a summary, math@ comments on it.
  s=$(sql "SELECT id FROM summaries ORDER BY id LIMIT 1")
  exp=$(($(date +%s) + 86400 * 400))
  t1=$("$MINT_TOKEN" "$T/secret" c 1 "$s" "$exp")
  t2=$("$MINT_TOKEN" "$T/secret" c 2 "$s" "$exp")
  mail_receive many@example.com "digest+c-$t1@lists.example.org" "Re: follow" "follow"
  mail_receive math@example.net "digest+c-$t2@lists.example.org" "Re: a summary" \
    "$(printf 'A comment with some substance: the learning rate schedule in section 4\nmatters more than the architecture, as the ablation shows.\n\nThanks for the summary.')"
  # A notice: a comment from an address that is not the token's reader.
  mail_receive gan.fan@example.org "digest+c-$t1@lists.example.org" "Re: a summary" "Mine."
  rm -f "$T/rows"/*
  "$OUTBOX_COMPOSE" "$T/shortmail.conf" "$T/rows" >"$T/rows.list" 2>>"$T/receive.out" || return 1
  mail_kinds_made="digest-math digest-juergen confirm"
  while read -r id kind rcpt _; do
    case $kind in
    reply) # answers by mail; who got which tells them apart
      case $rcpt in
      newbie@example.com) name=welcome ;;
      gan.fan@example.org) name=notice ;;
      *) name=reply ;;
      esac
      ;;
    *) name=$kind ;;
    esac
    [ -e "$d/$name.eml" ] && continue
    cp "$T/rows/$id.eml" "$d/$name.eml"
    mail_kinds_made="$mail_kinds_made $name"
  done <"$T/rows.list"
  sql "UPDATE outbox SET state = 'sent'"
}
