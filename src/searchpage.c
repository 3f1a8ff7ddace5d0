/* searchpage.c: the search endpoint, as an HTML page in the shared shell
 * or as JSON.
 *
 * Owns what a client sends to search and what it gets back:
 * - the query string is read as a form submission (the search box is a
 *   plain GET form): pairs split on '&', '+' a space, %XX a byte, strictly
 *   (a malformed escape or %00 answers 400, as in paths); only q, page and
 *   prefix are read, the last of each winning, and format by
 *   ds_dirlist_wants_json (format=json|html, else Accept), as listings do;
 * - the words go to ds_ftsquery_build, never to SQLite as they are;
 * - the page shows the words back escaped, each hit's title (escaped) linked
 *   to its URL, the URL, and the snippet: SQLite's snippet() marks matches
 *   with the bytes 0x01 and 0x02, which documents never hold (extract.c),
 *   so the snippet is split at them and every piece escaped, the marks
 *   becoming <mark> elements (balanced even if one is missing);
 * - paging: DS_SEARCHPAGE_PER_PAGE a page, at most DS_SEARCHPAGE_MAX_PAGE
 *   pages (deep offsets cost SQLite the rows before them);
 * - while the indexer runs, both forms say so ("indexing"): the results
 *   are those of what is indexed so far;
 * - the reply goes through ds_gen_reply: an ETag hashed from the body (so
 *   304 while neither the index nor the query changed), Vary: Accept, no
 *   scripts, HEAD. */
#include "config.h"

#include "docserve/searchpage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docserve/common.h"
#include "docserve/dirlist.h"
#include "docserve/ftsquery.h"
#include "docserve/gen.h"
#include "docserve/page.h"
#include "docserve/query.h"
#include "docserve/reply.h"

/* Seconds between two scans of the tree (after the end of one). */
#define RESCAN_SECONDS 600

#define SEARCH_STYLE                                                                      \
  "form.search{margin:0 0 1em}\n"                                                         \
  "form.search input{font:inherit;width:min(30rem,70%);padding:.2em .4em}\n"              \
  "form.search button{font:inherit}\n"                                                    \
  ".status{color:var(--muted)}\n"                                                         \
  "ol.hits{padding-left:1.5em}\n"                                                         \
  "ol.hits li{margin:0 0 1em}\n"                                                          \
  ".hit-url{font-size:.85em;color:var(--muted);overflow-wrap:anywhere}\n"                 \
  ".hit-text{margin:.2em 0 0}\n"                                                          \
  "mark{background:var(--faint);color:inherit;font-weight:600}\n"                         \
  "nav.pager{margin-top:1.5em}\n"                                                         \
  "nav.pager a{margin-right:1em}\n"

const char *
ds_search_url (const DsConf *conf)
{
  g_return_val_if_fail (conf != NULL, NULL);

  if (conf->search_off)
    return NULL;
  if (conf->system_docs)
    return "/search";
  if (conf->search || conf->search_index != NULL)
    return "/.docserve/search";
  return NULL;
}

static const char *
url_prefix_of (const DsConf *conf)
{
  return conf->system_docs ? "/doc/" : "/";
}

char *
ds_search_default_index (const DsConf *conf)
{
  g_return_val_if_fail (conf != NULL && conf->root != NULL, NULL);

  char *real = realpath (conf->root, NULL);
  g_autofree char *key = g_strconcat (real != NULL ? real : conf->root, "\n",
                                      url_prefix_of (conf), conf->system_docs ? "\n" : NULL,
                                      conf->man_path, "\n", conf->info_path, NULL);
  free (real);
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  g_autofree char *name = g_strdup_printf ("%.16s.sqlite", sum);
  return g_build_filename (g_get_user_cache_dir (), "docserve", name, NULL);
}

/* ---- the query string ---------------------------------------------------- */

void
ds_search_params_clear (DsSearchParams *params)
{
  g_return_if_fail (params != NULL);

  g_clear_pointer (&params->q, g_free);
  params->page = 1;
  params->prefix = FALSE;
}

typedef struct
{
  DsSearchParams *out;
  GString *q;
  gboolean ok;
} ParamsRead;

