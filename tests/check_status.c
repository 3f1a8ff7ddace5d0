/* check_status.c: reason phrases (RFC 9110 §15, RFC 6585) and status pages. */
#include "config.h"

#include "docserve/status.h"

#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  unsigned int code;
  const char *reason;
} ReasonRow;

/* Typed from RFC 9110 §15 and RFC 6585, independently of status.c. */
static const ReasonRow reason_rows[] = {
  { 100, "Continue" },
  { 101, "Switching Protocols" },
  { 200, "OK" },
  { 201, "Created" },
  { 202, "Accepted" },
  { 203, "Non-Authoritative Information" },
  { 204, "No Content" },
  { 205, "Reset Content" },
  { 206, "Partial Content" },
  { 300, "Multiple Choices" },
  { 301, "Moved Permanently" },
  { 302, "Found" },
  { 303, "See Other" },
  { 304, "Not Modified" },
  { 305, "Use Proxy" },
  { 306, "Unknown" }, /* RFC 9110 §15.4.8: "(Unused)", reserved */
  { 307, "Temporary Redirect" },
  { 308, "Permanent Redirect" },
  { 400, "Bad Request" },
  { 401, "Unauthorized" },
  { 402, "Payment Required" },
  { 403, "Forbidden" },
  { 404, "Not Found" },
  { 405, "Method Not Allowed" },
  { 406, "Not Acceptable" },
  { 407, "Proxy Authentication Required" },
  { 408, "Request Timeout" },
  { 409, "Conflict" },
  { 410, "Gone" },
  { 411, "Length Required" },
  { 412, "Precondition Failed" },
  { 413, "Content Too Large" },     /* RFC 9110 name; RFC 7231 said "Payload Too Large" */
  { 414, "URI Too Long" },
  { 415, "Unsupported Media Type" },
  { 416, "Range Not Satisfiable" },
  { 417, "Expectation Failed" },
  { 418, "Unknown" },               /* RFC 9110 §15.5.19: "(Unused)", reserved */
  { 421, "Misdirected Request" },
  { 422, "Unprocessable Content" }, /* RFC 9110 name; WebDAV said "Unprocessable Entity" */
  { 426, "Upgrade Required" },
  { 429, "Too Many Requests" },     /* RFC 6585 §4 */
  { 431, "Request Header Fields Too Large" }, /* RFC 6585 §5 */
  { 500, "Internal Server Error" },
  { 501, "Not Implemented" },
  { 502, "Bad Gateway" },
  { 503, "Service Unavailable" },
  { 504, "Gateway Timeout" },
  { 505, "HTTP Version Not Supported" },
  { 0, "Unknown" },
  { 1, "Unknown" },
  { 99, "Unknown" },
  { 102, "Unknown" },               /* WebDAV Processing: not RFC 9110 */
  { 103, "Unknown" },               /* Early Hints (RFC 8297): not RFC 9110 */
  { 207, "Unknown" },
  { 309, "Unknown" },
  { 419, "Unknown" },
  { 451, "Unknown" },               /* RFC 7725, not in the required set */
  { 506, "Unknown" },
  { 599, "Unknown" },
  { 600, "Unknown" },
  { 999, "Unknown" },
  { 1404, "Unknown" },              /* must not match 404 by truncation */
  { UINT_MAX, "Unknown" },
};

START_TEST (test_reason)
{
  const ReasonRow *row = &reason_rows[_i];
  const char *got = ds_status_reason (row->code);

  ck_assert_msg (got != NULL, "ds_status_reason (%u) = NULL", row->code);
  ck_assert_msg (strcmp (got, row->reason) == 0, "ds_status_reason (%u) = \"%s\", want \"%s\"",
                 row->code, got, row->reason);
}
END_TEST

/* Counts non-overlapping occurrences of @needle in @haystack. */
static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + strlen (needle), needle))
    n++;
  return n;
}

