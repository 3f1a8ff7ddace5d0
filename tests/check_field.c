/* check_field.c: field syntax (RFC 9110 §5.5-5.6, §12.4.2; RFC 9112 §3.2;
 * RFC 3986 §3.2.2-3.2.3), table-driven. */
#include "config.h"

#include "docserve/field.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  const char *s;
  gsize len; /* 0: strlen (s) */
  gboolean want;
} SpanRow;

static gsize
span_len (const SpanRow *r)
{
  return r->len != 0 ? r->len : strlen (r->s);
}

static const SpanRow token_rows[] = {
  { "Host", 0, TRUE },
  { "X-Forwarded-For", 0, TRUE },
  { "!#$%&'*+-.^_`|~09azAZ", 0, TRUE }, /* every tchar symbol */
  { "", 0, FALSE },                        /* empty name */
  { "Host ", 0, FALSE },                   /* space before the colon */
  { " Host", 0, FALSE },                   /* a line starting with whitespace */
  { "X A", 0, FALSE },
  { "X\tA", 0, FALSE },
  { "X\001A", 0, FALSE },                  /* control byte */
  { "X\177A", 0, FALSE },                  /* DEL */
  { "X\0A", 3, FALSE },                    /* NUL inside the span */
  { "X(A)", 0, FALSE },                    /* delimiters */
  { "X\"A", 0, FALSE },
  { "X/A", 0, FALSE },
  { "X:A", 0, FALSE },
  { "X@A", 0, FALSE },
  { "\303\251", 0, FALSE },                /* UTF-8 "é": not a tchar */
};

START_TEST (test_token)
{
  const SpanRow *r = &token_rows[_i];
  ck_assert_msg (ds_field_is_token (r->s, span_len (r)) == r->want, "token \"%s\": want %d",
                 r->s, r->want);
}
END_TEST

static const SpanRow value_rows[] = {
  { "text/html; charset=utf-8", 0, TRUE },
  { "", 0, TRUE },
  { " a\tb ", 0, TRUE },                  /* SP and HTAB */
  { "~!\"#\303\251\377", 0, TRUE },        /* VCHAR and obs-text */
  { "a\r\nX-Injected: 1", 0, FALSE },     /* CR LF would start another field */
  { "a\nb", 0, FALSE },
  { "a\rb", 0, FALSE },
  { "a\0b", 3, FALSE },                   /* NUL inside the span */
  { "a\001b", 0, FALSE },
  { "a\033b", 0, FALSE },                 /* ESC */
  { "a\177b", 0, FALSE },                 /* DEL */
};

START_TEST (test_value)
{
  const SpanRow *r = &value_rows[_i];
  ck_assert_msg (ds_field_value_is_valid (r->s, span_len (r)) == r->want, "value row %d: want %d",
                 _i, r->want);
}
END_TEST

typedef struct
{
  const char *in;
  const char *out; /* after trimming */
} TrimRow;

static const TrimRow trim_rows[] = {
  { "chunked", "chunked" },
  { " chunked ", "chunked" },
  { "\t chunked\t ", "chunked" },
  { "   ", "" },
  { "", "" },
  { "a b", "a b" },       /* inner whitespace stays */
  { "\r x \r", "\r x \r" }, /* CR is not OWS */
};

START_TEST (test_trim)
{
  const TrimRow *r = &trim_rows[_i];
  const char *s = r->in;
  gsize len = strlen (r->in);

  ds_field_trim_ows (&s, &len);
  ck_assert_msg (len == strlen (r->out) && memcmp (s, r->out, len) == 0,
                 "trim \"%s\": got \"%.*s\", want \"%s\"", r->in, (int) len, s, r->out);
  ck_assert_msg (s >= r->in && s + len <= r->in + strlen (r->in), "trim \"%s\" left the span", r->in);
}
END_TEST

typedef struct
{
  const char *in;
  gssize want; /* bytes consumed, -1 for NULL */
} QuotedRow;

