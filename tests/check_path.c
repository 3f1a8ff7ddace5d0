/* check_path.c: unit tests for path.c (sanitize, encode, open). */
#include "config.h"

#include "docserve/path.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* ---- ds_path_sanitize -------------------------------------------------- */

typedef struct
{
  const char *raw;
  gssize len; /* -1: strlen (raw) */
  DsDotfiles dotfiles;
  DsPathResult result;
  const char *rel; /* expected on DS_PATH_OK */
  gboolean dir_slash;
} SanitizeCase;

#define BAD DS_PATH_BAD_REQUEST
#define NF DS_PATH_NOT_FOUND
#define OK DS_PATH_OK
#define DENY DS_DOTFILES_DENY
#define ALLOW DS_DOTFILES_ALLOW

static const SanitizeCase sanitize_cases[] = {
  /* Plain paths. */
  { "/", -1, DENY, OK, "", TRUE },
  { "/index.html", -1, DENY, OK, "index.html", FALSE },
  { "/a/b", -1, DENY, OK, "a/b", FALSE },
  { "/a/b/", -1, DENY, OK, "a/b", TRUE },

  /* Traversal, in every encoding. */
  { "/../etc/passwd", -1, DENY, BAD, NULL, FALSE },
  { "/a/../../x", -1, DENY, BAD, NULL, FALSE },
  { "/%2e%2e/x", -1, DENY, BAD, NULL, FALSE },
  { "/%2E%2e/", -1, DENY, BAD, NULL, FALSE },
  { "/.%2e/x", -1, DENY, BAD, NULL, FALSE },
  { "/%2e./x", -1, DENY, BAD, NULL, FALSE },
  { "/a/%2e%2e/%2e%2e/x", -1, DENY, BAD, NULL, FALSE },
  /* Would be "../x" to a decoder that turns %2F into '/' (MHD's does). */
  { "/..%2fx", -1, DENY, BAD, NULL, FALSE },
  { "/a/..%2F..%2Fx", -1, DENY, BAD, NULL, FALSE },
  /* Encoded '/' is refused even where it would be harmless: one segment must
   * not look like two to any layer below. */
  { "/a%2Fb", -1, DENY, BAD, NULL, FALSE },
  { "/a%2fb/", -1, DENY, BAD, NULL, FALSE },
  /* Encoded and raw backslash: a separator on Windows-backed storage. */
  { "/a%5Cb", -1, DENY, BAD, NULL, FALSE },
  { "/..%5cx", -1, DENY, BAD, NULL, FALSE },
  { "/..\\x", -1, DENY, BAD, NULL, FALSE },
  { "/a\\b", -1, DENY, BAD, NULL, FALSE },
  /* Overlong UTF-8 for '.', as given: fails already for lacking the '/'. */
  { "%c0%ae%c0%ae", -1, DENY, BAD, NULL, FALSE },
  /* The same overlong dots as a segment: only the UTF-8 check catches it. */
  { "/%c0%ae%c0%ae/x", -1, DENY, BAD, NULL, FALSE },
  { "/a/%c0%ae%c0%ae", -1, DENY, BAD, NULL, FALSE },
  /* Overlong '/' (%c0%af): also invalid UTF-8. */
  { "/..%c0%afx", -1, DENY, BAD, NULL, FALSE },
  /* ".." as the very last segment, nothing left to pop. */
  { "/..", -1, DENY, BAD, NULL, FALSE },
  /* Climbing back to the root exactly is fine, only above it is refused. */
  { "/a/..", -1, DENY, OK, "", TRUE },
  { "/a/b/../../c", -1, DENY, OK, "c", FALSE },
  /* Double-encoded dots are decoded once only: a literal "%2e%2e" name. */
  { "/%252e%252e/x", -1, DENY, OK, "%2e%2e/x", FALSE },
  /* Three dots is a dotfile name, not a dot segment. */
  { "/..%2e", -1, DENY, NF, NULL, FALSE },
  { "/..%2e", -1, ALLOW, OK, "...", FALSE },

  /* Escapes. */
  { "/%00", -1, DENY, BAD, NULL, FALSE },
  /* MHD's own decoder would have truncated this to "/a". */
  { "/a%00.html", -1, DENY, BAD, NULL, FALSE },
  { "/%zz", -1, DENY, BAD, NULL, FALSE },
  { "/%4", -1, DENY, BAD, NULL, FALSE },
  { "/%", -1, DENY, BAD, NULL, FALSE },
  { "/a%4g", -1, DENY, BAD, NULL, FALSE },
  /* "%2" followed by end of input, with more bytes in memory after it. */
  { "/a%20", 4, DENY, BAD, NULL, FALSE },
  { "/%41%62c", -1, DENY, OK, "Abc", FALSE },
  { "/a%20b", -1, DENY, OK, "a b", FALSE },
  /* '+' means space only in form-encoded queries, never in a path. */
  { "/a+b", -1, DENY, OK, "a+b", FALSE },
  { "/a%2Bb", -1, DENY, OK, "a+b", FALSE },
  { "/a%23b", -1, DENY, OK, "a#b", FALSE },
  { "/100%25", -1, DENY, OK, "100%", FALSE },
  /* Matrix parameters are not special to a file server. */
  { "/a;b=c", -1, DENY, OK, "a;b=c", FALSE },
  /* The caller strips the query; a '?' reaching us is just a byte. */
  { "/a?b", -1, DENY, OK, "a?b", FALSE },

  /* Control bytes, raw and encoded. */
  { "/a\x01" "b", -1, DENY, BAD, NULL, FALSE },
  { "/a\tb", -1, DENY, BAD, NULL, FALSE },
  { "/a\x7f" "b", -1, DENY, BAD, NULL, FALSE },
  { "/a%7Fb", -1, DENY, BAD, NULL, FALSE },
  { "/a%1fb", -1, DENY, BAD, NULL, FALSE },
  { "/a%0d%0aSet-Cookie:x", -1, DENY, BAD, NULL, FALSE },
  /* A raw NUL inside the length: the input is length-delimited. */
  { "/a\0b", 4, DENY, BAD, NULL, FALSE },
  /* Length shorter than the string: only "/abc" is the path. */
  { "/abc/def", 4, DENY, OK, "abc", FALSE },
  /* A fragment is never sent by a client (RFC 9112 section 3.2). */
  { "/a#frag", -1, DENY, BAD, NULL, FALSE },

  /* UTF-8. */
  { "/caf%C3%A9.txt", -1, DENY, OK, "caf\xc3\xa9.txt", FALSE },
  /* Raw UTF-8 (curl sends it unencoded) is accepted when valid. */
  { "/caf\xc3\xa9.txt", -1, DENY, OK, "caf\xc3\xa9.txt", FALSE },
  /* Raw Latin-1 is not UTF-8. */
  { "/caf\xe9.txt", -1, DENY, BAD, NULL, FALSE },
  { "/%ff", -1, DENY, BAD, NULL, FALSE },
  /* Truncated 2-byte sequence. */
  { "/%C3", -1, DENY, BAD, NULL, FALSE },
  /* UTF-16 surrogate U+D800 encoded as UTF-8. */
  { "/%ED%A0%80", -1, DENY, BAD, NULL, FALSE },
  /* U+110000, above the Unicode range. */
  { "/%F4%90%80%80", -1, DENY, BAD, NULL, FALSE },
  { "/%F0%9F%98%80", -1, DENY, OK, "\xf0\x9f\x98\x80", FALSE },

  /* Empty segments and dot segments. */
  /* "//" is the root, not a network-path reference: it is a path here. */
  { "//", -1, DENY, OK, "", TRUE },
  { "///a//b/", -1, DENY, OK, "a/b", TRUE },
  { "/./a/./", -1, DENY, OK, "a", TRUE },
  { "/a/./b", -1, DENY, OK, "a/b", FALSE },
  /* Last segment "." or "..": directory form, as a browser resolves it. */
  { "/a/b/.", -1, DENY, OK, "a/b", TRUE },
  { "/a/b/..", -1, DENY, OK, "a", TRUE },
  { "/a/b/../", -1, DENY, OK, "a", TRUE },
  { "/a/b/%2e%2E", -1, DENY, OK, "a", TRUE },

  /* Form of the request target. */
  { "", -1, DENY, BAD, NULL, FALSE },
  { "a/b", -1, DENY, BAD, NULL, FALSE },
  /* OPTIONS "*" is answered before ds_path_sanitize. */
  { "*", -1, DENY, BAD, NULL, FALSE },
  { "http://example.com/a/b", -1, DENY, OK, "a/b", FALSE },
  /* Scheme is case-insensitive (RFC 3986 section 3.1); no path: root. */
  { "HTTP://x", -1, DENY, OK, "", TRUE },
  { "http://x", -1, DENY, OK, "", TRUE },
  { "http://x/", -1, DENY, OK, "", TRUE },
  { "hTTpS://x:8443/y/", -1, DENY, OK, "y", TRUE },
  { "http://user@x/%41", -1, DENY, OK, "A", FALSE },
  /* Rules for the path apply after the authority too. */
  { "http://x/../a", -1, DENY, BAD, NULL, FALSE },
  { "http://x/.git", -1, DENY, NF, NULL, FALSE },
  /* Empty host: RFC 9110 section 4.2.1 says reject. */
  { "http:///a", -1, DENY, BAD, NULL, FALSE },
  { "http://x\x01y/a", -1, DENY, BAD, NULL, FALSE },
  { "http:/a", -1, DENY, BAD, NULL, FALSE },
  { "ftp://x/a", -1, DENY, BAD, NULL, FALSE },
  /* Only a prefix is absolute-form: this is a path with segment "http:". */
  { "/http://x/a", -1, DENY, OK, "http:/x/a", FALSE },

  /* Dotfiles. */
  { "/.git/config", -1, DENY, NF, NULL, FALSE },
  { "/.git/config", -1, ALLOW, OK, ".git/config", FALSE },
  { "/a/.env", -1, DENY, NF, NULL, FALSE },
  { "/a/.env", -1, ALLOW, OK, "a/.env", FALSE },
  { "/.well-known/acme-challenge/x", -1, DENY, OK, ".well-known/acme-challenge/x", FALSE },
  { "/.well-known/", -1, DENY, OK, ".well-known", TRUE },
  /* Only a FIRST segment ".well-known" is exempt (RFC 8615). */
  { "/a/.well-known/x", -1, DENY, NF, NULL, FALSE },
  /* Exempt name, but a dotfile below it is still denied. */
  { "/.well-known/.hidden", -1, DENY, NF, NULL, FALSE },
  { "/.well-knownx", -1, DENY, NF, NULL, FALSE },
  /* Decoded first, so this is ".well-known". */
  { "/%2ewell-known/x", -1, DENY, OK, ".well-known/x", FALSE },
  { "/%2egit/config", -1, DENY, NF, NULL, FALSE },
  /* ".well-known" first after normalisation counts as first. */
  { "/a/../.well-known/x", -1, DENY, OK, ".well-known/x", FALSE },
  /* The dotfile is gone after normalisation. */
  { "/.git/..", -1, DENY, OK, "", TRUE },
  /* 400 wins over 404: a malformed request is malformed whatever it names. */
  { "/.git/%00", -1, DENY, BAD, NULL, FALSE },
  /* A dot inside a name is not a dotfile. */
  { "/a.b/c.", -1, DENY, OK, "a.b/c.", FALSE },
};

