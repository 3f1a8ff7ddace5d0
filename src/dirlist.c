/* dirlist.c: directory listings as HTML and JSON.
 *
 * Owns what a client sees of a directory that has no index file: which
 * entries are listed, in what order, and how their names are written.
 *
 * Reading (ds_dirlist_read) lists exactly what the server would serve, so a
 * listing never offers a link that answers 400 or 404:
 * - the directory is opened with ds_path_open() (openat2 below the root, the
 *   symlink policy applied), then read with fdopendir/readdir; each entry costs
 *   one fstatat(AT_SYMLINK_NOFOLLOW), a symlink up to four more (fstatat,
 *   open, fstat, close): O(n) syscalls, no per-entry path walk from the root in
 *   userspace;
 * - "." and ".." are never listed; under DS_DOTFILES_DENY no name starting with
 *   '.' is, except ".well-known" in the root (RFC 8615), as in path.c;
 * - a name is listed only if its href round-trips: ds_path_encode() of the name,
 *   decoded again by ds_path_sanitize(), must give the name back.  That drops
 *   control bytes, '\' and invalid UTF-8 (so the pages are always valid UTF-8)
 *   with the decoder's own rules rather than a copy of them;
 * - regular files and directories are listed; FIFOs, sockets and devices are
 *   not (the handler refuses them).  A symlink is listed only if
 *   ds_path_open() under the policy reaches a regular file or directory, and
 *   then with the target's type, size and mtime (a following fstatat() first,
 *   so a link to a device or FIFO is never opened).  A dangling link, a loop, a
 *   link leaving the root under DS_SYMLINKS_INSIDE, any link under
 *   DS_SYMLINKS_NONE, and a link whose target cannot be opened (EACCES) are
 *   hidden;
 * - an entry whose fstatat() fails (removed meanwhile) is skipped.
 *
 * Name order (ds_dirlist_sort, DS_SORT_NAME) is natural and locale-free.  Each
 * name is read as a sequence of tokens: a maximal run of ASCII digits is one
 * number token, every other byte is one character token.  Tokens compare as
 * follows: two numbers by numeric value (leading zeros ignored, any length, no
 * overflow); two characters by byte value after ASCII lower-casing (bytes >=
 * 0x80 unchanged); a number against a character as a digit byte against that
 * character (so "a-1" < "a1" < "a_1", since '-' < '0'..'9' < '_').  Names
 * compare token by token, a proper prefix first.  Names equal under that rule
 * ("File1", "file01") are ordered by plain byte order (strcmp) as the tie-break,
 * so the order is total and does not depend on the input order.
 * DS_SORT_SIZE and DS_SORT_TIME compare the key, then the name as above.
 * Directories always come first; @desc reverses the whole comparison within
 * the directory group and within the file group.
 *
 * HTML or JSON (ds_dirlist_wants_json): a "format=json" query parameter
 * selects JSON and "format=html" HTML, whatever Accept says; the query is
 * split on '&', not percent-decoded, and keys and values are matched
 * exactly.  Otherwise the Accept field decides (negotiate.c, RFC 9110
 * section 12.5.1): JSON only when it weighs application/json positive and
 * strictly above text/html, so a tie ("* / *" alone) or a browser's list
 * gives HTML.
 *
 * Output: the HTML page is built on the shared shell (page.c: head, one
 * inline style, breadcrumbs with a link to each ancestor directory, footer),
 * loads nothing but docserve's own filter script (/.docserve/filter.js, which
 * makes the filter box; without scripts the page is whole), and shows only
 * the request path, never the root's file system path.  The caller may add
 * a section after the table (the directory's README, handler.c).  Names are escaped for
 * HTML text and attributes (& < > " ') by the shell's escaper;
 * hrefs are the name percent-encoded by ds_path_encode(), prefixed with "./"
 * when the encoded name contains ':' (RFC 3986 section 4.2: otherwise
 * "javascript:x" would be read as a scheme).  Times are UTC, formatted with
 * gmtime_r and integer arithmetic, so the output does not depend on the locale.
 * JSON strings escape '"', '\' and every byte below 0x20 and 0x7f as \u00XX
 * (RFC 8259 section 7); the document ends with a newline. */
#include "config.h"

#include "docserve/dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docserve/common.h"
#include "docserve/negotiate.h"
#include "docserve/page.h"
#include "docserve/query.h"