static const QuotedRow quoted_rows[] = {
  { "\"\"", 2 },
  { "\"abc\" rest", 5 },
  { "\"a,b\"", 5 },
  { "\"a\\\"b\"", 6 },   /* quoted-pair: \" */
  { "\"a\\\\\"", 5 },    /* quoted-pair: \\ then the closing quote */
  { "\"abc", -1 },       /* unterminated */
  { "\"a\\", -1 },       /* backslash at the end */
  { "\"a\001b\"", -1 },  /* control byte is not qdtext */
  { "\"a\177b\"", -1 },  /* DEL */
  { "\"\303\251\"", 4 }, /* obs-text is allowed */
  { "\"\t \"", 4 },
};

START_TEST (test_quoted)
{
  const QuotedRow *r = &quoted_rows[_i];
  const char *end = r->in + strlen (r->in);
  const char *got = ds_field_skip_quoted (r->in, end);
  gssize consumed = got == NULL ? -1 : (gssize) (got - r->in);

  ck_assert_msg (consumed == r->want, "quoted %s: consumed %zd, want %zd", r->in, consumed, r->want);
}
END_TEST

typedef struct
{
  const char *in;
  const char *want; /* elements joined by '|' */
} ListRow;

static const ListRow list_rows[] = {
  { "a, b,c", "a|b|c" },
  { "", "" },
  { ",,, ,", "" },                         /* only empty elements */
  { " a ,, b ", "a|b" },                   /* §5.6.1: empty elements skipped */
  { "\"x,y\", z", "\"x,y\"|z" },            /* a comma inside quotes does not split */
  { "W/\"1\",\"2\"", "W/\"1\"|\"2\"" },
  { "gzip;q=0.5, br", "gzip;q=0.5|br" },
  { "\"open, x", "\"open, x" },            /* unterminated quotes run to the end */
  { "close", "close" },
  { "a\t,\tb", "a|b" },
};

/* Every comma splits, quotes or not (Accept-Encoding, Connection, Range). */
static const ListRow unquoted_rows[] = {
  { "a, b,c", "a|b|c" },
  { "", "" },
  { ",,, ,", "" },
  { " a ,, b ", "a|b" },
  { "\"x,y\", z", "\"x|y\"|z" },          /* the comma inside quotes splits too */
  { "\"open, x", "\"open|x" },
  { "gzip;q=0.5, br", "gzip;q=0.5|br" },
  { "a\t,\tb", "a|b" },
  { "a\f, b", "a\f|b" },                  /* only SP and HTAB are OWS */
};

static void
check_list (const ListRow *r, gboolean quoted)
{
  const char *p = r->in;
  const char *end = r->in + strlen (r->in);
  const char *elem;
  gsize len;
  g_autoptr (GString) got = g_string_new (NULL);

  while (quoted ? ds_field_list_next (&p, end, &elem, &len)
                : ds_field_list_next_unquoted (&p, end, &elem, &len))
    {
      if (got->len > 0)
        g_string_append_c (got, '|');
      g_string_append_len (got, elem, (gssize) len);
    }
  ck_assert_msg (p == end, "list \"%s\": stopped before the end", r->in);
  ck_assert_msg (strcmp (got->str, r->want) == 0, "list%s \"%s\": got \"%s\", want \"%s\"",
                 quoted ? "" : " (unquoted)", r->in, got->str, r->want);
}

START_TEST (test_list)
{
  check_list (&list_rows[_i], TRUE);
}
END_TEST

START_TEST (test_list_unquoted)
{
  check_list (&unquoted_rows[_i], FALSE);
}
END_TEST

typedef struct
{
  const char *value; /* NULL: field absent */
  const char *token;
  gboolean want;
} HasRow;

