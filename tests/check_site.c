/* check_site.c: what start-up builds and SIGHUP reopens (site.c): the
 * sidecar-miss cache, ds_site_open on good and bad roots (and that a
 * failure leaves no fd open), and ds_site_reopen_root after the root was
 * recreated, switched or removed, and the start and change hooks
 * features register. */
#include "config.h"

#include "docserve/site.h"

#include "docserve/common.h"

#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the sidecar-miss cache -------------------------------------------- */

/* Each row is a script of steps separated by ", ": "note REL SECOND"
 * notes REL absent; "known REL SECOND" and "unknown REL SECOND" check what
 * ds_sidecar_cache_known_absent says. */
typedef struct
{
  const char *what;
  guint max_entries;
  const char *steps;
} CacheRow;

static const CacheRow cache_rows[] = {
  { "a new cache knows nothing", 8, "unknown a 100, unknown a -9223372036854775808" },
  { "a note holds for its second", 8,
    "note a 100, known a 100, unknown b 100, unknown A 100, unknown a/ 100" },
  { "... and only for it", 8, "note a 100, unknown a 101, unknown a 99, known a 100" },
  { "a note in the next second drops the others", 8,
    "note a 100, note b 101, known b 101, unknown a 101, unknown a 100" },
  /* A request that started in the second before the current one: its note
   * is not taken, and the current second's notes stay. */
  { "a late note from the second before is not taken", 8,
    "note a 101, note b 100, known a 101, unknown b 101, unknown b 100, "
    "note c 101, known c 101, known a 101" },
  /* Only the second just before is refused: any other second's note
   * replaces the notes, as the next second's does. */
  { "a note from two seconds before replaces the notes", 8,
    "note a 102, note b 100, known b 100, unknown a 102" },
  { "seconds before the epoch", 8, "note a -1, known a -1, note b 0, unknown a 0, known b 0" },
  { "at most max_entries names a second", 2,
    "note a 100, note b 100, note c 100, known a 100, known b 100, unknown c 100" },
  { "a name noted again when full is still known", 1,
    "note a 100, note a 100, known a 100, note b 100, unknown b 100" },
  { "the cap is per second", 1,
    "note a 100, note b 100, note b 101, known b 101, unknown a 101" },
  { "max_entries 0 notes nothing", 0, "note a 100, unknown a 100" },
};

START_TEST (test_sidecar_cache)
{
  const CacheRow *row = &cache_rows[_i];
  g_autoptr (DsSidecarCache) c = ds_sidecar_cache_new (row->max_entries);
  g_auto (GStrv) steps = g_strsplit (row->steps, ", ", -1);

  for (guint i = 0; steps[i] != NULL; i++)
    {
      g_auto (GStrv) w = g_strsplit (steps[i], " ", -1);
      ck_assert_msg (g_strv_length (w) == 3, "%s: bad step \"%s\"", row->what, steps[i]);
      gint64 now = g_ascii_strtoll (w[2], NULL, 10);
      if (strcmp (w[0], "note") == 0)
        ds_sidecar_cache_note_absent (c, w[1], now);
      else
        {
          gboolean want = strcmp (w[0], "known") == 0;
          ck_assert_msg (want || strcmp (w[0], "unknown") == 0, "%s: bad step \"%s\"", row->what,
                         steps[i]);
          ck_assert_msg (ds_sidecar_cache_known_absent (c, w[1], now) == want,
                         "%s: step %u \"%s\" fails in \"%s\"", row->what, i + 1, steps[i],
                         row->steps);
        }
    }
}
END_TEST

/* ---- ds_site_open ------------------------------------------------------ */

/* scratch_dir with root/ (holding old-only.txt), file, pages/ (a
 * 404.html) */
