/* mime.c: file name to Content-Type (RFC 9110 §8.3), through one GHashTable.
 *
 * The table maps a lower-cased extension to the complete field value, with
 * "; charset=X" already appended for textual types (RFC 9110 §8.3.2), so a
 * lookup is one hash lookup returning a borrowed string.  It is built once in
 * ds_mime_new() and never written again, so threads share it without locks.
 *
 * Sources, in order, each overriding the ones before:
 *   1. the built-in table below (what the web needs);
 *   2. the system file (Debian's /etc/mime.types, from media-types);
 *   3. the "pinned" built-in rows again;
 *   4. the user file (--mime-types).
 * Pinned rows are the types a browser enforces: we always send
 * "X-Content-Type-Options: nosniff", so a script served as anything but a
 * JavaScript type, or a stylesheet as anything but text/css, is blocked, and
 * WebAssembly.instantiateStreaming() needs application/wasm.  Distribution
 * files lag here (older mime-support maps js to application/javascript and
 * lacks mjs and wasm; RFC 9239 makes text/javascript the one to use), so for
 * those few rows the built-in table beats the system file.  For everything
 * else the distribution is the better-maintained list and wins.  The user
 * file always wins.  (rs is pinned too: media-types maps it to
 * application/rls-services+xml, which a browser tries to parse as XML, while
 * a documentation server mostly sees Rust source.)
 *
 * File format (mime.types(5)): "type/subtype ext1 ext2 ...", separated by
 * spaces or tabs; blank lines; a token starting with '#' comments out the
 * rest of the line.  Within one file a later line wins.  The type must be two
 * RFC 9110 §5.6.2 tokens around a '/'; an extension is a token without '.'
 * (lookups use the last dot, so "tar.gz" could never match) of at most
 * DS_MIME_EXT_MAX bytes.  In the user file any violation is an error naming
 * FILE:LINE; in the system file a bad type skips its line and a bad extension
 * skips that extension (media-types lists "sarif.json" and "pcf.Z").
 *
 * Textual types (ds_mime_is_text): text/ *, anything with a +json, +xml or
 * +yaml structured suffix (RFC 6839, RFC 9512), and a short list of
 * application/ types that are text in practice (javascript, json, xml, yaml,
 * toml, sql, x-sh, ...).  YAML is application/yaml, the type RFC 9512
 * registers, and treated as text.  Images, audio, video, fonts and archives
 * never get a charset.
 *
 * Docs mode (serving /usr/share/doc, where README, copyright and changelog
 * have no extension): ds_mime_sniff_text() accepts a file prefix as text
 * when it is UTF-8 (RFC 3629 §4: no overlongs, surrogates or code points
 * over U+10FFFF) without NUL, DEL or C0 controls except TAB, LF, FF, CR and
 * ESC.  ESC is allowed for ANSI-coloured build and test logs: it is harmless
 * in text/plain.  BS (nroff overstrike), VT and the rest are binary signs.
 * A sequence cut off at the end of the buffer passes, since the buffer is a
 * prefix of the file; the same leniency applies to a file that really ends
 * that way, which the caller cannot tell apart and which is harmless.  C1
 * controls (U+0080-U+009F) are valid UTF-8 and pass.  An empty file is text.
 * ds_mime_is_archive_name() keeps "x.tar.gz" and "x.tgz" downloads while
 * "changelog.Debian.gz" may be served as text with Content-Encoding: gzip
 * (RFC 9110 §8.4); only those two suffixes count, matched on the whole name
 * like a path, so ".tar.gz" alone is an archive too (the safe answer). */
#include "config.h"

#include "docserve/mime.h"

#include <string.h>

#include "docserve/common.h"
#include "docserve/field.h"

/* Longer lines in a mime.types file are refused (user) or skipped (system). */
#define LINE_MAX_BYTES 4096

typedef struct
{
  const char *ext;
  const char *type;
  gboolean pinned; /* beats the system file, see above */
} BuiltinType;

#define PIN TRUE

