/* check_accesslog.c: tests for accesslog.c.
 *
 * Formatting: one base record (Apache's documentation example) varied one
 * field at a time and compared against the exact expected line in every
 * format; a table of timestamps and offsets; the months under a non-C
 * locale.  Writer: rotation with reopen, a failed reopen, csv headers, stdout,
 * 8 threads x 2000 lines without interleaving, a failing fd reported once,
 * and a short write continued under RLIMIT_FSIZE. */
#include "config.h"

#include "docserve/accesslog.h"

#include "docserve/common.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

/* 2000-10-10T20:55:36.123456Z, shown at -07:00 as in Apache's docs. */
#define T_APACHE G_GINT64_CONSTANT (971211336123456)

static DsLogRecord
base_record (void)
{
  DsLogRecord rec = {
    .client_addr = "192.0.2.1",
    .client_port = 51234,
    .time_us = T_APACHE,
    .utc_offset_s = -7 * 3600,
    .method = "GET",
    .target = "/apache_pb.gif",
    .version = "HTTP/1.0",
    .status = 200,
    .bytes = 2326,
    .referer = "http://example.com/start.html",
    .user_agent = "Mozilla/4.08",
    .duration_us = 1500,
    .encoding = NULL,
  };
  return rec;
}

/* Printable form of a possibly binary string for failure messages. */
static char *
show (const char *s)
{
  return s == NULL ? g_strdup ("(null)") : g_strescape (s, NULL);
}

static char *
make_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("check_accesslog-XXXXXX", &error);

  ck_assert_msg (dir != NULL, "g_dir_make_tmp: %s", error ? error->message : "?");
  return dir;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
      (void) rmdir (path);
    }
  else
    (void) unlink (path);
}

static char *
read_file (const char *path)
{
  char *contents = NULL;
  GError *error = NULL;

  ck_assert_msg (g_file_get_contents (path, &contents, NULL, &error),
                 "read %s: %s", path, error ? error->message : "?");
  return contents;
}

static guint
count_lines (const char *s)
{
  guint n = 0;

  for (; *s != '\0'; s++)
    if (*s == '\n')
      n++;
  return n;
}

/* Redirects @target_fd (1 or 2) into a new file; returns the saved fd. */
static int
redirect_fd (int target_fd, const char *path)
{
  int saved = dup (target_fd);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  ck_assert_msg (saved >= 0 && fd >= 0, "redirect %d to %s: %s", target_fd, path,
                 g_strerror (errno));
  ck_assert (dup2 (fd, target_fd) == target_fd);
  close (fd);
  return saved;
}

static void
restore_fd (int target_fd, int saved)
{
  ck_assert (dup2 (saved, target_fd) == target_fd);
  close (saved);
}

/* ---- format names ------------------------------------------------------ */

static const struct
{
  const char *s;
  gboolean ok;
  DsLogFormat format;
} name_rows[] = {
  { "combined", TRUE, DS_LOG_COMBINED },
  { "common", TRUE, DS_LOG_COMMON },
  { "json", TRUE, DS_LOG_JSON },
  { "csv", TRUE, DS_LOG_CSV },
  /* Names are exact: no case folding, no trimming. */
  { "JSON", FALSE, 0 },
  { "csv ", FALSE, 0 },
  { "", FALSE, 0 },
  { "clf", FALSE, 0 },
};

START_TEST (test_format_names)
{
  DsLogFormat f = (DsLogFormat) 99;
  gboolean ok = ds_accesslog_format_from_string (name_rows[_i].s, &f);

  ck_assert_msg (ok == name_rows[_i].ok, "\"%s\": got %d", name_rows[_i].s, ok);
  if (ok)
    ck_assert_msg (f == name_rows[_i].format, "\"%s\": format %d", name_rows[_i].s, f);
  else
    ck_assert_msg (f == (DsLogFormat) 99, "\"%s\": out_format touched on failure",
                   name_rows[_i].s);
}
END_TEST

START_TEST (test_csv_header)
{
  ck_assert_str_eq (ds_accesslog_csv_header (),
                    "time,remote_addr,remote_port,method,target,protocol,status,"
                    "bytes,duration_us,referer,user_agent,encoding\n");
}
END_TEST

/* ---- formatting: one field varied at a time ---------------------------- */

typedef enum
{
  F_NONE,
  F_ADDR,
  F_METHOD,
  F_TARGET,
  F_VERSION,
  F_REFERER,
  F_UA,
  F_ENCODING,
  F_BYTES,
  F_STATUS,
} Field;

typedef struct
{
  DsLogFormat format;
  Field field;
  const char *value; /* for string fields; NULL means NULL */
  guint64 num;       /* for F_BYTES, F_STATUS */
  const char *expected;
} FormatRow;

/* Pieces of the base record's line in each format. */
#define C_HEAD "192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "
#define C_REQ "\"GET /apache_pb.gif HTTP/1.0\""
#define C_NUMS " 200 2326"
#define C_REF " \"http://example.com/start.html\""
#define C_UA " \"Mozilla/4.08\""
#define C_BASE C_HEAD C_REQ C_NUMS C_REF C_UA "\n"

#define J_TIME "{\"time\":\"2000-10-10T13:55:36.123-07:00\","
#define J_ADDR "\"remote_addr\":\"192.0.2.1\",\"remote_port\":51234,"
#define J_REQ "\"method\":\"GET\",\"target\":\"/apache_pb.gif\",\"protocol\":\"HTTP/1.0\","
#define J_NUMS "\"status\":200,\"bytes\":2326,\"duration_us\":1500,"
#define J_REF "\"referer\":\"http://example.com/start.html\","
#define J_UA "\"user_agent\":\"Mozilla/4.08\","
#define J_ENC "\"encoding\":\"identity\"}\n"
#define J_UA_PRE J_TIME J_ADDR J_REQ J_NUMS J_REF

