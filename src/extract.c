/* extract.c: the searchable text of a document, for the search index.
 *
 * Owns what of a file becomes searchable and its title.  Every function is
 * pure (bytes in, strings out), bounded (DS_EXTRACT_MAX_TEXT bytes of text,
 * DS_EXTRACT_MAX_INFLATED bytes inflated), and writes valid UTF-8 without
 * control characters, white space collapsed to single spaces: the index's
 * snippets mark matches with the bytes 0x01 and 0x02 (search.c), which so
 * can never come from a document.
 *
 * - By name (ds_extract_kind_for_name): images, fonts, archives, PDF, and
 *   the assets of generated HTML trees (style sheets, scripts, JSON and XML
 *   search indexes, source maps) are not documentation a reader searches
 *   for, and Sphinx's searchindex.js alone would match every word; they are
 *   skipped without being read.  A trailing ".gz" is looked through once
 *   (Debian's changelog.Debian.gz, README.gz); .bz2 and .xz are skipped.
 * - Binary (ds_extract_looks_binary): a NUL, or more than 1 % control bytes,
 *   in the first DS_EXTRACT_SNIFF_BYTES.  Unlike the docs-mode sniff of
 *   mime.c this accepts invalid UTF-8: old changelogs are Latin-1, and a
 *   reader still wants their ASCII words found (the other bytes become
 *   U+FFFD).
 * - HTML (ds_extract_html): a small scanner, not a parser: tags are skipped
 *   with their quoted attribute values, comments, <!...> and <?...> too; the
 *   contents of script, style and template are dropped up to their end tag
 *   (ASCII case-insensitive, as the HTML tokenizer does for raw text); the
 *   title's text is taken raw up to </title> (RCDATA) with references
 *   decoded.  Block-level tags separate words, the common inline ones (a, b,
 *   code, em, ...) do not, so "foo<b>bar</b>" stays one word.  Character
 *   references: numeric ones (decimal and hex; zero, surrogates and values
 *   past U+10FFFF become U+FFFD) and the named ones documentation uses most;
 *   any other '&' stays text.
 * - Manual pages (ds_extract_man): requests and macros are lines starting
 *   with '.' or '\''; the text-carrying macros (SH, SS, B, I, BR, IR, ...,
 *   and mdoc's Nm, Nd and friends) give their arguments, requests that only
 *   lay out (br, sp, in, ft, ...) nothing, definitions (.de ... ..) and
 *   conditionals nothing.  Escapes: fonts and sizes (\f, \s) vanish, a few
 *   named characters (\(em, \(co, \(bu, ...) become theirs, \- a hyphen,
 *   \" starts a comment; others give the escaped character. */
#include "config.h"

#include "docserve/extract.h"

#include <string.h>
#include <zlib.h>

const char *
ds_extract_kind_name (DsDocKind kind)
{
  switch (kind)
    {
    case DS_DOC_TEXT:
      return "text";
    case DS_DOC_HTML:
      return "html";
    case DS_DOC_MAN:
      return "man";
    case DS_DOC_SKIP:
    default:
      return "";
    }
}

void
ds_extracted_clear (DsExtracted *doc)
{
  g_return_if_fail (doc != NULL);

  g_clear_pointer (&doc->title, g_free);
  g_clear_pointer (&doc->body, g_free);
  doc->kind = DS_DOC_SKIP;
}

/* ---- text out ------------------------------------------------------------ */

/* Collapsed text with a byte bound: white space and controls become one
 * pending space, written only before the next visible character. */
typedef struct
{
  GString *s;
  gsize max;
  gboolean space; /* a space is due before the next character */
  gboolean full;  /* the bound was reached: everything else is dropped */
} TextOut;

static void
out_init (TextOut *t, gsize max)
{
  t->s = g_string_new (NULL);
  t->max = max;
  t->space = FALSE;
  t->full = FALSE;
}

static gboolean
is_blank (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || g_unichar_isspace (c);
}

static void
out_char (TextOut *t, gunichar c)
{
  if (t->full)
    return;
  if (is_blank (c))
    {
      t->space = t->s->len > 0;
      return;
    }
  if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
    c = 0xfffd; /* never from valid input; kept out of the text all the same */
  char buf[6];
  gsize n = (gsize) g_unichar_to_utf8 (c, buf);
  if (t->s->len + (t->space ? 1 : 0) + n > t->max)
    {
      t->full = TRUE;
      return;
    }
  if (t->space)
    g_string_append_c (t->s, ' ');
  t->space = FALSE;
  g_string_append_len (t->s, buf, (gssize) n);
}

