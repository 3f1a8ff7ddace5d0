/* fuzz_dirlist.c: the listing's query and Accept parsing, its sort order
 * and its HTML/JSON output.
 *
 * Input, split on '\n': the raw query ("-" for none), the Accept field
 * ("-" for none), the request path of the directory (through
 * ds_path_sanitize, as the handler does; the root if refused), then one
 * entry per line: "NAME[\tSIZE[\tMTIME]]", a directory when NAME ends in
 * '/'.  Only names a listing can hold are kept (ds_dirlist_read's rule:
 * ds_path_encode then ds_path_sanitize gives the name back), duplicates
 * dropped.
 *
 * Properties: the query and Accept parsers are deterministic and in range,
 * "format=json"/"format=html" as the last format parameter decides; the
 * sort order is total (the same for any input order), directories first;
 * the HTML page and the JSON document are valid UTF-8 and the JSON is valid
 * JSON with the two keys. */
#include "config.h"

#include "docserve/dirlist.h"
#include "docserve/path.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static const char *
absent_if_dash (const char *s)
{
  return s != NULL && strcmp (s, "-") == 0 ? NULL : s;
}

static gboolean
listable (const char *name)
{
  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0
      || strchr (name, '/') != NULL)
    return FALSE;
  g_autofree char *enc = ds_path_encode (name);
  char *back = NULL;
  gboolean slash;
  gboolean ok = ds_path_sanitize (enc, strlen (enc), DS_DOTFILES_ALLOW, &back, &slash)
                    == DS_PATH_OK
                && strcmp (back, name) == 0;
  g_free (back);
  return ok;
}

/* The names of @entries joined, for comparing orders. */
static char *
order_of (const GPtrArray *entries)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      g_string_append (s, e->name);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static GPtrArray *
copy_entries (const GPtrArray *src, gboolean reverse)
{
  GPtrArray *dst = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_dir_entry_free);
  for (guint i = 0; i < src->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) src, reverse ? src->len - 1 - i : i);
      DsDirEntry *c = g_new0 (DsDirEntry, 1);
      *c = *e;
      c->name = g_strdup (e->name);
      g_ptr_array_add (dst, c);
    }
  return dst;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  g_autofree char *query = fuzz_take_field (&in, '\n');
  g_autofree char *accept = fuzz_take_field (&in, '\n');
  g_autofree char *path = fuzz_take_field (&in, '\n');
  const char *q = absent_if_dash (query);
  const char *a = absent_if_dash (accept);

  DsSortKey key;
  gboolean desc;
  ds_dirlist_parse_query (q, &key, &desc);
  FUZZ_CHECK (key == DS_SORT_NAME || key == DS_SORT_SIZE || key == DS_SORT_TIME, "key %d",
              (int) key);
  gboolean json = ds_dirlist_wants_json (q, a);
  FUZZ_CHECK (json == ds_dirlist_wants_json (q, a), "wants_json not deterministic");
  if (q == NULL && a == NULL)
    FUZZ_CHECK (!json, "JSON with neither query nor Accept");
  if (a != NULL)
    {
      /* The query's last format parameter wins over any Accept. */
      g_autofree char *qj = g_strconcat (q != NULL ? q : "", "&format=json", NULL);
      g_autofree char *qh = g_strconcat (q != NULL ? q : "", "&format=html", NULL);
      FUZZ_CHECK (ds_dirlist_wants_json (qj, a) && !ds_dirlist_wants_json (qh, a),
                  "format= did not decide");
    }

  char *rel = NULL;
  gboolean slash;
  if (path == NULL
      || ds_path_sanitize (path, strlen (path), DS_DOTFILES_ALLOW, &rel, &slash) != DS_PATH_OK)
    rel = g_strdup ("");

  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_dir_entry_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  char *line;
  while ((line = fuzz_take_field (&in, '\n')) != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (line, "\t", 3);
      g_free (line);
      char *name = parts[0];
      if (name == NULL)
        continue; /* an empty line */
      gsize len = strlen (name);
      gboolean is_dir = len > 0 && name[len - 1] == '/';
      if (is_dir)
        name[len - 1] = '\0';
      if (!listable (name) || g_hash_table_contains (seen, name))
        continue;

      DsDirEntry *e = g_new0 (DsDirEntry, 1);
      e->name = g_strdup (name);
      e->is_dir = is_dir;
      e->size = is_dir || parts[1] == NULL ? 0 : g_ascii_strtoull (parts[1], NULL, 10);
      e->mtime = parts[1] != NULL && parts[2] != NULL ? g_ascii_strtoll (parts[2], NULL, 10)
                                                        : 1700000000;
      g_hash_table_add (seen, e->name);
      g_ptr_array_add (entries, e);
    }

  /* A total order: the same result from the reversed input. */
  g_autoptr (GPtrArray) rev = copy_entries (entries, TRUE);
  ds_dirlist_sort (entries, key, desc);
  ds_dirlist_sort (rev, key, desc);
  g_autofree char *o1 = order_of (entries);
  g_autofree char *o2 = order_of (rev);
  FUZZ_CHECK (strcmp (o1, o2) == 0, "sort %d/%d depends on the input order:\n%s---\n%s",
              (int) key, desc, o1, o2);
  for (guint i = 1; i < entries->len; i++)
    {
      const DsDirEntry *prev = g_ptr_array_index (entries, i - 1);
      const DsDirEntry *cur = g_ptr_array_index (entries, i);
      FUZZ_CHECK (prev->is_dir || !cur->is_dir, "a directory after a file");
    }

  gsize hlen = 0, jlen = 0;
  g_autofree char *html = ds_dirlist_html (rel, entries, key, desc, &hlen);
  g_autofree char *js = ds_dirlist_json (rel, entries, &jlen);
  FUZZ_CHECK (html != NULL && strlen (html) == hlen && g_utf8_validate (html, (gssize) hlen, NULL),
              "html not valid UTF-8 or wrong length");
  int keys = -1;
  FUZZ_CHECK (js != NULL && strlen (js) == jlen && fuzz_json_valid (js, jlen, &keys) && keys == 2,
              "invalid json (%d keys): %s", keys, js != NULL ? js : "(null)");

  g_hash_table_unref (seen);
  g_ptr_array_unref (entries);
  g_free (rel);
  return 0;
}
