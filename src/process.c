/* process.c: the pid file and the switch to an unprivileged user, done
 * once the root, the log and the socket are open. */
#include "config.h"

#include "docserve/process.h"

#include "docserve/common.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

gboolean
ds_process_write_pid_file (const char *path, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d\n", (int) getpid ());
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--pid-file: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* Switches to @user (and @group, else the user's primary group), dropping
 * supplementary groups, and verifies that root cannot be regained. */
gboolean
ds_process_drop_privileges (const char *user, const char *group, GError **error)
{
  struct passwd pw, *pwp = NULL;
  struct group gr, *grp = NULL;
  char buf[16384];
  gid_t gid;

  if (getpwnam_r (user, &pw, buf, sizeof buf, &pwp) != 0 || pwp == NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "--user: no such user \"%s\"", user);
      return FALSE;
    }
  uid_t uid = pw.pw_uid;
  gid = pw.pw_gid;
  if (group != NULL)
    {
      char gbuf[16384];
      if (getgrnam_r (group, &gr, gbuf, sizeof gbuf, &grp) != 0 || grp == NULL)
        {
          g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "--group: no such group \"%s\"", group);
          return FALSE;
        }
      gid = gr.gr_gid;
    }
  if (getuid () == uid && geteuid () == uid && getgid () == gid && getegid () == gid)
    return TRUE; /* already that user */
  if (setgroups (1, &gid) != 0 || setgid (gid) != 0 || setuid (uid) != 0)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "cannot switch to user %s: %s", user,
                   g_strerror (errno));
      return FALSE;
    }
  if (getuid () != uid || geteuid () != uid || getgid () != gid || getegid () != gid
      || (uid != 0 && setuid (0) == 0))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME,
                   "cannot switch to user %s: credentials did not change as asked", user);
      return FALSE;
    }
  return TRUE;
}
