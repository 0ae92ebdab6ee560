/* compose.c: assembling messages from outbox rows. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compose.h"
#include "listaddr.h"
#include "mime.h"
#include "outbox.h"
#include "render.h"
#include "signer.h"
#include "util.h"

#define COMPOSE_MAX_PART (4 * 1024 * 1024) /* one rendered part */

/* One summary, rendered once per run. */
struct frag {
  int64_t id;
  int64_t paper_id;
  char *title, *authors, *venue, *link, *summarizer;
  int year;
  long votes;
  char *html, *text;
  int cut;
  int missing; /* gone from the store since the digest was chosen */
};

struct compose {
  const struct env *env;
  char *cited;        /* the last title cite_title gave */
  struct frag *frags; /* open addressing by id; id 0 is empty */
  size_t size, used;
  struct mime_msg msg;
};

enum sm_status
compose_new(const struct env *env, struct compose **out)
{
  struct compose *c = calloc(1, sizeof(*c));

  *out = NULL;
  if (!c)
    return SM_ERR_NOMEM;
  c->env = env;
  mime_msg_init(&c->msg);
  /* Most lines of one digest are those of the next: the style sheet, the
   * summaries, the footer. Each is quoted-printable encoded once. */
  if (mime_msg_cache_lines(&c->msg) != SM_OK) {
    mime_msg_free(&c->msg);
    free(c);
    return SM_ERR_NOMEM;
  }
  *out = c;
  return SM_OK;
}

static void
frag_free(struct frag *f)
{
  free(f->title);
  free(f->authors);
  free(f->venue);
  free(f->link);
  free(f->summarizer);
  free(f->html);
  free(f->text);
}

void
compose_free(struct compose *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->size; i++)
    if (c->frags[i].id)
      frag_free(&c->frags[i]);
  free(c->frags);
  free(c->cited);
  mime_msg_free(&c->msg);
  free(c);
}

size_t
compose_rendered(const struct compose *c)
{
  return c->used;
}

static struct frag *
frag_slot(struct compose *c, int64_t id)
{
  size_t i;

  if ((c->used + 1) * 2 > c->size) {
    size_t nsize = c->size ? c->size * 2 : 256;
    struct frag *n = calloc(nsize, sizeof(*n));
    if (!n)
      return NULL;
    for (size_t k = 0; k < c->size; k++)
      if (c->frags[k].id) {
        size_t j = (uint64_t)c->frags[k].id * 0x9E3779B97F4A7C15ULL % nsize;
        while (n[j].id)
          j = (j + 1) % nsize;
        n[j] = c->frags[k];
      }
    free(c->frags);
    c->frags = n;
    c->size = nsize;
  }
  i = (uint64_t)id * 0x9E3779B97F4A7C15ULL % c->size;
  while (c->frags[i].id && c->frags[i].id != id)
    i = (i + 1) % c->size;
  return &c->frags[i];
}

struct load_ctx {
  struct frag *f;
  struct compose *c;
  const struct env *env;
  enum sm_status rc;
};

/* A cited paper's title (render's \cite{KEY}), NULL when the store does
 * not know the key. Valid until the next call. */
static const char *
cite_title(void *ctx, const char *key)
{
  struct compose *c = ctx;

  free(c->cited);
  c->cited = NULL;
  if (store_paper_title(c->env->st, key, &c->cited) != SM_OK) {
    free(c->cited);
    c->cited = NULL;
  }
  return c->cited;
}

static char *
dup0(const char *s)
{
  return s ? strdup(s) : NULL;
}

