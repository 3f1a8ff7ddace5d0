/* process.c: what needs privileges opened first (the site, the TLS files,
 * the access log, the socket), then the pid file and the switch to an
 * unprivileged user. */
#include "config.h"

#include "docserve/process.h"

#include "docserve/common.h"
#include "docserve/conf.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
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

gboolean
ds_process_acquire (const DsConf *conf, DsProcessResources *res, GError **error)
{
  memset (res, 0, sizeof *res);
  res->listener.fd = -1;
  res->site = ds_site_open (conf, error);
  if (res->site == NULL)
    return FALSE;
  if (conf->tls_cert != NULL)
    {
      /* Read now, before privileges are dropped. */
      res->tls = ds_tls_load (conf->tls_cert, conf->tls_key, g_get_real_time () / G_USEC_PER_SEC,
                              error);
      if (res->tls == NULL)
        return FALSE;
      ds_tls_activate (res->tls);
    }
  res->log = ds_accesslog_open (conf->access_log, (DsLogFormat) conf->log_format, error);
  if (res->log == NULL)
    return FALSE;
  ds_accesslog_set_buffer (res->log, (gsize) conf->access_log_buffer_kib * 1024);
  ds_listener_raise_nofile (conf->max_connections);
  if (!ds_listener_open (conf, &res->listener, error))
    return FALSE;
  /* Everything that needs privileges is open: root, log, socket. */
  if (conf->pid_file != NULL)
    {
      if (!ds_process_write_pid_file (conf->pid_file, error))
        return FALSE;
      res->pid_file = conf->pid_file;
    }
  if (conf->user != NULL && !ds_process_drop_privileges (conf->user, conf->group, error))
    return FALSE;
  return ds_site_start (res->site, error);
}

void
ds_process_release (DsProcessResources *res)
{
  if (res->pid_file != NULL)
    (void) unlink (res->pid_file); /* best effort: we may have dropped privileges */
  ds_listener_close (&res->listener);
  ds_site_free (res->site);
  if (res->log != NULL)
    ds_accesslog_free (res->log);
  if (res->tls != NULL)
    ds_tls_free (res->tls);
  memset (res, 0, sizeof *res);
  res->listener.fd = -1;
}
