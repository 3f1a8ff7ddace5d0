/* check_query.c: the query string of a request URL (query.c): the pairs
 * in order, a name with or without a value, form decoding. */
#include "config.h"

#include "docserve/query.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static gboolean
collect (const char *key, gsize key_len, const char *value, gsize value_len, gpointer data)
{
  GString *out = data;

  if (out->len > 0)
    g_string_append_c (out, '|');
  g_string_append_len (out, key, (gssize) key_len);
  if (value != NULL)
    {
      g_string_append_c (out, '=');
      g_string_append_len (out, value, (gssize) value_len);
    }
  return strncmp (key, "stop", key_len) != 0 || key_len != 4;
}

static const struct
{
  const char *query;
  const char *pairs; /* '|' between pairs; a pair without '=' shown bare */
} each_rows[] = {
  { NULL, "" },
  { "", "" },
  { "?", "" },
  { "a=1", "a=1" },
  { "?a=1&b", "a=1|b" },
  { "a=1&&b=&=c", "a=1|b=|=c" }, /* empty pairs skipped, empty key kept */
  { "a=b=c", "a=b=c" },          /* the first '=' splits */
  { "x&stop&y", "x|stop" },      /* the callback ended the walk */
  { "%41=%42", "%41=%42" },      /* undecoded */
};

START_TEST (test_each)
{
  g_autoptr (GString) out = g_string_new (NULL);

  ds_query_each (each_rows[_i].query, collect, out);
  ck_assert_str_eq (out->str, each_rows[_i].pairs);
}
END_TEST

static const struct
{
  const char *query;
  gboolean raw;
} has_rows[] = {
  { NULL, FALSE },     { "", FALSE },         { "raw", TRUE },   { "raw=1", TRUE },
  { "a=b&raw", TRUE }, { "raw&a=b", TRUE },   { "rawx", FALSE }, { "xraw", FALSE },
  { "a=raw", FALSE },  { "RAW", FALSE },      { "&&raw=", TRUE }, { "%72aw", FALSE },
};

START_TEST (test_has)
{
  ck_assert_msg (ds_query_has (has_rows[_i].query, "raw") == has_rows[_i].raw, "%s",
                 has_rows[_i].query != NULL ? has_rows[_i].query : "(null)");
}
END_TEST

static const struct
{
  const char *in;
  const char *out; /* NULL: refused */
} decode_rows[] = {
  { "", "" },
  { "a+b", "a b" },
  { "%41%62c", "Abc" },
  { "%e2%82%ac", "\xe2\x82\xac" },
  { "100%25", "100%" },
  { "%2B", "+" },
  { "%", NULL },
  { "%4", NULL },
  { "%4g", NULL },
  { "a%00b", NULL }, /* no form sends a NUL */
};

START_TEST (test_decode)
{
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean ok = ds_query_decode (decode_rows[_i].in, strlen (decode_rows[_i].in), out);

  if (decode_rows[_i].out == NULL)
    ck_assert_msg (!ok, "\"%s\" decoded to \"%s\"", decode_rows[_i].in, out->str);
  else
    {
      ck_assert_msg (ok, "\"%s\" refused", decode_rows[_i].in);
      ck_assert_str_eq (out->str, decode_rows[_i].out);
    }
}
END_TEST

START_TEST (test_word_is)
{
  ck_assert (ds_query_word_is ("json", 4, "json"));
  ck_assert (!ds_query_word_is ("jso", 3, "json"));
  ck_assert (!ds_query_word_is ("jsonx", 5, "json"));
  ck_assert (!ds_query_word_is (NULL, 0, "json"));
}
END_TEST

static Suite *
query_suite (void)
{
  Suite *s = suite_create ("query");
  TCase *tc = tcase_create ("query");

  tcase_add_loop_test (tc, test_each, 0, G_N_ELEMENTS (each_rows));
  tcase_add_loop_test (tc, test_has, 0, G_N_ELEMENTS (has_rows));
  tcase_add_loop_test (tc, test_decode, 0, G_N_ELEMENTS (decode_rows));
  tcase_add_test (tc, test_word_is);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (query_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
