/* fuzz_docbase.c: ds_docbase_parse (doc-base control files).
 *
 * Input: the whole input is one control file, any bytes (NUL included),
 * copied into a buffer of exactly its size so that AddressSanitizer sees
 * any read past it.
 *
 * Properties:
 * - either an entry or an error, never both, never neither;
 * - an error message is one line and starts with the file's name;
 * - an entry has a non-empty Document and Title, valid UTF-8 in every
 *   string, one-line Document/Title/Section/Author, and at least one
 *   format whose name is lower case and non-empty, with at least one file,
 *   each non-empty and free of white space;
 * - parsing is independent of the bytes after the input: the same input
 *   followed by "\nTitle: X" in the buffer but not in the length gives the
 *   same result. */
#include "config.h"

#include "docserve/docbase.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static gboolean
one_line_utf8 (const char *s)
{
  return s == NULL || (g_utf8_validate (s, -1, NULL) && strchr (s, '\n') == NULL);
}

/* A summary of the result, to compare two parses. */
static char *
describe (const DsDocBaseEntry *e, const GError *err)
{
  if (e == NULL)
    return g_strdup_printf ("E %s", err->message);

  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s|%s|%s|%s|%s|", e->document, e->title, e->section,
                          e->author != NULL ? e->author : "-", e->abstract != NULL ? e->abstract : "-");
  for (guint i = 0; i < e->formats->len; i++)
    {
      const DsDocBaseFormat *f = g_ptr_array_index (e->formats, i);
      g_autofree char *files = g_strjoinv (",", f->files);
      g_string_append_printf (s, "%s[%s](%s);", f->format, f->index != NULL ? f->index : "-", files);
    }
  return g_string_free (s, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *buf = g_malloc (size > 0 ? size : 1);
  memcpy (buf, data, size);

  GError *err = NULL;
  DsDocBaseEntry *e = ds_docbase_parse (buf, size, "f", &err);
  g_autofree char *shown = fuzz_show (data, size);

  FUZZ_CHECK ((e == NULL) != (err == NULL), "entry and error together or neither: \"%s\"", shown);
  if (e == NULL)
    {
      FUZZ_CHECK (g_str_has_prefix (err->message, "f") && strchr (err->message, '\n') == NULL,
                  "message \"%s\" for \"%s\"", err->message, shown);
    }
  else
    {
      FUZZ_CHECK (e->document[0] != '\0' && e->title[0] != '\0', "empty Document/Title: \"%s\"", shown);
      FUZZ_CHECK (one_line_utf8 (e->document) && one_line_utf8 (e->title)
                      && one_line_utf8 (e->section) && one_line_utf8 (e->author),
                  "field not one valid line: \"%s\"", shown);
      FUZZ_CHECK (e->abstract == NULL || g_utf8_validate (e->abstract, -1, NULL),
                  "abstract not UTF-8: \"%s\"", shown);
      FUZZ_CHECK (e->formats->len > 0, "no format: \"%s\"", shown);
      for (guint i = 0; i < e->formats->len; i++)
        {
          const DsDocBaseFormat *f = g_ptr_array_index (e->formats, i);
          g_autofree char *lower = g_ascii_strdown (f->format, -1);
          FUZZ_CHECK (f->format[0] != '\0' && strcmp (lower, f->format) == 0
                          && one_line_utf8 (f->format) && one_line_utf8 (f->index),
                      "format \"%s\" for \"%s\"", f->format, shown);
          FUZZ_CHECK (f->files[0] != NULL, "format without files: \"%s\"", shown);
          for (guint j = 0; f->files[j] != NULL; j++)
            FUZZ_CHECK (f->files[j][0] != '\0' && strpbrk (f->files[j], " \t\n") == NULL
                            && g_utf8_validate (f->files[j], -1, NULL),
                        "file \"%s\" for \"%s\"", f->files[j], shown);
        }
    }

  /* The same bytes with more after them, outside the length. */
  static const char tail[] = "\nTitle: X\n";
  char *longer = g_malloc (size + sizeof tail);
  memcpy (longer, data, size);
  memcpy (longer + size, tail, sizeof tail);
  GError *err2 = NULL;
  DsDocBaseEntry *e2 = ds_docbase_parse (longer, size, "f", &err2);
  g_autofree char *d1 = describe (e, err);
  g_autofree char *d2 = describe (e2, err2);
  FUZZ_CHECK (strcmp (d1, d2) == 0, "depends on bytes after the input: \"%s\"", shown);

  ds_docbase_entry_free (e);
  ds_docbase_entry_free (e2);
  g_clear_error (&err);
  g_clear_error (&err2);
  g_free (longer);
  g_free (buf);
  return 0;
}
