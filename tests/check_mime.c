/* check_mime.c: extension to Content-Type, charset rules and mime.types
 * parsing (built-in, system and user sources and their precedence). */
#include "config.h"

#include "docserve/mime.h"

#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "docserve/common.h"

/* A per-run directory for the mime.types files the tests write; main()
 * empties and removes it. */
static char *tmpdir;

/* Writes @len bytes (-1: NUL-terminated) to tmpdir/@name; returns the path. */
static char *
write_fixture (const char *name, const char *contents, gssize len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  ck_assert_msg (g_file_set_contents (path, contents, len, &error), "writing %s: %s", path,
                 error != NULL ? error->message : "?");
  return path;
}

/* Builds a table, failing the test with the message if that fails. */
static DsMime *
new_mime_ok (const char *system_file, const char *user_file, const char *charset,
             const char *default_type)
{
  g_autoptr (GError) error = NULL;
  DsMime *mime = ds_mime_new (system_file, user_file, charset, default_type, &error);

  ck_assert_msg (mime != NULL, "ds_mime_new (%s, %s, %s, %s) failed: %s",
                 system_file ? system_file : "NULL", user_file ? user_file : "NULL",
                 charset ? charset : "NULL", default_type ? default_type : "NULL",
                 error != NULL ? error->message : "no error set");
  ck_assert_msg (error == NULL, "error set on success");
  return mime;
}

typedef struct
{
  const char *name;
  const char *expected; /* NULL: unknown */
} LookupRow;

static void
check_lookup (const DsMime *mime, const LookupRow *row, const char *what)
{
  const char *got = ds_mime_lookup (mime, row->name);

  ck_assert_msg (g_strcmp0 (got, row->expected) == 0, "%s: lookup (\"%s\") = \"%s\", want \"%s\"",
                 what, row->name, got ? got : "(null)", row->expected ? row->expected : "(null)");
}

/* ---- built-in table only ---- */

static char long_ext_name[] = "x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static const LookupRow builtin_rows[] = {
  { "index.html", "text/html; charset=utf-8" },
  { "index.htm", "text/html; charset=utf-8" },
  { "app.JS", "text/javascript; charset=utf-8" }, /* upper case; RFC 9239 type */
  { "module.mjs", "text/javascript; charset=utf-8" },
  { "style.css", "text/css; charset=utf-8" },
  { "x.svg", "image/svg+xml; charset=utf-8" }, /* an image, but XML text: charset */
  { "font.woff2", "font/woff2" },
  { "a.wasm", "application/wasm" }, /* binary: no charset */
  { "photo.JPEG", "image/jpeg" },
  { "icon.png", "image/png" },
  { "pic.avif", "image/avif" },
  { "data.json", "application/json; charset=utf-8" },
  { "app.js.map", "application/json; charset=utf-8" },
  { "site.webmanifest", "application/manifest+json; charset=utf-8" },
  { "README.md", "text/markdown; charset=utf-8" },
  { "ci.yml", "application/yaml; charset=utf-8" },
  { "Cargo.toml", "application/toml; charset=utf-8" },
  { "feed.atom", "application/atom+xml; charset=utf-8" },
  { "run.sh", "application/x-sh; charset=utf-8" },
  { "lib.rs", "text/x-rust; charset=utf-8" },
  { "clip.mp4", "video/mp4" },
  { "song.opus", "audio/ogg" },
  { "manual.pdf", "application/pdf" },
  { "archive.TAR", "application/x-tar" },
  { "a.tar.gz", "application/gzip" }, /* only the last extension counts */
  { "x.7z", "application/x-7z-compressed" }, /* extension starting with a digit */
  { "/var/www/dir.d/style.css", "text/css; charset=utf-8" },
  { ".hidden.css", "text/css; charset=utf-8" }, /* dotfile with an extension */
  { "noext", NULL },
  { ".hidden", NULL },       /* a leading dot alone is not an extension */
  { ".html", NULL },         /* a dotfile named like an extension has none */
  { "dir/.css", NULL },
  { "dir/.bashrc", NULL },   /* same, in a later segment */
  { "dir.d/file", NULL },    /* the dot is in a directory, not the file */
  { "index.html.bak", NULL },
  { "weird.", NULL },        /* empty extension */
  { ".", NULL },
  { "..", NULL },            /* "." after the first dot: empty */
  { "dir/", NULL },          /* empty last segment */
  { "", NULL },
  { "x.HtMl", "text/html; charset=utf-8" },
  { "x.html\xc3\xa9", NULL }, /* non-ASCII: no match, no crash */
  { "x.ht ml", NULL },
  { long_ext_name, NULL },    /* far over DS_MIME_EXT_MAX */
};

