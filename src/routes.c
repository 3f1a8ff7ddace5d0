/* routes.c: longest-prefix lookup over whole path segments.  A handful of
 * mounts at most, so a linear scan; prefixes are compared against the path
 * after path.c has decoded and normalised it, so "%6Dan/" and "man/./"
 * reach the same mount as "man/". */
#include "config.h"

#include "docserve/routes.h"

#include <string.h>

struct _DsRoutes
{
  GArray *mounts; /* DsMount */
};

static void
mount_clear (gpointer p)
{
  DsMount *m = p;
  g_free (m->prefix);
}

DsRoutes *
ds_routes_new (void)
{
  DsRoutes *r = g_new0 (DsRoutes, 1);

  r->mounts = g_array_new (FALSE, FALSE, sizeof (DsMount));
  g_array_set_clear_func (r->mounts, mount_clear);
  return r;
}

void
ds_routes_free (DsRoutes *routes)
{
  if (routes == NULL)
    return;
  g_array_unref (routes->mounts);
  g_free (routes);
}

static char *
strip_slashes (const char *prefix)
{
  while (*prefix == '/')
    prefix++;
  gsize len = strlen (prefix);
  while (len > 0 && prefix[len - 1] == '/')
    len--;
  return g_strndup (prefix, len);
}

void
ds_routes_add (DsRoutes *routes, const char *prefix, DsMountKind kind, gconstpointer target)
{
  DsMount m = { strip_slashes (prefix), kind, target };

  for (guint i = 0; i < routes->mounts->len; i++)
    g_return_if_fail (strcmp (g_array_index (routes->mounts, DsMount, i).prefix, m.prefix) != 0);
  g_array_append_val (routes->mounts, m);
}

/* Whether @prefix is @rel or its leading whole segments; the length of
 * what it covers in @rel (with the slash after it) in @out_skip. */
static gboolean
covers (const char *prefix, const char *rel, gsize *out_skip)
{
  gsize len = strlen (prefix);

  if (len == 0)
    {
      *out_skip = 0;
      return TRUE;
    }
  if (strncmp (rel, prefix, len) != 0 || (rel[len] != '\0' && rel[len] != '/'))
    return FALSE;
  *out_skip = rel[len] == '/' ? len + 1 : len;
  return TRUE;
}

const DsMount *
ds_routes_lookup (const DsRoutes *routes, const char *rel, const char **out_below)
{
  const DsMount *best = NULL;
  gsize best_len = 0, best_skip = 0;

  for (guint i = 0; i < routes->mounts->len; i++)
    {
      const DsMount *m = &g_array_index (routes->mounts, DsMount, i);
      gsize skip, len = strlen (m->prefix);
      if (covers (m->prefix, rel, &skip) && (best == NULL || len > best_len))
        {
          best = m;
          best_len = len;
          best_skip = skip;
        }
    }
  if (best != NULL && out_below != NULL)
    *out_below = rel + best_skip;
  return best;
}
