/* roots.c: directories opened once, and files opened beneath them
 * (roots.h).  The second chance for symlinks compares realpath(3) results
 * component-wise (a root "/usr/share/man" does not contain
 * "/usr/share/manx"), then opens the rest beneath the root's fd with the
 * usual RESOLVE_BENEATH rules, so a link swapped in between cannot lead
 * out. */
#include "config.h"

#include "docserve/roots.h"

#include "docserve/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *path; /* as configured */
  char *real; /* realpath */
  int fd;
} Root;

struct _DsRoots
{
  GArray *dirs; /* Root */
};

DsRoots *
ds_roots_new (const char *list, const char *what)
{
  DsRoots *roots = g_new0 (DsRoots, 1);
  roots->dirs = g_array_new (FALSE, FALSE, sizeof (Root));
  g_auto (GStrv) parts = g_strsplit (list != NULL ? list : "", ":", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      int fd = open (parts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      char *real = fd >= 0 ? realpath (parts[i], NULL) : NULL;
      if (fd < 0 || real == NULL)
        {
          if (errno != ENOENT)
            g_warning ("%s %s: %s", what, parts[i], g_strerror (errno));
          if (fd >= 0)
            close (fd);
          free (real);
          continue;
        }
      Root r = { g_strdup (parts[i]), g_strdup (real), fd };
      free (real);
      g_array_append_val (roots->dirs, r);
    }
  return roots;
}

void
ds_roots_free (DsRoots *roots)
{
  if (roots == NULL)
    return;
  for (guint i = 0; i < roots->dirs->len; i++)
    {
      Root *r = &g_array_index (roots->dirs, Root, i);
      close (r->fd);
      g_free (r->path);
      g_free (r->real);
    }
  g_array_unref (roots->dirs);
  g_free (roots);
}

guint
ds_roots_count (const DsRoots *roots)
{
  return roots->dirs->len;
}

const char *
ds_roots_path (const DsRoots *roots, guint i)
{
  g_return_val_if_fail (i < roots->dirs->len, NULL);
  return g_array_index (roots->dirs, Root, i).path;
}

int
ds_roots_fd (const DsRoots *roots, guint i)
{
  g_return_val_if_fail (i < roots->dirs->len, -1);
  return g_array_index (roots->dirs, Root, i).fd;
}

int
ds_roots_open (const DsRoots *roots, guint i, const char *rel, int *out_errno)
{
  g_return_val_if_fail (i < roots->dirs->len && out_errno != NULL, -1);

  const Root *r = &g_array_index (roots->dirs, Root, i);
  int fd = ds_path_open (r->fd, rel, DS_SYMLINKS_INSIDE, out_errno);
  if (fd >= 0 || *out_errno != ENOENT)
    return fd;

  g_autofree char *path = g_build_filename (r->real, rel, NULL);
  char *real = realpath (path, NULL);
  if (real == NULL)
    return -1;
  for (guint k = 0; k < roots->dirs->len; k++)
    {
      const Root *o = &g_array_index (roots->dirs, Root, k);
      gsize n = strlen (o->real);
      gboolean inside = n == 1 ? real[1] != '\0'
                               : strncmp (real, o->real, n) == 0 && real[n] == '/'
                                     && real[n + 1] != '\0';
      if (inside)
        {
          fd = ds_path_open (o->fd, real + (n == 1 ? 1 : n + 1), DS_SYMLINKS_INSIDE, out_errno);
          free (real);
          return fd;
        }
    }
  free (real);
  *out_errno = ENOENT;
  return -1;
}
