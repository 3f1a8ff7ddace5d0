/* infofile.c: GNU info files (texinfo's "Info File Format").  A manual is
 * chunks separated by \x1f; a node chunk starts with a header line
 * "File: F,  Node: N,  Next: X,  Prev: Y,  Up: Z" (the dir file separates
 * with tabs), other chunks are the tag table and, in a split manual's main
 * file, the "Indirect:" list of subfiles.  Nodes are found by scanning
 * every part for separators instead of trusting the tag table's byte
 * offsets, which are wrong as soon as a file is recoded or edited; the
 * result is the same for well-formed files and still useful for broken
 * ones.  Names in headers may be quoted with \x7f (Texinfo 6).
 *
 * URL segments for node names use texinfo's own HTML cross-reference
 * encoding, so that every node name, '/' and '.' included, becomes one
 * segment made of [A-Za-z0-9_-] only, which path.c's strict decoder
 * passes as it is. */
#include "config.h"

#include "docserve/infofile.h"

#include "docserve/manname.h"
#include "docserve/page.h"
#include "docserve/path.h"

#include <string.h>

/* Bounds that keep a hostile file's cost linear. */
#define MAX_SUBFILES 64
#define MAX_REF 400 /* bytes of a menu entry or cross-reference */

struct _DsInfoFile
{
  GPtrArray *nodes;  /* DsInfoNode *, file order */
  GHashTable *exact; /* name -> node (borrowed) */
  GHashTable *folded; /* lower-cased name -> first node with it */
};

static void
node_free (gpointer p)
{
  DsInfoNode *n = p;
  g_free (n->name);
  g_free (n->next);
  g_free (n->prev);
  g_free (n->up);
  g_free (n->text);
  g_free (n);
}

static gboolean
plain_file_name (const char *s)
{
  if (s[0] == '\0' || s[0] == '.' || strlen (s) > 255)
    return FALSE;
  for (const char *c = s; *c != '\0'; c++)
    if ((guchar) *c <= 0x20 || *c == 0x7f || *c == '/' || *c == '\\')
      return FALSE;
  return TRUE;
}

/* Calls @fn on each chunk between \x1f separators. */
typedef void (*ChunkFunc) (const char *s, gsize n, gpointer data);

static void
each_chunk (const char *s, gsize len, ChunkFunc fn, gpointer data)
{
  if (len == 0)
    return; /* s may be NULL then */
  const char *end = s + len;
  while (s < end)
    {
      const char *sep = memchr (s, '\x1f', (gsize) (end - s));
      const char *stop = sep != NULL ? sep : end;
      const char *c = s;
      while (c < stop && (*c == '\n' || *c == '\f' || *c == '\r'))
        c++;
      if (c < stop)
        fn (c, (gsize) (stop - c), data);
      s = sep != NULL ? sep + 1 : end;
    }
}

typedef struct
{
  GPtrArray *names;
  gboolean done;
} SubfileScan;

