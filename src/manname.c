/* manname.c: the names of manual pages.  A request segment that reaches
 * the man roots has passed ds_manname_valid_section/_valid_name first, so
 * nothing outside those rules (no '/', no "..", no NUL, no control byte)
 * is ever joined into a path; the files themselves are still opened
 * beneath the root fds (path.c).
 *
 * Sections follow man-db: the directory is "man" plus the section's first
 * character ("man3"), a page's file "NAME.SECTION" with SECTION that
 * character and an optional suffix ("3ssl", "3pm", "1p"), compressed with
 * gzip or not (Debian compresses with gzip only).  The NAME line and the
 * ".so" test read only the head of the source; man(7) and mdoc(7) are the
 * two macro packages in use. */
#include "config.h"

#include "docserve/manname.h"

#include <string.h>

/* man-db's default SECTION order (man(1), /etc/manpath.config). */
static const char section_order[] = "1nl830254967";

static gboolean
is_section_char (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

gboolean
ds_manname_valid_section (const char *section)
{
  g_return_val_if_fail (section != NULL, FALSE);

  if (section[0] == '\0' || strchr (section_order, section[0]) == NULL)
    return FALSE;
  gsize n = 0;
  for (const char *c = section; *c != '\0'; c++, n++)
    if (!is_section_char (*c) || n + 1 >= DS_MANNAME_MAX_SECTION)
      return FALSE;
  return TRUE;
}

gboolean
ds_manname_valid_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  gsize n = strlen (name);
  if (n == 0 || n > DS_MANNAME_MAX_NAME || name[0] == '.')
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    {
      guchar b = (guchar) *c;
      if (b <= 0x20 || b == 0x7f || b == '/' || b == '\\')
        return FALSE;
    }
  return g_utf8_validate (name, (gssize) n, NULL);
}

gboolean
ds_manname_parse_dir (const char *dir, const char **out_section)
{
  g_return_val_if_fail (dir != NULL, FALSE);

  if (strncmp (dir, "man", 3) != 0 || !ds_manname_valid_section (dir + 3))
    return FALSE;
  if (out_section != NULL)
    *out_section = dir + 3;
  return TRUE;
}

gboolean
ds_manname_parse_file (const char *file, const char *dir_section, char **out_name,
                       char **out_section, gboolean *out_gz)
{
  g_return_val_if_fail (file != NULL && dir_section != NULL, FALSE);

  gsize n = strlen (file);
  gboolean gz = n > 3 && strcmp (file + n - 3, ".gz") == 0;
  if (gz)
    n -= 3;
  g_autofree char *base = g_strndup (file, n);
  char *dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return FALSE;
  *dot = '\0';
  const char *section = dot + 1;
  if (!ds_manname_valid_section (section) || section[0] != dir_section[0]
      || !ds_manname_valid_name (base))
    return FALSE;
  if (out_section != NULL)
    *out_section = g_strdup (section);
  if (out_name != NULL)
    *out_name = g_strdup (base);
  if (out_gz != NULL)
    *out_gz = gz;
  return TRUE;
}

static int
section_rank (char c)
{
  const char *p = strchr (section_order, c);
  return p != NULL && c != '\0' ? (int) (p - section_order) : (int) sizeof section_order;
}

int
ds_manname_section_compare (const char *a, const char *b)
{
  int ra = section_rank (a[0]), rb = section_rank (b[0]);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  return strcmp (a, b); /* "3" < "3pm" < "3ssl" */
}

guint
ds_manname_distance (const char *a, const char *b, guint limit)
{
  gsize la = strlen (a), lb = strlen (b);

  if ((la > lb ? la - lb : lb - la) > limit)
    return limit + 1;
  g_autofree guint *row = g_new (guint, lb + 1);
  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0], best = (guint) i;
      row[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint v = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
          v = MIN (v, up + 1);
          v = MIN (v, row[j - 1] + 1);
          row[j] = v;
          diag = up;
          best = MIN (best, v);
        }
      if (best > limit)
        return limit + 1;
    }
  return MIN (row[lb], limit + 1);
}

/* ---- roff source -------------------------------------------------------- */

/* The next line of @src from *@pos (without its newline); FALSE at the end. */
static gboolean
next_line (const char *src, gsize len, gsize *pos, const char **out_line, gsize *out_len)
{
  if (*pos >= len)
    return FALSE;
  const char *s = src + *pos;
  const char *nl = memchr (s, '\n', len - *pos);
  gsize n = nl != NULL ? (gsize) (nl - s) : len - *pos;
  *out_line = s;
  *out_len = n;
  *pos += n + (nl != NULL ? 1 : 0);
  return TRUE;
}