static char untouched_marker[] = "untouched";

/* @len bytes of @raw, printable, for failure messages (NUL included). */
static char *
show_bytes (const char *raw, gsize len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) raw[i];
      if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  return g_string_free (out, FALSE);
}

START_TEST (test_sanitize_table)
{
  const SanitizeCase *tc = &sanitize_cases[_i];
  gsize len = tc->len >= 0 ? (gsize) tc->len : strlen (tc->raw);
  g_autofree char *shown = show_bytes (tc->raw, len);
  char *rel = untouched_marker;
  gboolean dir_slash = 42;

  DsPathResult r = ds_path_sanitize (tc->raw, len, tc->dotfiles, &rel, &dir_slash);

  ck_assert_msg (r == tc->result, "row %d \"%s\" (len %zu, dotfiles %d): result %d, expected %d",
                 _i, shown, len, tc->dotfiles, r, tc->result);
  if (tc->result != DS_PATH_OK)
    {
      ck_assert_msg (rel == untouched_marker && dir_slash == 42,
                     "row %d \"%s\": out parameters changed on failure", _i, shown);
      return;
    }
  g_autofree char *got = rel;
  g_autofree char *shown_got = show_bytes (got, strlen (got));
  ck_assert_msg (strcmp (got, tc->rel) == 0, "row %d \"%s\": rel \"%s\", expected \"%s\"", _i,
                 shown, shown_got, tc->rel);
  ck_assert_msg (dir_slash == tc->dir_slash, "row %d \"%s\": dir_slash %d, expected %d", _i,
                 shown, dir_slash, tc->dir_slash);
}
END_TEST