static void
out_space (TextOut *t)
{
  t->space = t->s->len > 0;
}

/* Appends the valid UTF-8 @s..@end. */
static void
out_utf8 (TextOut *t, const char *s, const char *end)
{
  for (const char *p = s; p < end && !t->full; p = g_utf8_next_char (p))
    out_char (t, g_utf8_get_char (p));
}

static char *
out_finish (TextOut *t)
{
  return g_string_free (t->s, FALSE);
}

/* @s (valid UTF-8) collapsed and cut to DS_EXTRACT_MAX_TITLE_CHARS
 * characters, or NULL when nothing is left. */
static char *
make_title (const char *s, gsize len)
{
  TextOut t;
  /* Enough bytes for the characters kept; then cut at a character. */
  out_init (&t, (gsize) DS_EXTRACT_MAX_TITLE_CHARS * 4 + 1);
  out_utf8 (&t, s, s + len);
  char *title = out_finish (&t);
  if (g_utf8_strlen (title, -1) > DS_EXTRACT_MAX_TITLE_CHARS)
    {
      *g_utf8_offset_to_pointer (title, DS_EXTRACT_MAX_TITLE_CHARS) = '\0';
      g_strchomp (title); /* a space where it was cut */
    }
  if (*title == '\0')
    {
      g_free (title);
      return NULL;
    }
  return title;
}

/* @data as valid UTF-8, NULs made spaces (g_utf8_make_valid stops at one). */
static char *
valid_copy (const char *data, gsize len)
{
  g_autofree char *copy = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    copy[i] = data[i] != '\0' ? data[i] : ' ';
  copy[len] = '\0';
  return g_utf8_make_valid (copy, (gssize) len);
}

/* ---- by name --------------------------------------------------------- */

static const char *const skipped_exts[] = {
  /* images, media, fonts */
  "png", "jpg", "jpeg", "gif", "ico", "svg", "svgz", "webp", "avif", "bmp", "tif", "tiff",
  "xpm", "xbm", "eps", "ps", "pdf", "dvi", "mp3", "ogg", "wav", "flac", "mp4", "webm", "avi",
  "woff", "woff2", "ttf", "otf", "eot", "pfb", "afm",
  /* archives and compressed files this module does not open */
  "zip", "tar", "tgz", "bz2", "xz", "lz", "lzma", "zst", "7z", "deb", "rpm", "jar", "z",
  /* assets of generated trees, data and objects */
  "css", "js", "mjs", "map", "json", "xml", "xsl", "xslt", "dtd", "wasm", "inv", "pickle",
  "doctree", "o", "a", "so", "pyc", "class", "mo", "gmo", "db", "sqlite", "bin", "dat",
  "devhelp2", "sgml"
};

/* Whether @ext (without the dot) is a manual section: a digit 1-9 and at
 * most four more letters or digits ("3pm", "8ssl", "1p"). */
static gboolean
is_man_section (const char *ext)
{
  if (ext[0] < '1' || ext[0] > '9')
    return FALSE;
  gsize n = strlen (ext);
  if (n > 5)
    return FALSE;
  for (gsize i = 1; i < n; i++)
    if (!g_ascii_isalnum (ext[i]))
      return FALSE;
  return TRUE;
}

DsDocKind
ds_extract_kind_for_name (const char *name, gboolean *out_gzip)
{
  g_return_val_if_fail (name != NULL, DS_DOC_SKIP);

  const char *slash = strrchr (name, '/');
  g_autofree char *base = g_strdup (slash != NULL ? slash + 1 : name);
  gboolean gzip = FALSE;
  gsize n = strlen (base);

  if (n > 3 && g_ascii_strcasecmp (base + n - 3, ".gz") == 0)
    {
      gzip = TRUE;
      base[n - 3] = '\0';
    }
  if (out_gzip != NULL)
    *out_gzip = gzip;

  const char *dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return DS_DOC_TEXT;
  const char *ext = dot + 1;
  if (g_ascii_strcasecmp (ext, "html") == 0 || g_ascii_strcasecmp (ext, "htm") == 0
      || g_ascii_strcasecmp (ext, "xhtml") == 0)
    return DS_DOC_HTML;
  for (gsize i = 0; i < G_N_ELEMENTS (skipped_exts); i++)
    if (g_ascii_strcasecmp (ext, skipped_exts[i]) == 0)
      return DS_DOC_SKIP;
  if (is_man_section (ext))
    return DS_DOC_MAN;
  return DS_DOC_TEXT;
}

