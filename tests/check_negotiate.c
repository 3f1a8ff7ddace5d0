/* check_negotiate.c: content negotiation: Accept-Encoding q-values and
 * coding choice (RFC 9110 §12.5.3, §12.4.2, §8.4.1.3), and the media type
 * chosen by Accept (§12.5.1). */
#include "config.h"

#include "docserve/negotiate.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NONE 0u
#define GZ DS_ENC_MASK (DS_ENC_GZIP)
#define BR DS_ENC_MASK (DS_ENC_BR)
#define BOTH (GZ | BR)
#define ID DS_ENC_IDENTITY
#define GZIP DS_ENC_GZIP
#define BROTLI DS_ENC_BR
#define NOTHING (-1)

#define CHROME "gzip, deflate, br"
#define CHROME_ZSTD "gzip, deflate, br, zstd"

/* @field parsed, then one choice or q-value from it. */
static int
choose (const char *field, guint available)
{
  DsAcceptEncoding ae;

  ds_accept_encoding_parse (field, &ae);
  return ds_accept_encoding_choose (&ae, available);
}

static guint
qvalue (const char *field, const char *coding)
{
  DsAcceptEncoding ae;

  ds_accept_encoding_parse (field, &ae);
  return ds_accept_encoding_qvalue (&ae, coding);
}

/* ---- ds_accept_encoding_choose ---- */

typedef struct
{
  const char *field; /* NULL: no Accept-Encoding */
  guint available;
  int want;
} ChooseRow;

static const ChooseRow choose_rows[] = {
  /* Absent: anything is acceptable, but we only compress for clients that ask. */
  { NULL, BOTH, ID },
  { NULL, NONE, ID },
  /* Empty: only identity (§12.5.3). */
  { "", BOTH, ID },
  { " , ,\t", BOTH, ID }, /* only empty list elements: the same as empty */
  { "gzip", BOTH, GZIP },
  { "gzip", GZ, GZIP },
  { "gzip", BR, ID },
  { "gzip", NONE, ID },
  { CHROME, BOTH, BROTLI }, /* all q=1: tie goes to br */
  { CHROME, GZ, GZIP },
  { CHROME, NONE, ID },
  { CHROME_ZSTD, BOTH, BROTLI },
  { CHROME_ZSTD, NONE, ID },
  { "br;q=0.5, gzip;q=0.8", BOTH, GZIP },
  /* gzip absent; unlisted identity gets the lowest q (0.5), ties with br, br wins */
  { "br;q=0.5, gzip;q=0.8", BR, BROTLI },
  { "br;q=0.5, gzip;q=0.8", NONE, ID },
  { "*", BOTH, BROTLI },
  { "*", GZ, GZIP },
  { "*", NONE, ID },
  { "*;q=0", BOTH, NOTHING },
  { "*;q=0", NONE, NOTHING },
  { "identity;q=0", NONE, NOTHING },
  { "identity;q=0", BOTH, NOTHING }, /* br and gzip are not listed and there is no "*" */
  { "identity;q=0, gzip", BOTH, GZIP },
  { "identity;q=0, *;q=0", NONE, NOTHING },
  { "identity;q=0, *;q=0", BOTH, NOTHING },
  { "*;q=0, gzip", BOTH, GZIP },
  { "*;q=0, identity", BOTH, ID }, /* a specific entry beats "*" */
  { "identity, *;q=0", BOTH, ID }, /* whatever the order */
  { "identity;q=0.5, *;q=0", BR, ID },
  { "gzip;q=0", GZ, ID },
  { "gzip;q=0", BOTH, ID },
  { "gzip;q=0, *", BOTH, BROTLI }, /* "*" covers br, not the excluded gzip */
  { "gzip;q=0, *", GZ, ID },
  { "*;q=0.5, gzip;q=0.2", GZ, ID }, /* identity gets the "*" q, above gzip's */
  { "GZIP;Q=0.5", GZ, GZIP },        /* names and "q" are case-insensitive */
  { "Br;q=0.5", BR, BROTLI },
  { "x-gzip", GZ, GZIP },            /* §8.4.1.3 alias */
  { "X-GZIP;q=0.9", GZ, GZIP },
  { "x-gzip;q=0, gzip", GZ, ID },    /* alias and name are one entry: the first wins */
  { "gzip;q=0, gzip", GZ, ID },      /* duplicate: the first wins */
  { "gzip, gzip;q=0", GZ, GZIP },
  { "br;q=1.001", BR, ID },          /* invalid q: element ignored, br unlisted */
  { "br;q=1.001, *", BR, BROTLI },   /* ... so only "*" can still admit it */
  { "gzip;q=0.0001", GZ, ID },       /* four decimals: ignored */
  { "gzip;q=0.001", GZ, GZIP },      /* the smallest positive q */
  { "gzip;q=1.", GZ, GZIP },         /* "1" "." 0*3("0"): no digits is fine */
  { "gzip;q=0.", GZ, ID },           /* q=0 */
  { "gzip;q=1.0", GZ, GZIP },
  { "gzip;q=2", GZ, ID },
  { "gzip;q=.5", GZ, ID },
  { "gzip;q=", GZ, ID },
  { "gzip;q=01", GZ, ID },
  { "gzip;q=-0.5", GZ, ID },
  { "gzip;q=\"0.5\"", GZ, ID },      /* no quoted qvalue in the grammar */
  { "x;p=\"a, gzip", GZ, GZIP },       /* quotes are not recognised: ',' ends "x;p=\"a" */
  { "\"a,gzip,b\"", GZ, GZIP },
  { "gzip;", GZ, ID },
  { "gzip;q", GZ, ID },
  { "gzip ; q=0.5", GZ, GZIP },      /* OWS ";" OWS */
  { "\tgzip\t;\tq=0.5\t,", GZ, GZIP },
  { "gzip;q = 0.5", GZ, ID },        /* no whitespace around '=' in the grammar */
  { "gzip;q= 0.5", GZ, ID },
  { "gzip;level=1;q=0.5", GZ, ID },  /* only a lone weight is allowed: ignored */
  { "gzip;q=0.5;level=1", GZ, ID },
  { "gzip;level=1", GZ, ID },
  { "gzip;level=1, br", BOTH, BROTLI }, /* the rest of the field stays in force */
  { "gzip;q=0.5, identity;q=0.6", GZ, ID },
  { "gzip;q=0.6, identity;q=0.5", GZ, GZIP },
  { "identity, gzip", GZ, GZIP },    /* tie: gzip beats identity */
  { "br;q=0.3, gzip;q=0.3", BOTH, BROTLI },
  { "gzip;q=0.5,br;q=0.9", BOTH, BROTLI },
  { ",,gzip,,", GZ, GZIP },
  { "gzip;q=1.0, identity; q=0.5, *;q=0", BOTH, GZIP },
  { "gzipx", GZ, ID },               /* whole names only */
  { "gz", GZ, ID },
  { "gzip br", BOTH, ID },           /* missing comma: one malformed element */
  { "\xff\xfe, gzip", GZ, GZIP },    /* garbage element skipped */
  { "gz\x01ip, br", BOTH, BROTLI },
  { "*", DS_ENC_MASK (5), ID },      /* unknown availability bits are ignored */
};

