/* markdown.h: Markdown rendered to HTML for browsers (md4c), and the
 * bounded reading of a source file (plain or gzip) it is rendered from. */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "docserve/path.h"
#include "docserve/reply.h"
#include "docserve/request.h"

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

/* A bounded, thread-safe cache of rendered pages, keyed by what they are
 * made from (the render version, the source's device, inode, size and
 * mtime, the URL): a changed source has a new key, so an entry is never
 * stale, and old entries go first when a bound is reached.  An empty page
 * means "this source is served raw" (it did not render, or is over the
 * cap after gzip decoding), so a hostile file costs its render once. */
typedef struct _DsMarkdownCache DsMarkdownCache;

/* At most @max_entries pages and @max_bytes of them; a page larger than a
 * quarter of @max_bytes is not kept. */
DsMarkdownCache *ds_markdown_cache_new (guint max_entries, gsize max_bytes);
void ds_markdown_cache_free (DsMarkdownCache *c);

/* The page stored under @key, or NULL.  Caller unrefs. */
GBytes *ds_markdown_cache_lookup (DsMarkdownCache *c, const char *key);

/* Stores @page (a new reference is taken) under @key, dropping the oldest
 * entries while over the bounds. */
void ds_markdown_cache_store (DsMarkdownCache *c, const char *key, GBytes *page);

/* Number of pages held (for tests). */
guint ds_markdown_cache_size (DsMarkdownCache *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsMarkdownCache, ds_markdown_cache_free)

/* Answers @req for the Markdown file the client named @shown (the decoded
 * URL path without its leading '/', "doc/README.md"), open as @fd with @st, gzip-compressed when @gzip (NAME.md.gz),
 * when a rendered page is the answer: the client prefers text/html over
 * text/markdown (ds_markdown_accept_wants_html), the query has no "raw",
 * the source is at most DS_MARKDOWN_MAX_SOURCE bytes (decoded) and renders.
 * Then @reply is the page (gen.h: ETag from the render version, the
 * source's identity and the URL, Last-Modified, Vary: Accept, no ranges,
 * a CSP without scripts, 304/412, HEAD) and TRUE is returned; @fd is
 * borrowed either way.  Pages are kept in @site->markdown (when not NULL),
 * so the same source is rendered once.  FALSE: serve the file as it is. */
gboolean ds_markdown_serve (const DsSite *site, const DsRequest *req, const char *shown, int fd,
                            const struct stat *st, gboolean gzip, gint64 now, DsReply *reply);

/* The README found in a directory by ds_markdown_readme_probe. */
typedef struct
{
  const char *name;  /* static: "README.md", "README.gz", ... */
  gboolean gzip;     /* NAME.gz: read decoded */
  gboolean markdown; /* rendered, else shown as text */
  struct stat st;    /* the file's (symlinks followed) */
} DsReadme;

/* Looks in directory @dir_fd for README.md, README, README.txt and
 * README.Debian, each also as NAME.gz, in that order; fills @out with the
 * first that is a regular file.  FALSE when there is none.  Costs one
 * fstatat per name tried; nothing is opened. */
gboolean ds_markdown_readme_probe (int dir_fd, DsReadme *out);

/* A string that changes whenever the README @r changes (for cache keys):
 * its name, device, inode, size and mtime.  Caller frees. */
char *ds_markdown_readme_identity (const DsReadme *r);

/* The section to show under the listing of directory @rel (below
 * @root_fd) for its README @r: opened with ds_path_open under @symlinks
 * (as every request opens files), read up to DS_MARKDOWN_MAX_README
 * decoded bytes, rendered or escaped (ds_markdown_append_readme).  NULL
 * when it cannot be opened or read, or is not text.  Caller frees. */
char *ds_markdown_readme_html (int root_fd, const char *rel, DsSymlinks symlinks,
                               const DsReadme *r);

G_END_DECLS