static const BuiltinType builtin_types[] = {
  /* Documents and code the browser runs. */
  { "html", "text/html", PIN },
  { "htm", "text/html", PIN },
  { "xhtml", "application/xhtml+xml", FALSE },
  { "css", "text/css", PIN },
  { "js", "text/javascript", PIN }, /* RFC 9239 §6 */
  { "mjs", "text/javascript", PIN },
  { "cjs", "text/javascript", PIN },
  { "json", "application/json", PIN },
  { "map", "application/json", PIN }, /* source maps */
  { "jsonld", "application/ld+json", FALSE },
  { "webmanifest", "application/manifest+json", PIN },
  { "wasm", "application/wasm", PIN },
  { "xml", "application/xml", FALSE },
  { "rss", "application/rss+xml", FALSE },
  { "atom", "application/atom+xml", FALSE },
  { "svg", "image/svg+xml", PIN },
  { "svgz", "image/svg+xml", FALSE },

  /* Plain text, data and configuration. */
  { "txt", "text/plain", FALSE },
  { "text", "text/plain", FALSE },
  { "md", "text/markdown", FALSE },
  { "markdown", "text/markdown", FALSE },
  { "csv", "text/csv", FALSE },
  { "tsv", "text/tab-separated-values", FALSE },
  { "ics", "text/calendar", FALSE },
  { "vtt", "text/vtt", FALSE },
  { "yaml", "application/yaml", FALSE }, /* RFC 9512 */
  { "yml", "application/yaml", FALSE },
  { "toml", "application/toml", FALSE },
  { "ini", "text/plain", FALSE },
  { "conf", "text/plain", FALSE },
  { "cfg", "text/plain", FALSE },
  { "log", "text/plain", FALSE },
  { "diff", "text/x-diff", FALSE },
  { "patch", "text/x-diff", FALSE },
  { "sql", "application/sql", FALSE },

  /* Source code, common under /usr/share/doc. */
  { "sh", "application/x-sh", FALSE },
  { "py", "text/x-python", FALSE },
  { "c", "text/x-csrc", FALSE },
  { "h", "text/x-chdr", FALSE },
  { "cc", "text/x-c++src", FALSE },
  { "cpp", "text/x-c++src", FALSE },
  { "hpp", "text/x-c++hdr", FALSE },
  { "rs", "text/x-rust", PIN },
  { "go", "text/x-go", FALSE },
  { "java", "text/x-java", FALSE },
  { "rb", "text/x-ruby", FALSE },
  { "pl", "text/x-perl", FALSE },

  /* Fonts. */
  { "woff", "font/woff", FALSE },
  { "woff2", "font/woff2", FALSE },
  { "ttf", "font/ttf", FALSE },
  { "otf", "font/otf", FALSE },
  { "eot", "application/vnd.ms-fontobject", FALSE },

  /* Images. */
  { "png", "image/png", FALSE },
  { "apng", "image/apng", FALSE },
  { "jpg", "image/jpeg", FALSE },
  { "jpeg", "image/jpeg", FALSE },
  { "gif", "image/gif", FALSE },
  { "webp", "image/webp", FALSE },
  { "avif", "image/avif", FALSE },
  { "jxl", "image/jxl", FALSE },
  { "heic", "image/heic", FALSE },
  { "heif", "image/heif", FALSE },
  { "ico", "image/vnd.microsoft.icon", FALSE },
  { "bmp", "image/bmp", FALSE },
  { "tif", "image/tiff", FALSE },
  { "tiff", "image/tiff", FALSE },

  /* Audio and video. */
  { "mp4", "video/mp4", FALSE },
  { "m4v", "video/mp4", FALSE },
  { "webm", "video/webm", FALSE },
  { "ogv", "video/ogg", FALSE },
  { "mov", "video/quicktime", FALSE },
  { "mp3", "audio/mpeg", FALSE },
  { "m4a", "audio/mp4", FALSE },
  { "aac", "audio/aac", FALSE },
  { "oga", "audio/ogg", FALSE },
  { "ogg", "audio/ogg", FALSE },
  { "opus", "audio/ogg", FALSE }, /* RFC 7845 §9 */
  { "wav", "audio/wav", FALSE },
  { "flac", "audio/flac", FALSE },
  { "mid", "audio/midi", FALSE },
  { "midi", "audio/midi", FALSE },

  /* Documents, archives, packages and binaries. */
  { "pdf", "application/pdf", FALSE },
  { "epub", "application/epub+zip", FALSE },
  { "zip", "application/zip", FALSE },
  { "gz", "application/gzip", FALSE }, /* RFC 6713 */
  { "tgz", "application/gzip", FALSE },
  { "bz2", "application/x-bzip2", FALSE },
  { "xz", "application/x-xz", FALSE },
  { "zst", "application/zstd", FALSE }, /* RFC 8878 */
  { "7z", "application/x-7z-compressed", FALSE },
  { "tar", "application/x-tar", FALSE },
  { "rar", "application/vnd.rar", FALSE },
  { "jar", "application/java-archive", FALSE },
  { "deb", "application/vnd.debian.binary-package", FALSE },
  { "rpm", "application/x-rpm", FALSE },
  { "iso", "application/x-iso9660-image", FALSE },
  { "dmg", "application/x-apple-diskimage", FALSE },
  { "exe", "application/vnd.microsoft.portable-executable", FALSE },
  { "bin", "application/octet-stream", FALSE },
};

