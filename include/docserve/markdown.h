/* markdown.h: Markdown rendered to HTML for browsers (md4c), and the
 * bounded reading of a source file (plain or gzip) it is rendered from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Part of every rendered page's ETag: bump it when the output for the same
 * source changes (renderer flags, the page around the fragment, the link
 * filter). */
#define DS_MARKDOWN_RENDER_VERSION "md1"

/* Sources larger than this (after gzip decoding) are not rendered: the file
 * is served raw instead. */
#define DS_MARKDOWN_MAX_SOURCE ((gsize) 4 * 1024 * 1024)

/* A README shown under a listing is read up to this many bytes; a longer
 * one is cut there (and says so). */
#define DS_MARKDOWN_MAX_README ((gsize) 256 * 1024)

/* Whether @name ends in ".md" or ".markdown" (ASCII case-insensitive). */
gboolean ds_markdown_is_name (const char *name);

/* Renders the Markdown @src (@len bytes: any bytes, invalid UTF-8 and NUL
 * become U+FFFD) as an HTML fragment in the GitHub dialect (tables,
 * strikethrough, autolinks, task lists).  Raw HTML in the source is shown
 * as text, never passed through; a link or image whose target has a scheme
 * other than http, https, ftp, mailto, tel, irc or news (javascript:,
 * data:, vbscript:, ...) loses its target (the text stays).  Relative
 * targets are kept.  Returns the fragment (caller frees; its length in
 * @out_len), or NULL when the output would be larger than @max_out bytes. */
char *ds_markdown_render (const char *src, gsize len, gsize max_out, gsize *out_len);

/* Whether @query (raw, without '?', or NULL) holds a parameter named "raw"
 * ("raw", "raw=1", "a=b&raw"). */
gboolean ds_markdown_query_wants_raw (const char *query);

/* Whether a client sending @accept (NULL: absent) prefers text/html to
 * text/markdown: browsers do; "* / *", an absent field and a tie do not. */
gboolean ds_markdown_accept_wants_html (const char *accept);

/* The whole page for a rendered file: the shared shell (page.c) with
 * breadcrumbs for @shown (the decoded URL path, "/a/README.md"), a link
 * to the raw file (@name + "?raw", @name being the last segment of the
 * URL), and @fragment (from ds_markdown_render).  Caller frees. */
GBytes *ds_markdown_page (const char *shown, const char *name, const char *fragment,
                          gsize fragment_len);

/* The CSS rules (for DsPage.style) of a listing that shows a README:
 * those of rendered Markdown and of the section.  Static. */
const char *ds_markdown_readme_style (void);

/* The section shown under a listing for a README named @name whose first
 * bytes are @text (@len bytes; @truncated when the file is longer):
 * rendered when @markdown, else escaped text in <pre>.  Appended to @out. */
void ds_markdown_append_readme (GString *out, const char *name, const char *text, gsize len,
                                gboolean markdown, gboolean truncated);

/* Reads regular file @fd from offset 0, gzip-decoded when @gzip, into
 * memory.  Returns the bytes (caller unrefs), or NULL when they are more
 * than @cap bytes (then *@out_over is TRUE; with @allow_cut the first @cap
 * bytes are returned instead, with *@out_over TRUE), when a gzip file is
 * not valid gzip, or on a read error.  Never reads more than @cap + 1
 * decoded bytes, so a gzip bomb costs at most that. */
GBytes *ds_markdown_read_fd (int fd, gboolean gzip, gsize cap, gboolean allow_cut,
                             gboolean *out_over);

G_END_DECLS
