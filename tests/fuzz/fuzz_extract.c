/* fuzz_extract.c: the search index's text extractors (extract.c): HTML,
 * plain text, manual pages, gzip and the whole chain by file name.
 *
 * Input: the first byte picks the extractor (0 HTML, 1 text, 2 man, 3 the
 * chain for a name from the next field), the second the text bound (1 ..
 * 256 bytes, or 0 for DS_EXTRACT_MAX_TEXT); for 3, a name up to '\n'; the
 * rest is the document.
 *
 * Properties: body and title are valid UTF-8 without control characters
 * (so without the snippet marks 0x01/0x02), no leading, trailing or double
 * spaces; the body within its bound, the title within
 * DS_EXTRACT_MAX_TITLE_CHARS characters.  HTML with neither '<' nor '&'
 * is its own text with white space collapsed.  The chain's kind matches
 * its answer. */
#include "config.h"

#include "docserve/extract.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static void
check_text (const char *what, const char *s, gsize max_bytes, gsize max_chars)
{
  if (s == NULL)
    return;
  gsize len = strlen (s);
  FUZZ_CHECK (g_utf8_validate (s, (gssize) len, NULL), "%s not UTF-8", what);
  FUZZ_CHECK (len <= max_bytes, "%s %zu bytes > %zu", what, len, max_bytes);
  FUZZ_CHECK ((gsize) g_utf8_strlen (s, -1) <= max_chars, "%s too many characters", what);
  FUZZ_CHECK (len == 0 || (s[0] != ' ' && s[len - 1] != ' '), "%s: outer space", what);
  FUZZ_CHECK (strstr (s, "  ") == NULL, "%s: double space", what);
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      FUZZ_CHECK (c >= 0x20 && !(c >= 0x7f && c <= 0x9f), "%s: control U+%04X", what, c);
      FUZZ_CHECK (c == ' ' || !g_unichar_isspace (c), "%s: white space U+%04X", what, c);
    }
}

/* @data collapsed as the extractors collapse text, for the reference. */
static char *
collapsed (const char *data, gsize len)
{
  g_autofree char *copy = g_malloc (len + 1);
  memcpy (copy, data, len);
  copy[len] = '\0';
  for (gsize i = 0; i < len; i++)
    if (copy[i] == '\0')
      copy[i] = ' ';
  g_autofree char *valid = g_utf8_make_valid (copy, (gssize) len);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  guint which = data[0] % 4;
  gsize max = data[1] == 0 ? DS_EXTRACT_MAX_TEXT : data[1];
  FuzzInput in = { data + 2, size - 2 };
  g_autofree char *name = which == 3 ? fuzz_take_field (&in, '\n') : NULL;
  const char *doc = (const char *) in.p;
  gsize len = in.left;
  char *title = NULL, *body = NULL;

  switch (which)
    {
    case 0:
      ds_extract_html (doc, len, max, &title, &body);
      FUZZ_CHECK (body != NULL, "no body");
      if (memchr (doc, '<', len) == NULL && memchr (doc, '&', len) == NULL)
        {
          g_autofree char *want = collapsed (doc, len);
          /* All of it within the bound; else a prefix cut where the next
           * space and character (at most 5 bytes) would not fit. */
          if (strlen (want) <= max)
            FUZZ_CHECK (strcmp (want, body) == 0, "plain HTML changed: \"%s\" -> \"%s\"", want,
                        body);
          else
            FUZZ_CHECK (g_str_has_prefix (want, body) && strlen (body) + 5 > max,
                        "plain HTML cut badly: \"%s\" -> \"%s\"", want, body);
        }
      break;
    case 1:
      ds_extract_text (doc, len, max, &title, &body);
      FUZZ_CHECK (body != NULL, "no body");
      break;
    case 2:
      if (!ds_extract_man (doc, len, max, &title, &body))
        FUZZ_CHECK (title == NULL && body == NULL, "refused with output");
      break;
    default:
      {
        DsExtracted out;
        if (name == NULL)
          return 0;
        gboolean ok = ds_extract_document (name, (const guint8 *) doc, len, &out);
        FUZZ_CHECK (ok == (out.kind != DS_DOC_SKIP) && (ok || out.body == NULL), "kind %d ok %d",
                    out.kind, ok);
        check_text ("title", out.title, G_MAXSIZE, DS_EXTRACT_MAX_TITLE_CHARS);
        check_text ("body", out.body, DS_EXTRACT_MAX_TEXT, G_MAXSIZE);
        ds_extracted_clear (&out);
        return 0;
      }
    }
  check_text ("title", title, G_MAXSIZE, DS_EXTRACT_MAX_TITLE_CHARS);
  check_text ("body", body, max, G_MAXSIZE);
  g_free (title);
  g_free (body);
  return 0;
}
