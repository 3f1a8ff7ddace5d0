/* searchpage.h: the search endpoint: /.docserve/search (DIR mode, with
 * --search) or /search (--system-docs), as an HTML page or JSON. */
#pragma once

#include <glib.h>

#include "docserve/conf.h"
#include "docserve/search.h"
#include "docserve/site.h"

G_BEGIN_DECLS

/* Results per page. */
#define DS_SEARCHPAGE_PER_PAGE 10
/* Pages that can be asked for; a later page shows none. */
#define DS_SEARCHPAGE_MAX_PAGE 100
/* Bytes of the decoded q parameter kept (and shown back). */
#define DS_SEARCHPAGE_MAX_Q 1024

/* The search URL for @conf ("/.docserve/search" or "/search"), or NULL
 * when search is off.  Static. */
const char *ds_search_url (const DsConf *conf);

/* The index file for @conf when --search-index is not given:
 * $XDG_CACHE_HOME/docserve/<16 hex digits of a SHA-256 of the served root's
 * real path, the URL it is served at and, with --system-docs, --man-path
 * and --info-path>.sqlite: one file per set of roots.  Caller frees. */
char *ds_search_default_index (const DsConf *conf);

/* What a search request asks for. */
typedef struct
{
  char *q;         /* decoded q, at most DS_SEARCHPAGE_MAX_Q bytes (may be
                    * invalid UTF-8: shown through the escapers), "" if absent */
  guint page;      /* 1 .. DS_SEARCHPAGE_MAX_PAGE */
  gboolean prefix; /* prefix=1: the last word also matches as a prefix */
} DsSearchParams;

void ds_search_params_clear (DsSearchParams *params);

/* Parses the raw query string @query (may be NULL) as a form submission
 * (application/x-www-form-urlencoded: '&'-separated, '+' a space, %XX a
 * byte).  The last q, page and prefix win; other keys are ignored; a page
 * that is not a number from 1 is 1, a bigger one DS_SEARCHPAGE_MAX_PAGE.
 * FALSE (answer 400) when a key or value holds a malformed %-escape or
 * %00; @out is then cleared. */
gboolean ds_search_params_parse (const char *query, DsSearchParams *out);

/* The HTML results page (the shared shell) for @params at @search_url;
 * @results NULL when there was nothing to search for; @indexing and
 * @documents describe the index.  Caller frees; *out_len its length. */
char *ds_searchpage_html (const char *search_url, const DsSearchParams *params,
                          const DsSearchResults *results, gboolean indexing, guint64 documents,
                          gsize *out_len);

/* The JSON document: {"query", "page", "per_page", "total", "indexing",
 * "documents" (in the index), "results": [{"url", "title", "kind", "size", "mtime" (RFC
 * 3339 UTC), "snippet" (plain text), "snippet_html" (escaped, matches in
 * <mark>)}]}.  Caller frees. */
char *ds_searchpage_json (const DsSearchParams *params, const DsSearchResults *results,
                          gboolean indexing, guint64 documents, gsize *out_len);

/* Mounts the search endpoint when @site's configuration turns search on
 * (--search, --system-docs, not --no-search).  ds_site_start (after the
 * switch to --user) opens the index (search.c: problems with the file are
 * one line on stderr, not an error; it fails only when SQLite cannot index
 * at all) and starts its indexer; --watch's changes ask it to rescan.  The
 * site stops and frees it.  Never fails now. */
gboolean ds_search_mount (DsSite *site, GError **error);

G_END_DECLS