static void
site_setup (void)
{
  scratch_setup ();
  g_autofree char *root = g_build_filename (scratch_dir, "root", NULL);
  g_autofree char *pages = g_build_filename (scratch_dir, "pages", NULL);

  ck_assert (g_mkdir (root, 0755) == 0 && g_mkdir (pages, 0755) == 0);
  g_free (scratch_write (root, "old-only.txt", "old\n", -1));
  g_free (scratch_write (scratch_dir, "file", "not a directory\n", -1));
  g_free (scratch_write (pages, "404.html", "<p>custom 404</p>\n", -1));
}

/* @s with "@DIR@" replaced by scratch_dir; caller frees. */
static char *
expand (const char *s)
{
  GString *out = g_string_new (s);

  g_string_replace (out, "@DIR@", scratch_dir, 0);
  return g_string_free (out, FALSE);
}

static void
set_path (char **field, const char *value)
{
  g_free (*field);
  *field = value != NULL ? expand (value) : NULL;
}

/* Whether @name can be opened below @dir_fd. */
static gboolean
can_open (int dir_fd, const char *name)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

START_TEST (test_open)
{
  static const char *const rels[] = { "x", "", "a/b/c", "old-only.txt" };
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;
  guint fds_before = scratch_count_fds ();

  set_path (&conf->root, "@DIR@/root");
  DsSite *site = ds_site_open (conf, &error);
  ck_assert_msg (site != NULL, "%s: %s", conf->root, error != NULL ? error->message : "?");
  ck_assert (site->conf == conf);
  ck_assert (site->mime != NULL);
  ck_assert_msg (site->root_fd >= 0 && can_open (site->root_fd, "old-only.txt"),
                 "root_fd %d does not serve %s", site->root_fd, conf->root);
  ck_assert_str_eq (site->text_type, "text/plain; charset=utf-8");
  ck_assert_ptr_null (site->error_pages);
  ck_assert_msg (site->dircache != NULL, "listings on (the default), but no listing cache");
  ck_assert_msg (site->sidecars != NULL, "sidecars on (the default), but no sidecar cache");
  ck_assert (site->routes != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (rels); i++)
    {
      const char *below = NULL;
      const DsMount *m = ds_routes_lookup (site->routes, rels[i], &below);
      ck_assert_msg (m != NULL, "\"%s\": nothing mounted", rels[i]);
      ck_assert_msg (m->kind == DS_MOUNT_TREE && m->target == site && strcmp (m->prefix, "") == 0,
                     "\"%s\": mount \"%s\" kind %d, want this site's tree at the root", rels[i],
                     m->prefix, m->kind);
      ck_assert_msg (below == rels[i], "\"%s\": below \"%s\"", rels[i], below);
    }
  ds_site_free (site);
  ck_assert_uint_eq (scratch_count_fds (), fds_before);
}
END_TEST

/* The options that decide what is built. */
START_TEST (test_open_options)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  set_path (&conf->root, "@DIR@/root");
  set_path (&conf->error_pages, "@DIR@/pages");
  conf->listing = FALSE;
  conf->precompressed = FALSE;
  g_free (conf->charset);
  conf->charset = g_strdup ("iso-8859-1");

  g_autoptr (DsSite) site = ds_site_open (conf, &error);
  ck_assert_msg (site != NULL, "%s", error != NULL ? error->message : "?");
  ck_assert_str_eq (site->text_type, "text/plain; charset=iso-8859-1");
  ck_assert_ptr_null (site->dircache);
  ck_assert_ptr_null (site->sidecars);
  ck_assert_msg (site->error_pages != NULL && g_hash_table_size (site->error_pages) == 1
                     && g_hash_table_contains (site->error_pages, GUINT_TO_POINTER (404)),
                 "--error-pages %s: 404.html not loaded alone", conf->error_pages);
}
END_TEST

typedef struct
{
  const char *what;
  const char *root;        /* expanded */
  const char *error_pages; /* expanded; NULL: none */
  const char *mime_types;  /* expanded; NULL: none */
  int code;
  const char *want;        /* expanded; the message starts with it */
} OpenBadRow;

