/* info.h: GNU info manuals as linked HTML under /info/ (the documentation
 * portal, PORTAL.md): /info/ the dir node and every manual found,
 * /info/MANUAL/ its Top node, /info/MANUAL/NODE any node. */
#pragma once

#include <glib.h>

#include <sys/stat.h>

#include "docserve/infofile.h"
#include "docserve/request.h"
#include "docserve/roots.h"

G_BEGIN_DECLS

/* Mounts the manuals of @site->conf->info_path at "info".  Never fails
 * (directories that cannot be opened are left out with a warning). */
gboolean ds_info_mount (DsSite *site, GError **error);

/* Every manual in @roots (NAME.info or NAME.info.gz whose file opens
 * beneath its root), each name once, in natural order.  Caller unrefs. */
GPtrArray *ds_info_manuals (const DsRoots *roots);

/* Manual @name read as /info/NAME/ reads it: the first root and suffix
 * that hold a regular file, then its subfiles, parsed.  Sets the root,
 * the main file's name below it (caller frees) and its status.  NULL when
 * there is no such manual. */
DsInfoFile *ds_info_read (const DsRoots *roots, const char *name, guint *out_root,
                          char **out_file, struct stat *out_st);

G_END_DECLS
