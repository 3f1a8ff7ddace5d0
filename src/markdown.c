/* markdown.c: Markdown rendered to HTML for browsers.
 *
 * Owns the rendering of a Markdown source into an HTML fragment, the page
 * around it, the choice of a rendered page over the file (ds_markdown_serve:
 * the client prefers text/html to text/markdown in Accept, RFC 9110 section
 * 12.5.1, and sent no ?raw; the source is under the cap and renders), the
 * cache of rendered pages, the README section under a listing, and the
 * bounded reading of the source (plain or gzip).  The handler calls it for
 * files whose names say Markdown; this module never touches the network or
 * the clock.
 *
 * Rendering: md4c's HTML renderer (md_html) with the GitHub dialect
 * (tables, strikethrough, permissive autolinks, task lists) and
 * MD_FLAG_NOHTML, so HTML blocks and inline tags in the source are text,
 * escaped like any other.  Before parsing, invalid UTF-8 and NUL bytes are
 * replaced with U+FFFD (g_utf8_make_valid), and so is anything invalid in
 * the output (md4c writes the entity "&#xD800;" as a lone surrogate's
 * bytes), so the page is valid UTF-8.
 *
 * Link targets: md4c writes a link as <a href="URL" and an image as
 * <img src="URL", with URL percent-encoded except for a fixed set of safe
 * characters and '&' written as "&amp;"; since every '<' of the source's
 * text is written as "&lt;", each "<a href=\"" and "<img src=\"" of the
 * output is one md4c made.  A second pass reads each such URL's scheme (the
 * leading ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before ':', RFC 3986
 * section 3.1) and drops the attribute unless the scheme is on a short
 * allow list (http, https, ftp, mailto, tel, irc, news): javascript:,
 * data:, vbscript: and the rest do not become live links or images, and
 * the link's text stays.  md4c decodes entities in a destination before
 * escaping it ("&#106;avascript:" is written "javascript:"), and writes
 * whitespace and controls as %XX, which a browser never decodes inside a
 * scheme, so the scheme the second pass sees is the one a browser would.
 * Relative targets have no scheme and are kept.  The page's CSP allows no
 * script (gen.h) on top of that.
 *
 * Bounds: the source is at most DS_MARKDOWN_MAX_SOURCE bytes (a larger file
 * is served raw, decided by the caller); the output at most the caller's
 * max_out.  A table of 128 columns (md4c's widest) turns a two-byte row
 * "|a" into 128 cells, so 4 MiB of rows took md_html 10 s and 50 MB of
 * output, and md_html cannot be stopped from its output callback.  So a
 * first pass (md_parse with callbacks that only count the blocks and spans
 * entered) gives up past one per MIN_BYTES_PER_EVENT source bytes, and the
 * render reports failure (the caller serves the file raw); that pass costs
 * about a third of a render.  Past max_out the output is dropped and the
 * render fails too.  Measured worst cases at 4 MiB (nested quotes, nested
 * brackets, the table above): 1 to 3 s of one core, no hang. */
#include "config.h"

#include "docserve/markdown.h"

#include <errno.h>
#include <md4c-html.h>
#include <md4c.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "docserve/common.h"
#include "docserve/gen.h"
#include "docserve/mime.h"
#include "docserve/negotiate.h"
#include "docserve/page.h"
#include "docserve/path.h"
#include "docserve/query.h"
#include "docserve/site.h"

#include <fcntl.h>

/* NUL bytes after the copy md4c parses (ds_markdown_render). */
#define MD4C_PADDING 16

#define PARSER_FLAGS                                                                      \
  (MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEAUTOLINKS                    \
   | MD_FLAG_TASKLISTS | MD_FLAG_NOHTML)

/* Style of rendered Markdown, on the shell's palette (page.c). */
#define MARKDOWN_STYLE                                                                    \
  ".md{overflow-wrap:break-word}\n"                                                       \
  ".md img{max-width:100%}\n"                                                             \
  ".md pre,.readme pre{overflow-x:auto;padding:.6em .8em;background:var(--faint);"        \
  "border-radius:4px}\n"                                                                  \
  ".md code{font-size:.9em}\n"                                                            \
  ".md :not(pre)>code{background:var(--faint);padding:.1em .3em;border-radius:3px}\n"     \
  ".md blockquote{margin-left:0;padding-left:1em;border-left:4px solid var(--rule);"      \
  "color:var(--muted)}\n"                                                                 \
  ".md table{border-collapse:collapse;display:block;overflow-x:auto}\n"                   \
  ".md th,.md td{border:1px solid var(--rule);padding:.3em .6em}\n"                       \
  ".md hr{border:0;border-top:1px solid var(--rule)}\n"                                   \
  ".md a:not([href]){color:inherit}\n"                                                    \
  ".md .task-list-item{list-style:none}\n"                                                \
  ".raw{float:right;font-size:.9em}\n"