START_TEST (test_builtin)
{
  g_autoptr (DsMime) mime = new_mime_ok (NULL, NULL, "utf-8", "application/octet-stream");

  check_lookup (mime, &builtin_rows[_i], "built-in");
}
END_TEST

/* ---- ds_mime_is_text ---- */

typedef struct
{
  const char *type;
  gboolean text;
} TextRow;

static const TextRow text_rows[] = {
  { "text/plain", TRUE },
  { "text/html; charset=utf-8", TRUE },
  { "TEXT/HTML", TRUE },
  { "text/x-anything", TRUE },
  { "application/javascript", TRUE },
  { "application/json", TRUE },
  { "application/JSON ; charset=x", TRUE }, /* case and OWS before ';' */
  { "application/ld+json", TRUE },
  { "application/vnd.api+json", TRUE },
  { "application/xml", TRUE },
  { "application/atom+xml", TRUE },
  { "image/svg+xml", TRUE },             /* an image that is text */
  { "application/x-sh", TRUE },
  { "application/yaml", TRUE },
  { "application/x-foo+yaml", TRUE },
  { "application/toml", TRUE },
  { "image/png", FALSE },
  { "image/jpeg", FALSE },
  { "application/wasm", FALSE },
  { "application/octet-stream", FALSE },
  { "application/gzip", FALSE },
  { "font/woff2", FALSE },
  { "video/mp4", FALSE },
  { "application/epub+zip", FALSE },     /* a suffix, but not a text one */
  { "image/json", FALSE },               /* the subtype list is for application/ only */
  { "application/jsonx", FALSE },        /* whole subtype, not a prefix */
  { "application/x-json", FALSE },
  { "textual/plain", FALSE },            /* "text" must be the whole type */
  { "text", FALSE },
  { "text/", FALSE },
  { "/plain", FALSE },
  { "", FALSE },
  { "; charset=utf-8", FALSE },
};

START_TEST (test_is_text)
{
  const TextRow *row = &text_rows[_i];
  gboolean got = ds_mime_is_text (row->type);

  ck_assert_msg (got == row->text, "ds_mime_is_text (\"%s\") = %d, want %d", row->type, got,
                 row->text);
}
END_TEST

/* ---- default type and charset ---- */

typedef struct
{
  const char *charset;
  const char *default_type;
  const char *name;
  const char *expected;
} DefaultRow;

static const DefaultRow default_rows[] = {
  { "utf-8", "application/octet-stream", "noext", "application/octet-stream" },
  { "utf-8", "application/octet-stream", "x.unknownext", "application/octet-stream" },
  { "utf-8", "application/octet-stream", "a.css", "text/css; charset=utf-8" },
  { "utf-8", "text/plain", "README", "text/plain; charset=utf-8" }, /* textual default */
  { "utf-8", "Text/Plain", "README", "text/plain; charset=utf-8" }, /* lower-cased */
  { "iso-8859-1", "text/plain", "README", "text/plain; charset=iso-8859-1" },
  { "iso-8859-1", "text/plain", "index.html", "text/html; charset=iso-8859-1" },
  { "iso-8859-1", "text/plain", "x.svg", "image/svg+xml; charset=iso-8859-1" },
  { "iso-8859-1", "text/plain", "x.png", "image/png" },
  { "iso-8859-1", "text/plain", "x.wasm", "application/wasm" },
  { "iso-8859-1", "application/octet-stream", "x", "application/octet-stream" },
  { NULL, NULL, "x", "application/octet-stream" },  /* NULL: the documented defaults */
  { NULL, NULL, "x.txt", "text/plain; charset=utf-8" },
};