/* 60,000 bytes of "a/": linear work, no recursion. */
START_TEST (test_sanitize_long_path)
{
  GString *raw = g_string_new ("/");
  for (int i = 0; i < 30000; i++)
    g_string_append (raw, "a/");
  char *rel = NULL;
  gboolean dir_slash = FALSE;
  gint64 start = g_get_monotonic_time ();

  DsPathResult r = ds_path_sanitize (raw->str, raw->len, DS_DOTFILES_DENY, &rel, &dir_slash);

  gint64 elapsed = g_get_monotonic_time () - start;
  ck_assert_msg (r == DS_PATH_OK, "30000 x \"a/\": result %d", r);
  ck_assert_msg (strlen (rel) == 30000 * 2 - 1 && dir_slash,
                 "30000 x \"a/\": rel length %zu, dir_slash %d", strlen (rel), dir_slash);
  for (gsize i = 0; rel[i] != '\0'; i++)
    ck_assert_msg (rel[i] == (i % 2 == 0 ? 'a' : '/'), "30000 x \"a/\": rel[%zu] = '%c'", i,
                   rel[i]);
  /* Linear work is a few milliseconds even under ASan; quadratic would be
   * around 1e9 steps. */
  ck_assert_msg (elapsed < G_USEC_PER_SEC, "30000 x \"a/\" took %" G_GINT64_FORMAT " us", elapsed);
  g_free (rel);
  g_string_free (raw, TRUE);
}
END_TEST