#define README_STYLE                                                                      \
  ".readme{margin-top:2em;border-top:1px solid var(--rule)}\n"                            \
  ".readme>h2{font-size:1em;color:var(--muted)}\n"

gboolean
ds_markdown_is_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  gsize n = strlen (name);
  return (n > 3 && g_ascii_strcasecmp (name + n - 3, ".md") == 0)
         || (n > 9 && g_ascii_strcasecmp (name + n - 9, ".markdown") == 0);
}

/* Source bytes per block or span entered below which a source is not
 * rendered (after EVENTS_SLACK events): ordinary Markdown enters far fewer
 * (a 956 kB changelog: 25,668); a dense table "|a|b|" one per 2 bytes. */
#define MIN_BYTES_PER_EVENT 2
#define EVENTS_SLACK 65536

typedef struct
{
  gsize events;
  gsize limit;
} Count;

static int
count_block (MD_BLOCKTYPE type, void *detail, void *data)
{
  Count *c = data;

  (void) type;
  (void) detail;
  return ++c->events > c->limit ? 1 : 0;
}

static int
count_span (MD_SPANTYPE type, void *detail, void *data)
{
  Count *c = data;

  (void) type;
  (void) detail;
  return ++c->events > c->limit ? 1 : 0;
}

static int
leave_block (MD_BLOCKTYPE type, void *detail, void *data)
{
  (void) type;
  (void) detail;
  (void) data;
  return 0;
}

static int
leave_span (MD_SPANTYPE type, void *detail, void *data)
{
  (void) type;
  (void) detail;
  (void) data;
  return 0;
}

static int
count_text (MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *data)
{
  (void) type;
  (void) text;
  (void) size;
  (void) data;
  return 0;
}

/* Whether @text (@len bytes) enters at most its share of blocks and spans
 * (see the top of the file).  md4c does not stop at once when a callback
 * says so (a table row is finished first), so the count is read back too. */
static gboolean
within_event_budget (const char *text, gsize len)
{
  Count c = { .limit = len / MIN_BYTES_PER_EVENT + EVENTS_SLACK };
  const MD_PARSER parser = {
    .abi_version = 0,
    .flags = PARSER_FLAGS,
    .enter_block = count_block,
    .leave_block = leave_block,
    .enter_span = count_span,
    .leave_span = leave_span,
    .text = count_text,
  };

  return md_parse (text, (MD_SIZE) len, &parser, &c) == 0 && c.events <= c.limit;
}

typedef struct
{
  GString *out;
  gsize max;
  gboolean over;
} Sink;

static void
sink_write (const MD_CHAR *text, MD_SIZE size, void *data)
{
  Sink *s = data;

  if (s->over)
    return;
  if (s->out->len + size > s->max)
    {
      s->over = TRUE;
      return;
    }
  g_string_append_len (s->out, text, size);
}

static gboolean
is_scheme_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '-' || c == '.';
}

/* Whether the URL @url (@len bytes, as md4c wrote it) may stay a target:
 * it has no scheme (relative), or an allowed one. */
static gboolean
url_allowed (const char *url, gsize len)
{
  static const char *const allowed[] = { "http", "https", "ftp", "mailto", "tel", "irc", "news" };
  gsize i = 0;

  if (len == 0 || !g_ascii_isalpha (url[0]))
    return TRUE;
  while (i < len && is_scheme_char (url[i]))
    i++;
  if (i == len || url[i] != ':')
    return TRUE; /* "a/b:c", "x.md": a path, not a scheme */
  for (gsize k = 0; k < G_N_ELEMENTS (allowed); k++)
    if (strlen (allowed[k]) == i && g_ascii_strncasecmp (url, allowed[k], i) == 0)
      return TRUE;
  return FALSE;
}

/* Copies @html to a new string without the href/src of links and images
 * whose target url_allowed() refuses. */