START_TEST (test_default)
{
  const DefaultRow *row = &default_rows[_i];
  g_autoptr (DsMime) mime = new_mime_ok (NULL, NULL, row->charset, row->default_type);
  const char *got = ds_mime_lookup_or_default (mime, row->name);

  ck_assert_msg (g_strcmp0 (got, row->expected) == 0,
                 "charset %s, default %s: lookup_or_default (\"%s\") = \"%s\", want \"%s\"",
                 row->charset ? row->charset : "NULL",
                 row->default_type ? row->default_type : "NULL", row->name, got ? got : "(null)",
                 row->expected);
}
END_TEST

/* ---- ds_mime_new argument errors ---- */

typedef struct
{
  const char *charset;
  const char *default_type;
  const char *needle;
} ArgRow;

static const ArgRow arg_rows[] = {
  { "utf 8", "application/octet-stream", "charset \"utf 8\"" },
  { "", "application/octet-stream", "charset \"\"" },
  { "utf-8\"", "application/octet-stream", "charset" }, /* quote would break the header */
  { "utf-8", "octet", "has no '/'" },
  { "utf-8", "text/plain; charset=utf-8", "invalid character" }, /* charset is ours to add */
  { "utf-8", "text/", "empty type or subtype" },
  { "utf-8", "", "has no '/'" },
};

START_TEST (test_bad_arguments)
{
  const ArgRow *row = &arg_rows[_i];
  g_autoptr (GError) error = NULL;
  g_autoptr (DsMime) mime = ds_mime_new (NULL, NULL, row->charset, row->default_type, &error);

  ck_assert_msg (mime == NULL, "charset \"%s\", default \"%s\": accepted", row->charset,
                 row->default_type);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                 "charset \"%s\", default \"%s\": wrong or no error", row->charset,
                 row->default_type);
  ck_assert_msg (strstr (error->message, row->needle) != NULL,
                 "charset \"%s\", default \"%s\": message \"%s\" lacks \"%s\"", row->charset,
                 row->default_type, error->message, row->needle);
}
END_TEST

/* ---- system file ---- */

static char over_long_line[5001];

/* Comments, blank lines, tabs, duplicates, CRLF, inline comments, bad lines
 * (skipped) and no final newline. */
static char *
system_fixture_contents (void)
{
  memset (over_long_line, 'a', sizeof over_long_line - 1);
  memcpy (over_long_line, "text/x-long long ", 17);
  return g_strconcat ("# comment line\n"
                      "   # indented comment\n"
                      "\n"
                      "   \t  \n"
                      "text/x-foo\t\t\tfoo  fo2\n"
                      "image/x-png png\n"
                      "application/javascript js mjs\n"
                      "application/x-json json\n"
                      "text/x-markdown md\n"
                      "application/x-old dup\n"
                      "application/x-new dup\n"
                      "not-a-type bad1\n"
                      "text/x-bad<char bc\n"
                      "text/x-good good sarif.json p%q\n"
                      "Text/X-Upper UPPEREXT\n"
                      "application/x-trailing trl # ext2\n"
                      "application/x-only-type\n"
                      "text/x-crlf crlf\r\n",
                      over_long_line, "\n",
                      "text/x-last last", NULL);
}

