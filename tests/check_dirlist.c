/* check_dirlist.c: unit tests for dirlist.c (read, query, Accept, sort,
 * HTML, JSON). */
#include "config.h"

#include "docserve/dirlist.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* 2026-11-22 01:08:00 UTC */
#define T_2026 G_GINT64_CONSTANT (1795309680)

/* ---- helpers ----------------------------------------------------------- */

static char *
show (const char *s)
{
  return s != NULL ? g_strescape (s, NULL) : g_strdup ("(null)");
}

static DsDirEntry *
entry_new (const char *name, gboolean is_dir, guint64 size, gint64 mtime)
{
  DsDirEntry *e = g_new0 (DsDirEntry, 1);

  e->name = g_strdup (name);
  e->is_dir = is_dir;
  e->size = size;
  e->mtime = mtime;
  return e;
}

static void
entry_free (gpointer p)
{
  ds_dir_entry_free (p);
}

static GPtrArray *
entries_new (void)
{
  return g_ptr_array_new_with_free_func (entry_free);
}

/* The names of @entries joined by " | ", for messages and comparisons. */
static char *
joined_names (const GPtrArray *entries)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      g_autofree char *s = show (e->name);

      if (i > 0)
        g_string_append (out, " | ");
      g_string_append (out, s);
      if (e->is_dir)
        g_string_append_c (out, '/');
    }
  return g_string_free (out, FALSE);
}

static char *
joined_strv (const char *const *names)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autofree char *s = show (names[i]);

      if (i > 0)
        g_string_append (out, " | ");
      g_string_append (out, s);
    }
  return g_string_free (out, FALSE);
}

/* Undoes the five escapes dirlist.c writes; any other '&' is a failure
 * (returns NULL), so an unescaped '&' in the page cannot go unnoticed. */
static char *
html_unescape (const char *s, gsize len)
{
  static const struct
  {
    const char *entity;
    char c;
  } entities[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
                   { "&quot;", '"' }, { "&#39;", '\'' } };
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len;)
    {
      if (s[i] != '&')
        {
          g_string_append_c (out, s[i++]);
          continue;
        }
      gsize j;
      for (j = 0; j < G_N_ELEMENTS (entities); j++)
        {
          gsize elen = strlen (entities[j].entity);
          if (len - i >= elen && memcmp (s + i, entities[j].entity, elen) == 0)
            {
              g_string_append_c (out, entities[j].c);
              i += elen;
              break;
            }
        }
      if (j == G_N_ELEMENTS (entities))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  char *href; /* unescaped */
  char *text; /* unescaped */
} Link;

static void
link_clear (gpointer p)
{
  Link *l = p;

  g_free (l->href);
  g_free (l->text);
}

/* The links in the table body of @html, in order: every "<td><a href=...>". */
static GArray *
body_links (const char *html)
{
  GArray *links = g_array_new (FALSE, TRUE, sizeof (Link));
  const char *p = strstr (html, "<tbody>");

  g_array_set_clear_func (links, link_clear);
  ck_assert_msg (p != NULL, "no <tbody> in the page");
  for (;;)
    {
      p = strstr (p, "<td><a href=\"");
      if (p == NULL)
        break;
      p += strlen ("<td><a href=\"");
      const char *href_end = strchr (p, '"');
      ck_assert_msg (href_end != NULL && strncmp (href_end, "\">", 2) == 0, "bad link at \"%.40s\"",
                     p);
      const char *text = href_end + 2;
      const char *text_end = strstr (text, "</a>");
      ck_assert_msg (text_end != NULL, "unterminated link at \"%.40s\"", p);
      /* Raw metacharacters in text or attribute mean missing escaping. */
      for (const char *q = p; q < text_end; q++)
        ck_assert_msg (q == href_end || q == href_end + 1
                           || (*q != '<' && *q != '>' && *q != '"' && *q != '\''),
                       "raw '%c' in link \"%.*s\"", *q, (int) (text_end - p), p);

      Link l = { html_unescape (p, (gsize) (href_end - p)),
                 html_unescape (text, (gsize) (text_end - text)) };
      ck_assert_msg (l.href != NULL && l.text != NULL, "stray '&' in link \"%.*s\"",
                     (int) (text_end - p), p);
      g_array_append_val (links, l);
      p = text_end;
    }
  return links;
}

/* ---- the fixture tree -------------------------------------------------- */

static char *tmp_base;
static char *root_path;
static int root_fd = -1;

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  ck_assert_msg (fd >= 0, "create %s: %s", path, g_strerror (errno));
  gsize len = strlen (contents);
  ck_assert_msg (write (fd, contents, len) == (ssize_t) len, "write %s", path);
  close (fd);
}

static void
make_dir (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  ck_assert_msg (g_mkdir (path, 0700) == 0, "mkdir %s: %s", path, g_strerror (errno));
}

static void
make_symlink (const char *target, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  ck_assert_msg (symlink (target, path) == 0, "symlink %s -> %s: %s", path, target,
                 g_strerror (errno));
}

