/* check_extract.c: the searchable text of documents (extract.c): kinds by
 * name, the binary sniff, gzip with its bound, HTML, plain text and manual
 * pages, and the whole chain. */
#include "config.h"

#include "docserve/extract.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char *
show (const char *s)
{
  return s != NULL ? g_strescape (s, NULL) : g_strdup ("(null)");
}

/* @len bytes of @data as one gzip member; caller frees. */
static GByteArray *
gzip_of (const char *data, gsize len)
{
  z_stream z = { 0 };
  GByteArray *out = g_byte_array_new ();
  guint8 buf[4096];

  ck_assert_int_eq (deflateInit2 (&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) len;
  int rc;
  do
    {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      rc = deflate (&z, Z_FINISH);
      g_byte_array_append (out, buf, (guint) (sizeof buf - z.avail_out));
    }
  while (rc == Z_OK);
  ck_assert_int_eq (rc, Z_STREAM_END);
  deflateEnd (&z);
  return out;
}

/* ---- by name -------------------------------------------------------------- */

typedef struct
{
  const char *name;
  DsDocKind kind;
  gboolean gzip;
} NameRow;

static const NameRow name_rows[] = {
  { "index.html", DS_DOC_HTML, FALSE },
  { "a/b/Page.HTM", DS_DOC_HTML, FALSE },
  { "x.xhtml.gz", DS_DOC_HTML, TRUE },
  { "README", DS_DOC_TEXT, FALSE },
  { "changelog.Debian.gz", DS_DOC_TEXT, TRUE },
  { "NEWS.md", DS_DOC_TEXT, FALSE },
  { "copyright", DS_DOC_TEXT, FALSE },
  { ".hidden", DS_DOC_TEXT, FALSE }, /* a leading dot is no extension */
  { "ls.1", DS_DOC_MAN, FALSE },
  { "ls.1.gz", DS_DOC_MAN, TRUE },
  { "SSL_read.3ssl.gz", DS_DOC_MAN, TRUE },
  { "perlfunc.1p", DS_DOC_MAN, FALSE },
  { "version.0", DS_DOC_TEXT, FALSE },      /* no section 0 */
  { "lib.so.1234567", DS_DOC_TEXT, FALSE }, /* too long for a section */
  { "logo.png", DS_DOC_SKIP, FALSE },
  { "searchindex.js", DS_DOC_SKIP, FALSE },
  { "style.CSS", DS_DOC_SKIP, FALSE },
  { "manual.pdf.gz", DS_DOC_SKIP, TRUE },
  { "changelog.bz2", DS_DOC_SKIP, FALSE },
  { "data.tar.gz", DS_DOC_SKIP, TRUE },
  { "x.gz", DS_DOC_TEXT, TRUE },
  { ".gz", DS_DOC_TEXT, FALSE }, /* nothing before the suffix: a dotfile name */
};

START_TEST (test_kind_for_name)
{
  const NameRow *r = &name_rows[_i];
  gboolean gzip = !r->gzip;
  DsDocKind kind = ds_extract_kind_for_name (r->name, &gzip);

  ck_assert_msg (kind == r->kind && gzip == r->gzip, "%s: kind %d gzip %d, want %d %d", r->name,
                 kind, gzip, r->kind, r->gzip);
}
END_TEST

/* ---- sniffing ------------------------------------------------------------- */

typedef struct
{
  const char *data;
  gsize len;
  gboolean binary;
} SniffRow;

static const SniffRow sniff_rows[] = {
  { "", 0, FALSE },
  { "plain text\n", 11, FALSE },
  { "caf\xe9 Latin-1\n", 13, FALSE },
  { "ansi \x1b[1mbold\x1b[0m\r\n\f", 20, FALSE },
  { "nul\0here", 8, TRUE },
  { "\x89PNG\r\n\x1a\n", 8, TRUE }, /* one control byte in eight */
  { "\x01\x02\x03\x04", 4, TRUE },
};

START_TEST (test_sniff)
{
  const SniffRow *r = &sniff_rows[_i];
  g_autofree char *in = show (r->data);

  ck_assert_msg (ds_extract_looks_binary ((const guint8 *) r->data, r->len) == r->binary,
                 "\"%s\": want binary=%d", in, r->binary);
}
END_TEST

START_TEST (test_sniff_ratio)
{
  /* 1 % of controls passes, more does not. */
  g_autofree guint8 *buf = g_malloc (1000);
  memset (buf, 'a', 1000);
  for (int i = 0; i < 10; i++)
    buf[i * 100] = 0x01;
  ck_assert (!ds_extract_looks_binary (buf, 1000));
  buf[55] = 0x02;
  ck_assert (ds_extract_looks_binary (buf, 1000));
}
END_TEST

/* ---- gzip ------------------------------------------------------------------ */

START_TEST (test_gunzip)
{
  const char *text = "a gzipped changelog entry\n";
  g_autoptr (GByteArray) gz = gzip_of (text, strlen (text));
  g_autoptr (GBytes) out = ds_extract_gunzip (gz->data, gz->len, 1024);
  gsize n = 0;
  const char *p = out != NULL ? g_bytes_get_data (out, &n) : NULL;

  ck_assert (p != NULL && n == strlen (text) && memcmp (p, text, n) == 0);
  ck_assert (ds_extract_gunzip ((const guint8 *) "plain", 5, 1024) == NULL);
  ck_assert (ds_extract_gunzip (gz->data, 1, 1024) == NULL);
}
END_TEST

START_TEST (test_gunzip_bound)
{
  /* A bomb: 4 MiB of zeros inflate to the bound and no further. */
  gsize big = 4 * 1024 * 1024;
  g_autofree char *zeros = g_malloc0 (big);
  g_autoptr (GByteArray) gz = gzip_of (zeros, big);
  ck_assert_uint_lt (gz->len, 64 * 1024);
  g_autoptr (GBytes) out = ds_extract_gunzip (gz->data, gz->len, 100000);
  ck_assert (out != NULL);
  ck_assert_uint_eq (g_bytes_get_size (out), 100000);
}
END_TEST

START_TEST (test_gunzip_members_and_truncation)
{
  g_autoptr (GByteArray) a = gzip_of ("first ", 6);
  g_autoptr (GByteArray) b = gzip_of ("second", 6);
  g_autoptr (GByteArray) both = g_byte_array_new ();
  g_byte_array_append (both, a->data, a->len);
  g_byte_array_append (both, b->data, b->len);
  g_autoptr (GBytes) out = ds_extract_gunzip (both->data, both->len, 1024);
  ck_assert (out != NULL && g_bytes_get_size (out) == 12
             && memcmp (g_bytes_get_data (out, NULL), "first second", 12) == 0);

  /* Cut short: what came out before the cut. */
  g_autoptr (GString) text = g_string_new (NULL);
  for (int i = 0; i < 2000; i++)
    g_string_append_printf (text, "line %d of a long file\n", i);
  g_autoptr (GByteArray) gz = gzip_of (text->str, text->len);
  g_autoptr (GBytes) part = ds_extract_gunzip (gz->data, gz->len / 2, G_MAXSIZE);
  ck_assert (part != NULL);
  gsize n = g_bytes_get_size (part);
  ck_assert (n > 0 && n < text->len && memcmp (g_bytes_get_data (part, NULL), text->str, n) == 0);
}
END_TEST

/* ---- HTML -------------------------------------------------------------------- */

typedef struct
{
  const char *html;
  const char *title;
  const char *body;
} HtmlRow;

static const HtmlRow html_rows[] = {
  { "<html><head><title>The  Title</title></head><body><p>Hello <b>wor</b>ld</p></body></html>",
    "The Title", "Hello world" },
  { "<h1>Heading &amp; more</h1><p>text</p>", "Heading & more", "Heading & more text" },
  { "<h2>First</h2><h1>Second</h1>", "First", "First Second" },
  /* Script, style, template and comments give nothing. */
  { "<p>a</p><script>var secret = '<p>x</p>';</script><style>p{}</style>"
    "<template>tpl</template><!-- hidden -->b",
    NULL, "a b" },
  { "<SCRIPT type=\"x\">hidden</ScRiPt>shown", NULL, "shown" },
  { "<script>never closed", NULL, "" },
  /* Quoted attribute values may hold '>'. */
  { "<a href=\"x>y\" title='>'>link</a>", NULL, "link" },
  /* References. */
  { "&lt;tag&gt; &quot;q&quot; &#65;&#x42;&#X43; &copy; &bogus; & &amp", NULL,
    "<tag> \"q\" ABC \xc2\xa9 &bogus; & &amp" },
  { "&#0; &#xD800; &#x110000; &#99999999999999;", NULL,
    "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd" },
  /* A lone '<' is text; "<3" too. */
  { "a < b <3", NULL, "a < b <3" },
  /* Controls, NUL and the snippet marker bytes become spaces. */
  { "a\001b\002c", NULL, "a b c" },
  { "<title>t\nx</title>  lots \n\n of   space  ", "t x", "lots of space" },
  /* Invalid UTF-8 becomes U+FFFD. */
  { "caf\xe9", NULL, "caf\xef\xbf\xbd" },
  { "<title></title><h1> </h1>", NULL, "" },
  { "<!doctype html><?xml x?><br/>x", NULL, "x" },
};

START_TEST (test_html)
{
  const HtmlRow *r = &html_rows[_i];
  char *title = NULL, *body = NULL;

  ds_extract_html (r->html, strlen (r->html), DS_EXTRACT_MAX_TEXT, &title, &body);
  g_autofree char *st = show (title), *sb = show (body), *in = show (r->html);
  ck_assert_msg (g_strcmp0 (title, r->title) == 0, "%s: title %s", in, st);
  ck_assert_msg (body != NULL && strcmp (body, r->body) == 0, "%s: body \"%s\"", in, sb);
  g_free (title);
  g_free (body);
}
END_TEST

START_TEST (test_html_bounds)
{
  g_autoptr (GString) in = g_string_new ("<title>");
  for (int i = 0; i < 500; i++)
    g_string_append (in, "\xc3\xa9");
  g_string_append (in, "</title>");
  for (int i = 0; i < 1000; i++)
    g_string_append (in, "\xc3\xa9t\xc3\xa9 ");
  char *title = NULL, *body = NULL;

  ds_extract_html (in->str, in->len, 101, &title, &body);
  ck_assert_int_eq (g_utf8_strlen (title, -1), DS_EXTRACT_MAX_TITLE_CHARS);

  /* Found by fuzz_extract: spaces count as characters of a title too. */
  g_autoptr (GString) spaced = g_string_new ("<title>");
  for (int i = 0; i < 300; i++)
    g_string_append (spaced, "w\n");
  g_string_append (spaced, "</title>");
  char *title2 = NULL, *body2 = NULL;
  ds_extract_html (spaced->str, spaced->len, 101, &title2, &body2);
  ck_assert_int_eq (g_utf8_strlen (title2, -1), DS_EXTRACT_MAX_TITLE_CHARS - 1);
  ck_assert (g_str_has_suffix (title2, "w w"));
  g_free (title2);
  g_free (body2);
  /* Cut at a character boundary at or below the bound. */
  ck_assert (strlen (body) <= 101 && strlen (body) >= 95 && g_utf8_validate (body, -1, NULL));
  g_free (title);
  g_free (body);
}
END_TEST

/* ---- plain text --------------------------------------------------------------- */

START_TEST (test_text)
{
  static const char md[] = "Intro line\n\n# The Title\n\nSome *text*.\n## Sub\n";
  char *title = NULL, *body = NULL;

  ds_extract_text (md, strlen (md), DS_EXTRACT_MAX_TEXT, &title, &body);
  ck_assert_str_eq (title, "The Title");
  ck_assert_str_eq (body, "Intro line # The Title Some *text*. ## Sub");
  g_free (title);
  g_free (body);

  ds_extract_text ("no\0title\x01here", 13, 8, &title, &body);
  ck_assert (title == NULL);
  ck_assert_str_eq (body, "no title");
  g_free (body);
}
END_TEST

/* ---- manual pages ------------------------------------------------------------- */

static const char man_page[] =
  ".\\\" a comment\n"
  ".TH LS 1 \"2024\" \"coreutils\"\n"
  ".de XX\n"
  "defined macro body\n"
  "..\n"
  ".SH NAME\n"
  "ls \\- list directory contents\n"
  ".SH SYNOPSIS\n"
  ".B ls\n"
  "[\\fIOPTION\\fR]... [\\fIFILE\\fR]...\n"
  ".SH DESCRIPTION\n"
  ".PP\n"
  "List information about the FILEs \\(em the current directory by default.\n"
  ".TP\n"
  ".BR \\-a \", \" \\-\\-all\n"
  "do not ignore entries starting with .\n"
  ".sp 2\n"
  "\\(lqquoted\\(rq \\e backslash \\s-1small\\s0 \\*(Tm\n";

START_TEST (test_man)
{
  char *title = NULL, *body = NULL;

  ck_assert (ds_extract_man (man_page, strlen (man_page), DS_EXTRACT_MAX_TEXT, &title, &body));
  ck_assert_str_eq (title, "ls(1) \xe2\x80\x94 list directory contents");
  ck_assert_msg (strstr (body, "NAME ls - list directory contents SYNOPSIS ls [OPTION]... [FILE]...")
                   != NULL,
                 "%s", body);
  ck_assert_msg (strstr (body, "FILEs \xe2\x80\x94 the current") != NULL, "%s", body);
  ck_assert_msg (strstr (body, "-a, --all do not ignore") != NULL, "%s", body);
  ck_assert_msg (strstr (body, "\xe2\x80\x9cquoted\xe2\x80\x9d \\ backslash small") != NULL,
                 "%s", body);
  ck_assert_msg (strstr (body, "comment") == NULL && strstr (body, "defined") == NULL
                   && strstr (body, "coreutils") == NULL && strstr (body, "2024") == NULL,
                 "%s", body);
  g_free (title);
  g_free (body);
}
END_TEST

/* Found by fuzz_extract: a two-character escape name ending inside a
 * multibyte character left the rest of the line read from its middle. */
START_TEST (test_man_escape_utf8)
{
  static const char page[] = ".TH X 1\n\\(e\xc3\xa9\xc3\xa9 tail \\(\xe2\x80\x94\xe2\x80\x94 end\n";
  char *title = NULL, *body = NULL;

  ck_assert (ds_extract_man (page, strlen (page), DS_EXTRACT_MAX_TEXT, &title, &body));
  ck_assert_msg (g_utf8_validate (body, -1, NULL), "%s", body);
  ck_assert_msg (strstr (body, "\xc3\xa9 tail") != NULL && strstr (body, "end") != NULL, "%s", body);
  g_free (title);
  g_free (body);
}
END_TEST

START_TEST (test_man_mdoc_and_so)
{
  static const char mdoc[] = ".Dd May 1, 2020\n.Dt TOUCH 1\n.Os\n.Sh NAME\n.Nm touch\n"
                             ".Nd change file access and modification times\n"
                             ".Sh DESCRIPTION\nThe\n.Nm\nutility sets times.\n";
  char *title = NULL, *body = NULL;

  ck_assert (ds_extract_man (mdoc, strlen (mdoc), DS_EXTRACT_MAX_TEXT, &title, &body));
  ck_assert_str_eq (title, "touch(1) \xe2\x80\x94 change file access and modification times");
  ck_assert_msg (strstr (body, "utility sets times") != NULL, "%s", body);
  g_free (title);
  g_free (body);

  static const char so[] = ".so man1/other.1\n";
  ck_assert (!ds_extract_man (so, strlen (so), DS_EXTRACT_MAX_TEXT, &title, &body));
  ck_assert (title == NULL && body == NULL);
}
END_TEST

/* Seen in gnutls-cli-debug(1) (autogen's pages): a macro defined with .de1
 * and fonts named by strings, "\\f\\*[B-Font]": neither is text. */
START_TEST (test_man_autogen)
{
  static const char page[] = ".de1 NOP\n.  it 1 an-trap\n.  if \\n[.$] \\,\\$*\\/\n..\n"
                             ".ds B-Font B\n.TH gnutls-cli-debug 1\n.SH NAME\n"
                             "\\f\\*[B-Font]gnutls-cli-debug\\fP\n\\- GnuTLS debug client\n"
                             ".SH SYNOPSIS\n[\\f\\*[B-Font]\\-flags\\f[]] [\\f\\n(.Bvalue\\f[]]\n";
  char *title = NULL, *body = NULL;

  ck_assert (ds_extract_man (page, strlen (page), DS_EXTRACT_MAX_TEXT, &title, &body));
  ck_assert_str_eq (title, "gnutls-cli-debug(1) \xe2\x80\x94 GnuTLS debug client");
  ck_assert_str_eq (body, "NAME gnutls-cli-debug - GnuTLS debug client SYNOPSIS [-flags] [value]");
  g_free (title);
  g_free (body);
}
END_TEST

/* ---- the whole chain --------------------------------------------------------- */

START_TEST (test_document)
{
  DsExtracted doc;
  const char *log = "pkg (1.0-1) unstable; urgency=low\n\n  * Fix the frobnicator.\n";
  g_autoptr (GByteArray) gz = gzip_of (log, strlen (log));

  ck_assert (ds_extract_document ("changelog.Debian.gz", gz->data, gz->len, &doc));
  ck_assert_int_eq (doc.kind, DS_DOC_TEXT);
  ck_assert (doc.title == NULL);
  ck_assert_msg (strstr (doc.body, "frobnicator") != NULL, "%s", doc.body);
  ds_extracted_clear (&doc);

  /* A .gz that is not gzip, a binary, an asset: not indexed. */
  ck_assert (!ds_extract_document ("x.gz", (const guint8 *) "plain", 5, &doc));
  ck_assert (!ds_extract_document ("blob", (const guint8 *) "a\0b", 3, &doc));
  ck_assert (!ds_extract_document ("app.js", (const guint8 *) "var x;", 6, &doc));
  ck_assert (doc.title == NULL && doc.body == NULL);

  g_autoptr (GByteArray) mgz = gzip_of (man_page, strlen (man_page));
  ck_assert (ds_extract_document ("ls.1.gz", mgz->data, mgz->len, &doc));
  ck_assert_int_eq (doc.kind, DS_DOC_MAN);
  ck_assert_str_eq (doc.title, "ls(1) \xe2\x80\x94 list directory contents");
  ds_extracted_clear (&doc);

  /* Extension-less roff is a manual page; a ".1" of plain text is text. */
  ck_assert (ds_extract_document ("page", (const guint8 *) man_page, strlen (man_page), &doc));
  ck_assert_int_eq (doc.kind, DS_DOC_MAN);
  ds_extracted_clear (&doc);
  ck_assert (ds_extract_document ("notes.1", (const guint8 *) "just text", 9, &doc));
  ck_assert_int_eq (doc.kind, DS_DOC_TEXT);
  ds_extracted_clear (&doc);

  const char *html = "<title>T</title><p>body word</p>";
  ck_assert (ds_extract_document ("a.html", (const guint8 *) html, strlen (html), &doc));
  ck_assert_int_eq (doc.kind, DS_DOC_HTML);
  ck_assert_str_eq (doc.title, "T");
  ck_assert_str_eq (doc.body, "body word");
  ck_assert_str_eq (ds_extract_kind_name (doc.kind), "html");
  ds_extracted_clear (&doc);
}
END_TEST

static Suite *
extract_suite (void)
{
  Suite *s = suite_create ("extract");
  TCase *tc;

  tc = tcase_create ("name");
  tcase_add_loop_test (tc, test_kind_for_name, 0, G_N_ELEMENTS (name_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("sniff");
  tcase_add_loop_test (tc, test_sniff, 0, G_N_ELEMENTS (sniff_rows));
  tcase_add_test (tc, test_sniff_ratio);
  suite_add_tcase (s, tc);

  tc = tcase_create ("gzip");
  tcase_add_test (tc, test_gunzip);
  tcase_add_test (tc, test_gunzip_bound);
  tcase_add_test (tc, test_gunzip_members_and_truncation);
  suite_add_tcase (s, tc);

  tc = tcase_create ("html");
  tcase_add_loop_test (tc, test_html, 0, G_N_ELEMENTS (html_rows));
  tcase_add_test (tc, test_html_bounds);
  suite_add_tcase (s, tc);

  tc = tcase_create ("text");
  tcase_add_test (tc, test_text);
  tcase_add_test (tc, test_man);
  tcase_add_test (tc, test_man_mdoc_and_so);
  tcase_add_test (tc, test_man_autogen);
  tcase_add_test (tc, test_man_escape_utf8);
  tcase_add_test (tc, test_document);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (extract_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