#define V_TIME "2000-10-10T13:55:36.123-07:00,"
#define V_ADDR "192.0.2.1,51234,"
#define V_REQ "GET,/apache_pb.gif,HTTP/1.0,"
#define V_NUMS "200,2326,1500,"
#define V_REF "http://example.com/start.html,"
#define V_UA "Mozilla/4.08,"
#define V_ENC "identity\n"
#define V_UA_PRE V_TIME V_ADDR V_REQ V_NUMS V_REF

static const FormatRow format_rows[] = {
  /* Apache's documented example lines. */
  { DS_LOG_COMBINED, F_NONE, NULL, 0, C_BASE },
  { DS_LOG_COMMON, F_NONE, NULL, 0, C_HEAD C_REQ C_NUMS "\n" },
  { DS_LOG_JSON, F_NONE, NULL, 0, J_UA_PRE J_UA J_ENC },
  { DS_LOG_CSV, F_NONE, NULL, 0, V_UA_PRE V_UA V_ENC },

  /* combined escaping (Apache style). */
  { DS_LOG_COMBINED, F_UA, "a\"b\\c", 0, C_HEAD C_REQ C_NUMS C_REF " \"a\\\"b\\\\c\"\n" },
  /* Log injection: a newline in the target must not start a new line. */
  { DS_LOG_COMBINED, F_TARGET, "/a\nB", 0,
    C_HEAD "\"GET /a\\x0aB HTTP/1.0\"" C_NUMS C_REF C_UA "\n" },
  { DS_LOG_COMBINED, F_TARGET, "/a\r\n1.2.3.4 - - [x] \"GET / HTTP/1.0\" 200 1", 0,
    C_HEAD "\"GET /a\\x0d\\x0a1.2.3.4 - - [x] \\\"GET / HTTP/1.0\\\" 200 1 HTTP/1.0\""
    C_NUMS C_REF C_UA "\n" },
  { DS_LOG_COMBINED, F_UA, "x\x7fy", 0, C_HEAD C_REQ C_NUMS C_REF " \"x\\x7fy\"\n" },
  { DS_LOG_COMBINED, F_UA, "tab\there\x01", 0,
    C_HEAD C_REQ C_NUMS C_REF " \"tab\\x09here\\x01\"\n" },
  /* Valid UTF-8 is still escaped byte by byte, lower-case hex, as Apache. */
  { DS_LOG_COMBINED, F_UA, "caf\xc3\xa9", 0, C_HEAD C_REQ C_NUMS C_REF " \"caf\\xc3\\xa9\"\n" },
  { DS_LOG_COMBINED, F_REFERER, NULL, 0, C_HEAD C_REQ C_NUMS " \"-\"" C_UA "\n" },
  { DS_LOG_COMBINED, F_UA, NULL, 0, C_HEAD C_REQ C_NUMS C_REF " \"-\"\n" },
  /* An empty header is logged as sent, unlike an absent one. */
  { DS_LOG_COMBINED, F_UA, "", 0, C_HEAD C_REQ C_NUMS C_REF " \"\"\n" },
  /* Request line never arrived: "%r" is "-". */
  { DS_LOG_COMBINED, F_METHOD, NULL, 0,
    C_HEAD "\"-\"" C_NUMS C_REF C_UA "\n" },
  { DS_LOG_COMMON, F_METHOD, NULL, 0, C_HEAD "\"-\"" C_NUMS "\n" },
  { DS_LOG_COMBINED, F_VERSION, NULL, 0,
    C_HEAD "\"GET /apache_pb.gif -\"" C_NUMS C_REF C_UA "\n" },
  { DS_LOG_COMBINED, F_METHOD, "G\"ET", 0,
    C_HEAD "\"G\\\"ET /apache_pb.gif HTTP/1.0\"" C_NUMS C_REF C_UA "\n" },
  /* %b is "-" for no body, unlike %B. */
  { DS_LOG_COMBINED, F_BYTES, NULL, 0, C_HEAD C_REQ " 200 -" C_REF C_UA "\n" },
  { DS_LOG_COMMON, F_BYTES, NULL, 0, C_HEAD C_REQ " 200 -\n" },
  { DS_LOG_COMBINED, F_BYTES, NULL, G_GUINT64_CONSTANT (18446744073709551615),
    C_HEAD C_REQ " 200 18446744073709551615" C_REF C_UA "\n" },
  { DS_LOG_COMMON, F_STATUS, NULL, 304, C_HEAD C_REQ " 304 2326\n" },

  /* Client address: v4-mapped stripped, idempotently. */
  { DS_LOG_COMMON, F_ADDR, "::ffff:192.0.2.1", 0, C_HEAD C_REQ C_NUMS "\n" },
  /* inet_ntop writes lower case, but the prefix is case-insensitive. */
  { DS_LOG_COMMON, F_ADDR, "::FFFF:192.0.2.1", 0, C_HEAD C_REQ C_NUMS "\n" },
  { DS_LOG_COMMON, F_ADDR, "2001:db8::1", 0,
    "2001:db8::1 - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  /* Mapped address in hex form: not a dotted quad, kept as is. */
  { DS_LOG_COMMON, F_ADDR, "::ffff:c000:201", 0,
    "::ffff:c000:201 - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  /* IPv4-translated (::ffff:0:0/96), not mapped: kept. */
  { DS_LOG_COMMON, F_ADDR, "::ffff:0:192.0.2.1", 0,
    "::ffff:0:192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  { DS_LOG_COMMON, F_ADDR, "::1", 0, "::1 - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  /* Digits but no dot: the hex form ::ffff:0.0.18.52, kept. */
  { DS_LOG_COMMON, F_ADDR, "::ffff:1234", 0,
    "::ffff:1234 - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  /* Nothing left after the prefix: not an address to strip to "". */
  { DS_LOG_COMMON, F_ADDR, "::ffff:", 0,
    "::ffff: - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  /* Unknown peer keeps the field count. */
  { DS_LOG_COMMON, F_ADDR, NULL, 0, "- - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  { DS_LOG_COMMON, F_ADDR, "", 0, "- - - [10/Oct/2000:13:55:36 -0700] " C_REQ C_NUMS "\n" },
  { DS_LOG_JSON, F_ADDR, "::ffff:192.0.2.1", 0, J_UA_PRE J_UA J_ENC },
  { DS_LOG_CSV, F_ADDR, "::ffff:192.0.2.1", 0, V_UA_PRE V_UA V_ENC },

  /* json escaping. */
  { DS_LOG_JSON, F_UA, "a\"b\\c", 0, J_UA_PRE "\"user_agent\":\"a\\\"b\\\\c\"," J_ENC },
  { DS_LOG_JSON, F_TARGET, "/a\nB", 0,
    J_TIME J_ADDR "\"method\":\"GET\",\"target\":\"/a\\nB\",\"protocol\":\"HTTP/1.0\","
    J_NUMS J_REF J_UA J_ENC },
  { DS_LOG_JSON, F_UA, "\b\f\r\t", 0, J_UA_PRE "\"user_agent\":\"\\b\\f\\r\\t\"," J_ENC },
  /* Control bytes without a short form, and DEL (legal raw in JSON, but
   * invisible in a terminal). */
  { DS_LOG_JSON, F_UA, "\x01\x1f\x7f", 0,
    J_UA_PRE "\"user_agent\":\"\\u0001\\u001f\\u007f\"," J_ENC },
  /* Valid UTF-8 passes through: 2-, 3- and 4-byte sequences. */
  { DS_LOG_JSON, F_UA, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
    J_UA_PRE "\"user_agent\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"," J_ENC },
  /* Invalid UTF-8: each byte as \u00XX.  Latin-1 "é", a stray continuation
   * byte, 0xff. */
  { DS_LOG_JSON, F_UA, "caf\xe9\x80\xff", 0,
    J_UA_PRE "\"user_agent\":\"caf\\u00e9\\u0080\\u00ff\"," J_ENC },
  /* Overlong "/" (a classic traversal disguise). */
  { DS_LOG_JSON, F_TARGET, "\xc0\xaf", 0,
    J_TIME J_ADDR "\"method\":\"GET\",\"target\":\"\\u00c0\\u00af\",\"protocol\":\"HTTP/1.0\","
    J_NUMS J_REF J_UA J_ENC },
  /* UTF-16 surrogate encoded in UTF-8 (CESU): invalid. */
  { DS_LOG_JSON, F_UA, "\xed\xa0\x80", 0,
    J_UA_PRE "\"user_agent\":\"\\u00ed\\u00a0\\u0080\"," J_ENC },
  /* Beyond U+10FFFF. */
  { DS_LOG_JSON, F_UA, "\xf4\x90\x80\x80", 0,
    J_UA_PRE "\"user_agent\":\"\\u00f4\\u0090\\u0080\\u0080\"," J_ENC },
  /* Sequence truncated by the end of the string: the decoder must not read
   * past the NUL. */
  { DS_LOG_JSON, F_UA, "x\xe2\x82", 0, J_UA_PRE "\"user_agent\":\"x\\u00e2\\u0082\"," J_ENC },
  /* Truncated sequence followed by ASCII: the ASCII survives. */
  { DS_LOG_JSON, F_UA, "\xe2\x82z", 0, J_UA_PRE "\"user_agent\":\"\\u00e2\\u0082z\"," J_ENC },
  { DS_LOG_JSON, F_UA, NULL, 0, J_UA_PRE "\"user_agent\":null," J_ENC },
  { DS_LOG_JSON, F_REFERER, NULL, 0,
    J_TIME J_ADDR J_REQ J_NUMS "\"referer\":null," J_UA J_ENC },
  { DS_LOG_JSON, F_METHOD, NULL, 0,
    J_TIME J_ADDR "\"method\":null,\"target\":\"/apache_pb.gif\",\"protocol\":\"HTTP/1.0\","
    J_NUMS J_REF J_UA J_ENC },
  { DS_LOG_JSON, F_ADDR, NULL, 0,
    J_TIME "\"remote_addr\":null,\"remote_port\":51234," J_REQ J_NUMS J_REF J_UA J_ENC },
  { DS_LOG_JSON, F_ENCODING, "gzip", 0, J_UA_PRE J_UA "\"encoding\":\"gzip\"}\n" },
  /* json bytes is a number, 0 included (no "-" as in combined). */
  { DS_LOG_JSON, F_BYTES, NULL, 0,
    J_TIME J_ADDR J_REQ "\"status\":200,\"bytes\":0,\"duration_us\":1500," J_REF J_UA J_ENC },

  /* csv quoting (RFC 4180) and the deviations. */
  { DS_LOG_CSV, F_UA, "Mozilla/5.0 (X11, Linux)", 0,
    V_UA_PRE "\"Mozilla/5.0 (X11, Linux)\"," V_ENC },
  { DS_LOG_CSV, F_UA, "say \"hi\"", 0, V_UA_PRE "\"say \"\"hi\"\"\"," V_ENC },
  /* Log injection: CR/LF become \xHH, so no quoting needed and one line. */
  { DS_LOG_CSV, F_TARGET, "/a\r\nB", 0,
    V_TIME V_ADDR "GET,/a\\x0d\\x0aB,HTTP/1.0," V_NUMS V_REF V_UA V_ENC },
  /* Backslash doubled so that \xHH is unambiguous. */
  { DS_LOG_CSV, F_UA, "a\\x0a", 0, V_UA_PRE "a\\\\x0a," V_ENC },
  { DS_LOG_CSV, F_UA, "\x01\x7f", 0, V_UA_PRE "\\x01\\x7f," V_ENC },
  /* Formula-looking fields are quoted. */
  { DS_LOG_CSV, F_UA, "=HYPERLINK(\"x\")", 0, V_UA_PRE "\"=HYPERLINK(\"\"x\"\")\"," V_ENC },
  { DS_LOG_CSV, F_UA, "+1", 0, V_UA_PRE "\"+1\"," V_ENC },
  { DS_LOG_CSV, F_UA, "-1", 0, V_UA_PRE "\"-1\"," V_ENC },
  { DS_LOG_CSV, F_REFERER, "@SUM(A1)", 0,
    V_TIME V_ADDR V_REQ V_NUMS "\"@SUM(A1)\"," V_UA V_ENC },
  /* '=' later in the field is harmless. */
  { DS_LOG_CSV, F_TARGET, "/?a=b", 0,
    V_TIME V_ADDR "GET,/?a=b,HTTP/1.0," V_NUMS V_REF V_UA V_ENC },
  { DS_LOG_CSV, F_UA, "caf\xc3\xa9", 0, V_UA_PRE "caf\xc3\xa9," V_ENC },
  { DS_LOG_CSV, F_UA, "caf\xe9", 0, V_UA_PRE "caf\\xe9," V_ENC },
  /* Absent and empty are both an empty field. */
  { DS_LOG_CSV, F_REFERER, NULL, 0, V_TIME V_ADDR V_REQ V_NUMS "," V_UA V_ENC },
  { DS_LOG_CSV, F_METHOD, NULL, 0,
    V_TIME V_ADDR ",/apache_pb.gif,HTTP/1.0," V_NUMS V_REF V_UA V_ENC },
  { DS_LOG_CSV, F_ENCODING, "br", 0, V_UA_PRE V_UA "br\n" },
};

static DsLogRecord
apply_row (const FormatRow *row)
{
  DsLogRecord rec = base_record ();

  switch (row->field)
    {
    case F_NONE:
      break;
    case F_ADDR:
      rec.client_addr = row->value;
      break;
    case F_METHOD:
      rec.method = row->value;
      break;
    case F_TARGET:
      rec.target = row->value;
      break;
    case F_VERSION:
      rec.version = row->value;
      break;
    case F_REFERER:
      rec.referer = row->value;
      break;
    case F_UA:
      rec.user_agent = row->value;
      break;
    case F_ENCODING:
      rec.encoding = row->value;
      break;
    case F_BYTES:
      rec.bytes = row->num;
      break;
    case F_STATUS:
      rec.status = (guint) row->num;
      break;
    default:
      g_assert_not_reached ();
    }
  return rec;
}

static void
assert_valid_line (const char *line, const char *what)
{
  size_t len = strlen (line);

  ck_assert_msg (len > 0 && line[len - 1] == '\n' && strchr (line, '\n') == line + len - 1,
                 "%s: not exactly one line", what);
}

START_TEST (test_format)
{
  const FormatRow *row = &format_rows[_i];
  DsLogRecord rec = apply_row (row);
  g_autofree char *got = ds_accesslog_format (row->format, &rec);
  g_autofree char *in = show (row->value);
  g_autofree char *got_s = show (got);
  g_autofree char *exp_s = show (row->expected);

  ck_assert_msg (got != NULL && strcmp (got, row->expected) == 0,
                 "row %d format %d field %d value \"%s\" num %" G_GUINT64_FORMAT
                 ":\n got \"%s\"\nwant \"%s\"",
                 _i, row->format, row->field, in, row->num, got_s, exp_s);
  assert_valid_line (got, in);
  if (row->format == DS_LOG_JSON)
    ck_assert_msg (g_utf8_validate (got, -1, NULL), "json for \"%s\" is not UTF-8", in);
  if (row->format == DS_LOG_COMBINED)
    {
      g_autofree char *again = ds_accesslog_format_combined (&rec);
      ck_assert_msg (strcmp (again, got) == 0,
                     "ds_accesslog_format_combined differs for \"%s\"", in);
    }
}
END_TEST

/* ---- timestamps -------------------------------------------------------- */

static const struct
{
  gint64 time_us;
  int offset_s;
  const char *clf; /* inside [...] */
  const char *iso;
} time_rows[] = {
  { T_APACHE, -7 * 3600, "10/Oct/2000:13:55:36 -0700", "2000-10-10T13:55:36.123-07:00" },
  { T_APACHE, 0, "10/Oct/2000:20:55:36 +0000", "2000-10-10T20:55:36.123+00:00" },
  /* India, +05:30; 2024-02-29T18:45Z is already March 1st there. */
  { G_GINT64_CONSTANT (1709232300000000), 5 * 3600 + 1800,
    "01/Mar/2024:00:15:00 +0530", "2024-03-01T00:15:00.000+05:30" },
  /* Marquesas, -09:30. */
  { G_GINT64_CONSTANT (1709232300000000), -(9 * 3600 + 1800),
    "29/Feb/2024:09:15:00 -0930", "2024-02-29T09:15:00.000-09:30" },
  /* Negative offset under one hour: the sign must survive "00". */
  { G_GINT64_CONSTANT (951782400000000), -1800,
    "28/Feb/2000:23:30:00 -0030", "2000-02-28T23:30:00.000-00:30" },
  /* 2000 is a leap year (divisible by 400). */
  { G_GINT64_CONSTANT (951782400000000), 0,
    "29/Feb/2000:00:00:00 +0000", "2000-02-29T00:00:00.000+00:00" },
  /* 2100 is not: the day before March 1st is February 28th. */
  { G_GINT64_CONSTANT (4107542400000000), -3600,
    "28/Feb/2100:23:00:00 -0100", "2100-02-28T23:00:00.000-01:00" },
  { G_GINT64_CONSTANT (4107542400000000), 0,
    "01/Mar/2100:00:00:00 +0000", "2100-03-01T00:00:00.000+00:00" },
  /* Year rollover by the offset; milliseconds truncate, never round up
   * into the next second. */
  { G_GINT64_CONSTANT (946684799999999), 3600,
    "01/Jan/2000:00:59:59 +0100", "2000-01-01T00:59:59.999+01:00" },
  /* Kiribati, +14:00. */
  { 0, 14 * 3600, "01/Jan/1970:14:00:00 +1400", "1970-01-01T14:00:00.000+14:00" },
  /* One microsecond before the epoch: floor, not truncating, division. */
  { -1, 0, "31/Dec/1969:23:59:59 +0000", "1969-12-31T23:59:59.999+00:00" },
  /* Found by tests/fuzz/fuzz_accesslog: the smallest time_us.  Flooring it
   * to seconds and multiplying back by 10^6 overflowed gint64 (undefined
   * behaviour; UBSan stops here in the sanitizer build). */
  { G_MININT64, 0, "21/Dec/-290308:19:59:05 +0000", "-290308-12-21T19:59:05.224+00:00" },
};

START_TEST (test_time)
{
  DsLogRecord rec = base_record ();
  rec.time_us = time_rows[_i].time_us;
  rec.utc_offset_s = time_rows[_i].offset_s;

  g_autofree char *clf = ds_accesslog_format (DS_LOG_COMMON, &rec);
  g_autofree char *want_clf = g_strdup_printf ("192.0.2.1 - - [%s] " C_REQ C_NUMS "\n",
                                               time_rows[_i].clf);
  ck_assert_msg (strcmp (clf, want_clf) == 0,
                 "time_us %" G_GINT64_FORMAT " offset %d:\n got %s want %s",
                 rec.time_us, rec.utc_offset_s, clf, want_clf);

  g_autofree char *json = ds_accesslog_format (DS_LOG_JSON, &rec);
  g_autofree char *want_json = g_strdup_printf ("{\"time\":\"%s\",", time_rows[_i].iso);
  ck_assert_msg (g_str_has_prefix (json, want_json),
                 "time_us %" G_GINT64_FORMAT " offset %d:\n got %s want prefix %s",
                 rec.time_us, rec.utc_offset_s, json, want_json);

  g_autofree char *csv = ds_accesslog_format (DS_LOG_CSV, &rec);
  g_autofree char *want_csv = g_strdup_printf ("%s,", time_rows[_i].iso);
  ck_assert_msg (g_str_has_prefix (csv, want_csv),
                 "time_us %" G_GINT64_FORMAT " offset %d:\n got %s want prefix %s",
                 rec.time_us, rec.utc_offset_s, csv, want_csv);
}
END_TEST

/* Each month, noon UTC on the 15th, under a non-C locale.  The expected
 * names are the test's own table. */
static const char *const months_en[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static const char *const foreign_locales[] = {
  "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "es_ES.UTF-8", "ru_RU.UTF-8",
};

START_TEST (test_months_locale)
{
  const char *loc = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (foreign_locales) && loc == NULL; i++)
    loc = setlocale (LC_ALL, foreign_locales[i]);
  if (loc == NULL)
    {
      /* Skipped, visibly; generate one with e.g.
       * localedef -i de_DE -f UTF-8 /tmp/loc/de_DE.UTF-8 and LOCPATH=/tmp/loc. */
      if (_i == 0)
        fprintf (stderr, "check_accesslog: no non-C locale available, "
                 "month-name locale test skipped\n");
      return;
    }

  /* Prove the locale is really foreign: strftime's March is not "Mar". */
  struct tm march = { .tm_year = 100, .tm_mon = 2, .tm_mday = 1 };
  char buf[64];
  ck_assert (strftime (buf, sizeof buf, "%b", &march) > 0);
  ck_assert_msg (strcmp (buf, "Mar") != 0, "locale %s still says \"Mar\"", loc);

  g_autoptr (GDateTime) dt = g_date_time_new_utc (2021, _i + 1, 15, 12, 0, 0);
  DsLogRecord rec = base_record ();
  rec.time_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  rec.utc_offset_s = 0;

  g_autofree char *line = ds_accesslog_format_combined (&rec);
  g_autofree char *want = g_strdup_printf ("[15/%s/2021:12:00:00 +0000]", months_en[_i]);
  ck_assert_msg (strstr (line, want) != NULL, "locale %s month %d: %s lacks %s",
                 loc, _i + 1, line, want);

  g_autofree char *json = ds_accesslog_format (DS_LOG_JSON, &rec);
  g_autofree char *want_json = g_strdup_printf ("{\"time\":\"2021-%02d-15T12:00:00.000+00:00\"",
                                                _i + 1);
  ck_assert_msg (g_str_has_prefix (json, want_json), "locale %s month %d: %s",
                 loc, _i + 1, json);
  setlocale (LC_ALL, "C");
}
END_TEST

/* ---- writer ------------------------------------------------------------ */

START_TEST (test_open_error)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "missing", "access.log", NULL);
  GError *error = NULL;
  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_COMBINED, &error);

  ck_assert_msg (log == NULL, "opened %s", path);
  ck_assert (error != NULL);
  ck_assert (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME));
  g_autofree char *want = g_strdup_printf ("access log %s: %s", path, g_strerror (ENOENT));
  ck_assert_str_eq (error->message, want);
  g_error_free (error);
  remove_tree (dir);
}
END_TEST

/* Rotation: 2 lines, rename (logrotate), reopen, 1 line. */
/* _i & 1: csv; _i & 2: buffered (the buffered lines must still land in the
 * file they were logged to). */
START_TEST (test_reopen_rotate)
{
  const DsLogFormat format = (_i & 1) == 0 ? DS_LOG_COMBINED : DS_LOG_CSV;
  const guint header = format == DS_LOG_CSV ? 1 : 0;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "access.log", NULL);
  g_autofree char *rotated = g_build_filename (dir, "access.log.1", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();

  DsAccessLog *log = ds_accesslog_open (path, format, &error);
  ck_assert_msg (log != NULL, "open %s: %s", path, error ? error->message : "?");
  if (_i & 2)
    ds_accesslog_set_buffer (log, 65536);
  ds_accesslog_write (log, &rec);
  ds_accesslog_write (log, &rec);
  ck_assert (rename (path, rotated) == 0);
  ck_assert_msg (ds_accesslog_reopen (log, &error), "reopen: %s",
                 error ? error->message : "?");
  ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);

  struct stat st;
  ck_assert (stat (path, &st) == 0);
  /* 0640 minus the umask: never more than that. */
  ck_assert_msg ((st.st_mode & 0777 & ~(mode_t) 0640) == 0, "mode %o", st.st_mode & 0777);

  g_autofree char *old_text = read_file (rotated);
  g_autofree char *new_text = read_file (path);
  g_autofree char *line = ds_accesslog_format (format, &rec);
  ck_assert_msg (count_lines (old_text) == 2 + header, "format %d old file:\n%s", format, old_text);
  ck_assert_msg (count_lines (new_text) == 1 + header, "format %d new file:\n%s", format, new_text);
  g_autofree char *want_new = g_strconcat (header ? ds_accesslog_csv_header () : "", line, NULL);
  ck_assert_str_eq (new_text, want_new);
  g_autofree char *want_old = g_strconcat (header ? ds_accesslog_csv_header () : "",
                                           line, line, NULL);
  ck_assert_str_eq (old_text, want_old);
  remove_tree (dir);
}
END_TEST

/* A non-empty csv file gets no second header; an existing file is appended
 * to, not truncated. */
START_TEST (test_csv_existing_file)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "access.csv", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();

  ck_assert (g_file_set_contents (path, "earlier\n", -1, NULL));
  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_CSV, &error);
  ck_assert_msg (log != NULL, "open: %s", error ? error->message : "?");
  ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);

  g_autofree char *text = read_file (path);
  g_autofree char *line = ds_accesslog_format (DS_LOG_CSV, &rec);
  g_autofree char *want = g_strconcat ("earlier\n", line, NULL);
  ck_assert_str_eq (text, want);
  remove_tree (dir);
}
END_TEST

