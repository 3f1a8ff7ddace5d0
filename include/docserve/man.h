/* man.h: manual pages as linked HTML under /man/ (the documentation
 * portal, PORTAL.md): /man/ the sections, /man/SECTION/ a section's pages,
 * /man/SECTION/NAME a page, /man/NAME a redirect, /man/?k=WORD a filter. */
#pragma once

#include <glib.h>

#include "docserve/manrender.h"
#include "docserve/request.h"

G_BEGIN_DECLS

/* Mounts the manual pages of @site->conf->man_path at "man".  The
 * renderer is mandoc when installed, else groff; the environment variable
 * DOCSERVE_TEST_MAN_RENDERER=groff|mandoc forces one (for the test
 * suites, which must cover both on any machine).  FALSE with an error
 * only for a bad value of that variable. */
gboolean ds_man_mount (DsSite *site, GError **error);

/* The language directories to try for @accept_language (an
 * Accept-Language value, or NULL), best first: "de-DE" gives "de_DE" then
 * "de"; nothing after a range for English or "*" (English is the pages
 * themselves).  Caller frees (g_strfreev); never NULL. */
char **ds_man_languages (const char *accept_language);

G_END_DECLS
