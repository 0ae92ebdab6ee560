/* test-reply.c: the comment extractor (src/reply.c), rule by rule, then
 * each reply shape in tests/replies/: NAME.txt as a mail program writes
 * the text part, NAME.html as it writes the HTML part (converted with
 * html_to_text first), both compared byte for byte with NAME.expect. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "reply.h"
#include "tap.h"
#include "util.h"

#define FOOTER "You get this because"

static struct reply_info info;
static enum sm_status last_st;

/* The comment in text, or NULL on error (last_st says which). */
static char *
ex(const char *text)
{
  struct buf b = BUF_INIT(1 << 20);

  last_st = reply_extract(text, FOOTER, &b, &info);
  if (last_st != SM_OK) {
    buf_free(&b);
    return NULL;
  }
  return b.data ? buf_detach(&b) : strdup("");
}

/* Checks the comment extracted from text. */
#define is_comment(text, want, name)                                          \
  do {                                                                        \
    char *got_ = ex(text);                                                    \
    is_str(got_, (want), (name));                                             \
    free(got_);                                                               \
  } while (0)

static void
test_plain(void)
{
  is_comment("Nice summary.\n", "Nice summary.\n", "plain: kept");
  is_comment("Nice summary.", "Nice summary.\n",
             "plain: a last line without newline gets one");
  ok(!info.had_quote && !info.was_empty && info.inline_answers == 0,
     "plain: no quote, not empty");
  is_comment("\n\n  \nFirst.   \t\n\n\n\n\n\nSecond.\n\n\n",
             "First.\n\n\nSecond.\n",
             "plain: blank lines trimmed at both ends, runs cut to two, "
             "trailing spaces removed");
  is_comment("Line one\r\nLine two \r\n", "Line one\nLine two\n",
             "plain: CRLF line ends");
  is_comment("    indented code\n* item\n", "    indented code\n* item\n",
             "plain: leading white space kept");
  is_comment("Ends with no-break spaces\xC2\xA0\xC2\xA0\n",
             "Ends with no-break spaces\n",
             "plain: trailing no-break spaces removed");
  is_comment("I tried <script>alert(1)</script> & <b>x</b>\n",
             "I tried <script>alert(1)</script> & <b>x</b>\n",
             "plain: markup stays literal text");
}

static void
test_quotes(void)
{
  is_comment("Agreed.\n\n> Some quoted line\n> another\n", "Agreed.\n",
             "quote: top posting");
  ok(info.had_quote && info.inline_answers == 0, "quote: had_quote set");
  is_comment("Agreed.\n  > indented quote\n>>nested\n", "Agreed.\n",
             "quote: indented and nested quote marks");
  is_comment("> a quote\n> more\n\nMy answer below the quote.\n",
             "My answer below the quote.\n",
             "quote: bottom posting has no context");
  ok(info.inline_answers == 0, "quote: bottom posting is not inline");
}