/* ---- sniffing and gzip ------------------------------------------------- */

gboolean
ds_extract_looks_binary (const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, TRUE);

  gsize n = MIN (len, (gsize) DS_EXTRACT_SNIFF_BYTES);
  gsize controls = 0;

  for (gsize i = 0; i < n; i++)
    {
      guint8 c = data[i];
      if (c == 0)
        return TRUE;
      if ((c < 0x20 || c == 0x7f) && c != '\t' && c != '\n' && c != '\f' && c != '\r'
          && c != '\b' && c != 0x1b)
        controls++;
    }
  return controls * 100 > n;
}

GBytes *
ds_extract_gunzip (const guint8 *data, gsize len, gsize max_out)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 2 || data[0] != 0x1f || data[1] != 0x8b || max_out == 0)
    return NULL;

  z_stream z = { 0 };
  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    return NULL;

  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 buf[16384];
  const guint8 *in = data;
  gsize in_left = len;

  while (out->len < max_out)
    {
      /* zlib counts in uInt: feed big inputs in pieces. */
      if (z.avail_in == 0)
        {
          if (in_left == 0)
            break;
          uInt take = (uInt) MIN (in_left, (gsize) G_MAXUINT32);
          z.next_in = (Bytef *) in;
          z.avail_in = take;
          in += take;
          in_left -= take;
        }
      z.next_out = buf;
      z.avail_out = (uInt) MIN (sizeof buf, max_out - out->len);
      int rc = inflate (&z, Z_NO_FLUSH);
      g_byte_array_append (out, buf, (guint) (z.next_out - buf));
      if (rc == Z_STREAM_END)
        {
          /* Another member may follow (gzip -c a b > c.gz). */
          if (z.avail_in < 2 && in_left == 0)
            break;
          if (z.avail_in >= 2 && (z.next_in[0] != 0x1f || z.next_in[1] != 0x8b))
            break;
          if (inflateReset (&z) != Z_OK)
            break;
          continue;
        }
      if (rc != Z_OK)
        break; /* damaged or cut short: keep what came out */
    }
  inflateEnd (&z);
  if (out->len == 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* ---- character references ---------------------------------------------- */

typedef struct
{
  const char *name;
  gunichar c;
} NamedRef;

static const NamedRef named_refs[] = {
  { "amp", '&' },       { "lt", '<' },         { "gt", '>' },         { "quot", '"' },
  { "apos", '\'' },     { "nbsp", 0xa0 },      { "copy", 0xa9 },      { "reg", 0xae },
  { "trade", 0x2122 },  { "mdash", 0x2014 },   { "ndash", 0x2013 },   { "hellip", 0x2026 },
  { "lsquo", 0x2018 },  { "rsquo", 0x2019 },   { "ldquo", 0x201c },   { "rdquo", 0x201d },
  { "laquo", 0xab },    { "raquo", 0xbb },     { "bull", 0x2022 },    { "middot", 0xb7 },
  { "para", 0xb6 },     { "sect", 0xa7 },      { "deg", 0xb0 },       { "times", 0xd7 },
  { "rarr", 0x2192 },   { "larr", 0x2190 },    { "uarr", 0x2191 },    { "darr", 0x2193 },
  { "shy", 0xad },      { "zwsp", 0x200b },    { "ensp", 0x2002 },    { "emsp", 0x2003 },
  { "thinsp", 0x2009 }, { "auml", 0xe4 },      { "ouml", 0xf6 },      { "uuml", 0xfc },
  { "Auml", 0xc4 },     { "Ouml", 0xd6 },      { "Uuml", 0xdc },      { "szlig", 0xdf },
  { "eacute", 0xe9 },   { "egrave", 0xe8 },    { "aacute", 0xe1 },    { "ccedil", 0xe7 },
  { "euro", 0x20ac },   { "pound", 0xa3 },     { "minus", 0x2212 },   { "le", 0x2264 },
  { "ge", 0x2265 },     { "ne", 0x2260 },
};

/* Decodes the reference at @p ('&') before @end.  On success sets *out_c
 * and returns the byte after it (after the ';'); else NULL. */
static const char *
decode_ref (const char *p, const char *end, gunichar *out_c)
{
  const char *q = p + 1;

  if (q < end && *q == '#')
    {
      q++;
      gboolean hex = q < end && (*q == 'x' || *q == 'X');
      if (hex)
        q++;
      guint64 v = 0;
      const char *digits = q;
      while (q < end && (hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q)))
        {
          if (v <= 0x10ffff)
            v = v * (hex ? 16 : 10) + (guint64) (hex ? g_ascii_xdigit_value (*q) : *q - '0');
          q++;
        }
      if (q == digits)
        return NULL;
      if (q < end && *q == ';')
        q++;
      if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        v = 0xfffd;
      *out_c = (gunichar) v;
      return q;
    }
  const char *name = q;
  while (q < end && g_ascii_isalnum (*q) && q - name < 10)
    q++;
  if (q == name || q >= end || *q != ';')
    return NULL;
  gsize n = (gsize) (q - name);
  for (gsize i = 0; i < G_N_ELEMENTS (named_refs); i++)
    if (strlen (named_refs[i].name) == n && memcmp (named_refs[i].name, name, n) == 0)
      {
        *out_c = named_refs[i].c;
        return q + 1;
      }
  return NULL;
}