static void
scan_indirect (const char *s, gsize n, gpointer data)
{
  SubfileScan *scan = data;
  static const char head[] = "Indirect:";
  if (scan->done || n < sizeof head - 1 || strncmp (s, head, sizeof head - 1) != 0)
    return;
  scan->done = TRUE;
  g_autofree char *body = g_strndup (s, n);
  g_auto (GStrv) lines = g_strsplit (body, "\n", -1);
  for (guint i = 1; lines[i] != NULL && scan->names->len < MAX_SUBFILES; i++)
    {
      char *colon = strrchr (lines[i], ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      g_strstrip (lines[i]);
      if (plain_file_name (lines[i]))
        g_ptr_array_add (scan->names, g_strdup (lines[i]));
    }
}

char **
ds_infofile_subfiles (const char *main, gsize len)
{
  g_return_val_if_fail (main != NULL || len == 0, NULL);

  SubfileScan scan = { g_ptr_array_new (), FALSE };
  each_chunk (main, len, scan_indirect, &scan);
  if (scan.names->len == 0)
    {
      g_ptr_array_free (scan.names, TRUE);
      return NULL;
    }
  g_ptr_array_add (scan.names, NULL);
  return (char **) g_ptr_array_free (scan.names, FALSE);
}

/* The value of header field @key ("Node") in header @h, or NULL. */
static char *
header_field (const char *h, gsize n, const char *key)
{
  gsize k = strlen (key);
  for (gsize i = 0; i + k + 1 <= n; i++)
    {
      if ((i > 0 && h[i - 1] != ' ' && h[i - 1] != '\t' && h[i - 1] != ',')
          || strncmp (h + i, key, k) != 0 || h[i + k] != ':')
        continue;
      gsize p = i + k + 1;
      while (p < n && (h[p] == ' ' || h[p] == '\t'))
        p++;
      gsize q = p;
      if (p < n && h[p] == '\x7f')
        {
          p++;
          q = p;
          while (q < n && h[q] != '\x7f')
            q++;
        }
      else
        while (q < n && h[q] != ',' && h[q] != '\t')
          q++;
      g_autofree char *v = g_strstrip (g_strndup (h + p, q - p));
      return v[0] != '\0' ? g_utf8_make_valid (v, -1) : NULL;
    }
  return NULL;
}

static void
add_node (const char *s, gsize n, gpointer data)
{
  DsInfoFile *f = data;
  const char *nl = memchr (s, '\n', n);
  gsize hl = nl != NULL ? (gsize) (nl - s) : n;
  char *name = header_field (s, hl, "Node");
  if (name == NULL)
    return;
  DsInfoNode *node = g_new0 (DsInfoNode, 1);
  node->name = name;
  node->next = header_field (s, hl, "Next");
  node->prev = header_field (s, hl, "Prev");
  node->up = header_field (s, hl, "Up");
  node->text_len = nl != NULL ? n - hl - 1 : 0;
  node->text = g_malloc (node->text_len + 1);
  if (node->text_len > 0)
    memcpy (node->text, nl + 1, node->text_len);
  node->text[node->text_len] = '\0';
  /* A node defined twice: the first wins, as in info. */
  if (g_hash_table_contains (f->exact, node->name))
    {
      node_free (node);
      return;
    }
  g_ptr_array_add (f->nodes, node);
  g_hash_table_insert (f->exact, node->name, node);
  char *folded = g_ascii_strdown (node->name, -1);
  if (!g_hash_table_contains (f->folded, folded))
    g_hash_table_insert (f->folded, folded, node);
  else
    g_free (folded);
}

DsInfoFile *
ds_infofile_parse (GBytes *const *parts, guint n_parts)
{
  DsInfoFile *f = g_new0 (DsInfoFile, 1);

  f->nodes = g_ptr_array_new_with_free_func (node_free);
  f->exact = g_hash_table_new (g_str_hash, g_str_equal);
  f->folded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n_parts; i++)
    {
      gsize len = 0;
      const char *s = g_bytes_get_data (parts[i], &len);
      if (s != NULL)
        each_chunk (s, len, add_node, f);
    }
  return f;
}

void
ds_infofile_free (DsInfoFile *file)
{
  if (file == NULL)
    return;
  g_hash_table_unref (file->exact);
  g_hash_table_unref (file->folded);
  g_ptr_array_free (file->nodes, TRUE);
  g_free (file);
}

guint
ds_infofile_n_nodes (const DsInfoFile *file)
{
  return file->nodes->len;
}

const DsInfoNode *
ds_infofile_node (const DsInfoFile *file, guint i)
{
  g_return_val_if_fail (i < file->nodes->len, NULL);
  return g_ptr_array_index (file->nodes, i);
}

const DsInfoNode *
ds_infofile_lookup (const DsInfoFile *file, const char *name)
{
  const DsInfoNode *n = g_hash_table_lookup (file->exact, name);
  if (n != NULL)
    return n;
  g_autofree char *folded = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (file->folded, folded);
}

/* ---- names in URLs ------------------------------------------------------ */

char *
ds_infofile_encode_node (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  g_autofree char *valid = g_utf8_make_valid (name, -1);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, '-');
      space = FALSE;
      if (c < 0x80 && g_ascii_isalnum ((char) c))
        g_string_append_c (out, (char) c);
      else if (c <= 0xffff)
        g_string_append_printf (out, "_%04x", c);
      else
        g_string_append_printf (out, "__%06x", c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
hex_value (const char *s, guint digits, gunichar *out)
{
  gunichar v = 0;
  for (guint i = 0; i < digits; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);
      if (d < 0 || g_ascii_isupper (s[i]))
        return FALSE;
      v = v * 16 + (gunichar) d;
    }
  *out = v;
  return TRUE;
}