/* A failed reopen keeps the old fd and says which file. */
START_TEST (test_reopen_failure)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *moved = g_build_filename (dir, "moved", NULL);
  g_autofree char *path = g_build_filename (sub, "access.log", NULL);
  g_autofree char *moved_path = g_build_filename (moved, "access.log", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();

  ck_assert (mkdir (sub, 0700) == 0);
  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_COMMON, &error);
  ck_assert_msg (log != NULL, "open: %s", error ? error->message : "?");
  ds_accesslog_write (log, &rec);
  ck_assert (rename (sub, moved) == 0);

  ck_assert (!ds_accesslog_reopen (log, &error));
  ck_assert (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME));
  g_autofree char *want = g_strdup_printf ("access log %s: %s", path, g_strerror (ENOENT));
  ck_assert_str_eq (error->message, want);
  g_clear_error (&error);

  ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);
  g_autofree char *text = read_file (moved_path);
  ck_assert_msg (count_lines (text) == 2, "old file after failed reopen:\n%s", text);
  remove_tree (dir);
}
END_TEST

/* "none" discards; reopen is a successful no-op.  stdout is checked by
 * pointing fd 1 at a file. */
START_TEST (test_none)
{
  GError *error = NULL;
  DsLogRecord rec = base_record ();
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "stdout", NULL);

  int saved = redirect_fd (STDOUT_FILENO, out);
  DsAccessLog *log = ds_accesslog_open ("none", DS_LOG_CSV, &error);
  ck_assert (log != NULL && error == NULL);
  ds_accesslog_write (log, &rec);
  ck_assert (ds_accesslog_reopen (log, &error));
  ck_assert (error == NULL);
  ds_accesslog_free (log);
  restore_fd (STDOUT_FILENO, saved);

  g_autofree char *text = read_file (out);
  ck_assert_msg (text[0] == '\0', "\"none\" wrote to stdout: %s", text);
  remove_tree (dir);
}
END_TEST