/* One real segment, then 10,000 "../": 400 at the second, quickly. */
START_TEST (test_sanitize_many_dotdots)
{
  GString *raw = g_string_new ("/a/");
  for (int i = 0; i < 10000; i++)
    g_string_append (raw, "../");
  char *rel = untouched_marker;
  gboolean dir_slash = 42;
  gint64 start = g_get_monotonic_time ();

  DsPathResult r = ds_path_sanitize (raw->str, raw->len, DS_DOTFILES_DENY, &rel, &dir_slash);

  gint64 elapsed = g_get_monotonic_time () - start;
  ck_assert_msg (r == DS_PATH_BAD_REQUEST, "\"/a/\" + 10000 x \"../\": result %d", r);
  ck_assert_msg (rel == untouched_marker && dir_slash == 42,
                 "\"/a/\" + 10000 x \"../\": out parameters changed");
  ck_assert_msg (elapsed < G_USEC_PER_SEC, "\"/a/\" + 10000 x \"../\" took %" G_GINT64_FORMAT " us",
                 elapsed);

  /* Balanced: 10,000 segments then 10,000 "..": the root, still linear. */
  g_string_assign (raw, "/");
  for (int i = 0; i < 10000; i++)
    g_string_append (raw, "a/");
  for (int i = 0; i < 10000; i++)
    g_string_append (raw, "%2e%2e/");
  rel = NULL;
  r = ds_path_sanitize (raw->str, raw->len, DS_DOTFILES_DENY, &rel, &dir_slash);
  ck_assert_msg (r == DS_PATH_OK && rel != NULL && rel[0] == '\0' && dir_slash,
                 "10000 x \"a/\" + 10000 x \"%%2e%%2e/\": result %d rel \"%s\"", r,
                 rel != NULL ? rel : "(null)");
  g_free (rel);
  g_string_free (raw, TRUE);
}
END_TEST

