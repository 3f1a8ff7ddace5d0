/* docbase.c: the doc-base catalogue (/usr/share/doc-base).
 *
 * A control file (doc-base's own manual, section "The doc-base control
 * file") is a sequence of stanzas in the RFC 822 style of Debian control
 * files: "Field: value" lines, a line starting with a space or tab
 * continues the field above it (" ." stands for an empty line), a blank
 * line ends a stanza.  The first stanza describes the document (Document,
 * Title, Author, Abstract, Section); each further one is a format (Format,
 * Index, Files; Files holds shell globs, several per line and over several
 * lines).
 *
 * Installed packages vary, so the parser is tolerant where that is
 * harmless and strict where a guess could link the wrong thing:
 * - field names are case-insensitive, CR before LF is dropped, a line
 *   holding only white space separates stanzas like an empty one, lines
 *   starting with '#' are skipped, unknown fields are ignored, the last of
 *   a repeated field wins, invalid UTF-8 is replaced;
 * - a "Files:" with nothing after it is continued on the following lines
 *   (libxml-parser-perl ships one); a format without Files but with an
 *   Index uses the Index (unless it holds white space, which Files could
 *   not); a first stanza that also carries "Format:" is a
 *   format too;
 * - malformed: a line that is neither a field nor a continuation, a
 *   continuation with no field above it, no Document or no Title, or no
 *   format with files.  Such a file is left out of the catalogue.
 *
 * The catalogue (DsDocBase) reads every regular file of the directory (at
 * most 1 MiB each; dot files and larger ones are left out) into an
 * immutable, reference-counted snapshot; ds_docbase_get checks the
 * directory's mtime at most once a second and reads it again when it
 * changed (dpkg installs control files by rename, which changes it).  One
 * mutex guards the swap; readers keep their snapshot for as long as they
 * hold it.  Each malformed file is reported once per name (g_message), so
 * a start-up read names every broken file and a re-read stays quiet about
 * the ones already named. */
#include "config.h"

#include "docserve/docbase.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CONTROL_FILE (1024 * 1024)

typedef struct
{
  char *name;
  GString *value;
} Field;

static void
field_free (gpointer p)
{
  Field *f = p;

  g_free (f->name);
  g_string_free (f->value, TRUE);
  g_free (f);
}

/* The last field named @name (case-insensitive) in @stanza, or NULL. */
static const GString *
stanza_get (GPtrArray *stanza, const char *name)
{
  for (guint i = stanza->len; i > 0; i--)
    {
      const Field *f = g_ptr_array_index (stanza, i - 1);
      if (g_ascii_strcasecmp (f->name, name) == 0)
        return f->value;
    }
  return NULL;
}

/* @value folded into one line: runs of white space become one space, ends
 * trimmed.  NULL
 * for NULL.  Caller frees. */
