/* render.h: a summary's markdown as an HTML fragment and as plain text,
 * with its LaTeX math shown as Unicode. The only module that uses cmark.
 *
 * Both renderings take the same markdown (CommonMark, as the site writes
 * it, with $…$, $$…$$, \(…\) and \[…\] math) and produce output meant to
 * be embedded in one digest email:
 *
 * HTML: a fragment with no classes except on math, safe to embed. Raw
 * HTML in the markdown is omitted (an inline <br> becomes a line break);
 * links and images keep only http, https, mailto, ftp and tel URLs, and
 * images also data:image/png|gif|jpeg|webp; any other link is replaced
 * by its text, any other image by its alt text. Relative URLs are made
 * absolute against base_url. Images without alt text get alt="image";
 * images without a source are dropped. Fenced code info strings are
 * dropped (they would become classes). Inline math becomes
 * <span class="math" title="TEX">UNICODE</span>; display math the same
 * with class "math display", centred: a paragraph holding only display
 * math becomes <p style="text-align:center">, elsewhere the span itself
 * is a centred block.
 *
 * Text: meant to be read at `width` columns (display columns: CJK counts
 * two, combining marks zero). Paragraphs are word-wrapped (CJK text may
 * break between ideographs); headings are their text underlined with "="
 * (level 1) or "-" (levels 2-6) of the same width; lists are "  * item"
 * and "  1. item" with a hanging indent, nested lists under their item's
 * text; block quotes "> "; code blocks indented 4 spaces and never
 * wrapped; code spans `x`; emphasis *x* and strong **x**; links "text [1]" and
 * images "[image: alt] [2]" with the URLs listed at the end as
 * "[1] https://…" (the same URL gets the same number; a link whose text
 * is its URL, such as an autolink, is shown as the URL alone; data:
 * images get no reference); thematic breaks a line of dashes; inline
 * math as Unicode, display math on its own line indented 4 spaces. No
 * line has trailing spaces; every line ends in "\n". A line is wider
 * than `width` only for a code line or a single word that does not fit
 * (a long URL), which is never split. Nesting deeper than half the width
 * stops indenting further.
 *
 * Math that cannot be converted completely (an unknown command, an
 * environment) is shown as its original TeX with its delimiters, never
 * half-converted. Dollars that look like prices are not math: an opening
 * $ must not be followed by a space, a closing $ must not follow a space
 * nor be followed by a digit. \[…\] counts only when \[ starts its line
 * and \] ends it ("\[1\]" is an escaped citation, not math). Math is not
 * looked for in code spans, code blocks and autolinks, and a formula
 * does not run on past a backtick, a blank line or a line that starts a
 * new block (heading, quote, list item, fence).
 *
 * Excerpts (max_words > 0): a summary of more than max_words words
 * (runs of visible text between spaces; a formula, a code span, a link
 * or an image is one unit, kept or dropped whole, and so is a heading or
 * a code block; every block after the first, such as a paragraph or a
 * list item, counts 5 words more for the line it starts) is cut to an
 * excerpt: after the last sentence (a word
 * ending in . ! or ?, not an abbreviation or an initial) or the last
 * paragraph or list item that ends in the last third before the limit;
 * when none does, after the last word within it, followed by " …". An
 * excerpt never ends with a heading. Markup that lost its line end
 * (pasted text: "... data. #### What is DRAW: ...", "Advantages: * a
 * * b") can only show as literal characters, so an excerpt ends before
 * it: before a word of one to six '#', or before a lone * - + after a
 * word ending in . ! ? or : (then before the sentence that ends in the
 * colon, when a sentence ends earlier). Both renderings cut at the same
 * place. When cut and more_url is set, a last paragraph links to it:
 * HTML <p><a href="MORE">Read the full summary</a></p>, text "Read the
 * full summary: MORE" (before the reference list).
 *
 * Headings: a heading of more than 12 words is a heading line that
 * swallowed its paragraph (pasted text, feeds that lose line ends). What
 * comes before a colon within its first 7 words stays the heading and
 * the rest becomes a paragraph (without the bullet of a list item that
 * lost its line end, "### What is BN: * Batch ..."); without such a
 * colon it is a paragraph.
 *
 * Citations: the site's summaries cite its other papers as \cite{KEY}
 * (also \cite{KEY1,KEY2}); each key becomes a link to the paper's page,
 * BASE/paper?bibtexKey=KEY (the key percent-encoded where needed; BASE
 * is base_url), named by cite_title's answer or else the key, in both
 * renderings ("Title [1]" in text). Not in code, math or autolinks.
 *
 * The site's feed has every URL removed: [text]() renders as its text,
 * ![alt]() as nothing (links and images without a source above).
 *
 * An empty (or all-white-space) summary renders as nothing (no bytes). */