/* ---- ds_path_encode ---------------------------------------------------- */

typedef struct
{
  const char *rel;
  const char *encoded;
} EncodeCase;

static const EncodeCase encode_cases[] = {
  { "", "/" },
  { "a/b", "/a/b" },
  { "a b", "/a%20b" },
  { "caf\xc3\xa9.txt", "/caf%C3%A9.txt" },
  /* sub-delims, ':' and '@' are pchar: kept. */
  { "a&b", "/a&b" },
  { "AZaz09-._~!$&'()*+,;=:@", "/AZaz09-._~!$&'()*+,;=:@" },
  { "<x>", "/%3Cx%3E" },
  { "\"q\"", "/%22q%22" },
  /* Would end the path in a URL. */
  { "#frag", "/%23frag" },
  { "what?", "/what%3F" },
  /* '%' itself: must not be read back as an escape. */
  { "100%", "/100%25" },
  { "%2e%2e", "/%252e%252e" },
  { "dir/a b/c#d?e%f", "/dir/a%20b/c%23d%3Fe%25f" },
  { "a[1]{2}|^`", "/a%5B1%5D%7B2%7D%7C%5E%60" },
  { ".well-known/x", "/.well-known/x" },
  { "...", "/..." },
  { "\xf0\x9f\x98\x80", "/%F0%9F%98%80" },
};

START_TEST (test_encode_table)
{
  const EncodeCase *tc = &encode_cases[_i];
  g_autofree char *shown = g_strescape (tc->rel, NULL);
  g_autofree char *enc = ds_path_encode (tc->rel);

  ck_assert_msg (strcmp (enc, tc->encoded) == 0, "row %d \"%s\": encoded \"%s\", expected \"%s\"",
                 _i, shown, enc, tc->encoded);

  /* Round trip: what we put in an href must lead back to the same name. */
  g_autofree char *back = NULL;
  gboolean dir_slash = FALSE;
  DsPathResult r = ds_path_sanitize (enc, strlen (enc), DS_DOTFILES_ALLOW, &back, &dir_slash);
  ck_assert_msg (r == DS_PATH_OK, "row %d \"%s\": sanitize (\"%s\") = %d", _i, shown, enc, r);
  ck_assert_msg (strcmp (back, tc->rel) == 0, "row %d \"%s\": round trip gave \"%s\"", _i, shown,
                 back);
  ck_assert_msg (dir_slash == (tc->rel[0] == '\0'), "row %d \"%s\": dir_slash %d", _i, shown,
                 dir_slash);
}
END_TEST

/* ---- ds_path_open ------------------------------------------------------ */

static char *tmp_base;
static int root_fd = -1;

static void
write_file (const char *path, const char *contents)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, contents, -1, &error))
    ck_abort_msg ("cannot write %s: %s", path, error->message);
}

static void
make_symlink (const char *target, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (symlink (target, path) != 0)
    ck_abort_msg ("symlink %s -> %s: %s", path, target, g_strerror (errno));
}

/* base/outside.txt, base/root/{file.txt, sub/inner.txt, fifo, links...}.
 * Built once per test case (unchecked fixture: setup and teardown run in the
 * parent, so the tree is removed even when a forked test fails); the tests
 * only read it. */