static const HasRow has_rows[] = {
  { "close", "close", TRUE },
  { "Keep-Alive, Close", "close", TRUE }, /* case-insensitive */
  { "keep-alive", "close", FALSE },
  { "closed", "close", FALSE },           /* whole elements only */
  { "x-close", "close", FALSE },
  { " , close , ", "close", TRUE },
  { NULL, "close", FALSE },
  { "", "close", FALSE },
  { "\"close\"", "close", FALSE },        /* a quoted string is not the token */
  { "\"x, close", "close", TRUE },          /* quotes do not hide a comma (as libmicrohttpd) */
  { "close\f", "close", FALSE },           /* FF is not OWS (nor for libmicrohttpd) */
};

START_TEST (test_list_has)
{
  const HasRow *r = &has_rows[_i];
  ck_assert_msg (ds_field_list_has (r->value, r->token) == r->want, "\"%s\" has %s: want %d",
                 r->value != NULL ? r->value : "(absent)", r->token, r->want);
}
END_TEST

typedef struct
{
  const char *in;
  gint want; /* thousandths, -1 malformed */
} QRow;

static const QRow q_rows[] = {
  { "0", 0 },
  { "1", 1000 },
  { "0.5", 500 },
  { "0.123", 123 },
  { "0.", 0 },       /* "0" [ "." 0*3DIGIT ]: no digits is allowed */
  { "1.", 1000 },
  { "1.000", 1000 },
  { "0.05", 50 },
  { "1.001", -1 },   /* over 1 */
  { "1.5", -1 },
  { "0.1234", -1 },  /* a fourth decimal */
  { "2", -1 },
  { "", -1 },
  { ".5", -1 },
  { "0,5", -1 },
  { "0.5 ", -1 },    /* the caller trims */
  { "0.a", -1 },
};

START_TEST (test_qvalue)
{
  const QRow *r = &q_rows[_i];
  guint q = 4242;
  gboolean ok = ds_field_parse_qvalue (r->in, strlen (r->in), &q);

  if (r->want < 0)
    ck_assert_msg (!ok, "qvalue \"%s\" accepted as %u", r->in, q);
  else
    ck_assert_msg (ok && q == (guint) r->want, "qvalue \"%s\": ok %d q %u, want %d", r->in, ok, q,
                   r->want);
}
END_TEST

typedef struct
{
  const char *params; /* after the element's first ';', NULL: none */
  gint want;          /* -1: malformed */
} WeightRow;

static const WeightRow weight_rows[] = {
  { NULL, 1000 },
  { "q=0.5", 500 },
  { " q=0 ", 0 },
  { "Q=1", 1000 },
  { "level=1;q=0.2", 200 },  /* media-type parameters before the weight */
  { "level=1", 1000 },
  { "q=0.2;ext=1", 200 },   /* accept-ext after the weight: ignored */
  { "q=2", -1 },
  { "q=", -1 },
  { "q", 1000 },             /* not "q=": some other parameter */
  { "", 1000 },
};

START_TEST (test_weight)
{
  const WeightRow *r = &weight_rows[_i];
  const char *end = r->params != NULL ? r->params + strlen (r->params) : NULL;
  guint q = 4242;
  gboolean ok = ds_field_element_weight (r->params, end, &q);

  if (r->want < 0)
    ck_assert_msg (!ok, "weight \"%s\" accepted as %u", r->params, q);
  else
    ck_assert_msg (ok && q == (guint) r->want, "weight \"%s\": ok %d q %u, want %d",
                   r->params != NULL ? r->params : "(none)", ok, q, r->want);
}
END_TEST

