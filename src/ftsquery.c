/* ftsquery.c: a search box's words to an SQLite FTS5 query string.
 *
 * The FTS5 query language (https://sqlite.org/fts5.html section 3) has
 * operators (AND, OR, NOT, NEAR), column filters ("title:"), grouping,
 * the initial-token mark '^' and the prefix mark '*'.  None of that may
 * come from a client: a stray '"' or "NEAR(" would be a syntax error, and a
 * column filter or NOT would let a query say more than "these words".  So
 * every word becomes an FTS5 string (section 3.1: a '"'-quoted string in
 * which '"' is written twice), which FTS5 reads as a phrase of the tokens
 * its tokenizer finds inside; the strings are joined by spaces, which FTS5
 * reads as AND.  The only syntax docserve adds itself is the optional '*'
 * after the last string, so a box can search as the reader types.
 *
 * A word is a maximal run of characters that are not white space and not
 * controls (C0, DEL, C1) and not U+FFFD (what invalid UTF-8 becomes, so
 * binary input does not glue words together).  A word without any letter
 * or digit ("-", "*", "\"") is dropped: it would be an empty phrase.
 * Bounds keep one query cheap whatever is sent: DS_FTSQUERY_MAX_INPUT
 * bytes are read (cut back to a character boundary), DS_FTSQUERY_MAX_TERMS
 * words kept, DS_FTSQUERY_MAX_TERM_CHARS characters of each. */
#include "config.h"

#include "docserve/ftsquery.h"

#include <string.h>

static gboolean
separates (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffd || g_unichar_isspace (c);
}

/* Appends the word @start..@end (valid UTF-8) as a quoted FTS5 string of at
 * most DS_FTSQUERY_MAX_TERM_CHARS characters. */
static void
append_term (GString *out, const char *start, const char *end)
{
  guint chars = 0;

  g_string_append_c (out, '"');
  for (const char *p = start; p < end && chars < DS_FTSQUERY_MAX_TERM_CHARS;
       p = g_utf8_next_char (p), chars++)
    {
      if (*p == '"')
        g_string_append (out, "\"\"");
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  g_string_append_c (out, '"');
}

char *
ds_ftsquery_build (const char *text, gsize len, gboolean prefix_last)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len > DS_FTSQUERY_MAX_INPUT)
    len = DS_FTSQUERY_MAX_INPUT;
  /* g_utf8_make_valid stops at a NUL: turn NULs into spaces first.  A
   * character cut by the bound becomes U+FFFD, a separator. */
  g_autofree char *copy = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    copy[i] = text[i] != '\0' ? text[i] : ' ';
  copy[len] = '\0';
  g_autofree char *valid = g_utf8_make_valid (copy, (gssize) len);

  g_autoptr (GString) out = g_string_new (NULL);
  guint terms = 0;
  const char *p = valid;
  while (*p != '\0' && terms < DS_FTSQUERY_MAX_TERMS)
    {
      while (*p != '\0' && separates (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      const char *start = p;
      gboolean has_alnum = FALSE;
      while (*p != '\0' && !separates (g_utf8_get_char (p)))
        {
          has_alnum = has_alnum || g_unichar_isalnum (g_utf8_get_char (p));
          p = g_utf8_next_char (p);
        }
      if (!has_alnum)
        continue;
      if (terms > 0)
        g_string_append_c (out, ' ');
      append_term (out, start, p);
      terms++;
    }
  if (terms == 0)
    return NULL;
  if (prefix_last)
    g_string_append_c (out, '*');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