static void
open_setup (void)
{
  g_autoptr (GError) error = NULL;

  tmp_base = g_dir_make_tmp ("check_path-XXXXXX", &error);
  if (tmp_base == NULL)
    ck_abort_msg ("g_dir_make_tmp: %s", error->message);

  g_autofree char *root = g_build_filename (tmp_base, "root", NULL);
  g_autofree char *sub = g_build_filename (root, "sub", NULL);
  g_autofree char *outside = g_build_filename (tmp_base, "outside.txt", NULL);
  g_autofree char *file = g_build_filename (root, "file.txt", NULL);
  g_autofree char *inner = g_build_filename (sub, "inner.txt", NULL);
  g_autofree char *fifo = g_build_filename (root, "fifo", NULL);

  ck_assert_msg (g_mkdir (root, 0700) == 0 && g_mkdir (sub, 0700) == 0, "mkdir %s: %s", sub,
                 g_strerror (errno));
  write_file (outside, "outside");
  write_file (file, "inside");
  write_file (inner, "inner");
  ck_assert_msg (mkfifo (fifo, 0600) == 0, "mkfifo %s: %s", fifo, g_strerror (errno));

  make_symlink ("file.txt", root, "link_in");
  make_symlink ("sub", root, "link_in_dir");
  make_symlink ("sub/../file.txt", root, "link_in_dotdot");
  make_symlink ("../outside.txt", root, "link_up");
  make_symlink (outside, root, "link_abs_out");
  make_symlink (file, root, "link_abs_in");
  make_symlink ("link_loop", root, "link_loop");
  make_symlink ("nowhere", root, "link_dangling");
  make_symlink ("file.txt/", root, "link_file_slash");

  root_fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_msg (root_fd >= 0, "open %s: %s", root, g_strerror (errno));
}

static void
open_teardown (void)
{
  static const char *const names[] = {
    "root/sub/inner.txt", "root/sub", "root/file.txt", "root/fifo",
    "root/link_in", "root/link_in_dir", "root/link_in_dotdot", "root/link_up",
    "root/link_abs_out", "root/link_abs_in", "root/link_loop", "root/link_dangling",
    "root/link_file_slash",
    "root", "outside.txt",
  };

  if (root_fd >= 0)
    close (root_fd);
  root_fd = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (tmp_base, names[i], NULL);
      if (g_remove (path) != 0 && errno != ENOENT)
        fprintf (stderr, "cleanup: cannot remove %s: %s\n", path, g_strerror (errno));
    }
  if (g_rmdir (tmp_base) != 0)
    fprintf (stderr, "cleanup: cannot remove %s: %s\n", tmp_base, g_strerror (errno));
  g_clear_pointer (&tmp_base, g_free);
}

typedef enum
{
  KIND_REG,
  KIND_DIR,
  KIND_FIFO
} Kind;

typedef struct
{
  const char *rel;
  DsSymlinks symlinks;
  int err;              /* 0: must open */
  Kind kind;            /* when it opens */
  const char *contents; /* for KIND_REG: proves which file was opened */
} OpenCase;

#define INSIDE DS_SYMLINKS_INSIDE
#define FOLLOW DS_SYMLINKS_FOLLOW
#define NONE DS_SYMLINKS_NONE