/* application/<subtype> values that are text although not text/ *. */
static const char *const text_application_subtypes[] = {
  "javascript", "ecmascript", "x-javascript", "x-ecmascript",
  "json",       "xml",        "xml-dtd",      "yaml",
  "x-yaml",     "toml",       "sql",          "x-sh",
  "x-csh",      "x-shellscript",
};

/* Structured syntax suffixes (RFC 6839 §3, RFC 9512 §4) that mean text. */
static const char *const text_suffixes[] = { "+json", "+xml", "+yaml" };

struct _DsMime
{
  GHashTable *types; /* lower-cased extension -> full value; both owned */
  char *default_type; /* full value, with charset if textual */
  char *charset;
};

typedef enum
{
  SOURCE_SYSTEM, /* lenient: skip what is malformed */
  SOURCE_USER    /* strict: FALSE with FILE:LINE */
} Source;

/* Why @s (@len bytes) is not type/subtype, or NULL if it is.  Static string. */
static const char *
media_type_problem (const char *s, gsize len)
{
  const char *slash = memchr (s, '/', len);

  if (slash == NULL)
    return "has no '/' (expected type/subtype)";
  gsize type_len = (gsize) (slash - s);
  gsize sub_len = len - type_len - 1;
  if (type_len == 0 || sub_len == 0)
    return "has an empty type or subtype";
  if (!ds_field_is_token (s, type_len) || !ds_field_is_token (slash + 1, sub_len))
    return "contains an invalid character (type and subtype must be RFC 9110 tokens)";
  return NULL;
}

/* Why @s (@len bytes) cannot be an extension, or NULL if it can. */
static const char *
extension_problem (const char *s, gsize len)
{
  if (len > DS_MIME_EXT_MAX)
    return "is too long (at most " G_STRINGIFY (DS_MIME_EXT_MAX) " bytes)";
  if (memchr (s, '.', len) != NULL)
    return "contains '.' (only the part after the last dot is matched)";
  if (!ds_field_is_token (s, len))
    return "contains an invalid character";
  return NULL;
}

static char *
full_value (const char *type, const char *charset)
{
  if (ds_mime_is_text (type))
    return g_strconcat (type, "; charset=", charset, NULL);
  return g_strdup (type);
}

static void
table_set (DsMime *mime, const char *ext, gsize ext_len, const char *type)
{
  char *key = g_ascii_strdown (ext, (gssize) ext_len);

  g_hash_table_replace (mime->types, key, full_value (type, mime->charset));
}

static void
add_builtin (DsMime *mime, gboolean pinned_only)
{
  for (gsize i = 0; i < G_N_ELEMENTS (builtin_types); i++)
    if (!pinned_only || builtin_types[i].pinned)
      table_set (mime, builtin_types[i].ext, strlen (builtin_types[i].ext),
                 builtin_types[i].type);
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Finds the next whitespace-separated token in [*pos, end); FALSE at the end of
 * the line or at a comment. */
static gboolean
next_token (const char **pos, const char *end, const char **out_start, gsize *out_len)
{
  const char *p = *pos;

  while (p < end && is_blank (*p))
    p++;
  if (p == end || *p == '#')
    return FALSE;
  const char *start = p;
  while (p < end && !is_blank (*p))
    p++;
  *out_start = start;
  *out_len = (gsize) (p - start);
  *pos = p;
  return TRUE;
}

static void
set_line_error (GError **error, const char *path, guint lineno, const char *what,
                const char *token, gsize token_len, const char *problem)
{
  /* The token comes from a file and ends up on a terminal: escape it. */
  g_autofree char *raw = g_strndup (token, token_len);
  g_autofree char *shown = g_strescape (raw, NULL);

  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s:%u: %s \"%s\" %s", path, lineno, what,
               shown, problem);
}

