/* check_ftssnippet.c: ds_snippet(), the search results' passages
 * (ftssnippet.c), on a real in-memory FTS5 table with the index's tokenizer:
 * exact passages for a table of documents and queries (where the window
 * goes, the markers, the ellipses, phrases, prefixes, diacritics, a match
 * only in the title), bad arguments as SQL errors, and a long document
 * holding the word thousands of times. */
#include "config.h"

#include "docserve/ftssnippet.h"

#include <check.h>
#include <sqlite3.h>
#include <string.h>

static sqlite3 *
open_table (void)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (":memory:", &db), SQLITE_OK);
  ck_assert (ds_ftssnippet_register (db));
  ck_assert_int_eq (sqlite3_exec (db,
                                  "CREATE VIRTUAL TABLE fts USING fts5 (title, body,"
                                  " tokenize = 'unicode61 remove_diacritics 2');",
                                  NULL, NULL, NULL),
                    SQLITE_OK);
  return db;
}

static void
put (sqlite3 *db, const char *title, const char *body)
{
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "INSERT INTO fts (title, body) VALUES (?, ?)", -1,
                                        &st, NULL),
                    SQLITE_OK);
  sqlite3_bind_text (st, 1, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, body, -1, SQLITE_TRANSIENT);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_DONE);
  sqlite3_finalize (st);
}

/* The passage of the first row matching @match with @tokens tokens, or
 * NULL with *@out_rc set on an error. */
static char *
passage (sqlite3 *db, const char *match, int tokens, const char *extra_args, int *out_rc)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT ds_snippet(fts, 1, '[', ']', '...', %d%s) FROM fts WHERE fts MATCH ? ORDER BY rowid",
    tokens, extra_args != NULL ? extra_args : "");
  sqlite3_stmt *st = NULL;
  char *out = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, match, -1, SQLITE_STATIC);
      rc = sqlite3_step (st);
      if (rc == SQLITE_ROW)
        out = g_strdup ((const char *) sqlite3_column_text (st, 0));
    }
  sqlite3_finalize (st);
  *out_rc = rc;
  return out;
}

typedef struct
{
  const char *title;
  const char *body;
  const char *match; /* FTS5 query */
  int tokens;
  const char *want;
} Row;

static const Row rows[] = {
  /* A short text is the passage, whole, without ellipses. */
  { "t", "The quick brown fox.", "\"fox\"", 10, "The quick brown [fox]." },
  /* Every match in the window marked; the text between tokens kept. */
  { "t", "(fox, Fox -- FOX!)", "\"fox\"", 10, "([fox], [Fox] -- [FOX]!)" },
  /* The match centred (the odd token after it), ellipses both sides. */
  { "t", "a b c d e f g h i j k l", "\"g\"", 6, "...e f [g] h i j..." },
  /* At the start: no leading ellipsis. */
  { "t", "a b c d e f g h i j k l", "\"a\"", 4, "[a] b c d..." },
  /* At the end: the window slides back to fill it, no trailing ellipsis. */
  { "t", "a b c d e f g h i j k l", "\"l\"", 4, "...i j k [l]" },
  /* The window with both words wins over an earlier one with one. */
  { "t", "alpha x x x x x x x x x beta x alpha x x", "\"alpha\" \"beta\"", 4,
    "...[beta] x [alpha] x..." },
  /* Of equal windows, the first. */
  { "t", "x alpha x x x x x x alpha x", "\"alpha\"", 3, "x [alpha] x..." },
  /* A phrase of two tokens: both marked. */
  { "t", "pre utf-8 text here and more", "\"utf-8\"", 4, "pre [utf]-[8] text..." },
  /* A prefix match. */
  { "t", "one marsupials two", "\"marsup\"*", 5, "one [marsupials] two" },
  /* Diacritics removed by the tokenizer match, and the text keeps them. */
  { "t", "un café noir", "\"cafe\"", 5, "un [café] noir" },
  /* A match only in the title: the body's first tokens. */
  { "walrus", "nothing here matches at all", "\"walrus\"", 3, "nothing here matches..." },
  /* An empty body; one without a token. */
  { "walrus", "", "\"walrus\"", 3, "" },
  { "walrus", "-- !! --", "\"walrus\"", 3, "-- !! --" },
  /* Multi-byte text between and in tokens. */
  { "t", "日本語 — naïve ✓ text", "\"naive\"", 5, "日本語 — [naïve] ✓ text" },
};

