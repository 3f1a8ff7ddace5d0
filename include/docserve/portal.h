/* portal.h: the documentation portal (--system-docs): its home page at "/"
 * and the mounts of its parts. */
#pragma once

#include <glib.h>

#include "docserve/site.h"

G_BEGIN_DECLS

/* Mounts the portal's own pages on @site (whose root tree ds_site_open has
 * mounted at "doc"): the home page at "/", 404 for anything else nothing
 * more specific answers.  FALSE with the reason if they cannot be set up. */
gboolean ds_portal_mount (DsSite *site, GError **error);

G_END_DECLS
