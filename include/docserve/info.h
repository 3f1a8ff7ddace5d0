/* info.h: GNU info manuals as linked HTML under /info/ (the documentation
 * portal, PORTAL.md): /info/ the dir node and every manual found,
 * /info/MANUAL/ its Top node, /info/MANUAL/NODE any node. */
#pragma once

#include <glib.h>

#include "docserve/request.h"

G_BEGIN_DECLS

/* Mounts the manuals of @site->conf->info_path at "info".  Never fails
 * (directories that cannot be opened are left out with a warning). */
gboolean ds_info_mount (DsSite *site, GError **error);

G_END_DECLS
