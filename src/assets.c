/* assets.c: the built-in resources under /.docserve/ (assets.h). */
#include "config.h"

#include "docserve/assets.h"

#include "docserve/gen.h"

#include <gio/gio.h>
#include <string.h>

/* Made by glib-compile-resources from src/assets/docserve.gresource.xml. */
GResource *docserve_assets_get_resource (void);

#define RESOURCE_PREFIX "/docserve/assets/"

GBytes *
ds_assets_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  /* Names are single path segments; the resource tree has no directories. */
  if (*name == '\0' || strchr (name, '/') != NULL)
    return NULL;
  g_autofree char *path = g_strconcat (RESOURCE_PREFIX, name, NULL);
  return g_resource_lookup_data (docserve_assets_get_resource (), path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}

const char *
ds_assets_type (const char *name)
{
  static const struct
  {
    const char *suffix;
    const char *type;
  } types[] = {
    { ".js", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".json", "application/json" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_has_suffix (name, types[i].suffix))
      return types[i].type;
  return "application/octet-stream";
}

static void
serve_asset (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
             gboolean dir_slash, gint64 now, DsReply *reply)
{
  g_autoptr (GBytes) body = dir_slash ? NULL : ds_assets_lookup (below);

  if (body == NULL)
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  const DsGenMeta meta = {
    .content_type = ds_assets_type (below),
    .etag_seed = NULL, /* the body: assets are small */
  };
  ds_gen_reply (site, req, &meta, body, now, reply);
}

void
ds_assets_mount (DsSite *site)
{
  ds_site_mount (site, DS_ASSETS_PREFIX, serve_asset, NULL, NULL);
}
