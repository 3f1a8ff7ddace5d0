/* manindex.c: the man roots scanned into sections and pages.  A scan
 * reads only directories (each root's "manS" directories; file names are
 * split by manname.c), so it costs about a tenth of a second for 20,000
 * pages; descriptions are read from each page's head when a section's
 * listing first needs them.  A scan is an immutable, reference-counted
 * list: requests keep the one they started with while a newer one
 * replaces it.  Staleness is judged by the mtimes of the roots and their
 * section directories (package installs add and rename files there),
 * checked at most once a second.
 *
 * Files are opened beneath the root fds (path.c); Debian's man trees hold
 * symlinks into /etc/alternatives that come back into a man root, which
 * are followed only when the resolved target is inside one of the roots
 * (compared as resolved paths, whole components), and opened beneath that
 * root's fd. */
#include "config.h"

#include "docserve/manindex.h"

#include "docserve/common.h"
#include "docserve/gzfile.h"
#include "docserve/manname.h"
#include "docserve/path.h"
#include "docserve/roots.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  guint root;
  char *dir; /* "" for the root itself */
  gint64 mtime_ns;
} Stamp;

struct _DsManList
{
  gint ref;
  guint64 generation;
  GPtrArray *all;         /* DsManPage * (owned) */
  GPtrArray *sections;    /* char * (owned), man's order */
  GHashTable *by_section; /* section -> GPtrArray of pages */
  GHashTable *by_key;     /* "section/name" -> page */
  GHashTable *by_name;    /* name -> GPtrArray of pages */
  GArray *stamps;         /* Stamp */
};

struct _DsManIndex
{
  DsRoots *roots;
  GMutex lock;
  DsManList *list;
  gint64 checked; /* second of the last staleness check */
  guint64 generation;
  GHashTable *descriptions; /* "root\x1frel" -> char * ("" for none) */
};

