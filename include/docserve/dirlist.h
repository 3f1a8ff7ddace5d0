/* dirlist.h: directory listings as HTML and JSON. */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "docserve/path.h"

G_BEGIN_DECLS

typedef struct
{
  char *name;     /* raw file name bytes (may be non-UTF-8) */
  gboolean is_dir;
  guint64 size;   /* 0 for directories */
  gint64 mtime;   /* seconds since the epoch */
} DsDirEntry;

void ds_dir_entry_free (DsDirEntry *e);

/* Reads directory @rel (as from ds_path_sanitize; "" is the root) below
 * @root_fd, keeping only entries the server would serve: no dotfiles when
 * @dotfiles denies them (".well-known" at the root stays), symlinks only when
 * @symlinks would follow them to a regular file or directory (checked with
 * ds_path_open), no FIFOs, sockets or devices, no names the path decoder
 * would refuse (control bytes, '\', invalid UTF-8).  Returns a GPtrArray of
 * DsDirEntry (free func set), or NULL with *out_errno. */
GPtrArray *ds_dirlist_read (int root_fd, const char *rel, DsDotfiles dotfiles,
                            DsSymlinks symlinks, int *out_errno);

/* The same, for the directory @rel already opened as @fd (which it takes
 * over and closes, also on failure). */
GPtrArray *ds_dirlist_read_fd (int root_fd, int fd, const char *rel, DsDotfiles dotfiles,
                               DsSymlinks symlinks, int *out_errno);

typedef enum
{
  DS_SORT_NAME = 0,
  DS_SORT_SIZE,
  DS_SORT_TIME
} DsSortKey;

/* Reads ?sort=name|size|time and ?order=asc|desc from the raw @query (may be
 * NULL); unknown values are ignored. */
void ds_dirlist_parse_query (const char *query, DsSortKey *out_key, gboolean *out_desc);

/* Whether the listing should be JSON: "?format=json" in @query, else
 * "?format=html" means no, else whether the @accept field (NULL: absent)
 * prefers application/json over text/html (ds_accept_media_choose). */
gboolean ds_dirlist_wants_json (const char *query, const char *accept);

/* Sorts @entries in place: directories first, then by @key (name order is
 * locale-independent natural order: "file2" < "file10"). */
void ds_dirlist_sort (GPtrArray *entries, DsSortKey key, gboolean desc);

/* The HTML5 page for directory @rel.  It loads /.docserve/filter.js (the
 * filter box), so it must be served with a CSP that allows docserve's own
 * scripts.  Caller frees; length in *out_len. */
char *ds_dirlist_html (const char *rel, const GPtrArray *entries, DsSortKey key, gboolean desc,
                       gsize *out_len);

/* What a listing page shows besides the table; every field may be NULL. */
typedef struct
{
  /* CSS rules as DsPage.style takes them, after the listing's own. */
  const char *extra_style;
  /* A trusted HTML fragment after the table: the directory's README
   * (markdown.c). */
  const char *extra_html;
  /* Where the search box sends its query; NULL: no search box. */
  const char *search_url;
} DsDirlistExtras;

/* The same with @extras (NULL: none). */
char *ds_dirlist_html_with (const char *rel, const GPtrArray *entries, DsSortKey key,
                            gboolean desc, const DsDirlistExtras *extras, gsize *out_len);

/* The JSON document: {"path": "/rel/", "entries": [{"name", "type":
 * "file"|"directory", "size", "mtime" (RFC 3339 UTC)}...]}.  Caller frees. */
char *ds_dirlist_json (const char *rel, const GPtrArray *entries, gsize *out_len);

/* A bounded, thread-safe cache of rendered listings.  An entry is served
 * only within the second (@now, seconds) it was stored in, and only while
 * the directory has the same device, inode, mtime and ctime as when it was
 * read: a name added, removed or renamed shows at once, and the size or
 * date of an entry changed in place is at most one second old.
 *
 * A directory changed in the last DS_DIRCACHE_SETTLE_S seconds (by its
 * ctime) is not stored: timestamps come from a clock that moves in ticks
 * (4 ms at HZ=250 before Linux 6.13) or, on some filesystems, whole
 * seconds, so two changes close together can leave the same mtime and
 * ctime, and the second would go unseen.  Once the directory has been
 * quiet that long, any change gets a later timestamp than the stored one. */
#define DS_DIRCACHE_SETTLE_S 3
typedef struct _DsDirCache DsDirCache;

/* At most @max_entries listings and @max_bytes of bodies; a body larger
 * than a quarter of @max_bytes is not kept. */
DsDirCache *ds_dircache_new (guint max_entries, gsize max_bytes);
void ds_dircache_free (DsDirCache *c);

/* The body stored under @key for the directory @dir_st (its fstat) in
 * second @now, or NULL.  Caller unrefs. */
GBytes *ds_dircache_lookup (DsDirCache *c, const char *key, const struct stat *dir_st,
                            gint64 now);

/* Stores @body (a new reference is taken) for @key, the directory as it
 * was (@dir_st, taken before it was read) and second @now, unless the
 * directory's ctime is less than DS_DIRCACHE_SETTLE_S seconds before @now
 * (or after it); drops the entries of other seconds than @now and the
 * next, then others while over the bounds. */
void ds_dircache_store (DsDirCache *c, const char *key, const struct stat *dir_st, gint64 now,
                        GBytes *body);

/* Number of listings held (for tests). */
guint ds_dircache_size (DsDirCache *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDirCache, ds_dircache_free)

G_END_DECLS