void
ds_dir_entry_free (DsDirEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->name);
  g_free (e);
}

static void
entry_free (gpointer p)
{
  ds_dir_entry_free (p);
}

typedef DIR DsDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDir, closedir)

/* ---- reading ----------------------------------------------------------- */

/* Whether a client could request @name in the listed directory: its href
 * decodes back to exactly @name. */
static gboolean
name_round_trips (const char *name)
{
  g_autofree char *encoded = ds_path_encode (name);
  g_autofree char *back = NULL;
  gboolean dir_slash = FALSE;

  if (ds_path_sanitize (encoded, strlen (encoded), DS_DOTFILES_ALLOW, &back, &dir_slash)
      != DS_PATH_OK)
    return FALSE;
  return strcmp (back, name) == 0;
}

static gboolean
name_is_listed (const char *rel, const char *name, DsDotfiles dotfiles)
{
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return FALSE;
  if (name[0] == '.' && dotfiles == DS_DOTFILES_DENY
      && !(rel[0] == '\0' && strcmp (name, ".well-known") == 0))
    return FALSE;
  return name_round_trips (name);
}

/* Resolves the symlink @name in @rel as a request for it would, and fills
 * *st with what the server would serve.  FALSE if it would not serve it. */
static gboolean
stat_symlink_target (int root_fd, int dir_fd, const char *rel, const char *name,
                     DsSymlinks symlinks, struct stat *st)
{
  /* No need to try: the policy refuses every symlink. */
  if (symlinks == DS_SYMLINKS_NONE)
    return FALSE;
  /* Look before opening: a listing must not open a device (a tape rewinds, a
   * watchdog arms) or anything else the server would refuse anyway.  This
   * stat may look outside the root; only ds_path_open below decides. */
  if (fstatat (dir_fd, name, st, 0) != 0 || !(S_ISREG (st->st_mode) || S_ISDIR (st->st_mode)))
    return FALSE;

  g_autofree char *child = rel[0] != '\0' ? g_strconcat (rel, "/", name, NULL) : g_strdup (name);
  int err = 0;
  int fd = ds_path_open (root_fd, child, symlinks, &err);

  if (fd < 0)
    return FALSE;
  gboolean ok = fstat (fd, st) == 0;
  ds_fd_cleanup (&fd);
  return ok;
}

GPtrArray *
ds_dirlist_read (int root_fd, const char *rel, DsDotfiles dotfiles, DsSymlinks symlinks,
                 int *out_errno)
{
  g_return_val_if_fail (out_errno != NULL, NULL);
  *out_errno = EINVAL;
  g_return_val_if_fail (root_fd >= 0, NULL);
  g_return_val_if_fail (rel != NULL, NULL);

  int err = 0;
  int fd = ds_path_open (root_fd, rel, symlinks, &err);
  if (fd < 0)
    {
      *out_errno = err;
      return NULL;
    }
  return ds_dirlist_read_fd (root_fd, fd, rel, dotfiles, symlinks, out_errno);
}

GPtrArray *
ds_dirlist_read_fd (int root_fd, int fd, const char *rel, DsDotfiles dotfiles,
                    DsSymlinks symlinks, int *out_errno)
{
  g_return_val_if_fail (out_errno != NULL, NULL);
  *out_errno = EINVAL;
  g_return_val_if_fail (root_fd >= 0, NULL);
  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (rel != NULL, NULL);

  g_autoptr (DsDir) dir = fdopendir (fd);
  if (dir == NULL)
    {
      /* ENOTDIR for a file; fdopendir leaves the fd open on failure. */
      *out_errno = errno;
      close (fd);
      return NULL;
    }
  int dfd = dirfd (dir);

  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  for (;;)
    {
      errno = 0;
      struct dirent *de = readdir (dir);
      if (de == NULL)
        {
          if (errno != 0)
            {
              *out_errno = errno;
              return NULL;
            }
          break;
        }

      const char *name = de->d_name;
      if (!name_is_listed (rel, name, dotfiles))
        continue;

      struct stat st;
      if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (S_ISLNK (st.st_mode) && !stat_symlink_target (root_fd, dfd, rel, name, symlinks, &st))
        continue;
      if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
        continue;

      DsDirEntry *e = g_new0 (DsDirEntry, 1);
      e->name = g_strdup (name);
      e->is_dir = S_ISDIR (st.st_mode);
      e->size = e->is_dir || st.st_size < 0 ? 0 : (guint64) st.st_size;
      e->mtime = (gint64) st.st_mtim.tv_sec;
      g_ptr_array_add (entries, e);
    }

  *out_errno = 0;
  return g_steal_pointer (&entries);
}

