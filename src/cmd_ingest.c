/* cmd_ingest.c: `shortmail ingest`: fetch the site's feed, parse it, and
 * store its summaries in one transaction. The network I/O happens before
 * the transaction begins, so a slow server never holds the store's write
 * lock; a feed that does not parse commits nothing, not even its
 * validators, so the next run fetches it again. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "arxiv.h"
#include "cmd.h"
#include "feed.h"
#include "log.h"
#include "progress.h"
#include "store.h"
#include "util.h"

static const char ingest_usage[] =
    "usage: shortmail ingest [-n] [URL]\n"
    "\n"
    "Fetch the site's RSS or Atom feed and store its summaries. URL is an\n"
    "http, https or file URL; the default is [feed] url in the\n"
    "configuration. A conditional GET (ETag, Last-Modified) makes an\n"
    "unchanged feed cost one request; [feed] timeout, connect_timeout,\n"
    "max_size, max_redirects and retries bound the fetch.\n"
    "\n"
    "  -n, --dry-run  fetch and parse, report what the feed holds, and\n"
    "                 write nothing (the store is not opened)\n"
    "  -h, --help     this help\n"
    "\n"
    "Exit status: 0 on success or when the feed is not modified; 65 for a\n"
    "malformed feed; 75 for a transient failure (network, server error,\n"
    "busy store), worth retrying later. See shortmail(1), INGEST, and\n"
    "doc/feed-format.md for how feed elements map to summaries.\n";

static void
ingest_warn(void *ctx, const char *msg)
{
  (void)ctx;
  log_warning("%s", msg);
}

static void
dry_run_report(const char *url, const struct feed_parsed *p)
{
  for (size_t i = 0; i < p->nitems; i++) {
    const struct model_summary *s = &p->items[i];
    printf("%zu\t%s\t%s\n", i + 1, s->guid ? s->guid : s->link, s->title);
  }
  printf("ingest: %s: %zu items, %zu skipped (dry run: nothing written)\n",
         url, p->nitems + p->nskipped, p->nskipped);
}

/* The page cache while storing a feed: 64 MiB, used only as a large
 * feed fills it. */
#define INGEST_CACHE_KIB 65536L

/* Stores every item and the new validators in one transaction. */
static enum sm_status
ingest_store(struct store *st, const char *url,
             const struct feed_response *resp, const struct feed_parsed *p)
{
  size_t counts[STORE_UNCHANGED + 1] = {0};
  int64_t now = util_now();
  struct progress pr;
  enum sm_status rc;

  /* The whole feed is one transaction: with SQLite's 2 MB of cache, a
   * large one spilled its dirty pages to the WAL and read them back
   * (a third of a 100,000-item ingest in system time). */
  rc = store_cache_size(st, INGEST_CACHE_KIB);
  if (rc == SM_OK)
    rc = store_begin(st);
  if (rc != SM_OK) {
    log_error("%s: %s", url, store_errmsg(st));
    return rc;
  }
  progress_start(&pr, "ingest", "items", p->nitems, cmd_interactive());
  for (size_t i = 0; i < p->nitems; i++) {
    enum store_upsert_result res;
    int64_t id;

    rc = store_summary_upsert(st, &p->items[i], now, &res, &id);
    if (rc != SM_OK) {
      log_error("%s: item %s: %s", url,
                p->items[i].guid ? p->items[i].guid : p->items[i].link,
                store_errmsg(st));
      goto fail;
    }
    counts[res]++;
    progress_update(&pr, i + 1);
    log_debug("%s: %s: %s",
              res == STORE_INSERTED  ? "new"
              : res == STORE_UPDATED ? "updated"
              : res == STORE_RENEWED ? "renewed"
                                     : "unchanged",
              p->items[i].guid ? p->items[i].guid : p->items[i].link,
              p->items[i].title);
  }
  progress_end(&pr);
  rc = store_feed_set(st, url, resp->http.etag, resp->http.last_modified, now);
  if (rc != SM_OK) {
    log_error("%s: %s", url, store_errmsg(st));
    goto fail;
  }
  rc = store_commit(st);
  if (rc != SM_OK) {
    log_error("%s: %s", url, store_errmsg(st));
    goto fail;
  }
  /* A renewed summary is an update that counts as new again for
   * digests; it is counted with the updates and named apart. */
  if (counts[STORE_RENEWED])
    printf("ingest: %s: %zu items, %zu new, %zu updated (%zu renewed), %zu "
           "unchanged, %zu skipped\n",
           url, p->nitems + p->nskipped, counts[STORE_INSERTED],
           counts[STORE_UPDATED] + counts[STORE_RENEWED],
           counts[STORE_RENEWED], counts[STORE_UNCHANGED], p->nskipped);
  else
    printf("ingest: %s: %zu items, %zu new, %zu updated, %zu unchanged, %zu "
           "skipped\n",
           url, p->nitems + p->nskipped, counts[STORE_INSERTED],
           counts[STORE_UPDATED], counts[STORE_UNCHANGED], p->nskipped);
  return SM_OK;

fail:
  store_rollback(st);
  return rc;
}

