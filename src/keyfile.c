/* keyfile.c: the --config key file, read strictly.
 *
 * GKeyFile parses the file, but it keeps no line numbers, so the text is
 * scanned here as well: an unknown group or key, a repeated key, a malformed
 * line and a bad value are reported as "FILE:LINE: ...".  A repeated key is
 * an error rather than "last one wins", so that the line named is the one in
 * effect.  Which keys exist and how their values are written is the
 * caller's table (conf.c); what they mean is applied there too. */
#include "config.h"

#include "docserve/keyfile.h"

#include "docserve/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAX_SIZE (1024 * 1024)

typedef struct
{
  char *key;
  guint line;
} KeyLine;

struct DsKeyFile
{
  GKeyFile *kf;
  char *group;
  GArray *keys; /* KeyLine, in file order */
};

static void
key_line_clear (gpointer p)
{
  g_free (((KeyLine *) p)->key);
}

void
ds_keyfile_free (DsKeyFile *kf)
{
  if (kf == NULL)
    return;
  g_clear_pointer (&kf->kf, g_key_file_unref);
  g_free (kf->group);
  g_clear_pointer (&kf->keys, g_array_unref);
  g_free (kf);
}

/* Sets a DS_ERROR_USAGE error "PATH: REASON" with PATH escaped. */
static gboolean
file_error (GError **error, const char *path, const char *reason)
{
  g_autofree char *shown = ds_error_escape (path);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s", shown, reason);
  return FALSE;
}

/* Reads @path whole.  FALSE with "PATH: REASON" if it cannot be read, is a
 * directory, is too large or holds a NUL byte. */
static gboolean
read_key_file (const char *path, char **out_text, gsize *out_len, GError **error)
{
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0)
    return file_error (error, path, g_strerror (errno));
  if (S_ISDIR (st.st_mode))
    return file_error (error, path, g_strerror (EISDIR));

  g_autoptr (GString) text = g_string_new (NULL);
  char buf[8192];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return file_error (error, path, g_strerror (errno));
      if (n == 0)
        break;
      if (text->len + (gsize) n > KEY_FILE_MAX_SIZE)
        return file_error (error, path, "larger than 1 MiB");
      g_string_append_len (text, buf, n);
    }
  if (memchr (text->str, '\0', text->len) != NULL)
    return file_error (error, path, "contains a NUL byte");
  *out_len = text->len;
  *out_text = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

static gboolean
line_error (GError **error, const char *path, guint line, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
line_error (GError **error, const char *path, guint line, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *shown = ds_error_escape (path);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s:%u: %s", shown, line, msg);
  return FALSE;
}

/* A "[group]" line @s (blanks before it already skipped; modified) on line
 * @n: TRUE if it is [@group]. */
static gboolean
scan_group_line (const char *path, guint n, char *s, const char *group, GError **error)
{
  char *end = strchr (s, ']');

  if (end == NULL || end[1 + strspn (end + 1, " \t")] != '\0')
    return line_error (error, path, n, "malformed group line");
  *end = '\0';
  if (strcmp (s + 1, group) == 0)
    return TRUE;
  g_autofree char *shown = ds_error_escape (s + 1);
  return line_error (error, path, n, "unknown group [%s] (the only group is [%s])", shown, group);
}

/* Key @key on line @n: refused if unknown or already in @keys, else
 * appended to @keys. */
static gboolean
scan_key (const char *path, guint n, const char *key, DsKeyTypeFunc key_type, GArray *keys,
          GError **error)
{
  if (key_type (key) == DS_KEY_UNKNOWN)
    {
      g_autofree char *shown = ds_error_escape (key);
      if (g_str_has_prefix (key, "no-") && key_type (key + 3) == DS_KEY_BOOLEAN)
        return line_error (error, path, n, "unknown key \"%s\" (the key is \"%s\", true or false)",
                           shown, key + 3);
      return line_error (error, path, n, "unknown key \"%s\"", shown);
    }
  for (guint i = 0; i < keys->len; i++)
    {
      const KeyLine *seen = &g_array_index (keys, KeyLine, i);
      if (strcmp (seen->key, key) == 0)
        return line_error (error, path, n, "%s: set again (first set on line %u)", key,
                           seen->line);
    }
  KeyLine kl = { g_strdup (key), n };
  g_array_append_val (keys, kl);
  return TRUE;
}

/* Mirrors GKeyFile's line syntax (leading blanks ignored, "#" comments,
 * "[group]" with blanks after it, "key = value") to find the line of each
 * key.  Refuses what GKeyFile would take silently: a group other than
 * @group, an unknown key, a key given twice.  Appends the keys to @keys in
 * file order. */
static gboolean
scan_key_file (const char *path, const char *text, const char *group, DsKeyTypeFunc key_type,
               GArray *keys, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint n = i + 1;
      char *s = g_strchug (lines[i]);
      gsize len = strlen (s);

      if (len > 0 && s[len - 1] == '\r')
        s[len - 1] = '\0';
      if (*s == '\0' || *s == '#')
        continue;
      if (*s == '[')
        {
          if (!scan_group_line (path, n, s, group, error))
            return FALSE;
          in_group = TRUE;
          continue;
        }
      char *eq = strchr (s, '=');
      if (eq == NULL || eq == s)
        return line_error (error, path, n, "expected \"key = value\", \"[%s]\" or a # comment",
                           group);
      if (!in_group)
        return line_error (error, path, n, "key before the [%s] line", group);
      *eq = '\0';
      if (!scan_key (path, n, g_strchomp (s), key_type, keys, error))
        return FALSE;
    }
  return TRUE;
}