static const OpenCase open_cases[] = {
  { "file.txt", INSIDE, 0, KIND_REG, "inside" },
  { "file.txt", FOLLOW, 0, KIND_REG, "inside" },
  { "file.txt", NONE, 0, KIND_REG, "inside" },
  /* "" is the root itself. */
  { "", INSIDE, 0, KIND_DIR, NULL },
  { "", FOLLOW, 0, KIND_DIR, NULL },
  { "", NONE, 0, KIND_DIR, NULL },
  { "sub", INSIDE, 0, KIND_DIR, NULL },
  { "sub/inner.txt", NONE, 0, KIND_REG, "inner" },

  /* Relative symlink that stays inside. */
  { "link_in", INSIDE, 0, KIND_REG, "inside" },
  { "link_in", FOLLOW, 0, KIND_REG, "inside" },
  { "link_in", NONE, ENOENT, 0, NULL },
  /* Symlink as a middle component. */
  { "link_in_dir/inner.txt", INSIDE, 0, KIND_REG, "inner" },
  { "link_in_dir/inner.txt", FOLLOW, 0, KIND_REG, "inner" },
  { "link_in_dir/inner.txt", NONE, ENOENT, 0, NULL },
  /* ".." inside a link target is fine while it stays beneath the root. */
  { "link_in_dotdot", INSIDE, 0, KIND_REG, "inside" },

  /* Relative symlink out of the root via "../". */
  { "link_up", INSIDE, ENOENT, 0, NULL },
  { "link_up", FOLLOW, 0, KIND_REG, "outside" },
  { "link_up", NONE, ENOENT, 0, NULL },
  /* Absolute symlink out of the root. */
  { "link_abs_out", INSIDE, ENOENT, 0, NULL },
  { "link_abs_out", FOLLOW, 0, KIND_REG, "outside" },
  { "link_abs_out", NONE, ENOENT, 0, NULL },
  /* Absolute symlink back into the root: RESOLVE_BENEATH refuses every
   * absolute link (EXDEV), wherever it points, so INSIDE gives 404 too. */
  { "link_abs_in", INSIDE, ENOENT, 0, NULL },
  { "link_abs_in", FOLLOW, 0, KIND_REG, "inside" },
  { "link_abs_in", NONE, ENOENT, 0, NULL },
  /* Link loop (ELOOP under every policy): 404, not 500. */
  { "link_loop", INSIDE, ENOENT, 0, NULL },
  { "link_loop", FOLLOW, ENOENT, 0, NULL },
  { "link_dangling", INSIDE, ENOENT, 0, NULL },
  { "link_dangling", FOLLOW, ENOENT, 0, NULL },
  /* Found by tests/fuzz/fuzz_path (openat2 and the walk must agree): a
   * target with a trailing '/' names a directory, so a link to "file.txt/"
   * is ENOTDIR, as the kernel resolves it; the walk dropped the empty last
   * component and opened the file. */
  { "link_file_slash", INSIDE, ENOTDIR, 0, NULL },
  { "link_file_slash", FOLLOW, ENOTDIR, 0, NULL },
  { "link_file_slash", NONE, ENOENT, 0, NULL },

  /* O_NONBLOCK: opening a FIFO with no writer returns at once. */
  { "fifo", INSIDE, 0, KIND_FIFO, NULL },
  { "fifo", NONE, 0, KIND_FIFO, NULL },

  { "missing", INSIDE, ENOENT, 0, NULL },
  { "sub/missing", NONE, ENOENT, 0, NULL },
  { "file.txt/x", INSIDE, ENOTDIR, 0, NULL },
  { "file.txt/x", FOLLOW, ENOTDIR, 0, NULL },
  /* A component over NAME_MAX: ENAMETOOLONG, reported as ENOENT (404). */
  { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    INSIDE, ENOENT, 0, NULL },
};

static const char *
symlinks_name (DsSymlinks s)
{
  switch (s)
    {
    case DS_SYMLINKS_INSIDE:
      return "inside";
    case DS_SYMLINKS_FOLLOW:
      return "follow";
    case DS_SYMLINKS_NONE:
      return "none";
    default:
      return "?";
    }
}

static void
open_blocked (int sig)
{
  static const char msg[] = "check_path: ds_path_open blocked (FIFO opened without O_NONBLOCK?)\n";

  (void) sig;
  if (write (STDERR_FILENO, msg, sizeof msg - 1) < 0)
    _exit (125);
  _exit (124);
}

/* A FIFO open that blocks would hang a CK_FORK=no run: a watchdog ends the
 * process instead.  Our own handler, because Check's SIGALRM handler kills the
 * whole process group, which without fork may be make's. */
static int
open_with_watchdog (const char *rel, DsSymlinks symlinks, int *out_errno)
{
  struct sigaction sa = { 0 };
  struct sigaction old;

  sa.sa_handler = open_blocked;
  sigemptyset (&sa.sa_mask);
  ck_assert (sigaction (SIGALRM, &sa, &old) == 0);
  alarm (10);
  int fd = ds_path_open (root_fd, rel, symlinks, out_errno);
  alarm (0);
  ck_assert (sigaction (SIGALRM, &old, NULL) == 0);
  return fd;
}

