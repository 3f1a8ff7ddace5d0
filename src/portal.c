/* portal.c: the documentation portal's home page (portal.h). */
#include "config.h"

#include "docserve/portal.h"

#include "docserve/gen.h"
#include "docserve/page.h"

/* The parts of the portal, in the order the home page lists them. */
static const struct
{
  const char *href;
  const char *title;
  const char *what;
} parts[] = {
  { "/doc/", "Package documentation", "the files under the documentation directory" },
  { "/man/", "Manual pages", "the manual pages, by section" },
  { "/info/", "Info manuals", "the GNU info manuals" },
};

static GBytes *
home_page (void)
{
  GString *out = g_string_sized_new (2048);
  const DsPage page = {
    .title = "Documentation",
    .crumbs = "/",
    .head = "<link rel=\"icon\" href=\"/.docserve/favicon.svg\" type=\"image/svg+xml\">\n",
  };

  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Documentation on this machine</h1>\n<ul>\n");
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_string_append_printf (out, "<li><a href=\"%s\">", parts[i].href);
      ds_page_append_escaped (out, parts[i].title);
      g_string_append (out, "</a>: ");
      ds_page_append_escaped (out, parts[i].what);
      g_string_append (out, "</li>\n");
    }
  g_string_append (out, "</ul>\n");
  ds_page_end (out);
  gsize len = out->len;
  return g_bytes_new_take (g_string_free (out, FALSE), len);
}

static void
serve_home (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
            gboolean dir_slash, gint64 now, DsReply *reply)
{
  if (*below != '\0')
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  const DsGenMeta meta = {
    .content_type = "text/html; charset=utf-8",
    .etag_seed = NULL,
  };
  ds_gen_reply (site, req, &meta, (GBytes *) data, now, reply);
}

gboolean
ds_portal_mount (DsSite *site, GError **error)
{
  ds_site_mount (site, "", serve_home, home_page (), (GDestroyNotify) g_bytes_unref);
  return TRUE;
}
