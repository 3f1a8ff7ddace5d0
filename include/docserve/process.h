/* process.h: what a daemon opens while it has privileges (the site, the
 * TLS files, the access log, the socket), then what it does to its process
 * once they are open: the pid file and the switch to an unprivileged user. */
#pragma once

#include <glib.h>

#include "docserve/accesslog.h"
#include "docserve/conf.h"
#include "docserve/listener.h"
#include "docserve/site.h"
#include "docserve/tls.h"

G_BEGIN_DECLS

/* Writes "PID\n" to @path.  FALSE with DS_ERROR_RUNTIME ("--pid-file: ..."). */
gboolean ds_process_write_pid_file (const char *path, GError **error);

/* Switches to @user (and @group, else the user's primary group), dropping
 * supplementary groups, and verifies that root cannot be regained.  TRUE
 * at once when already that user.  FALSE with DS_ERROR_USAGE for an unknown
 * user or group, DS_ERROR_RUNTIME when the switch fails. */
gboolean ds_process_drop_privileges (const char *user, const char *group, GError **error);

/* What ds_process_acquire opens. */
typedef struct
{
  DsSite *site;
  DsTls *tls; /* HTTPS, or NULL */
  DsAccessLog *log;
  DsListener listener;
  const char *pid_file; /* written (borrowed from the DsConf), or NULL */
} DsProcessResources;

/* Opens what needs privileges (the site, the TLS files, the access log,
 * the socket) into @res, writes the pid file, then drops privileges, as
 * @conf says.  On failure (FALSE with @error set) @res holds what was
 * opened; either way release it with ds_process_release. */
gboolean ds_process_acquire (const DsConf *conf, DsProcessResources *res, GError **error);

/* Removes the pid file (best effort: privileges may be gone) and closes
 * what @res holds. */
void ds_process_release (DsProcessResources *res);

G_END_DECLS