START_TEST (test_stdout)
{
  GError *error = NULL;
  DsLogRecord rec = base_record ();
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "stdout", NULL);

  int saved = redirect_fd (STDOUT_FILENO, out);
  DsAccessLog *log = ds_accesslog_open ("-", DS_LOG_CSV, &error);
  ck_assert (log != NULL && error == NULL);
  ds_accesslog_write (log, &rec);
  ck_assert (ds_accesslog_reopen (log, &error));
  ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);
  /* stdout belongs to the process: still open after free. */
  ck_assert_msg (fcntl (STDOUT_FILENO, F_GETFD) != -1, "ds_accesslog_free closed stdout");
  restore_fd (STDOUT_FILENO, saved);

  g_autofree char *text = read_file (out);
  g_autofree char *line = ds_accesslog_format (DS_LOG_CSV, &rec);
  g_autofree char *want = g_strconcat (ds_accesslog_csv_header (), line, line, NULL);
  ck_assert_str_eq (text, want);
  remove_tree (dir);
}
END_TEST

/* 8 threads x 2000 lines of varying length into one file (_i == 0) or into
 * a pipe on stdout (_i == 1): every line must come back whole, once.  On a
 * regular file opened O_APPEND, Linux already keeps each write(2) whole, so
 * the file variant catches lines written in pieces; the pipe variant also
 * needs the mutex itself: some lines are longer than PIPE_BUF, and such
 * writes to a pipe interleave. */
