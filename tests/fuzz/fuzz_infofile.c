/* fuzz_infofile.c: the info parser and renderer (infofile.h) on arbitrary
 * bytes.
 *
 * Input: the bytes split at the first two \x1e bytes into up to three
 * parts of one manual (exact-size copies); the first part also as a
 * node-name segment (up to a NUL).
 *
 * Properties:
 * - parsing never fails; every node has a non-empty valid UTF-8 name, is
 *   found by lookup under that name, and its name encodes to a segment of
 *   [A-Za-z0-9_-] that decodes back to the name with white space
 *   normalised;
 * - a segment that decodes re-encodes to a segment that decodes to the
 *   same name;
 * - subfile names hold no '/' and do not start with '.';
 * - a rendered node is valid UTF-8, and every href it writes starts with
 *   "/info/" and holds no "..", '<', '>' or white space (the attribute is
 *   double-quoted: path.c's encoder leaves sub-delims such as '\'' as they
 *   are). */
#include "config.h"

#include "docserve/infofile.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static char *
normalise (const char *s)
{
  g_auto (GStrv) words = g_strsplit_set (s, " \t\n\r", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0')
      {
        if (out->len > 0)
          g_string_append_c (out, ' ');
        g_string_append (out, words[i]);
      }
  return g_string_free (out, FALSE);
}

static void
check_hrefs (const char *html, const char *shown)
{
  for (const char *p = strstr (html, "href=\""); p != NULL; p = strstr (p + 1, "href=\""))
    {
      const char *v = p + 6;
      const char *end = strchr (v, '"');
      FUZZ_CHECK (end != NULL, "unterminated href in render of %s", shown);
      g_autofree char *href = g_strndup (v, (gsize) (end - v));
      FUZZ_CHECK (g_str_has_prefix (href, "/info/") && strstr (href, "..") == NULL
                      && strpbrk (href, "<> \t\n") == NULL,
                  "href \"%s\" from %s", href, shown);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *shown = fuzz_show (data, size);
  GBytes *parts[3];
  guint n = 0;
  const uint8_t *s = data, *end = data + size;
  while (n < 3)
    {
      const uint8_t *sep = n < 2 ? memchr (s, 0x1e, (size_t) (end - s)) : NULL;
      const uint8_t *stop = sep != NULL ? sep : end;
      parts[n++] = g_bytes_new (s, (size_t) (stop - s));
      if (sep == NULL)
        break;
      s = sep + 1;
    }

  gsize len0 = 0;
  const char *p0 = g_bytes_get_data (parts[0], &len0);
  g_auto (GStrv) subs = ds_infofile_subfiles (p0, len0);
  for (guint i = 0; subs != NULL && subs[i] != NULL; i++)
    FUZZ_CHECK (subs[i][0] != '.' && strchr (subs[i], '/') == NULL, "subfile \"%s\"", subs[i]);

  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, n);
  for (guint i = 0; i < ds_infofile_n_nodes (f); i++)
    {
      const DsInfoNode *node = ds_infofile_node (f, i);
      FUZZ_CHECK (node->name[0] != '\0' && g_utf8_validate (node->name, -1, NULL),
                  "node name in %s", shown);
      FUZZ_CHECK (ds_infofile_lookup (f, node->name) == node, "lookup \"%s\"", node->name);
      g_autofree char *seg = ds_infofile_encode_node (node->name);
      for (const char *c = seg; *c != '\0'; c++)
        FUZZ_CHECK (g_ascii_isalnum (*c) || *c == '-' || *c == '_', "segment %s", seg);
      g_autofree char *want = normalise (node->name);
      g_autofree char *back = ds_infofile_decode_node (seg);
      if (want[0] != '\0')
        FUZZ_CHECK (back != NULL && strcmp (back, want) == 0, "\"%s\" -> %s -> %s", want, seg,
                    back != NULL ? back : "NULL");
      GString *html = g_string_new (NULL);
      ds_infofile_render (node, "m", NULL, NULL, html);
      FUZZ_CHECK (g_utf8_validate (html->str, (gssize) html->len, NULL), "render not UTF-8: %s",
                  shown);
      check_hrefs (html->str, shown);
      g_string_free (html, TRUE);
    }

  g_autofree char *seg = len0 > 0 ? g_strndup (p0, len0) : g_strdup ("");
  g_autofree char *name = ds_infofile_decode_node (seg);
  if (name != NULL)
    {
      g_autofree char *again = ds_infofile_encode_node (name);
      g_autofree char *twice = ds_infofile_decode_node (again);
      FUZZ_CHECK (twice != NULL && strcmp (twice, name) == 0, "\"%s\" -> \"%s\" -> %s", seg,
                  name, again);
    }
  for (guint i = 0; i < n; i++)
    g_bytes_unref (parts[i]);
  return 0;
}
