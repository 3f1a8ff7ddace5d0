/* man.c: the /man/ pages of the documentation portal.
 *
 * Request segments are checked by manname.c before anything else happens;
 * pages are then looked up in the index (manindex.c) and read beneath the
 * root fds, never by a path built from the request.  /man/NAME answers 302
 * to the first section that has NAME in man's order (what is installed
 * decides, so the redirect is not permanent); a ".so" page answers 302 to
 * the page it includes.  Rendered pages (manrender.c) are kept, whole, in
 * a cache bounded by bytes and keyed by what the ETag is made of: the
 * renderer, the source file's root, name, size and mtime, and the
 * translation chosen, so the second request costs no process.
 *
 * Accept-Language picks a translation (/usr/share/man/de/man1/ls.1.gz)
 * when one exists; such pages say so and link the English page
 * (?lang=en), and every page answer carries Vary: Accept-Language. */
#include "config.h"

#include "docserve/man.h"

#include "docserve/common.h"
#include "docserve/gen.h"
#include "docserve/lru.h"
#include "docserve/manindex.h"
#include "docserve/manname.h"
#include "docserve/page.h"
#include "docserve/path.h"
#include "docserve/reply.h"
#include "docserve/site.h"

#include <errno.h>
#include <string.h>

#define RENDER_TIMEOUT_MS 10000
#define RENDER_MAX_OUTPUT ((gsize) 32 * 1024 * 1024)
#define RENDER_MAX_SOURCE ((gsize) 16 * 1024 * 1024) /* decompressed roff */
#define PAGE_CACHE_BYTES ((gsize) 64 * 1024 * 1024)
#define MAX_SUGGESTIONS 10
#define MAX_FILTER_RESULTS 500

typedef struct
{
  DsManIndex *index;
  DsManRender *render;
  DsLru *pages; /* ETag seed -> GBytes (the whole page) */
} Man;

static const char man_style[]
    = "pre.man{font-size:.95em;line-height:1.35}pre.man b{font-weight:bold}"
      "table.head,table.foot{width:100%;color:var(--muted)}"
      "td.head-rtitle,td.foot-os{text-align:right}td.head-vol{text-align:center}"
      ".manual-text{max-width:80ch}.Bd,.Bl-tag>dd,dd{margin-left:3ch}"
      "code,.Li{font-family:monospace}"
      "table.sections td,table.pages td{padding:.1em .8em .1em 0;vertical-align:top}"
      "table.sections,table.pages{width:auto}table.pages td:first-child{white-space:nowrap}"
      "a.permalink{color:inherit;text-decoration:none}"
      "p.lang{color:var(--muted)}form.k input{width:20em}";

static void
man_free (gpointer p)
{
  Man *m = p;
  ds_manindex_free (m->index);
  ds_manrender_free (m->render);
  ds_lru_free (m->pages);
  g_free (m);
}

static const char *
section_title (const char *section)
{
  switch (section[0])
    {
    case '1':
      return "User commands";
    case '2':
      return "System calls";
    case '3':
      return "Library functions";
    case '4':
      return "Special files";
    case '5':
      return "File formats";
    case '6':
      return "Games";
    case '7':
      return "Overviews and conventions";
    case '8':
      return "System administration";
    case '9':
      return "Kernel routines";
    case '0':
      return "Header files";
    case 'n':
      return "Tcl/Tk";
    case 'l':
      return "Local";
    default:
      return "Other";
    }
}

/* ---- replies ------------------------------------------------------------ */

static void
reply_html (const DsSite *site, const DsRequest *req, GBytes *body, const char *seed,
            gint64 last_modified, const char *vary, gint64 now, DsReply *reply)
{
  const DsGenMeta meta = {
    .content_type = "text/html; charset=utf-8",
    .etag_seed = seed,
    .last_modified = last_modified,
    .vary = vary,
    .scripts = FALSE,
  };
  ds_gen_reply (site, req, &meta, body, now, reply);
}