/* ---- query and Accept -------------------------------------------------- */

typedef struct
{
  DsSortKey key;
  gboolean desc;
} SortParams;

static gboolean
sort_param (const char *key, gsize key_len, const char *value, gsize value_len, gpointer data)
{
  SortParams *sp = data;

  if (ds_query_word_is (key, key_len, "sort"))
    {
      if (ds_query_word_is (value, value_len, "name"))
        sp->key = DS_SORT_NAME;
      else if (ds_query_word_is (value, value_len, "size"))
        sp->key = DS_SORT_SIZE;
      else if (ds_query_word_is (value, value_len, "time"))
        sp->key = DS_SORT_TIME;
    }
  else if (ds_query_word_is (key, key_len, "order"))
    {
      if (ds_query_word_is (value, value_len, "asc"))
        sp->desc = FALSE;
      else if (ds_query_word_is (value, value_len, "desc"))
        sp->desc = TRUE;
    }
  return TRUE;
}

void
ds_dirlist_parse_query (const char *query, DsSortKey *out_key, gboolean *out_desc)
{
  g_return_if_fail (out_key != NULL);
  g_return_if_fail (out_desc != NULL);

  SortParams sp = { DS_SORT_NAME, FALSE };

  ds_query_each (query, sort_param, &sp);
  *out_key = sp.key;
  *out_desc = sp.desc;
}

typedef enum
{
  FORMAT_UNSET = 0,
  FORMAT_HTML,
  FORMAT_JSON
} Format;

static gboolean
format_param (const char *key, gsize key_len, const char *value, gsize value_len, gpointer data)
{
  Format *format = data;

  if (!ds_query_word_is (key, key_len, "format"))
    return TRUE;
  if (ds_query_word_is (value, value_len, "json"))
    *format = FORMAT_JSON;
  else if (ds_query_word_is (value, value_len, "html"))
    *format = FORMAT_HTML;
  return TRUE;
}

gboolean
ds_dirlist_wants_json (const char *query, const char *accept)
{
  Format format = FORMAT_UNSET;

  ds_query_each (query, format_param, &format);
  if (format != FORMAT_UNSET)
    return format == FORMAT_JSON;
  /* HTML first: JSON only when Accept weighs it strictly higher. */
  static const char *const types[] = { "text/html", "application/json" };
  return ds_accept_media_choose (accept, types, G_N_ELEMENTS (types)) == 1;
}

/* ---- sorting ----------------------------------------------------------- */

static int
name_cmp (const char *a, const char *b)
{
  return ds_natural_compare (a, b);
}

static int
entry_cmp (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const DsDirEntry *a = *(DsDirEntry *const *) pa;
  const DsDirEntry *b = *(DsDirEntry *const *) pb;
  const SortParams *sp = data;
  int c = 0;

  if (a->is_dir != b->is_dir)
    return a->is_dir ? -1 : 1;

  switch (sp->key)
    {
    case DS_SORT_SIZE:
      c = (a->size > b->size) - (a->size < b->size);
      break;
    case DS_SORT_TIME:
      c = (a->mtime > b->mtime) - (a->mtime < b->mtime);
      break;
    case DS_SORT_NAME:
    default:
      break;
    }
  if (c == 0)
    c = name_cmp (a->name, b->name);
  return sp->desc ? -c : c;
}

void
ds_dirlist_sort (GPtrArray *entries, DsSortKey key, gboolean desc)
{
  g_return_if_fail (entries != NULL);

  SortParams sp = { key, desc };

  g_ptr_array_sort_with_data (entries, entry_cmp, &sp);
}

/* ---- output ------------------------------------------------------------ */

