/* html.h: HTML mail bodies as plain text (libxml2's HTML parser), for
 * reading commands and comments out of HTML-only mail. No network, no
 * scripts: only the text a reader saw, with paragraphs, line breaks,
 * list items and quotes ("> ") kept as lines. */
#ifndef SM_HTML_H
#define SM_HTML_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

/* Appends the text of the HTML document (len bytes, UTF-8) to out.
 * Paragraphs (<p>) are followed by a blank line, except Word's (Outlook's
 * class="MsoNormal" ones, one per line); a block holding only &nbsp; is a
 * blank line. Bytes that are not UTF-8 become U+FFFD, so the text is
 * always valid UTF-8. */
enum sm_status html_to_text(const char *html, size_t len, struct buf *out);

#endif