/* One line of a mime.types file, [line, end) without the newline. */
static gboolean
parse_line (DsMime *mime, const char *path, guint lineno, const char *line, const char *end,
            Source source, GError **error)
{
  const char *pos = line;
  const char *tok;
  gsize tok_len;

  if ((gsize) (end - line) > LINE_MAX_BYTES)
    {
      if (source == SOURCE_SYSTEM)
        return TRUE;
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s:%u: line longer than %d bytes", path,
                   lineno, LINE_MAX_BYTES);
      return FALSE;
    }
  if (!next_token (&pos, end, &tok, &tok_len))
    return TRUE; /* blank or comment */

  const char *problem = media_type_problem (tok, tok_len);
  if (problem != NULL)
    {
      if (source == SOURCE_SYSTEM)
        return TRUE;
      set_line_error (error, path, lineno, "media type", tok, tok_len, problem);
      return FALSE;
    }
  /* Media types are case-insensitive (RFC 9110 §8.3.1): store lower case. */
  g_autofree char *type = g_ascii_strdown (tok, (gssize) tok_len);

  while (next_token (&pos, end, &tok, &tok_len))
    {
      problem = extension_problem (tok, tok_len);
      if (problem == NULL)
        table_set (mime, tok, tok_len, type);
      else if (source == SOURCE_USER)
        {
          set_line_error (error, path, lineno, "extension", tok, tok_len, problem);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_file (DsMime *mime, const char *path, const char *contents, gsize len, Source source,
            GError **error)
{
  const char *p = contents;
  const char *end = contents + len;
  guint lineno = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl != NULL ? nl : end;

      lineno++;
      if (!parse_line (mime, path, lineno, p, line_end, source, error))
        return FALSE;
      p = nl != NULL ? nl + 1 : end;
    }
  return TRUE;
}

static gboolean
load_system_file (DsMime *mime, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      /* A system without media-types is normal; an unreadable one is not. */
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
          || g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        return TRUE;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s", local_error->message);
      return FALSE;
    }
  return parse_file (mime, path, contents, len, SOURCE_SYSTEM, error);
}

static gboolean
load_user_file (DsMime *mime, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      /* GLib's message already names the file and the reason. */
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s", local_error->message);
      return FALSE;
    }
  return parse_file (mime, path, contents, len, SOURCE_USER, error);
}

DsMime *
ds_mime_new (const char *system_file, const char *user_file, const char *charset,
             const char *default_type, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (charset == NULL)
    charset = "utf-8";
  if (default_type == NULL)
    default_type = "application/octet-stream";
  /* charset = token (RFC 9110 §8.3.2). */
  if (!ds_field_is_token (charset, strlen (charset)))
    {
      g_autofree char *shown = g_strescape (charset, NULL);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "charset \"%s\" is not a valid charset name",
                   shown);
      return NULL;
    }
  const char *problem = media_type_problem (default_type, strlen (default_type));
  if (problem != NULL)
    {
      g_autofree char *shown = g_strescape (default_type, NULL);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "default type \"%s\" %s", shown, problem);
      return NULL;
    }

  g_autoptr (DsMime) mime = g_new0 (DsMime, 1);
  mime->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  mime->charset = g_strdup (charset);
  g_autofree char *default_lower = g_ascii_strdown (default_type, -1);
  mime->default_type = full_value (default_lower, charset);

  add_builtin (mime, FALSE);
  if (system_file != NULL)
    {
      if (!load_system_file (mime, system_file, error))
        return NULL;
      add_builtin (mime, TRUE);
    }
  if (user_file != NULL && !load_user_file (mime, user_file, error))
    return NULL;
  return g_steal_pointer (&mime);
}

void
ds_mime_free (DsMime *mime)
{
  if (mime == NULL)
    return;
  g_clear_pointer (&mime->types, g_hash_table_unref);
  g_free (mime->default_type);
  g_free (mime->charset);
  g_free (mime);
}

