/* assets.h: the built-in resources under /.docserve/ (scripts, styles, the
 * icon), compiled into the binary from src/assets/. */
#pragma once

#include <glib.h>

#include "docserve/site.h"

G_BEGIN_DECLS

/* The reserved first path segment: never a file, in every mode and with
 * every --dotfiles setting. */
#define DS_ASSETS_PREFIX ".docserve"

/* The bytes of built-in asset @name ("favicon.svg"), or NULL when there is
 * none.  Caller unrefs. */
GBytes *ds_assets_lookup (const char *name);

/* The Content-Type of asset @name, from its extension. */
const char *ds_assets_type (const char *name);

/* Mounts the generator that serves the assets at /.docserve/ (anything
 * else below it answers 404 unless a feature mounts a longer prefix). */
void ds_assets_mount (DsSite *site);

G_END_DECLS