char *
ds_infofile_decode_node (const char *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);

  g_autoptr (GString) out = g_string_new (NULL);
  const char *s = segment;
  if (*s == '\0' || *s == '-')
    return NULL;
  while (*s != '\0')
    {
      if (g_ascii_isalnum (*s))
        g_string_append_c (out, *s++);
      else if (*s == '-')
        {
          /* One space between words: never first, last or doubled. */
          if (s[1] == '\0' || s[1] == '-')
            return NULL;
          g_string_append_c (out, ' ');
          s++;
        }
      else if (*s == '_')
        {
          gboolean wide = s[1] == '_';
          guint digits = wide ? 6 : 4;
          const char *h = s + (wide ? 2 : 1);
          gunichar c;
          if (strnlen (h, digits) < digits || !hex_value (h, digits, &c))
            return NULL;
          /* Only what the encoder writes: letters and digits are never
           * encoded, nor NUL or white space (which it turns into '-'); the
           * wide form only above U+FFFF. */
          if (c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r'
              || (c < 0x80 && g_ascii_isalnum ((char) c)) || (wide != (c > 0xffff))
              || !g_unichar_validate (c))
            return NULL;
          g_string_append_unichar (out, c);
          s = h + digits;
        }
      else
        return NULL;
    }
  return g_strdup (out->str);
}

gboolean
ds_infofile_valid_manual (const char *manual)
{
  /* No info manual's name holds "..": refusing it keeps every href free
   * of dot runs, not only of ".." segments (which the name rule refuses). */
  return strlen (manual) <= 100 && ds_manname_valid_name (manual) && strstr (manual, "..") == NULL;
}

/* ---- one node as HTML --------------------------------------------------- */

/* Appends the href for reference @target ("node", "(manual)node",
 * "(manual)") seen in @manual; FALSE (nothing appended) when it names no
 * valid manual. */
typedef struct
{
  DsInfoLinkFunc fn;
  gpointer data;
} Linker;

static gboolean
append_href (GString *out, const Linker *lk, const char *manual, const char *target)
{
  g_autofree char *other = NULL;
  const char *node = target;

  if (target[0] == '(')
    {
      const char *close = strchr (target, ')');
      if (close == NULL)
        return FALSE;
      other = g_strndup (target + 1, (gsize) (close - target - 1));
      g_strstrip (other);
      gsize n = strlen (other);
      if (n > 5 && strcmp (other + n - 5, ".info") == 0)
        other[n - 5] = '\0';
      node = close + 1;
      while (*node == ' ')
        node++;
      if (strcmp (other, "dir") == 0)
        {
          if (lk->fn != NULL && !lk->fn (lk->data, "dir", "Top"))
            return FALSE;
          g_string_append (out, "/info/");
          return TRUE;
        }
      if (!ds_infofile_valid_manual (other))
        return FALSE;
      manual = other;
    }
  if (lk->fn != NULL && !lk->fn (lk->data, manual, node[0] != '\0' ? node : "Top"))
    return FALSE;
  g_autofree char *rel = g_strconcat ("info/", manual, NULL);
  g_autofree char *enc = ds_path_encode (rel);
  g_string_append (out, enc);
  g_string_append_c (out, '/');
  if (node[0] != '\0' && strcmp (node, "Top") != 0)
    {
      g_autofree char *seg = ds_infofile_encode_node (node);
      g_string_append (out, seg);
    }
  return TRUE;
}

/* Appends text @s..@end escaped, without \0\b[...\0\b] sequences. */
static void
append_text (GString *out, const char *s, const char *end)
{
  while (s < end)
    {
      const char *z = memchr (s, '\0', (gsize) (end - s));
      const char *stop = z != NULL ? z : end;
      if (stop > s)
        {
          g_autofree char *part = g_strndup (s, (gsize) (stop - s));
          ds_page_append_escaped (out, part);
        }
      if (z == NULL)
        break;
      /* \0\b[ ... \0\b]: an image or index marker; skip it whole. */
      if (z + 2 < end && z[1] == '\b' && z[2] == '[')
        {
          const char *p = z + 3;
          while (p + 2 < end && !(p[0] == '\0' && p[1] == '\b' && p[2] == ']'))
            p++;
          s = p + 2 < end ? p + 3 : end;
        }
      else
        s = z + 1;
    }
}

/* A reference at @s ("label::" or "label: target." as in menus and
 * *Note): sets the label's end, the normalised target (caller frees) and
 * where the reference ends (after "::", or at the target's terminator).
 * FALSE when @s holds none within MAX_REF bytes. */
