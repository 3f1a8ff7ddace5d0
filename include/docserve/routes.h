/* routes.h: the table of mounts that decides what answers a request: a
 * path prefix (whole segments of the decoded path, without slashes at
 * either end; "" is the root) and what serves below it, a directory tree
 * or a generator.  `docserve DIR` is one tree at the root; the
 * documentation portal is more mounts.  Built before the server starts and
 * read-only afterwards. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DS_MOUNT_TREE,     /* target: a DsSite (site.h) */
  DS_MOUNT_GENERATOR /* target: a DsGenerator (handler.h) */
} DsMountKind;

typedef struct
{
  char *prefix; /* "" or "a/b" */
  DsMountKind kind;
  gconstpointer target; /* borrowed */
} DsMount;

typedef struct _DsRoutes DsRoutes;

DsRoutes *ds_routes_new (void);
void ds_routes_free (DsRoutes *routes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsRoutes, ds_routes_free)

/* Mounts @target (borrowed; must outlive @routes) at @prefix; slashes
 * around @prefix are ignored.  A prefix mounted twice is a bug. */
void ds_routes_add (DsRoutes *routes, const char *prefix, DsMountKind kind, gconstpointer target);

/* The mount with the longest prefix that is @rel or a leading run of its
 * whole segments ("man" answers "man" and "man/1/ls", not "mandoc"), and in
 * @out_below what follows the prefix, without its slash ("" for the mount
 * point itself); NULL when nothing is mounted there. */
const DsMount *ds_routes_lookup (const DsRoutes *routes, const char *rel, const char **out_below);

G_END_DECLS