static void
describe (GString *s, const char *field)
{
  if (field == NULL)
    {
      g_string_append (s, "NULL");
      return;
    }
  g_autofree char *escaped = g_strescape (field, NULL);
  g_string_append_printf (s, "\"%s\"", escaped);
}

START_TEST (test_choose)
{
  const ChooseRow *row = &choose_rows[_i];
  g_autoptr (GString) shown = g_string_new (NULL);
  int got = choose (row->field, row->available);

  describe (shown, row->field);
  ck_assert_msg (got == row->want, "choose (%s, available 0x%x) = %d, want %d", shown->str,
                 row->available, got, row->want);
}
END_TEST

/* ---- ds_accept_encoding_qvalue ---- */

typedef struct
{
  const char *field;
  const char *coding;
  guint want;
} QRow;

static const QRow q_rows[] = {
  { NULL, "gzip", 1000 }, /* absent: everything acceptable */
  { NULL, "br", 1000 },
  { NULL, "identity", 1000 },
  { NULL, "zstd", 1000 },
  { "", "identity", 1000 },
  { "", "gzip", 0 },
  { "", "br", 0 },
  { "gzip;q=0.8", "gzip", 800 },
  { "gzip;q=0.8", "x-gzip", 800 },     /* alias as the argument too */
  { "gzip;q=0.8", "GZip", 800 },
  { "x-gzip;q=0.3", "gzip", 300 },
  { "gzip;q=0.8", "identity", 800 },   /* unlisted identity: the lowest q listed */
  { "gzip;q=0.8, br;q=0.25", "identity", 250 },
  { "gzip;q=0.8, br;q=0", "identity", 800 }, /* the lowest non-zero q */
  { "gzip;q=0", "identity", 1000 },    /* nothing positive listed */
  { "br;q=2", "identity", 1000 },      /* only a malformed element */
  { "*;q=0.4", "identity", 400 },
  { "*;q=0.4", "br", 400 },
  { "*;q=0", "identity", 0 },
  { "identity;q=0", "identity", 0 },
  { "IDENTITY;Q=0.7", "identity", 700 },
  { "deflate;q=0.123", "deflate", 123 }, /* any coding can be asked about */
  { "DEFLATE;q=0.123", "deflate", 123 },
  { "deflate", "zstd", 0 },
  { "*", "zstd", 1000 },
  { "gzip;q=1.000", "gzip", 1000 },
  { "gzip;q=1.00", "gzip", 1000 },
  { "gzip;q=0.999", "gzip", 999 },
  { "gzip;q=0.05", "gzip", 50 },
  { "gzip;q=0.5", "gzip", 500 },
  { "gzip;q=0.50", "gzip", 500 },
  { "gzip;q=1", "gzip", 1000 },
  { "gzip;q=0", "gzip", 0 },
  { "gzip;q=0.000", "gzip", 0 },
  { "gzip;q=1.001", "gzip", 0 },        /* over 1: ignored */
  { "gzip;q=1.5", "gzip", 0 },
  { "gzip;q=0.0001", "gzip", 0 },       /* four decimals: ignored */
  { "gzip;q=0.5000", "gzip", 0 },
  { "gzip, gzip;q=0.5", "gzip", 1000 },
  { "gzip;q=0.7 , br", "gzip", 700 },
};