static void
test_attribution(void)
{
  static const struct {
    const char *line, *name;
  } attrs[] = {
      {"On Mon, 23 Nov 2026 at 10:00, Ann Lee <ann@example.org> wrote:",
       "attribution: Gmail English"},
      {"On Mon, Nov 23, 2026 at 10:00 AM Ann Lee <ann@example.org> wrote:",
       "attribution: Gmail US English"},
      {"Le lun. 23 nov. 2026 \xC3\xA0 10:00, Ann Lee <ann@example.org> a "
       "\xC3\xA9"
       "crit :",
       "attribution: Gmail French"},
      {"Le 23/11/2026 \xC3\xA0 10:00, Ann Lee a \xC3\xA9"
       "crit\xC2\xA0:",
       "attribution: Thunderbird French, no-break space"},
      {"Am Mo., 23. Nov. 2026 um 10:00 Uhr schrieb Ann Lee "
       "<ann@example.org>:",
       "attribution: Gmail German"},
      {"Am 23.11.26 um 10:00 schrieb Ann Lee:",
       "attribution: Thunderbird German"},
      {"El lun, 23 nov 2026 a las 10:00, Ann Lee (<ann@example.org>) "
       "escribi\xC3\xB3:",
       "attribution: Spanish"},
      {"Il giorno lun 23 nov 2026 alle ore 10:00 Ann Lee <ann@example.org> "
       "ha scritto:",
       "attribution: Italian"},
      {"Il 23/11/2026 10:00, Ann Lee ha scritto:",
       "attribution: Italian Thunderbird"},
      {"Op ma 23 nov. 2026 om 10:00 schreef Ann Lee <ann@example.org>:",
       "attribution: Dutch"},
      {"Em seg., 23 de nov. de 2026 \xC3\xA0s 10:00, Ann Lee "
       "<ann@example.org> escreveu:",
       "attribution: Portuguese"},
      {"On 23/11/2026 10:00, Ann Lee wrote:", "attribution: Thunderbird"},
      {"On Nov 23, 2026, at 10:00, Ann Lee <ann@example.org> wrote:",
       "attribution: Apple Mail"},
      {"Ann Lee <ann@example.org> wrote:",
       "attribution: an address and no date"},
  };

  for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
    char text[512];

    snprintf(text, sizeof(text), "Thanks!\n\n%s\n\n> quoted\n", attrs[i].line);
    is_comment(text, "Thanks!\n", attrs[i].name);
  }
  is_comment("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, Someone With A Long "
             "Name <\nsomeone.with.a.long.name@example.org> wrote:\n\n> q\n",
             "Thanks!\n", "attribution: wrapped over two lines");
  ok(info.had_quote, "attribution: had_quote");
  is_comment("Thanks!\n\nOn Mon, 23 Nov 2026 at 10:00, ShortScience digest "
             "<\ndigest+c-7QK2M4XBD3@lists.example.org> wrote:\n",
             "Thanks!\n",
             "attribution: at the end, its quote removed by the reader");
  is_comment("On the whole I agree.\nOn Mon, 23 Nov 2026 at 10:00, Ann Lee "
             "<ann@example.org> wrote:\n> q\n",
             "On the whole I agree.\n",
             "attribution: the reader's line above it is kept");
  is_comment("Le papier montre surtout la vitesse.\nLe lun. 23 nov. 2026 "
             "\xC3\xA0 10:00, Quelqu'un <\nq@example.org> a \xC3\xA9"
             "crit :\n> q\n",
             "Le papier montre surtout la vitesse.\n",
             "attribution: wrapped, the reader's line above starting with a "
             "lead word is kept");
  is_comment("Danke.\nAm 23.11.26 um 10:00 schrieb Ann:\nSent from my iPhone\n"
             "\n> q\n",
             "Danke.\n", "attribution: a phone signature before the quote");
  is_comment("Danke.\nAm 23.11.26 um 10:00 schrieb Ann:\n\nYou get this "
             "because x\n",
             "Danke.\n", "attribution: only our footer after it");
  is_comment("Answer.\n\nOn Mon, 23 Nov 2026 at 10:00, Ann <a@example.org> "
             "wrote:\n\nThe earlier mail, unquoted.\n",
             "Answer.\n",
             "attribution: with a time and an address, unquoted text below "
             "it is the earlier mail (Yahoo, HTML quotes)");
  is_comment("Top.\nwrote to ann@example.org:\n> q\n", "Top.\n",
             "attribution: the verb first (a read before the line)");
  is_comment("On page 3 the authors wrote:\n> our method is optimal\n"
             "It is not.\n",
             "On page 3 the authors wrote:\n\n> our method is optimal\n\n"
             "It is not.\n",
             "attribution: prose without a date is the reader's");
  is_comment("On 23/11/2026 the authors wrote:\nthat it converges.\n",
             "On 23/11/2026 the authors wrote:\nthat it converges.\n",
             "attribution: not followed by a quote, kept");
  is_comment("Thanks!\n> On 23 Nov 2026, at 10:00, Ann Lee "
             "<ann@example.org> wrote:\n> \nMy answer.\n> more quote\n",
             "Thanks!\n\nMy answer.\n",
             "attribution: quoted (Apple Mail) is never context");
  ok(info.inline_answers == 1, "attribution: still one inline answer");
}