static char *
one_line (const GString *value)
{
  if (value == NULL)
    return NULL;

  g_autofree char *valid = g_utf8_make_valid (value->str, (gssize) value->len);
  GString *out = g_string_sized_new (value->len);
  for (const char *p = valid; *p != '\0'; p++)
    {
      gboolean space = *p == '\n' || *p == '\t' || *p == ' ';
      if (!space)
        g_string_append_c (out, *p);
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

static void
format_free (gpointer p)
{
  DsDocBaseFormat *f = p;

  g_free (f->format);
  g_free (f->index);
  g_strfreev (f->files);
  g_free (f);
}

/* The format described by @stanza, or NULL when it has no Format or no
 * files. */
static DsDocBaseFormat *
format_from (GPtrArray *stanza)
{
  g_autofree char *format = one_line (stanza_get (stanza, "Format"));
  g_autofree char *index = one_line (stanza_get (stanza, "Index"));
  const GString *files = stanza_get (stanza, "Files");

  if (format == NULL || format[0] == '\0')
    return NULL;
  if (index != NULL && index[0] == '\0')
    g_clear_pointer (&index, g_free);

  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  g_autofree char *valid = files != NULL ? g_utf8_make_valid (files->str, (gssize) files->len) : NULL;
  g_auto (GStrv) words = valid != NULL ? g_strsplit_set (valid, " \t\n", -1) : NULL;
  for (guint i = 0; words != NULL && words[i] != NULL; i++)
    if (words[i][0] != '\0')
      g_ptr_array_add (list, g_strdup (words[i]));
  if (list->len == 0 && index != NULL && strpbrk (index, " \t") == NULL)
    g_ptr_array_add (list, g_strdup (index));
  if (list->len == 0)
    return NULL;
  g_ptr_array_add (list, NULL);

  DsDocBaseFormat *f = g_new0 (DsDocBaseFormat, 1);
  f->format = g_ascii_strdown (format, -1);
  f->index = g_steal_pointer (&index);
  f->files = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  return f;
}

static gboolean
is_blank (const char *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return FALSE;
  return TRUE;
}

static gboolean
parse_error (GError **error, const char *name, guint lineno, const char *what)
{
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", name, lineno, what);
  return FALSE;
}

/* Splits @text into stanzas (GPtrArray of Field) appended to @stanzas. */
static gboolean
split_stanzas (const char *text, gsize len, const char *name, GPtrArray *stanzas,
               GError **error)
{
  GPtrArray *cur = NULL;
  gsize pos = 0;
  guint lineno = 0;

  while (pos < len)
    {
      const char *line = text + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize line_len = nl != NULL ? (gsize) (nl - line) : len - pos;

      pos += line_len + (nl != NULL ? 1 : 0);
      lineno++;
      if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
      if (memchr (line, '\0', line_len) != NULL)
        return parse_error (error, name, lineno, "NUL byte");

      if (is_blank (line, line_len))
        {
          cur = NULL;
          continue;
        }
      if (line[0] == '#')
        continue;
      if (line[0] == ' ' || line[0] == '\t')
        {
          if (cur == NULL || cur->len == 0)
            return parse_error (error, name, lineno, "continuation line outside a field");
          Field *f = g_ptr_array_index (cur, cur->len - 1);
          const char *rest = line + 1;
          gsize rest_len = line_len - 1;
          if (rest_len == 1 && rest[0] == '.')
            rest_len = 0; /* " ." is an empty line */
          if (f->value->len > 0)
            g_string_append_c (f->value, '\n');
          g_string_append_len (f->value, rest, (gssize) rest_len);
          continue;
        }

      const char *colon = memchr (line, ':', line_len);
      if (colon == NULL)
        return parse_error (error, name, lineno, "not a field (no ':')");
      gsize name_len = (gsize) (colon - line);
      while (name_len > 0 && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
        name_len--;
      if (name_len == 0 || memchr (line, ' ', name_len) != NULL
          || memchr (line, '\t', name_len) != NULL)
        return parse_error (error, name, lineno, "not a field name");

      const char *value = colon + 1;
      gsize value_len = line_len - (gsize) (value - line);
      while (value_len > 0 && (value[0] == ' ' || value[0] == '\t'))
        {
          value++;
          value_len--;
        }
      while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;

      if (cur == NULL)
        {
          cur = g_ptr_array_new_with_free_func (field_free);
          g_ptr_array_add (stanzas, cur);
        }
      Field *f = g_new0 (Field, 1);
      f->name = g_strndup (line, name_len);
      f->value = g_string_new_len (value, (gssize) value_len);
      g_ptr_array_add (cur, f);
    }
  return TRUE;
}

DsDocBaseEntry *
ds_docbase_parse (const char *text, gsize len, const char *name, GError **error)
{
  g_return_val_if_fail (text != NULL || len == 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_autoptr (GPtrArray) stanzas = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  if (!split_stanzas (text, len, name, stanzas, error))
    return NULL;
  if (stanzas->len == 0)
    {
      parse_error (error, name, 1, "empty file");
      return NULL;
    }

  GPtrArray *head = g_ptr_array_index (stanzas, 0);
  g_autoptr (DsDocBaseEntry) e = g_new0 (DsDocBaseEntry, 1);
  e->name = g_utf8_make_valid (name, -1);
  e->formats = g_ptr_array_new_with_free_func (format_free);
  e->document = one_line (stanza_get (head, "Document"));
  e->title = one_line (stanza_get (head, "Title"));
  e->author = one_line (stanza_get (head, "Author"));
  e->section = one_line (stanza_get (head, "Section"));
  if (e->section == NULL)
    e->section = g_strdup ("");
  const GString *abstract = stanza_get (head, "Abstract");
  if (abstract != NULL)
    {
      e->abstract = g_utf8_make_valid (abstract->str, (gssize) abstract->len);
      g_strstrip (e->abstract);
    }

  if (e->document == NULL || e->document[0] == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: no Document field",
                   name);
      return NULL;
    }
  if (e->title == NULL || e->title[0] == '\0')
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: no Title field", name);
      return NULL;
    }
  for (guint i = 0; i < stanzas->len; i++)
    {
      DsDocBaseFormat *f = format_from (g_ptr_array_index (stanzas, i));
      if (f != NULL)
        g_ptr_array_add (e->formats, f);
    }
  if (e->formats->len == 0)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE,
                   "%s: no format with Files", name);
      return NULL;
    }
  return g_steal_pointer (&e);
}

void
ds_docbase_entry_free (DsDocBaseEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->document);
  g_free (entry->title);
  g_free (entry->author);
  g_free (entry->abstract);
  g_free (entry->section);
  if (entry->formats != NULL)
    g_ptr_array_unref (entry->formats);
  g_free (entry);
}

struct _DsDocBase
{
  char *dir;
  GMutex lock;
  DsDocBaseSnapshot *snap; /* NULL until the first read */
  gint64 checked;          /* second of the last mtime check */
  struct timespec mtime;   /* the directory's, at the last read */
  gboolean have_mtime;
  GHashTable *reported;    /* names of malformed files already logged */
};

DsDocBase *
ds_docbase_new (const char *dir)
{
  g_return_val_if_fail (dir != NULL, NULL);

  DsDocBase *db = g_new0 (DsDocBase, 1);
  db->dir = g_strdup (dir);
  g_mutex_init (&db->lock);
  db->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return db;
}

