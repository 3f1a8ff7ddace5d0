/* page.c: the HTML shell every page docserve generates shares.
 *
 * Owns the frame of a generated page, so that listings, status pages and
 * the pages still to come look alike and are written in one place:
 * - the head: doctype, lang, charset, viewport, color-scheme "light dark"
 *   (so the browser's own parts, scrollbars and form controls, follow the
 *   reader's choice), the escaped title;
 * - one inline <style>: the shared rules (system font, a centred column of
 *   at most 60rem for the breadcrumbs, <main> and the footer, links, the
 *   footer) and the palette as custom properties on :root, switched once by
 *   a prefers-color-scheme media query, so a page's own rules (given by its
 *   module, written after the shared ones) get dark mode by using the
 *   variables instead of repeating the query.  The column widths are in rem:
 *   the breadcrumbs and footer have smaller type, and an em width would make
 *   them narrower than <main> and shift their left edge;
 * - breadcrumbs: an ordered list in a <nav>, the root and each ancestor
 *   directory a link, the current page plain text marked aria-current.
 *   Hrefs are absolute paths percent-encoded by ds_path_encode (path.c), so
 *   they decode back to the same segments; an empty segment is skipped, so
 *   an href never starts with "//" (which a browser would read as another
 *   host);
 * - the footer, which names the software and never its version.
 * Nothing in the frame loads another resource (no fonts, images, scripts or
 * style sheets), so a page is whole in one response.
 *
 * Escaping: text and attribute values are escaped for & < > " ' (the same
 * set in both, so one function serves both), after replacing invalid UTF-8
 * with U+FFFD: every page is valid UTF-8 whatever bytes a name holds. */
#include "config.h"

#include "docserve/page.h"

#include <string.h>

#include "docserve/path.h"

#define PAGE_HEAD                                                                         \
  "<!DOCTYPE html>\n"                                                                     \
  "<html lang=\"en\">\n"                                                                  \
  "<head>\n"                                                                              \
  "<meta charset=\"utf-8\">\n"                                                            \
  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"            \
  "<meta name=\"color-scheme\" content=\"light dark\">\n"                                 \
  "<title>"

#define PAGE_STYLE                                                                        \
  "</title>\n"                                                                            \
  "<style>\n"                                                                             \
  ":root{--fg:#222;--bg:#fff;--muted:#666;--link:#0645ad;--rule:#ccc;--faint:#eee}\n"     \
  "@media (prefers-color-scheme:dark){:root{--fg:#ddd;--bg:#181818;--muted:#999;"         \
  "--link:#8ab4f8;--rule:#555;--faint:#2c2c2c}}\n"                                        \
  "body{margin:0;padding:1.5em 1em;line-height:1.5;"                                      \
  "font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"                   \
  "color:var(--fg);background:var(--bg)}\n"                                               \
  "nav,main,footer{max-width:60rem;margin:0 auto}\n"                                      \
  "h1{font-size:1.4em;font-weight:600;margin:0 0 1em;overflow-wrap:anywhere}\n"           \
  "a{color:var(--link);text-decoration:none}\n"                                           \
  "a:hover,a:focus{text-decoration:underline}\n"                                          \
  "nav{margin-bottom:.75em;font-size:.9em;color:var(--muted);overflow-wrap:anywhere}\n"   \
  "nav ol{margin:0;padding:0;list-style:none}\n"                                          \
  "nav li{display:inline}\n"                                                              \
  "nav li+li::before{content:\"/\";margin:0 .4em}\n"                                      \
  "footer{margin-top:2em;font-size:.85em;color:var(--muted)}\n"

#define PAGE_STYLE_END "</style>\n"

#define PAGE_BODY                                                                         \
  "</head>\n"                                                                             \
  "<body>\n"

#define PAGE_FOOT                                                                         \
  "</main>\n"                                                                             \
  "<footer>docserve</footer>\n"                                                           \
  "</body>\n"                                                                             \
  "</html>\n"

