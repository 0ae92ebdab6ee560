/* reply.h: the comment in a reader's reply. A reply mail carries the
 * reader's words and a lot besides: the quoted digest or discussion mail,
 * the line that introduces the quote ("On ... wrote:", "Le ... a écrit :",
 * "Am ... schrieb ...:", "W dniu ... pisze:", "2026-11-23 10:00 GMT+03:00
 * Ann <a@b>:", "...写道："), Outlook's header block
 * ("From:/Sent:/To:/Subject:" and its translations), "-----Original
 * Message-----" and its translations, a signature, an app's footer ("Sent
 * from my iPhone", "Отправлено с iPhone", "Get Outlook for Android") and
 * our own footer. This module keeps the words. What it knows of each
 * language is in tables of phrases (reply.c), not in code per program.
 *
 * Pure text in, text out: UTF-8 only, no HTML is interpreted (an HTML
 * reply goes through html_to_text() first), so a comment holding
 * "<script>" keeps it as literal text and whoever renders the comment
 * escapes it. */
#ifndef SM_REPLY_H
#define SM_REPLY_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

/* Largest text reply_extract() and reply_quoted_heading() accept. */
#define REPLY_MAX_INPUT (4u * 1024 * 1024)

struct reply_info {
  int was_empty;         /* nothing was left: the reply must be refused */
  int had_quote;         /* the reply quoted or cited an earlier mail */
  size_t inline_answers; /* answer blocks interleaved with quotes */
};

/* Appends the comment in `text` (a NUL-terminated, UTF-8 mail body) to
 * out, and describes what was found in *info (may be NULL).
 *
 * Removed: quoted lines ("> ..."), the lines that introduce a quote, an
 * Outlook header block or "-----Original Message-----" line and all that
 * follows it, a signature (from "-- " or "--" up to the next quoted
 * line), one-line phone and Outlook signatures ("Sent from my iPhone",
 * "Envoyé de mon iPhone", "Von meinem iPhone gesendet", "Get Outlook for
 * iOS"), and our own footer: an unquoted line containing footer_marker
 * (NULL or "" for none) up to the next quoted line, with the rule just
 * above it.
 *
 * Answers written between quotes (inline answers) are kept in order, each
 * after the last lines (at most 3) of the quoted paragraph it answers,
 * written as they came (">>> x" stays so) and followed by a blank line. A
 * reply that quotes first and answers once below the whole quote (bottom
 * posting) is a plain comment.
 *
 * The result ends each line with "\n", has no trailing white space, no
 * blank line first or last and never more than two blank lines in a row;
 * nothing is appended when the reply is empty (info->was_empty set, still
 * SM_OK: the caller answers with a hint). SM_ERR_DATA when text is not
 * valid UTF-8, SM_ERR_LIMIT when it is longer than REPLY_MAX_INPUT or the
 * comment does not fit in out->max, SM_ERR_NOMEM. On error out may hold
 * part of the comment. */
enum sm_status reply_extract(const char *text, const char *footer_marker,
                             struct buf *out, struct reply_info *info);

/* reply_extract() for a reply to a message of ours (a digest, a
 * discussion message): every quoted line is our own text, or text we
 * sent on, so none of it is comment text. Inline answers are written
 * one after the other, a blank line between them, without the quoted
 * lines they answer. */
enum sm_status reply_extract_ours(const char *text, const char *footer_marker,
                                  struct buf *out, struct reply_info *info);

/* For a reply to a whole digest rather than to one item: whether the
 * reader answered under the quoted heading of one item. titles[0..n-1]
 * are the digest's item titles (NULL or "" entries never match); a quoted
 * line holding a title (white space and ASCII case do not matter; the
 * longest title wins) starts that item, a quoted rule ("=====") or a
 * quoted line holding footer_marker ends it. SM_OK and *which set when
 * every answer in the reply sits under the same item; SM_ERR_NOTFOUND
 * when there is no answer, an answer outside any item (a top-posted reply)
 * or answers under several items: the caller then explains how to comment
 * on one item. SM_ERR_DATA, SM_ERR_LIMIT, SM_ERR_NOMEM as above. */
enum sm_status reply_quoted_heading(const char *text,
                                    const char *footer_marker,
                                    const char *const *titles, size_t n,
                                    size_t *which);

#endif