/* Structure every page has, for every code in the table above. */
START_TEST (test_page_shape)
{
  const ReasonRow *row = &reason_rows[_i];
  gsize len = 0;
  g_autofree char *page = ds_status_page (row->code, &len);
  g_autofree char *title = g_strdup_printf ("<title>%u %s</title>\n", row->code, row->reason);
  g_autofree char *h1 = g_strdup_printf ("<h1>%u %s</h1>\n", row->code, row->reason);
  static const char *const elements[] = { "html", "head", "title", "style", "body",
                                          "main", "h1",   "p",     "footer" };

  ck_assert_msg (page != NULL, "ds_status_page (%u) = NULL", row->code);
  ck_assert_msg (len == strlen (page), "%u: out_len %zu, strlen %zu", row->code, (size_t) len,
                 strlen (page));
  ck_assert_msg (g_utf8_validate (page, (gssize) len, NULL), "%u: page is not UTF-8", row->code);
  ck_assert_msg (g_str_has_prefix (page, "<!DOCTYPE html>\n<html lang=\"en\">\n"),
                 "%u: page starts \"%.40s\"", row->code, page);
  ck_assert_msg (g_str_has_suffix (page, "</body>\n</html>\n"), "%u: page ends badly", row->code);
  ck_assert_msg (strstr (page, "<meta charset=\"utf-8\">") != NULL, "%u: no meta charset",
                 row->code);
  ck_assert_msg (strstr (page, "<meta name=\"viewport\"") != NULL, "%u: no viewport", row->code);
  ck_assert_msg (strstr (page, title) != NULL, "%u: no %s", row->code, title);
  ck_assert_msg (strstr (page, h1) != NULL, "%u: no %s", row->code, h1);
  ck_assert_msg (strchr (page, '%') == NULL, "%u: format leftover in page", row->code);
  ck_assert_msg (strstr (page, "<footer>docserve</footer>") != NULL, "%u: no footer", row->code);
  /* The footer names the software, never its version. */
  ck_assert_msg (strstr (page, "docserve/") == NULL, "%u: page has a version", row->code);
#ifdef PACKAGE_VERSION
  ck_assert_msg (strstr (page, PACKAGE_VERSION) == NULL, "%u: page has the version", row->code);
#endif
  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      g_autofree char *open1 = g_strdup_printf ("<%s>", elements[i]);
      g_autofree char *open2 = g_strdup_printf ("<%s ", elements[i]);
      g_autofree char *close = g_strdup_printf ("</%s>", elements[i]);
      guint opens = count (page, open1) + count (page, open2);

      ck_assert_msg (opens == 1 && count (page, close) == 1,
                     "%u: <%s> opened %u times, closed %u times", row->code, elements[i], opens,
                     count (page, close));
    }
  /* Nothing in the text parts needs escaping: body text between <p> and </p>
   * and the reason phrase are free of markup characters. */
  const char *p = strstr (page, "<p>") + 3;
  const char *end = strstr (p, "</p>");
  ck_assert_msg (end > p, "%u: empty sentence", row->code);
  for (const char *c = p; c < end; c++)
    ck_assert_msg (strchr ("<>&\"'", *c) == NULL && (guchar) *c >= 0x20 && (guchar) *c < 0x7f,
                   "%u: sentence has byte 0x%02x", row->code, (guchar) *c);
  for (const char *c = row->reason; *c != '\0'; c++)
    ck_assert_msg (strchr ("<>&\"'", *c) == NULL, "%u: reason has '%c'", row->code, *c);
}
END_TEST

typedef struct
{
  unsigned int code;
  const char *sentence;
} SentenceRow;