static const OpenBadRow open_bad_rows[] = {
  { "missing root", "@DIR@/missing", NULL, NULL, DS_ERROR_RUNTIME,
    "@DIR@/missing: No such file or directory" },
  { "root a file", "@DIR@/file", NULL, NULL, DS_ERROR_RUNTIME, "@DIR@/file: not a directory" },
  { "root below a file", "@DIR@/file/x", NULL, NULL, DS_ERROR_RUNTIME,
    "@DIR@/file/x: not a directory" },
  { "root a link to a file", "@DIR@/link-to-file", NULL, NULL, DS_ERROR_RUNTIME,
    "@DIR@/link-to-file: not a directory" },
  { "root a dangling link", "@DIR@/dangling", NULL, NULL, DS_ERROR_RUNTIME,
    "@DIR@/dangling: No such file or directory" },
  /* After the root was opened: its fd must be closed again. */
  { "--error-pages missing", "@DIR@/root", "@DIR@/missing", NULL, DS_ERROR_RUNTIME,
    "--error-pages: @DIR@/missing: " },
  { "--error-pages a file", "@DIR@/root", "@DIR@/file", NULL, DS_ERROR_RUNTIME,
    "--error-pages: @DIR@/file: " },
  { "--mime-types missing", "@DIR@/root", NULL, "@DIR@/missing.types", DS_ERROR_USAGE, "" },
};

START_TEST (test_open_bad)
{
  const OpenBadRow *row = &open_bad_rows[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;
  g_autofree char *link_to_file = g_build_filename (scratch_dir, "link-to-file", NULL);
  g_autofree char *dangling = g_build_filename (scratch_dir, "dangling", NULL);
  g_autofree char *want = expand (row->want);

  scratch_remove (link_to_file);
  scratch_remove (dangling);
  ck_assert (symlink ("file", link_to_file) == 0 && symlink ("nowhere", dangling) == 0);
  set_path (&conf->root, row->root);
  set_path (&conf->error_pages, row->error_pages);
  set_path (&conf->mime_types_file, row->mime_types);

  guint fds_before = scratch_count_fds ();
  g_autoptr (DsSite) site = ds_site_open (conf, &error);
  ck_assert_msg (site == NULL, "%s: opened", row->what);
  ck_assert_msg (g_error_matches (error, DS_ERROR, row->code), "%s: error %s/%d (%s), want code %d",
                 row->what, error != NULL ? g_quark_to_string (error->domain) : "none",
                 error != NULL ? error->code : -1, error != NULL ? error->message : "",
                 row->code);
  ck_assert_msg (g_str_has_prefix (error->message, want), "%s: message \"%s\", want \"%s...\"",
                 row->what, error->message, want);
  if (row->mime_types != NULL)
    {
      g_autofree char *path = expand (row->mime_types);
      ck_assert_msg (strstr (error->message, path) != NULL, "%s: message \"%s\" does not name %s",
                     row->what, error->message, path);
    }
  ck_assert_msg (scratch_count_fds () == fds_before, "%s: %u fds open after, %u before",
                 row->what, scratch_count_fds (), fds_before);
}
END_TEST

/* A root that is a symlink is followed whatever --symlinks says: the
 * policy is for links below the root (a symlink switched to a new release
 * is the way to update a site; see ds_site_reopen_root). */
START_TEST (test_open_symlink_root)
{
  static const DsSymlinks policies[] = { DS_SYMLINKS_INSIDE, DS_SYMLINKS_FOLLOW,
                                         DS_SYMLINKS_NONE };
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;
  g_autofree char *link = g_build_filename (scratch_dir, "link-to-root", NULL);

  scratch_remove (link);
  ck_assert (symlink ("root", link) == 0);
  set_path (&conf->root, "@DIR@/link-to-root");
  conf->symlinks = policies[_i];
  g_autoptr (DsSite) site = ds_site_open (conf, &error);
  ck_assert_msg (site != NULL, "--symlinks %d, root a symlink: %s", conf->symlinks,
                 error != NULL ? error->message : "?");
  ck_assert_msg (can_open (site->root_fd, "old-only.txt"),
                 "--symlinks %d: the link's target is not served", conf->symlinks);
}
END_TEST

/* Runs ds_site_open on @root as user nobody (65534) in a child process, so
 * that the directory permissions apply (they do not to root).  Returns the
 * error message (caller frees), or NULL if the site opened. */
static char *
open_as_nobody (const char *root)
{
  int fds[2];

  ck_assert (pipe (fds) == 0);
  pid_t pid = fork ();
  ck_assert_msg (pid >= 0, "fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      close (fds[0]);
      if (getuid () == 0
          && (setgroups (0, NULL) != 0 || setgid (65534) != 0 || setuid (65534) != 0))
        _exit (3);
      g_autoptr (DsConf) conf = ds_conf_new_default ();
      g_autoptr (GError) error = NULL;
      set_path (&conf->root, root);
      g_autoptr (DsSite) site = ds_site_open (conf, &error);
      if (site == NULL && error != NULL)
        (void) !write (fds[1], error->message, strlen (error->message));
      _exit (site != NULL ? 1 : 0);
    }
  close (fds[1]);
  g_autoptr (GString) msg = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  while ((n = read (fds[0], buf, sizeof buf)) > 0)
    g_string_append_len (msg, buf, n);
  close (fds[0]);
  int status = 0;
  ck_assert (waitpid (pid, &status, 0) == pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) != 3,
                 "the child could not become nobody (status 0x%x)", status);
  return WEXITSTATUS (status) == 1 ? NULL : g_string_free (g_steal_pointer (&msg), FALSE);
}