/* Appends @s..@end with references decoded. */
static void
out_with_refs (TextOut *t, const char *s, const char *end)
{
  const char *p = s;
  while (p < end && !t->full)
    {
      gunichar c;
      const char *after;
      if (*p == '&' && (after = decode_ref (p, end, &c)) != NULL)
        {
          out_char (t, c);
          p = after;
          continue;
        }
      out_char (t, g_utf8_get_char (p));
      p = g_utf8_next_char (p);
    }
}

/* ---- HTML ---------------------------------------------------------------- */

static const char *const inline_tags[] = { "a",   "abbr", "b",    "bdi", "bdo",  "cite",
                                           "code", "data", "dfn", "em",  "font", "i",
                                           "kbd", "mark", "q",    "s",   "samp", "small",
                                           "span", "strong", "sub", "sup", "time", "tt",
                                           "u",   "var",  "wbr" };

static gboolean
name_in (const char *name, const char *const *list, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The first ASCII case-insensitive occurrence of @needle in @p..@end. */
static const char *
find_ci (const char *p, const char *end, const char *needle)
{
  gsize n = strlen (needle);
  for (; (gsize) (end - p) >= n; p++)
    if (g_ascii_strncasecmp (p, needle, n) == 0)
      return p;
  return NULL;
}

/* The '>' ending the tag that starts at @p, quoted attribute values
 * skipped; @end if there is none. */
static const char *
tag_end (const char *p, const char *end)
{
  char quote = 0;
  for (; p < end; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '>')
        return p;
    }
  return end;
}