static void
test_outlook(void)
{
  is_comment("Good point.\n\n________________________________\n"
             "From: ShortScience digest <digest@example.org>\n"
             "Sent: Monday, November 23, 2026 10:00 AM\n"
             "To: Tom <tom@example.net>\n"
             "Subject: Re: Deep Residual Learning\n\n"
             "The original, unquoted.\n> and a quote\nand text\n",
             "Good point.\n", "outlook: header block and all below cut");
  ok(info.had_quote, "outlook: had_quote");
  is_comment("Gut.\nVon: ShortScience <d@example.org>\n"
             "Gesendet: Montag, 23. November 2026 10:00\n"
             "An: Petra <p@example.de>\nCc: x@example.de\n"
             "Betreff: AW: Batch Normalization\nOriginal\n",
             "Gut.\n", "outlook: German header block");
  is_comment("Bien.\n*De\xC2\xA0:* ShortScience <d@example.org>\n"
             "*Envoy\xC3\xA9\xC2\xA0:* lundi 23 novembre 2026 10:00\n"
             "*\xC3\x80\xC2\xA0:* Lucie <l@example.fr>\n"
             "*Objet\xC2\xA0:* GAN\nOriginal\n",
             "Bien.\n", "outlook: French header block, bold marks");
  is_comment("Spaced.\n\nFrom: A <a@example.org>\n\nDate: Mon, 23 Nov "
             "2026\n\nSubject: x\n\nOriginal\n",
             "Spaced.\n",
             "outlook: header lines separated by blank lines (from HTML)");
  is_comment("From: my experience this fails.\nSubject: matters.\n",
             "From: my experience this fails.\nSubject: matters.\n",
             "outlook: field-like prose without a header block is kept");
  is_comment("A.\n-----Original Message-----\nB\n", "A.\n",
             "outlook: Original Message");
  is_comment("A.\n-----Urspr\xC3\xBCngliche Nachricht-----\nB\n", "A.\n",
             "outlook: Urspruengliche Nachricht");
  is_comment("A.\n-----Message d'origine-----\nB\n", "A.\n",
             "outlook: Message d'origine");
  is_comment("A.\n\n-------- Original message --------\nFrom: x\nB\n", "A.\n",
             "outlook: a phone's Original message");
  is_comment("A.\n\n________________________________\n\nB\n",
             "A.\n\n________________________________\n\nB\n",
             "outlook: a rule alone is the reader's");
}

static void
test_signatures(void)
{
  is_comment("Comment.\n\n-- \nJane Doe\nSome University\n", "Comment.\n",
             "signature: -- ");
  is_comment("Comment.\n--\nJane Doe\n", "Comment.\n", "signature: --");
  is_comment("Comment.\n---\nmore text\n", "Comment.\n---\nmore text\n",
             "signature: --- is not a delimiter");
  is_comment("-- \nJane\n> quoted question\nThe answer.\n> more\n",
             "> quoted question\n\nThe answer.\n",
             "signature: ends at a quote, answers below it kept");
  is_comment("Comment.\n\nSent from my iPhone\n", "Comment.\n",
             "signature: Sent from my iPhone");
  is_comment("Comment.\nSent from my Galaxy\n", "Comment.\n",
             "signature: Sent from my Galaxy");
  is_comment("Comment.\nGet Outlook for Android<https://aka.ms/ghei36>\n",
             "Comment.\n", "signature: Get Outlook for Android");
  is_comment("Comment.\nSent from Mail for Windows\n", "Comment.\n",
             "signature: Sent from Mail for Windows");
  is_comment("Commentaire.\nEnvoy\xC3\xA9 de mon iPad\n", "Commentaire.\n",
             "signature: Envoye de mon iPad");
  is_comment("Kommentar.\nVon meinem iPhone gesendet\n", "Kommentar.\n",
             "signature: Von meinem iPhone gesendet");
  is_comment("Von meinem Standpunkt aus stimmt das nicht.\n",
             "Von meinem Standpunkt aus stimmt das nicht.\n",
             "signature: Von meinem ... as prose is kept");
  is_comment("Comentario.\nEnviado desde mi iPhone\n", "Comentario.\n",
             "signature: Enviado desde mi iPhone");
  is_comment("Commento.\nInviato da iPhone\n", "Commento.\n",
             "signature: Inviato da iPhone");
  is_comment("Opmerking.\nVerzonden vanaf mijn iPhone\n", "Opmerking.\n",
             "signature: Verzonden vanaf mijn iPhone");
  is_comment("Coment\xC3\xA1rio.\nEnviado do meu iPhone\n",
             "Coment\xC3\xA1rio.\n", "signature: Enviado do meu iPhone");
}