/* The probe: a root that can be opened but not searched (mode r--) would
 * answer every request with an error; it is refused at start-up with its
 * reason.  The same directory searchable opens. */
START_TEST (test_open_root_not_searchable)
{
  g_autofree char *home = g_build_filename (scratch_dir, "nobody", NULL);
  g_autofree char *root = g_build_filename (home, "root", NULL);

  ck_assert (g_chmod (scratch_dir, 0711) == 0);
  ck_assert (g_mkdir (home, 0700) == 0 && g_mkdir (root, 0400) == 0);
  if (getuid () == 0)
    ck_assert (chown (home, 65534, 65534) == 0 && chown (root, 65534, 65534) == 0);

  g_autofree char *msg = open_as_nobody (root);
  g_autofree char *want = g_strconcat (root, ": Permission denied", NULL);
  ck_assert_msg (msg != NULL, "%s, mode 0400: opened", root);
  ck_assert_msg (strcmp (msg, want) == 0, "%s, mode 0400: \"%s\", want \"%s\"", root, msg, want);

  ck_assert (g_chmod (root, 0500) == 0);
  g_autofree char *msg_ok = open_as_nobody (root);
  ck_assert_msg (msg_ok == NULL, "%s, mode 0500: %s", root, msg_ok);
  scratch_remove (home);
  ck_assert (g_chmod (scratch_dir, 0700) == 0);
}
END_TEST

/* ---- ds_site_reopen_root ----------------------------------------------- */

/* A site on @root (expanded), or a failed assertion. */
static DsSite *
open_site (DsConf *conf, const char *root)
{
  g_autoptr (GError) error = NULL;

  set_path (&conf->root, root);
  DsSite *site = ds_site_open (conf, &error);
  ck_assert_msg (site != NULL, "%s: %s", conf->root, error != NULL ? error->message : "?");
  return site;
}

/* The root directory renamed away and made again (a deploy by rsync to a
 * new directory, say): the reopened fd serves the new one, the old fd
 * still serves the old one to requests under way, and freeing the site
 * closes both. */
