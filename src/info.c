/* info.c: the /info/ pages of the documentation portal.
 *
 * A manual's name from the request is checked (ds_infofile_valid_manual)
 * and looked up as NAME.info.gz, NAME.info, NAME.gz or NAME in each
 * --info-path directory in turn, opened beneath that directory's fd
 * (roots.h: links through /etc/alternatives that come back are followed); the
 * subfiles of a split manual come from its "Indirect:" table, restricted
 * to plain names in the same directory (infofile.c).  Parsed manuals are
 * kept in a cache bounded by bytes, keyed by the main file's identity
 * (directory, name, size, mtime), which is also the ETag seed with the
 * node's name (a link into another manual is checked against that manual
 * as it is now, so the page's validator does not follow it; Cache-Control
 * no-cache makes clients revalidate, and manuals change only with
 * packages).  Node names travel in URLs in texinfo's HTML encoding
 * (infofile.h).  References become links only to manuals that exist and,
 * within the manual, to nodes that exist, so a crawl finds no dead
 * links. */
#include "config.h"

#include "docserve/info.h"

#include "docserve/common.h"
#include "docserve/gen.h"
#include "docserve/gzfile.h"
#include "docserve/infofile.h"
#include "docserve/lru.h"
#include "docserve/manname.h"
#include "docserve/page.h"
#include "docserve/path.h"
#include "docserve/reply.h"
#include "docserve/roots.h"
#include "docserve/site.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INFO_FILE ((gsize) 64 * 1024 * 1024)
#define MANUAL_CACHE_BYTES ((gsize) 128 * 1024 * 1024)

typedef struct
{
  DsRoots *roots;
  DsLru *manuals; /* seed -> Manual */
} Info;

typedef struct
{
  gint ref;
  DsInfoFile *file;
  char *seed;
  gint64 mtime;
} Manual;

static const char info_style[]
    = "pre.info{font-size:.95em;line-height:1.35}nav.info-nav{margin:.5em 0;color:var(--muted)}"
      "ul.manuals{columns:16em}";

static gpointer
manual_ref (gpointer p)
{
  Manual *m = p;
  g_atomic_int_inc (&m->ref);
  return m;
}

static void
manual_unref (gpointer p)
{
  Manual *m = p;
  if (m == NULL || !g_atomic_int_dec_and_test (&m->ref))
    return;
  ds_infofile_free (m->file);
  g_free (m->seed);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Manual, manual_unref)

static void
info_free (gpointer p)
{
  Info *info = p;
  ds_roots_free (info->roots);
  ds_lru_free (info->manuals);
  g_free (info);
}

/* ---- finding and loading manuals ------------------------------------- */

static const char *const suffixes[] = { ".info.gz", ".info", ".gz", "" };

/* Opens the main file of manual @name: the first root and suffix that
 * hold a regular file.  Sets the root, the file name and its status. */
static int
open_manual (const DsRoots *roots, const char *name, guint *out_root, char **out_file,
             struct stat *out_st)
{
  for (guint r = 0; r < ds_roots_count (roots); r++)
    for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (name, suffixes[i], NULL);
        int err = 0;
        int fd = ds_roots_open (roots, r, file, &err);
        if (fd < 0)
          continue;
        if (fstat (fd, out_st) == 0 && S_ISREG (out_st->st_mode))
          {
            *out_root = r;
            *out_file = g_steal_pointer (&file);
            return fd;
          }
        close (fd);
      }
  return -1;
}

static gboolean
manual_exists (const DsRoots *roots, const char *name)
{
  guint root;
  g_autofree char *file = NULL;
  struct stat st;
  if (!ds_infofile_valid_manual (name))
    return FALSE;
  int fd = open_manual (roots, name, &root, &file, &st);
  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static GBytes *
read_fd (int fd, gboolean gz)
{
  int err = 0;
  return ds_gzfile_read (fd, gz, MAX_INFO_FILE, MAX_INFO_FILE, FALSE, &err);
}

/* The contents of manual file @file (open as @fd) below root @root and of
 * its subfiles, the main file first; NULL if the main file cannot be
 * read.  *out_total: their bytes. */
static GPtrArray *
read_parts (const DsRoots *roots, int fd, guint root, const char *file, gsize *out_total)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GBytes *main_text = read_fd (fd, g_str_has_suffix (file, ".gz"));
  if (main_text == NULL)
    return NULL;
  g_ptr_array_add (parts, main_text);
  gsize total = g_bytes_get_size (main_text);
  gsize len;
  const char *d = g_bytes_get_data (main_text, &len);
  g_auto (GStrv) subs = ds_infofile_subfiles (d, len);
  for (guint i = 0; subs != NULL && subs[i] != NULL; i++)
    {
      for (int gz = 1; gz >= 0; gz--)
        {
          g_autofree char *sub = g_strconcat (subs[i], gz ? ".gz" : "", NULL);
          int err = 0;
          int sfd __attribute__ ((cleanup (ds_fd_cleanup)))
          = ds_roots_open (roots, root, sub, &err);
          if (sfd < 0)
            continue;
          GBytes *text = total < MAX_INFO_FILE ? read_fd (sfd, gz) : NULL;
          if (text != NULL)
            {
              total += g_bytes_get_size (text);
              g_ptr_array_add (parts, text);
            }
          break;
        }
    }
  *out_total = total;
  return g_steal_pointer (&parts);
}