const char *
ds_mime_lookup (const DsMime *mime, const char *name)
{
  g_return_val_if_fail (mime != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  const char *slash = strrchr (name, '/');
  const char *base = slash != NULL ? slash + 1 : name;
  const char *dot = strrchr (base, '.');

  /* No dot, or only a leading one (".bashrc"): no extension. */
  if (dot == NULL || dot == base)
    return NULL;
  const char *ext = dot + 1;
  gsize len = strlen (ext);
  if (len == 0 || len > DS_MIME_EXT_MAX)
    return NULL;

  /* Lower-case into the stack: lookups happen per request, without malloc. */
  char key[DS_MIME_EXT_MAX + 1];
  for (gsize i = 0; i < len; i++)
    key[i] = g_ascii_tolower (ext[i]);
  key[len] = '\0';
  return g_hash_table_lookup (mime->types, key);
}

const char *
ds_mime_lookup_or_default (const DsMime *mime, const char *name)
{
  g_return_val_if_fail (mime != NULL, NULL);

  const char *type = ds_mime_lookup (mime, name);
  return type != NULL ? type : mime->default_type;
}

static gboolean
has_suffix_ci (const char *s, gsize len, const char *suffix)
{
  gsize suffix_len = strlen (suffix);

  return len >= suffix_len && g_ascii_strncasecmp (s + len - suffix_len, suffix, suffix_len) == 0;
}

gboolean
ds_mime_is_text (const char *content_type)
{
  g_return_val_if_fail (content_type != NULL, FALSE);

  /* Only the type/subtype counts: stop at parameters and trailing OWS. */
  const char *end = content_type + strcspn (content_type, ";");
  gsize len = (gsize) (ds_field_trim_ows_end (content_type, end) - content_type);
  const char *slash = memchr (content_type, '/', len);
  if (slash == NULL || slash == content_type || slash + 1 == content_type + len)
    return FALSE;
  gsize type_len = (gsize) (slash - content_type);
  const char *sub = slash + 1;
  gsize sub_len = len - type_len - 1;

  if (type_len == 4 && g_ascii_strncasecmp (content_type, "text", 4) == 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (text_suffixes); i++)
    if (has_suffix_ci (sub, sub_len, text_suffixes[i]))
      return TRUE;
  if (type_len == 11 && g_ascii_strncasecmp (content_type, "application", 11) == 0)
    for (gsize i = 0; i < G_N_ELEMENTS (text_application_subtypes); i++)
      {
        const char *candidate = text_application_subtypes[i];
        if (strlen (candidate) == sub_len && g_ascii_strncasecmp (sub, candidate, sub_len) == 0)
          return TRUE;
      }
  return FALSE;
}

/* Length of the UTF-8 sequence that @b leads (RFC 3629 §4), 0 if @b cannot
 * lead one (a continuation byte, C0/C1 overlong leads, F5..FF). */
static guint
utf8_sequence_length (guint8 b)
{
  if (b < 0x80)
    return 1;
  if (b >= 0xc2 && b <= 0xdf)
    return 2;
  if (b >= 0xe0 && b <= 0xef)
    return 3;
  if (b >= 0xf0 && b <= 0xf4)
    return 4;
  return 0;
}

/* Whether @b may follow @lead.  The narrower ranges after E0, ED, F0 and F4
 * exclude overlong forms, surrogates and code points over U+10FFFF. */
static gboolean
utf8_second_byte_ok (guint8 lead, guint8 b)
{
  switch (lead)
    {
    case 0xe0:
      return b >= 0xa0 && b <= 0xbf;
    case 0xed:
      return b >= 0x80 && b <= 0x9f;
    case 0xf0:
      return b >= 0x90 && b <= 0xbf;
    case 0xf4:
      return b >= 0x80 && b <= 0x8f;
    default:
      return b >= 0x80 && b <= 0xbf;
    }
}

static gboolean
is_text_ascii (guint8 b)
{
  if (b >= 0x20)
    return b != 0x7f;
  return b == '\t' || b == '\n' || b == '\f' || b == '\r' || b == 0x1b;
}

gboolean
ds_mime_sniff_text (const guint8 *buf, gsize len)
{
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);

  gsize i = 0;
  while (i < len)
    {
      guint8 lead = buf[i];
      if (lead < 0x80)
        {
          if (!is_text_ascii (lead))
            return FALSE;
          i++;
          continue;
        }
      guint n = utf8_sequence_length (lead);
      if (n == 0)
        return FALSE;
      for (guint k = 1; k < n; k++)
        {
          if (i + k == len)
            return TRUE; /* cut off by the end of the prefix */
          guint8 b = buf[i + k];
          if (k == 1 ? !utf8_second_byte_ok (lead, b) : (b & 0xc0) != 0x80)
            return FALSE;
        }
      i += n;
    }
  return TRUE;
}

gboolean
ds_mime_is_archive_name (const char *name)
{
  g_return_val_if_fail (name != NULL, FALSE);

  gsize len = strlen (name);
  return has_suffix_ci (name, len, ".tar.gz") || has_suffix_ci (name, len, ".tgz");
}