static int
load_row(void *vctx, const struct store_summary_row *r)
{
  struct load_ctx *l = vctx;
  struct frag *f = l->f;
  /* An excerpt; the template links every item to the whole summary. */
  struct render_opts o = {l->env->conf->site.url,
                          RENDER_DEFAULT_WIDTH,
                          (size_t)l->env->conf->digest.excerpt_words,
                          NULL,
                          r->s.excerpt,
                          cite_title,
                          l->c};
  struct buf html = BUF_INIT(COMPOSE_MAX_PART);
  struct buf text = BUF_INIT(COMPOSE_MAX_PART);
  const char *md = r->s.markdown ? r->s.markdown : "";
  int cut = 0;

  f->missing = 0;
  f->paper_id = r->paper_id;
  f->title = dup0(r->s.title);
  f->authors = dup0(r->s.authors);
  f->venue = dup0(r->s.venue);
  f->link = dup0(r->s.link);
  f->summarizer = dup0(r->s.summarizer);
  f->year = r->s.year;
  f->votes = r->s.votes;
  l->rc = render_html(md, strlen(md), &o, &html, &cut);
  if (l->rc == SM_OK)
    l->rc = render_text(md, strlen(md), &o, &text, NULL);
  f->cut = cut;
  f->html = buf_detach(&html);
  f->text = buf_detach(&text);
  if (l->rc == SM_OK && (!f->title || !f->link || !f->html || !f->text))
    l->rc = SM_ERR_NOMEM;
  return 1;
}

/* The summary's fragment, rendering it on first use. */
static enum sm_status
frag_get(struct compose *c, int64_t id, struct frag **out)
{
  struct frag *f = frag_slot(c, id);
  struct store_query q = {id, 0, NULL, 0, 1};
  struct load_ctx l;
  enum sm_status rc;

  *out = NULL;
  if (!f)
    return SM_ERR_NOMEM;
  if (f->id == id) {
    *out = f;
    return SM_OK;
  }
  memset(f, 0, sizeof(*f));
  f->id = id;
  f->missing = 1;
  c->used++;
  l.f = f;
  l.c = c;
  l.env = c->env;
  l.rc = SM_OK;
  rc = store_summaries(c->env->st, &q, load_row, &l);
  if (rc == SM_OK)
    rc = l.rc;
  *out = f;
  return rc;
}

/* Percent-encoding for mailto: and query values (RFC 3986 unreserved
 * characters stay). */
static enum sm_status
url_encode(const char *s, struct buf *out)
{
  static const char hex[] = "0123456789ABCDEF";
  enum sm_status rc = SM_OK;

  for (const unsigned char *p = (const unsigned char *)s; *p && rc == SM_OK;
       p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
        *p == '~')
      rc = buf_putc(out, (char)*p);
    else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      rc = buf_append(out, e, 3);
    }
  }
  return rc;
}

/* "mailto:ADDR?subject=S&body=B" into a template map's key. */
static enum sm_status
set_mailto(struct tmpl_value *map, const char *key, const char *addr,
           const char *subject, const char *body)
{
  struct buf u = BUF_INIT(8192);
  enum sm_status rc;

  rc = buf_printf(&u, "mailto:%s?subject=", addr);
  if (rc == SM_OK)
    rc = url_encode(subject, &u);
  if (rc == SM_OK && body) {
    rc = buf_puts(&u, "&body=");
    if (rc == SM_OK)
      rc = url_encode(body, &u);
  }
  if (rc == SM_OK)
    rc = tmpl_map_set_str(map, key, buf_str(&u));
  buf_free(&u);
  return rc;
}

/* The common headers of everything the list sends. */
static enum sm_status
base_headers(struct compose *c, const struct compose_row *row,
             const char *from_name, const char *from, const char *subject)
{
  struct mime_msg *m = &c->msg;
  char mid[1024];
  enum sm_status rc;

  snprintf(mid, sizeof(mid), "<%s>", row->message_id);
  rc = mime_add_address(m, "From", from_name, from);
  if (rc == SM_OK)
    rc = mime_add_address(m, "To", NULL, row->recipient);
  if (rc == SM_OK)
    rc = mime_add_text_header(m, "Subject", subject);
  if (rc == SM_OK)
    rc = mime_add_date(m, row->created_at);
  if (rc == SM_OK)
    rc = mime_add_header(m, "Message-ID", mid);
  return rc;
}

/* The list headers of everything sent to a reader as list mail (RFC
 * 2369, RFC 8058, RFC 3834): List-Unsubscribe with the reader's own
 * token, List-Unsubscribe-Post, List-Help, List-Post (`post`: "NO" or a
 * <mailto:...>), Auto-Submitted and Precedence. */