/* The phrases of many languages and programs, one family each. */
static void
test_languages(void)
{
  static const struct {
    const char *line, *name;
  } attrs[] = {
      {"23.11.2026 10:00, Ann Lee пишет:", "attribution: Russian Thunderbird"},
      {"23 нояб. 2026 г., в 10:00, Ann <a@example.org> написал(а):",
       "attribution: Russian Apple Mail"},
      {"W dniu 23.11.2026 o 10:00, Ann Lee pisze:", "attribution: Polish"},
      {"pon., 23 lis 2026 o 10:00 Ann <a@example.org> napisał(a):",
       "attribution: Polish Gmail"},
      {"Dne 23. 11. 26 v 10:00 Ann Lee napsal(a):", "attribution: Czech"},
      {"po 23. 11. 2026 v 10:00 odesílatel Ann <a@example.org> napsal:",
       "attribution: Czech Gmail, weekday first"},
      {"Den 2026-11-23 kl. 10:00, skrev Ann Lee:", "attribution: Swedish"},
      {"ma 23.11.2026 klo 10.00 Ann (a@example.org) kirjoitti:",
       "attribution: Finnish"},
      {"23.11.2026 10:00, Ann Lee пише:", "attribution: Ukrainian"},
      {"Vào 23/11/2026 10:00, Ann Lee đã viết:", "attribution: Vietnamese"},
      {"2026/11/23 10:00、Ann <a@example.org>のメッセージ:",
       "attribution: Japanese"},
      {"在 2026/11/23 10:00, Ann Lee 写道：", "attribution: Chinese"},
      {"2026. 11. 23. 오전 10:00, Ann <a@example.org> 작성:",
       "attribution: Korean"},
      {"2026-11-23 10:00 GMT+03:00 Ann <a@example.org>:",
       "attribution: date first, no verb (Gmail in Russian)"},
      {"23.11.2026, 10:00, \"Ann\" <a@example.org>:", "attribution: Yandex"},
      {"Понедельник, 23 ноября 2026, 10:00 +03:00 от Ann <a@example.org>:",
       "attribution: Mail.ru"},
      {"---- Ann Lee wrote ----", "attribution: between dashes"},
      {"At 6/16/2026 08:32 PM, you wrote:", "attribution: At ..., you wrote"},
      {"On 23 Nov 2026, at 10:00, Ann sent:", "attribution: On ... sent"},
      {"2011/4/7 Ann <a@example.org>", "attribution: date and address only"},
  };

  for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
    char text[512];

    snprintf(text, sizeof(text), "Thanks!\n\n%s\n\n> quoted\n", attrs[i].line);
    is_comment(text, "Thanks!\n", attrs[i].name);
  }
  is_comment("Thanks!\n\n2011/4/7 Ann <a@example.org>\n",
             "Thanks!\n\n2011/4/7 Ann <a@example.org>\n",
             "attribution: date and address with no colon and no quote, kept");
  is_comment("Short, thanks! On Mon, Nov 23, 2026 at 10:00 AM Ann "
             "<a@example.org> wrote:\n> q\n",
             "Short, thanks!\n",
             "attribution: on the line of the reader's text");
  is_comment("Yes.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Ann <\n"
             "mailto:a@example.org\n> wrote:\n\n> q\n",
             "Yes.\n", "attribution: broken around < mailto: >");
  is_comment("Top.\n> wrote:\n> q\n", "Top.\n",
             "attribution: a \"> wrote:\" that ends none is a quote");
  is_comment("Danke.\n\nAm 23.11.2026 um 10:00 schrieb Ann Lee\n"
             "<a@example.org>:\n> q\n",
             "Danke.\n", "attribution: German wrapped over two lines");

  is_comment("Tak.\nOd: ShortScience <d@example.org>\nWysłano: poniedziałek, "
             "23 listopada 2026 10:00\nDo: Paweł\nTemat: GAN\nOriginal\n",
             "Tak.\n", "header block: Polish");
  is_comment("Да.\nОТ: ShortScience <d@example.org>\nОтправлено: 23 ноября\n"
             "Кому: Иван\nТема: GAN\nOriginal\n",
             "Да.\n", "header block: Russian, case folded");
  is_comment("はい。\n差出人：ShortScience <d@example.org>\n送信日時："
             "2026年11月23日\n宛先：太郎\n件名：GAN\nOriginal\n",
             "はい。\n", "header block: Japanese, full-width colons");
  is_comment(
      "네.\n보낸 사람: ShortScience <d@example.org>\n보낸 날짜: 11월 23일"
      "\n받는 사람: 민준\n제목: GAN\nOriginal\n",
      "네.\n", "header block: Korean names of two words");
  is_comment("כן.\nמאת: ShortScience <d@example.org>\nנשלח: יום שני\n"
             "אל: דנה\nנושא: GAN\nOriginal\n",
             "כן.\n", "header block: Hebrew");
  is_comment("Da.\nDe la: ShortScience <d@example.org>\nTrimis: luni\n"
             "Către: Ana\nSubiect: GAN\nOriginal\n",
             "Da.\n", "header block: Romanian, a name of two words");
  is_comment("OK.\nDate: Mon, 23 Nov 2026\nFrom: d@example.org\n"
             "To: t@example.org\nSubject: GAN\nOriginal\n",
             "OK.\n", "header block: starting with Date");
  is_comment("OK.\nFrom: ShortScience on behalf of a long list name\n"
             "<d@example.org>\nSent: Monday\nTo: Tom\nSubject: GAN\nx\n",
             "OK.\n", "header block: a wrapped From field");

  is_comment("A.\n-----Исходное сообщение-----\nB\n", "A.\n",
             "separator: Russian");
  is_comment("A.\n*-------- Original Message --------*\nB\n", "A.\n",
             "separator: bold");
  is_comment("A.\n\nBegin forwarded message:\n\nB\n", "A.\n",
             "separator: Apple Mail's forward");
  is_comment("A.\n---------- Forwarded message ---------\nB\n", "A.\n",
             "separator: Gmail's forward");

  is_comment("К.\nОтправлено с iPhone\n", "К.\n", "footer: Russian");
  is_comment("K.\nSkickat från min iPhone\n", "K.\n", "footer: Swedish");
  is_comment("K.\nSendt fra min iPad\n", "K.\n", "footer: Danish");
  is_comment("K.\nSent with Airmail\n", "K.\n", "footer: Airmail");
  is_comment("K.\nSent via mobile\n", "K.\n", "footer: Sent via mobile");
  is_comment("K.\nDiese Nachricht wurde von meinem Android-Gerät mit K-9 "
             "Mail gesendet.\n",
             "K.\n", "footer: K-9 in German");
  is_comment("K.\n\xE1\x90\xA7\n", "K.\n", "footer: Gmail's tracking glyph");
  is_comment("K.\niPhoneから送信\n", "K.\n", "footer: Japanese");
  is_comment("K.\nОтправлено из мобильной Яндекс Почты\n", "K.\n",
             "footer: Yandex, an app name and a send verb");
  is_comment("Sent from my phone, so it went out late.\nThe rest follows.\n",
             "Sent from my phone, so it went out late.\nThe rest follows.\n",
             "footer: followed by more of the reader's text, kept");

  is_comment("Here it is.\n\nSent from my desk, which is much easier than "
             "my mobile phone.\n",
             "Here it is.\n\nSent from my desk, which is much easier than "
             "my mobile phone.\n",
             "footer: a sentence that starts like one is kept");
  is_comment("K.\n\nSent from my Verizon, Samsung Galaxy smartphone\n", "K.\n",
             "footer: a short one with a comma");
  is_comment("Outlook.\n\n ------------------------------\n From: A "
             "<a@example.org>\n Sent: Monday\n To: B\n Subject: x\n",
             "Outlook.\n", "header block: indented, with its rule");
  is_comment("Try this:\n>>> x = [1, 2]\n>>> len(x)\n2\n",
             "Try this:\n>>> x = [1, 2]\n>>> len(x)\n2\n",
             "quote: a Python prompt under the reader's text is text");
  is_comment("Yes.\n&gt; quoted\n&gt;&gt; deeper\n", "Yes.\n",
             "quote: &gt; left escaped is a quote mark");
}