/* The text of the root's crumb. */
#define ROOT_CRUMB "docserve"

static void
append_escaped_len (GString *out, const char *s, gsize len)
{
  for (const char *end = s + len; s < end; s++)
    {
      switch (*s)
        {
        case '&':
          g_string_append (out, "&amp;");
          break;
        case '<':
          g_string_append (out, "&lt;");
          break;
        case '>':
          g_string_append (out, "&gt;");
          break;
        case '"':
          g_string_append (out, "&quot;");
          break;
        case '\'':
          g_string_append (out, "&#39;");
          break;
        default:
          g_string_append_c (out, *s);
        }
    }
}

void
ds_page_append_escaped (GString *out, const char *text)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (text != NULL);

  if (g_utf8_validate (text, -1, NULL))
    {
      append_escaped_len (out, text, strlen (text));
      return;
    }
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  append_escaped_len (out, valid, strlen (valid));
}

/* One crumb: a link to @href (already percent-encoded, @href_len bytes) or,
 * when @href is NULL, the current page. */
static void
append_crumb (GString *out, const char *text, const char *href, gsize href_len)
{
  if (href == NULL)
    {
      g_string_append (out, "<li aria-current=\"page\">");
      ds_page_append_escaped (out, text);
      g_string_append (out, "</li>");
      return;
    }
  g_string_append (out, "<li><a href=\"");
  append_escaped_len (out, href, href_len);
  g_string_append (out, "\">");
  ds_page_append_escaped (out, text);
  g_string_append (out, "</a></li>");
}

static void
append_crumbs (GString *out, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) segs = g_ptr_array_new (); /* borrowed from parts */
  g_autoptr (GString) rel = g_string_new (NULL);

  for (char **p = parts; *p != NULL; p++)
    if (**p != '\0')
      {
        if (rel->len > 0)
          g_string_append_c (rel, '/');
        g_string_append (rel, *p);
        g_ptr_array_add (segs, *p);
      }

  /* Encoded once: ds_path_encode keeps the '/' separators and never
   * produces one, so the link to the i-th ancestor is the encoded path up
   * to its i-th '/'.  Linear in the path's length. */
  g_autofree char *enc = ds_path_encode (rel->str);
  const char *seg_end = enc; /* the '/' before the next segment */

  g_string_append (out, "<nav aria-label=\"Breadcrumbs\">\n<ol>");
  append_crumb (out, ROOT_CRUMB, segs->len > 0 ? "/" : NULL, 1);
  for (guint i = 0; i < segs->len; i++)
    {
      seg_end = strchr (seg_end + 1, '/');
      if (i + 1 == segs->len)
        append_crumb (out, g_ptr_array_index (segs, i), NULL, 0);
      else
        {
          /* Never NULL here: a further segment follows this one. */
          g_assert (seg_end != NULL);
          append_crumb (out, g_ptr_array_index (segs, i), enc, (gsize) (seg_end - enc) + 1);
        }
    }
  g_string_append (out, "</ol>\n</nav>\n");
}

void
ds_page_begin (GString *out, const DsPage *page)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (page != NULL && page->title != NULL);
  /* The style is written as it is: it must not be able to end the element. */
  g_return_if_fail (page->style == NULL || strstr (page->style, "</") == NULL);
  g_return_if_fail (page->crumbs == NULL || page->crumbs[0] == '/');

  g_string_append (out, PAGE_HEAD);
  ds_page_append_escaped (out, page->title);
  g_string_append (out, PAGE_STYLE);
  if (page->style != NULL)
    g_string_append (out, page->style);
  g_string_append (out, PAGE_STYLE_END);
  if (page->head != NULL)
    g_string_append (out, page->head);
  g_string_append (out, PAGE_BODY);
  if (page->crumbs != NULL)
    append_crumbs (out, page->crumbs);
  g_string_append (out, "<main>\n");
}

void
ds_page_end (GString *out)
{
  g_return_if_fail (out != NULL);

  g_string_append (out, PAGE_FOOT);
}