static GString *
filter_urls (const GString *html)
{
  static const struct
  {
    const char *tag;  /* what md4c writes before the URL */
    gsize keep;       /* bytes of it kept when the attribute goes: "<a" */
  } opens[] = { { "<a href=\"", 2 }, { "<img src=\"", 4 } };
  GString *out = g_string_sized_new (html->len);
  const char *p = html->str;
  const char *end = html->str + html->len;

  while (p < end)
    {
      const char *lt = memchr (p, '<', (gsize) (end - p));
      if (lt == NULL)
        break;
      g_string_append_len (out, p, lt - p);
      p = lt;
      gboolean done = FALSE;
      for (gsize k = 0; k < G_N_ELEMENTS (opens) && !done; k++)
        {
          gsize tl = strlen (opens[k].tag);
          if ((gsize) (end - p) < tl || memcmp (p, opens[k].tag, tl) != 0)
            continue;
          const char *url = p + tl;
          const char *q = memchr (url, '"', (gsize) (end - url));
          if (q == NULL)
            continue;
          if (url_allowed (url, (gsize) (q - url)))
            g_string_append_len (out, p, q + 1 - p);
          else
            g_string_append_len (out, p, opens[k].keep);
          p = q + 1;
          done = TRUE;
        }
      if (!done)
        {
          g_string_append_c (out, '<');
          p++;
        }
    }
  g_string_append_len (out, p, end - p);
  return out;
}

char *
ds_markdown_render (const char *src, gsize len, gsize max_out, gsize *out_len)
{
  g_return_val_if_fail (src != NULL || len == 0, NULL);

  g_autofree char *valid = NULL;
  const char *text = src != NULL ? src : "";

  /* g_utf8_validate_len counts NUL as invalid, so NULs are replaced too. */
  if (!g_utf8_validate_len (text, len, NULL))
    {
      valid = g_utf8_make_valid (text, (gssize) len);
      text = valid;
      len = strlen (valid);
    }
  if (len > G_MAXUINT32)
    return NULL;
  /* md4c 0.4.8 reads past the end of its input in places: a link
   * destination left open at the very end was closed by a ')' lying after
   * the buffer, and md4c-html wrote (or crashed on) what followed (found by
   * fuzz_markdown).  It parses a copy followed by NUL bytes, which end
   * every construct. */
  g_autofree char *padded = g_malloc0 (len + MD4C_PADDING);
  memcpy (padded, text, len);
  text = padded;

  if (!within_event_budget (text, len))
    return NULL;

  g_autoptr (GString) html = g_string_sized_new (len + len / 4 + 64);
  Sink sink = { .out = html, .max = max_out };
  if (md_html (text, (MD_SIZE) len, sink_write, &sink, PARSER_FLAGS, 0) != 0 || sink.over)
    return NULL;

  GString *filtered = filter_urls (html);
  if (!g_utf8_validate_len (filtered->str, filtered->len, NULL))
    {
      /* md4c writes "&#xD800;" as the surrogate's three bytes. */
      g_autofree char *valid_out = g_utf8_make_valid (filtered->str, (gssize) filtered->len);
      g_string_assign (filtered, valid_out);
    }
  if (out_len != NULL)
    *out_len = filtered->len;
  return g_string_free (filtered, FALSE);
}

gboolean
ds_markdown_query_wants_raw (const char *query)
{
  return ds_query_has (query, "raw");
}

gboolean
ds_markdown_accept_wants_html (const char *accept)
{
  static const char *const types[] = { "text/markdown", "text/html" };

  /* text/markdown first: it wins a tie, so "* / *" gets the file. */
  return accept != NULL && ds_accept_media_choose (accept, types, G_N_ELEMENTS (types)) == 1;
}

/* @name as a relative href: percent-encoded, "./" first when it holds a
 * ':' (RFC 3986 section 4.2), escaped for an attribute. */
static void
append_name_href (GString *out, const char *name)
{
  g_autofree char *enc = ds_path_encode (name);
  const char *seg = enc + 1; /* past the leading '/' */

  if (strchr (seg, ':') != NULL)
    g_string_append (out, "./");
  ds_page_append_escaped (out, seg);
}