#define N_THREADS 8
#define N_LINES 2000
#define LONG_UA 12000

typedef struct
{
  DsAccessLog *log;
  int thread;
} WriterArgs;

static DsLogRecord
concurrent_record (int thread, int i, char *target, size_t target_size, char *ua)
{
  DsLogRecord rec = base_record ();
  /* Every 50th line is longer than PIPE_BUF (4096). */
  size_t ua_len = i % 50 == 7 ? (size_t) (LONG_UA + thread)
                              : (size_t) ((i * 37 + thread * 101) % 1500);

  g_snprintf (target, target_size, "/t%d/%d", thread, i);
  memset (ua, 'a' + thread, ua_len);
  ua[ua_len] = '\0';
  rec.target = target;
  rec.user_agent = ua;
  rec.bytes = (guint64) i;
  return rec;
}

static gpointer
writer_thread (gpointer data)
{
  const WriterArgs *args = data;
  char target[64];
  g_autofree char *ua = g_malloc (LONG_UA + N_THREADS + 1);

  for (int i = 0; i < N_LINES; i++)
    {
      DsLogRecord rec = concurrent_record (args->thread, i, target, sizeof target, ua);
      ds_accesslog_write (args->log, &rec);
    }
  return NULL;
}

/* Drains a pipe into a GString until EOF. */
static gpointer
pipe_reader_thread (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  GString *out = g_string_new (NULL);
  char buf[65536];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      g_string_append_len (out, buf, n);
    }
  close (fd);
  return out;
}