static gboolean
is_comment (const char *line, gsize n)
{
  return (n >= 3 && (line[0] == '.' || line[0] == '\'') && line[1] == '\\' && line[2] == '"')
         || (n >= 2 && line[0] == '\\' && line[1] == '"') || (n == 1 && line[0] == '.');
}

char *
ds_manname_so_target (const char *src, gsize len)
{
  g_return_val_if_fail (src != NULL || len == 0, NULL);

  gsize pos = 0;
  const char *line;
  gsize n;
  while (next_line (src, len, &pos, &line, &n))
    {
      if (n == 0 || is_comment (line, n))
        continue;
      if (n < 4 || strncmp (line, ".so", 3) != 0 || (line[3] != ' ' && line[3] != '\t'))
        return NULL;
      g_autofree char *arg = g_strstrip (g_strndup (line + 4, n - 4));
      const char *slash = strchr (arg, '/');
      if (slash == NULL || strchr (slash + 1, '/') != NULL)
        return NULL;
      g_autofree char *dir = g_strndup (arg, (gsize) (slash - arg));
      const char *section = NULL;
      if (!ds_manname_parse_dir (dir, &section)
          || !ds_manname_parse_file (slash + 1, section, NULL, NULL, NULL))
        return NULL;
      return g_steal_pointer (&arg);
    }
  return NULL;
}