START_TEST (test_qvalue)
{
  const QRow *row = &q_rows[_i];
  g_autoptr (GString) shown = g_string_new (NULL);
  guint got = qvalue (row->field, row->coding);

  describe (shown, row->field);
  ck_assert_msg (got == row->want, "qvalue (%s, \"%s\") = %u, want %u", shown->str, row->coding,
                 got, row->want);
}
END_TEST

/* ---- one parsed value, many questions ---- */

/* Every answer about the codings the server sends comes from the parsed
 * value alone: after ds_accept_encoding_parse, overwriting the field's bytes
 * changes none of them (so one request can ask as often as it likes and the
 * field is read once).  Run over the choose table's fields. */
START_TEST (test_parsed_once)
{
  static const char *const codings[] = { "identity", "gzip", "x-gzip", "br", "*" };
  const ChooseRow *row = &choose_rows[_i];
  g_autofree char *field = g_strdup (row->field);
  g_autoptr (GString) shown = g_string_new (NULL);
  DsAcceptEncoding ae;
  int before_choice[8];
  guint before_q[G_N_ELEMENTS (codings)];

  describe (shown, row->field);
  ds_accept_encoding_parse (field, &ae);
  for (guint avail = 0; avail < 8; avail++)
    before_choice[avail] = ds_accept_encoding_choose (&ae, avail);
  for (gsize i = 0; i < G_N_ELEMENTS (codings); i++)
    before_q[i] = ds_accept_encoding_qvalue (&ae, codings[i]);

  /* Bits above DS_ENC_BR are ignored (a row of the table says so). */
  ck_assert_msg (before_choice[row->available & 7] == row->want,
                 "%s: parsed value chose %d for 0x%x, want %d", shown->str,
                 before_choice[row->available & 7], row->available, row->want);
  if (field != NULL)
    {
      /* The opposite of most fields: "identity;q=0" excludes what they allow. */
      static const char junk[] = "identity;q=0,br;q=0.1";
      gsize len = strlen (field);
      for (gsize i = 0; i < len; i++)
        field[i] = junk[i % (sizeof junk - 1)];
    }
  for (guint avail = 0; avail < 8; avail++)
    ck_assert_msg (ds_accept_encoding_choose (&ae, avail) == before_choice[avail],
                   "%s: choice for 0x%x changed with the field's bytes", shown->str, avail);
  for (gsize i = 0; i < G_N_ELEMENTS (codings); i++)
    ck_assert_msg (ds_accept_encoding_qvalue (&ae, codings[i]) == before_q[i],
                   "%s: q(%s) changed with the field's bytes", shown->str, codings[i]);
}
END_TEST

/* ---- ds_encoding_name ---- */

START_TEST (test_name)
{
  ck_assert_ptr_null (ds_encoding_name (DS_ENC_IDENTITY));
  ck_assert_str_eq (ds_encoding_name (DS_ENC_GZIP), "gzip");
  ck_assert_str_eq (ds_encoding_name (DS_ENC_BR), "br");
}
END_TEST