static gint64
mtime_ns (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

DsManIndex *
ds_manindex_new (const char *man_path)
{
  DsManIndex *idx = g_new0 (DsManIndex, 1);
  idx->roots = ds_roots_new (man_path, "man path");
  g_mutex_init (&idx->lock);
  idx->checked = G_MININT64;
  idx->descriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return idx;
}

void
ds_manindex_free (DsManIndex *idx)
{
  if (idx == NULL)
    return;
  ds_roots_free (idx->roots);
  if (idx->list != NULL)
    ds_manlist_unref (idx->list);
  g_hash_table_unref (idx->descriptions);
  g_mutex_clear (&idx->lock);
  g_free (idx);
}

guint
ds_manindex_n_roots (const DsManIndex *idx)
{
  return ds_roots_count (idx->roots);
}

const char *
ds_manindex_root_path (const DsManIndex *idx, guint root)
{
  return ds_roots_path (idx->roots, root);
}

/* ---- scanning ----------------------------------------------------------- */

static void
page_free (gpointer p)
{
  DsManPage *page = p;
  g_free (page->name);
  g_free (page->section);
  g_free (page->rel);
  g_free (page);
}

static void
stamp_clear (gpointer p)
{
  g_free (((Stamp *) p)->dir);
}

DsManList *
ds_manlist_ref (DsManList *list)
{
  g_atomic_int_inc (&list->ref);
  return list;
}

void
ds_manlist_unref (DsManList *list)
{
  if (list == NULL || !g_atomic_int_dec_and_test (&list->ref))
    return;
  g_hash_table_unref (list->by_section);
  g_hash_table_unref (list->by_key);
  g_hash_table_unref (list->by_name);
  g_ptr_array_free (list->sections, TRUE);
  g_ptr_array_free (list->all, TRUE);
  g_array_unref (list->stamps);
  g_free (list);
}

static int
compare_pages (gconstpointer a, gconstpointer b)
{
  const DsManPage *p = *(DsManPage *const *) a, *q = *(DsManPage *const *) b;
  int c = ds_manname_section_compare (p->section, q->section);
  return c != 0 ? c : ds_natural_compare (p->name, q->name);
}

static int
compare_sections (gconstpointer a, gconstpointer b)
{
  return ds_manname_section_compare (*(char *const *) a, *(char *const *) b);
}

static void
add_stamp (GArray *stamps, guint root, const char *dir, const struct stat *st)
{
  Stamp s = { root, g_strdup (dir), mtime_ns (st) };
  g_array_append_val (stamps, s);
}

/* Whether @rel (a symlink, say) opens as a regular file: a page whose
 * link leads out of every root is not listed, so no listing links to a
 * 404. */
static gboolean
readable (DsManIndex *idx, guint root, const char *rel)
{
  int err = 0;
  int fd = ds_roots_open (idx->roots, root, rel, &err);
  if (fd < 0)
    return FALSE;
  struct stat st;
  gboolean ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
  close (fd);
  return ok;
}

static void
scan_section_dir (DsManIndex *idx, DsManList *list, guint root, int root_fd, const char *dir,
                  const char *dir_section)
{
  int fd = openat (root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      close (fd);
      return;
    }
  add_stamp (list->stamps, root, dir, &st);
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (e->d_type != DT_REG && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
        continue;
      char *name = NULL, *section = NULL;
      gboolean gz = FALSE;
      if (!ds_manname_parse_file (e->d_name, dir_section, &name, &section, &gz))
        continue;
      g_autofree char *key = g_strconcat (section, "/", name, NULL);
      g_autofree char *rel = g_strconcat (dir, "/", e->d_name, NULL);
      if (g_hash_table_contains (list->by_key, key)
          || (e->d_type != DT_REG && !readable (idx, root, rel)))
        {
          g_free (name);
          g_free (section);
          continue;
        }
      DsManPage *page = g_new0 (DsManPage, 1);
      page->name = name;
      page->section = section;
      page->root = root;
      page->rel = g_steal_pointer (&rel);
      g_ptr_array_add (list->all, page);
      g_hash_table_insert (list->by_key, g_steal_pointer (&key), page);
    }
  closedir (d);
}

static DsManList *
scan (DsManIndex *idx)
{
  DsManList *list = g_new0 (DsManList, 1);
  list->ref = 1;
  list->generation = ++idx->generation;
  list->all = g_ptr_array_new_with_free_func (page_free);
  list->sections = g_ptr_array_new_with_free_func (g_free);
  list->by_section = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) g_ptr_array_unref);
  list->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  list->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_ptr_array_unref);
  list->stamps = g_array_new (FALSE, FALSE, sizeof (Stamp));
  g_array_set_clear_func (list->stamps, stamp_clear);

  for (guint r = 0; r < ds_roots_count (idx->roots); r++)
    {
      int root_fd = ds_roots_fd (idx->roots, r);
      int fd = openat (root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          if (fd >= 0)
            close (fd);
          continue;
        }
      add_stamp (list->stamps, r, "", &st);
      DIR *d = fdopendir (fd);
      if (d == NULL)
        {
          close (fd);
          continue;
        }
      GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
      struct dirent *e;
      while ((e = readdir (d)) != NULL)
        if (ds_manname_parse_dir (e->d_name, NULL))
          g_ptr_array_add (dirs, g_strdup (e->d_name));
      closedir (d);
      g_ptr_array_sort (dirs, compare_sections);
      for (guint i = 0; i < dirs->len; i++)
        {
          const char *dir = g_ptr_array_index (dirs, i);
          scan_section_dir (idx, list, r, root_fd, dir, dir + 3);
        }
      g_ptr_array_free (dirs, TRUE);
    }

  g_ptr_array_sort (list->all, compare_pages);
  for (guint i = 0; i < list->all->len; i++)
    {
      DsManPage *page = g_ptr_array_index (list->all, i);
      GPtrArray *sec = g_hash_table_lookup (list->by_section, page->section);
      if (sec == NULL)
        {
          char *s = g_strdup (page->section);
          g_ptr_array_add (list->sections, s);
          sec = g_ptr_array_new ();
          g_hash_table_insert (list->by_section, s, sec);
        }
      g_ptr_array_add (sec, page);
      GPtrArray *named = g_hash_table_lookup (list->by_name, page->name);
      if (named == NULL)
        {
          named = g_ptr_array_new ();
          g_hash_table_insert (list->by_name, page->name, named);
        }
      g_ptr_array_add (named, page);
    }
  return list;
}

static gboolean
is_stale (DsManIndex *idx, const DsManList *list)
{
  for (guint i = 0; i < list->stamps->len; i++)
    {
      const Stamp *s = &g_array_index (list->stamps, Stamp, i);
      struct stat st;
      if (fstatat (ds_roots_fd (idx->roots, s->root), s->dir[0] != '\0' ? s->dir : ".", &st, AT_SYMLINK_NOFOLLOW) != 0
          || mtime_ns (&st) != s->mtime_ns)
        return TRUE;
    }
  return FALSE;
}

DsManList *
ds_manindex_list (DsManIndex *idx, gint64 now)
{
  g_mutex_lock (&idx->lock);
  if (idx->list == NULL || (now != idx->checked && is_stale (idx, idx->list)))
    {
      if (idx->list != NULL)
        ds_manlist_unref (idx->list);
      idx->list = scan (idx);
      g_hash_table_remove_all (idx->descriptions);
    }
  idx->checked = now;
  DsManList *list = ds_manlist_ref (idx->list);
  g_mutex_unlock (&idx->lock);
  return list;
}

const GPtrArray *
ds_manlist_sections (const DsManList *list)
{
  return list->sections;
}

const GPtrArray *
ds_manlist_pages (const DsManList *list, const char *section)
{
  return g_hash_table_lookup (list->by_section, section);
}

const DsManPage *
ds_manlist_find (const DsManList *list, const char *section, const char *name)
{
  g_autofree char *key = g_strconcat (section, "/", name, NULL);
  return g_hash_table_lookup (list->by_key, key);
}