static const SpanRow host_rows[] = {
  { "example.org", 0, TRUE },
  { "example.org:8080", 0, TRUE },
  { "localhost:", 0, TRUE },            /* port = *DIGIT: may be empty */
  { "127.0.0.1:80", 0, TRUE },
  { "[::1]", 0, TRUE },
  { "[::1]:8080", 0, TRUE },
  { "[2001:db8::7]", 0, TRUE },
  { "[::ffff:192.0.2.1]", 0, TRUE },
  { "[v1.fe80::a+en1]", 0, TRUE },      /* IPvFuture */
  { "a_b~c", 0, TRUE },                 /* unreserved */
  { "a!$&'()*+,;=b", 0, TRUE },         /* sub-delims */
  { "ex%41mple", 0, TRUE },             /* pct-encoded */
  { "", 0, FALSE },                     /* RFC 9110 §4.2.1: no empty host in http */
  { ":80", 0, FALSE },
  { "x y", 0, FALSE },
  { "x\ty", 0, FALSE },
  { "x/y", 0, FALSE },
  { "x@y", 0, FALSE },                  /* userinfo is not part of Host */
  { "x:8a", 0, FALSE },
  { "x:80:81", 0, FALSE },
  { "[::1", 0, FALSE },
  { "[::1]x", 0, FALSE },
  { "[::g]", 0, FALSE },
  { "[]", 0, FALSE },
  { "[v1]", 0, FALSE },
  { "[vz.a]", 0, FALSE },
  { "ex%4", 0, FALSE },
  { "ex%zz", 0, FALSE },
  { "x\0y", 3, FALSE },
  { "[::1\0]", 6, FALSE },              /* fuzz_field: inet_pton stopped at the NUL */
  { "[::\0002]:8080", 11, FALSE },
  { "\303\251.example", 0, FALSE },     /* raw UTF-8: must be pct-encoded */
  { "x\\y", 0, FALSE },
};

START_TEST (test_host)
{
  const SpanRow *r = &host_rows[_i];
  ck_assert_msg (ds_field_host_is_valid (r->s, span_len (r)) == r->want, "Host \"%s\": want %d",
                 r->s, r->want);
}
END_TEST

START_TEST (test_ows_bounds)
{
  const char s[] = "  x  ";
  const char *end = s + 2; /* never reads past @end */

  ck_assert_ptr_eq (ds_field_skip_ows (s, end), end);
  ck_assert_ptr_eq (ds_field_trim_ows_end (s, end), s);
  ck_assert_ptr_eq (ds_field_skip_ows (s, s + 5), s + 2);
  ck_assert_ptr_eq (ds_field_trim_ows_end (s, s + 5), s + 3);
  ck_assert (ds_field_is_ows (' ') && ds_field_is_ows ('\t'));
  ck_assert (!ds_field_is_ows ('\r') && !ds_field_is_ows ('\n') && !ds_field_is_ows ('\0'));
  ck_assert (ds_field_equals ("CHUNKED", 7, "chunked"));
  ck_assert (!ds_field_equals ("chunked", 6, "chunked"));
}
END_TEST

static Suite *
field_suite (void)
{
  Suite *s = suite_create ("field");
  TCase *tc = tcase_create ("grammar");

  tcase_add_loop_test (tc, test_token, 0, G_N_ELEMENTS (token_rows));
  tcase_add_loop_test (tc, test_value, 0, G_N_ELEMENTS (value_rows));
  tcase_add_loop_test (tc, test_trim, 0, G_N_ELEMENTS (trim_rows));
  tcase_add_loop_test (tc, test_quoted, 0, G_N_ELEMENTS (quoted_rows));
  tcase_add_loop_test (tc, test_list, 0, G_N_ELEMENTS (list_rows));
  tcase_add_loop_test (tc, test_list_unquoted, 0, G_N_ELEMENTS (unquoted_rows));
  tcase_add_loop_test (tc, test_list_has, 0, G_N_ELEMENTS (has_rows));
  tcase_add_loop_test (tc, test_qvalue, 0, G_N_ELEMENTS (q_rows));
  tcase_add_loop_test (tc, test_weight, 0, G_N_ELEMENTS (weight_rows));
  tcase_add_loop_test (tc, test_host, 0, G_N_ELEMENTS (host_rows));
  tcase_add_test (tc, test_ows_bounds);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (field_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
