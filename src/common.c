/* common.c: the error domain, message helpers, the fd cleanup helper, the
 * natural order of names and JSON strings. */
#include "config.h"

#include "docserve/common.h"

#include <errno.h>
#include <string.h>
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

int
ds_natural_compare (const char *a, const char *b)
{
  const char *p = a, *q = b;

  while (*p != '\0' && *q != '\0')
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          while (*p == '0')
            p++;
          while (*q == '0')
            q++;
          gsize lp = 0, lq = 0;
          while (g_ascii_isdigit (p[lp]))
            lp++;
          while (g_ascii_isdigit (q[lq]))
            lq++;
          if (lp != lq)
            return lp < lq ? -1 : 1;
          int c = strncmp (p, q, lp);
          if (c != 0)
            return c < 0 ? -1 : 1;
          p += lp;
          q += lq;
          continue;
        }
      char cp = g_ascii_tolower (*p), cq = g_ascii_tolower (*q);
      if (cp != cq)
        return (guchar) cp < (guchar) cq ? -1 : 1;
      p++;
      q++;
    }
  if (*p != '\0' || *q != '\0')
    return *p == '\0' ? -1 : 1;
  int c = strcmp (a, b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

void
ds_json_append_string (GString *out, const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) valid; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) *p);
        }
      else if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\u%04x", (unsigned) *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}