DsKeyFile *
ds_keyfile_load (const char *path, const char *group, DsKeyTypeFunc key_type, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (DsKeyFile) kf = g_new0 (DsKeyFile, 1);
  g_autoptr (GError) local = NULL;

  kf->kf = g_key_file_new ();
  kf->group = g_strdup (group);
  kf->keys = g_array_new (FALSE, FALSE, sizeof (KeyLine));
  g_array_set_clear_func (kf->keys, key_line_clear);
  if (!read_key_file (path, &text, &len, error)
      || !scan_key_file (path, text, group, key_type, kf->keys, error))
    return NULL;
  if (!g_key_file_load_from_data (kf->kf, text, len, G_KEY_FILE_NONE, &local))
    {
      /* GLib quotes the offending line, which may hold a CR. */
      g_autofree char *reason = ds_error_escape (local->message);
      g_autofree char *shown = ds_error_escape (path);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s", shown, reason);
      return NULL;
    }
  return g_steal_pointer (&kf);
}

guint
ds_keyfile_n_keys (const DsKeyFile *kf)
{
  return kf->keys->len;
}

const char *
ds_keyfile_key (const DsKeyFile *kf, guint i)
{
  g_return_val_if_fail (i < kf->keys->len, NULL);
  return g_array_index (kf->keys, KeyLine, i).key;
}

guint
ds_keyfile_line (const DsKeyFile *kf, guint i)
{
  g_return_val_if_fail (i < kf->keys->len, 0);
  return g_array_index (kf->keys, KeyLine, i).line;
}

/* Appends the character that escape "\@c" stands for to @cur; FALSE for an
 * invalid escape ('\0': a trailing backslash). */
static gboolean
append_escaped (GString *cur, char c, gboolean list)
{
  static const char from[] = "sntr\\;";
  static const char to[] = " \n\t\r\\;";
  const char *p = c != '\0' ? strchr (from, c) : NULL;

  if (p == NULL || (c == ';' && !list))
    return FALSE;
  g_string_append_c (cur, to[p - from]);
  return TRUE;
}

/* GKeyFile's escapes, decoded here rather than by
 * g_key_file_get_string(): GLib 2.74 returns a value *and* sets an error for
 * an invalid escape (and warns about a GError set twice when there are
 * two), so a bad escape could slip through as text.  An invalid escape or a
 * trailing backslash is an error naming the key.  @list: split on unescaped
 * ';' into *out_list (a trailing ';' ends the list, as GKeyFile's lists
 * do); else the whole value into *out_value. */
static gboolean
unescape_value (const char *key, const char *raw, gboolean list, char **out_value,
                char ***out_list, GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) cur = g_string_new (NULL);

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (list && *p == ';')
        {
          g_ptr_array_add (items, g_string_free (g_steal_pointer (&cur), FALSE));
          cur = g_string_new (NULL);
        }
      else if (*p != '\\')
        g_string_append_c (cur, *p);
      else if (!append_escaped (cur, *++p, list))
        return ds_error_bad_value (error, key, raw,
                                   *p == '\0' ? "ends with a backslash"
                                              : "has an invalid escape (a backslash before a "
                                                "letter other than s, n, t, r)");
    }
  if (!list)
    {
      *out_value = g_string_free (g_steal_pointer (&cur), FALSE);
      return TRUE;
    }
  if (cur->len > 0)
    g_ptr_array_add (items, g_string_free (g_steal_pointer (&cur), FALSE));
  g_ptr_array_add (items, NULL);
  *out_list = (char **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
  return TRUE;
}

/* The raw (still escaped) value of @key, or NULL with "KEY: REASON". */
static char *
get_raw (const DsKeyFile *kf, const char *key, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *raw = g_key_file_get_value (kf->kf, kf->group, key, &local);

  /* g_key_file_get_value, unlike get_string, does not check the encoding. */
  if (raw != NULL && !g_utf8_validate (raw, -1, NULL))
    {
      g_free (raw);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: is not valid UTF-8", key);
      return NULL;
    }
  if (raw != NULL)
    return raw;
  g_autofree char *reason = ds_error_escape (local != NULL ? local->message : "cannot be read");
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s", key, reason);
  return NULL;
}

gboolean
ds_keyfile_get_string (const DsKeyFile *kf, const char *key, char **out_value, GError **error)
{
  g_autofree char *raw = get_raw (kf, key, error);

  return raw != NULL && unescape_value (key, raw, FALSE, out_value, NULL, error);
}

gboolean
ds_keyfile_get_list (const DsKeyFile *kf, const char *key, char ***out_values, GError **error)
{
  g_autofree char *raw = get_raw (kf, key, error);

  return raw != NULL && unescape_value (key, raw, TRUE, NULL, out_values, error);
}

gboolean
ds_keyfile_get_boolean (const DsKeyFile *kf, const char *key, gboolean *out_value,
                        GError **error)
{
  g_autoptr (GError) local = NULL;
  gboolean v = g_key_file_get_boolean (kf->kf, kf->group, key, &local);

  if (local != NULL)
    {
      g_autofree char *raw = g_key_file_get_value (kf->kf, kf->group, key, NULL);
      return ds_error_bad_value (error, key, raw != NULL ? raw : "", "is not true or false");
    }
  *out_value = v;
  return TRUE;
}