void
ds_extract_html (const char *data, gsize len, gsize max_text, char **out_title,
                 char **out_body)
{
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out_title != NULL && out_body != NULL);

  g_autofree char *valid = valid_copy (data != NULL ? data : "", len);
  const char *p = valid;
  const char *end = valid + strlen (valid);
  TextOut t;
  char *title = NULL;
  gsize heading_start = 0;
  gboolean in_heading = FALSE;
  char *heading = NULL;

  out_init (&t, max_text);
  while (p < end && !t.full)
    {
      if (*p == '&')
        {
          gunichar c;
          const char *after = decode_ref (p, end, &c);
          out_char (&t, after != NULL ? c : '&');
          p = after != NULL ? after : p + 1;
          continue;
        }
      if (*p != '<' || p + 1 >= end
          || !(g_ascii_isalpha (p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?'))
        {
          out_char (&t, g_utf8_get_char (p));
          p = g_utf8_next_char (p);
          continue;
        }
      if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        {
          const char *close = strstr (p + 4, "-->");
          p = close != NULL ? close + 3 : end;
          out_space (&t);
          continue;
        }
      /* A tag: its name, lower-cased, then its end. */
      const char *q = p + 1;
      gboolean closing = *q == '/';
      if (closing)
        q++;
      char name[16];
      gsize n = 0;
      while (q < end && g_ascii_isalnum (*q))
        {
          if (n < sizeof name - 1)
            name[n++] = g_ascii_tolower (*q);
          q++;
        }
      name[n] = '\0';
      const char *gt = tag_end (q, end);
      p = gt < end ? gt + 1 : end;

      if (!closing
          && (strcmp (name, "script") == 0 || strcmp (name, "style") == 0
              || strcmp (name, "template") == 0 || strcmp (name, "title") == 0))
        {
          char close_tag[20];
          g_snprintf (close_tag, sizeof close_tag, "</%s", name);
          const char *close = find_ci (p, end, close_tag);
          const char *content_end = close != NULL ? close : end;
          if (strcmp (name, "title") == 0 && title == NULL)
            {
              TextOut tt;
              out_init (&tt, (gsize) DS_EXTRACT_MAX_TITLE_CHARS * 4 + 1);
              out_with_refs (&tt, p, content_end);
              g_autofree char *raw = out_finish (&tt);
              title = make_title (raw, strlen (raw));
            }
          p = close != NULL ? tag_end (close, end) : end;
          if (p < end)
            p++;
          out_space (&t);
          continue;
        }
      if (n == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && heading == NULL)
        {
          if (!closing && !in_heading)
            {
              in_heading = TRUE;
              heading_start = t.s->len;
            }
          else if (closing && in_heading)
            {
              in_heading = FALSE;
              heading = make_title (t.s->str + heading_start, t.s->len - heading_start);
            }
        }
      if (!name_in (name, inline_tags, G_N_ELEMENTS (inline_tags)))
        out_space (&t);
    }
  if (in_heading && heading == NULL)
    heading = make_title (t.s->str + heading_start, t.s->len - heading_start);
  if (title == NULL)
    title = g_steal_pointer (&heading);
  g_free (heading);
  *out_title = title;
  *out_body = out_finish (&t);
}

/* ---- plain text -------------------------------------------------------- */

void
ds_extract_text (const char *data, gsize len, gsize max_text, char **out_title,
                 char **out_body)
{
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out_title != NULL && out_body != NULL);

  g_autofree char *valid = valid_copy (data != NULL ? data : "", len);
  const char *end = valid + strlen (valid);
  TextOut t;
  char *title = NULL;

  /* A Markdown title: the first line that is an ATX level-1 heading. */
  for (const char *line = valid; line < end && title == NULL;)
    {
      const char *nl = memchr (line, '\n', (gsize) (end - line));
      const char *line_end = nl != NULL ? nl : end;
      if (line_end - line > 2 && line[0] == '#' && line[1] == ' ')
        title = make_title (line + 2, (gsize) (line_end - line - 2));
      line = nl != NULL ? nl + 1 : end;
    }
  out_init (&t, max_text);
  out_utf8 (&t, valid, end);
  *out_title = title;
  *out_body = out_finish (&t);
}

/* ---- manual pages --------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *text;
} NamedChar;

static const NamedChar roff_chars[] = {
  { "em", "\u2014" }, { "en", "\u2013" }, { "hy", "-" },      { "co", "\u00a9" },
  { "rg", "\u00ae" }, { "bu", "\u2022" }, { "lq", "\u201c" }, { "rq", "\u201d" },
  { "oq", "\u2018" }, { "cq", "\u2019" }, { "aq", "'" },      { "dq", "\"" },
  { "ga", "`" },      { "ti", "~" },      { "ha", "^" },      { "rs", "\\" },
  { "mi", "-" },      { "pl", "+" },      { "eq", "=" },      { "<=", "\u2264" },
  { ">=", "\u2265" }, { "->", "\u2192" }, { "<-", "\u2190" }, { "tm", "\u2122" },
};

static void
out_roff_char (TextOut *t, const char *name, gsize n)
{
  for (gsize i = 0; i < G_N_ELEMENTS (roff_chars); i++)
    if (strlen (roff_chars[i].name) == n && memcmp (roff_chars[i].name, name, n) == 0)
      {
        const char *s = roff_chars[i].text;
        out_utf8 (t, s, s + strlen (s));
        return;
      }
  out_space (t);
}

/* The end of a roff escape's argument at @p: "(xx", "[name]" or one
 * character; *out_name and *out_n the name. */
static const char *
roff_arg (const char *p, const char *end, const char **out_name, gsize *out_n)
{
  /* A name given by a string or register ("\\f\\*[B-Font]"): the
   * interpolation's own argument is the one to skip. */
  while (p + 1 < end && p[0] == '\\' && (p[1] == '*' || p[1] == 'n'))
    p += 2;
  if (p >= end)
    {
      *out_name = p;
      *out_n = 0;
      return p;
    }
  if (*p == '(')
    {
      /* Two characters, not bytes: the text is UTF-8. */
      const char *name = p + 1;
      const char *q = name;
      for (int i = 0; i < 2 && q < end; i++)
        q = g_utf8_next_char (q);
      *out_name = name;
      *out_n = (gsize) (q - name);
      return q;
    }
  if (*p == '[')
    {
      const char *close = memchr (p, ']', (gsize) (end - p));
      const char *stop = close != NULL ? close : end;
      *out_name = p + 1;
      *out_n = (gsize) (stop - p - 1);
      return close != NULL ? close + 1 : end;
    }
  *out_name = p;
  *out_n = (gsize) (g_utf8_next_char (p) - p);
  return g_utf8_next_char (p);
}

/* Appends roff text @p..@end with escapes interpreted. */
static void
out_roff (TextOut *t, const char *p, const char *end)
{
  while (p < end && !t->full)
    {
      if (*p != '\\')
        {
          out_char (t, g_utf8_get_char (p));
          p = g_utf8_next_char (p);
          continue;
        }
      p++;
      if (p >= end)
        return;
      const char *name;
      gsize n;
      switch (*p)
        {
        case '"':
        case '#':
          return; /* comment to the end of the line */
        case 'f':
        case 'F':
        case 'n':
        case '*':
        case 'k':
        case 'm':
        case 'M':
        case 'V':
        case 'Y':
        case 'g':
          /* Font, number register, string, mark: nothing of the text. */
          p = roff_arg (p + 1, end, &name, &n);
          break;
        case 's':
          p++;
          if (p < end && (*p == '+' || *p == '-'))
            p++;
          if (p < end && (*p == '(' || *p == '['))
            p = roff_arg (p, end, &name, &n);
          else
            while (p < end && g_ascii_isdigit (*p))
              p++;
          break;
        case '(':
        case '[':
          p = roff_arg (p, end, &name, &n);
          out_roff_char (t, name, n);
          break;
        case 'e':
        case '\\':
          out_char (t, '\\');
          p++;
          break;
        case '-':
          out_char (t, '-');
          p++;
          break;
        case ' ':
        case '~':
        case '0':
          out_char (t, ' ');
          p++;
          break;
        case '&':
        case '|':
        case '^':
        case '%':
        case 'c':
        case ')':
        case ',':
        case '/':
        case ':':
          p++;
          break;
        default:
          out_char (t, g_utf8_get_char (p));
          p = g_utf8_next_char (p);
        }
    }
}

/* Requests and macros whose arguments are not text. */
static const char *const roff_layout[] = {
  "br", "sp", "in", "ti", "ll", "ft", "ps", "vs", "na", "ad", "nh", "hy", "ne", "fi", "nf",
  "PD", "RS", "RE", "PP", "LP", "P", "TP", "HP", "UC", "DT", "ce", "bp", "nr", "ds", "as",
  "ie", "if", "el", "so", "tr", "cc", "c2", "ec", "eo", "mk", "rt", "ta", "tc", "lc", "ss",
  "cs", "bd", "fam", "ev", "hw", "ns", "rs", "pl", "wh", "ch", "it", "em", "mso", "ig",
  "EX", "EE", "YS", "SY", "OP", "UE", "ME", "MT", "UR", "Dd", "Os", "Bl", "El", "Bd",
  "Ed", "Pp", "Lp", "Ns", "Bk", "Ek", "Sm", "TS", "TE", "T{", "T}", "lf",
  "pc", "de", "am", "di", "da", "rm", "rn", "chop", "do", "PS", "PE", "EQ", "EN"
};

/* Requests whose following lines, up to "..", define a macro (or are
 * ignored): groff's de, de1, dei, dei1, am, am1, ami, ami1 and ig. */
static const char *const roff_definitions[] = {
  "de", "de1", "dei", "dei1", "am", "am1", "ami", "ami1", "ig",
};

/* The arguments of a request line @p..@end (after the name), quotes
 * removed; caller frees. */
static GPtrArray *
roff_args (const char *p, const char *end)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  while (p < end)
    {
      while (p < end && (*p == ' ' || *p == '\t'))
        p++;
      if (p >= end || (p + 1 < end && p[0] == '\\' && p[1] == '"'))
        break;
      GString *arg = g_string_new (NULL);
      if (*p == '"')
        {
          p++;
          while (p < end)
            {
              if (*p == '"')
                {
                  if (p + 1 < end && p[1] == '"')
                    {
                      g_string_append_c (arg, '"');
                      p += 2;
                      continue;
                    }
                  p++;
                  break;
                }
              g_string_append_c (arg, *p++);
            }
        }
      else
        while (p < end && *p != ' ' && *p != '\t')
          {
            if (*p == '\\' && p + 1 < end)
              g_string_append_c (arg, *p++);
            g_string_append_c (arg, *p++);
          }
      g_ptr_array_add (args, g_string_free (arg, FALSE));
    }
  return args;
}