/* The relative reference for @e, not yet HTML-escaped. */
static char *
entry_href (const DsDirEntry *e)
{
  g_autofree char *encoded = ds_path_encode (e->name);
  const char *seg = encoded + 1; /* past the leading '/' */
  GString *href = g_string_sized_new (strlen (encoded) + 3);

  if (strchr (seg, ':') != NULL)
    g_string_append (href, "./");
  g_string_append (href, seg);
  if (e->is_dir)
    g_string_append_c (href, '/');
  return g_string_free (href, FALSE);
}

/* "512 B", "1.2 KiB" ... "16.0 EiB", one decimal, rounded half up, in integer
 * arithmetic (no locale decimal comma). */
static void
append_human_size (GString *out, guint64 size)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  guint k = 0;

  while (k + 1 < G_N_ELEMENTS (units) && size >= (G_GUINT64_CONSTANT (1) << (10 * (k + 1))))
    k++;
  if (k == 0)
    {
      g_string_append_printf (out, "%" G_GUINT64_FORMAT " B", size);
      return;
    }

  for (;;)
    {
      guint64 unit = G_GUINT64_CONSTANT (1) << (10 * k);
      guint64 whole = size / unit;
      /* rem < unit <= 2^60, so rem * 10 cannot overflow. */
      guint64 tenths = ((size % unit) * 10 + unit / 2) / unit;

      if (tenths == 10)
        {
          whole++;
          tenths = 0;
        }
      /* 1023.96 KiB rounds to 1024.0 KiB: say 1.0 MiB instead. */
      if (whole >= 1024 && k + 1 < G_N_ELEMENTS (units))
        {
          k++;
          continue;
        }
      g_string_append_printf (out, "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT " %s", whole,
                              tenths, units[k]);
      return;
    }
}

/* Fills @tm with @t in UTC; FALSE if it cannot be represented, or falls
 * outside years 0..9999 (where "tm_year + 1900" could overflow an int and
 * no four-digit date can show it). */
static gboolean
utc_time (gint64 t, struct tm *tm)
{
  time_t tt = (time_t) t;

  return (gint64) tt == t && gmtime_r (&tt, tm) != NULL && tm->tm_year >= -1900
         && tm->tm_year <= 9999 - 1900;
}

/* The listing's own rules on top of the shell's (page.c); colours from its
 * palette, so dark mode needs nothing here. */
#define LISTING_STYLE                                                                     \
  "table{width:100%;border-collapse:collapse}\n"                                          \
  "th,td{padding:.35em .5em;text-align:left;vertical-align:top}\n"                        \
  "th{border-bottom:2px solid var(--rule);white-space:nowrap}\n"                          \
  "td{border-bottom:1px solid var(--faint)}\n"                                            \
  "td:first-child{overflow-wrap:anywhere}\n"                                              \
  ".size,.time{white-space:nowrap;font-variant-numeric:tabular-nums}\n"                   \
  ".size{text-align:right}\n"                                                             \
  "th a{color:inherit}\n"                                                                 \
  "@media (max-width:32em){.time{display:none}}\n"

/* The filter box (src/assets/filter.js): made by the script, so a reader
 * without scripts sees no box; deferred, so the table is there when it
 * runs. */
#define LISTING_HEAD "<script src=\"/.docserve/filter.js\" defer></script>\n"

/* One sortable column header: a link that sorts by @key, ascending unless
 * the page is already sorted ascending by it. */
static void
append_header (GString *out, const char *label, const char *cls, const char *key_word,
               DsSortKey key, DsSortKey cur_key, gboolean cur_desc)
{
  gboolean active = key == cur_key;
  gboolean next_desc = active && !cur_desc;

  g_string_append_printf (out, "<th class=\"%s\"", cls);
  if (active)
    g_string_append_printf (out, " aria-sort=\"%s\"", cur_desc ? "descending" : "ascending");
  g_string_append_printf (out, "><a href=\"?sort=%s&amp;order=%s\">%s</a>%s</th>", key_word,
                          next_desc ? "desc" : "asc", label,
                          !active ? "" : cur_desc ? " \xe2\x86\x93" : " \xe2\x86\x91");
}

char *
ds_dirlist_html (const char *rel, const GPtrArray *entries, DsSortKey key, gboolean desc,
                 gsize *out_len)
{
  return ds_dirlist_html_with (rel, entries, key, desc, NULL, out_len);
}