static enum sm_status
list_headers(struct compose *c, const struct compose_row *row,
             const char *post)
{
  const struct env *env = c->env;
  struct mime_msg *m = &c->msg;
  char tok[TOKEN_MAX_LEN + 1], addr[LISTADDR_MAX], value[2048];
  enum sm_status rc;

  rc = listaddr_token(env->secret, TOKEN_UNSUBSCRIBE, row->subscriber_id, 0,
                      row->created_at, tok, NULL);
  if (rc == SM_OK)
    rc = listaddr_make(env->conf, LISTADDR_UNSUB, tok, addr, sizeof(addr));
  if (rc == SM_OK) {
    /* RFC 8058: the HTTPS URL first, then mailto, and the POST header
     * (which DKIM must sign with it). */
    snprintf(value, sizeof(value),
             "<%s/u/%s>, <mailto:%s?subject=unsubscribe>",
             conf_public_url(env->conf), tok, addr);
    rc = mime_add_header(m, "List-Unsubscribe", value);
  }
  if (rc == SM_OK)
    rc = mime_add_header(m, "List-Unsubscribe-Post",
                         "List-Unsubscribe=One-Click");
  if (rc == SM_OK)
    rc = listaddr_make(env->conf, LISTADDR_REQUEST, NULL, addr, sizeof(addr));
  if (rc == SM_OK) {
    snprintf(value, sizeof(value), "<mailto:%s?subject=help>", addr);
    rc = mime_add_header(m, "List-Help", value);
  }
  if (rc == SM_OK)
    rc = mime_add_header(m, "List-Post", post);
  if (rc == SM_OK)
    rc = mime_add_header(m, "Auto-Submitted", "auto-generated");
  if (rc == SM_OK)
    rc = mime_add_header(m, "Precedence", "list");
  return rc;
}

/* ---- digests -------------------------------------------------------- */

/* What a Subject line calls a paper: its name before a colon ("FaceNet"
 * of "FaceNet: A Unified Embedding ..."), else the title, shortened at a
 * word to about 40 characters. */
static void
short_title(const char *title, char *out, size_t outlen)
{
  const char *colon = strchr(title, ':');
  size_t n = strlen(title);

  if (colon && colon - title >= 2 && colon - title <= 40)
    n = (size_t)(colon - title);
  if (n > 48) {
    size_t k = 40;
    while (k > 20 && title[k] != ' ')
      k--;
    snprintf(out, outlen, "%.*s…", (int)k, title);
    return;
  }
  snprintf(out, outlen, "%.*s", (int)n, title);
}

/* The issue as readers say it: "Week of 30 November 2026" for
 * "2026-W49" (the week's Monday), "30 November 2026" for "2026-11-30";
 * anything else unchanged. */