gboolean
ds_extract_man (const char *data, gsize len, gsize max_text, char **out_title,
                char **out_body)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_title != NULL && out_body != NULL, FALSE);

  *out_title = NULL;
  *out_body = NULL;

  g_autofree char *valid = valid_copy (data != NULL ? data : "", len);
  const char *end = valid + strlen (valid);
  TextOut t;
  g_autofree char *page = NULL;    /* .TH/.Dt name */
  g_autofree char *section = NULL; /* .TH/.Dt section */
  g_autofree char *nm = NULL;      /* mdoc .Nm */
  g_autofree char *nd = NULL;      /* mdoc .Nd */
  gboolean in_name = FALSE;        /* inside .SH NAME */
  gsize name_start = 0, name_end = 0;
  gboolean skipping_def = FALSE;   /* inside .de ... .. */
  gboolean any_text = FALSE;

  out_init (&t, max_text);
  for (const char *line = valid; line < end && !t.full;)
    {
      const char *nl = memchr (line, '\n', (gsize) (end - line));
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;

      if (skipping_def)
        {
          if (line_end - line >= 2 && line[0] == '.' && line[1] == '.')
            skipping_def = FALSE;
          line = next;
          continue;
        }
      if (line < line_end && (*line == '.' || *line == '\''))
        {
          const char *q = line + 1;
          while (q < line_end && (*q == ' ' || *q == '\t'))
            q++;
          const char *name = q;
          while (q < line_end && *q != ' ' && *q != '\t')
            q++;
          gsize n = (gsize) (q - name);
          g_autofree char *req = g_strndup (name, n);
          g_autoptr (GPtrArray) args = roff_args (q, line_end);

          line = next;
          if (n == 0 || (n >= 1 && name[0] == '\\'))
            continue; /* ".\"" comment, or an empty request */
          if (strcmp (req, "so") == 0 && !any_text)
            {
              /* A link to another page: indexed there. */
              g_string_free (t.s, TRUE);
              return FALSE;
            }
          if (name_in (req, roff_definitions, G_N_ELEMENTS (roff_definitions)))
            {
              skipping_def = TRUE;
              continue;
            }
          if ((strcmp (req, "TH") == 0 || strcmp (req, "Dt") == 0) && args->len >= 2)
            {
              g_free (page);
              g_free (section);
              page = g_strdup (g_ptr_array_index (args, 0));
              section = g_strdup (g_ptr_array_index (args, 1));
              continue;
            }
          if (strcmp (req, "SH") == 0 || strcmp (req, "Sh") == 0)
            {
              if (in_name)
                name_end = t.s->len;
              in_name = args->len == 1 && g_ascii_strcasecmp (g_ptr_array_index (args, 0), "NAME") == 0;
              out_space (&t);
              for (guint i = 0; i < args->len; i++)
                {
                  const char *a = g_ptr_array_index (args, i);
                  out_roff (&t, a, a + strlen (a));
                  out_space (&t);
                }
              if (in_name)
                name_start = t.s->len;
              continue;
            }
          if (strcmp (req, "Nm") == 0 && nm == NULL && args->len >= 1)
            nm = g_strdup (g_ptr_array_index (args, 0));
          if (strcmp (req, "Nd") == 0 && nd == NULL && args->len >= 1)
            {
              g_autoptr (GString) d = g_string_new (NULL);
              for (guint i = 0; i < args->len; i++)
                g_string_append_printf (d, "%s%s", i > 0 ? " " : "",
                                        (char *) g_ptr_array_index (args, i));
              nd = g_string_free (g_steal_pointer (&d), FALSE);
            }
          if (name_in (req, roff_layout, G_N_ELEMENTS (roff_layout)))
            continue;
          /* Alternating-font macros (BR, IR, ...) join their arguments. */
          gboolean join = n == 2 && strchr ("BIR", name[0]) != NULL && strchr ("BIR", name[1]) != NULL;
          out_space (&t);
          for (guint i = 0; i < args->len; i++)
            {
              const char *a = g_ptr_array_index (args, i);
              out_roff (&t, a, a + strlen (a));
              if (!join)
                out_space (&t);
            }
          out_space (&t);
          any_text = TRUE;
          continue;
        }
      out_roff (&t, line, line_end);
      out_space (&t);
      if (line < line_end)
        any_text = TRUE;
      line = next;
    }
  if (in_name)
    name_end = t.s->len;

  /* The title: "NAME(SECTION) — DESCRIPTION" from the NAME section's
   * "name, other \- description", or mdoc's .Nm and .Nd. */
  g_autofree char *names = NULL;
  g_autofree char *desc = NULL;
  if (name_end > name_start)
    {
      g_autofree char *text = g_strndup (t.s->str + name_start, name_end - name_start);
      const char *dash = strstr (text, " - ");
      gsize dash_len = 3;
      if (dash == NULL)
        {
          dash = strstr (text, " \u2014 ");
          dash_len = strlen (" \u2014 ");
        }
      if (dash != NULL)
        {
          names = g_strndup (text, (gsize) (dash - text));
          desc = g_strdup (dash + dash_len);
        }
    }
  if (desc == NULL && nd != NULL)
    {
      g_free (names);
      names = g_strdup (nm != NULL ? nm : page);
      TextOut d;
      out_init (&d, G_MAXSIZE);
      out_roff (&d, nd, nd + strlen (nd));
      desc = out_finish (&d);
    }
  if (names != NULL || page != NULL)
    {
      /* The first name of the NAME line, else the page's. */
      g_autofree char *first = NULL;
      if (names != NULL)
        {
          g_strstrip (names);
          first = g_strndup (names, strcspn (names, ", "));
        }
      if (first == NULL || *first == '\0')
        {
          g_free (first);
          first = page != NULL ? g_ascii_strdown (page, -1) : NULL;
        }
      g_autofree char *full = NULL;
      if (first != NULL)
        {
          TextOut ft;
          out_init (&ft, G_MAXSIZE);
          out_roff (&ft, first, first + strlen (first));
          g_autofree char *plain = out_finish (&ft);
          full = g_strdup_printf ("%s%s%s%s%s%s", plain, section != NULL ? "(" : "",
                                  section != NULL ? section : "", section != NULL ? ")" : "",
                                  desc != NULL && *desc != '\0' ? " \u2014 " : "",
                                  desc != NULL ? desc : "");
          *out_title = make_title (full, strlen (full));
        }
    }
  *out_body = out_finish (&t);
  return TRUE;
}