static const LookupRow system_rows[] = {
  { "a.foo", "text/x-foo; charset=utf-8" },      /* tab-separated */
  { "a.fo2", "text/x-foo; charset=utf-8" },
  { "a.png", "image/x-png" },                    /* system beats an unpinned built-in */
  { "a.md", "text/x-markdown; charset=utf-8" },
  { "a.js", "text/javascript; charset=utf-8" },  /* pinned built-in beats the system */
  { "a.mjs", "text/javascript; charset=utf-8" },
  { "a.json", "application/json; charset=utf-8" },
  { "a.dup", "application/x-new" },              /* later line wins */
  { "a.bad1", NULL },                            /* line skipped: no '/' */
  { "a.bc", NULL },                              /* line skipped: bad character */
  { "a.good", "text/x-good; charset=utf-8" },    /* kept although "sarif.json" is skipped */
  { "a.p%q", "text/x-good; charset=utf-8" },     /* '%' is a token character */
  { "a.upperext", "text/x-upper; charset=utf-8" },
  { "a.UPPEREXT", "text/x-upper; charset=utf-8" },
  { "a.trl", "application/x-trailing" },
  { "a.ext2", NULL },                            /* after '#' */
  { "a.crlf", "text/x-crlf; charset=utf-8" },    /* CR is whitespace */
  { "a.long", NULL },                            /* over-long line skipped */
  { "a.last", "text/x-last; charset=utf-8" },    /* no final newline */
  { "a.txt", "text/plain; charset=utf-8" },      /* untouched built-in */
  { "a.html", "text/html; charset=utf-8" },
};

START_TEST (test_system_file)
{
  g_autofree char *contents = system_fixture_contents ();
  g_autofree char *path = write_fixture ("system.types", contents, -1);
  g_autoptr (DsMime) mime = new_mime_ok (path, NULL, "utf-8", "application/octet-stream");

  check_lookup (mime, &system_rows[_i], "system file");
}
END_TEST

/* ---- user file on top of the system file ---- */

static const char user_contents[]
    = "# user overrides\n"
      "text/x-user js\n"
      "image/x-user-png png\n"
      "application/xhtml+xml html\n"
      "application/x-u1 dup dup2\n"
      "application/x-u2 dup2\n"
      "application/x-exact aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
      "font/x-mine FOO\n";

