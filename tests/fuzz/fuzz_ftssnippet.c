/* fuzz_ftssnippet.c: the search results' passages (ds_snippet(), an FTS5
 * auxiliary function, ftssnippet.c) on a real FTS5 table.
 *
 * Input: byte 0 is the passage length asked for (0..255: the function
 * clamps it) and, in its low bit, the prefix mark of the query; the rest
 * up to the first NUL is the user's words (ds_ftsquery_build), the rest
 * after it the document's body (made valid UTF-8, bytes 1 and 2 replaced,
 * as the index holds text; its own ellipses replaced by "...").
 *
 * Properties: the statement steps without an error; for a matching row the
 * passage is valid UTF-8 whose markers (char(1) open, char(2) close) pair
 * up without nesting and each pair encloses text; without them and the
 * ellipses it is a piece of the body, no longer than it, and a prefix of
 * the body unless an ellipsis opens it, a suffix unless one closes it; the
 * same row gives the same passage twice. */
#include "config.h"

#include "docserve/ftsquery.h"
#include "docserve/ftssnippet.h"

#include <sqlite3.h>

#include "fuzz_common.h"

#define ELLIPSIS "\xe2\x80\xa6"

static sqlite3 *db;
static sqlite3_stmt *put;
static sqlite3_stmt *get;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();
  if (sqlite3_open (":memory:", &db) != SQLITE_OK || !ds_ftssnippet_register (db)
      || sqlite3_exec (db,
                       "CREATE VIRTUAL TABLE t USING fts5 (title, body,"
                       " tokenize = 'unicode61 remove_diacritics 2');",
                       NULL, NULL, NULL)
           != SQLITE_OK
      || sqlite3_prepare_v2 (db, "INSERT INTO t (rowid, title, body) VALUES (1, 'title', ?)", -1,
                             &put, NULL)
           != SQLITE_OK
      || sqlite3_prepare_v2 (db,
                             "SELECT ds_snippet(t, 1, char(1), char(2), '" ELLIPSIS "', ?2)"
                             " FROM t WHERE t MATCH ?1",
                             -1, &get, NULL)
           != SQLITE_OK)
    {
      fprintf (stderr, "fuzz_ftssnippet: SQLite set-up failed\n");
      abort ();
    }
  return 0;
}

/* The passage of the row for @query, or NULL when it does not match. */
static char *
passage (const char *query, int tokens)
{
  sqlite3_bind_text (get, 1, query, -1, SQLITE_STATIC);
  sqlite3_bind_int (get, 2, tokens);
  int rc = sqlite3_step (get);
  FUZZ_CHECK (rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", query, sqlite3_errmsg (db));
  char *out = rc == SQLITE_ROW ? g_strdup ((const char *) sqlite3_column_text (get, 0)) : NULL;
  sqlite3_reset (get);
  sqlite3_clear_bindings (get);
  return out;
}

/* The checks of the header on passage @p of @body. */
static void
check_passage (const char *p, const char *body)
{
  FUZZ_CHECK (g_utf8_validate (p, -1, NULL), "not UTF-8");
  gsize len = strlen (p);
  const char *start = p, *end = p + len;
  gboolean lead = g_str_has_prefix (start, ELLIPSIS);
  if (lead)
    start += strlen (ELLIPSIS);
  gboolean trail = end - start >= (gssize) strlen (ELLIPSIS) && g_str_has_suffix (start, ELLIPSIS);
  if (trail)
    end -= strlen (ELLIPSIS);
  GString *plain = g_string_new (NULL);
  gboolean open = FALSE;
  gsize inside = 0;
  for (const char *c = start; c < end; c++)
    {
      if (*c == '\x01')
        {
          FUZZ_CHECK (!open, "nested mark: %s", p);
          open = TRUE;
          inside = 0;
        }
      else if (*c == '\x02')
        {
          FUZZ_CHECK (open && inside > 0, "close without an open mark, or empty: %s", p);
          open = FALSE;
        }
      else
        {
          g_string_append_c (plain, *c);
          inside++;
        }
    }
  FUZZ_CHECK (!open, "unclosed mark: %s", p);
  const char *at = plain->len > 0 ? strstr (body, plain->str) : body;
  FUZZ_CHECK (at != NULL, "not a piece of the body: \"%s\"", plain->str);
  FUZZ_CHECK (plain->len <= strlen (body), "longer than the body");
  FUZZ_CHECK (lead || g_str_has_prefix (body, plain->str), "no ellipsis, but not the start: %s",
              p);
  FUZZ_CHECK (trail || g_str_has_suffix (body, plain->str), "no ellipsis, but not the end: %s", p);
  g_string_free (plain, TRUE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  int tokens = data[0];
  gboolean prefix = data[0] & 1;
  const char *rest = (const char *) data + 1;
  gsize rest_len = size - 1;
  const char *nul = memchr (rest, '\0', rest_len);
  gsize q_len = nul != NULL ? (gsize) (nul - rest) : rest_len;
  g_autofree char *query = ds_ftsquery_build (rest, q_len, prefix);
  if (query == NULL)
    return 0;
  g_autofree char *raw = nul != NULL ? g_strndup (nul + 1, rest_len - q_len - 1) : g_strdup ("");
  g_autofree char *body = g_utf8_make_valid (raw, -1);
  for (char *c = body; *c != '\0'; c++)
    if (*c == '\x01' || *c == '\x02')
      *c = ' ';
  /* Ellipses in the body would be taken for the function's. */
  for (char *e = strstr (body, ELLIPSIS); e != NULL; e = strstr (e, ELLIPSIS))
    memcpy (e, "...", 3);

  FUZZ_CHECK (sqlite3_exec (db, "DELETE FROM t", NULL, NULL, NULL) == SQLITE_OK, "%s",
              sqlite3_errmsg (db));
  sqlite3_bind_text (put, 1, body, -1, SQLITE_STATIC);
  FUZZ_CHECK (sqlite3_step (put) == SQLITE_DONE, "insert: %s", sqlite3_errmsg (db));
  sqlite3_reset (put);
  sqlite3_clear_bindings (put);

  g_autofree char *p = passage (query, tokens);
  if (p == NULL)
    return 0;
  g_autofree char *again = passage (query, tokens);
  FUZZ_CHECK (g_strcmp0 (p, again) == 0, "not deterministic");
  check_passage (p, body);
  return 0;
}
