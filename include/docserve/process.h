/* process.h: what a daemon does to its process once its privileged
 * resources are open: the pid file and the switch to an unprivileged user. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes "PID\n" to @path.  FALSE with DS_ERROR_RUNTIME ("--pid-file: ..."). */
gboolean ds_process_write_pid_file (const char *path, GError **error);

/* Switches to @user (and @group, else the user's primary group), dropping
 * supplementary groups, and verifies that root cannot be regained.  TRUE
 * at once when already that user.  FALSE with DS_ERROR_USAGE for an unknown
 * user or group, DS_ERROR_RUNTIME when the switch fails. */
gboolean ds_process_drop_privileges (const char *user, const char *group, GError **error);

G_END_DECLS
