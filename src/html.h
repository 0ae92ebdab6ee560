/* html.h: HTML mail bodies as plain text (libxml2's HTML parser), for
 * reading commands and comments out of HTML-only mail. No network, no
 * scripts: only the text a reader saw, with paragraphs, line breaks,
 * list items and quotes ("> ") kept as lines. */
#ifndef SM_HTML_H
#define SM_HTML_H

#include <stddef.h>

#include "buf.h"
#include "status.h"

/* Appends the text of the HTML document (len bytes, UTF-8) to out. */
enum sm_status html_to_text(const char *html, size_t len, struct buf *out);

#endif