START_TEST (test_reopen_recreated)
{
  g_autofree char *site_dir = g_build_filename (scratch_dir, "site", NULL);
  g_autofree char *old_dir = g_build_filename (scratch_dir, "site.old", NULL);
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;
  guint fds_before = scratch_count_fds ();

  ck_assert (g_mkdir (site_dir, 0755) == 0);
  g_free (scratch_write (site_dir, "old-only.txt", "old\n", -1));
  DsSite *site = open_site (conf, "@DIR@/site");
  int old_fd = site->root_fd;

  ck_assert (g_rename (site_dir, old_dir) == 0 && g_mkdir (site_dir, 0755) == 0);
  g_free (scratch_write (site_dir, "new-only.txt", "new\n", -1));
  ck_assert_msg (can_open (site->root_fd, "old-only.txt")
                     && !can_open (site->root_fd, "new-only.txt"),
                 "before the reopen the old directory should still be served");

  ck_assert_msg (ds_site_reopen_root (site, &error), "reopen: %s",
                 error != NULL ? error->message : "?");
  ck_assert_int_ne (site->root_fd, old_fd);
  ck_assert_msg (can_open (site->root_fd, "new-only.txt"), "reopened: new-only.txt missing");
  ck_assert_msg (!can_open (site->root_fd, "old-only.txt"), "reopened: old-only.txt there");
  ck_assert_msg (can_open (old_fd, "old-only.txt"), "the old fd was closed under running requests");
  const DsMount *m = ds_routes_lookup (site->routes, "new-only.txt", NULL);
  ck_assert (m != NULL && m->target == site);

  ds_site_free (site);
  ck_assert_msg (scratch_count_fds () == fds_before, "%u fds open after free, %u before",
                 scratch_count_fds (), fds_before);
  scratch_remove (site_dir);
  scratch_remove (old_dir);
}
END_TEST

/* The root a symlink switched atomically to a new release. */
START_TEST (test_reopen_switched_link)
{
  g_autofree char *r1 = g_build_filename (scratch_dir, "release-1", NULL);
  g_autofree char *r2 = g_build_filename (scratch_dir, "release-2", NULL);
  g_autofree char *current = g_build_filename (scratch_dir, "current", NULL);
  g_autofree char *next = g_build_filename (scratch_dir, "current.next", NULL);
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  ck_assert (g_mkdir (r1, 0755) == 0 && g_mkdir (r2, 0755) == 0);
  g_free (scratch_write (r1, "one.txt", "1\n", -1));
  g_free (scratch_write (r2, "two.txt", "2\n", -1));
  ck_assert (symlink ("release-1", current) == 0);
  g_autoptr (DsSite) site = open_site (conf, "@DIR@/current");
  ck_assert (can_open (site->root_fd, "one.txt"));

  ck_assert (symlink ("release-2", next) == 0 && g_rename (next, current) == 0);
  ck_assert_msg (ds_site_reopen_root (site, &error), "reopen: %s",
                 error != NULL ? error->message : "?");
  ck_assert_msg (can_open (site->root_fd, "two.txt") && !can_open (site->root_fd, "one.txt"),
                 "after the switch to release-2: release-2 not served");
  scratch_remove (current);
  scratch_remove (r1);
  scratch_remove (r2);
}
END_TEST

/* A root that cannot be opened again: the reason, and the old fd stays in
 * service; once it is back, a reopen takes it. */
START_TEST (test_reopen_fails)
{
  g_autofree char *site_dir = g_build_filename (scratch_dir, "gone", NULL);
  g_autofree char *away = g_build_filename (scratch_dir, "gone.away", NULL);
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  ck_assert (g_mkdir (site_dir, 0755) == 0);
  g_free (scratch_write (site_dir, "old-only.txt", "old\n", -1));
  g_autoptr (DsSite) site = open_site (conf, "@DIR@/gone");
  int old_fd = site->root_fd;

  ck_assert (g_rename (site_dir, away) == 0);
  guint fds_before = scratch_count_fds ();
  ck_assert_msg (!ds_site_reopen_root (site, &error), "reopened a missing root");
  g_autofree char *want = g_strconcat (site_dir, ": No such file or directory", NULL);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME)
                     && strcmp (error->message, want) == 0,
                 "error \"%s\", want \"%s\"", error != NULL ? error->message : "(none)", want);
  ck_assert_int_eq (site->root_fd, old_fd);
  ck_assert_msg (can_open (site->root_fd, "old-only.txt"), "the old root is no longer served");
  ck_assert_uint_eq (scratch_count_fds (), fds_before);

  /* A file where the directory was: refused the same way. */
  g_clear_error (&error);
  g_free (scratch_write (scratch_dir, "gone", "a file now\n", -1));
  ck_assert (!ds_site_reopen_root (site, &error));
  ck_assert_int_eq (site->root_fd, old_fd);
  scratch_remove (site_dir);

  g_clear_error (&error);
  ck_assert (g_mkdir (site_dir, 0755) == 0);
  g_free (scratch_write (site_dir, "back.txt", "back\n", -1));
  ck_assert_msg (ds_site_reopen_root (site, &error), "reopen: %s",
                 error != NULL ? error->message : "?");
  ck_assert (can_open (site->root_fd, "back.txt"));
  scratch_remove (site_dir);
  scratch_remove (away);
}
END_TEST

