/* inject.h: puts one snippet (the live-reload script tag of --watch) into
 * an HTML page: before the first </body> that is markup (not inside a
 * comment, a script, a style, a title or a textarea), else before the first
 * such </head>, else at the end.  Pure: bytes in, bytes out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where @snippet goes in the @len bytes of @html: the offset of the '<' of
 * the first </body> (ASCII case-insensitive, followed by '>', '/', white
 * space or the end) outside comments and raw-text elements, else of the
 * first such </head>, else @len.  FALSE when the page cannot take an ASCII
 * snippet: it starts with a UTF-16 or UTF-32 byte order mark. */
gboolean ds_inject_position (const char *html, gsize len, gsize *out_pos);

/* A new buffer: @html with @snippet inserted at ds_inject_position.
 * Returns it (caller frees; NUL-terminated, the NUL not counted) and its
 * length in @out_len, or NULL when ds_inject_position says no. */
char *ds_inject_snippet (const char *html, gsize len, const char *snippet, gsize *out_len);

G_END_DECLS