/* ---- long fields ---- */

/* @n copies of @element joined by ", ", then @tail. */
static char *
long_field (const char *element, guint n, const char *tail)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s, ", element);
  g_string_append (s, tail);
  return g_string_free (s, FALSE);
}

START_TEST (test_long_field)
{
  g_autofree char *field = long_field ("deflate;q=0.5", 10000, "gzip;q=0.9, br;q=0");

  ck_assert_msg (choose (field, BOTH) == DS_ENC_GZIP,
                 "10,000 elements then gzip;q=0.9: not gzip");
  ck_assert_msg (choose (field, BR) == DS_ENC_IDENTITY,
                 "10,000 elements, br;q=0 at the end: br chosen");
  ck_assert_msg (qvalue (field, "identity") == 500,
                 "identity in 10,000 deflate;q=0.5: %u", qvalue (field, "identity"));
  ck_assert_msg (qvalue (field, "deflate") == 500, "deflate: %u",
                 qvalue (field, "deflate"));
}
END_TEST

/* 200,000 elements (3 MB) take milliseconds in one pass; anything
 * quadratic in the element count takes minutes. */
START_TEST (test_linear_time)
{
  g_autofree char *field = long_field ("deflate;q=0.5", 200000, "br");
  gint64 start = g_get_monotonic_time ();
  int got = choose (field, BOTH);
  gint64 elapsed = g_get_monotonic_time () - start;

  ck_assert_msg (got == DS_ENC_BR, "200,000 elements then br: %d", got);
  ck_assert_msg (elapsed < 2 * G_USEC_PER_SEC, "200,000 elements took %" G_GINT64_FORMAT " us",
                 elapsed);
}
END_TEST

/* ---- ds_accept_media_choose ---- */

static const char *const listing[] = { "text/html", "application/json" };
static const char *const texts[] = { "text/html", "text/plain", "application/json" };
static const char *const json_only[] = { "application/json" };

#define CHROME_ACCEPT                                                                     \
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"          \
  "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
#define FIREFOX_ACCEPT                                                                    \
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

typedef struct
{
  const char *accept; /* NULL: no Accept field */
  const char *const *types;
  guint n_types;
  int want;
} MediaRow;

#define LISTING listing, G_N_ELEMENTS (listing)
#define TEXTS texts, G_N_ELEMENTS (texts)
#define JSON_ONLY json_only, G_N_ELEMENTS (json_only)
/* Indexes into listing[]. */
#define HTML 0
#define JSON 1