/* ---- ds_site_on_start, ds_site_on_change ------------------------------- */

static gboolean
note_start (gpointer data, GError **error)
{
  GString *log = data;
  (void) error;
  g_string_append (log, "s");
  return TRUE;
}

static gboolean
fail_start (gpointer data, GError **error)
{
  GString *log = data;
  g_string_append (log, "f");
  g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "cannot start");
  return FALSE;
}

static void
note_change (gpointer data)
{
  g_string_append ((GString *) data, "c");
}

/* Starts run in order, once; a failing one stops the start with its error;
 * changes reach every listener, each time. */
START_TEST (test_start_and_change)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  set_path (&conf->root, "@DIR@/root");
  g_autoptr (GString) log = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  g_autoptr (DsSite) site = ds_site_open (conf, &error);
  ck_assert_msg (site != NULL, "%s", error != NULL ? error->message : "?");
  ds_site_on_start (site, note_start, log);
  ds_site_on_start (site, note_start, log);
  ds_site_on_change (site, note_change, log);
  ds_site_on_change (site, note_change, log);
  ck_assert (ds_site_start (site, &error));
  ck_assert_str_eq (log->str, "ss");
  ck_assert (ds_site_start (site, &error));
  ck_assert_str_eq (log->str, "ss");
  ds_site_changed (site);
  ds_site_changed (site);
  ck_assert_str_eq (log->str, "sscccc");

  g_autoptr (DsSite) failing = ds_site_open (conf, &error);
  ck_assert (failing != NULL);
  g_string_truncate (log, 0);
  ds_site_on_start (failing, fail_start, log);
  ds_site_on_start (failing, note_start, log);
  ck_assert (!ds_site_start (failing, &error));
  ck_assert_msg (error != NULL && strcmp (error->message, "cannot start") == 0, "%s",
                 error != NULL ? error->message : "no error");
  ck_assert_str_eq (log->str, "f");
}
END_TEST

static Suite *
site_suite (void)
{
  Suite *s = suite_create ("site");
  TCase *tc = tcase_create ("sidecar_cache");

  tcase_add_loop_test (tc, test_sidecar_cache, 0, G_N_ELEMENTS (cache_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("open");
  tcase_add_unchecked_fixture (tc, site_setup, scratch_teardown);
  tcase_add_test (tc, test_open);
  tcase_add_test (tc, test_open_options);
  tcase_add_loop_test (tc, test_open_bad, 0, G_N_ELEMENTS (open_bad_rows));
  tcase_add_loop_test (tc, test_open_symlink_root, 0, 3);
  tcase_add_test (tc, test_open_root_not_searchable);
  tcase_add_test (tc, test_start_and_change);
  suite_add_tcase (s, tc);

  tc = tcase_create ("reopen");
  tcase_add_unchecked_fixture (tc, site_setup, scratch_teardown);
  tcase_add_test (tc, test_reopen_recreated);
  tcase_add_test (tc, test_reopen_switched_link);
  tcase_add_test (tc, test_reopen_fails);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (site_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