GBytes *
ds_markdown_page (const char *shown, const char *name, const char *fragment, gsize fragment_len)
{
  g_return_val_if_fail (shown != NULL && shown[0] == '/', NULL);
  g_return_val_if_fail (name != NULL && fragment != NULL, NULL);

  const DsPage page = { .title = name, .style = MARKDOWN_STYLE, .crumbs = shown };
  GString *out = g_string_sized_new (fragment_len + 2048);

  ds_page_begin (out, &page);
  g_string_append (out, "<p class=\"raw\"><a href=\"");
  append_name_href (out, name);
  g_string_append (out, "?raw\">Raw file</a></p>\n<article class=\"md\">\n");
  g_string_append_len (out, fragment, (gssize) fragment_len);
  g_string_append (out, "</article>\n");
  ds_page_end (out);
  return g_string_free_to_bytes (out);
}

const char *
ds_markdown_readme_style (void)
{
  return MARKDOWN_STYLE README_STYLE;
}

void
ds_markdown_append_readme (GString *out, const char *name, const char *text, gsize len,
                           gboolean markdown, gboolean truncated)
{
  g_return_if_fail (out != NULL && name != NULL && (text != NULL || len == 0));

  g_string_append (out, "<section class=\"readme\">\n<h2><a href=\"");
  append_name_href (out, name);
  g_string_append (out, "\">");
  ds_page_append_escaped (out, name);
  g_string_append (out, "</a></h2>\n");
  gsize html_len = 0;
  /* A README is at most DS_MARKDOWN_MAX_README bytes; its output may be
   * sixteen times that before the plain text is shown instead. */
  g_autofree char *html
      = markdown ? ds_markdown_render (text, len, 16 * DS_MARKDOWN_MAX_README + 4096, &html_len)
                 : NULL;
  if (html != NULL)
    {
      g_string_append (out, "<div class=\"md\">\n");
      g_string_append_len (out, html, (gssize) html_len);
      g_string_append (out, "</div>\n");
    }
  else
    {
      g_autofree char *copy = g_strndup (text != NULL ? text : "", len);
      g_string_append (out, "<pre>");
      /* g_strndup stops at a NUL: the rest of a text with NULs is not text. */
      ds_page_append_escaped (out, copy);
      g_string_append (out, "</pre>\n");
    }
  if (truncated)
    g_string_append (out, "<p><em>(cut: the file is longer)</em></p>\n");
  g_string_append (out, "</section>\n");
}

/* Reads plain @fd into @buf up to @cap + 1 bytes. */
static gboolean
read_plain (int fd, GByteArray *buf, gsize cap)
{
  guint8 chunk[65536];
  off_t off = 0;

  while (buf->len <= cap)
    {
      gsize want = MIN (sizeof chunk, cap + 1 - buf->len);
      ssize_t n = pread (fd, chunk, want, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, (guint) n);
      off += n;
    }
  return TRUE;
}