START_TEST (test_concurrent)
{
  const gboolean use_pipe = (_i & 1) != 0;
  /* _i & 2: buffered, 16 KiB batches: every 12,000-byte line then crosses
   * a batch boundary and some fill a batch on their own. */
  const gboolean buffered = (_i & 2) != 0;
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "access.log", NULL);
  GError *error = NULL;
  GThread *threads[N_THREADS];
  WriterArgs args[N_THREADS];
  GThread *reader = NULL;
  int saved = -1;

  if (use_pipe)
    {
      int p[2];
      ck_assert (pipe (p) == 0);
      saved = dup (STDOUT_FILENO);
      ck_assert (saved >= 0 && dup2 (p[1], STDOUT_FILENO) == STDOUT_FILENO);
      close (p[1]);
      reader = g_thread_new ("reader", pipe_reader_thread, GINT_TO_POINTER (p[0]));
    }
  DsAccessLog *log = ds_accesslog_open (use_pipe ? "-" : path, DS_LOG_COMBINED, &error);
  ck_assert_msg (log != NULL, "open: %s", error ? error->message : "?");
  if (buffered)
    ds_accesslog_set_buffer (log, 16384);
  for (int t = 0; t < N_THREADS; t++)
    {
      args[t].log = log;
      args[t].thread = t;
      threads[t] = g_thread_new ("writer", writer_thread, &args[t]);
    }
  for (int t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);
  ds_accesslog_free (log);

  g_autofree char *text = NULL;
  if (use_pipe)
    {
      restore_fd (STDOUT_FILENO, saved); /* closes the last write end: EOF */
      text = g_string_free (g_thread_join (reader), FALSE);
    }
  else
    text = read_file (path);

  /* Split by hand: g_strsplit's strstr is quadratic under ASan's
   * interceptor on a text this size. */
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();
  size_t text_len = strlen (text);
  char *end = text + text_len;
  for (char *p = text; p < end;)
    {
      char *nl = memchr (p, '\n', (size_t) (end - p));
      ck_assert_msg (nl != NULL, "%s: last line unterminated", use_pipe ? "pipe" : "file");
      *nl = '\0';
      g_ptr_array_add (lines, p);
      p = nl + 1;
    }
  guint n = lines->len;
  ck_assert_msg (n == N_THREADS * N_LINES, "%s: %u lines, want %d",
                 use_pipe ? "pipe" : "file", n, N_THREADS * N_LINES);

  g_autofree gboolean *seen = g_new0 (gboolean, N_THREADS * N_LINES);
  char target[64];
  g_autofree char *ua = g_malloc (LONG_UA + N_THREADS + 1);
  for (guint k = 0; k < n; k++)
    {
      const char *line = g_ptr_array_index (lines, k);
      int t = -1;
      int i = -1;
      const char *req = strstr (line, "\"GET /t");
      ck_assert_msg (req != NULL && sscanf (req, "\"GET /t%d/%d ", &t, &i) == 2
                     && t >= 0 && t < N_THREADS && i >= 0 && i < N_LINES,
                     "line %u unparsable: %.200s", k + 1, line);
      DsLogRecord rec = concurrent_record (t, i, target, sizeof target, ua);
      g_autofree char *want = ds_accesslog_format_combined (&rec);
      want[strlen (want) - 1] = '\0';
      ck_assert_msg (strcmp (line, want) == 0, "line %u mangled: %.200s", k + 1, line);
      ck_assert_msg (!seen[t * N_LINES + i], "line %u duplicated: t%d/%d", k + 1, t, i);
      seen[t * N_LINES + i] = TRUE;
    }
  remove_tree (dir);
}
END_TEST