static void
redirect (DsReply *reply, guint status, const char *rel)
{
  g_autofree char *loc = ds_path_encode (rel);
  reply->status = status;
  ds_reply_add_header (reply, "Location", loc);
  reply->body = DS_BODY_BUFFER;
  reply->buf = g_strdup ("");
  reply->buf_len = 0;
}

/* A status page of our own (404 with suggestions, 500/503 with a reason
 * that reveals nothing internal). */
static void
reply_status_html (DsReply *reply, guint status, GString *page)
{
  reply->status = status;
  reply->body = DS_BODY_BUFFER;
  reply->buf_len = page->len;
  reply->buf = g_string_free (page, FALSE);
  ds_reply_add_header (reply, "Content-Type", "text/html; charset=utf-8");
  ds_reply_add_header (reply, "Cache-Control", "no-cache");
  ds_reply_add_header (reply, "Content-Security-Policy", DS_GEN_CSP_NO_SCRIPTS);
  if (status == 503)
    ds_reply_add_header (reply, "Retry-After", "5");
}

static void
append_page_link (GString *out, const DsManPage *page)
{
  g_autofree char *rel = g_strconcat ("man/", page->section, "/", page->name, NULL);
  g_autofree char *href = ds_path_encode (rel);
  g_string_append (out, "<a href=\"");
  ds_page_append_escaped (out, href);
  g_string_append (out, "\">");
  ds_page_append_escaped (out, page->name);
  g_string_append (out, "</a>(");
  ds_page_append_escaped (out, page->section);
  g_string_append (out, ")");
}

static void
append_filter_form (GString *out, const char *value)
{
  g_string_append (out, "<form class=\"k\" action=\"/man/\" method=\"get\" role=\"search\">"
                        "<input type=\"search\" name=\"k\" placeholder=\"name or words\" "
                        "aria-label=\"Find manual pages\" value=\"");
  ds_page_append_escaped (out, value != NULL ? value : "");
  g_string_append (out, "\"> <button type=\"submit\">Find</button></form>\n");
}

typedef struct
{
  const DsManPage *page;
  guint score;
} Suggestion;

static int
compare_suggestions (gconstpointer a, gconstpointer b)
{
  const Suggestion *x = a, *y = b;
  if (x->score != y->score)
    return x->score < y->score ? -1 : 1;
  return ds_natural_compare (x->page->name, y->page->name);
}

static void
not_found (const DsManList *list, const char *name, const char *crumbs, DsReply *reply)
{
  GString *out = g_string_sized_new (4096);
  const DsPage page = { .title = "404 Not Found", .style = man_style, .crumbs = crumbs };
  ds_page_begin (out, &page);
  g_string_append (out, "<h1>No such manual page</h1>\n");
  if (name != NULL && ds_manname_valid_name (name))
    {
      /* Closest names: small edit distance, or the name as a prefix. */
      guint limit = 2;
      g_autoptr (GArray) found = g_array_new (FALSE, FALSE, sizeof (Suggestion));
      const GPtrArray *all = ds_manlist_all (list);
      g_autofree char *lower = g_ascii_strdown (name, -1);
      for (guint i = 0; i < all->len; i++)
        {
          const DsManPage *p = g_ptr_array_index (all, i);
          g_autofree char *pl = g_ascii_strdown (p->name, -1);
          guint d = ds_manname_distance (lower, pl, limit);
          if (d > limit && g_str_has_prefix (pl, lower))
            d = limit + 1;
          else if (d > limit)
            continue;
          Suggestion s = { p, d };
          g_array_append_val (found, s);
        }
      g_array_sort (found, compare_suggestions);
      if (found->len > 0)
        {
          g_string_append (out, "<p>Closest names:</p>\n<ul>\n");
          for (guint i = 0; i < found->len && i < MAX_SUGGESTIONS; i++)
            {
              g_string_append (out, "<li>");
              append_page_link (out, g_array_index (found, Suggestion, i).page);
              g_string_append (out, "</li>\n");
            }
          g_string_append (out, "</ul>\n");
        }
    }
  g_string_append (out, "<p><a href=\"/man/\">All sections</a></p>\n");
  ds_page_end (out);
  reply_status_html (reply, 404, out);
}

