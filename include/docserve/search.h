/* search.h: the full-text search index (SQLite FTS5) of a served tree and
 * its background indexer thread. */
#pragma once

#include <glib.h>

#include "docserve/path.h"

G_BEGIN_DECLS

typedef struct _DsSearch DsSearch;

/* Documents per page of results at most. */
#define DS_SEARCH_MAX_LIMIT 50

typedef struct
{
  /* The index file, or NULL for an index in memory only.  Its directory
   * is made if missing. */
  const char *index_file;
  /* The served tree: a pointer to its directory fd, read atomically at the
   * start of every scan and query (SIGHUP may swap it; the fds stay open
   * while the DsSearch lives).  Files are opened below it with
   * ds_path_open and read with ds_dirlist_read's rules. */
  const gint *root_fd;
  DsDotfiles dotfiles;
  DsSymlinks symlinks;
  /* The URL of the tree's root, "/" or "/doc/": a result's URL is this
   * plus the percent-encoded relative path. */
  const char *url_prefix;
  /* Seconds between the end of one scan and the next; 0: scan only when
   * asked (ds_search_rescan) after the first. */
  guint rescan_seconds;
  /* Portal mode: the manual page trees (--man-path, colon-separated), or
   * NULL.  Every English page found by manindex.h's rules (translations
   * are not listed there) is indexed as /man/SECTION/NAME, kind "man",
   * title "name(SECTION) — description", under the key
   * ds_search_man_key gives its source file. */
  const char *man_path;
  /* Portal mode: the info directories (--info-path), or NULL.  Every node
   * of every manual info.h lists is indexed as /info/MANUAL/NODE (node
   * names encoded by ds_infofile_encode_node), kind "info", title
   * "NODE (MANUAL)"; a manual is re-read when its main file's size or
   * mtime changes. */
  const char *info_path;
} DsSearchConfig;

/* The docs-table key of man page file @rel below the man root with path
 * @root_path: "//man/" ROOT_PATH "//" REL, which no path of the served
 * tree (relative, no empty segment) can be.  Caller frees. */
char *ds_search_man_key (const char *root_path, const char *rel);

/* The key of info manual file @file below the info directory @root_path
 * ("//info/" ROOT_PATH "//" FILE), and with @node (non-NULL) that of one
 * of its nodes (the file's key, 0x1f, NODE).  Caller frees. */
char *ds_search_info_key (const char *root_path, const char *file, const char *node);

/* Opens (or creates) the index for @config (borrowed; copied).  An index
 * file that is missing is created; one that is damaged, not an SQLite
 * database, locked by another process for longer than a few seconds, or
 * read-only is replaced by a fresh one, or by one in memory, after one
 * line on stderr: never an error.  An index made for another tree, URL or
 * policy (dotfiles, symlinks) is emptied and rebuilt.  Returns NULL with
 * DS_ERROR_RUNTIME only when SQLite cannot even make an FTS5 table in
 * memory.  The indexer does not run until ds_search_start. */
DsSearch *ds_search_open (const DsSearchConfig *config, GError **error);

/* Starts the indexer thread: a first scan at once (incremental against
 * what the file already holds), then one every rescan_seconds.  The thread
 * runs at idle CPU and I/O priority. */
void ds_search_start (DsSearch *search);

/* Asks for a scan as soon as the current one (if any) ends. */
void ds_search_rescan (DsSearch *search);

/* Stops the indexer (at its next file), joins it and frees everything.
 * NULL is ignored. */
void ds_search_free (DsSearch *search);

/* Whether the indexer is scanning now, or has not finished its first scan. */
gboolean ds_search_indexing (DsSearch *search);

/* The number of documents in the index (0 on an SQLite failure).
 * Thread-safe. */
guint64 ds_search_documents (DsSearch *search);

/* A counter that changes whenever the searchable contents change (each
 * committed batch of the indexer): results may be cached under it. */
guint64 ds_search_generation (DsSearch *search);

typedef struct
{
  char *url;     /* percent-encoded absolute path */
  char *title;   /* plain text */
  char *kind;    /* "html", "text", "man" (under /man/), "info" (under /info/) */
  guint64 size;
  gint64 mtime;
  /* Plain text with each matched phrase between the bytes 0x01 and 0x02
   * (which documents never hold: extract.c); the caller escapes it. */
  char *snippet;
} DsSearchHit;

typedef struct
{
  guint total;     /* documents that match */
  GPtrArray *hits; /* DsSearchHit, at most the limit asked for */
  gboolean indexing;
  guint64 documents; /* documents in the index */
} DsSearchResults;

void ds_search_results_free (DsSearchResults *results);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSearchResults, ds_search_results_free)

/* Runs @fts_query (from ds_ftsquery_build, never client text) and returns
 * hits @offset .. @offset + @limit - 1 (@limit at most
 * DS_SEARCH_MAX_LIMIT) in rank order: bm25 with the title weighted ten
 * times the body and the URL twice.  A hit whose file docserve would not
 * serve now (removed, a dotfile, a symlink the policy refuses, not a
 * regular file) is left out.  Thread-safe.  NULL with DS_ERROR_RUNTIME on
 * an SQLite failure. */
DsSearchResults *ds_search_query (DsSearch *search, const char *fts_query, guint offset,
                                  guint limit, GError **error);

G_END_DECLS