/* ---- a whole document ------------------------------------------------------- */

/* Whether @data starts like a roff page: a comment, .TH or .Dd first. */
static gboolean
looks_roff (const guint8 *data, gsize len)
{
  static const char *const starts[] = { ".\\\"", "'\\\"", ".TH ", ".Dd ", ".de ", ".so " };
  for (gsize i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      gsize n = strlen (starts[i]);
      if (len >= n && memcmp (data, starts[i], n) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
ds_extract_document (const char *name, const guint8 *data, gsize len, DsExtracted *out)
{
  g_return_val_if_fail (name != NULL && out != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  gboolean gzip = FALSE;
  DsDocKind kind = ds_extract_kind_for_name (name, &gzip);
  g_autoptr (GBytes) inflated = NULL;

  *out = (DsExtracted){ 0 };
  if (kind == DS_DOC_SKIP)
    return FALSE;
  if (gzip)
    {
      inflated = ds_extract_gunzip (data, len, DS_EXTRACT_MAX_INFLATED);
      if (inflated == NULL)
        return FALSE;
      data = g_bytes_get_data (inflated, &len);
    }
  if (ds_extract_looks_binary (data, len))
    return FALSE;
  if (kind == DS_DOC_TEXT && looks_roff (data, len))
    kind = DS_DOC_MAN;
  /* A "man" name that does not hold roff (file.1 of data) is text. */
  if (kind == DS_DOC_MAN && !looks_roff (data, len)
      && !(len >= 1 && (data[0] == '.' || data[0] == '\'')))
    kind = DS_DOC_TEXT;

  switch (kind)
    {
    case DS_DOC_HTML:
      ds_extract_html ((const char *) data, len, DS_EXTRACT_MAX_TEXT, &out->title, &out->body);
      break;
    case DS_DOC_MAN:
      if (!ds_extract_man ((const char *) data, len, DS_EXTRACT_MAX_TEXT, &out->title,
                           &out->body))
        return FALSE;
      break;
    case DS_DOC_TEXT:
    case DS_DOC_SKIP:
    default:
      ds_extract_text ((const char *) data, len, DS_EXTRACT_MAX_TEXT, &out->title, &out->body);
      break;
    }
  out->kind = kind;
  return TRUE;
}