/* Named characters that appear in NAME lines; others are dropped. */
static const char *
named_char (const char *name, gsize n)
{
  static const struct
  {
    const char *name, *text;
  } table[] = {
    { "em", "\xe2\x80\x94" }, { "en", "\xe2\x80\x93" }, { "hy", "-" },    { "mi", "-" },
    { "lq", "\xe2\x80\x9c" }, { "rq", "\xe2\x80\x9d" }, { "oq", "'" },   { "cq", "'" },
    { "aq", "'" },            { "dq", "\"" },           { "ti", "~" },   { "ha", "^" },
    { "rs", "\\" },           { "bu", "\xc2\xb7" },     { "co", "\xc2\xa9" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (strlen (table[i].name) == n && strncmp (table[i].name, name, n) == 0)
      return table[i].text;
  return "";
}

/* Skips an escape's argument at @s: "(xx", "[name]", a quoted 'arg', or
 * one character; sets the name's span for named characters. */
static const char *
skip_arg (const char *s, const char *end, const char **out_name, gsize *out_n)
{
  *out_name = s;
  *out_n = 0;
  if (s >= end)
    return s;
  if (*s == '(')
    {
      gsize n = MIN ((gsize) (end - s - 1), 2);
      *out_name = s + 1;
      *out_n = n;
      return s + 1 + n;
    }
  if (*s == '[')
    {
      const char *close = memchr (s, ']', (gsize) (end - s));
      if (close == NULL)
        return end;
      *out_name = s + 1;
      *out_n = (gsize) (close - s - 1);
      return close + 1;
    }
  if (*s == '\'')
    {
      const char *close = memchr (s + 1, '\'', (gsize) (end - s - 1));
      return close != NULL ? close + 1 : end;
    }
  *out_name = s;
  *out_n = 1;
  return s + 1;
}

/* Appends the text of roff text @s..@end to @out without escapes. */
static void
append_plain (GString *out, const char *s, const char *end)
{
  while (s < end)
    {
      if (*s != '\\')
        {
          g_string_append_c (out, *s++);
          continue;
        }
      s++;
      if (s >= end)
        break;
      char e = *s++;
      const char *name;
      gsize n;
      switch (e)
        {
        case '"': /* comment to the end of the line */
          return;
        case '-':
          g_string_append_c (out, '-');
          break;
        case 'e':
        case '\\':
          g_string_append_c (out, '\\');
          break;
        case ' ':
        case '~':
          g_string_append_c (out, ' ');
          break;
        case '(':
        case '[':
          s = skip_arg (s - 1, end, &name, &n);
          g_string_append (out, named_char (name, n));
          break;
        case 'f':
        case '*':
        case 'n':
        case 'F':
        case 'm':
        case 'M':
        case 'k':
        case 'g':
        case 'Y':
        case 'V':
          s = skip_arg (s, end, &name, &n);
          if (e == '*')
            g_string_append (out, named_char (name, n));
          break;
        case 's':
          if (s < end && (*s == '+' || *s == '-'))
            s++;
          if (s < end && (*s == '(' || *s == '[' || *s == '\''))
            s = skip_arg (s, end, &name, &n);
          else
            while (s < end && g_ascii_isdigit (*s))
              s++;
          break;
        case 'N':
        case 'h':
        case 'v':
        case 'w':
        case 'o':
        case 'X':
        case 'l':
        case 'L':
        case 'D':
        case 'b':
        case 'x':
        case 'A':
        case 'B':
        case 'C':
        case 'R':
        case 'Z':
          s = skip_arg (s, end, &name, &n);
          break;
        case '&':
        case '|':
        case '^':
        case '%':
        case ':':
        case ',':
        case '/':
        case 'c':
        case 'd':
        case 'u':
        case 'p':
        case 'r':
        case 't':
        case 'a':
        case '{':
        case '}':
        case '0':
          break;
        default:
          g_string_append_c (out, e);
          break;
        }
    }
}

/* The arguments of macro line @line (after the macro name), quotes
 * removed, as plain text. */
static void
append_macro_args (GString *out, const char *line, gsize n)
{
  const char *s = line + 1, *end = line + n;
  while (s < end && *s != ' ' && *s != '\t')
    s++;
  while (s < end)
    {
      while (s < end && (*s == ' ' || *s == '\t'))
        s++;
      if (s >= end)
        break;
      const char *a = s, *b;
      if (*s == '"')
        {
          a = ++s;
          while (s < end && *s != '"')
            s++;
          b = s;
          if (s < end)
            s++;
        }
      else
        {
          while (s < end && *s != ' ' && *s != '\t')
            s++;
          b = s;
        }
      if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
      append_plain (out, a, b);
    }
}

static gboolean
macro_is (const char *line, gsize n, const char *macro)
{
  gsize m = strlen (macro);
  return n > m && (line[0] == '.' || line[0] == '\'') && strncmp (line + 1, macro, m) == 0
         && (n == m + 1 || line[m + 1] == ' ' || line[m + 1] == '\t');
}

char *
ds_manname_description (const char *src, gsize len)
{
  g_return_val_if_fail (src != NULL || len == 0, NULL);

  g_autoptr (GString) text = g_string_new (NULL);
  gboolean in_name = FALSE;
  gsize pos = 0;
  const char *line;
  gsize n;

  while (next_line (src, len, &pos, &line, &n))
    {
      if (n > 0 && line[n - 1] == '\r')
        n--;
      if (is_comment (line, n))
        continue;
      gboolean sh = macro_is (line, n, "SH") || macro_is (line, n, "Sh");
      if (sh)
        {
          if (in_name)
            break;
          g_autoptr (GString) head = g_string_new (NULL);
          append_macro_args (head, line, n);
          g_strstrip (head->str);
          in_name = g_ascii_strcasecmp (head->str, "NAME") == 0;
          continue;
        }
      if (!in_name)
        continue;
      if (macro_is (line, n, "SS"))
        break;
      if (macro_is (line, n, "Nd")) /* mdoc: the description itself */
        {
          g_string_truncate (text, 0);
          append_macro_args (text, line, n);
          g_strstrip (text->str);
          return text->str[0] != '\0' ? g_utf8_make_valid (text->str, -1) : NULL;
        }
      if (n > 0 && (line[0] == '.' || line[0] == '\''))
        {
          if (macro_is (line, n, "B") || macro_is (line, n, "I") || macro_is (line, n, "BR")
              || macro_is (line, n, "IR") || macro_is (line, n, "RB")
              || macro_is (line, n, "BI") || macro_is (line, n, "Nm"))
            append_macro_args (text, line, n);
          continue;
        }
      if (text->len > 0 && text->str[text->len - 1] != ' ')
        g_string_append_c (text, ' ');
      append_plain (text, line, line + n);
      if (text->len > 4096)
        break;
    }
  if (!in_name && text->len == 0)
    return NULL;
  const char *dash = strstr (text->str, " - ");
  gsize skip = 3;
  if (dash == NULL)
    {
      dash = strstr (text->str, " \xe2\x80\x94 "), skip = 5;
      if (dash == NULL)
        return NULL;
    }
  g_autofree char *desc = g_strstrip (g_strdup (dash + skip));
  if (desc[0] == '\0')
    return NULL;
  /* One space between words, valid UTF-8. */
  g_auto (GStrv) words = g_strsplit_set (desc, " \t", -1);
  g_autoptr (GString) one = g_string_new (NULL);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        if (one->len > 0)
          g_string_append_c (one, ' ');
        g_string_append (one, words[i]);
      }
  return g_utf8_make_valid (one->str, (gssize) one->len);
}