static const SentenceRow sentence_rows[] = {
  { 400, "The request could not be understood." },
  { 403, "You do not have permission to access this resource." },
  { 404, "The requested resource was not found on this server." },
  { 405, "The request method is not supported for this resource." },
  { 408, "The server timed out waiting for the request." },
  { 412, "A precondition given in the request was not met." },
  { 414, "The request target is longer than the server will interpret." },
  { 416, "The requested range cannot be served for this resource." },
  { 431, "The request header fields are too large." },
  { 500, "The server encountered an internal error." },
  { 501, "The server does not support the functionality the request needs." },
  { 503, "The server is temporarily unable to handle the request." },
  { 401, "The request could not be completed." },      /* generic 4xx */
  { 418, "The request could not be completed." },      /* unknown, still 4xx */
  { 499, "The request could not be completed." },      /* class boundary */
  { 502, "The server could not complete the request." }, /* generic 5xx */
  { 599, "The server could not complete the request." },
  { 200, "No further information is available." },     /* pages for non-errors too */
  { 301, "No further information is available." },
  { 600, "No further information is available." },     /* class boundary */
  { 999, "No further information is available." },
  { 0, "No further information is available." },
};

START_TEST (test_page_sentence)
{
  const SentenceRow *row = &sentence_rows[_i];
  g_autofree char *page = ds_status_page (row->code, NULL); /* out_len may be NULL */
  g_autofree char *want = g_strdup_printf ("<p>%s</p>\n", row->sentence);

  ck_assert_msg (strstr (page, want) != NULL, "%u: page lacks \"%s\":\n%s", row->code, want, page);
}
END_TEST

/* The whole 404 page, so that a change to the markup is a visible diff. */
START_TEST (test_page_404_exact)
{
  gsize len = 0;
  g_autofree char *page = ds_status_page (404, &len);
  static const char want[]
      = "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        "<title>404 Not Found</title>\n"
        "<style>\n"
        ":root{--fg:#222;--bg:#fff;--muted:#666;--link:#0645ad;--rule:#ccc;--faint:#eee}\n"
        "@media (prefers-color-scheme:dark){:root{--fg:#ddd;--bg:#181818;--muted:#999;"
        "--link:#8ab4f8;--rule:#555;--faint:#2c2c2c}}\n"
        "body{margin:0;padding:1.5em 1em;line-height:1.5;"
        "font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
        "color:var(--fg);background:var(--bg)}\n"
        "nav,main,footer{max-width:60rem;margin:0 auto}\n"
        "h1{font-size:1.4em;font-weight:600;margin:0 0 1em;overflow-wrap:anywhere}\n"
        "a{color:var(--link);text-decoration:none}\n"
        "a:hover,a:focus{text-decoration:underline}\n"
        "nav{margin-bottom:.75em;font-size:.9em;color:var(--muted);overflow-wrap:anywhere}\n"
        "nav ol{margin:0;padding:0;list-style:none}\n"
        "nav li{display:inline}\n"
        "nav li+li::before{content:\"/\";margin:0 .4em}\n"
        "footer{margin-top:2em;font-size:.85em;color:var(--muted)}\n"
        "body{padding-top:4em;text-align:center}\n"
        "main,footer{max-width:36rem}\n"
        "h1{font-size:1.75em;margin-bottom:.5em}\n"
        "footer{margin-top:3em}\n"
        "</style>\n"
        "</head>\n"
        "<body>\n"
        "<main>\n"
        "<h1>404 Not Found</h1>\n"
        "<p>The requested resource was not found on this server.</p>\n"
        "</main>\n"
        "<footer>docserve</footer>\n"
        "</body>\n"
        "</html>\n";

  ck_assert_msg (strcmp (page, want) == 0, "404 page differs:\n%s", page);
  ck_assert_msg (len == sizeof want - 1, "404 page length %zu, want %zu", (size_t) len,
                 sizeof want - 1);
}
END_TEST

static Suite *
status_suite (void)
{
  Suite *s = suite_create ("status");
  TCase *tc;

  tc = tcase_create ("reason");
  tcase_add_loop_test (tc, test_reason, 0, G_N_ELEMENTS (reason_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("page");
  tcase_add_loop_test (tc, test_page_shape, 0, G_N_ELEMENTS (reason_rows));
  tcase_add_loop_test (tc, test_page_sentence, 0, G_N_ELEMENTS (sentence_rows));
  tcase_add_test (tc, test_page_404_exact);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (status_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
