/* query.c: the query string of a request URL (query.h). */
#include "config.h"

#include "docserve/query.h"

#include <string.h>

void
ds_query_each (const char *query, DsQueryFunc fn, gpointer data)
{
  g_return_if_fail (fn != NULL);

  if (query == NULL)
    return;
  if (query[0] == '?')
    query++;
  for (const char *p = query;;)
    {
      const char *amp = strchr (p, '&');
      gsize len = amp != NULL ? (gsize) (amp - p) : strlen (p);
      const char *eq = memchr (p, '=', len);

      if (len > 0)
        {
          gboolean go_on = eq != NULL ? fn (p, (gsize) (eq - p), eq + 1,
                                            len - (gsize) (eq - p) - 1, data)
                                      : fn (p, len, NULL, 0, data);
          if (!go_on)
            return;
        }
      if (amp == NULL)
        return;
      p = amp + 1;
    }
}

gboolean
ds_query_word_is (const char *s, gsize len, const char *word)
{
  return len == strlen (word) && memcmp (s, word, len) == 0;
}

typedef struct
{
  const char *name;
  gboolean found;
} HasName;

static gboolean
has_name (const char *key, gsize key_len, const char *value, gsize value_len, gpointer data)
{
  HasName *h = data;

  h->found = ds_query_word_is (key, key_len, h->name);
  return !h->found;
}

gboolean
ds_query_has (const char *query, const char *name)
{
  HasName h = { name, FALSE };

  g_return_val_if_fail (name != NULL, FALSE);
  ds_query_each (query, has_name, &h);
  return h.found;
}

gboolean
ds_query_decode (const char *s, gsize len, GString *out)
{
  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      if (c == '+')
        c = ' ';
      else if (c == '%')
        {
          if (i + 2 >= len || !g_ascii_isxdigit (s[i + 1]) || !g_ascii_isxdigit (s[i + 2]))
            return FALSE;
          c = (char) (g_ascii_xdigit_value (s[i + 1]) * 16 + g_ascii_xdigit_value (s[i + 2]));
          if (c == '\0')
            return FALSE;
          i += 2;
        }
      g_string_append_c (out, c);
    }
  return TRUE;
}