static void
set_mtime (const char *dir, const char *name, gint64 t)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct timespec ts[2] = { { (time_t) t, 0 }, { (time_t) t, 0 } };

  ck_assert_msg (utimensat (AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) == 0, "utimensat %s: %s",
                 path, g_strerror (errno));
}

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  if (remove (path) != 0)
    fprintf (stderr, "cleanup: cannot remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static void
remove_tree (const char *path)
{
  nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* base/outside.txt and base/root/ with every kind of entry the listing must
 * show or hide.  Unchecked fixture: removed even when a forked test fails. */
static void
tree_setup (void)
{
  g_autoptr (GError) error = NULL;

  tmp_base = g_dir_make_tmp ("check_dirlist-XXXXXX", &error);
  ck_assert_msg (tmp_base != NULL, "g_dir_make_tmp: %s", error != NULL ? error->message : "");
  root_path = g_build_filename (tmp_base, "root", NULL);
  write_file (tmp_base, "outside.txt", "outside");
  make_dir (tmp_base, "root");

  const char *r = root_path;
  make_dir (r, "sub");
  make_dir (r, ".well-known");
  g_autofree char *sub = g_build_filename (r, "sub", NULL);
  g_autofree char *wk = g_build_filename (r, ".well-known", NULL);
  write_file (sub, "inner.txt", "inner");
  write_file (sub, ".dotinsub", "");
  make_dir (sub, ".well-known"); /* only the root's is exempt */
  write_file (wk, "security.txt", "x");
  write_file (wk, ".hidden", "");

  write_file (r, ".hidden", "secret");
  write_file (r, "a b", "twelve bytes");
  write_file (r, "caf\xc3\xa9", "");
  write_file (r, "x&y<z>", "");
  write_file (r, "q\"uote", "");
  write_file (r, "it's", "");
  write_file (r, "hash#", "");
  write_file (r, "what?", "");
  write_file (r, "per%cent", "");
  write_file (r, "javascript:alert(1)", "");
  write_file (r, "file2", "22");
  write_file (r, "file10", "1010");
  write_file (r, "back\\slash", "");
  write_file (r, "ctl\x01", "");
  write_file (r, "tab\there", "");
  write_file (r, "\xff", "");
  write_file (r, "latin1-caf\xe9", "");
  set_mtime (r, "a b", T_2026);

  make_symlink ("a b", r, "link_file");
  make_symlink ("sub", r, "link_dir");
  make_symlink ("../outside.txt", r, "link_out");
  make_symlink ("nowhere", r, "link_dangling");
  make_symlink ("link_loop", r, "link_loop");
  make_symlink ("fifo", r, "link_fifo");
  make_symlink ("/dev/null", r, "link_devnull");
  make_symlink ("..", r, "link_up_dir");
  g_autofree char *fifo = g_build_filename (r, "fifo", NULL);
  ck_assert_msg (mkfifo (fifo, 0600) == 0, "mkfifo %s: %s", fifo, g_strerror (errno));

  root_fd = open (root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_msg (root_fd >= 0, "open %s: %s", root_path, g_strerror (errno));
}

static void
tree_teardown (void)
{
  if (root_fd >= 0)
    close (root_fd);
  root_fd = -1;
  remove_tree (tmp_base);
  if (g_file_test (tmp_base, G_FILE_TEST_EXISTS))
    fprintf (stderr, "cleanup: %s still exists\n", tmp_base);
  g_clear_pointer (&root_path, g_free);
  g_clear_pointer (&tmp_base, g_free);
}

/* ---- ds_dirlist_read --------------------------------------------------- */

#define DENY DS_DOTFILES_DENY
#define ALLOW DS_DOTFILES_ALLOW
#define INSIDE DS_SYMLINKS_INSIDE
#define FOLLOW DS_SYMLINKS_FOLLOW
#define NONE DS_SYMLINKS_NONE

typedef struct
{
  const char *rel;
  DsDotfiles dotfiles;
  DsSymlinks symlinks;
  int err; /* 0: must succeed with exactly @names, in name order */
  const char *names[32];
} ReadCase;

/* Files listed under every policy, in natural name order. */
#define ROOT_FILES_A "a b", "caf\xc3\xa9", "file2", "file10", "hash#", "it's", \
                     "javascript:alert(1)"
#define ROOT_FILES_B "per%cent", "q\"uote", "what?", "x&y<z>"

static const ReadCase read_cases[] = {
  /* Root, defaults: ".well-known" kept although dotfiles are denied; relative
   * links inside shown (link_dir as a directory); link_out and link_up_dir
   * ("..") leave the root; hidden: .hidden, the FIFO, link_fifo (to a FIFO),
   * link_devnull (a device), link_dangling, link_loop, and the names the decoder refuses ('\', control bytes, tab,
   * invalid UTF-8). */
  { "", DENY, INSIDE, 0,
    { ".well-known", "link_dir", "sub", ROOT_FILES_A, "link_file", ROOT_FILES_B, NULL } },
  /* FOLLOW: the links out of the root are shown too (not link_devnull: a
   * device is never served). */
  { "", DENY, FOLLOW, 0,
    { ".well-known", "link_dir", "link_up_dir", "sub", ROOT_FILES_A, "link_file", "link_out", ROOT_FILES_B,
      NULL } },
  /* NONE: no symlink at all. */
  { "", DENY, NONE, 0, { ".well-known", "sub", ROOT_FILES_A, ROOT_FILES_B, NULL } },
  /* ALLOW: .hidden appears; still no '\', control bytes or bad UTF-8. */
  { "", ALLOW, INSIDE, 0,
    { ".well-known", "link_dir", "sub", ".hidden", ROOT_FILES_A, "link_file", ROOT_FILES_B,
      NULL } },
  { "sub", DENY, INSIDE, 0, { "inner.txt", NULL } },
  /* ".well-known" below the root is an ordinary dotfile. */
  { "sub", ALLOW, INSIDE, 0, { ".well-known", ".dotinsub", "inner.txt", NULL } },
  /* Inside the root's .well-known, dotfiles are denied again. */
  { ".well-known", DENY, INSIDE, 0, { "security.txt", NULL } },
  { ".well-known", ALLOW, INSIDE, 0, { ".hidden", "security.txt", NULL } },
  /* Listing through a directory symlink follows the policy. */
  { "link_dir", DENY, INSIDE, 0, { "inner.txt", NULL } },
  { "link_dir", DENY, NONE, ENOENT, { NULL } },
  { "missing", DENY, INSIDE, ENOENT, { NULL } },
  { "a b", DENY, INSIDE, ENOTDIR, { NULL } },
  /* The FIFO opens (non-blocking) but is no directory. */
  { "fifo", DENY, INSIDE, ENOTDIR, { NULL } },
};

START_TEST (test_read_table)
{
  const ReadCase *tc = &read_cases[_i];
  int err = -42;
  g_autoptr (GPtrArray) entries
      = ds_dirlist_read (root_fd, tc->rel, tc->dotfiles, tc->symlinks, &err);

  if (tc->err != 0)
    {
      ck_assert_msg (entries == NULL && err == tc->err,
                     "row %d \"%s\" (dotfiles %d, symlinks %d): got %p, errno %d, expected %d",
                     _i, tc->rel, tc->dotfiles, tc->symlinks, (void *) entries, err, tc->err);
      return;
    }
  ck_assert_msg (entries != NULL && err == 0, "row %d \"%s\": NULL, errno %d", _i, tc->rel, err);

  ds_dirlist_sort (entries, DS_SORT_NAME, FALSE);
  g_autofree char *got = joined_names (entries);
  g_autofree char *want = joined_strv (tc->names);
  gsize n = g_strv_length ((char **) tc->names);
  gboolean same = entries->len == n;
  for (guint i = 0; same && i < n; i++)
    same = strcmp (((DsDirEntry *) g_ptr_array_index (entries, i))->name, tc->names[i]) == 0;
  ck_assert_msg (same, "row %d \"%s\" (dotfiles %d, symlinks %d):\n got  %s\n want %s", _i,
                 tc->rel, tc->dotfiles, tc->symlinks, got, want);
}
END_TEST

static const DsDirEntry *
find_entry (const GPtrArray *entries, const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index ((GPtrArray *) entries, i);
      if (strcmp (e->name, name) == 0)
        return e;
    }
  return NULL;
}

typedef struct
{
  const char *name;
  gboolean is_dir;
  guint64 size;
  gint64 mtime; /* 0: not checked */
} TypeCase;

static const TypeCase type_cases[] = {
  { "a b", FALSE, 12, T_2026 },
  /* A symlink shows its target's type, size and mtime, not the link's. */
  { "link_file", FALSE, 12, T_2026 },
  { "link_dir", TRUE, 0, 0 },
  { "link_out", FALSE, 7, 0 },
  /* Directories have size 0 whatever st_size says. */
  { "sub", TRUE, 0, 0 },
  { "file10", FALSE, 4, 0 },
};

START_TEST (test_read_types)
{
  const TypeCase *tc = &type_cases[_i];
  int err = -42;
  g_autoptr (GPtrArray) entries = ds_dirlist_read (root_fd, "", DENY, FOLLOW, &err);

  ck_assert_msg (entries != NULL, "root: errno %d", err);
  const DsDirEntry *e = find_entry (entries, tc->name);
  ck_assert_msg (e != NULL, "row %d \"%s\": not listed", _i, tc->name);
  ck_assert_msg (e->is_dir == tc->is_dir && e->size == tc->size,
                 "row %d \"%s\": is_dir %d size %" G_GUINT64_FORMAT ", expected %d %"
                 G_GUINT64_FORMAT, _i, tc->name, e->is_dir, e->size, tc->is_dir, tc->size);
  ck_assert_msg (tc->mtime == 0 || e->mtime == tc->mtime,
                 "row %d \"%s\": mtime %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, _i,
                 tc->name, e->mtime, tc->mtime);
}
END_TEST

/* Every link in the page, read back the way a browser and the server would
 * (resolve against "/dir/", decode with ds_path_sanitize), names the entry it
 * shows, for the root and for a subdirectory. */
START_TEST (test_html_round_trip)
{
  static const char *const rels[] = { "", "sub", ".well-known" };
  const char *rel = rels[_i];
  int err = -42;
  g_autoptr (GPtrArray) entries = ds_dirlist_read (root_fd, rel, ALLOW, FOLLOW, &err);

  ck_assert_msg (entries != NULL, "\"%s\": errno %d", rel, err);
  ds_dirlist_sort (entries, DS_SORT_NAME, FALSE);
  gsize len = 0;
  g_autofree char *html = ds_dirlist_html (rel, entries, DS_SORT_NAME, FALSE, &len);
  ck_assert_msg (len == strlen (html), "\"%s\": length %zu, strlen %zu", rel, len, strlen (html));
  ck_assert_msg (g_utf8_validate (html, -1, NULL), "\"%s\": page is not valid UTF-8", rel);
  ck_assert_msg (strstr (html, tmp_base) == NULL, "\"%s\": page reveals %s", rel, tmp_base);

  g_autoptr (GArray) links = body_links (html);
  guint first = 0;
  if (rel[0] != '\0')
    {
      ck_assert_msg (links->len > 0 && strcmp (g_array_index (links, Link, 0).href, "../") == 0,
                     "\"%s\": no parent link first", rel);
      first = 1;
    }
  ck_assert_msg (links->len == entries->len + first, "\"%s\": %u links for %u entries", rel,
                 links->len, entries->len);

  for (guint i = 0; i < entries->len; i++)
    {
      const DsDirEntry *e = g_ptr_array_index (entries, i);
      const Link *l = &g_array_index (links, Link, i + first);
      g_autofree char *name = show (e->name);
      g_autofree char *want_text = g_strconcat (e->name, e->is_dir ? "/" : "", NULL);
      g_autofree char *raw = g_strconcat (rel[0] != '\0' ? "/" : "", rel, "/", l->href, NULL);
      g_autofree char *want_rel
          = rel[0] != '\0' ? g_strconcat (rel, "/", e->name, NULL) : g_strdup (e->name);
      g_autofree char *back = NULL;
      gboolean dir_slash = FALSE;

      ck_assert_msg (strcmp (l->text, want_text) == 0, "\"%s\": link text \"%s\" for \"%s\"", rel,
                     l->text, name);
      DsPathResult r = ds_path_sanitize (raw, strlen (raw), ALLOW, &back, &dir_slash);
      ck_assert_msg (r == DS_PATH_OK, "\"%s\": href \"%s\" of \"%s\" gives %d", rel, l->href,
                     name, r);
      g_autofree char *shown_back = show (back);
      ck_assert_msg (strcmp (back, want_rel) == 0 && dir_slash == e->is_dir,
                     "\"%s\": href \"%s\" of \"%s\" leads to \"%s\" (dir_slash %d)", rel, l->href,
                     name, shown_back, dir_slash);
      /* A relative reference whose first segment has ':' is a scheme. */
      const char *colon = strchr (l->href, ':');
      ck_assert_msg (colon == NULL || g_str_has_prefix (l->href, "./"),
                     "\"%s\": href \"%s\" would be read as a URI scheme", rel, l->href);
    }
}
END_TEST

/* 10,000 files: read + sort + HTML well within a request's budget.  The
 * directory is an unchecked fixture, so it is removed even after a failure. */
enum { MANY = 10000 };
static char *many_dir;

static void
many_setup (void)
{
  g_autoptr (GError) error = NULL;

  many_dir = g_dir_make_tmp ("check_dirlist-many-XXXXXX", &error);
  ck_assert_msg (many_dir != NULL, "g_dir_make_tmp: %s", error != NULL ? error->message : "");
  int dfd = open (many_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_msg (dfd >= 0, "open %s: %s", many_dir, g_strerror (errno));
  /* Created in reverse so the directory order is no help. */
  for (int i = MANY; i >= 1; i--)
    {
      char name[32];
      g_snprintf (name, sizeof name, "f%d", i);
      int fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      ck_assert_msg (fd >= 0, "create %s: %s", name, g_strerror (errno));
      close (fd);
    }
  close (dfd);
}

static void
many_teardown (void)
{
  remove_tree (many_dir);
  g_clear_pointer (&many_dir, g_free);
}

START_TEST (test_read_many)
{
  int dfd = open (many_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_msg (dfd >= 0, "open %s: %s", many_dir, g_strerror (errno));

  gint64 start = g_get_monotonic_time ();
  int err = -42;
  g_autoptr (GPtrArray) entries = ds_dirlist_read (dfd, "", DENY, INSIDE, &err);
  close (dfd);
  ck_assert_msg (entries != NULL, "read: errno %d", err);
  ds_dirlist_sort (entries, DS_SORT_NAME, FALSE);
  gsize len = 0;
  g_autofree char *html = ds_dirlist_html ("", entries, DS_SORT_NAME, FALSE, &len);
  gint64 elapsed = g_get_monotonic_time () - start;

  printf ("check_dirlist: %d entries read+sort+html in %.1f ms (%zu bytes)\n", MANY,
          (double) elapsed / 1000.0, len);
  ck_assert_msg (entries->len == MANY, "%u entries, expected %d", entries->len, MANY);
  for (guint i = 0; i < entries->len; i++)
    {
      char want[32];
      g_snprintf (want, sizeof want, "f%u", i + 1);
      const DsDirEntry *e = g_ptr_array_index (entries, i);
      ck_assert_msg (strcmp (e->name, want) == 0, "entry %u is \"%s\", expected \"%s\"", i,
                     e->name, want);
    }
  /* Generous: under 0.1 s here even with ASan; 5 s leaves room for a busy
   * CI host without hiding a quadratic blow-up (which would take minutes). */
  ck_assert_msg (elapsed < 5 * G_USEC_PER_SEC, "took %" G_GINT64_FORMAT " us", elapsed);
}
END_TEST

/* ---- ds_dirlist_parse_query -------------------------------------------- */

typedef struct
{
  const char *query;
  DsSortKey key;
  gboolean desc;
} QueryCase;

static const QueryCase query_cases[] = {
  { NULL, DS_SORT_NAME, FALSE },
  { "", DS_SORT_NAME, FALSE },
  { "sort=name", DS_SORT_NAME, FALSE },
  { "sort=size", DS_SORT_SIZE, FALSE },
  { "sort=time", DS_SORT_TIME, FALSE },
  { "sort=time&order=desc", DS_SORT_TIME, TRUE },
  { "order=desc&sort=size", DS_SORT_SIZE, TRUE },
  { "order=desc", DS_SORT_NAME, TRUE },
  { "order=asc", DS_SORT_NAME, FALSE },
  /* Unknown values are ignored, not errors. */
  { "sort=bogus&order=sideways", DS_SORT_NAME, FALSE },
  /* ... and do not undo an earlier valid one. */
  { "sort=size&sort=bogus", DS_SORT_SIZE, FALSE },
  /* The last valid value wins. */
  { "sort=size&sort=time&order=desc&order=asc", DS_SORT_TIME, FALSE },
  /* A leading '?' (caller passed the whole query part) is tolerated. */
  { "?sort=size", DS_SORT_SIZE, FALSE },
  /* Empty pairs and pairs without '=' are junk. */
  { "&&sort=size&&order&=desc&", DS_SORT_SIZE, FALSE },
  { "sort", DS_SORT_NAME, FALSE },
  { "sort=", DS_SORT_NAME, FALSE },
  { "=size", DS_SORT_NAME, FALSE },
  /* Exact words only: keys and values are case-sensitive, no prefixes. */
  { "SORT=size", DS_SORT_NAME, FALSE },
  { "sort=Size", DS_SORT_NAME, FALSE },
  { "xsort=size&sortx=time", DS_SORT_NAME, FALSE },
  { "sort=sizex", DS_SORT_NAME, FALSE },
  /* ';' is not a separator here: the value is "size;order=desc". */
  { "sort=size;order=desc", DS_SORT_NAME, FALSE },
  { "format=json&sort=time&x=%zz", DS_SORT_TIME, FALSE },
  /* A value with '=' in it is one value. */
  { "sort=size=1", DS_SORT_NAME, FALSE },
};

START_TEST (test_query_table)
{
  const QueryCase *tc = &query_cases[_i];
  DsSortKey key = 42;
  gboolean desc = 42;

  ds_dirlist_parse_query (tc->query, &key, &desc);
  ck_assert_msg (key == tc->key && desc == tc->desc,
                 "row %d \"%s\": key %d desc %d, expected %d %d", _i,
                 tc->query != NULL ? tc->query : "(null)", key, desc, tc->key, tc->desc);
}
END_TEST

/* ---- ds_dirlist_wants_json --------------------------------------------- */

typedef struct
{
  const char *query;
  const char *accept;
  gboolean json;
} AcceptCase;

#define CHROME_ACCEPT                                                                     \
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"          \
  "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

/* How Accept weighs media types is check_negotiate's (ds_accept_media_choose);
 * here: the query first, then Accept with HTML as the default. */
static const AcceptCase accept_cases[] = {
  { NULL, NULL, FALSE },
  { NULL, "", FALSE },
  { NULL, CHROME_ACCEPT, FALSE },
  /* curl's default: a tie, so HTML. */
  { NULL, "*/*", FALSE },
  { NULL, "application/json", TRUE },
  /* Equal weights: HTML. */
  { NULL, "application/json, text/html", FALSE },
  { NULL, "text/html;q=0, */*", TRUE },
  /* Nothing acceptable: HTML all the same. */
  { NULL, "application/json;q=0", FALSE },
  /* The query wins over Accept, both ways. */
  { "format=json", NULL, TRUE },
  { "format=json", CHROME_ACCEPT, TRUE },
  { "sort=size&format=json", "text/html", TRUE },
  { "format=html", "application/json", FALSE },
  /* Unknown format values are ignored: Accept decides. */
  { "format=xml", "application/json", TRUE },
  { "format=JSON", NULL, FALSE },
  { "xformat=json", NULL, FALSE },
};

START_TEST (test_accept_table)
{
  const AcceptCase *tc = &accept_cases[_i];
  gboolean json = ds_dirlist_wants_json (tc->query, tc->accept);

  ck_assert_msg (json == tc->json, "row %d query \"%s\" accept \"%s\": %d, expected %d", _i,
                 tc->query != NULL ? tc->query : "(null)",
                 tc->accept != NULL ? tc->accept : "(null)", json, tc->json);
}
END_TEST

/* ---- ds_dirlist_sort --------------------------------------------------- */

/* Pairs in the expected order; each is sorted from both input orders. */
typedef struct
{
  const char *first;
  const char *second;
} NamePairCase;

static const NamePairCase name_pair_cases[] = {
  { "file2", "file10" },
  { "9", "10" },
  { "a", "b" },
  /* Case-insensitive first: "a" before "B" although 'B' < 'a' in ASCII. */
  { "a", "B" },
  { "B", "c" },
  /* Equal ignoring case: byte order breaks the tie, 'A' < 'a'. */
  { "A", "a" },
  { "README", "readme" },
  /* Equal numerically: byte order, '0' < '1'. */
  { "file01", "file1" },
  { "x007", "x7" },
  /* Numbers longer than 64 bits: compared as digit strings. */
  { "99999999999999999999999", "100000000000000000000000" },
  { "n18446744073709551615", "n18446744073709551616" },
  /* A prefix first. */
  { "x", "x0" },
  { "abc", "abcd" },
  /* A number against a character: as the digit byte against it. */
  { "a-1", "a1" },
  { "a1", "a_1" },
  { "a.txt", "a1.txt" },
  { "v1.9", "v1.10" },
  { "v1.10", "v2" },
  /* Bytes >= 0x80 after ASCII: not lower-cased, no locale. */
  { "cafe", "caf\xc3\xa9" },
  { "z", "\xc3\xa9" },
  { "\xc3\x89", "\xc3\xa9" },
  /* Several number runs. */
  { "1.2.10", "1.10.2" },
  { "a1b2", "a1b10" },
};

START_TEST (test_sort_name_pairs)
{
  const NamePairCase *tc = &name_pair_cases[_i];
  g_autofree char *a = show (tc->first);
  g_autofree char *b = show (tc->second);

  for (int flip = 0; flip < 2; flip++)
    {
      g_autoptr (GPtrArray) entries = entries_new ();
      g_ptr_array_add (entries, entry_new (flip ? tc->second : tc->first, FALSE, 0, 0));
      g_ptr_array_add (entries, entry_new (flip ? tc->first : tc->second, FALSE, 0, 0));

      ds_dirlist_sort (entries, DS_SORT_NAME, FALSE);
      const DsDirEntry *e0 = g_ptr_array_index (entries, 0);
      ck_assert_msg (strcmp (e0->name, tc->first) == 0,
                     "row %d: \"%s\" should sort before \"%s\" (input flipped %d)", _i, a, b, flip);
      ds_dirlist_sort (entries, DS_SORT_NAME, TRUE);
      e0 = g_ptr_array_index (entries, 0);
      ck_assert_msg (strcmp (e0->name, tc->second) == 0,
                     "row %d: desc: \"%s\" should sort before \"%s\" (input flipped %d)", _i, b, a,
                     flip);
    }
}
END_TEST

typedef struct
{
  DsSortKey key;
  gboolean desc;
  const char *order; /* names joined by " | ", directories with '/' */
} SortCase;

static const SortCase sort_cases[] = {
  /* "B2" < "b10" (2 < 10, case ignored) < "big" (a digit sorts before 'i'). */
  { DS_SORT_NAME, FALSE, "Docs/ | src/ | a | B2 | b10 | big | new | old" },
  /* Directories stay first; each group is reversed. */
  { DS_SORT_NAME, TRUE, "src/ | Docs/ | old | new | big | b10 | B2 | a" },
  /* Equal sizes (a, b10: 5; B2, old: 7) fall back to name order; directories
   * (size 0) by name. */
  { DS_SORT_SIZE, FALSE, "Docs/ | src/ | a | b10 | B2 | old | new | big" },
  /* desc reverses the tie-break too. */
  { DS_SORT_SIZE, TRUE, "src/ | Docs/ | big | new | old | B2 | b10 | a" },
  /* src is older than Docs; a and big share an mtime. */
  { DS_SORT_TIME, FALSE, "src/ | Docs/ | old | b10 | a | big | B2 | new" },
  { DS_SORT_TIME, TRUE, "Docs/ | src/ | new | B2 | big | a | b10 | old" },
};

START_TEST (test_sort_table)
{
  const SortCase *tc = &sort_cases[_i];
  g_autoptr (GPtrArray) entries = entries_new ();

  g_ptr_array_add (entries, entry_new ("old", FALSE, 7, 100));
  g_ptr_array_add (entries, entry_new ("a", FALSE, 5, 300));
  g_ptr_array_add (entries, entry_new ("src", TRUE, 0, 50));
  g_ptr_array_add (entries, entry_new ("big", FALSE, 1000000, 300));
  g_ptr_array_add (entries, entry_new ("B2", FALSE, 7, 400));
  g_ptr_array_add (entries, entry_new ("new", FALSE, 8, 500));
  g_ptr_array_add (entries, entry_new ("Docs", TRUE, 0, 60));
  g_ptr_array_add (entries, entry_new ("b10", FALSE, 5, 200));

  ds_dirlist_sort (entries, tc->key, tc->desc);
  g_autofree char *got = joined_names (entries);
  ck_assert_msg (strcmp (got, tc->order) == 0, "row %d key %d desc %d:\n got  %s\n want %s", _i,
                 tc->key, tc->desc, got, tc->order);
}
END_TEST

/* ---- ds_dirlist_html --------------------------------------------------- */

typedef struct
{
  const char *rel;
  DsSortKey key;
  gboolean desc;
  const char *needle;
  gboolean present;
} HtmlCase;

static const HtmlCase html_cases[] = {
  { "", DS_SORT_NAME, FALSE, "<!DOCTYPE html>\n<html lang=\"en\">", TRUE },
  { "", DS_SORT_NAME, FALSE, "<meta charset=\"utf-8\">", TRUE },
  { "", DS_SORT_NAME, FALSE, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", TRUE },
  { "", DS_SORT_NAME, FALSE, "prefers-color-scheme:dark", TRUE },
  { "", DS_SORT_NAME, FALSE, "<title>Index of /</title>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<h1>Index of /</h1>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<footer>docserve</footer>", TRUE },
  /* No parent link at the root. */
  { "", DS_SORT_NAME, FALSE, "href=\"../\"", FALSE },
  { "a/b c", DS_SORT_NAME, FALSE, "<tr><td><a href=\"../\">../</a></td>", TRUE },
  { "a/b c", DS_SORT_NAME, FALSE, "<title>Index of /a/b c/</title>", TRUE },
  { "a/b c", DS_SORT_NAME, FALSE, "<h1>Index of /a/b c/</h1>", TRUE },
  /* Breadcrumbs (the shell's): each ancestor directory a link, the listed
   * one the current page. */
  { "", DS_SORT_NAME, FALSE, "<ol><li aria-current=\"page\">docserve</li></ol>", TRUE },
  { "a/b c", DS_SORT_NAME, FALSE,
    "<ol><li><a href=\"/\">docserve</a></li><li><a href=\"/a/\">a</a></li>"
    "<li aria-current=\"page\">b c</li></ol>", TRUE },
  /* The table's rules use the shell's palette, so dark mode covers them. */
  { "", DS_SORT_NAME, FALSE, "th{border-bottom:2px solid var(--rule);", TRUE },
  /* The request path is text, escaped like any name. */
  { "<x>&\"'", DS_SORT_NAME, FALSE, "<h1>Index of /&lt;x&gt;&amp;&quot;&#39;/</h1>", TRUE },
  { "<x>&\"'", DS_SORT_NAME, FALSE, "<li aria-current=\"page\">&lt;x&gt;&amp;&quot;&#39;</li>", TRUE },
  { "<x>&\"'", DS_SORT_NAME, FALSE, "<x>", FALSE },
  /* No external resources; one script, docserve's own filter box. */
  { "", DS_SORT_NAME, FALSE, "http", FALSE },
  { "", DS_SORT_NAME, FALSE, "</style>\n<script src=\"/.docserve/filter.js\" defer></script>\n"
                             "</head>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<script>", FALSE },
  { "", DS_SORT_NAME, FALSE, "<link", FALSE },
  { "", DS_SORT_NAME, FALSE, "url(", FALSE },
  /* Sorted by name ascending: the name header toggles to desc, the others
   * start ascending. */
  { "", DS_SORT_NAME, FALSE, "<a href=\"?sort=name&amp;order=desc\">Name</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"?sort=size&amp;order=asc\">Size</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"?sort=time&amp;order=asc\">Modified</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "aria-sort=\"ascending\"><a href=\"?sort=name", TRUE },
  { "", DS_SORT_SIZE, TRUE, "<a href=\"?sort=size&amp;order=asc\">Size</a>", TRUE },
  { "", DS_SORT_SIZE, TRUE, "<a href=\"?sort=name&amp;order=asc\">Name</a>", TRUE },
  { "", DS_SORT_SIZE, TRUE, "aria-sort=\"descending\"><a href=\"?sort=size", TRUE },
  { "", DS_SORT_TIME, FALSE, "<a href=\"?sort=time&amp;order=desc\">Modified</a>", TRUE },
  /* Entries (see html_entries): escaped text, encoded href, attribute-escaped. */
  { "", DS_SORT_NAME, FALSE, "<a href=\"x&amp;y%3Cz%3E\">x&amp;y&lt;z&gt;</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"q%22uote\">q&quot;uote</a>", TRUE },
  /* '\'' is a sub-delim: kept by the encoder, so escaped for the attribute. */
  { "", DS_SORT_NAME, FALSE, "<a href=\"it&#39;s\">it&#39;s</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"hash%23\">hash#</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"what%3F\">what?</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"per%25cent\">per%cent</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"a%20b\">a b</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"caf%C3%A9\">caf\xc3\xa9</a>", TRUE },
  /* ':' in the first segment would make a scheme: "./" in front. */
  { "", DS_SORT_NAME, FALSE, "<a href=\"./javascript:alert(1)\">javascript:alert(1)</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "href=\"javascript:", FALSE },
  { "", DS_SORT_NAME, FALSE, "<a href=\"sub%20dir/\">sub dir/</a></td><td class=\"size\">\xe2\x80\x94</td>", TRUE },
  /* A caller's invalid UTF-8 becomes U+FFFD in the text (read never gives it). */
  { "", DS_SORT_NAME, FALSE, "<a href=\"bad%FF\">bad\xef\xbf\xbd</a>", TRUE },
  { "", DS_SORT_NAME, FALSE, "title=\"12 bytes\">12 B</td>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<time datetime=\"2026-11-22T01:08:00Z\">2026-11-22 01:08</time>", TRUE },
  /* Seconds are shown only in the machine-readable attribute. */
  { "", DS_SORT_NAME, FALSE, "<time datetime=\"2026-11-22T01:08:59Z\">2026-11-22 01:08</time>", TRUE },
  { "", DS_SORT_NAME, FALSE, "<time datetime=\"1970-01-01T00:00:00Z\">1970-01-01 00:00</time>", TRUE },
};

static GPtrArray *
html_entries (void)
{
  GPtrArray *entries = entries_new ();

  g_ptr_array_add (entries, entry_new ("sub dir", TRUE, 0, T_2026));
  g_ptr_array_add (entries, entry_new ("a b", FALSE, 12, T_2026));
  g_ptr_array_add (entries, entry_new ("x&y<z>", FALSE, 1, T_2026 + 59));
  g_ptr_array_add (entries, entry_new ("q\"uote", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("it's", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("hash#", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("what?", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("per%cent", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("caf\xc3\xa9", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("javascript:alert(1)", FALSE, 1, 0));
  g_ptr_array_add (entries, entry_new ("bad\xff", FALSE, 1, 0));
  return entries;
}

START_TEST (test_html_table)
{
  const HtmlCase *tc = &html_cases[_i];
  g_autoptr (GPtrArray) entries = html_entries ();
  gsize len = 0;
  g_autofree char *html = ds_dirlist_html (tc->rel, entries, tc->key, tc->desc, &len);
  g_autofree char *needle = show (tc->needle);

  ck_assert_msg (len == strlen (html) && g_utf8_validate (html, -1, NULL),
                 "row %d: length %zu / %zu or invalid UTF-8", _i, len, strlen (html));
  ck_assert_msg ((strstr (html, tc->needle) != NULL) == tc->present,
                 "row %d rel \"%s\" key %d desc %d: \"%s\" %s\n%s", _i, tc->rel, tc->key, tc->desc,
                 needle, tc->present ? "missing" : "present", html);
}
END_TEST

/* The README section (or any caller's fragment) goes after the table and
 * before the footer; its style after the listing's own rules. */
START_TEST (test_html_with)
{
  g_autoptr (GPtrArray) entries = html_entries ();
  gsize len = 0;
  const DsDirlistExtras extras = { .extra_style = ".x{y:z}\n",
                                   .extra_html = "<section>R</section>\n" };
  g_autofree char *html = ds_dirlist_html_with ("d", entries, DS_SORT_NAME, FALSE, &extras, &len);
  g_autofree char *plain = ds_dirlist_html ("d", entries, DS_SORT_NAME, FALSE, NULL);

  ck_assert_uint_eq (len, strlen (html));
  ck_assert_msg (strstr (html, "</table>\n<section>R</section>\n</main>") != NULL, "%s", html);
  const char *own = strstr (html, "@media (max-width:32em)");
  const char *extra = strstr (html, ".x{y:z}\n</style>");
  ck_assert_msg (own != NULL && extra != NULL && own < extra, "%s", html);
  ck_assert_msg (strstr (plain, "<section>") == NULL && strstr (plain, ".x{") == NULL, "%s", plain);
  ck_assert_uint_eq (strlen (html), strlen (plain) + strlen (".x{y:z}\n<section>R</section>\n"));
}
END_TEST

typedef struct
{
  guint64 size;
  const char *shown;
} SizeCase;

static const SizeCase size_cases[] = {
  { 0, "0 B" },
  { 1023, "1023 B" },
  { 1024, "1.0 KiB" },
  /* 1229 / 1024 = 1.2002 */
  { 1229, "1.2 KiB" },
  /* 1.0498 rounds down, 1.0508 up: half up on the exact tenths. */
  { 1075, "1.0 KiB" },
  { 1076, "1.1 KiB" },
  { 1048524, "1023.9 KiB" },
  /* 1023.999 KiB would round to "1024.0 KiB": the next unit instead. */
  { 1048575, "1.0 MiB" },
  { 1048576, "1.0 MiB" },
  { G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024 + 512 * 1024 * 1024, "5.5 GiB" },
  { G_GUINT64_CONSTANT (1) << 60, "1.0 EiB" },
  /* No overflow at the top. */
  { G_MAXUINT64, "16.0 EiB" },
};

START_TEST (test_html_sizes)
{
  const SizeCase *tc = &size_cases[_i];
  g_autoptr (GPtrArray) entries = entries_new ();
  g_ptr_array_add (entries, entry_new ("f", FALSE, tc->size, 0));
  g_autofree char *html = ds_dirlist_html ("", entries, DS_SORT_NAME, FALSE, NULL);
  g_autofree char *want = g_strdup_printf ("<td class=\"size\" title=\"%" G_GUINT64_FORMAT
                                           " bytes\">%s</td>",
                                           tc->size, tc->shown);

  ck_assert_msg (strstr (html, want) != NULL, "row %d size %" G_GUINT64_FORMAT ": no \"%s\"", _i,
                 tc->size, want);
}
END_TEST

/* ---- ds_dirlist_json --------------------------------------------------- */

START_TEST (test_json_exact)
{
  g_autoptr (GPtrArray) entries = entries_new ();
  g_ptr_array_add (entries, entry_new ("sub", TRUE, 0, T_2026));
  g_ptr_array_add (entries, entry_new ("a b", FALSE, 12, T_2026 + 59));
  /* Every escape: quote, backslash, control bytes (\u00XX), DEL; '/' and
   * UTF-8 are left as they are. */
  g_ptr_array_add (entries, entry_new ("q\"b\\c\x01\n\x1f\x7f/\xc3\xa9", FALSE, 0, 0));
  /* Invalid UTF-8 from a caller becomes U+FFFD. */
  g_ptr_array_add (entries, entry_new ("x\xff", FALSE, 1, 0));
  static const char want[]
      = "{\"path\":\"/a/q\\\"x/\",\"entries\":["
        "{\"name\":\"sub\",\"type\":\"directory\",\"size\":0,\"mtime\":\"2026-11-22T01:08:00Z\"},"
        "{\"name\":\"a b\",\"type\":\"file\",\"size\":12,\"mtime\":\"2026-11-22T01:08:59Z\"},"
        "{\"name\":\"q\\\"b\\\\c\\u0001\\u000a\\u001f\\u007f/\xc3\xa9\",\"type\":\"file\","
        "\"size\":0,\"mtime\":\"1970-01-01T00:00:00Z\"},"
        "{\"name\":\"x\xef\xbf\xbd\",\"type\":\"file\",\"size\":1,\"mtime\":\"1970-01-01T00:00:00Z\"}"
        "]}\n";
  gsize len = 0;
  g_autofree char *json = ds_dirlist_json ("a/q\"x", entries, &len);

  ck_assert_msg (strcmp (json, want) == 0, "json:\n got  %s\n want %s", json, want);
  ck_assert_msg (len == strlen (want), "length %zu, expected %zu", len, strlen (want));
}
END_TEST

/* Found by tests/fuzz/fuzz_dirlist: an mtime in the last year gmtime_r can
 * represent (tm_year == INT_MAX, year 2147485547; tmpfs stores such times,
 * "touch -d" or an archive can set them) overflowed "tm_year + 1900" (an
 * int) in both the HTML and the JSON output.  Either the year itself or no
 * time at all is fine; a wrapped negative year is not. */
START_TEST (test_mtime_last_year)
{
  const gint64 t = G_GINT64_CONSTANT (67768036191676799); /* 2147485547-12-31T23:59:59Z */
  g_autoptr (GPtrArray) entries = entries_new ();
  g_ptr_array_add (entries, entry_new ("far", FALSE, 1, t));

  g_autofree char *json = ds_dirlist_json ("", entries, NULL);
  ck_assert_msg (strstr (json, "\"mtime\":\"2147485547-12-31T23:59:59Z\"") != NULL
                     || strstr (json, "\"mtime\":null") != NULL,
                 "json: %s", json);
  g_autofree char *html = ds_dirlist_html ("", entries, DS_SORT_NAME, FALSE, NULL);
  ck_assert_msg (strstr (html, "datetime=\"-") == NULL,
                 "html has a negative year:\n%s", html);
}
END_TEST

START_TEST (test_json_empty_root)
{
  g_autoptr (GPtrArray) entries = entries_new ();
  g_autofree char *json = ds_dirlist_json ("", entries, NULL);

  ck_assert_msg (strcmp (json, "{\"path\":\"/\",\"entries\":[]}\n") == 0, "root: %s", json);
}
END_TEST

/* ---- the listing cache -------------------------------------------------- */

static struct stat
dir_stat (dev_t dev, ino_t ino, time_t mtime, long mtime_ns, time_t ctime)
{
  struct stat st;

  memset (&st, 0, sizeof st);
  st.st_dev = dev;
  st.st_ino = ino;
  st.st_mtim.tv_sec = mtime;
  st.st_mtim.tv_nsec = mtime_ns;
  st.st_ctim.tv_sec = ctime;
  return st;
}

static GBytes *
body_of (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

/* A lookup hits only for the same key, second, device, inode, mtime (to
 * the nanosecond) and ctime. */
typedef struct
{
  const char *desc;
  const char *key;
  gint64 now;
  struct stat st;
} MissCase;

START_TEST (test_cache_hit_and_misses)
{
  const struct stat st = dir_stat (1, 42, 1000, 5, 1000);
  const MissCase misses[] = {
    { "other key", "h0a:other", 2000, st },
    { "next second", "h0a:dir", 2001, st },
    { "earlier second", "h0a:dir", 1999, st },
    { "other device", "h0a:dir", 2000, dir_stat (2, 42, 1000, 5, 1000) },
    { "other inode (directory replaced)", "h0a:dir", 2000, dir_stat (1, 43, 1000, 5, 1000) },
    /* A name added in the same second: only the nanoseconds differ. */
    { "mtime nanoseconds", "h0a:dir", 2000, dir_stat (1, 42, 1000, 6, 1000) },
    { "mtime", "h0a:dir", 2000, dir_stat (1, 42, 1001, 5, 1000) },
    { "ctime (chmod, rename of the directory)", "h0a:dir", 2000, dir_stat (1, 42, 1000, 5, 1001) },
  };
  g_autoptr (DsDirCache) c = ds_dircache_new (8, 1 << 20);
  g_autoptr (GBytes) body = body_of ("<p>listing</p>");

  ds_dircache_store (c, "h0a:dir", &st, 2000, body);
  g_autoptr (GBytes) hit = ds_dircache_lookup (c, "h0a:dir", &st, 2000);
  ck_assert_msg (hit != NULL && g_bytes_equal (hit, body), "no hit for the stored listing");
  for (guint i = 0; i < G_N_ELEMENTS (misses); i++)
    {
      g_autoptr (GBytes) b = ds_dircache_lookup (c, misses[i].key, &misses[i].st, misses[i].now);
      ck_assert_msg (b == NULL, "%s: served from the cache", misses[i].desc);
    }

  /* Storing again replaces the body. */
  g_autoptr (GBytes) body2 = body_of ("<p>new</p>");
  ds_dircache_store (c, "h0a:dir", &st, 2000, body2);
  g_autoptr (GBytes) hit2 = ds_dircache_lookup (c, "h0a:dir", &st, 2000);
  ck_assert_msg (hit2 != NULL && g_bytes_equal (hit2, body2), "store did not replace");
  ck_assert_uint_eq (ds_dircache_size (c), 1);
}
END_TEST

/* Bounds: entries of earlier seconds go first, the count and the byte total
 * never exceed the limits, and a body over a quarter of the bytes is not
 * kept. */
START_TEST (test_cache_bounds)
{
  g_autoptr (DsDirCache) c = ds_dircache_new (4, 4000);
  g_autofree char *big = g_strnfill (1001, 'x');
  g_autofree char *fits = g_strnfill (900, 'y');
  g_autoptr (GBytes) big_body = body_of (big);
  g_autoptr (GBytes) body = body_of (fits);
  struct stat st = dir_stat (1, 1, 1, 0, 1);

  ds_dircache_store (c, "big", &st, 10, big_body);
  ck_assert_uint_eq (ds_dircache_size (c), 0);

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *key = g_strdup_printf ("old%d", i);
      ds_dircache_store (c, key, &st, 10, body);
    }
  ck_assert_uint_eq (ds_dircache_size (c), 3);
  /* A store in a later second drops everything from second 10. */
  ds_dircache_store (c, "new0", &st, 11, body);
  ck_assert_uint_eq (ds_dircache_size (c), 1);
  for (int i = 1; i < 10; i++)
    {
      g_autofree char *key = g_strdup_printf ("new%d", i);
      ds_dircache_store (c, key, &st, 11, body);
      /* 4 entries of 900 bytes would be 3,600: the count bound holds at 4,
       * and 5 x 900 > 4000 never happens. */
      ck_assert_uint_le (ds_dircache_size (c), 4);
      g_autoptr (GBytes) last = ds_dircache_lookup (c, key, &st, 11);
      ck_assert_msg (last != NULL, "the entry just stored (%s) was evicted", key);
    }
  ck_assert_uint_eq (ds_dircache_size (c), 4);
}
END_TEST

/* Only a directory whose ctime is DS_DIRCACHE_SETTLE_S or more seconds
 * before the store is kept: two changes within one clock tick can leave the
 * same times, so a listing of a directory that just changed could hide the
 * second change. */
typedef struct
{
  const char *desc;
  gint64 ctime_ago; /* now - ctime */
  gboolean kept;
} SettleCase;

static const SettleCase settle_cases[] = {
  { "changed this second", 0, FALSE },
  { "changed a second ago", 1, FALSE },
  { "changed two seconds ago", 2, FALSE },
  { "quiet for the settling time", DS_DIRCACHE_SETTLE_S, TRUE },
  { "quiet for an hour", 3600, TRUE },
  { "ctime in the future (clock stepped back)", -5, FALSE },
};

START_TEST (test_cache_settle)
{
  const SettleCase *tc = &settle_cases[_i];
  const gint64 now = 100000;
  const struct stat st = dir_stat (1, 42, 5, 0, (time_t) (now - tc->ctime_ago));
  g_autoptr (DsDirCache) c = ds_dircache_new (8, 1 << 20);
  g_autoptr (GBytes) body = body_of ("<p>listing</p>");

  ds_dircache_store (c, "h0a:dir", &st, now, body);
  g_autoptr (GBytes) hit = ds_dircache_lookup (c, "h0a:dir", &st, now);
  ck_assert_msg ((hit != NULL) == tc->kept, "%s: %s", tc->desc,
                 tc->kept ? "not kept" : "kept");
  ck_assert_uint_eq (ds_dircache_size (c), tc->kept ? 1 : 0);
}
END_TEST

/* A request that started just before the second changed stores with the
 * earlier second: that must not drop the entries of the new second. */
START_TEST (test_cache_late_store)
{
  g_autoptr (DsDirCache) c = ds_dircache_new (8, 1 << 20);
  g_autoptr (GBytes) body = body_of ("<p>x</p>");
  const struct stat st = dir_stat (1, 1, 1, 0, 1);

  ds_dircache_store (c, "new", &st, 11, body);
  ds_dircache_store (c, "late", &st, 10, body);
  g_autoptr (GBytes) b = ds_dircache_lookup (c, "new", &st, 11);
  ck_assert_msg (b != NULL, "a store for second 10 dropped second 11's entry");
  ck_assert_uint_eq (ds_dircache_size (c), 2);

  /* Two seconds on, both are gone at the next store. */
  ds_dircache_store (c, "later", &st, 12, body);
  ck_assert_uint_eq (ds_dircache_size (c), 1);
}
END_TEST

/* Threads storing and looking up at once (run under ASan/TSan in CI). */
static gpointer
cache_thread (gpointer data)
{
  DsDirCache *c = data;
  struct stat st = dir_stat (1, 1, 1, 0, 1);
  g_autoptr (GBytes) body = body_of ("<p>x</p>");

  for (int i = 0; i < 20000; i++)
    {
      char key[32];
      g_snprintf (key, sizeof key, "k%d", i % 37);
      gint64 now = i / 1000;
      if (i % 3 == 0)
        ds_dircache_store (c, key, &st, now, body);
      g_autoptr (GBytes) b = ds_dircache_lookup (c, key, &st, now);
      if (b != NULL && !g_bytes_equal (b, body))
        return GINT_TO_POINTER (1);
    }
  return NULL;
}

START_TEST (test_cache_threads)
{
  g_autoptr (DsDirCache) c = ds_dircache_new (16, 1 << 20);
  GThread *t[4];

  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("cache", cache_thread, c);
  for (int i = 0; i < 4; i++)
    ck_assert_msg (g_thread_join (t[i]) == NULL, "thread %d saw a wrong body", i);
  ck_assert_uint_le (ds_dircache_size (c), 16);
}
END_TEST

/* ---- suite ------------------------------------------------------------- */

static Suite *
dirlist_suite (void)
{
  Suite *s = suite_create ("dirlist");

  TCase *tc = tcase_create ("read");
  tcase_add_unchecked_fixture (tc, tree_setup, tree_teardown);
  tcase_add_loop_test (tc, test_read_table, 0, G_N_ELEMENTS (read_cases));
  tcase_add_loop_test (tc, test_read_types, 0, G_N_ELEMENTS (type_cases));
  tcase_add_loop_test (tc, test_html_round_trip, 0, 3);
  suite_add_tcase (s, tc);

  tc = tcase_create ("many");
  tcase_set_timeout (tc, 60);
  tcase_add_unchecked_fixture (tc, many_setup, many_teardown);
  tcase_add_test (tc, test_read_many);
  suite_add_tcase (s, tc);

  tc = tcase_create ("query");
  tcase_add_loop_test (tc, test_query_table, 0, G_N_ELEMENTS (query_cases));
  tcase_add_loop_test (tc, test_accept_table, 0, G_N_ELEMENTS (accept_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("sort");
  tcase_add_loop_test (tc, test_sort_name_pairs, 0, G_N_ELEMENTS (name_pair_cases));
  tcase_add_loop_test (tc, test_sort_table, 0, G_N_ELEMENTS (sort_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("output");
  tcase_add_loop_test (tc, test_html_table, 0, G_N_ELEMENTS (html_cases));
  tcase_add_test (tc, test_html_with);
  tcase_add_loop_test (tc, test_html_sizes, 0, G_N_ELEMENTS (size_cases));
  tcase_add_test (tc, test_json_exact);
  tcase_add_test (tc, test_json_empty_root);
  tcase_add_test (tc, test_mtime_last_year);
  suite_add_tcase (s, tc);

  tc = tcase_create ("cache");
  tcase_add_test (tc, test_cache_hit_and_misses);
  tcase_add_test (tc, test_cache_bounds);
  tcase_add_loop_test (tc, test_cache_settle, 0, G_N_ELEMENTS (settle_cases));
  tcase_add_test (tc, test_cache_late_store);
  tcase_add_test (tc, test_cache_threads);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (dirlist_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