static const MediaRow media_rows[] = {
  /* Absent: anything is acceptable, the first type is the default. */
  { NULL, LISTING, HTML },
  { NULL, TEXTS, 0 },
  /* Empty: nothing is acceptable. */
  { "", LISTING, NOTHING },
  { CHROME_ACCEPT, LISTING, HTML },
  { FIREFOX_ACCEPT, LISTING, HTML },
  /* curl's default: a tie, so the first. */
  { "*/*", LISTING, HTML },
  { "application/json", LISTING, JSON },
  { "application/json;q=0.5, text/html", LISTING, HTML },
  /* text/html absent; "* / *" gives it 0.1, JSON has 1. */
  { "application/json, */*;q=0.1", LISTING, JSON },
  /* Equal weights: the first. */
  { "application/json, text/html", LISTING, HTML },
  { "text/html;q=0.5, application/json;q=0.9", LISTING, JSON },
  /* Type and subtype are case-insensitive; whitespace around ';' is OWS. */
  { "Application/JSON ; q=0.9 , text/html ; q=0.8", LISTING, JSON },
  { "TEXT/HTML", LISTING, HTML },
  { "text/html ;q=0.5", LISTING, HTML },
  /* ... but not around '/': "text " is no type we have. */
  { "text / html", LISTING, NOTHING },
  /* The most specific range wins: text/html is excluded outright... */
  { "text/html;q=0, */*", LISTING, JSON },
  /* ... and so is JSON, though "* / *" would allow it. */
  { "application/json;q=0, */*", LISTING, HTML },
  { "application/json;q=0", LISTING, NOTHING },
  { "*/*;q=0, application/json;q=0.5", LISTING, JSON },
  /* application/ * covers JSON; text/ * covers HTML at the same weight. */
  { "application/*", LISTING, JSON },
  { "application/*, text/*", LISTING, HTML },
  { "text/*;q=0.3, application/json;q=0.4", LISTING, JSON },
  /* "* / json" is no media range: ignored. */
  { "*/json", LISTING, NOTHING },
  /* The same range twice (a confused sender): the higher weight counts,
   * whichever order they come in. */
  { "application/json, application/json;q=0", LISTING, JSON },
  { "application/json;q=0, application/json", LISTING, JSON },
  /* Parameters other than q do not change the weight, before it or not. */
  { "application/json;charset=utf-8", LISTING, JSON },
  { "text/html;level=1;q=0.2, application/json;q=0.1", LISTING, HTML },
  { "application/json;Q=0.5, text/html;q=0.4", LISTING, JSON },
  /* Parameters after q are accept-ext: ignored. */
  { "application/json;q=0.9;foo=bar, text/html;q=0.8", LISTING, JSON },
  /* A malformed weight drops that element only. */
  { "application/json;q=2", LISTING, NOTHING },
  { "application/json;q=1.5, text/plain", LISTING, NOTHING },
  { "application/json;q=0.5x, application/json;q=0.4", LISTING, JSON },
  { "application/json;q=0.0001", LISTING, NOTHING },
  /* Every comma splits, inside quotes too: JSON's element ends at "a and
   * keeps weight 1; b";q=0.1 is junk. */
  { "application/json;x=\"a,b\";q=0.1, text/html;q=0.5", LISTING, JSON },
  /* Junk elements around a real one. */
  { ",,garbage, /json, application/, application/json", LISTING, JSON },
  /* Not JSON: a different subtype, and a suffix type. */
  { "application/jsonx", LISTING, NOTHING },
  { "application/ld+json", LISTING, NOTHING },
  /* Three candidates: ties go to the earliest, whatever the field's order. */
  { "text/*", TEXTS, 0 },
  { "text/plain, text/html;q=0.9", TEXTS, 1 },
  { "text/plain, application/json", TEXTS, 1 },
  { "application/json, text/plain", TEXTS, 1 },
  { "*/*;q=0.1, application/json;q=0.2", TEXTS, 2 },
  { "text/plain;q=0, */*", TEXTS, 0 },
  { "image/png", TEXTS, NOTHING },
  /* One candidate: chosen exactly when its weight is above 0. */
  { "application/json;q=0.001", JSON_ONLY, 0 },
  { "*/*;q=0", JSON_ONLY, NOTHING },
  { "text/html", JSON_ONLY, NOTHING },
};

START_TEST (test_media)
{
  const MediaRow *row = &media_rows[_i];
  g_autoptr (GString) shown = g_string_new (NULL);
  int got = ds_accept_media_choose (row->accept, row->types, row->n_types);

  describe (shown, row->accept);
  ck_assert_msg (got == row->want, "media choose (%s, %s and %u more) = %d, want %d", shown->str,
                 row->types[0], row->n_types - 1, got, row->want);
}
END_TEST

/* One pass however long the field: 200,000 elements take milliseconds. */
START_TEST (test_media_linear_time)
{
  g_autofree char *field = long_field ("text/html;q=0.5", 200000, "application/json");
  gint64 start = g_get_monotonic_time ();
  int got = ds_accept_media_choose (field, listing, G_N_ELEMENTS (listing));
  gint64 elapsed = g_get_monotonic_time () - start;

  ck_assert_msg (got == JSON, "200,000 elements then application/json: %d", got);
  ck_assert_msg (elapsed < 2 * G_USEC_PER_SEC, "200,000 elements took %" G_GINT64_FORMAT " us",
                 elapsed);
}
END_TEST

static Suite *
negotiate_suite (void)
{
  Suite *s = suite_create ("negotiate");
  TCase *tc;

  tc = tcase_create ("choose");
  tcase_add_loop_test (tc, test_choose, 0, G_N_ELEMENTS (choose_rows));
  tcase_add_loop_test (tc, test_parsed_once, 0, G_N_ELEMENTS (choose_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("qvalue");
  tcase_add_loop_test (tc, test_qvalue, 0, G_N_ELEMENTS (q_rows));
  tcase_add_test (tc, test_name);
  suite_add_tcase (s, tc);

  tc = tcase_create ("media");
  tcase_add_loop_test (tc, test_media, 0, G_N_ELEMENTS (media_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("long");
  tcase_add_test (tc, test_long_field);
  tcase_add_test (tc, test_linear_time);
  tcase_add_test (tc, test_media_linear_time);
  tcase_set_timeout (tc, 30);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (negotiate_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
