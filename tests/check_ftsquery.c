/* check_ftsquery.c: a search box's words to an FTS5 query (ftsquery.c):
 * exact output for words, quotes, operators and bad bytes, the bounds, and
 * every query run against a real FTS5 table without an error. */
#include "config.h"

#include "docserve/ftsquery.h"

#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static char *
show (const char *s, gsize len)
{
  if (s == NULL)
    return g_strdup ("(null)");
  g_autofree char *copy = g_strndup (s, len);
  return g_strescape (copy, NULL);
}

typedef struct
{
  const char *in;
  gssize len; /* -1: strlen */
  gboolean prefix;
  const char *want; /* NULL: no query */
} Row;

static const Row rows[] = {
  { "ssl certificate", -1, FALSE, "\"ssl\" \"certificate\"" },
  { "ssl certificate", -1, TRUE, "\"ssl\" \"certificate\"*" },
  { "", -1, FALSE, NULL },
  { "", -1, TRUE, NULL },
  { "   \t\n ", -1, TRUE, NULL },
  /* No letter or digit: no word, so no empty phrase. */
  { "- * \" ^ : ( )", -1, TRUE, NULL },
  /* Operators are words like any other. */
  { "a AND b", -1, FALSE, "\"a\" \"AND\" \"b\"" },
  { "NOT x OR y", -1, FALSE, "\"NOT\" \"x\" \"OR\" \"y\"" },
  { "NEAR(a b, 2)", -1, FALSE, "\"NEAR(a\" \"b,\" \"2)\"" },
  { "title:foo", -1, FALSE, "\"title:foo\"" },
  { "^start", -1, FALSE, "\"^start\"" },
  { "-excluded", -1, FALSE, "\"-excluded\"" },
  { "pre* fix", -1, FALSE, "\"pre*\" \"fix\"" },
  /* '"' doubled inside the string. */
  { "say \"hi\"", -1, FALSE, "\"say\" \"\"\"hi\"\"\"" },
  { "\"unbalanced", -1, TRUE, "\"\"\"unbalanced\"*" },
  { "a\"\"b", -1, FALSE, "\"a\"\"\"\"b\"" },
  /* Controls and NUL separate words; U+FFFD from invalid UTF-8 too. */
  { "one\001two", -1, FALSE, "\"one\" \"two\"" },
  { "one\0two", 7, FALSE, "\"one\" \"two\"" },
  { "ab\xff\xfe" "cd", -1, FALSE, "\"ab\" \"cd\"" },
  { "caf\xc3\xa9 na\xc3\xafve", -1, TRUE, "\"caf\xc3\xa9\" \"na\xc3\xafve\"*" },
  /* Non-breaking and ideographic spaces are white space. */
  { "x\xc2\xa0y\xe3\x80\x80z", -1, FALSE, "\"x\" \"y\" \"z\"" },
  { "\xe6\x97\xa5\xe6\x9c\xac", -1, FALSE, "\"\xe6\x97\xa5\xe6\x9c\xac\"" },
  /* A prefix mark only after the last word, even if the text ends in junk. */
  { "rsync exc --", -1, TRUE, "\"rsync\" \"exc\"*" },
};

START_TEST (test_rows)
{
  const Row *r = &rows[_i];
  gsize len = r->len >= 0 ? (gsize) r->len : strlen (r->in);
  g_autofree char *got = ds_ftsquery_build (r->in, len, r->prefix);
  g_autofree char *in = show (r->in, len);
  g_autofree char *g = show (got, got != NULL ? strlen (got) : 0);

  if (r->want == NULL)
    ck_assert_msg (got == NULL, "\"%s\": want no query, got %s", in, g);
  else
    ck_assert_msg (got != NULL && strcmp (got, r->want) == 0, "\"%s\": want %s, got %s", in,
                   r->want, g);
}
END_TEST

/* ---- bounds ----------------------------------------------------------------- */

static guint
count_terms (const char *q)
{
  /* Every term is '"'..'"' with '"' doubled inside: count the openings. */
  guint n = 0;
  gboolean inside = FALSE;
  for (const char *p = q; *p != '\0'; p++)
    {
      if (*p != '"')
        continue;
      if (inside && p[1] == '"')
        {
          p++;
          continue;
        }
      if (!inside)
        n++;
      inside = !inside;
    }
  return n;
}

