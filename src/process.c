/* process.c: the pid file and the switch to an unprivileged user, done
 * once the root, the log and the socket are open. */
#include "config.h"

#include "docserve/process.h"

#include "docserve/common.h"
#include "docserve/conf.h"

#include <errno.h>
#include <grp.h>
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
  uid_t uid;
  gid_t gid;

  if (!ds_conf_lookup_user (user, group, &uid, &gid, error))
    return FALSE;
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
