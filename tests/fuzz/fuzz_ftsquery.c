/* fuzz_ftsquery.c: the search box's words to an FTS5 query
 * (ds_ftsquery_build), and the search endpoint's query string
 * (ds_search_params_parse).
 *
 * Input: the first byte's low bit asks for the prefix mark; the rest is
 * the user's text as given to ds_ftsquery_build, and also parsed as a raw
 * query string.
 *
 * Properties: the query is NULL or valid UTF-8 of the shape
 * "TERM( TERM)*[*]" where every TERM is '"'..'"' with '"' doubled inside
 * and at least one character, at most DS_FTSQUERY_MAX_TERMS terms, a '*'
 * only at the very end and only with the prefix bit; SQLite's FTS5 accepts
 * it (MATCH on a real table steps without an error); the same input gives
 * the same query.  The parsed q is at most DS_SEARCHPAGE_MAX_Q bytes, the
 * page within 1..DS_SEARCHPAGE_MAX_PAGE. */
#include "config.h"

#include "docserve/ftsquery.h"
#include "docserve/searchpage.h"

#include <sqlite3.h>

#include "fuzz_common.h"

static sqlite3 *db;
static sqlite3_stmt *match;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();
  if (sqlite3_open (":memory:", &db) != SQLITE_OK
      || sqlite3_exec (db,
                       "CREATE VIRTUAL TABLE t USING fts5 (url, title, kind UNINDEXED, body,"
                       " tokenize = 'unicode61 remove_diacritics 2');"
                       "INSERT INTO t VALUES ('/a', 'near and or', 'text', 'not x y z \"q\"');",
                       NULL, NULL, NULL)
           != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &match, NULL)
           != SQLITE_OK)
    {
      fprintf (stderr, "fuzz_ftsquery: SQLite set-up failed\n");
      abort ();
    }
  return 0;
}

/* Checks the shape described at the top; returns the number of terms. */
static guint
check_shape (const char *q, gboolean prefix)
{
  guint terms = 0;
  const char *p = q;

  for (;;)
    {
      FUZZ_CHECK (*p == '"', "term %u does not open with '\"': %s", terms, q);
      p++;
      gsize chars = 0;
      for (;;)
        {
          FUZZ_CHECK (*p != '\0', "unterminated term: %s", q);
          if (*p == '"' && p[1] == '"')
            {
              p += 2;
              chars++;
              continue;
            }
          if (*p == '"')
            break;
          p++;
          chars++;
        }
      FUZZ_CHECK (chars > 0, "empty term: %s", q);
      p++;
      terms++;
      if (*p == ' ')
        {
          p++;
          continue;
        }
      if (*p == '*')
        {
          FUZZ_CHECK (prefix && p[1] == '\0', "a '*' that was not asked for or not last: %s", q);
          p++;
        }
      FUZZ_CHECK (*p == '\0', "junk after a term: %s", q);
      FUZZ_CHECK (!prefix || p[-1] == '*', "no prefix mark: %s", q);
      return terms;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  gboolean prefix = data[0] & 1;
  const char *text = (const char *) data + 1;
  gsize len = size - 1;

  g_autofree char *q = ds_ftsquery_build (text, len, prefix);
  g_autofree char *again = ds_ftsquery_build (text, len, prefix);
  FUZZ_CHECK (g_strcmp0 (q, again) == 0, "not deterministic");
  if (q != NULL)
    {
      FUZZ_CHECK (g_utf8_validate (q, -1, NULL), "not UTF-8");
      guint terms = check_shape (q, prefix);
      FUZZ_CHECK (terms >= 1 && terms <= DS_FTSQUERY_MAX_TERMS, "%u terms", terms);
      sqlite3_bind_text (match, 1, q, -1, SQLITE_STATIC);
      int rc = sqlite3_step (match);
      FUZZ_CHECK (rc == SQLITE_ROW, "FTS5 refused %s: %s", q, sqlite3_errmsg (db));
      sqlite3_reset (match);
      sqlite3_clear_bindings (match);
    }

  g_autofree char *raw = g_strndup (text, len);
  DsSearchParams params;
  if (ds_search_params_parse (raw, &params))
    {
      FUZZ_CHECK (params.q != NULL && strlen (params.q) <= DS_SEARCHPAGE_MAX_Q, "q too long");
      FUZZ_CHECK (params.page >= 1 && params.page <= DS_SEARCHPAGE_MAX_PAGE, "page %u",
                  params.page);
      ds_search_params_clear (&params);
    }
  else
    FUZZ_CHECK (params.q == NULL, "q left after a refusal");
  return 0;
}