/* /dev/full fails every write with ENOSPC: stderr gets exactly one line,
 * writes keep returning; a reopen re-arms the report.  _i == 1: buffered,
 * where the failure shows when a batch is written (ds_accesslog_flush makes
 * that happen now; reopen and free write what is left). */
START_TEST (test_error_once)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *err_path = g_build_filename (dir, "stderr", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();

  ck_assert_msg (access ("/dev/full", W_OK) == 0, "/dev/full: %s", g_strerror (errno));
  int saved = redirect_fd (STDERR_FILENO, err_path);
  DsAccessLog *log = ds_accesslog_open ("/dev/full", DS_LOG_COMBINED, &error);
  ck_assert (log != NULL);
  if (_i == 1)
    ds_accesslog_set_buffer (log, 65536);
  for (int i = 0; i < 5; i++)
    ds_accesslog_write (log, &rec);
  ds_accesslog_flush (log);
  g_autofree char *once = read_file (err_path);
  ck_assert (ds_accesslog_reopen (log, &error));
  for (int i = 0; i < 5; i++)
    ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);
  restore_fd (STDERR_FILENO, saved);

  g_autofree char *line = g_strdup_printf ("docserve: access log: %s\n", g_strerror (ENOSPC));
  ck_assert_str_eq (once, line);
  g_autofree char *twice = read_file (err_path);
  g_autofree char *want = g_strconcat (line, line, NULL);
  ck_assert_str_eq (twice, want);
  remove_tree (dir);
}
END_TEST

/* RLIMIT_FSIZE makes write(2) return a short count at the limit and fail
 * with EFBIG after it.  The EFBIG report proves the writer went on with the
 * remainder instead of dropping it silently. */