const GPtrArray *
ds_manlist_named (const DsManList *list, const char *name)
{
  return g_hash_table_lookup (list->by_name, name);
}

const GPtrArray *
ds_manlist_all (const DsManList *list)
{
  return list->all;
}

guint64
ds_manlist_generation (const DsManList *list)
{
  return list->generation;
}

/* ---- reading ------------------------------------------------------------ */

static int
open_page (DsManIndex *idx, guint root, const char *rel, int *out_errno)
{
  return ds_roots_open (idx->roots, root, rel, out_errno);
}

GBytes *
ds_manindex_read (DsManIndex *idx, guint root, const char *rel, gsize cap, gboolean head_only,
                  struct stat *out_st, int *out_errno)
{
  g_return_val_if_fail (idx != NULL && rel != NULL && out_errno != NULL, NULL);

  *out_errno = 0;
  if (root >= ds_roots_count (idx->roots))
    {
      *out_errno = ENOENT;
      return NULL;
    }
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open_page (idx, root, rel, out_errno);
  if (fd < 0)
    return NULL;
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      *out_errno = errno;
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      *out_errno = ENOENT;
      return NULL;
    }
  if ((gsize) st.st_size > DS_MANINDEX_MAX_SOURCE)
    {
      *out_errno = EFBIG;
      return NULL;
    }
  GBytes *text = ds_gzfile_read (fd, g_str_has_suffix (rel, ".gz"), DS_MANINDEX_MAX_SOURCE, cap,
                                 head_only, out_errno);
  if (text == NULL)
    return NULL;
  gsize n;
  const char *d = g_bytes_get_data (text, &n);
  if (n > 0 && memchr (d, '\0', n) != NULL)
    {
      g_bytes_unref (text);
      *out_errno = EINVAL;
      return NULL;
    }
  if (out_st != NULL)
    *out_st = st;
  return text;
}

gboolean
ds_manindex_stat (DsManIndex *idx, guint root, const char *rel, struct stat *out_st,
                  int *out_errno)
{
  if (root >= ds_roots_count (idx->roots))
    {
      *out_errno = ENOENT;
      return FALSE;
    }
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open_page (idx, root, rel, out_errno);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, out_st) != 0)
    {
      *out_errno = errno;
      return FALSE;
    }
  if (!S_ISREG (out_st->st_mode))
    {
      *out_errno = ENOENT;
      return FALSE;
    }
  return TRUE;
}

char *
ds_manindex_description (DsManIndex *idx, const DsManPage *page)
{
  g_autofree char *key = g_strdup_printf ("%u\x1f%s", page->root, page->rel);

  g_mutex_lock (&idx->lock);
  const char *known = g_hash_table_lookup (idx->descriptions, key);
  char *desc = known != NULL ? g_strdup (known) : NULL;
  g_mutex_unlock (&idx->lock);
  if (desc != NULL)
    {
      if (desc[0] == '\0')
        g_clear_pointer (&desc, g_free);
      return desc;
    }

  int err = 0;
  g_autoptr (GBytes) head = ds_manindex_read (idx, page->root, page->rel, 16384, TRUE, NULL, &err);
  if (head != NULL)
    {
      gsize n;
      const char *s = g_bytes_get_data (head, &n);
      g_autofree char *so = ds_manname_so_target (s, n);
      if (so != NULL)
        {
          /* A .so page: the description of what it includes. */
          g_bytes_unref (g_steal_pointer (&head));
          head = ds_manindex_read (idx, page->root, so, 16384, TRUE, NULL, &err);
          s = head != NULL ? g_bytes_get_data (head, &n) : NULL;
        }
      if (s != NULL)
        desc = ds_manname_description (s, n);
    }
  g_mutex_lock (&idx->lock);
  g_hash_table_replace (idx->descriptions, g_steal_pointer (&key),
                        g_strdup (desc != NULL ? desc : ""));
  g_mutex_unlock (&idx->lock);
  return desc;
}

char *
ds_manindex_translation (DsManIndex *idx, const DsManPage *page, const char *lang)
{
  g_return_val_if_fail (lang != NULL, NULL);

  if (strchr (page->rel, '/') == NULL || strchr (lang, '/') != NULL || lang[0] == '.'
      || lang[0] == '\0')
    return NULL;
  g_autofree char *base = g_str_has_suffix (page->rel, ".gz")
                              ? g_strndup (page->rel, strlen (page->rel) - 3)
                              : g_strdup (page->rel);
  /* Compressed first: that is how Debian installs them. */
  for (int i = 0; i < 2; i++)
    {
      char *rel = g_strconcat (lang, "/", base, i == 0 ? ".gz" : "", NULL);
      int err = 0;
      int fd = open_page (idx, page->root, rel, &err);
      if (fd >= 0)
        {
          struct stat st;
          gboolean ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
          close (fd);
          if (ok)
            return rel;
        }
      g_free (rel);
    }
  return NULL;
}