/* The parsed manual @name (caller unrefs), or NULL when there is none. */
static Manual *
load_manual (Info *info, const char *name)
{
  guint root;
  g_autofree char *file = NULL;
  struct stat st;
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open_manual (info->roots, name, &root, &file, &st);
  if (fd < 0)
    return NULL;
  g_autofree char *seed
      = g_strdup_printf ("info:1:%u:%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ".%09ld", root, file,
                         (gint64) st.st_size, (gint64) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  Manual *m = ds_lru_get (info->manuals, seed);
  if (m != NULL)
    return m;

  gsize total = 0;
  g_autoptr (GPtrArray) parts = read_parts (info->roots, fd, root, file, &total);
  if (parts == NULL)
    return NULL;
  m = g_new0 (Manual, 1);
  m->ref = 1;
  m->file = ds_infofile_parse ((GBytes *const *) parts->pdata, parts->len);
  m->seed = g_steal_pointer (&seed);
  m->mtime = (gint64) st.st_mtim.tv_sec;
  ds_lru_put (info->manuals, m->seed, m, total + 1);
  return m;
}

/* ---- pages ------------------------------------------------------------- */

typedef struct
{
  const Info *info;
  const char *manual;
  const DsInfoFile *file;
} LinkData;

static gboolean
link_ok (gpointer data, const char *manual, const char *node)
{
  const LinkData *ld = data;
  if (strcmp (manual, "dir") == 0)
    return TRUE;
  if (strcmp (manual, ld->manual) == 0)
    return ds_infofile_lookup (ld->file, node) != NULL;
  if (!ds_infofile_valid_manual (manual))
    return FALSE;
  /* Another manual: parsed (and cached) to see that the node is there. */
  g_autoptr (Manual) other = load_manual ((Info *) ld->info, manual);
  if (other == NULL)
    return FALSE;
  return strcmp (node, "Top") == 0 || ds_infofile_lookup (other->file, node) != NULL;
}

static void
reply_html (const DsSite *site, const DsRequest *req, GString *out, const char *seed,
            gint64 last_modified, gint64 now, DsReply *reply)
{
  g_autoptr (GBytes) body = g_string_free_to_bytes (out);
  const DsGenMeta meta = {
    .content_type = "text/html; charset=utf-8",
    .etag_seed = seed,
    .last_modified = last_modified,
  };
  ds_gen_reply (site, req, &meta, body, now, reply);
}

static void
redirect (DsReply *reply, const char *rel)
{
  g_autofree char *loc = ds_path_encode (rel);
  reply->status = 301;
  ds_reply_add_header (reply, "Location", loc);
  reply->body = DS_BODY_BUFFER;
  reply->buf = g_strdup ("");
  reply->buf_len = 0;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return ds_natural_compare (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
ds_info_manuals (const DsRoots *roots)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint r = 0; r < ds_roots_count (roots); r++)
    {
      int fd = openat (ds_roots_fd (roots, r), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
      if (d == NULL)
        {
          if (fd >= 0)
            close (fd);
          continue;
        }
      struct dirent *e;
      while ((e = readdir (d)) != NULL)
        {
          gsize n = strlen (e->d_name);
          gsize cut = g_str_has_suffix (e->d_name, ".info.gz") ? 8
                      : g_str_has_suffix (e->d_name, ".info")  ? 5
                                                                : 0;
          if (cut == 0 || n <= cut)
            continue;
          char *name = g_strndup (e->d_name, n - cut);
          /* Listed only when it opens (a link may lead out of the roots). */
          if (!ds_infofile_valid_manual (name) || g_hash_table_contains (seen, name)
              || (e->d_type != DT_REG && !manual_exists (roots, name)))
            {
              g_free (name);
              continue;
            }
          g_hash_table_add (seen, name);
          g_ptr_array_add (names, name);
        }
      closedir (d);
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}

static void
serve_dir (Info *info, const DsSite *site, const DsRequest *req, gint64 now, DsReply *reply)
{
  GString *out = g_string_sized_new (16 * 1024);
  const DsPage page = { .title = "Info manuals", .style = info_style, .crumbs = "/info/" };
  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Info manuals</h1>\n");
  g_autoptr (Manual) dir = load_manual (info, "dir");
  const DsInfoNode *top = dir != NULL ? ds_infofile_lookup (dir->file, "Top") : NULL;
  if (top != NULL)
    {
      LinkData ld = { info, "dir", dir->file };
      ds_infofile_render (top, "dir", link_ok, &ld, out);
    }
  g_autoptr (GPtrArray) names = ds_info_manuals (info->roots);
  g_string_append (out, "<h2>All manuals</h2>\n<ul class=\"manuals\">\n");
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *rel = g_strconcat ("info/", name, NULL);
      g_autofree char *href = ds_path_encode (rel);
      g_string_append (out, "<li><a href=\"");
      ds_page_append_escaped (out, href);
      g_string_append (out, "/\">");
      ds_page_append_escaped (out, name);
      g_string_append (out, "</a></li>\n");
    }
  g_string_append (out, "</ul>\n");
  ds_page_end (out);
  /* Made from several files and a directory: the body is hashed. */
  reply_html (site, req, out, NULL, 0, now, reply);
}

static void
not_found (const DsSite *site, DsReply *reply)
{
  ds_reply_set_status_page (reply, site->error_pages, 404);
}

static void
serve_node (Info *info, const char *manual, const char *segment, const DsSite *site,
            const DsRequest *req, gint64 now, DsReply *reply)
{
  g_autoptr (Manual) m = load_manual (info, manual);
  if (m == NULL)
    {
      not_found (site, reply);
      return;
    }
  const DsInfoNode *node = NULL;
  if (segment == NULL)
    {
      node = ds_infofile_lookup (m->file, "Top");
      if (node == NULL && ds_infofile_n_nodes (m->file) > 0)
        node = ds_infofile_node (m->file, 0);
    }
  else
    {
      g_autofree char *name = ds_infofile_decode_node (segment);
      node = name != NULL ? ds_infofile_lookup (m->file, name) : NULL;
    }
  if (node == NULL)
    {
      not_found (site, reply);
      return;
    }
  g_autofree char *title = g_strdup_printf ("%s: %s", manual, node->name);
  g_autofree char *crumbs = g_strconcat ("/info/", manual, "/", segment != NULL ? segment : "",
                                         NULL);
  GString *out = g_string_sized_new (16 * 1024);
  const DsPage page = { .title = title, .style = info_style, .crumbs = crumbs };
  ds_page_begin (out, &page);
  LinkData ld = { info, manual, m->file };
  ds_infofile_render (node, manual, link_ok, &ld, out);
  ds_page_end (out);
  g_autofree char *seed = g_strdup_printf ("%s:%s", m->seed, node->name);
  reply_html (site, req, out, seed, m->mtime, now, reply);
}

static void
serve_info (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
            gboolean dir_slash, gint64 now, DsReply *reply)
{
  Info *info = (Info *) data;
  g_auto (GStrv) segs = g_strsplit (below, "/", 3);
  guint n = below[0] == '\0' ? 0 : g_strv_length (segs);

  if (n == 0)
    {
      if (!dir_slash)
        redirect (reply, "info/");
      else
        serve_dir (info, site, req, now, reply);
      return;
    }
  if (!ds_infofile_valid_manual (segs[0]) || n > 2 || (n == 2 && dir_slash))
    {
      not_found (site, reply);
      return;
    }
  if (n == 1 && !dir_slash)
    {
      g_autofree char *to = g_strconcat ("info/", segs[0], "/", NULL);
      redirect (reply, to);
      return;
    }
  serve_node (info, segs[0], n == 2 ? segs[1] : NULL, site, req, now, reply);
}

DsInfoFile *
ds_info_read (const DsRoots *roots, const char *name, guint *out_root, char **out_file,
              struct stat *out_st)
{
  if (!ds_infofile_valid_manual (name))
    return NULL;
  int fd __attribute__ ((cleanup (ds_fd_cleanup)))
  = open_manual (roots, name, out_root, out_file, out_st);
  if (fd < 0)
    return NULL;
  gsize total = 0;
  g_autoptr (GPtrArray) parts = read_parts (roots, fd, *out_root, *out_file, &total);
  if (parts == NULL)
    {
      g_clear_pointer (out_file, g_free);
      return NULL;
    }
  return ds_infofile_parse ((GBytes *const *) parts->pdata, parts->len);
}

gboolean
ds_info_mount (DsSite *site, GError **error)
{
  (void) error;
  Info *info = g_new0 (Info, 1);
  info->roots = ds_roots_new (site->conf->info_path, "info path");
  info->manuals = ds_lru_new (MANUAL_CACHE_BYTES, manual_ref, manual_unref);
  ds_site_mount (site, "info", serve_info, info, info_free);
  return TRUE;
}