static void
render_error (guint status, const char *crumbs, DsReply *reply)
{
  GString *out = g_string_sized_new (2048);
  const DsPage page = { .title = status == 503 ? "503 Service Unavailable"
                                               : "500 Internal Server Error",
                        .crumbs = crumbs };
  ds_page_begin (out, &page);
  g_string_append (out, status == 503
                            ? "<h1>The page cannot be rendered now</h1>\n<p>The renderer is busy "
                              "or took too long; try again later.</p>\n"
                            : "<h1>The page cannot be rendered</h1>\n<p>Its source could not "
                              "be read or rendered.</p>\n");
  ds_page_end (out);
  reply_status_html (reply, status, out);
}

/* ---- /man/ and /man/SECTION/ ------------------------------------------- */

static void
serve_sections (const Man *m, const DsManList *list, const DsSite *site, const DsRequest *req,
                gint64 now, DsReply *reply)
{
  GString *out = g_string_sized_new (4096);
  const DsPage page = { .title = "Manual pages", .style = man_style, .crumbs = "/man/" };
  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Manual pages</h1>\n");
  append_filter_form (out, NULL);
  g_string_append (out, "<table class=\"sections\">\n");
  const GPtrArray *sections = ds_manlist_sections (list);
  for (guint i = 0; i < sections->len; i++)
    {
      const char *s = g_ptr_array_index (sections, i);
      g_autofree char *rel = g_strconcat ("man/", s, NULL);
      g_autofree char *href = ds_path_encode (rel);
      g_string_append (out, "<tr><td><a href=\"");
      ds_page_append_escaped (out, href);
      g_string_append (out, "/\">");
      ds_page_append_escaped (out, s);
      g_string_append (out, "</a></td><td>");
      ds_page_append_escaped (out, section_title (s));
      guint n = ds_manlist_pages (list, s)->len;
      g_string_append_printf (out, "</td><td>%u page%s</td></tr>\n", n, n == 1 ? "" : "s");
    }
  g_string_append (out, "</table>\n");
  ds_page_end (out);
  g_autoptr (GBytes) body = g_string_free_to_bytes (out);
  g_autofree char *seed = g_strdup_printf ("man-sections:%" G_GUINT64_FORMAT ":%u",
                                           ds_manlist_generation (list),
                                           ds_manindex_n_roots (m->index));
  reply_html (site, req, body, seed, 0, NULL, now, reply);
}

static void
append_page_row (GString *out, Man *m, const DsManPage *p)
{
  g_autofree char *desc = ds_manindex_description (m->index, p);
  g_string_append (out, "<tr><td>");
  append_page_link (out, p);
  g_string_append (out, "</td><td>");
  if (desc != NULL)
    ds_page_append_escaped (out, desc);
  g_string_append (out, "</td></tr>\n");
}

static void
serve_section (Man *m, const DsManList *list, const char *section, const DsSite *site,
               const DsRequest *req, gint64 now, DsReply *reply)
{
  const GPtrArray *pages = ds_manlist_pages (list, section);
  g_autofree char *seed = g_strdup_printf ("man-section:%s:%" G_GUINT64_FORMAT, section,
                                           ds_manlist_generation (list));
  g_autoptr (GBytes) cached = ds_lru_get (m->pages, seed);
  if (cached != NULL)
    {
      reply_html (site, req, cached, seed, 0, NULL, now, reply);
      return;
    }
  g_autofree char *crumbs = g_strconcat ("/man/", section, "/", NULL);
  g_autofree char *title = g_strdup_printf ("Section %s: %s", section, section_title (section));
  GString *out = g_string_sized_new (64 * 1024);
  const DsPage page = { .title = title, .style = man_style, .crumbs = crumbs };
  ds_page_begin (out, &page);
  g_string_append (out, "<h1>");
  ds_page_append_escaped (out, title);
  g_string_append (out, "</h1>\n");
  append_filter_form (out, NULL);
  g_string_append (out, "<table class=\"pages\">\n");
  for (guint i = 0; i < pages->len; i++)
    append_page_row (out, m, g_ptr_array_index (pages, i));
  g_string_append (out, "</table>\n");
  ds_page_end (out);
  g_autoptr (GBytes) body = g_string_free_to_bytes (out);
  ds_lru_put (m->pages, seed, body, g_bytes_get_size (body));
  reply_html (site, req, body, seed, 0, NULL, now, reply);
}