/* reply_extract_ours: nothing quoted from our own message stays. */
static void
test_ours(void)
{
  struct buf b = BUF_INIT(4096);
  struct reply_info in;
  const char *reply =
      "> Deep Residual Learning for Image Recognition\n"
      "> Summary by Ann Lee · 12 votes · https://example.org/p\n"
      "> Matched: cs.CV\n\nFirst answer.\n\n> Residual blocks.\n"
      ">> nested\nSecond answer.\n> You get this because x\n";

  ok(reply_extract_ours(reply, FOOTER, &b, &in) == SM_OK, "ours: SM_OK");
  is_str(buf_str(&b), "First answer.\n\nSecond answer.\n",
         "ours: inline answers without our quoted lines");
  ok(in.inline_answers == 2 && in.had_quote && !in.was_empty,
     "ours: two inline answers");
  buf_reset(&b);
  ok(reply_extract_ours("> only our digest\n", FOOTER, &b, &in) == SM_OK &&
         in.was_empty && b.len == 0,
     "ours: a reply of quotes only is empty");
  buf_free(&b);
}

static void
test_footer(void)
{
  struct buf b = BUF_INIT(4096);

  is_comment("My comment.\n\n=====================\n"
             "You get this because you follow this.\nUnsubscribe: x\n",
             "My comment.\n", "footer: unquoted, with its rule, removed");
  is_comment("My comment.\nYou get this because.\nUnsub\n> q\nAnswer\n",
             "My comment.\n\n> q\n\nAnswer\n",
             "footer: ends at the next quote");
  reply_extract("Text\nYou get this because x\n", NULL, &b, &info);
  is_str(buf_str(&b), "Text\nYou get this because x\n",
         "footer: no marker, nothing removed");
  buf_reset(&b);
  reply_extract("Text\nYou get this because x\n", "", &b, &info);
  is_str(buf_str(&b), "Text\nYou get this because x\n",
         "footer: empty marker, nothing removed");
  buf_free(&b);
}