START_TEST (test_max_terms)
{
  g_autoptr (GString) in = g_string_new (NULL);
  for (guint i = 0; i < DS_FTSQUERY_MAX_TERMS + 5; i++)
    g_string_append_printf (in, "w%u ", i);
  g_autofree char *q = ds_ftsquery_build (in->str, in->len, FALSE);

  ck_assert_msg (q != NULL && count_terms (q) == DS_FTSQUERY_MAX_TERMS, "%u terms in %s",
                 q != NULL ? count_terms (q) : 0, q);
  g_autofree char *last = g_strdup_printf ("\"w%u\"", DS_FTSQUERY_MAX_TERMS - 1);
  ck_assert_msg (g_str_has_suffix (q, last), "%s does not end with %s", q, last);
}
END_TEST

START_TEST (test_max_term_chars)
{
  g_autoptr (GString) in = g_string_new (NULL);
  for (guint i = 0; i < DS_FTSQUERY_MAX_TERM_CHARS + 10; i++)
    g_string_append (in, "\xc3\xa9"); /* two bytes, one character */
  g_autofree char *q = ds_ftsquery_build (in->str, in->len, FALSE);

  ck_assert (q != NULL);
  ck_assert_int_eq (g_utf8_strlen (q, -1), DS_FTSQUERY_MAX_TERM_CHARS + 2);
}
END_TEST

START_TEST (test_max_input)
{
  /* A word past the input bound is not seen; a character cut by the bound
   * does not become a broken byte. */
  g_autoptr (GString) in = g_string_new (NULL);
  while (in->len < DS_FTSQUERY_MAX_INPUT - 1)
    g_string_append_c (in, ' ');
  g_string_append (in, "\xc3\xa9 late");
  g_autofree char *q = ds_ftsquery_build (in->str, in->len, FALSE);

  ck_assert_msg (q == NULL, "got %s", q);

  g_autoptr (GString) huge = g_string_new (NULL);
  for (guint i = 0; i < 100000; i++)
    g_string_append (huge, "x\"");
  g_autofree char *q2 = ds_ftsquery_build (huge->str, huge->len, TRUE);
  ck_assert (q2 != NULL && g_utf8_validate (q2, -1, NULL));
  ck_assert_msg (strlen (q2) <= 2 * DS_FTSQUERY_MAX_INPUT + 4, "%zu bytes", strlen (q2));
}
END_TEST

/* ---- against SQLite ------------------------------------------------------- */

static const char *const hostile[] = {
  "\"", "\"\"", "*", "a*b*", "NEAR", "NEAR(", "NEAR(a b", "AND", "OR NOT", "a OR", "(a", "a)",
  ":", "title:", "col:x", "{title body}:x", "^", "^^a", "-a", "a - b", "+a", "a + b", "x\"*",
  "\"a\" OR \"b\"", "'; DROP TABLE t; --", "%", "\\", "\xff\xfe", "\xef\xbf\xbd", "a\0b",
  "\x01\x02", "NEAR(\"a\" \"b\", 5)", "a NOT", "\"\"\"", "x:y:z", "* ^ -",
};

START_TEST (test_sqlite_accepts)
{
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (":memory:", &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db,
                                  "CREATE VIRTUAL TABLE t USING fts5(title, body);"
                                  "INSERT INTO t VALUES('a b', 'near and or not x y z');",
                                  NULL, NULL, NULL),
                    SQLITE_OK);
  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    for (int prefix = 0; prefix <= 1; prefix++)
      {
        const char *in = hostile[i];
        /* "a\0b" is the one row with a NUL inside: it is 3 bytes long. */
        gsize len = strcmp (in, "a") == 0 ? 3 : strlen (in);
        g_autofree char *q = ds_ftsquery_build (in, len, prefix);
        if (q == NULL)
          continue;
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2 (db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &st, NULL);
        ck_assert_int_eq (rc, SQLITE_OK);
        sqlite3_bind_text (st, 1, q, -1, SQLITE_STATIC);
        rc = sqlite3_step (st);
        ck_assert_msg (rc == SQLITE_ROW, "%s -> %s: %s", in, q, sqlite3_errmsg (db));
        sqlite3_finalize (st);
      }
  sqlite3_close (db);
}
END_TEST

static Suite *
ftsquery_suite (void)
{
  Suite *s = suite_create ("ftsquery");
  TCase *tc;

  tc = tcase_create ("words");
  tcase_add_loop_test (tc, test_rows, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("bounds");
  tcase_add_test (tc, test_max_terms);
  tcase_add_test (tc, test_max_term_chars);
  tcase_add_test (tc, test_max_input);
  suite_add_tcase (s, tc);

  tc = tcase_create ("sqlite");
  tcase_add_test (tc, test_sqlite_accepts);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (ftsquery_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