START_TEST (test_passage)
{
  const Row *r = &rows[_i];
  sqlite3 *db = open_table ();
  put (db, r->title, r->body);
  int rc = 0;
  g_autofree char *got = passage (db, r->match, r->tokens, NULL, &rc);
  sqlite3_close (db);
  ck_assert_msg (rc == SQLITE_ROW, "%s MATCH %s: rc %d", r->body, r->match, rc);
  ck_assert_msg (g_strcmp0 (got, r->want) == 0, "%s MATCH %s, %d tokens: \"%s\", want \"%s\"",
                 r->body, r->match, r->tokens, got, r->want);
}
END_TEST

/* Token counts are clamped to [1, DS_FTSSNIPPET_MAX_TOKENS]. */
START_TEST (test_clamped)
{
  sqlite3 *db = open_table ();
  put (db, "t", "a b c");
  int rc = 0;
  g_autofree char *zero = passage (db, "\"b\"", 0, NULL, &rc);
  ck_assert_int_eq (rc, SQLITE_ROW);
  ck_assert_str_eq (zero, "...[b]...");
  g_autofree char *huge = passage (db, "\"b\"", 100000, NULL, &rc);
  ck_assert_int_eq (rc, SQLITE_ROW);
  ck_assert_str_eq (huge, "a [b] c");
  sqlite3_close (db);
}
END_TEST

/* Wrong arguments are SQL errors, not crashes. */
START_TEST (test_bad_arguments)
{
  sqlite3 *db = open_table ();
  put (db, "t", "a b c");
  const char *bad[] = {
    "SELECT ds_snippet(fts) FROM fts WHERE fts MATCH 'b'",
    "SELECT ds_snippet(fts, 1, '[', ']', '...') FROM fts WHERE fts MATCH 'b'",
    "SELECT ds_snippet(fts, 7, '[', ']', '...', 5) FROM fts WHERE fts MATCH 'b'",
    "SELECT ds_snippet(fts, -1, '[', ']', '...', 5) FROM fts WHERE fts MATCH 'b'",
    "SELECT ds_snippet(fts, 1, NULL, ']', '...', 5) FROM fts WHERE fts MATCH 'b'",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      sqlite3_stmt *st = NULL;
      ck_assert_int_eq (sqlite3_prepare_v2 (db, bad[i], -1, &st, NULL), SQLITE_OK);
      int rc = sqlite3_step (st);
      sqlite3_finalize (st);
      ck_assert_msg (rc == SQLITE_ERROR, "%s: rc %d", bad[i], rc);
    }
  sqlite3_close (db);
}
END_TEST

/* A long text holding the word thousands of times (a NEWS file): the
 * passage is the first window, correct and bounded. */
START_TEST (test_many_matches)
{
  sqlite3 *db = open_table ();
  GString *body = g_string_new ("Preface words first.");
  for (int i = 0; i < 20000; i++)
    g_string_append_printf (body, " gnutls %d", i);
  put (db, "t", body->str);
  g_string_free (body, TRUE);
  int rc = 0;
  g_autofree char *got = passage (db, "\"gnutls\"", 6, NULL, &rc);
  sqlite3_close (db);
  ck_assert_int_eq (rc, SQLITE_ROW);
  ck_assert_str_eq (got, "...[gnutls] 0 [gnutls] 1 [gnutls] 2...");
}
END_TEST

static Suite *
ftssnippet_suite (void)
{
  Suite *s = suite_create ("ftssnippet");
  TCase *tc = tcase_create ("core");

  tcase_add_loop_test (tc, test_passage, 0, G_N_ELEMENTS (rows));
  tcase_add_test (tc, test_clamped);
  tcase_add_test (tc, test_bad_arguments);
  tcase_add_test (tc, test_many_matches);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (ftssnippet_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