#ifndef SM_RENDER_H
#define SM_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

/* The largest markdown accepted (a summary is a few KB). */
#define RENDER_MAX_INPUT (4u * 1024 * 1024)
#define RENDER_DEFAULT_WIDTH 72
/* Narrower widths are raised to this: a line of text needs some room. */
#define RENDER_MIN_WIDTH 20

struct render_opts {
  const char *base_url; /* site URL for making links absolute; NULL leaves
                           relative links relative */
  size_t width;         /* text wrap in display columns; 0 means 72 */
  size_t max_words;     /* cut long summaries to an excerpt of at most this
                           many words; 0 = no cut */
  const char *more_url; /* link for "Read the full summary" when cut; NULL
                           cuts without a link */
  int excerpt;          /* the markdown is already an excerpt (the site's
                           cut of the text): rendered as if cut here */
  /* \cite{KEY}: the title of the site's paper with that BibTeX key, or
   * NULL when unknown (the key is shown). The string must stay valid
   * until the next call. NULL: every citation shows its key. */
  const char *(*cite_title)(void *ctx, const char *key);
  void *cite_ctx;
};

/* Appends the HTML fragment for `markdown` (len bytes, any bytes: invalid
 * UTF-8 becomes U+FFFD, control characters are dropped) to `out`. `o` may
 * be NULL (defaults). *was_cut (may be NULL) is set to 1 when the summary
 * was cut, else 0. SM_ERR_LIMIT when the input exceeds RENDER_MAX_INPUT
 * or the output would exceed out->max; SM_ERR_NOMEM. On error `out` may
 * hold part of the output: the caller discards it. Nothing returned is
 * owned by anyone but `out`. Thread-safe. */
enum sm_status render_html(const char *markdown, size_t len,
                           const struct render_opts *o, struct buf *out,
                           int *was_cut);

/* Appends the plain-text rendering (see above) to `out`; same arguments,
 * errors and ownership as render_html. */
enum sm_status render_text(const char *markdown, size_t len,
                           const struct render_opts *o, struct buf *out,
                           int *was_cut);

/* Appends the Unicode form of the TeX math `tex` (len bytes, without its
 * $ delimiters) to `out`, e.g. "10^{-4}" -> "10⁻⁴", "\frac{a+b}{2}" ->
 * "(a+b)/2", "x_{i,j}" -> "x_(i,j)" (a script with a character that has
 * no Unicode sub/superscript form keeps a readable ^(…) / _(…)). White
 * space is collapsed to single spaces and trimmed. When something cannot
 * be converted, *complete (may be NULL) is set to 0 and the original `tex`
 * is appended unchanged instead; else 1. SM_ERR_LIMIT when out->max is
 * reached, SM_ERR_NOMEM. The output belongs to `out`. */
enum sm_status render_math(const char *tex, size_t len, struct buf *out,
                           int *complete);

/* Display columns of UTF-8 text on a terminal or in a monospaced mail
 * reader: East Asian wide and fullwidth characters count 2, combining
 * marks, zero-width characters and control characters 0, others 1. An
 * invalid byte counts 1. Uses its own tables (Unicode 14), never the
 * locale. */
size_t render_text_width(const char *utf8, size_t len);

/* Word-wraps UTF-8 text to `width` display columns (0 means 72) and
 * appends it to `out`: the first line starts with `first_prefix`, the
 * others with `prefix` (either may be NULL for none; their width counts).
 * Spaces, tabs and newlines are break points and collapse to one space;
 * CJK text may also break between ideographs. A word wider than the room
 * left (a long URL) goes whole on its own line: words are never split,
 * not even at a UTF-8 boundary. Each line ends in "\n", without trailing
 * spaces; empty or all-space text appends nothing. Control characters
 * are dropped; the text should be valid UTF-8 (stored summaries are):
 * an invalid byte is passed through and counts one column. The output belongs
 * to `out`; SM_ERR_LIMIT when out->max is reached. */
enum sm_status render_wrap(const char *utf8, size_t len, size_t width,
                           const char *first_prefix, const char *prefix,
                           struct buf *out);

#endif