static gboolean
search_param (const char *k, gsize k_len, const char *v, gsize v_len, gpointer data)
{
  ParamsRead *r = data;
  g_autoptr (GString) key = g_string_new (NULL);
  g_autoptr (GString) val = g_string_new (NULL);

  if (!ds_query_decode (k, k_len, key) || (v != NULL && !ds_query_decode (v, v_len, val)))
    {
      r->ok = FALSE;
      return FALSE;
    }
  if (strcmp (key->str, "q") == 0 && key->len == 1)
    {
      g_string_assign (r->q, "");
      g_string_append_len (r->q, val->str, (gssize) MIN (val->len, (gsize) DS_SEARCHPAGE_MAX_Q));
    }
  else if (strcmp (key->str, "page") == 0 && key->len == 4)
    {
      guint64 n = 0;
      gboolean digits = val->len > 0 && val->len <= 12;
      for (gsize i = 0; digits && i < val->len; i++)
        digits = g_ascii_isdigit (val->str[i]);
      if (digits)
        n = g_ascii_strtoull (val->str, NULL, 10);
      r->out->page = n < 1 ? 1 : (guint) MIN (n, (guint64) DS_SEARCHPAGE_MAX_PAGE);
    }
  else if (strcmp (key->str, "prefix") == 0 && key->len == 6)
    r->out->prefix = strcmp (val->str, "1") == 0;
  return TRUE;
}

gboolean
ds_search_params_parse (const char *query, DsSearchParams *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  *out = (DsSearchParams){ .q = NULL, .page = 1, .prefix = FALSE };
  g_autoptr (GString) q = g_string_new (NULL);
  ParamsRead r = { out, q, TRUE };

  ds_query_each (query, search_param, &r);
  if (!r.ok)
    {
      ds_search_params_clear (out);
      return FALSE;
    }
  out->q = g_string_free (g_steal_pointer (&q), FALSE);
  return TRUE;
}

/* ---- output ------------------------------------------------------------------- */