char *
ds_dirlist_html_with (const char *rel, const GPtrArray *entries, DsSortKey key, gboolean desc,
                      const DsDirlistExtras *extras, gsize *out_len)
{
  g_return_val_if_fail (rel != NULL, NULL);
  g_return_val_if_fail (entries != NULL, NULL);

  g_autofree char *shown_path
      = rel[0] != '\0' ? g_strconcat ("/", rel, "/", NULL) : g_strdup ("/");
  g_autofree char *title = g_strconcat ("Index of ", shown_path, NULL);
  const DsDirlistExtras none = { 0 };
  const DsDirlistExtras *x = extras != NULL ? extras : &none;
  g_autofree char *style = g_strconcat (LISTING_STYLE, x->extra_style, NULL);
  const DsPage page = { .title = title, .style = style, .crumbs = shown_path,
                        .head = LISTING_HEAD, .search = x->search_url };
  GString *out = g_string_sized_new (2048 + (gsize) entries->len * 256
                                     + (x->extra_html != NULL ? strlen (x->extra_html) : 0));

  ds_page_begin (out, &page);
  g_string_append (out, "<h1>");
  ds_page_append_escaped (out, title);
  g_string_append (out, "</h1>\n<table>\n<thead>\n<tr>");
  append_header (out, "Name", "name", "name", DS_SORT_NAME, key, desc);
  append_header (out, "Size", "size", "size", DS_SORT_SIZE, key, desc);
  append_header (out, "Modified", "time", "time", DS_SORT_TIME, key, desc);
  g_string_append (out, "</tr>\n</thead>\n<tbody>\n");

  if (rel[0] != '\0')
    g_string_append (out, "<tr><td><a href=\"../\">../</a></td>"
                          "<td class=\"size\"></td><td class=\"time\"></td></tr>\n");

  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      g_autofree char *href = entry_href (e);
      struct tm tm;

      g_string_append (out, "<tr><td><a href=\"");
      ds_page_append_escaped (out, href);
      g_string_append (out, "\">");
      ds_page_append_escaped (out, e->name);
      if (e->is_dir)
        g_string_append_c (out, '/');
      g_string_append (out, "</a></td>");

      if (e->is_dir)
        g_string_append (out, "<td class=\"size\">\xe2\x80\x94</td>");
      else
        {
          g_string_append_printf (out, "<td class=\"size\" title=\"%" G_GUINT64_FORMAT " bytes\">",
                                  e->size);
          append_human_size (out, e->size);
          g_string_append (out, "</td>");
        }

      if (utc_time (e->mtime, &tm))
        g_string_append_printf (out,
                                "<td class=\"time\"><time datetime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\">"
                                "%04d-%02d-%02d %02d:%02d</time></td></tr>\n",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                                tm.tm_min, tm.tm_sec, tm.tm_year + 1900, tm.tm_mon + 1,
                                tm.tm_mday, tm.tm_hour, tm.tm_min);
      else
        g_string_append (out, "<td class=\"time\"></td></tr>\n");
    }

  g_string_append (out, "</tbody>\n</table>\n");
  if (x->extra_html != NULL)
    g_string_append (out, x->extra_html);
  ds_page_end (out);
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

char *
ds_dirlist_json (const char *rel, const GPtrArray *entries, gsize *out_len)
{
  g_return_val_if_fail (rel != NULL, NULL);
  g_return_val_if_fail (entries != NULL, NULL);

  g_autofree char *path = rel[0] != '\0' ? g_strconcat ("/", rel, "/", NULL) : g_strdup ("/");
  GString *out = g_string_sized_new (64 + (gsize) entries->len * 96);

  g_string_append (out, "{\"path\":");
  ds_json_append_string (out, path);
  g_string_append (out, ",\"entries\":[");
  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      struct tm tm;

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"name\":");
      ds_json_append_string (out, e->name);
      g_string_append_printf (out, ",\"type\":\"%s\",\"size\":%" G_GUINT64_FORMAT ",\"mtime\":",
                              e->is_dir ? "directory" : "file", e->is_dir ? 0 : e->size);
      if (utc_time (e->mtime, &tm))
        g_string_append_printf (out, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      else
        g_string_append (out, "null}");
    }
  g_string_append (out, "]}\n");
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* ---- the listing cache ------------------------------------------------- */

typedef struct
{
  dev_t dev;
  ino_t ino;
  struct timespec mtime;
  struct timespec ctime;
  gint64 stored; /* seconds */
  GBytes *body;
} CacheEntry;