START_TEST (test_open_table)
{
  const OpenCase *tc = &open_cases[_i];
  const char *pol = symlinks_name (tc->symlinks);
  int err = -12345;

  int fd = open_with_watchdog (tc->rel, tc->symlinks, &err);

  if (tc->err != 0)
    {
      if (fd >= 0)
        close (fd);
      ck_assert_msg (fd == -1, "row %d \"%.40s\" (%s): opened, expected %s", _i, tc->rel, pol,
                     g_strerror (tc->err));
      ck_assert_msg (err == tc->err, "row %d \"%.40s\" (%s): errno %d (%s), expected %s", _i,
                     tc->rel, pol, err, g_strerror (err), g_strerror (tc->err));
      return;
    }

  ck_assert_msg (fd >= 0, "row %d \"%s\" (%s): failed with %s", _i, tc->rel, pol,
                 g_strerror (err));
  ck_assert_msg (err == 0, "row %d \"%s\" (%s): *out_errno %d on success", _i, tc->rel, pol, err);

  struct stat st;
  ck_assert_msg (fstat (fd, &st) == 0, "row %d: fstat: %s", _i, g_strerror (errno));
  ck_assert_msg ((fcntl (fd, F_GETFD) & FD_CLOEXEC) != 0, "row %d \"%s\": no FD_CLOEXEC", _i,
                 tc->rel);
  ck_assert_msg ((fcntl (fd, F_GETFL) & O_NONBLOCK) != 0, "row %d \"%s\": no O_NONBLOCK", _i,
                 tc->rel);
  switch (tc->kind)
    {
    case KIND_REG:
      {
        char buf[64] = { 0 };
        ck_assert_msg (S_ISREG (st.st_mode), "row %d \"%s\" (%s): not a regular file", _i,
                       tc->rel, pol);
        ssize_t n = read (fd, buf, sizeof buf - 1);
        ck_assert_msg (n >= 0 && strcmp (buf, tc->contents) == 0,
                       "row %d \"%s\" (%s): read \"%s\", expected \"%s\"", _i, tc->rel, pol, buf,
                       tc->contents);
        break;
      }
    case KIND_DIR:
      ck_assert_msg (S_ISDIR (st.st_mode), "row %d \"%s\" (%s): not a directory", _i, tc->rel,
                     pol);
      break;
    case KIND_FIFO:
      ck_assert_msg (S_ISFIFO (st.st_mode), "row %d \"%s\" (%s): not a FIFO", _i, tc->rel, pol);
      break;
    default:
      ck_abort_msg ("row %d: bad kind", _i);
    }
  close (fd);
}
END_TEST

/* ---- suite ------------------------------------------------------------- */

static void
walk_setup (void)
{
  ds_path_use_openat2 (FALSE);
  open_setup ();
}

static void
walk_teardown (void)
{
  open_teardown ();
  ds_path_use_openat2 (TRUE);
}

static Suite *
path_suite (void)
{
  Suite *s = suite_create ("path");

  TCase *tc = tcase_create ("sanitize");
  tcase_add_loop_test (tc, test_sanitize_table, 0, G_N_ELEMENTS (sanitize_cases));
  tcase_add_test (tc, test_sanitize_long_path);
  tcase_add_test (tc, test_sanitize_many_dotdots);
  suite_add_tcase (s, tc);

  tc = tcase_create ("encode");
  tcase_add_loop_test (tc, test_encode_table, 0, G_N_ELEMENTS (encode_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("open");
  tcase_add_unchecked_fixture (tc, open_setup, open_teardown);
  tcase_add_loop_test (tc, test_open_table, 0, G_N_ELEMENTS (open_cases));
  suite_add_tcase (s, tc);

  /* The same table through the walk used where openat2 is unavailable
   * (old kernels, systemd's RestrictSUIDSGID=): it must refuse and allow
   * exactly the same things. */
  tc = tcase_create ("open-walk");
  tcase_add_unchecked_fixture (tc, walk_setup, walk_teardown);
  tcase_add_loop_test (tc, test_open_table, 0, G_N_ELEMENTS (open_cases));
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (path_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