/* @s form-encoded for a query string value. */
static void
append_form_encoded (GString *out, const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("-._~", *p) != NULL)
        g_string_append_c (out, (char) *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

/* Appends the snippet @s with 0x01/0x02 as <mark>/</mark>, the rest
 * escaped; with @html FALSE the marks are dropped and nothing escaped. */
static void
append_snippet (GString *out, const char *s, gboolean html)
{
  gboolean open = FALSE;
  const char *p = s;

  while (*p != '\0')
    {
      gsize n = strcspn (p, "\001\002");
      g_autofree char *piece = g_strndup (p, n);
      if (html)
        ds_page_append_escaped (out, piece);
      else
        g_string_append (out, piece);
      p += n;
      if (*p == '\0')
        break;
      if (html && *p == '\001' && !open)
        g_string_append (out, "<mark>");
      else if (html && *p == '\002' && open)
        g_string_append (out, "</mark>");
      if (*p == '\001')
        open = TRUE;
      else if (*p == '\002')
        open = FALSE;
      p++;
    }
  if (html && open)
    g_string_append (out, "</mark>");
}

static void
append_page_link (GString *out, const char *search_url, const DsSearchParams *params, guint page,
                  const char *rel, const char *text)
{
  g_autoptr (GString) href = g_string_new (search_url);
  g_string_append (href, "?q=");
  append_form_encoded (href, params->q);
  g_string_append_printf (href, "&page=%u", page);
  if (params->prefix)
    g_string_append (href, "&prefix=1");
  g_string_append (out, "<a href=\"");
  ds_page_append_escaped (out, href->str);
  g_string_append_printf (out, "\" rel=\"%s\">%s</a>", rel, text);
}

char *
ds_searchpage_html (const char *search_url, const DsSearchParams *params,
                    const DsSearchResults *results, gboolean indexing, guint64 documents,
                    gsize *out_len)
{
  g_return_val_if_fail (search_url != NULL && params != NULL && params->q != NULL, NULL);

  GString *out = g_string_sized_new (4096);
  g_autofree char *title = *params->q != '\0' ? g_strconcat ("Search: ", params->q, NULL)
                                              : g_strdup ("Search");
  const DsPage page = { .title = title, .style = SEARCH_STYLE, .crumbs = "/search" };

  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Search</h1>\n<form class=\"search\" role=\"search\" method=\"get\" action=\"");
  ds_page_append_escaped (out, search_url);
  g_string_append (out, "\"><input type=\"search\" name=\"q\" value=\"");
  ds_page_append_escaped (out, params->q);
  g_string_append (out, "\" aria-label=\"Words to search for\" autofocus> "
                        "<button type=\"submit\">Search</button></form>\n");
  if (indexing)
    g_string_append (out, "<p class=\"status\">Indexing\xe2\x80\xa6 the results may be "
                          "incomplete.</p>\n");

  if (*params->q == '\0')
    g_string_append_printf (out,
                            "<p class=\"status\">Type one or more words: %" G_GUINT64_FORMAT
                            " document%s indexed.</p>\n",
                            documents, documents == 1 ? " is" : "s are");
  else if (results == NULL)
    g_string_append (out, "<p class=\"status\">No words to search for.</p>\n");
  else if (results->total == 0)
    {
      g_string_append (out, "<p class=\"status\">No documents match \xe2\x80\x9c");
      ds_page_append_escaped (out, params->q);
      g_string_append (out, "\xe2\x80\x9d.</p>\n");
    }
  else
    {
      guint pages = (results->total + DS_SEARCHPAGE_PER_PAGE - 1) / DS_SEARCHPAGE_PER_PAGE;
      pages = MIN (pages, (guint) DS_SEARCHPAGE_MAX_PAGE);
      g_string_append_printf (out, "<p class=\"status\">%u document%s match%s \xe2\x80\x9c",
                              results->total, results->total == 1 ? "" : "s",
                              results->total == 1 ? "es" : "");
      ds_page_append_escaped (out, params->q);
      g_string_append_printf (out, "\xe2\x80\x9d. Page %u of %u.</p>\n", params->page, pages);
      g_string_append_printf (out, "<ol class=\"hits\" start=\"%u\">\n",
                              (params->page - 1) * DS_SEARCHPAGE_PER_PAGE + 1);
      for (guint i = 0; i < results->hits->len; i++)
        {
          const DsSearchHit *h = g_ptr_array_index (results->hits, i);
          g_string_append (out, "<li><a href=\"");
          ds_page_append_escaped (out, h->url);
          g_string_append (out, "\">");
          ds_page_append_escaped (out, h->title);
          g_string_append (out, "</a>\n<div class=\"hit-url\">");
          ds_page_append_escaped (out, h->url);
          g_string_append (out, "</div>\n<p class=\"hit-text\">");
          append_snippet (out, h->snippet, TRUE);
          g_string_append (out, "</p></li>\n");
        }
      g_string_append (out, "</ol>\n");
      if (pages > 1)
        {
          g_string_append (out, "<nav class=\"pager\" aria-label=\"Result pages\">");
          if (params->page > 1)
            append_page_link (out, search_url, params, MIN (params->page - 1, pages), "prev",
                              "\xe2\x86\x90 Previous");
          if (params->page < pages)
            append_page_link (out, search_url, params, params->page + 1, "next",
                              "Next \xe2\x86\x92");
          g_string_append (out, "</nav>\n");
        }
    }
  ds_page_end (out);
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

char *
ds_searchpage_json (const DsSearchParams *params, const DsSearchResults *results,
                    gboolean indexing, guint64 documents, gsize *out_len)
{
  g_return_val_if_fail (params != NULL && params->q != NULL, NULL);

  GString *out = g_string_sized_new (4096);
  g_string_append (out, "{\"query\":");
  ds_json_append_string (out, params->q);
  g_string_append_printf (out,
                          ",\"page\":%u,\"per_page\":%u,\"total\":%u,\"indexing\":%s,"
                          "\"documents\":%" G_GUINT64_FORMAT ",\"results\":[",
                          params->page, DS_SEARCHPAGE_PER_PAGE,
                          results != NULL ? results->total : 0, indexing ? "true" : "false",
                          documents);
  for (guint i = 0; results != NULL && i < results->hits->len; i++)
    {
      const DsSearchHit *h = g_ptr_array_index (results->hits, i);
      struct tm tm;
      time_t t = (time_t) h->mtime;

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"url\":");
      ds_json_append_string (out, h->url);
      g_string_append (out, ",\"title\":");
      ds_json_append_string (out, h->title);
      g_string_append (out, ",\"kind\":");
      ds_json_append_string (out, h->kind);
      g_string_append_printf (out, ",\"size\":%" G_GUINT64_FORMAT ",\"mtime\":", h->size);
      if (gmtime_r (&t, &tm) != NULL && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999)
        g_string_append_printf (out, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      else
        g_string_append (out, "null");
      g_autoptr (GString) plain = g_string_new (NULL);
      g_autoptr (GString) html = g_string_new (NULL);
      append_snippet (plain, h->snippet, FALSE);
      append_snippet (html, h->snippet, TRUE);
      g_string_append (out, ",\"snippet\":");
      ds_json_append_string (out, plain->str);
      g_string_append (out, ",\"snippet_html\":");
      ds_json_append_string (out, html->str);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}\n");
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* ---- the endpoint ---------------------------------------------------------- */

typedef struct
{
  DsSearch *search; /* NULL until mount_start */
  const char *url;  /* static */
  const DsSite *site;
  char *index; /* the index file's name */
} Mount;

/* Opens the index and starts the indexer: after the switch to --user, so
 * that the file is created by, and belongs to, the user docserve serves
 * as. */
static gboolean
mount_start (gpointer data, GError **error)
{
  Mount *m = data;
  const DsConf *conf = m->site->conf;
  const DsSearchConfig cfg = {
    .index_file = m->index,
    .root_fd = &m->site->root_fd,
    .dotfiles = conf->dotfiles,
    .symlinks = conf->symlinks,
    .url_prefix = url_prefix_of (conf),
    .rescan_seconds = RESCAN_SECONDS,
    .man_path = conf->system_docs ? conf->man_path : NULL,
    .info_path = conf->system_docs ? conf->info_path : NULL,
  };

  DsSearch *search = ds_search_open (&cfg, error);
  if (search == NULL)
    return FALSE;
  ds_search_start (search);
  g_atomic_pointer_set (&m->search, search);
  return TRUE;
}

/* --watch saw files change: scan again (incremental) without waiting for
 * the periodic rescan.  Called from the watcher thread; before mount_start
 * there is no index yet. */
static void
mount_changed (gpointer data)
{
  Mount *m = data;
  DsSearch *search = g_atomic_pointer_get (&m->search);

  if (search != NULL)
    ds_search_rescan (search);
}

static void
mount_free (gpointer data)
{
  Mount *m = data;
  ds_search_free (m->search);
  g_free (m->index);
  g_free (m);
}

static void
serve_search (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
              gboolean dir_slash, gint64 now, DsReply *reply)
{
  const Mount *m = data;
  DsSearchParams params = { 0 };

  if (m->search == NULL)
    {
      /* Only a site that was never started (ds_site_start). */
      ds_reply_set_status_page (reply, site->error_pages, 503);
      return;
    }
  if (*below != '\0')
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  if (!ds_search_params_parse (req->query, &params))
    {
      ds_reply_set_status_page (reply, site->error_pages, 400);
      return;
    }
  gboolean json = ds_dirlist_wants_json (req->query, req->accept);
  g_autofree char *fts = ds_ftsquery_build (params.q, strlen (params.q), params.prefix);
  g_autoptr (DsSearchResults) results = NULL;
  gboolean indexing = ds_search_indexing (m->search);

  if (fts != NULL)
    {
      g_autoptr (GError) error = NULL;
      guint offset = (params.page - 1) * DS_SEARCHPAGE_PER_PAGE;
      results = ds_search_query (m->search, fts, offset, DS_SEARCHPAGE_PER_PAGE, &error);
      if (results == NULL)
        {
          fprintf (stderr, "docserve: %s\n", error->message);
          ds_search_params_clear (&params);
          ds_reply_set_status_page (reply, site->error_pages, 500);
          return;
        }
      indexing = results->indexing;
    }
  guint64 documents = results != NULL ? results->documents : ds_search_documents (m->search);
  gsize len = 0;
  char *text = json ? ds_searchpage_json (&params, results, indexing, documents, &len)
                    : ds_searchpage_html (m->url, &params, results, indexing, documents, &len);
  g_autoptr (GBytes) body = g_bytes_new_take (text, len);
  const DsGenMeta meta = {
    .content_type = json ? "application/json" : "text/html; charset=utf-8",
    .etag_seed = NULL,
    .vary = "Accept",
    .scripts = FALSE,
  };
  ds_gen_reply (site, req, &meta, body, now, reply);
  ds_search_params_clear (&params);
}

gboolean
ds_search_mount (DsSite *site, GError **error)
{
  const DsConf *conf = site->conf;
  const char *url = ds_search_url (conf);

  (void) error; /* opening the index waits for mount_start */
  if (url == NULL)
    return TRUE;
  Mount *m = g_new0 (Mount, 1);
  m->url = url;
  m->site = site;
  m->index = conf->search_index != NULL ? g_strdup (conf->search_index)
                                        : ds_search_default_index (conf);
  ds_site_on_start (site, mount_start, m);
  ds_site_on_change (site, mount_changed, m);
  /* The mount point is the URL without its leading '/'. */
  ds_site_mount (site, url + 1, serve_search, m, mount_free);
  return TRUE;
}
