/* site.h: what is served, built once at start-up and read-only afterwards
 * (no locks on the request path): the root directory fd (SIGHUP swaps in a
 * fresh one), the MIME table, the error pages and the caches. */
#pragma once

#include <glib.h>

#include "docserve/conf.h"
#include "docserve/dirlist.h"
#include "docserve/mime.h"
#include "docserve/request.h"
#include "docserve/routes.h"

G_BEGIN_DECLS

/* Files known, for the current second, to have no usable .br/.gz sidecar,
 * so that a busy file costs the two sidecar lookups once a second instead of
 * on every request.  Thread-safe.  Only the choice of encoding can be stale
 * (a sidecar created in this second is used from the next one on): the
 * file itself is opened and checked on every request. */
typedef struct _DsSidecarCache DsSidecarCache;

/* At most @max_entries names per second; past that, nothing more is noted. */
DsSidecarCache *ds_sidecar_cache_new (guint max_entries);
void ds_sidecar_cache_free (DsSidecarCache *c);

/* Whether @rel was noted as having no sidecar in second @now. */
gboolean ds_sidecar_cache_known_absent (DsSidecarCache *c, const char *rel, gint64 now);

/* Notes that @rel has no usable sidecar in second @now (another second's
 * notes are dropped first; a note for the second before the current one,
 * from a request that started just before it changed, is not taken). */
void ds_sidecar_cache_note_absent (DsSidecarCache *c, const char *rel, gint64 now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSidecarCache, ds_sidecar_cache_free)

/* The site being served.  Tests may fill one by hand; ds_site_open builds
 * (and ds_site_free frees) a complete one from the configuration.  (The
 * typedef is request.h's.) */
struct _DsSite
{
  const DsConf *conf;
  const DsMime *mime;
  gint root_fd;            /* read with g_atomic_int_get: SIGHUP swaps it */
  const char *text_type;   /* "text/plain; charset=X" for sniffed text */
  GHashTable *error_pages; /* status (GUINT_TO_POINTER) -> GBytes, or NULL */
  DsDirCache *dircache;    /* rendered listings (thread-safe), or NULL: none */
  DsSidecarCache *sidecars; /* files without sidecars (thread-safe), or NULL */
  struct _DsMarkdownCache *markdown; /* rendered Markdown pages (markdown.h), or NULL */
  const DsRoutes *routes;  /* what answers where; NULL: this one tree at the root */
};

/* Opens @conf's root (checked the way every request opens files: a root
 * that cannot be opened so is refused now), builds the MIME table, reads
 * --error-pages, makes the caches, mounts the root tree at "/" (at "doc"
 * with --system-docs) and the features' generators (the built-in assets at
 * ".docserve", the portal's pages, ...).  @conf is borrowed and must outlive
 * the site.  NULL with DS_ERROR_RUNTIME or DS_ERROR_USAGE naming the
 * problem. */
DsSite *ds_site_open (const DsConf *conf, GError **error);

/* Opens the root again (SIGHUP): a root that is a symlink switched to a new
 * release, or a directory recreated, is served from then on; requests under
 * way keep the old fd, closed by ds_site_free.  FALSE with the reason if it
 * cannot be opened (the old one stays). */
gboolean ds_site_reopen_root (DsSite *site, GError **error);

/* Mounts a generator at @prefix (whole path segments without slashes at
 * either end: "man", ".docserve/events"; "" is the root) of a site from
 * ds_site_open, before the server starts.  The site frees @data with
 * @free_data (may be NULL).  The longest mounted prefix answers a path. */
void ds_site_mount (DsSite *site, const char *prefix, DsGenerateFunc generate, gpointer data,
                    GDestroyNotify free_data);

/* A feature's start: its threads, and the files it creates (the search
 * index), once the process runs as the user it serves as.  FALSE with
 * @error set stops the start-up. */
typedef gboolean (*DsSiteStartFunc) (gpointer data, GError **error);

/* Registers @start (with @data, owned by the feature's mount) to be run by
 * ds_site_start, in the order registered. */
void ds_site_on_start (DsSite *site, DsSiteStartFunc start, gpointer data);

/* Runs the starts registered, once: after the privileged resources are
 * open and --user has taken effect (process.c), before the first request. */
gboolean ds_site_start (DsSite *site, GError **error);

/* Something under the root changed (--watch's watcher thread calls
 * ds_site_changed once a burst of changes has settled). */
typedef void (*DsSiteChangeFunc) (gpointer data);

/* Registers @changed (with @data, owned by the feature's mount), while the
 * site is built: ds_site_changed may call it from any thread once the site
 * has started. */
void ds_site_on_change (DsSite *site, DsSiteChangeFunc changed, gpointer data);

/* Calls every function ds_site_on_change registered. */
void ds_site_changed (DsSite *site);

/* Frees a site from ds_site_open (NULL is ignored). */
void ds_site_free (DsSite *site);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSite, ds_site_free)

G_END_DECLS