static void
test_inline(void)
{
  is_comment("> p1 line1\n>\n> p2 line1\n> p2 line2\n> p2 line3\n"
             "> p2 line4\n\nAnswer one.\n\n> later\n>> nested q\nAnswer "
             "two.\n> tail\n",
             "> p2 line2\n> p2 line3\n> p2 line4\n\nAnswer one.\n\n"
             "> later\n>> nested q\n\nAnswer two.\n",
             "inline: last three lines of the last quoted paragraph");
  is_int(info.inline_answers, 2, "inline: two answers");
  ok(info.had_quote, "inline: had_quote");
  is_comment("Top text.\n> q\n> \n>\nAnswer.\n",
             "Top text.\n\n> q\n\nAnswer.\n",
             "inline: top text and one answer below");
  is_comment("> q1\nA1\n> q2\n> You get this because x\n> Unsubscribe\nA2\n",
             "> q1\n\nA1\n\n> q2\n\nA2\n",
             "inline: the quoted footer is not context");
  is_comment("> q1\nA1\n> q2\n> -- \n> Jane\nA2\n",
             "> q1\n\nA1\n\n> q2\n\nA2\n",
             "inline: a quoted signature is not context");
  is_comment("> q1\nA1\n\n-- \nJane\n", "A1\n",
             "inline: bottom posting with a signature");
}

static void
test_empty(void)
{
  struct buf b = BUF_INIT(4096);

  is_comment("", "", "empty: nothing");
  ok(info.was_empty, "empty: was_empty");
  is_comment("\n \n\t\n", "", "empty: white space");
  ok(info.was_empty, "empty: white space is empty");
  is_comment("-- \nJane\n\nOn Mon, 23 Nov 2026 at 10:00, A <a@b.org> wrote:"
             "\n> q\n",
             "", "empty: signature and quote only");
  ok(info.was_empty && info.had_quote, "empty: was_empty, had_quote");
  must(buf_puts(&b, "kept"));
  ok(reply_extract("> only a quote\n", FOOTER, &b, &info) == SM_OK &&
         info.was_empty,
     "empty: SM_OK and was_empty");
  is_str(buf_str(&b), "kept", "empty: nothing appended");
  buf_free(&b);
}

