/* page.h: the HTML shell every page docserve generates shares. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What varies between generated pages; everything else is the shell's. */
typedef struct
{
  /* The <title>: plain text, escaped by the shell (invalid UTF-8 becomes
   * U+FFFD).  Required. */
  const char *title;
  /* CSS rules of this kind of page, written after the shared ones inside the
   * one <style> element, or NULL.  Written as they are: a fixed string of
   * the caller's, never request data, and never containing "</".  They may
   * use the palette's custom properties (--fg, --bg, --muted, --link,
   * --rule, --faint), which the shell switches for dark mode. */
  const char *style;
  /* A URL path as decoded text ("/", "/a b/c&d/", "/man/1/ls"), or NULL for
   * no breadcrumbs.  Each segment becomes a crumb: the root and every
   * ancestor a link to that directory (percent-encoded with
   * ds_path_encode), the last segment the current page, not a link.  Empty
   * segments are skipped. */
  const char *crumbs;
  /* Elements written at the end of <head>, or NULL (then the page loads
   * nothing): a fixed string of the caller's naming only docserve's own
   * resources under /.docserve/ (a script, the icon), never request data. */
  const char *head;
} DsPage;

/* Appends to @out the document up to and including "<main>\n": doctype,
 * <html lang="en">, the charset, viewport and color-scheme meta elements,
 * the title, one inline <style> (the shared rules, light and dark palettes,
 * then @page->style), <body> and, when @page->crumbs is set, the
 * breadcrumbs <nav>.  The caller appends the page's content, then calls
 * ds_page_end().  Nothing the shell writes loads another resource; only
 * @page->head may. */
void ds_page_begin (GString *out, const DsPage *page);

/* Appends "</main>", the footer and the closing tags. */
void ds_page_end (GString *out);

/* Appends @text escaped for HTML text and attribute values (& < > " '),
 * with invalid UTF-8 replaced by U+FFFD so the page stays valid UTF-8. */
void ds_page_append_escaped (GString *out, const char *text);

G_END_DECLS