/* The value of parameter @key in the raw query, decoded ('+' is a space),
 * or NULL when absent or not valid UTF-8. */
static char *
query_param (const char *query, const char *key)
{
  if (query == NULL)
    return NULL;
  g_auto (GStrv) pairs = g_strsplit (query, "&", -1);
  gsize klen = strlen (key);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      if (strncmp (pairs[i], key, klen) != 0 || pairs[i][klen] != '=')
        continue;
      g_strdelimit (pairs[i], "+", ' ');
      char *v = g_uri_unescape_string (pairs[i] + klen + 1, NULL);
      if (v != NULL && !g_utf8_validate (v, -1, NULL))
        g_clear_pointer (&v, g_free);
      return v;
    }
  return NULL;
}

static gboolean
contains_folded (const char *hay, const char *needle_folded)
{
  if (hay == NULL)
    return FALSE;
  g_autofree char *h = g_utf8_casefold (hay, -1);
  return strstr (h, needle_folded) != NULL;
}

static void
serve_filter (Man *m, const DsManList *list, const char *word, const DsSite *site,
              const DsRequest *req, gint64 now, DsReply *reply)
{
  g_autofree char *stripped = g_strstrip (g_strdup (word));
  g_autofree char *folded = g_utf8_casefold (stripped, -1);
  GString *out = g_string_sized_new (16 * 1024);
  const DsPage page = { .title = "Manual pages: find", .style = man_style, .crumbs = "/man/" };
  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Manual pages matching \u201c");
  ds_page_append_escaped (out, stripped);
  g_string_append (out, "\u201d</h1>\n");
  append_filter_form (out, stripped);
  guint n = 0;
  GString *rows = g_string_new (NULL);
  const GPtrArray *all = ds_manlist_all (list);
  if (folded[0] != '\0' && strlen (folded) <= 200)
    for (guint i = 0; i < all->len && n < MAX_FILTER_RESULTS; i++)
      {
        const DsManPage *p = g_ptr_array_index (all, i);
        g_autofree char *desc = NULL;
        gboolean hit = contains_folded (p->name, folded);
        if (!hit)
          {
            desc = ds_manindex_description (m->index, p);
            hit = contains_folded (desc, folded);
          }
        if (hit)
          {
            append_page_row (rows, m, p);
            n++;
          }
      }
  if (n == 0)
    g_string_append (out, "<p>No manual page matches.</p>\n");
  else
    {
      g_string_append_printf (out, "<p>%u%s pages</p>\n<table class=\"pages\">\n%s</table>\n", n,
                              n >= MAX_FILTER_RESULTS ? " (the first)" : "", rows->str);
    }
  g_string_free (rows, TRUE);
  ds_page_end (out);
  g_autoptr (GBytes) body = g_string_free_to_bytes (out);
  reply_html (site, req, body, NULL, 0, NULL, now, reply);
}

/* ---- /man/SECTION/NAME -------------------------------------------------- */