void
ds_docbase_free (DsDocBase *db)
{
  if (db == NULL)
    return;
  g_clear_pointer (&db->snap, ds_docbase_snapshot_unref);
  g_hash_table_unref (db->reported);
  g_mutex_clear (&db->lock);
  g_free (db->dir);
  g_free (db);
}

static void
snapshot_clear (gpointer p)
{
  DsDocBaseSnapshot *s = p;

  g_ptr_array_unref (s->entries);
  g_free (s->identity);
}

void
ds_docbase_snapshot_unref (DsDocBaseSnapshot *snap)
{
  if (snap != NULL)
    g_atomic_rc_box_release_full (snap, snapshot_clear);
}

static int
entry_cmp (gconstpointer a, gconstpointer b)
{
  const DsDocBaseEntry *x = *(DsDocBaseEntry *const *) a;
  const DsDocBaseEntry *y = *(DsDocBaseEntry *const *) b;
  int c = g_ascii_strcasecmp (x->section, y->section);

  if (c == 0)
    c = g_ascii_strcasecmp (x->title, y->title);
  if (c == 0)
    c = strcmp (x->name, y->name);
  return c;
}

/* g_ptr_array_sort passes pointers to the elements. */
static int
name_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
report (DsDocBase *db, const char *name, const char *why)
{
  if (g_hash_table_contains (db->reported, name))
    return;
  g_hash_table_add (db->reported, g_strdup (name));
  g_message ("doc-base: %s/%s left out: %s", db->dir, name, why);
}

/* Reads the directory into a new snapshot.  Called with the lock held. */
static DsDocBaseSnapshot *
read_dir (DsDocBase *db, const struct stat *dir_st)
{
  DsDocBaseSnapshot *snap = g_atomic_rc_box_new0 (DsDocBaseSnapshot);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  snap->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_docbase_entry_free);
  if (dir_st != NULL)
    g_checksum_update (sum, (const guchar *) &dir_st->st_mtim, sizeof dir_st->st_mtim);

  int dfd = dir_st != NULL ? open (db->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  g_autoptr (GDir) dir = dir_st != NULL ? g_dir_open (db->dir, 0, NULL) : NULL;
  for (const char *n; dfd >= 0 && dir != NULL && (n = g_dir_read_name (dir)) != NULL;)
    if (n[0] != '.')
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, name_cmp);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = g_ptr_array_index (names, i);
      struct stat st;
      int fd = openat (dfd, n, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);

      if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          if (fd >= 0)
            close (fd);
          continue; /* a subdirectory, a dangling name: not a control file */
        }
      g_checksum_update (sum, (const guchar *) n, strlen (n) + 1);
      g_checksum_update (sum, (const guchar *) &st.st_size, sizeof st.st_size);
      g_checksum_update (sum, (const guchar *) &st.st_mtim, sizeof st.st_mtim);
      if (st.st_size > MAX_CONTROL_FILE)
        {
          close (fd);
          snap->skipped++;
          report (db, n, "larger than 1 MiB");
          continue;
        }
      g_autofree char *buf = g_malloc ((gsize) st.st_size + 1);
      gsize got = 0;
      while (got < (gsize) st.st_size)
        {
          ssize_t r = read (fd, buf + got, (gsize) st.st_size - got);
          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            break;
          got += (gsize) r;
        }
      close (fd);
      g_autoptr (GError) err = NULL;
      DsDocBaseEntry *e = ds_docbase_parse (buf, got, n, &err);
      if (e == NULL)
        {
          snap->skipped++;
          report (db, n, err->message);
          continue;
        }
      g_ptr_array_add (snap->entries, e);
    }
  if (dfd >= 0)
    close (dfd);
  g_ptr_array_sort (snap->entries, entry_cmp);
  snap->identity = g_strdup (g_checksum_get_string (sum));
  return snap;
}

DsDocBaseSnapshot *
ds_docbase_get (DsDocBase *db, gint64 now)
{
  g_return_val_if_fail (db != NULL, NULL);

  g_mutex_lock (&db->lock);
  if (db->snap == NULL || now < db->checked || now - db->checked >= 1)
    {
      struct stat st;
      gboolean ok = stat (db->dir, &st) == 0 && S_ISDIR (st.st_mode);
      gboolean same = db->snap != NULL && ok == db->have_mtime
                      && (!ok || (st.st_mtim.tv_sec == db->mtime.tv_sec
                                  && st.st_mtim.tv_nsec == db->mtime.tv_nsec));
      db->checked = now;
      if (!same)
        {
          g_clear_pointer (&db->snap, ds_docbase_snapshot_unref);
          db->snap = read_dir (db, ok ? &st : NULL);
          db->have_mtime = ok;
          if (ok)
            db->mtime = st.st_mtim;
        }
    }
  DsDocBaseSnapshot *snap = g_atomic_rc_box_acquire (db->snap);
  g_mutex_unlock (&db->lock);
  return snap;
}