START_TEST (test_short_write)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "access.log", NULL);
  g_autofree char *err_path = g_build_filename (dir, "stderr", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();
  struct rlimit old_limit;
  const rlim_t limit = 50;

  g_autofree char *line = ds_accesslog_format (DS_LOG_COMBINED, &rec);
  ck_assert (strlen (line) > limit);
  ck_assert (getrlimit (RLIMIT_FSIZE, &old_limit) == 0);
  if (old_limit.rlim_max != RLIM_INFINITY && old_limit.rlim_max < limit)
    return;

  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_COMBINED, &error);
  ck_assert_msg (log != NULL, "open: %s", error ? error->message : "?");
  void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
  struct rlimit small = { .rlim_cur = limit, .rlim_max = old_limit.rlim_max };
  int saved = redirect_fd (STDERR_FILENO, err_path);
  ck_assert (setrlimit (RLIMIT_FSIZE, &small) == 0);
  ds_accesslog_write (log, &rec);
  ck_assert (setrlimit (RLIMIT_FSIZE, &old_limit) == 0);
  restore_fd (STDERR_FILENO, saved);
  signal (SIGXFSZ, old_handler);
  ds_accesslog_free (log);

  g_autofree char *text = read_file (path);
  ck_assert_msg (strlen (text) == limit && strncmp (text, line, limit) == 0,
                 "file holds %zu bytes: %s", strlen (text), text);
  g_autofree char *err_text = read_file (err_path);
  g_autofree char *want = g_strdup_printf ("docserve: access log: %s\n", g_strerror (EFBIG));
  ck_assert_str_eq (err_text, want);
  remove_tree (dir);
}
END_TEST

/* Buffered: a write that fills the batch writes it at once (so the count
 * after it is exact whatever the flusher did before); a line below the size
 * is written by the flusher within its interval; free writes the rest. */
START_TEST (test_buffered_batches)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "access.log", NULL);
  GError *error = NULL;
  DsLogRecord rec = base_record ();
  g_autofree char *line = ds_accesslog_format (DS_LOG_COMBINED, &rec);
  const size_t len = strlen (line);
  const guint per_batch = 7;

  DsAccessLog *log = ds_accesslog_open (path, DS_LOG_COMBINED, &error);
  ck_assert_msg (log != NULL, "open: %s", error ? error->message : "?");
  /* The 7th line reaches the size, the 6th does not. */
  ds_accesslog_set_buffer (log, len * per_batch - 1);
  for (guint i = 0; i < per_batch; i++)
    ds_accesslog_write (log, &rec);
  g_autofree char *text = read_file (path);
  ck_assert_msg (count_lines (text) == per_batch, "after a full batch:\n%s", text);

  /* One more line: the flusher writes it, FLUSH_INTERVAL_MS (0.5 s) later. */
  gint64 t0 = g_get_monotonic_time ();
  ds_accesslog_write (log, &rec);
  guint n = 0;
  while (g_get_monotonic_time () - t0 < 5 * G_TIME_SPAN_SECOND)
    {
      g_clear_pointer (&text, g_free);
      text = read_file (path);
      n = count_lines (text);
      if (n == per_batch + 1)
        break;
      g_usleep (10000);
    }
  gint64 waited_ms = (g_get_monotonic_time () - t0) / 1000;
  ck_assert_msg (n == per_batch + 1, "flusher did not write the line in 5 s:\n%s", text);
  ck_assert_msg (waited_ms >= 400, "line written after %" G_GINT64_FORMAT " ms, not batched",
                 waited_ms);

  /* The rest is written at free, in order, every line whole. */
  ds_accesslog_write (log, &rec);
  ds_accesslog_write (log, &rec);
  ds_accesslog_free (log);
  g_clear_pointer (&text, g_free);
  text = read_file (path);
  GString *want = g_string_new (NULL);
  for (guint i = 0; i < per_batch + 3; i++)
    g_string_append (want, line);
  ck_assert_str_eq (text, want->str);
  g_string_free (want, TRUE);
  remove_tree (dir);
}
END_TEST

/* ds_accesslog_utc_offset under a few zones; every row at another minute,
 * so that the per-thread cache (one lookup a minute) does not answer. */
static const struct
{
  const char *tz;
  gint64 t;
  int want;
} offset_rows[] = {
  { "UTC0", 1700000000, 0 },
  { "EST5", 1700000060, -5 * 3600 },
  { "<+0530>-5:30", 1700000120, 5 * 3600 + 30 * 60 },
  /* Central European: winter (November), then summer (July) */
  { "CET-1CEST,M3.5.0,M10.5.0/3", 1700000180, 3600 },
  { "CET-1CEST,M3.5.0,M10.5.0/3", 1688169600, 7200 },
};

START_TEST (test_utc_offset)
{
  g_autofree char *saved = g_strdup (g_getenv ("TZ"));

  ck_assert (g_setenv ("TZ", offset_rows[_i].tz, TRUE));
  tzset ();
  int got = ds_accesslog_utc_offset (offset_rows[_i].t);
  if (saved != NULL)
    g_setenv ("TZ", saved, TRUE);
  else
    g_unsetenv ("TZ");
  tzset ();
  ck_assert_msg (got == offset_rows[_i].want, "TZ=%s at %" G_GINT64_FORMAT ": %d, want %d",
                 offset_rows[_i].tz, offset_rows[_i].t, got, offset_rows[_i].want);
}
END_TEST

static Suite *
accesslog_suite (void)
{
  Suite *s = suite_create ("accesslog");
  TCase *tc;

  tc = tcase_create ("format");
  tcase_add_loop_test (tc, test_format_names, 0, G_N_ELEMENTS (name_rows));
  tcase_add_test (tc, test_csv_header);
  tcase_add_loop_test (tc, test_format, 0, G_N_ELEMENTS (format_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("time");
  tcase_add_loop_test (tc, test_time, 0, G_N_ELEMENTS (time_rows));
  tcase_add_loop_test (tc, test_months_locale, 0, 12);
  tcase_add_loop_test (tc, test_utc_offset, 0, G_N_ELEMENTS (offset_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("writer");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_open_error);
  tcase_add_loop_test (tc, test_reopen_rotate, 0, 4);
  tcase_add_test (tc, test_csv_existing_file);
  tcase_add_test (tc, test_reopen_failure);
  tcase_add_test (tc, test_none);
  tcase_add_test (tc, test_stdout);
  tcase_add_loop_test (tc, test_concurrent, 0, 4);
  tcase_add_test (tc, test_buffered_batches);
  tcase_add_loop_test (tc, test_error_once, 0, 2);
  tcase_add_test (tc, test_short_write);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (accesslog_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
