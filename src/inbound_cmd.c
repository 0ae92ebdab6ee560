/* inbound_cmd.c: reading command lines. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "inbound_cmd.h"
#include "match.h"

static const struct {
  const char *word;
  enum inbound_verb verb;
  int args; /* 1 when the verb takes arguments, 0 when it must be alone */
} verbs[] = {
    {"subscribe", VERB_SUBSCRIBE, 1},
    {"sub", VERB_SUBSCRIBE, 1},
    {"join", VERB_SUBSCRIBE, 1},
    {"add", VERB_ADD, 1},
    {"del", VERB_DEL, 1},
    {"delete", VERB_DEL, 1},
    {"remove", VERB_DEL, 1},
    {"keywords", VERB_KEYWORDS, 0},
    {"list", VERB_KEYWORDS, 0},
    {"weekly", VERB_WEEKLY, 0},
    {"daily", VERB_DAILY, 0},
    {"pause", VERB_PAUSE, 0},
    {"resume", VERB_RESUME, 0},
    {"unsubscribe", VERB_UNSUBSCRIBE, 0},
    {"unsub", VERB_UNSUBSCRIBE, 0},
    {"leave", VERB_UNSUBSCRIBE, 0},
    {"help", VERB_HELP, 0},
    {"follow", VERB_FOLLOW, 0},
    {"unfollow", VERB_UNFOLLOW, 0},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

const char *
inbound_verb_name(enum inbound_verb v)
{
  for (size_t i = 0; i < NVERBS; i++)
    if (verbs[i].verb == v)
      return verbs[i].word;
  return "?";
}

int
inbound_verb_takes_keywords(enum inbound_verb v)
{
  return v == VERB_SUBSCRIBE || v == VERB_ADD || v == VERB_DEL;
}

enum line_kind { LINE_BLANK, LINE_COMMAND, LINE_STOP };

/* Classifies one trimmed line; on LINE_COMMAND fills verb and args. */
static enum line_kind
classify(const char *s, enum inbound_verb *verb, const char **args)
{
  size_t wl;

  if (*s == '\0')
    return LINE_BLANK;
  wl = strcspn(s, " \t");
  /* "end" (and a majordomo-style "stop") ends the commands. */
  if ((wl == 3 && !strncasecmp(s, "end", 3)) ||
      (wl == 4 && !strncasecmp(s, "stop", 4)))
    return LINE_STOP;
  for (size_t i = 0; i < NVERBS; i++) {
    if (strlen(verbs[i].word) != wl || strncasecmp(s, verbs[i].word, wl))
      continue;
    *args = s + wl;
    while (**args == ' ' || **args == '\t')
      (*args)++;
    /* "help me please" or "list of papers" is prose, not a command. */
    if (!verbs[i].args && **args)
      return LINE_STOP;
    /* "add" with nothing after it is a command with a missing argument:
     * the reply says so. */
    *verb = verbs[i].verb;
    return LINE_COMMAND;
  }
  return LINE_STOP;
}

static char *
trimmed_copy(const char *s, size_t n)
{
  while (n && (*s == ' ' || *s == '\t')) {
    s++;
    n--;
  }
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    n--;
  return strndup(s, n);
}

static enum sm_status
push(struct inbound_cmds *out, enum inbound_verb verb, const char *line,
     const char *args, unsigned lineno)
{
  struct inbound_cmd *c;

  if (out->n >= INBOUND_MAX_COMMANDS) {
    out->dropped++;
    return SM_OK;
  }
  if (!out->cmds) {
    out->cmds = calloc(INBOUND_MAX_COMMANDS, sizeof(*out->cmds));
    if (!out->cmds)
      return SM_ERR_NOMEM;
  }
  c = &out->cmds[out->n];
  c->verb = verb;
  c->lineno = lineno;
  c->line = strdup(line);
  c->args = strdup(args);
  if (!c->line || !c->args) {
    free(c->line);
    free(c->args);
    return SM_ERR_NOMEM;
  }
  out->n++;
  return SM_OK;
}

/* The Subject without reply and forward prefixes. */
static const char *
strip_subject(const char *s)
{
  for (;;) {
    while (*s == ' ' || *s == '\t')
      s++;
    if (!strncasecmp(s, "re:", 3))
      s += 3;
    else if (!strncasecmp(s, "fwd:", 4))
      s += 4;
    else if (!strncasecmp(s, "fw:", 3))
      s += 3;
    else if (!strncasecmp(s, "aw:", 3)) /* German clients */
      s += 3;
    else
      return s;
  }
}

/* How many of the words of s are stop words ("to the digest please");
 * *words is set to the number of words. */
static size_t
stop_words(const char *s, size_t *words)
{
  size_t stop = 0;

  *words = 0;
  while (*s) {
    size_t n;
    while (*s == ' ' || *s == '\t')
      s++;
    n = strcspn(s, " \t");
    if (n) {
      (*words)++;
      stop += (size_t)match_stop_word(s, n);
    }
    s += n;
  }
  return stop;
}

/* The command a Subject holds, if it holds one. A Subject is often a
 * polite sentence around a command: "Subscribe to the digest please" is
 * "subscribe" (with no keywords: "to", "the" and "please" are none),
 * "unsubscribe me" is "unsubscribe"; "help with my account" is no
 * command. */
static enum sm_status
subject_command(const char *subject, struct inbound_cmds *out)
{
  const char *stripped = strip_subject(subject);
  char *s = trimmed_copy(stripped, strlen(stripped));
  enum inbound_verb verb = VERB_HELP;
  const char *args = "";
  enum sm_status rc = SM_OK;
  size_t wl, words;

  if (!s)
    return SM_ERR_NOMEM;
  if (strlen(s) > INBOUND_MAX_LINE)
    goto out;
  if (classify(s, &verb, &args) == LINE_COMMAND) {
    /* Keywords in prose: the verb alone. */
    if (*args && stop_words(args, &words) > 0) {
      s[strcspn(s, " \t")] = '\0';
      args = "";
    }
    rc = push(out, verb, s, args, 0);
    goto out;
  }
  /* A verb that takes no arguments, followed by politeness only. */
  wl = strcspn(s, " \t");
  if (s[wl] && stop_words(s + wl, &words) == words) {
    s[wl] = '\0';
    if (classify(s, &verb, &args) == LINE_COMMAND)
      rc = push(out, verb, s, "", 0);
  }
out:
  free(s);
  return rc;
}

/* Whether two commands do the same: the same verb and arguments (any
 * case, any spacing between words). */
static int
same_command(const struct inbound_cmd *a, enum inbound_verb verb,
             const char *args)
{
  const char *p = a->args, *q = args;

  if (a->verb != verb)
    return 0;
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    while (*q == ' ' || *q == '\t')
      q++;
    if (!*p || !*q)
      return !*p && !*q;
    while (*p && *q && *p != ' ' && *p != '\t' && *q != ' ' && *q != '\t' &&
           ascii_tolower((unsigned char)*p) ==
               ascii_tolower((unsigned char)*q)) {
      p++;
      q++;
    }
    if ((*p && *p != ' ' && *p != '\t') || (*q && *q != ' ' && *q != '\t'))
      return 0;
  }
}

