/* inject.c: finds where the --watch script tag goes in an HTML page and
 * puts it there (inject.h).
 *
 * A tokenizer light enough for pages of megabytes: one pass over the '<'
 * bytes.  It skips what the HTML parser does not read as tags (WHATWG HTML
 * §13.2.5: comments, and the text of the raw-text and escapable raw-text
 * elements script, style, title and textarea, up to their end tag), so a
 * "</body>" written in a comment or a script string is never taken for the
 * end of the body.  Quoted attribute values are skipped inside tags, since
 * they may hold '>'.  An unterminated comment or raw-text element runs to
 * the end of the page, as in a browser.  A UTF-8 byte order mark needs no
 * care (the snippet never goes first); a page in UTF-16 or UTF-32 (by its
 * byte order mark) gets nothing, as ASCII bytes would corrupt it. */
#include "config.h"

#include "docserve/inject.h"

#include <string.h>

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Whether @html[@i..] starts with @name (lower case, ASCII case-insensitive)
 * followed by the end of a tag name: '>', '/', white space or the end. */
static gboolean
tag_name_at (const char *html, gsize len, gsize i, const char *name)
{
  gsize n = strlen (name);

  if (len - i < n || g_ascii_strncasecmp (html + i, name, n) != 0)
    return FALSE;
  return i + n == len || html[i + n] == '>' || html[i + n] == '/' || is_space (html[i + n]);
}

/* The offset just past the '>' that ends the tag whose name starts at @i,
 * skipping quoted attribute values; @len when there is none. */
static gsize
tag_end (const char *html, gsize len, gsize i)
{
  char quote = 0;

  for (; i < len; i++)
    {
      char c = html[i];
      if (quote != 0)
        {
          if (c == quote)
            quote = 0;
        }
      else if (c == '"' || c == '\'')
        {
          /* Only a quote right after '=' (and white space) opens a value. */
          gsize j = i;
          while (j > 0 && is_space (html[j - 1]))
            j--;
          if (j > 0 && html[j - 1] == '=')
            quote = c;
        }
      else if (c == '>')
        return i + 1;
    }
  return len;
}

/* The offset of the first "</@name" end tag at or after @i, or @len. */
static gsize
find_end_tag (const char *html, gsize len, gsize i, const char *name)
{
  while (i < len)
    {
      const char *lt = memchr (html + i, '<', len - i);
      if (lt == NULL)
        return len;
      i = (gsize) (lt - html);
      if (i + 1 < len && html[i + 1] == '/' && tag_name_at (html, len, i + 2, name))
        return i;
      i++;
    }
  return len;
}

/* The offset just past the "-->" closing the comment whose "<!--" is at @i
 * (also "<!-->" and "<!--->", which the parser closes at once), or @len. */
static gsize
comment_end (const char *html, gsize len, gsize i)
{
  gsize j = i + 4;

  if (j < len && html[j] == '>')
    return j + 1;
  if (j + 1 < len && html[j] == '-' && html[j + 1] == '>')
    return j + 2;
  for (; j + 2 < len; j++)
    if (html[j] == '-' && html[j + 1] == '-' && html[j + 2] == '>')
      return j + 3;
  return len;
}

static gboolean
wide_bom (const char *html, gsize len)
{
  const guchar *b = (const guchar *) html;

  if (len >= 4 && ((b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 0)
                   || (b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff)))
    return TRUE;
  return len >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff));
}

gboolean
ds_inject_position (const char *html, gsize len, gsize *out_pos)
{
  static const char *const raw[] = { "script", "style", "title", "textarea" };
  gsize head = len;
  gsize i = 0;

  g_return_val_if_fail (html != NULL || len == 0, FALSE);
  *out_pos = len;
  if (wide_bom (html, len))
    return FALSE;
  while (i < len)
    {
      const char *lt = memchr (html + i, '<', len - i);
      if (lt == NULL)
        break;
      i = (gsize) (lt - html);
      if (len - i >= 4 && memcmp (html + i, "<!--", 4) == 0)
        {
          i = comment_end (html, len, i);
          continue;
        }
      if (i + 1 < len && html[i + 1] == '/')
        {
          if (tag_name_at (html, len, i + 2, "body"))
            {
              *out_pos = i;
              return TRUE;
            }
          if (head == len && tag_name_at (html, len, i + 2, "head"))
            head = i;
          i += 2;
          continue;
        }
      gboolean skipped = FALSE;
      for (gsize k = 0; k < G_N_ELEMENTS (raw); k++)
        if (tag_name_at (html, len, i + 1, raw[k]))
          {
            gsize body = tag_end (html, len, i + 1);
            i = find_end_tag (html, len, body, raw[k]);
            /* Past "</name" so the end tag is not looked at again. */
            i = MIN (len, i + 2 + strlen (raw[k]));
            skipped = TRUE;
            break;
          }
      if (!skipped && i + 1 < len && g_ascii_isalpha (html[i + 1]))
        i = tag_end (html, len, i + 1); /* attribute values may hold "</body>" */
      else if (!skipped)
        i++;
    }
  *out_pos = head;
  return TRUE;
}

char *
ds_inject_snippet (const char *html, gsize len, const char *snippet, gsize *out_len)
{
  gsize pos = 0;
  gsize slen = strlen (snippet);

  if (!ds_inject_position (html, len, &pos))
    return NULL;
  char *out = g_malloc (len + slen + 1);
  if (pos > 0)
    memcpy (out, html, pos);
  memcpy (out + pos, snippet, slen);
  if (len > pos)
    memcpy (out + pos + slen, html + pos, len - pos);
  out[len + slen] = '\0';
  *out_len = len + slen;
  return out;
}
