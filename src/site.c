/* site.c: what start-up builds and SIGHUP reopens.  The root is opened
 * by one function for both, and probed with ds_path_open exactly as every
 * request opens files, so a root that cannot be opened that way (one that
 * can be read but not searched, say) fails at start-up with its reason
 * instead of answering every request 404 or 403. */
#include "config.h"

#include "docserve/site.h"

#include "docserve/assets.h"
#include "docserve/common.h"
#include "docserve/info.h"
#include "docserve/man.h"
#include "docserve/markdown.h"
#include "docserve/path.h"
#include "docserve/portal.h"
#include "docserve/searchpage.h"
#include "docserve/reply.h"
#include "docserve/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Rendered listings kept for the second they were made in (dirlist.h):
 * a busy listing is read and formatted once a second, not per request. */
#define LISTING_CACHE_ENTRIES 64
#define LISTING_CACHE_BYTES ((gsize) 32 * 1024 * 1024)
/* Rendered Markdown pages, by source identity (markdown.h): a page read
 * again costs a hash lookup, not a render. */
#define MARKDOWN_CACHE_ENTRIES 64
#define MARKDOWN_CACHE_BYTES ((gsize) 32 * 1024 * 1024)
/* Files found without .br/.gz sidecars, remembered for the current second:
 * a busy file is probed once a second, not per request. */
#define SIDECAR_CACHE_ENTRIES 4096

/* The site and what it owns; the DsSite comes first, so a DsSite * from
 * ds_site_open is an Owned *. */
typedef struct
{
  DsSite site;
  DsMime *mime;
  char *text_type;
  GArray *roots; /* every root fd opened, the current one last; under roots_lock */
  GMutex roots_lock; /* SIGHUP and the --watch thread both reopen the root */
  DsRoutes *routes;
  GPtrArray *generators; /* Mounted (owned) */
  GArray *starts;        /* Start: ds_site_on_start's, in order */
  GArray *listeners;     /* Listener: ds_site_on_change's */
} Owned;

/* What ds_site_start runs. */
typedef struct
{
  DsSiteStartFunc start;
  gpointer data;
} Start;

/* What ds_site_changed calls. */
typedef struct
{
  DsSiteChangeFunc changed;
  gpointer data;
} Listener;

/* A generator mounted by ds_site_mount, and how to free its data. */
typedef struct
{
  DsGenerator generator; /* what the routes point at */
  gpointer data;
  GDestroyNotify free_data;
} Mounted;

static void
mounted_free (gpointer p)
{
  Mounted *m = p;

  if (m->free_data != NULL)
    m->free_data (m->data);
  g_free (m);
}

struct _DsSidecarCache
{
  GMutex lock;
  GHashTable *absent; /* rel (owned) -> nothing: noted in second `second` */
  gint64 second;
  guint max_entries;
};

DsSidecarCache *
ds_sidecar_cache_new (guint max_entries)
{
  DsSidecarCache *c = g_new0 (DsSidecarCache, 1);

  g_mutex_init (&c->lock);
  c->absent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->second = G_MININT64;
  c->max_entries = max_entries;
  return c;
}

void
ds_sidecar_cache_free (DsSidecarCache *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->absent);
  g_mutex_clear (&c->lock);
  g_free (c);
}

gboolean
ds_sidecar_cache_known_absent (DsSidecarCache *c, const char *rel, gint64 now)
{
  g_return_val_if_fail (c != NULL && rel != NULL, FALSE);

  g_mutex_lock (&c->lock);
  gboolean known = c->second == now && g_hash_table_contains (c->absent, rel);
  g_mutex_unlock (&c->lock);
  return known;
}

void
ds_sidecar_cache_note_absent (DsSidecarCache *c, const char *rel, gint64 now)
{
  g_return_if_fail (c != NULL && rel != NULL);

  g_mutex_lock (&c->lock);
  if (now + 1 == c->second)
    {
      /* A request that started just before the others moved on to the
       * next second: its misses would not be consulted any more. */
      g_mutex_unlock (&c->lock);
      return;
    }
  if (c->second != now)
    {
      g_hash_table_remove_all (c->absent);
      c->second = now;
    }
  if (g_hash_table_size (c->absent) < c->max_entries)
    g_hash_table_add (c->absent, g_strdup (rel));
  g_mutex_unlock (&c->lock);
}

/* Opens @conf's root and probes it as requests will open it.  The fd, or
 * -1 with the reason. */
static int
open_root (const DsConf *conf, GError **error)
{
  int fd = open (conf->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = errno;

  if (fd < 0)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s: %s", conf->root,
                   e == ENOTDIR ? "not a directory" : g_strerror (e));
      return -1;
    }
  int probe = ds_path_open (fd, "", conf->symlinks, &e);
  if (probe < 0)
    {
      close (fd);
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s: %s", conf->root, g_strerror (e));
      return -1;
    }
  close (probe);
  return fd;
}

/* The generators of the features @site->conf turns on: one line each. */
static gboolean
mount_features (DsSite *site, GError **error)
{
  const DsConf *conf = site->conf;

  ds_assets_mount (site);
  if (!ds_path_set_link_target_dirs ((const char *const *) conf->link_targets, error))
    return FALSE;
  if (conf->system_docs && !ds_portal_mount (site, error))
    return FALSE;
  /* --watch before every feature that listens to its changes (see
   * ds_site_free). */
  if (conf->watch && !ds_watch_mount (site, error))
    return FALSE;
  if (ds_search_url (conf) != NULL && !ds_search_mount (site, error))
    return FALSE;
  if (conf->system_docs && !ds_man_mount (site, error))
    return FALSE;
  if (conf->system_docs && !ds_info_mount (site, error))
    return FALSE;
  return TRUE;
}