static void
test_errors(void)
{
  struct buf b = BUF_INIT(10);

  ok(ex("bad \xC3\x28 utf-8\n") == NULL && last_st == SM_ERR_DATA,
     "errors: invalid UTF-8 is SM_ERR_DATA");
  ok(reply_extract("A comment longer than ten bytes\n", FOOTER, &b, NULL) ==
         SM_ERR_LIMIT,
     "errors: out->max is SM_ERR_LIMIT");
  buf_free(&b);
  buf_init(&b, 100);
  must(buf_puts(&b, "["));
  ok(reply_extract("x\n", FOOTER, &b, NULL) == SM_OK, "errors: info NULL");
  is_str(buf_str(&b), "[x\n", "errors: appends to out");
  buf_free(&b);
}

static const char *const titles[] = {
    "Deep Residual Learning for Image Recognition",
    "Batch Normalization: Accelerating Deep Network Training by Reducing "
    "Internal Covariate Shift",
    "Generative Adversarial Networks",
    "",
    NULL,
    "Generative Adversarial Networks: An Overview",
};
#define NTITLES (sizeof(titles) / sizeof(titles[0]))

static long
heading(const char *text)
{
  size_t which = 99;
  enum sm_status st =
      reply_quoted_heading(text, FOOTER, titles, NTITLES, &which);

  if (st == SM_ERR_NOTFOUND)
    return -1;
  return st == SM_OK ? (long)which : -2;
}

static void
test_heading(void)
{
  const char *digest = "> ShortScience digest\n>\n"
                       "> =========================\n"
                       "> Deep Residual Learning for Image Recognition\n"
                       "> Shortcuts.\n>\n"
                       "> =========================\n"
                       "> Generative Adversarial Networks\n"
                       "> Two players. Unlike Deep Residual Learning for "
                       "Image Recognition,\n"
                       "> =========================\n"
                       "> You get this because x\n";
  char text[2048];

  snprintf(text, sizeof(text), "%s", digest);
  is_int(heading(text), -1, "heading: no answer");
  snprintf(text, sizeof(text), "Top post.\n%s", digest);
  is_int(heading(text), -1, "heading: top posting is under no item");
  snprintf(text, sizeof(text),
           "> =====================\n> Deep Residual Learning for Image "
           "Recognition\n> x\nAnswer\n-- \nJane\n> ==========\n> "
           "Generative Adversarial Networks\nSent from my iPhone\n");
  is_int(heading(text), 0, "heading: first item, signatures ignored");
  snprintf(text, sizeof(text),
           "On Mon, 23 Nov 2026 at 10:00, D <d@example.org> wrote:\n"
           "> Generative Adversarial Networks\n> Two players. Unlike Deep "
           "Residual Learning for Image Recognition, it\nAnswer\n> "
           "==========\n");
  is_int(heading(text), 2, "heading: a title in the text starts no item");
  snprintf(text, sizeof(text),
           "> Deep Residual Learning for Image Recognition\nA\n> "
           "Generative Adversarial Networks\nB\n");
  is_int(heading(text), -1, "heading: answers under two items");
  snprintf(text, sizeof(text),
           "> Deep Residual Learning for Image Recognition\n> x\n> You get "
           "this because y\nAnswer after the footer\n");
  is_int(heading(text), -1, "heading: the footer ends the last item");
  snprintf(text, sizeof(text),
           "> Deep Residual Learning for Image Recognition\n> x\n> "
           "==========\nAnswer after a rule\n");
  is_int(heading(text), -1, "heading: a rule ends an item");
  snprintf(text, sizeof(text),
           "> *GENERATIVE   adversarial networks* "
           "<https://shortscience.org/p/1>\n> x\nAnswer\n");
  is_int(heading(text), 2,
         "heading: case, spaces, decoration and a link do not matter");
  snprintf(text, sizeof(text),
           "> Generative Adversarial Networks: An Overview\n> x\nAnswer\n");
  is_int(heading(text), 5, "heading: the longest title wins");
  snprintf(text, sizeof(text),
           "> Batch Normalization: Accelerating Deep Network Training by\n"
           "> Reducing Internal Covariate Shift\n> x\nAnswer\n");
  is_int(heading(text), 1, "heading: a title wrapped over two lines");
  snprintf(text, sizeof(text),
           "> Generative Adversarial Networksx\n> x\nAnswer\n");
  is_int(heading(text), -1, "heading: a title must end at a word end");
  snprintf(text, sizeof(text),
           "> Deep Residual Learning for Image Recognition\nAnswer\n"
           "> more\nAnswer again\n> tail\n");
  is_int(heading(text), 0, "heading: several answers under one item");
  ok(reply_quoted_heading("x\n", FOOTER, titles, NTITLES, NULL) ==
         SM_ERR_INTERNAL,
     "heading: which NULL is a bug");
  ok(reply_quoted_heading("\xFF\n", FOOTER, titles, NTITLES, &(size_t){0}) ==
         SM_ERR_DATA,
     "heading: invalid UTF-8");
}