char **
ds_man_languages (const char *accept_language)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  if (accept_language == NULL)
    {
      g_ptr_array_add (out, NULL);
      return (char **) g_ptr_array_free (out, FALSE);
    }
  typedef struct
  {
    char *tag;
    double q;
    guint pos;
  } Range;
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  g_auto (GStrv) items = g_strsplit (accept_language, ",", 32);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (items[i], ";", -1);
      char *tag = g_strstrip (parts[0]);
      double q = 1.0;
      for (guint j = 1; parts[j] != NULL; j++)
        {
          char *param = g_strstrip (parts[j]);
          if (g_ascii_strncasecmp (param, "q=", 2) == 0)
            q = g_ascii_strtod (param + 2, NULL);
        }
      gboolean ok = tag[0] != '\0' && strlen (tag) <= 16 && q > 0;
      for (const char *c = tag; ok && *c != '\0'; c++)
        ok = g_ascii_isalnum (*c) || *c == '-' || (*c == '*' && c == tag && c[1] == '\0');
      if (!ok)
        continue;
      Range r = { g_strdup (tag), q, i };
      g_array_append_val (ranges, r);
    }
  /* Highest q first; equal q keep their order. */
  for (guint i = 1; i < ranges->len; i++)
    for (guint j = i; j > 0; j--)
      {
        Range *a = &g_array_index (ranges, Range, j - 1), *b = &g_array_index (ranges, Range, j);
        if (a->q >= b->q)
          break;
        Range t = *a;
        *a = *b;
        *b = t;
      }
  gboolean stop = FALSE;
  for (guint i = 0; i < ranges->len; i++)
    {
      Range *r = &g_array_index (ranges, Range, i);
      if (!stop && (strcmp (r->tag, "*") == 0 || g_ascii_strncasecmp (r->tag, "en", 2) == 0))
        stop = TRUE;
      if (!stop)
        {
          g_auto (GStrv) sub = g_strsplit (r->tag, "-", 3);
          char *primary = g_ascii_strdown (sub[0], -1);
          if (sub[1] != NULL && strlen (sub[1]) == 2)
            {
              char *up = g_ascii_strup (sub[1], -1);
              g_ptr_array_add (out, g_strconcat (primary, "_", up, NULL));
              g_free (up);
            }
          gboolean seen = FALSE;
          for (guint k = 0; k < out->len; k++)
            seen = seen || strcmp (g_ptr_array_index (out, k), primary) == 0;
          if (!seen)
            g_ptr_array_add (out, primary);
          else
            g_free (primary);
        }
      g_free (r->tag);
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

typedef struct
{
  const DsManList *list;
} LinkData;

static gboolean
link_exists (gpointer data, const char *section, const char *name)
{
  const LinkData *d = data;
  return ds_manlist_find (d->list, section, name) != NULL;
}

/* Builds the page for @page, from @rel (the page itself or a translation
 * in @lang). */
static GBytes *
build_page (Man *m, const DsManList *list, const DsManPage *page, GBytes *source,
            const char *lang, DsManRenderResult *out_result, char **out_reason)
{
  LinkData ld = { list };
  g_autofree char *html = NULL;
  *out_result = ds_manrender_run (m->render, source,
                                  ds_manindex_root_path (m->index, page->root), link_exists, &ld,
                                  &html, out_reason);
  if (*out_result != DS_MANRENDER_OK)
    return NULL;
  g_autofree char *title = g_strdup_printf ("%s(%s)", page->name, page->section);
  g_autofree char *crumbs = g_strconcat ("/man/", page->section, "/", page->name, NULL);
  GString *out = g_string_sized_new (strlen (html) + 4096);
  const DsPage shell = { .title = title, .style = man_style, .crumbs = crumbs };
  ds_page_begin (out, &shell);
  if (lang != NULL)
    {
      g_autofree char *rel = g_strconcat ("man/", page->section, "/", page->name, NULL);
      g_autofree char *href = ds_path_encode (rel);
      g_string_append (out, "<p class=\"lang\">This page is a translation (");
      ds_page_append_escaped (out, lang);
      g_string_append (out, "). <a href=\"");
      ds_page_append_escaped (out, href);
      g_string_append (out, "?lang=en\" hreflang=\"en\">The English page</a>.</p>\n");
    }
  g_string_append (out, html);
  ds_page_end (out);
  return g_string_free_to_bytes (out);
}

/* Answers 302 to the page a ".so" source includes, when it is another
 * page of @list; FALSE otherwise. */
static gboolean
redirect_so (const DsManList *list, const char *section, const char *name, GBytes *source,
             DsReply *reply)
{
  gsize len;
  const char *src = g_bytes_get_data (source, &len);
  g_autofree char *so = ds_manname_so_target (src, len);
  if (so == NULL)
    return FALSE;
  const char *slash = strchr (so, '/');
  g_autofree char *dir = g_strndup (so, (gsize) (slash - so));
  const char *dir_section = NULL;
  g_autofree char *to_name = NULL, *to_section = NULL;
  if (!ds_manname_parse_dir (dir, &dir_section)
      || !ds_manname_parse_file (slash + 1, dir_section, &to_name, &to_section, NULL)
      || ds_manlist_find (list, to_section, to_name) == NULL
      || (strcmp (to_name, name) == 0 && strcmp (to_section, section) == 0))
    return FALSE;
  g_autofree char *to = g_strconcat ("man/", to_section, "/", to_name, NULL);
  redirect (reply, 302, to);
  return TRUE;
}

static void
serve_page (Man *m, const DsManList *list, const char *section, const char *name,
            const DsSite *site, const DsRequest *req, gint64 now, DsReply *reply)
{
  const DsManPage *page = ds_manlist_find (list, section, name);
  g_autofree char *crumbs = g_strconcat ("/man/", section, "/", name, NULL);
  if (page == NULL)
    {
      not_found (list, name, crumbs, reply);
      return;
    }

  /* The translation wanted, if one exists. */
  g_autofree char *english = query_param (req->query, "lang");
  g_autofree char *rel = NULL;
  const char *lang_used = NULL;
  g_auto (GStrv) langs = NULL;
  if (english == NULL || strcmp (english, "en") != 0)
    {
      langs = ds_man_languages (req->accept_language);
      for (guint i = 0; langs[i] != NULL && rel == NULL; i++)
        if ((rel = ds_manindex_translation (m->index, page, langs[i])) != NULL)
          lang_used = langs[i];
    }
  if (rel == NULL)
    rel = g_strdup (page->rel);

  struct stat st;
  int err = 0;
  if (!ds_manindex_stat (m->index, page->root, rel, &st, &err))
    {
      not_found (list, name, crumbs, reply);
      return;
    }
  g_autofree char *seed = g_strdup_printf (
      "man-page:1:%s:%u:%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ".%09ld:%s",
      ds_manrender_name (m->render) != NULL ? ds_manrender_name (m->render) : "-", page->root,
      rel, (gint64) st.st_size, (gint64) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
      lang_used != NULL ? lang_used : "");
  /* A cached page is never a .so one: those redirect before rendering. */
  g_autoptr (GBytes) body = ds_lru_get (m->pages, seed);
  if (body == NULL)
    {
      g_autoptr (GBytes) source
          = ds_manindex_read (m->index, page->root, rel, RENDER_MAX_SOURCE, FALSE, &st, &err);
      if (source == NULL)
        {
          if (err == ENOENT)
            not_found (list, name, crumbs, reply);
          else
            {
              g_message ("man: %s/%s: %s", ds_manindex_root_path (m->index, page->root), rel,
                         err == EFBIG    ? "over the size limit"
                         : err == EINVAL ? "not a roff text (NUL byte or broken gzip)"
                                         : g_strerror (err));
              render_error (500, crumbs, reply);
            }
          return;
        }
      if (redirect_so (list, section, name, source, reply))
        return;
      DsManRenderResult result;
      g_autofree char *reason = NULL;
      body = build_page (m, list, page, source, lang_used, &result, &reason);
      if (body == NULL)
        {
          g_message ("man: %s/%s: %s", ds_manindex_root_path (m->index, page->root), rel,
                     reason != NULL ? reason : "render failed");
          render_error (result == DS_MANRENDER_FAILED ? 500 : 503, crumbs, reply);
          return;
        }
      ds_lru_put (m->pages, seed, body, g_bytes_get_size (body));
    }
  reply_html (site, req, body, seed, (gint64) st.st_mtim.tv_sec, "Accept-Language", now, reply);
}

/* ---- dispatch ------------------------------------------------------------- */

static void
serve_man (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
           gboolean dir_slash, gint64 now, DsReply *reply)
{
  Man *m = (Man *) data;
  g_autoptr (DsManList) list = ds_manindex_list (m->index, now);
  g_auto (GStrv) segs = g_strsplit (below, "/", 3);
  guint n = below[0] == '\0' ? 0 : g_strv_length (segs);

  if (n == 0)
    {
      if (!dir_slash)
        {
          redirect (reply, 301, "man/");
          return;
        }
      g_autofree char *k = query_param (req->query, "k");
      if (k != NULL)
        serve_filter (m, list, k, site, req, now, reply);
      else
        serve_sections (m, list, site, req, now, reply);
      return;
    }
  if (n == 1)
    {
      const char *x = segs[0];
      gboolean is_section = ds_manname_valid_section (x) && ds_manlist_pages (list, x) != NULL;
      if (is_section && dir_slash)
        {
          serve_section (m, list, x, site, req, now, reply);
          return;
        }
      if (is_section)
        {
          g_autofree char *to = g_strconcat ("man/", x, "/", NULL);
          redirect (reply, 301, to);
          return;
        }
      const GPtrArray *named = ds_manname_valid_name (x) ? ds_manlist_named (list, x) : NULL;
      if (named != NULL && !dir_slash)
        {
          const DsManPage *first = g_ptr_array_index (named, 0);
          g_autofree char *to = g_strconcat ("man/", first->section, "/", first->name, NULL);
          redirect (reply, 302, to);
          return;
        }
      not_found (list, ds_manname_valid_name (x) ? x : NULL, NULL, reply);
      return;
    }
  if (n == 2 && ds_manname_valid_section (segs[0]) && ds_manname_valid_name (segs[1]))
    {
      if (dir_slash)
        {
          g_autofree char *to = g_strconcat ("man/", segs[0], "/", segs[1], NULL);
          redirect (reply, 301, to);
          return;
        }
      serve_page (m, list, segs[0], segs[1], site, req, now, reply);
      return;
    }
  not_found (list, n == 2 && ds_manname_valid_name (segs[1]) ? segs[1] : NULL, NULL, reply);
}

gboolean
ds_man_mount (DsSite *site, GError **error)
{
  DsManRenderer kind = DS_MANRENDER_AUTO;
  const char *forced = g_getenv ("DOCSERVE_TEST_MAN_RENDERER");
  if (forced != NULL && strcmp (forced, "groff") == 0)
    kind = DS_MANRENDER_GROFF;
  else if (forced != NULL && strcmp (forced, "mandoc") == 0)
    kind = DS_MANRENDER_MANDOC;
  else if (forced != NULL && forced[0] != '\0')
    return ds_error_bad_value (error, "DOCSERVE_TEST_MAN_RENDERER", forced,
                               "is not groff or mandoc");

  Man *m = g_new0 (Man, 1);
  m->index = ds_manindex_new (site->conf->man_path);
  m->render = ds_manrender_new (kind, RENDER_TIMEOUT_MS, RENDER_MAX_OUTPUT,
                                MAX (2, g_get_num_processors ()));
  m->pages = ds_lru_new (PAGE_CACHE_BYTES, (DsLruRefFunc) g_bytes_ref,
                         (GDestroyNotify) g_bytes_unref);
  if (ds_manrender_name (m->render) == NULL)
    g_message ("man: neither mandoc nor groff is installed: manual pages answer 500");
  ds_site_mount (site, "man", serve_man, m, man_free);
  return TRUE;
}