struct _DsDirCache
{
  GMutex lock;
  GHashTable *entries; /* key (owned) -> CacheEntry */
  guint max_entries;
  gsize max_bytes;
  gsize bytes;         /* sum of the bodies */
};

static void
cache_entry_free (gpointer data)
{
  CacheEntry *e = data;

  g_bytes_unref (e->body);
  g_free (e);
}

DsDirCache *
ds_dircache_new (guint max_entries, gsize max_bytes)
{
  g_return_val_if_fail (max_entries > 0, NULL);

  DsDirCache *c = g_new0 (DsDirCache, 1);
  g_mutex_init (&c->lock);
  c->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cache_entry_free);
  c->max_entries = max_entries;
  c->max_bytes = max_bytes;
  return c;
}

void
ds_dircache_free (DsDirCache *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->entries);
  g_mutex_clear (&c->lock);
  g_free (c);
}

static gboolean
same_time (const struct timespec *a, const struct timespec *b)
{
  return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static gboolean
entry_fresh (const CacheEntry *e, const struct stat *dir_st, gint64 now)
{
  return e->stored == now && e->dev == dir_st->st_dev && e->ino == dir_st->st_ino
         && same_time (&e->mtime, &dir_st->st_mtim) && same_time (&e->ctime, &dir_st->st_ctim);
}

GBytes *
ds_dircache_lookup (DsDirCache *c, const char *key, const struct stat *dir_st, gint64 now)
{
  g_return_val_if_fail (c != NULL && key != NULL && dir_st != NULL, NULL);

  GBytes *body = NULL;
  g_mutex_lock (&c->lock);
  const CacheEntry *e = g_hash_table_lookup (c->entries, key);
  if (e != NULL && entry_fresh (e, dir_st, now))
    body = g_bytes_ref (e->body);
  g_mutex_unlock (&c->lock);
  return body;
}

/* Drops entries not stored in second @now or the next (none of the others
 * is served again; one of the next second comes from a request that
 * started after this one), then, while over a bound, any entry.  Called
 * with the lock held. */
static void
evict_locked (DsDirCache *c, gint64 now, gsize incoming)
{
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, c->entries);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      CacheEntry *e = value;
      if (e->stored != now && e->stored != now + 1)
        {
          c->bytes -= g_bytes_get_size (e->body);
          g_hash_table_iter_remove (&it);
        }
    }
  g_hash_table_iter_init (&it, c->entries);
  while ((g_hash_table_size (c->entries) >= c->max_entries || c->bytes + incoming > c->max_bytes)
         && g_hash_table_iter_next (&it, NULL, &value))
    {
      c->bytes -= g_bytes_get_size (((CacheEntry *) value)->body);
      g_hash_table_iter_remove (&it);
    }
}

void
ds_dircache_store (DsDirCache *c, const char *key, const struct stat *dir_st, gint64 now,
                   GBytes *body)
{
  g_return_if_fail (c != NULL && key != NULL && dir_st != NULL && body != NULL);

  gsize size = g_bytes_get_size (body);
  if (size > c->max_bytes / 4 || dir_st->st_ctim.tv_sec > now - DS_DIRCACHE_SETTLE_S)
    return;

  CacheEntry *e = g_new0 (CacheEntry, 1);
  e->dev = dir_st->st_dev;
  e->ino = dir_st->st_ino;
  e->mtime = dir_st->st_mtim;
  e->ctime = dir_st->st_ctim;
  e->stored = now;
  e->body = g_bytes_ref (body);

  g_mutex_lock (&c->lock);
  CacheEntry *old = g_hash_table_lookup (c->entries, key);
  if (old != NULL)
    {
      c->bytes -= g_bytes_get_size (old->body);
      g_hash_table_remove (c->entries, key);
    }
  evict_locked (c, now, size);
  g_hash_table_insert (c->entries, g_strdup (key), e);
  c->bytes += size;
  g_mutex_unlock (&c->lock);
}

guint
ds_dircache_size (DsDirCache *c)
{
  g_return_val_if_fail (c != NULL, 0);

  g_mutex_lock (&c->lock);
  guint n = g_hash_table_size (c->entries);
  g_mutex_unlock (&c->lock);
  return n;
}
