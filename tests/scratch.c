/* scratch.c: temporary files for the unit suites; see scratch.h. */
#include "config.h"

#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

char *scratch_dir;

void
scratch_setup (void)
{
  scratch_dir = scratch_dir_new ("docserve-check");
}

void
scratch_teardown (void)
{
  scratch_remove (scratch_dir);
  g_clear_pointer (&scratch_dir, g_free);
}

char *
scratch_dir_new (const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmpl = g_strconcat (prefix, "-XXXXXX", NULL);
  char *dir = g_dir_make_tmp (tmpl, &error);

  ck_assert_msg (dir != NULL, "g_dir_make_tmp (%s): %s", tmpl,
                 error != NULL ? error->message : "?");
  return dir;
}

char *
scratch_write (const char *dir, const char *name, const char *data, gssize len)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  ck_assert_msg (g_file_set_contents (path, data, len, &error), "cannot write %s: %s", path,
                 error != NULL ? error->message : "?");
  return path;
}

void
scratch_remove (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      ck_assert_msg (errno == ENOENT, "cannot stat %s: %s", path, g_strerror (errno));
      return;
    }
  if (S_ISDIR (st.st_mode))
    {
      /* Searchable again, in case a test took the permission away. */
      g_chmod (path, 0700);
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          scratch_remove (child);
        }
    }
  ck_assert_msg (g_remove (path) == 0, "cannot remove %s: %s", path, g_strerror (errno));
}

guint
scratch_count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  ck_assert_msg (dir != NULL, "cannot list /proc/self/fd");
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n; /* the GDir's own fd included, as every time */
}
