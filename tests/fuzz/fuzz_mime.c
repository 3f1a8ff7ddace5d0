/* fuzz_mime.c: ds_mime_sniff_text, ds_mime_lookup, ds_mime_is_text and
 * ds_mime_is_archive_name on arbitrary bytes.
 *
 * Input: the bytes are a file prefix for the sniffer (exact-size copy) and,
 * up to the first NUL, a file name or path for the lookups.
 *
 * Properties:
 * - sniff agrees with a reference built on GLib's UTF-8 decoder: valid UTF-8
 *   without NUL, DEL or C0 controls other than TAB LF FF CR ESC, where a
 *   sequence cut off by the end passes if some continuation could complete
 *   it; and every prefix of a text buffer is text;
 * - lookup is ASCII case-insensitive, depends only on the last segment, and
 *   a type carries "; charset=" exactly when ds_mime_is_text says it is
 *   textual (both for the built-in table and with /etc/mime.types);
 * - is_archive_name is "ends in .tar.gz or .tgz", case-insensitively. */
#include "config.h"

#include "docserve/mime.h"

#include "fuzz_common.h"

#include <unistd.h>

static DsMime *tables[2];

static void
cleanup (void)
{
  for (int i = 0; i < 2; i++)
    ds_mime_free (tables[i]);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();

  GError *error = NULL;
  tables[0] = ds_mime_new (NULL, NULL, "utf-8", NULL, &error);
  tables[1] = ds_mime_new ("/etc/mime.types", NULL, "utf-8", NULL, &error);
  if (tables[0] == NULL || tables[1] == NULL)
    {
      fprintf (stderr, "fuzz_mime: %s\n", error->message);
      abort ();
    }
  atexit (cleanup);
  return 0;
}

static gboolean
ascii_ok (guint8 b)
{
  return b >= 0x20 ? b != 0x7f : (b == '\t' || b == '\n' || b == '\f' || b == '\r' || b == 0x1b);
}

/* Whether the @k bytes at @p (a cut-off sequence) can be completed into a
 * valid UTF-8 character. */
static gboolean
completable (const guint8 *p, gsize k)
{
  static const guint8 conts[] = { 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf };
  guint need = (guint) g_utf8_skip[p[0]];
  guint8 buf[8];

  if (need < 2 || need > 4 || k >= need)
    return FALSE;
  memcpy (buf, p, k);
  gsize missing = need - k;
  gsize combos = 1;
  for (gsize i = 0; i < missing; i++)
    combos *= G_N_ELEMENTS (conts);
  for (gsize c = 0; c < combos; c++)
    {
      gsize x = c;
      for (gsize i = 0; i < missing; i++, x /= G_N_ELEMENTS (conts))
        buf[k + i] = conts[x % G_N_ELEMENTS (conts)];
      if (g_utf8_validate_len ((const char *) buf, need, NULL))
        return TRUE;
    }
  return FALSE;
}

static gboolean
sniff_reference (const guint8 *buf, gsize len)
{
  gsize i = 0;

  while (i < len)
    {
      if (buf[i] < 0x80)
        {
          if (!ascii_ok (buf[i]))
            return FALSE;
          i++;
          continue;
        }
      gunichar c = g_utf8_get_char_validated ((const char *) buf + i, (gssize) (len - i));
      if (c == (gunichar) -2)
        return completable (buf + i, len - i);
      if (c == (gunichar) -1)
        return FALSE;
      i += (gsize) g_utf8_skip[buf[i]];
    }
  return TRUE;
}

static gboolean
has_suffix_ci (const char *s, const char *suffix)
{
  gsize n = strlen (s), m = strlen (suffix);
  return n >= m && g_ascii_strcasecmp (s + n - m, suffix) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *shown = fuzz_show (data, size);

  /* Sniffing, on an exact-size copy. */
  guint8 *buf = g_malloc (size > 0 ? size : 1);
  memcpy (buf, data, size);
  gboolean text = ds_mime_sniff_text (size > 0 ? buf : NULL, size);
  gboolean ref = sniff_reference (buf, size);
  FUZZ_CHECK (text == ref, "sniff %d, reference %d for \"%s\"", text, ref, shown);
  if (text)
    for (gsize k = 0; k < size && k < 64; k++)
      FUZZ_CHECK (ds_mime_sniff_text (buf, k), "prefix %zu of text \"%s\" is not text", k, shown);
  g_free (buf);

  /* Names. */
  g_autofree char *name = g_strndup ((const char *) data, size);
  g_autofree char *upper = g_ascii_strup (name, -1);
  const char *slash = strrchr (name, '/');
  g_autofree char *rebased = g_strconcat ("dir/x/", slash != NULL ? slash + 1 : name, NULL);

  for (int t = 0; t < 2; t++)
    {
      const char *type = ds_mime_lookup (tables[t], name);
      FUZZ_CHECK (ds_mime_lookup (tables[t], upper) == type, "case changed the type of \"%s\"",
                  shown);
      FUZZ_CHECK (ds_mime_lookup (tables[t], rebased) == type,
                  "directories changed the type of \"%s\"", shown);
      const char *def = ds_mime_lookup_or_default (tables[t], name);
      FUZZ_CHECK (def != NULL && (type == NULL || def == type), "lookup_or_default");
      if (type != NULL)
        FUZZ_CHECK (ds_mime_is_text (type) == (strstr (type, "; charset=") != NULL),
                    "type \"%s\" of \"%s\": is_text %d", type, shown, ds_mime_is_text (type));
    }
  (void) ds_mime_is_text (name);

  gboolean archive = ds_mime_is_archive_name (name);
  FUZZ_CHECK (archive == (has_suffix_ci (name, ".tar.gz") || has_suffix_ci (name, ".tgz")),
              "is_archive_name %d for \"%s\"", archive, shown);
  return 0;
}