enum sm_status
inbound_cmd_parse(const char *subject, const char *body,
                  struct inbound_cmds *out)
{
  enum inbound_verb verb;
  const char *args;
  unsigned lineno = 0;
  enum sm_status rc = SM_OK;

  memset(out, 0, sizeof(*out));
  if (subject && (rc = subject_command(subject, out)) != SM_OK)
    return rc;
  for (const char *p = body ? body : ""; *p && rc == SM_OK;) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *line;
    enum line_kind k;

    lineno++;
    /* A signature separator is "-- " exactly; quoted text starts '>'. */
    if ((n >= 3 && !strncmp(p, "-- ", 3) && (n == 3 || p[3] == '\r')) ||
        (n == 2 && !strncmp(p, "--", 2)) || *p == '>')
      break;
    if (n > INBOUND_MAX_LINE)
      break;
    line = trimmed_copy(p, n);
    if (!line)
      return SM_ERR_NOMEM;
    k = classify(line, &verb, &args);
    /* The same command in the Subject and the body runs once. */
    if (k == LINE_COMMAND && out->n && out->cmds[0].lineno == 0 &&
        same_command(&out->cmds[0], verb, args))
      k = LINE_BLANK;
    if (k == LINE_COMMAND)
      rc = push(out, verb, line, args, lineno);
    free(line);
    if (k == LINE_STOP)
      break;
    p = e ? e + 1 : p + n;
  }
  if (rc != SM_OK)
    inbound_cmds_free(out);
  return rc;
}

void
inbound_cmds_free(struct inbound_cmds *c)
{
  for (size_t i = 0; i < c->n; i++) {
    free(c->cmds[i].line);
    free(c->cmds[i].args);
  }
  free(c->cmds);
  memset(c, 0, sizeof(*c));
}