/* Keywords from arXiv for the papers that have none ([arxiv]): after the
 * feed is stored, or found unchanged, so that a failed request is made
 * again by the next run whatever the feed does. Failures of arXiv are
 * warnings; only the store's are errors. */
static enum sm_status
ingest_arxiv(struct cmd_ctx *ctx, struct store *st)
{
  struct arxiv_opts o;
  struct arxiv_stats s;
  enum sm_status rc;

  memset(&o, 0, sizeof(o));
  o.api_url = ctx->conf.arxiv.api_url;
  o.interval_ms = ctx->conf.arxiv.interval_ms;
  o.timeout = ctx->conf.arxiv.timeout;
  o.site = ctx->conf.site.url;
  o.warn = ingest_warn;
  rc = arxiv_update(st, &o, &s);
  if (rc != SM_OK) {
    log_error("arXiv categories: %s", store_errmsg(st));
    return rc;
  }
  if (s.requests || s.unknown)
    printf("ingest: arXiv: %zu request%s, %zu ids answered, %zu papers took "
           "their categories, %zu ids unknown, %zu request%s failed\n",
           s.requests, s.requests == 1 ? "" : "s", s.asked, s.papers,
           s.unknown, s.failed, s.failed == 1 ? "" : "s");
  return SM_OK;
}

static int
cmd_ingest(struct cmd_ctx *ctx, int argc, char **argv)
{
  static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct feed_fetch_opts fo;
  struct feed_parse_opts po;
  struct feed_response resp;
  struct feed_parsed parsed;
  struct store *st = NULL;
  char *etag = NULL, *last_modified = NULL;
  char err[SM_ERRLEN];
  const char *url;
  enum sm_status rc = SM_OK;
  int c, dry_run = 0;

  memset(&resp, 0, sizeof(resp));
  memset(&po, 0, sizeof(po));
  memset(&parsed, 0, sizeof(parsed));
  opterr = 0; /* one message, ours, naming the command */
  while ((c = getopt_long(argc, argv, "+nh", opts, NULL)) != -1) {
    switch (c) {
    case 'n':
      dry_run = 1;
      break;
    case 'h':
      fputs(ingest_usage, stdout);
      return EX_OK;
    default:
      return cmd_usage_error(ctx, "unknown option %s", argv[optind - 1]);
    }
  }
  if (argc - optind > 1)
    return cmd_usage_error(ctx, "too many arguments");
  url = optind < argc ? argv[optind] : ctx->conf.feed.url;
  if (!url || !*url)
    return cmd_usage_error(ctx, "no URL given and no [feed] url configured");

  if (!dry_run) {
    rc = cmd_store_open(ctx, 0, &st);
    if (rc != SM_OK)
      goto done;
    rc = store_feed_get(st, url, &etag, &last_modified);
    if (rc != SM_OK) {
      log_error("%s: %s", url, store_errmsg(st));
      goto done;
    }
  }

  memset(&fo, 0, sizeof(fo));
  fo.timeout = ctx->conf.feed.timeout;
  fo.connect_timeout = ctx->conf.feed.connect_timeout;
  fo.max_size = ctx->conf.feed.max_size;
  fo.max_redirects = ctx->conf.feed.max_redirects;
  fo.retries = ctx->conf.feed.retries;
  fo.etag = etag;
  fo.last_modified = last_modified;
  fo.site = ctx->conf.site.url;
  rc = feed_fetch(url, &fo, &resp, err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    goto done;
  }
  if (resp.not_modified) {
    log_info("%s: not modified (304)", url);
    goto arxiv;
  }
  log_debug("%s: %zu bytes, %s, from %s", url, resp.http.body.len,
            resp.http.content_type ? resp.http.content_type
                                   : "no content type",
            resp.http.effective_url);

  po.base = url;
  po.site_url = ctx->conf.site.url;
  po.warn = ingest_warn;
  rc = feed_parse(buf_str(&resp.http.body), resp.http.body.len, &po, &parsed,
                  err, sizeof(err));
  if (rc != SM_OK) {
    log_error("%s", err);
    goto done;
  }
  if (dry_run) {
    dry_run_report(url, &parsed);
    goto done;
  }
  rc = ingest_store(st, url, &resp, &parsed);
arxiv:
  if (rc == SM_OK && st && ctx->conf.arxiv.enabled)
    rc = ingest_arxiv(ctx, st);

done:
  feed_parsed_free(&parsed);
  feed_response_free(&resp);
  free(etag);
  free(last_modified);
  if (st)
    store_close(st);
  return sm_exit_code(rc);
}

const struct cmd_def cmd_ingest_def = {
    "ingest", cmd_ingest, "fetch the site's feed and store its summaries",
    ingest_usage, 0};