static const LookupRow user_rows[] = {
  { "a.js", "text/x-user; charset=utf-8" },           /* user beats even a pinned row */
  { "a.png", "image/x-user-png" },                    /* user beats system */
  { "a.html", "application/xhtml+xml; charset=utf-8" }, /* +xml: charset */
  { "a.dup", "application/x-u1" },                    /* user beats system duplicate */
  { "a.dup2", "application/x-u2" },                   /* later line wins */
  { "a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "application/x-exact" }, /* exactly 32 bytes */
  { "a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },   /* 33: over the limit */
  { "a.foo", "font/x-mine" },                         /* user beats system; text -> binary */
  { "a.fo2", "text/x-foo; charset=utf-8" },           /* system row not mentioned */
  { "a.mjs", "text/javascript; charset=utf-8" },
  { "a.css", "text/css; charset=utf-8" },
};

START_TEST (test_user_file)
{
  g_autofree char *contents = system_fixture_contents ();
  g_autofree char *system_path = write_fixture ("system2.types", contents, -1);
  g_autofree char *user_path = write_fixture ("user.types", user_contents, -1);
  g_autoptr (DsMime) mime = new_mime_ok (system_path, user_path, "utf-8",
                                         "application/octet-stream");

  check_lookup (mime, &user_rows[_i], "user file");
}
END_TEST

/* The user file also works without a system file. */
START_TEST (test_user_file_alone)
{
  g_autofree char *user_path = write_fixture ("user-alone.types", user_contents, -1);
  g_autoptr (DsMime) mime = new_mime_ok (NULL, user_path, "utf-8", "application/octet-stream");
  const LookupRow rows[] = {
    { "a.js", "text/x-user; charset=utf-8" },
    { "a.png", "image/x-user-png" },
    { "a.gif", "image/gif" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    check_lookup (mime, &rows[i], "user file alone");
}
END_TEST

/* ---- user file errors ---- */

typedef struct
{
  const char *contents;
  gssize len; /* -1: NUL-terminated */
  guint line;
  const char *needle;
} UserErrorRow;

static char over_long_user[4100 + 32];

/* A literal with embedded NULs, and its length. */
#define BYTES(s) s, (gssize) (sizeof (s) - 1)

static const UserErrorRow user_error_rows[] = {
  { "texthtml html\n", -1, 1, "has no '/'" },
  { "html text/html\n", -1, 1, "has no '/'" },                /* nginx order */
  { "# ok\n\ntext/html html\ntext/ x\n", -1, 4, "empty type or subtype" },
  { "/html x\n", -1, 1, "empty type or subtype" },
  { "text/ht<ml x\n", -1, 1, "invalid character" },
  { "text/html/x y\n", -1, 1, "invalid character" },           /* second '/' */
  { "text/html; html\n", -1, 1, "invalid character" },         /* nginx-style ';' */
  { "text/plain .txt\n", -1, 1, "contains '.'" },              /* leading dot */
  { "text/plain txt tar.gz\n", -1, 1, "\"tar.gz\" contains '.'" },
  { "text/plain aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", -1, 1, "too long" }, /* 33 bytes */
  { "text/plain ok\ntext/plain b\001d\n", -1, 2, "\"b\\001d\" contains an invalid" }, /* escaped */
  { "text/plain ok\r\ntext/plain a<b\r\n", -1, 2, "invalid character" },
  { BYTES ("text/plain a\0b\n"), 1, "invalid character" }, /* NUL inside the file */
  { BYTES ("text/plain a\nte\0xt/plain b\n"), 2, "invalid character" },
  { over_long_user, -1, 3, "line longer than 4096 bytes" },
};

START_TEST (test_user_file_errors)
{
  const UserErrorRow *row = &user_error_rows[_i];
  g_autofree char *name = g_strdup_printf ("bad-%d.types", _i);

  if (row->contents == over_long_user)
    {
      /* Two fine lines, then 4097 bytes. */
      memset (over_long_user, 0, sizeof over_long_user);
      strcpy (over_long_user, "text/plain a\n\n");
      memset (over_long_user + 14, 'b', 4097);
      over_long_user[14 + 4097] = '\n';
    }
  g_autofree char *path = write_fixture (name, row->contents, row->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsMime) mime = ds_mime_new (NULL, path, "utf-8", "application/octet-stream", &error);
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, row->line);

  ck_assert_msg (mime == NULL, "row %d (%s): accepted", _i, row->needle);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE), "row %d: wrong or no error",
                 _i);
  ck_assert_msg (g_str_has_prefix (error->message, prefix), "row %d: \"%s\" lacks prefix \"%s\"",
                 _i, error->message, prefix);
  ck_assert_msg (strstr (error->message, row->needle) != NULL,
                 "row %d: \"%s\" lacks \"%s\"", _i, error->message, row->needle);
}
END_TEST

/* ---- missing and unreadable files ---- */

START_TEST (test_missing_files)
{
  g_autofree char *missing = g_build_filename (tmpdir, "does-not-exist.types", NULL);
  g_autofree char *under_file = NULL;
  g_autofree char *file = write_fixture ("plain.types", "text/x-p p\n", -1);
  g_autoptr (GError) error = NULL;

  /* A missing system file is fine, also behind a non-directory. */
  {
    g_autoptr (DsMime) mime = new_mime_ok (missing, NULL, "utf-8", "application/octet-stream");
    ck_assert_str_eq (ds_mime_lookup (mime, "a.css"), "text/css; charset=utf-8");
  }
  under_file = g_build_filename (file, "x", NULL);
  {
    g_autoptr (DsMime) mime = new_mime_ok (under_file, NULL, "utf-8", NULL);
    ck_assert_ptr_nonnull (mime);
  }

  /* A system file that exists but is not readable as a file is an error. */
  {
    g_autoptr (DsMime) mime = ds_mime_new (tmpdir, NULL, "utf-8", NULL, &error);
    ck_assert_msg (mime == NULL, "directory %s accepted as system file", tmpdir);
    ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME),
                   "system file %s: wrong error %s", tmpdir, error ? error->message : "none");
    g_clear_error (&error);
  }

  /* A missing or unreadable user file is a usage error naming the file. */
  {
    g_autoptr (DsMime) mime = ds_mime_new (NULL, missing, "utf-8", NULL, &error);
    ck_assert_msg (mime == NULL, "missing user file accepted");
    ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE), "missing user file: %s",
                   error ? error->message : "no error");
    ck_assert_msg (strstr (error->message, missing) != NULL, "\"%s\" does not name %s",
                   error->message, missing);
    g_clear_error (&error);
  }
  {
    g_autoptr (DsMime) mime = ds_mime_new (NULL, tmpdir, "utf-8", NULL, &error);
    ck_assert_msg (mime == NULL, "directory accepted as user file");
    ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE), "directory user file: %s",
                   error ? error->message : "no error");
    g_clear_error (&error);
  }
}
END_TEST