DsSite *
ds_site_open (const DsConf *conf, GError **error)
{
  Owned *o = g_new0 (Owned, 1);
  g_autoptr (DsSite) site = &o->site;

  o->roots = g_array_new (FALSE, FALSE, sizeof (int));
  g_mutex_init (&o->roots_lock);
  site->conf = conf;
  site->root_fd = open_root (conf, error);
  if (site->root_fd < 0)
    return NULL;
  g_array_append_val (o->roots, site->root_fd);
  o->mime = ds_mime_new (conf->system_mime_types, conf->mime_types_file, conf->charset,
                         conf->default_type, error);
  if (o->mime == NULL)
    return NULL;
  site->mime = o->mime;
  o->text_type = g_strdup_printf ("text/plain; charset=%s", conf->charset);
  site->text_type = o->text_type;
  if (conf->error_pages != NULL)
    {
      site->error_pages = ds_reply_load_error_pages (conf->error_pages, error);
      if (site->error_pages == NULL)
        return NULL;
    }
  if (conf->listing)
    site->dircache = ds_dircache_new (LISTING_CACHE_ENTRIES, LISTING_CACHE_BYTES);
  if (conf->precompressed)
    site->sidecars = ds_sidecar_cache_new (SIDECAR_CACHE_ENTRIES);
  site->markdown = ds_markdown_cache_new (MARKDOWN_CACHE_ENTRIES, MARKDOWN_CACHE_BYTES);
  o->routes = ds_routes_new ();
  o->generators = g_ptr_array_new_with_free_func (mounted_free);
  o->starts = g_array_new (FALSE, FALSE, sizeof (Start));
  o->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  ds_routes_add (o->routes, conf->system_docs ? "doc" : "/", DS_MOUNT_TREE, site);
  site->routes = o->routes;
  if (!mount_features (site, error))
    return NULL;
  return g_steal_pointer (&site);
}

void
ds_site_mount (DsSite *site, const char *prefix, DsGenerateFunc generate, gpointer data,
               GDestroyNotify free_data)
{
  Owned *o = (Owned *) site;
  Mounted *m = g_new0 (Mounted, 1);

  m->generator.generate = generate;
  m->generator.data = data;
  m->data = data;
  m->free_data = free_data;
  g_ptr_array_add (o->generators, m);
  ds_routes_add (o->routes, prefix, DS_MOUNT_GENERATOR, &m->generator);
}

void
ds_site_on_start (DsSite *site, DsSiteStartFunc start, gpointer data)
{
  Owned *o = (Owned *) site;
  const Start st = { start, data };

  g_array_append_val (o->starts, st);
}

gboolean
ds_site_start (DsSite *site, GError **error)
{
  Owned *o = (Owned *) site;

  for (guint i = 0; i < o->starts->len; i++)
    {
      const Start *st = &g_array_index (o->starts, Start, i);
      if (!st->start (st->data, error))
        return FALSE;
    }
  g_array_set_size (o->starts, 0); /* once */
  return TRUE;
}

void
ds_site_on_change (DsSite *site, DsSiteChangeFunc changed, gpointer data)
{
  Owned *o = (Owned *) site;
  const Listener l = { changed, data };

  g_array_append_val (o->listeners, l);
}

void
ds_site_changed (DsSite *site)
{
  Owned *o = (Owned *) site;

  for (guint i = 0; i < o->listeners->len; i++)
    {
      const Listener *l = &g_array_index (o->listeners, Listener, i);
      l->changed (l->data);
    }
}

gboolean
ds_site_reopen_root (DsSite *site, GError **error)
{
  Owned *o = (Owned *) site;
  int fd = open_root (site->conf, error);

  if (fd < 0)
    return FALSE;
  g_mutex_lock (&o->roots_lock);
  g_array_append_val (o->roots, fd);
  g_atomic_int_set (&site->root_fd, fd);
  g_mutex_unlock (&o->roots_lock);
  return TRUE;
}

void
ds_site_free (DsSite *site)
{
  Owned *o = (Owned *) site;

  if (site == NULL)
    return;
  /* The generators first: their threads (the --watch watcher, the search
   * indexer) use the root fd until they are stopped.  They are freed in
   * the order mounted, so --watch's watcher, which calls the change
   * listeners, is joined before the later mounts that listen go. */
  ds_routes_free (o->routes);
  o->routes = NULL;
  if (o->generators != NULL)
    g_ptr_array_unref (o->generators);
  if (o->starts != NULL)
    g_array_unref (o->starts);
  if (o->listeners != NULL)
    g_array_unref (o->listeners);
  for (guint i = 0; i < o->roots->len; i++)
    close (g_array_index (o->roots, int, i));
  g_array_unref (o->roots);
  g_mutex_clear (&o->roots_lock);
  if (o->mime != NULL)
    ds_mime_free (o->mime);
  g_free (o->text_type);
  if (site->error_pages != NULL)
    g_hash_table_unref (site->error_pages);
  ds_dircache_free (site->dircache);
  ds_sidecar_cache_free (site->sidecars);
  ds_markdown_cache_free (site->markdown);
  g_free (o);
}