static gboolean
parse_ref (const char *s, const char *end, gboolean menu, const char **out_label_end,
           char **out_target, const char **out_end)
{
  const char *limit = MIN (end, s + MAX_REF);
  const char *colon = NULL;
  for (const char *p = s; p < limit; p++)
    {
      if (*p == '\0' || (menu && *p == '\n')
          || (p + 1 < limit && p[0] == '\n' && (p[1] == '\n' || p[1] == '*')))
        return FALSE;
      if (*p == ':')
        {
          colon = p;
          break;
        }
    }
  if (colon == NULL || colon == s)
    return FALSE;
  const char *target_start, *target_end, *after;
  if (colon + 1 < end && colon[1] == ':')
    {
      target_start = s;
      target_end = colon;
      after = colon + 2;
    }
  else
    {
      const char *p = colon + 1;
      while (p < limit && g_ascii_isspace (*p))
        p++;
      target_start = p;
      if (p < limit && *p == '(')
        {
          while (p < limit && *p != ')' && *p != '\n')
            p++;
          if (p >= limit || *p != ')')
            return FALSE;
        }
      while (p < limit && *p != ',' && *p != '\t' && *p != '\0'
             && !(*p == '.' && (p + 1 >= end || g_ascii_isspace (p[1]) || p[1] == ')'))
             && !(*p == '\n' && (menu || (p + 1 < limit && (p[1] == '\n' || p[1] == '*')))))
        p++;
      if (p >= limit && limit != end)
        return FALSE;
      target_end = p;
      after = p;
    }
  /* One space for every run of white space (a reference may wrap). */
  GString *t = g_string_new (NULL);
  for (const char *p = target_start; p < target_end; p++)
    {
      if (g_ascii_isspace (*p))
        {
          if (t->len > 0 && t->str[t->len - 1] != ' ')
            g_string_append_c (t, ' ');
        }
      else
        g_string_append_c (t, *p);
    }
  while (t->len > 0 && t->str[t->len - 1] == ' ')
    g_string_truncate (t, t->len - 1);
  if (t->len == 0)
    {
      g_string_free (t, TRUE);
      return FALSE;
    }
  *out_label_end = colon;
  *out_target = g_string_free (t, FALSE);
  *out_end = after;
  return TRUE;
}

/* Appends <a href>text</a> for @target, or the text alone. */
static void
append_link (GString *out, const Linker *lk, const char *manual, const char *target,
             const char *s, const char *e)
{
  gsize mark = out->len;
  g_string_append (out, "<a href=\"");
  if (!append_href (out, lk, manual, target))
    {
      g_string_truncate (out, mark);
      append_text (out, s, e);
      return;
    }
  g_string_append (out, "\">");
  append_text (out, s, e);
  g_string_append (out, "</a>");
}

static void
append_nav_link (GString *out, const Linker *lk, const char *manual, const char *rel,
                 const char *target)
{
  if (target == NULL)
    return;
  g_string_append_printf (out, " %s: ", rel);
  g_autofree char *t = g_strdup (target);
  append_link (out, lk, manual, t, t, t + strlen (t));
}

void
ds_infofile_render (const DsInfoNode *node, const char *manual, DsInfoLinkFunc link,
                    gpointer link_data, GString *out)
{
  g_return_if_fail (node != NULL && manual != NULL && out != NULL);

  const Linker linker = { link, link_data };
  const Linker *lk = &linker;
  g_string_append (out, "<nav class=\"info-nav\">");
  append_nav_link (out, lk, manual, "Next", node->next);
  append_nav_link (out, lk, manual, "Prev", node->prev);
  append_nav_link (out, lk, manual, "Up", node->up);
  g_string_append (out, "</nav>\n<pre class=\"info\">");

  const char *s = node->text, *end = node->text + node->text_len;
  const char *plain = s;
  gboolean in_menu = FALSE;
  for (const char *p = s; p < end;)
    {
      gboolean line_start = p == s || p[-1] == '\n';
      if (line_start && g_ascii_strncasecmp (p, "* Menu:", 7) == 0)
        {
          in_menu = TRUE;
          p += 7;
          continue;
        }
      const char *label = NULL, *label_end, *ref_end;
      g_autofree char *target = NULL;
      gboolean note = (*p == '*' && (strncmp (p, "*Note", 5) == 0 || strncmp (p, "*note", 5) == 0)
                       && p + 5 < end && g_ascii_isspace (p[5]));
      if (in_menu && line_start && p + 2 <= end && p[0] == '*' && p[1] == ' ')
        label = p + 2;
      else if (note)
        {
          label = p + 5;
          while (label < end && g_ascii_isspace (*label))
            label++;
        }
      if (label == NULL
          || !parse_ref (label, end, !note, &label_end, &target, &ref_end))
        {
          p++;
          continue;
        }
      append_text (out, plain, p);
      /* "*Note" is texinfo's @xref ("See"); "*note" its @ref and @pxref,
       * which the text already introduces. */
      if (!note)
        append_text (out, p, label);
      else if (p[1] == 'N')
        g_string_append (out, "See ");
      /* The label is the link: "label" of "label::", or the label of
       * "label: target" with the target text kept after it. */
      append_link (out, lk, manual, target, label, label_end);
      append_text (out, label_end, ref_end);
      plain = p = ref_end;
    }
  append_text (out, plain, end);
  g_string_append (out, "</pre>\n");
}