/* Inflates gzip @fd into @buf up to @cap + 1 decoded bytes. */
static gboolean
read_gzip (int fd, GByteArray *buf, gsize cap)
{
  guint8 in[65536];
  guint8 outb[65536];
  z_stream z = { 0 };
  off_t off = 0;
  int rc = Z_OK;

  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    return FALSE;
  while (rc != Z_STREAM_END && buf->len <= cap)
    {
      if (z.avail_in == 0)
        {
          ssize_t n = pread (fd, in, sizeof in, off);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break; /* a truncated stream: not valid gzip */
          off += n;
          z.next_in = in;
          z.avail_in = (uInt) n;
        }
      z.next_out = outb;
      z.avail_out = (uInt) MIN (sizeof outb, cap + 1 - buf->len);
      rc = inflate (&z, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        break;
      g_byte_array_append (buf, outb, (guint) (z.next_out - outb));
    }
  inflateEnd (&z);
  return rc == Z_STREAM_END || buf->len > cap;
}

GBytes *
ds_markdown_read_fd (int fd, gboolean gzip, gsize cap, gboolean allow_cut, gboolean *out_over)
{
  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (cap < G_MAXUINT32, NULL);

  g_autoptr (GByteArray) buf = g_byte_array_new ();
  gboolean ok = gzip ? read_gzip (fd, buf, cap) : read_plain (fd, buf, cap);
  gboolean over = buf->len > cap;

  if (out_over != NULL)
    *out_over = over;
  if (!ok || (over && !allow_cut))
    return NULL;
  if (over)
    g_byte_array_set_size (buf, (guint) cap);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

/* The output bound of a page: a source renders to about 1.3 times its size
 * (a 956 kB changelog to 1.2 MB); tables and lists to more. */
static gsize
max_output (gsize source_len)
{
  return 8 * source_len + 65536;
}

/* Remembers that the source behind @seed is served raw (an empty page). */
static void
store_failure (const DsSite *site, const char *seed, GBytes *none)
{
  if (site->markdown != NULL)
    ds_markdown_cache_store (site->markdown, seed, none);
}

gboolean
ds_markdown_serve (const DsSite *site, const DsRequest *req, const char *shown, int fd,
                   const struct stat *st, gboolean gzip, gint64 now, DsReply *reply)
{
  g_return_val_if_fail (site != NULL && req != NULL && shown != NULL && st != NULL, FALSE);

  if (!ds_markdown_accept_wants_html (req->accept) || ds_markdown_query_wants_raw (req->query))
    return FALSE;
  if (!gzip && (guint64) st->st_size > DS_MARKDOWN_MAX_SOURCE)
    return FALSE;

  /* The page is made from the source (its identity and mtime), the
   * renderer and the URL (breadcrumbs, the raw link). */
  g_autofree char *seed
      = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT
                         ":%" G_GINT64_FORMAT ".%09ld\n%s",
                         DS_MARKDOWN_RENDER_VERSION, (guint64) st->st_dev, (guint64) st->st_ino,
                         (gint64) st->st_size, (gint64) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                         shown);
  const DsGenMeta meta = {
    .content_type = "text/html; charset=utf-8",
    .etag_seed = seed,
    .last_modified = (gint64) st->st_mtim.tv_sec,
    .vary = "Accept",
    .scripts = FALSE,
  };
  g_autoptr (GBytes) cached = site->markdown != NULL ? ds_markdown_cache_lookup (site->markdown, seed)
                                                     : NULL;
  if (cached != NULL && g_bytes_get_size (cached) == 0)
    return FALSE; /* this source was found not to render: the file */
  if (cached != NULL)
    {
      ds_gen_reply (site, req, &meta, cached, now, reply);
      return TRUE;
    }

  g_autoptr (GBytes) none = g_bytes_new_static ("", 0);
  gboolean over = FALSE;
  g_autoptr (GBytes) src = ds_markdown_read_fd (fd, gzip, DS_MARKDOWN_MAX_SOURCE, FALSE, &over);
  if (src == NULL)
    {
      /* Too large (a gzip bomb is read up to the cap) or not gzip:
       * remembered, so the next request does not inflate it again.  A
       * plain file's read error is not. */
      if (over || gzip)
        store_failure (site, seed, none);
      return FALSE;
    }
  gsize src_len = 0;
  const char *src_data = g_bytes_get_data (src, &src_len);
  gsize html_len = 0;
  g_autofree char *html
      = ds_markdown_render (src_data != NULL ? src_data : "", src_len, max_output (src_len),
                            &html_len);
  if (html == NULL)
    {
      /* The worst sources cost md4c seconds: refuse them once. */
      store_failure (site, seed, none);
      return FALSE;
    }

  g_autofree char *url = g_strconcat ("/", shown, NULL);
  const char *name = strrchr (url, '/') + 1;
  g_autoptr (GBytes) page = ds_markdown_page (url, name, html, html_len);
  if (site->markdown != NULL)
    ds_markdown_cache_store (site->markdown, seed, page);
  ds_gen_reply (site, req, &meta, page, now, reply);
  return TRUE;
}

struct _DsMarkdownCache
{
  GMutex lock;
  GHashTable *pages; /* key (owned) -> GBytes */
  GQueue order;      /* keys (borrowed from pages), oldest first */
  gsize bytes;
  guint max_entries;
  gsize max_bytes;
};

DsMarkdownCache *
ds_markdown_cache_new (guint max_entries, gsize max_bytes)
{
  DsMarkdownCache *c = g_new0 (DsMarkdownCache, 1);

  g_mutex_init (&c->lock);
  c->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) g_bytes_unref);
  g_queue_init (&c->order);
  c->max_entries = max_entries;
  c->max_bytes = max_bytes;
  return c;
}

void
ds_markdown_cache_free (DsMarkdownCache *c)
{
  if (c == NULL)
    return;
  g_queue_clear (&c->order);
  g_hash_table_unref (c->pages);
  g_mutex_clear (&c->lock);
  g_free (c);
}