static void
issue_label(const char *issue, char *out, size_t outlen)
{
  int y, w, m, d;
  char date[64], tail;
  struct tm tm;

  memset(&tm, 0, sizeof(tm));
  if (sscanf(issue, "%4d-W%2d%c", &y, &w, &tail) == 2 && w >= 1 && w <= 53) {
    int64_t jan4, monday;
    tm.tm_year = y - 1900;
    tm.tm_mday = 4;
    jan4 = (int64_t)timegm(&tm);
    gmtime_r(&(time_t){(time_t)jan4}, &tm);
    monday = jan4 - (int64_t)((tm.tm_wday + 6) % 7) * 86400 +
             (int64_t)(w - 1) * 7 * 86400;
    util_human_date(monday, date, sizeof(date));
    snprintf(out, outlen, "Week of %s", date);
  } else if (sscanf(issue, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
             m >= 1 && m <= 12 && d >= 1 && d <= 31) {
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    util_human_date((int64_t)timegm(&tm), out, outlen);
  } else {
    snprintf(out, outlen, "%s", issue);
  }
}

/* "FaceNet, YOLO and 4 more · LIST" from the first titles. */
static void
digest_subject(const char *list, const char *t1, const char *t2, size_t count,
               char *out, size_t outlen)
{
  char a[256], b[256];

  short_title(t1 ? t1 : "", a, sizeof(a));
  short_title(t2 ? t2 : "", b, sizeof(b));
  if (count <= 1)
    snprintf(out, outlen, "%s · %s", a, list);
  else if (count == 2)
    snprintf(out, outlen, "%s and %s · %s", a, b, list);
  else
    snprintf(out, outlen, "%s, %s and %zu more · %s", a, b, count - 2, list);
}

/* The reader's keywords, for the footer: "reader_keywords", as
 * "cs.LG, gan, \"batch normalization\"" (unset when there are none). */
static enum sm_status
reader_keywords(struct compose *c, int64_t sub, struct tmpl_value *ctx)
{
  struct buf line = BUF_INIT(64 * 1024);
  char **kw = NULL;
  size_t n = 0;
  enum sm_status rc;

  rc = store_interests(c->env->st, sub, &kw, &n);
  for (size_t i = 0; i < n; i++) {
    if (rc == SM_OK && i)
      rc = buf_puts(&line, ", ");
    if (rc == SM_OK)
      rc = buf_puts(&line, kw[i]);
    free(kw[i]);
  }
  free(kw);
  if (rc == SM_OK && n)
    rc = tmpl_map_set_str(ctx, "reader_keywords", buf_str(&line));
  buf_free(&line);
  return rc;
}

/* The authors as a byline shows them: up to three names whole, else the
 * first two and "et al." (names are separated by ", " or " and ", as the
 * feeds write them). */
static void
short_authors(const char *a, char *out, size_t outlen)
{
  const char *p = a, *second = NULL;
  size_t names = 1;

  while (*p) {
    size_t sep = !strncmp(p, ", ", 2) ? 2 : !strncmp(p, " and ", 5) ? 5 : 0;
    if (sep) {
      if (++names == 3)
        second = p;
      p += sep;
    } else {
      p++;
    }
  }
  if (names > 3 && second)
    snprintf(out, outlen, "%.*s et al.", (int)(second - a), a);
  else
    snprintf(out, outlen, "%s", a);
}

/* An item's lines under its title, each unset when it would be empty:
 * "byline" (authors · venue year), "meta" (Summary by NAME · N votes; no
 * votes when the feed gave none) and "info", both in one line. */
static enum sm_status
item_lines(const struct frag *f, struct tmpl_value *item)
{
  char by[4096], meta[1024], vy[1024], au[2048], info[6144];
  enum sm_status rc = SM_OK;

  snprintf(vy, sizeof(vy), "%s%s", f->venue ? f->venue : "",
           f->venue && f->year ? " " : "");
  if (f->year)
    snprintf(vy + strlen(vy), sizeof(vy) - strlen(vy), "%d", f->year);
  short_authors(f->authors ? f->authors : "", au, sizeof(au));
  snprintf(by, sizeof(by), "%s%s%s", au, *au && *vy ? " · " : "", vy);
  if (f->votes > 0)
    snprintf(meta, sizeof(meta), "%s%s%s%ld vote%s",
             f->summarizer ? "Summary by " : "",
             f->summarizer ? f->summarizer : "", f->summarizer ? " · " : "",
             f->votes, f->votes == 1 ? "" : "s");
  else
    snprintf(meta, sizeof(meta), "%s%s", f->summarizer ? "Summary by " : "",
             f->summarizer ? f->summarizer : "");
  snprintf(info, sizeof(info), "%s%s%s", by, *by && *meta ? " · " : "", meta);
  if (*by)
    rc = tmpl_map_set_str(item, "byline", by);
  if (rc == SM_OK && *meta)
    rc = tmpl_map_set_str(item, "meta", meta);
  if (rc == SM_OK && *info)
    rc = tmpl_map_set_str(item, "info", info);
  return rc;
}

static enum sm_status
digest_context(struct compose *c, const struct compose_row *row,
               const struct outbox_digest *payload, struct tmpl_value *ctx,
               size_t *count, const char **titles)
{
  const struct env *env = c->env;
  struct tmpl_value *list = tmpl_map_add_list(ctx, "items");
  struct buf pre = BUF_INIT(1024);
  char req[LISTADDR_MAX], tok[TOKEN_MAX_LEN + 1], url[1024];
  char caddr[LISTADDR_MAX];
  enum sm_status rc;
  size_t shown = 0;
  int64_t last_paper = 0;

  if (!list)
    return SM_ERR_NOMEM;
  rc = listaddr_make(env->conf, LISTADDR_REQUEST, NULL, req, sizeof(req));
  for (size_t i = 0; i < payload->n && rc == SM_OK; i++) {
    const struct outbox_digest_item *it = &payload->items[i];
    int64_t id = it->id;
    struct tmpl_value *item, *kws;
    struct frag *f;
    char subj[1024], heading[1024];
    int also;

    rc = frag_get(c, id, &f);
    if (rc != SM_OK)
      break;
    if (f->missing)
      continue; /* deleted since: leave it out rather than fail */
    /* digest.c puts the summaries of one paper together. */
    also = shown > 0 && f->paper_id == last_paper;
    last_paper = f->paper_id;
    outbox_item_heading(f->title, f->summarizer, also, heading,
                        sizeof(heading));
    item = tmpl_list_add_map(list);
    kws = item ? tmpl_map_add_list(item, "keywords") : NULL;
    if (!kws)
      return SM_ERR_NOMEM;
    rc = listaddr_mint(env->conf, env->secret, LISTADDR_COMMENT,
                       row->subscriber_id, id, row->created_at, caddr,
                       sizeof(caddr));
    if (rc != SM_OK)
      break;
    snprintf(subj, sizeof(subj), "Re: %s", f->title);
    if (tmpl_map_set_str(item, "title", f->title) ||
        tmpl_map_set_str(item, "heading", heading) ||
        tmpl_map_set_bool(item, "also", also) ||
        tmpl_map_set_str(item, "link", f->link) ||
        (f->authors && tmpl_map_set_str(item, "authors", f->authors)) ||
        (f->venue && tmpl_map_set_str(item, "venue", f->venue)) ||
        (f->year && tmpl_map_set_int(item, "year", f->year)) ||
        (f->summarizer &&
         tmpl_map_set_str(item, "summarizer", f->summarizer)) ||
        item_lines(f, item) || tmpl_map_set_str(item, "body_html", f->html) ||
        tmpl_map_set_str(item, "body_text", f->text) ||
        tmpl_map_set_bool(item, "cut", f->cut) ||
        tmpl_map_set_str(item, "comment_address", caddr) ||
        set_mailto(item, "comment_mailto", caddr, subj, NULL) ||
        set_mailto(item, "follow_mailto", caddr, "follow", "follow"))
      return SM_ERR_NOMEM;
    for (size_t k = 0; k < it->nkw; k++) {
      struct tmpl_value *e = tmpl_list_add_map(kws);
      char del[512];
      if (!e)
        return SM_ERR_NOMEM;
      snprintf(del, sizeof(del), "del %s", it->kw[k]);
      if (tmpl_map_set_str(e, "keyword", it->kw[k]) ||
          set_mailto(e, "del_mailto", req, del, del))
        return SM_ERR_NOMEM;
    }
    if (shown < 2)
      titles[shown] = f->title;
    /* A title too long for the preheader's room is left out of it. */
    if (shown < 3 && !also &&
        buf_printf(&pre, "%s%s", shown ? " · " : "", f->title) == SM_ERR_NOMEM)
      rc = SM_ERR_NOMEM;
    shown++;
  }
  if (rc != SM_OK) {
    buf_free(&pre);
    return rc;
  }
  *count = shown;
  rc = listaddr_token(env->secret, TOKEN_UNSUBSCRIBE, row->subscriber_id, 0,
                      row->created_at, tok, NULL);
  if (rc == SM_OK) {
    snprintf(url, sizeof(url), "%s/u/%s", conf_public_url(env->conf), tok);
    rc = tmpl_map_set_str(ctx, "unsubscribe_url", url);
  }
  if (rc == SM_OK)
    rc = listaddr_token(env->secret, TOKEN_KEYWORDS, row->subscriber_id, 0,
                        row->created_at, tok, NULL);
  if (rc == SM_OK) {
    snprintf(url, sizeof(url), "%s/k/%s", conf_public_url(env->conf), tok);
    rc = tmpl_map_set_str(ctx, "keywords_url", url);
  }
  if (rc == SM_OK)
    rc = tmpl_map_set_str(ctx, "preheader", buf_str(&pre));
  if (rc == SM_OK)
    rc = tmpl_map_set_int(ctx, "count", (int64_t)shown);
  if (rc == SM_OK)
    rc = tmpl_map_set_bool(ctx, "count_one", shown == 1);
  if (rc == SM_OK && payload->more > 0)
    rc = tmpl_map_set_int(ctx, "more", payload->more);
  if (rc == SM_OK)
    rc = tmpl_map_set_str(ctx, "request_address", req);
  if (rc == SM_OK)
    rc = set_mailto(ctx, "help_mailto", req, "help", "help");
  buf_free(&pre);
  return rc;
}

static enum sm_status
compose_digest(struct compose *c, const struct compose_row *row,
               const struct outbox_digest *payload, struct buf *out,
               struct buf *html_out, char *err, size_t errlen)
{
  const struct env *env = c->env;
  struct tmpl_value *ctx = tmpl_new_map();
  struct buf text = BUF_INIT(COMPOSE_MAX_PART);
  struct buf html = BUF_INIT(COMPOSE_MAX_PART);
  struct mime_msg *m = &c->msg;
  char subject[1024], tail[512], issue[128];
  const char *titles[2] = {NULL, NULL};
  size_t count = 0;
  enum sm_status rc;

  if (!ctx)
    return SM_ERR_NOMEM;
  issue_label(row->issue ? row->issue : "", issue, sizeof(issue));
  if (tmpl_map_set_str(ctx, "list_name", env->conf->list.name) ||
      tmpl_map_set_str(ctx, "list_address", env->conf->list.address) ||
      tmpl_map_set_str(ctx, "site_url", env->conf->site.url) ||
      tmpl_map_set_str(ctx, "address", row->recipient) ||
      tmpl_map_set_str(ctx, "issue", issue)) {
    rc = SM_ERR_NOMEM;
    goto out;
  }
  rc = digest_context(c, row, payload, ctx, &count, titles);
  if (rc == SM_OK)
    rc = reader_keywords(c, row->subscriber_id, ctx);
  if (rc == SM_OK)
    rc = tmpl_set_render(env->tmpl, "digest.txt", ctx, TMPL_TEXT, &text, err,
                         errlen);
  if (rc == SM_OK)
    rc = tmpl_set_render(env->tmpl, "digest.html", ctx, 0, &html, err, errlen);
  if (rc != SM_OK)
    goto out;
  digest_subject(env->conf->list.name, titles[0], titles[1], count, subject,
                 sizeof(subject));
  mime_msg_reset(m);
  rc = base_headers(c, row, env->conf->list.name, env->conf->list.address,
                    subject);
  snprintf(tail, sizeof(tail), "<%s.%s>", env->conf->list.local,
           env->conf->list.domain);
  if (rc == SM_OK)
    rc = mime_add_phrase_header(m, "List-Id", env->conf->list.name, tail);
  if (rc == SM_OK)
    rc = list_headers(c, row, "NO");
  if (rc == SM_OK)
    rc = mime_add_body_text(m, MIME_PLAIN, text.data, text.len);
  if (rc == SM_OK)
    rc = mime_add_body_text(m, MIME_HTML, html.data, html.len);
  if (rc == SM_OK)
    rc = mime_render(m, out);
  if (rc == SM_OK && html_out)
    rc = buf_append(html_out, html.data, html.len);
  if (rc != SM_OK && !*err)
    snprintf(err, errlen, "<%s>: %s", row->message_id, sm_strerror(rc));
out:
  tmpl_value_free(ctx);
  buf_free(&text);
  buf_free(&html);
  return rc;
}

/* ---- replies and confirmations ------------------------------------- */

static enum sm_status
compose_reply(struct compose *c, const struct compose_row *row,
              const struct outbox_message *p, struct buf *out)
{
  struct mime_msg *m = &c->msg;
  enum sm_status rc;

  mime_msg_reset(m);
  rc = base_headers(c, row, p->from_name, p->from, p->subject);
  if (rc == SM_OK && p->reply_to)
    rc = mime_add_address(m, "Reply-To", NULL, p->reply_to);
  if (rc == SM_OK && p->in_reply_to)
    rc = mime_add_header(m, "In-Reply-To", p->in_reply_to);
  if (rc == SM_OK && p->references)
    rc = mime_add_header(m, "References", p->references);
  if (rc == SM_OK)
    rc = mime_add_header(m, "Auto-Submitted",
                         p->auto_submitted ? p->auto_submitted
                                           : "auto-replied");
  if (rc == SM_OK)
    rc = mime_add_body_flowed(m, p->text, strlen(p->text));
  if (rc == SM_OK)
    rc = mime_render(m, out);
  return rc;
}

/* ---- discussion messages (src/thread.c queues them) ----------------- *
 * The payload is the snapshot thread.c took: the comment's own
 * Message-ID (the same for every follower; the row's message_id is only
 * a unique key), In-Reply-To, References, title, link, author, text. The
 * follower's tokens come from the row, valid from its created_at: their
 * reply address (Reply-To, List-Post, and with "unfollow" the way out of
 * the thread) and the unsubscribe link for their lifetimes (listaddr.h),
 * as in digests. */

static enum sm_status
comment_context(struct compose *c, const struct compose_row *row,
                const struct outbox_comment *p, const char *caddr,
                struct tmpl_value *ctx)
{
  const struct env *env = c->env;
  char req[LISTADDR_MAX], tok[TOKEN_MAX_LEN + 1], url[1024];
  enum sm_status rc;

  rc = listaddr_make(env->conf, LISTADDR_REQUEST, NULL, req, sizeof(req));
  if (rc == SM_OK)
    rc = listaddr_token(env->secret, TOKEN_UNSUBSCRIBE, row->subscriber_id, 0,
                        row->created_at, tok, NULL);
  if (rc != SM_OK)
    return rc;
  snprintf(url, sizeof(url), "%s/u/%s", conf_public_url(env->conf), tok);
  if (tmpl_map_set_str(ctx, "list_name", env->conf->list.name) ||
      tmpl_map_set_str(ctx, "list_address", env->conf->list.address) ||
      tmpl_map_set_str(ctx, "site_url", env->conf->site.url) ||
      tmpl_map_set_str(ctx, "address", row->recipient) ||
      tmpl_map_set_str(ctx, "author", p->author) ||
      tmpl_map_set_str(ctx, "title", p->title) ||
      tmpl_map_set_str(ctx, "link", p->link) ||
      tmpl_map_set_str(ctx, "text", p->text) ||
      tmpl_map_set_str(ctx, "reply_address", caddr) ||
      tmpl_map_set_str(ctx, "unsubscribe_url", url) ||
      tmpl_map_set_str(ctx, "request_address", req))
    return SM_ERR_NOMEM;
  return SM_OK;
}

static enum sm_status
compose_comment(struct compose *c, const struct compose_row *row,
                const struct outbox_comment *p, struct buf *out, char *err,
                size_t errlen)
{
  const struct env *env = c->env;
  const char *mid = p->message_id, *irt = p->in_reply_to;
  const char *refs = p->references, *title = p->title, *author = p->author;
  int64_t summary = p->summary;
  struct mime_msg *m = &c->msg;
  struct tmpl_value *ctx = NULL;
  struct buf text = BUF_INIT(COMPOSE_MAX_PART);
  struct compose_row head = *row;
  char caddr[LISTADDR_MAX], value[2048], subject[1024], from_name[512];
  enum sm_status rc;

  rc = listaddr_mint(env->conf, env->secret, LISTADDR_COMMENT,
                     row->subscriber_id, summary, row->created_at, caddr,
                     sizeof(caddr));
  if (rc != SM_OK)
    return rc;
  ctx = tmpl_new_map();
  if (!ctx)
    return SM_ERR_NOMEM;
  rc = comment_context(c, row, p, caddr, ctx);
  if (rc == SM_OK)
    rc = tmpl_set_render(env->tmpl, "comment.txt", ctx, TMPL_TEXT, &text, err,
                         errlen);
  if (rc != SM_OK)
    goto out;
  /* Every follower's copy has the comment's own Message-ID. */
  head.message_id = mid;
  snprintf(subject, sizeof(subject), "Re: %s", title);
  snprintf(from_name, sizeof(from_name), "%s via %s", author,
           env->conf->list.name);
  mime_msg_reset(m);
  rc = base_headers(c, &head, from_name, env->conf->list.address, subject);
  if (rc == SM_OK && irt)
    rc = mime_add_header(m, "In-Reply-To", irt);
  if (rc == SM_OK && refs)
    rc = mime_add_header(m, "References", refs);
  if (rc == SM_OK)
    rc = mime_add_address(m, "Reply-To", NULL, caddr);
  if (rc == SM_OK) {
    /* RFC 2919: a list of its own per summary, under the list's. */
    snprintf(value, sizeof(value), "<s%lld.%s.%s>", (long long)summary,
             env->conf->list.local, env->conf->list.domain);
    rc = mime_add_phrase_header(m, "List-Id", title, value);
  }
  if (rc == SM_OK) {
    /* Unlike a digest, a discussion takes posts: at the reader's own
     * address, which is what a "reply to list" command uses. */
    snprintf(value, sizeof(value), "<mailto:%s>", caddr);
    rc = list_headers(c, row, value);
  }
  if (rc == SM_OK)
    rc = mime_add_body_flowed(m, text.data, text.len);
  if (rc == SM_OK)
    rc = mime_render(m, out);
out:
  tmpl_value_free(ctx);
  buf_free(&text);
  return rc;
}

enum sm_status
compose_message(struct compose *c, const struct compose_row *row,
                struct buf *out, struct buf *html, char *err, size_t errlen)
{
  int kind = outbox_kind_parse(row->kind);
  struct outbox_digest d = {0};
  struct outbox_message msg = {0};
  struct outbox_comment com = {0};
  char perr[SM_ERRLEN] = "unknown kind";
  enum sm_status rc = SM_ERR_DATA, prc = SM_ERR_DATA;

  *err = '\0';
  switch ((enum outbox_kind)kind) {
  case OUTBOX_DIGEST:
    prc = outbox_digest_parse(row->payload, &d, perr, sizeof(perr));
    if (prc == SM_OK)
      rc = compose_digest(c, row, &d, out, html, err, errlen);
    break;
  case OUTBOX_REPLY:
  case OUTBOX_CONFIRM:
  case OUTBOX_NOTICE:
    prc = outbox_message_parse(row->payload, &msg, perr, sizeof(perr));
    if (prc == SM_OK)
      rc = compose_reply(c, row, &msg, out);
    break;
  case OUTBOX_COMMENT:
    prc = outbox_comment_parse(row->payload, &com, perr, sizeof(perr));
    if (prc == SM_OK)
      rc = compose_comment(c, row, &com, out, err, errlen);
    break;
  }
  if (prc != SM_OK) {
    rc = prc;
    snprintf(err, errlen, "<%s>: bad payload: %s", row->message_id, perr);
  }
  if (rc == SM_OK && c->env->signer)
    rc = signer_sign(c->env->signer, out, row->created_at, err, errlen);
  if (rc != SM_OK && !*err)
    snprintf(err, errlen, "<%s>: cannot compose a %s: %s", row->message_id,
             row->kind, sm_strerror(rc));
  outbox_digest_free(&d);
  outbox_message_free(&msg);
  outbox_comment_free(&com);
  return rc;
}
