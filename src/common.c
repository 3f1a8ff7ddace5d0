/* common.c: the error domain, message helpers and the fd cleanup helper. */
#include "config.h"

#include "docserve/common.h"

#include <errno.h>
#include <unistd.h>

G_DEFINE_QUARK (docserve-error-quark, ds_error)

char *
ds_error_escape (const char *s)
{
  char high[129];

  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  return g_strescape (s, high);
}

gboolean
ds_error_bad_value (GError **error, const char *name, const char *value, const char *problem)
{
  g_autofree char *shown = ds_error_escape (value);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: \"%s\" %s", name, shown, problem);
  return FALSE;
}

void
ds_fd_cleanup (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      (void) close (*fd);
      *fd = -1;
      errno = saved;
    }
}