/* ---- the real /etc/mime.types, if this system has one ---- */

static const LookupRow etc_rows[] = {
  { "a.odt", "application/vnd.oasis.opendocument.text" }, /* only in media-types */
  { "a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
  { "a.js", "text/javascript; charset=utf-8" },
  { "a.mjs", "text/javascript; charset=utf-8" },
  { "a.json", "application/json; charset=utf-8" },
  { "a.wasm", "application/wasm" },
  { "a.css", "text/css; charset=utf-8" },
  { "a.html", "text/html; charset=utf-8" },
  { "a.svg", "image/svg+xml; charset=utf-8" },
  { "a.rs", "text/x-rust; charset=utf-8" }, /* media-types: application/rls-services+xml */
  { "a.png", "image/png" },
  { "a.gz", "application/gzip" },
};

START_TEST (test_etc_mime_types)
{
  if (!g_file_test ("/etc/mime.types", G_FILE_TEST_IS_REGULAR))
    return; /* nothing to check on a system without media-types */
  g_autoptr (DsMime) mime = new_mime_ok ("/etc/mime.types", NULL, "utf-8",
                                         "application/octet-stream");
  check_lookup (mime, &etc_rows[_i], "/etc/mime.types");
}
END_TEST

/* ---- docs mode: ds_mime_sniff_text ---- */

typedef struct
{
  const char *bytes;
  gssize len; /* -1: NUL-terminated */
  gboolean text;
} SniffRow;

static const SniffRow sniff_rows[] = {
  { "", -1, TRUE }, /* an empty file is text */
  { "Hello, world.\n", -1, TRUE },
  { "col1\tcol2\n", -1, TRUE },
  { "line one\r\nline two\r\n", -1, TRUE },
  { "page one\fpage two\n", -1, TRUE },
  { "\x1b[31mred\x1b[0m\n", -1, TRUE }, /* ESC allowed for ANSI-coloured logs */
  { "Gr\xc3\xbc\xc3\x9f Gott, \xe2\x82\xac" "5 \xf0\x9f\x98\x80\n", -1, TRUE }, /* 2, 3, 4 bytes */
  { "\xef\xbb\xbf" "BOM", -1, TRUE },
  { "caf\xc3", -1, TRUE },                /* cut mid-sequence at the end: a prefix */
  { "euro \xe2\x82", -1, TRUE },
  { "euro \xe2", -1, TRUE },
  { "smile \xf0\x9f\x98", -1, TRUE },
  { "\xe2\x82\xac\xe2", -1, TRUE },       /* a whole one, then a cut one */
  { "ab\xf0\x9f\x98\x80", -1, TRUE },     /* complete at the very end */
  { "caf\xc3 au lait", -1, FALSE },       /* cut in the middle */
  { "euro \xe2\x82 x", -1, FALSE },
  { "caf\xe9 au lait", -1, FALSE },       /* Latin-1, not UTF-8 */
  /* Latin-1 e-acute is also a 3-byte UTF-8 lead: at the very end it looks
   * cut off and passes; the caller cannot tell a prefix from a whole file. */
  { "caf\xe9", -1, TRUE },
  { BYTES ("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), FALSE }, /* gzip header */
  { "\x1f\x8b\x08", -1, FALSE },
  { BYTES ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), FALSE },
  { BYTES ("text\0more text"), FALSE },
  { BYTES ("\0"), FALSE },
  { BYTES ("text ends in NUL\0"), FALSE },
  { "del\x7f", -1, FALSE },
  { "bell\x07", -1, FALSE },
  { "back\bspace", -1, FALSE },          /* nroff overstrike is not text here */
  { "vt\x0b", -1, FALSE },
  { "\x01\x02\x03", -1, FALSE },
  { "\xc0\xaf", -1, FALSE },              /* overlong '/' */
  { "\xc1\xbf", -1, FALSE },
  { "\xe0\x80\xaf", -1, FALSE },          /* overlong, 3 bytes */
  { "\xe0\x80", -1, FALSE },              /* cut at the end, but already invalid */
  { "\xed\xa0\x80", -1, FALSE },          /* UTF-16 surrogate */
  { "\xed\x9f\xbf", -1, TRUE },           /* U+D7FF, just below the surrogates */
  { "\xf4\x8f\xbf\xbf", -1, TRUE },       /* U+10FFFF */
  { "\xf4\x90\x80\x80", -1, FALSE },      /* over U+10FFFF */
  { "\xf5\x80\x80\x80", -1, FALSE },
  { "\xff\xfe" "a", -1, FALSE },          /* UTF-16LE BOM */
  { "\x80 lone continuation", -1, FALSE },
  { "\xf0\x9f\x98\x80\x80", -1, FALSE },  /* a stray continuation after a whole one */
  { "\xe2\x28\xa1", -1, FALSE },          /* bad second byte */
  { "\xe2\x82\x28", -1, FALSE },          /* bad third byte */
  { "\xc2\x85", -1, TRUE },               /* U+0085, a C1 control, is valid UTF-8 */
};

START_TEST (test_sniff_text)
{
  const SniffRow *row = &sniff_rows[_i];
  gsize len = row->len < 0 ? strlen (row->bytes) : (gsize) row->len;
  /* An exact-length heap copy, so ASan sees any read past @len. */
  g_autofree guint8 *copy = g_memdup2 (row->bytes, len);
  g_autofree char *shown = g_strescape (row->bytes, NULL);
  gboolean got = ds_mime_sniff_text (len > 0 ? copy : NULL, len);

  ck_assert_msg (got == row->text, "row %d: sniff_text (\"%s\", %" G_GSIZE_FORMAT ") = %d, want %d",
                 _i, shown, len, got, row->text);
}
END_TEST

/* A full 1024-byte prefix: text, and not text once one byte is NUL or a
 * sequence is cut in the middle. */
START_TEST (test_sniff_text_full_prefix)
{
  guint8 buf[1024];

  for (gsize i = 0; i < sizeof buf; i++)
    buf[i] = i % 64 == 63 ? '\n' : (guint8) ('a' + i % 26);
  ck_assert_msg (ds_mime_sniff_text (buf, sizeof buf), "1024 bytes of ASCII: not text");
  memcpy (buf + sizeof buf - 2, "\xe2\x82", 2);
  ck_assert_msg (ds_mime_sniff_text (buf, sizeof buf), "1024 bytes ending in a cut euro: not text");
  buf[sizeof buf - 1] = 'x';
  ck_assert_msg (!ds_mime_sniff_text (buf, sizeof buf), "\\xe2 then 'x' at 1022: text");
  buf[sizeof buf - 2] = 'y';
  ck_assert_msg (ds_mime_sniff_text (buf, sizeof buf), "restored: not text");
  buf[500] = '\0';
  ck_assert_msg (!ds_mime_sniff_text (buf, sizeof buf), "NUL at 500: text");
}
END_TEST

/* ---- docs mode: ds_mime_is_archive_name ---- */

typedef struct
{
  const char *name;
  gboolean archive;
} ArchiveRow;

static const ArchiveRow archive_rows[] = {
  { "changelog.Debian.gz", FALSE }, /* text with Content-Encoding: gzip */
  { "README.gz", FALSE },
  { "x.gz", FALSE },
  { "x.tar.gz", TRUE },
  { "x.TAR.GZ", TRUE },
  { "x.Tar.Gz", TRUE },
  { "x.tgz", TRUE },
  { "x.TGZ", TRUE },
  { "/usr/share/doc/foo/foo-1.0.tar.gz", TRUE },
  { ".gz", FALSE },
  { ".tgz", TRUE },                 /* whole-name match: the safe answer */
  { ".tar.gz", TRUE },
  { "tar.gz", FALSE },              /* "tar" is the name, not an extension */
  { "x.tar", FALSE },               /* not compressed: not our concern */
  { "x.tar.bz2", FALSE },           /* only gzip can be a Content-Encoding here */
  { "x.tar.gz.asc", FALSE },
  { "x.targz", FALSE },
  { "x_tar.gz", FALSE },
  { "x.ttgz", FALSE },
  { "dir.tar.gz/README.gz", FALSE }, /* only the end of the path counts */
  { "", FALSE },
};

START_TEST (test_is_archive_name)
{
  const ArchiveRow *row = &archive_rows[_i];
  gboolean got = ds_mime_is_archive_name (row->name);

  ck_assert_msg (got == row->archive, "is_archive_name (\"%s\") = %d, want %d", row->name, got,
                 row->archive);
}
END_TEST

static Suite *
mime_suite (void)
{
  Suite *s = suite_create ("mime");
  TCase *tc;

  tc = tcase_create ("builtin");
  tcase_add_loop_test (tc, test_builtin, 0, G_N_ELEMENTS (builtin_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("is_text");
  tcase_add_loop_test (tc, test_is_text, 0, G_N_ELEMENTS (text_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("default");
  tcase_add_loop_test (tc, test_default, 0, G_N_ELEMENTS (default_rows));
  tcase_add_loop_test (tc, test_bad_arguments, 0, G_N_ELEMENTS (arg_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("files");
  tcase_add_loop_test (tc, test_system_file, 0, G_N_ELEMENTS (system_rows));
  tcase_add_loop_test (tc, test_user_file, 0, G_N_ELEMENTS (user_rows));
  tcase_add_test (tc, test_user_file_alone);
  tcase_add_loop_test (tc, test_user_file_errors, 0, G_N_ELEMENTS (user_error_rows));
  tcase_add_test (tc, test_missing_files);
  tcase_add_loop_test (tc, test_etc_mime_types, 0, G_N_ELEMENTS (etc_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("docs");
  tcase_add_loop_test (tc, test_sniff_text, 0, G_N_ELEMENTS (sniff_rows));
  tcase_add_test (tc, test_sniff_text_full_prefix);
  tcase_add_loop_test (tc, test_is_archive_name, 0, G_N_ELEMENTS (archive_rows));
  suite_add_tcase (s, tc);

  return s;
}

static void
remove_tmpdir (void)
{
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmpdir, name, NULL);
      (void) g_unlink (path);
    }
  (void) g_rmdir (tmpdir);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;

  tmpdir = g_dir_make_tmp ("check_mime-XXXXXX", &error);
  if (tmpdir == NULL)
    {
      g_printerr ("cannot create a temporary directory: %s\n", error->message);
      return EXIT_FAILURE;
    }

  SRunner *sr = srunner_create (mime_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);

  remove_tmpdir ();
  g_free (tmpdir);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