/* ---- the reply shapes in tests/replies --------------------------------- */

static char *
slurp(const char *dir, const char *name, const char *ext)
{
  char path[1024];
  struct buf b = BUF_INIT(1 << 22);

  snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
  if (util_read_file(path, &b) != SM_OK) {
    buf_free(&b);
    return NULL;
  }
  return buf_detach(&b);
}

static int
name_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks what each shape must show beyond its text. */
static void
check_info(const char *name)
{
  char label[200];

  snprintf(label, sizeof(label), "golden %s: info", name);
  if (!strcmp(name, "empty-after-trim"))
    ok(info.was_empty && info.had_quote, label);
  else if (!strcmp(name, "inline-answers") || !strcmp(name, "gmail-html") ||
           !strcmp(name, "thunderbird-de"))
    ok(!info.was_empty && info.had_quote && info.inline_answers == 2, label);
  else if (!strcmp(name, "whole-digest-inline"))
    ok(!info.was_empty && info.had_quote && info.inline_answers == 1, label);
  else
    ok(!info.was_empty && info.had_quote && info.inline_answers == 0, label);
}

static void
test_golden(void)
{
  const char *top = getenv("top_srcdir");
  char dir[1024], *names[64];
  size_t n = 0, ntxt = 0, nhtml = 0;
  struct dirent *de;
  DIR *d;

  snprintf(dir, sizeof(dir), "%s/tests/replies", top ? top : ".");
  d = opendir(dir);
  if (!ok(d != NULL, "golden: tests/replies exists"))
    return;
  while ((de = readdir(d)) != NULL && n < 64) {
    size_t len = strlen(de->d_name);

    if (len > 4 && !strcmp(de->d_name + len - 4, ".txt"))
      ntxt++;
    else if (len > 5 && !strcmp(de->d_name + len - 5, ".html"))
      nhtml++;
    else
      continue;
    names[n++] = strdup(de->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof(names[0]), name_cmp);
  ok(ntxt >= 14 && nhtml >= 2, "golden: the shapes are there");
  for (size_t i = 0; i < n; i++) {
    char *dot = strrchr(names[i], '.');
    int html = !strcmp(dot, ".html");
    char *in, *want, label[200], *got = NULL;

    *dot = '\0';
    in = slurp(dir, names[i], html ? "html" : "txt");
    want = slurp(dir, names[i], "expect");
    snprintf(label, sizeof(label), "golden %s.%s", names[i],
             html ? "html" : "txt");
    if (in && want && html) {
      struct buf t = BUF_INIT(1 << 22);

      if (html_to_text(in, strlen(in), &t) == SM_OK)
        got = ex(buf_str(&t));
      buf_free(&t);
    } else if (in && want) {
      got = ex(in);
    }
    if (is_str(got, want ? want : "(no .expect)", label))
      check_info(names[i]);
    free(got);
    free(in);
    free(want);
    free(names[i]);
  }
}

/* The whole-digest shape: the answer sits under the second item. */
static void
test_golden_heading(void)
{
  const char *top = getenv("top_srcdir");
  char dir[1024], *in;

  snprintf(dir, sizeof(dir), "%s/tests/replies", top ? top : ".");
  in = slurp(dir, "whole-digest-inline", "txt");
  ok(in != NULL, "golden heading: read");
  if (in)
    is_int(heading(in), 1, "golden heading: the Batch Normalization item");
  free(in);
  in = slurp(dir, "gmail-en", "txt");
  if (in)
    is_int(heading(in), -1, "golden heading: a top-posted reply");
  free(in);
}

int
main(void)
{
  test_plain();
  test_quotes();
  test_attribution();
  test_outlook();
  test_signatures();
  test_languages();
  test_ours();
  test_footer();
  test_inline();
  test_empty();
  test_errors();
  test_heading();
  test_golden();
  test_golden_heading();
  return done_testing();
}