GBytes *
ds_markdown_cache_lookup (DsMarkdownCache *c, const char *key)
{
  g_return_val_if_fail (c != NULL && key != NULL, NULL);

  g_mutex_lock (&c->lock);
  GBytes *page = g_hash_table_lookup (c->pages, key);
  if (page != NULL)
    g_bytes_ref (page);
  g_mutex_unlock (&c->lock);
  return page;
}

void
ds_markdown_cache_store (DsMarkdownCache *c, const char *key, GBytes *page)
{
  g_return_if_fail (c != NULL && key != NULL && page != NULL);

  gsize size = g_bytes_get_size (page);
  if (size > c->max_bytes / 4 || c->max_entries == 0)
    return;
  g_mutex_lock (&c->lock);
  if (!g_hash_table_contains (c->pages, key))
    {
      char *k = g_strdup (key);
      g_hash_table_insert (c->pages, k, g_bytes_ref (page));
      g_queue_push_tail (&c->order, k);
      c->bytes += size;
      while (g_hash_table_size (c->pages) > c->max_entries || c->bytes > c->max_bytes)
        {
          char *old = g_queue_pop_head (&c->order);
          c->bytes -= g_bytes_get_size (g_hash_table_lookup (c->pages, old));
          g_hash_table_remove (c->pages, old); /* frees old */
        }
    }
  g_mutex_unlock (&c->lock);
}

guint
ds_markdown_cache_size (DsMarkdownCache *c)
{
  g_return_val_if_fail (c != NULL, 0);

  g_mutex_lock (&c->lock);
  guint n = g_hash_table_size (c->pages);
  g_mutex_unlock (&c->lock);
  return n;
}

static const struct
{
  const char *name;
  gboolean gzip;
  gboolean markdown;
} readme_names[] = {
  { "README.md", FALSE, TRUE },     { "README.md.gz", TRUE, TRUE },
  { "README", FALSE, FALSE },       { "README.gz", TRUE, FALSE },
  { "README.txt", FALSE, FALSE },   { "README.txt.gz", TRUE, FALSE },
  { "README.Debian", FALSE, FALSE }, { "README.Debian.gz", TRUE, FALSE },
};

gboolean
ds_markdown_readme_probe (int dir_fd, DsReadme *out)
{
  g_return_val_if_fail (dir_fd >= 0 && out != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (readme_names); i++)
    {
      struct stat st;
      if (fstatat (dir_fd, readme_names[i].name, &st, 0) != 0 || !S_ISREG (st.st_mode))
        continue;
      out->name = readme_names[i].name;
      out->gzip = readme_names[i].gzip;
      out->markdown = readme_names[i].markdown;
      out->st = st;
      return TRUE;
    }
  return FALSE;
}

char *
ds_markdown_readme_identity (const DsReadme *r)
{
  g_return_val_if_fail (r != NULL && r->name != NULL, NULL);

  return g_strdup_printf ("%s:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT
                          ":%" G_GINT64_FORMAT ".%09ld:%s",
                          r->name, (guint64) r->st.st_dev, (guint64) r->st.st_ino,
                          (gint64) r->st.st_size, (gint64) r->st.st_mtim.tv_sec,
                          r->st.st_mtim.tv_nsec, DS_MARKDOWN_RENDER_VERSION);
}

char *
ds_markdown_readme_html (int root_fd, const char *rel, DsSymlinks symlinks, const DsReadme *r)
{
  g_return_val_if_fail (rel != NULL && r != NULL && r->name != NULL, NULL);

  g_autofree char *path = rel[0] != '\0' ? g_strconcat (rel, "/", r->name, NULL)
                                          : g_strdup (r->name);
  int e = 0;
  int fd = ds_path_open (root_fd, path, symlinks, &e);
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return NULL;
    }
  gboolean over = FALSE;
  g_autoptr (GBytes) text = ds_markdown_read_fd (fd, r->gzip, DS_MARKDOWN_MAX_README, TRUE, &over);
  close (fd);
  if (text == NULL)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (text, &len);
  if (data == NULL)
    data = "";
  /* A README that does not start like text (a binary of that name) is not
   * shown; the sniffer looks at the first kilobyte. */
  if (!ds_mime_sniff_text ((const guint8 *) data, MIN (len, (gsize) 1024)))
    return NULL;

  GString *out = g_string_sized_new (len + 1024);
  ds_markdown_append_readme (out, r->name, data, len, r->markdown, over);
  return g_string_free (out, FALSE);
}
