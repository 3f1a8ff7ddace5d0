/* main.c: options, start, wait for a signal, map failures to exit codes.
 *
 * Exit status: 0 clean stop, 1 runtime failure, 2 usage error; one line on
 * stderr for every failure.  Signals are blocked before the daemon starts so
 * that libmicrohttpd's threads inherit the mask, and are taken here with
 * sigtimedwait(): SIGINT/SIGTERM drain (quiesce, wait for open connections
 * up to --shutdown-timeout; a second signal stops at once), SIGHUP and
 * SIGUSR1 reopen the access log. */
#include "config.h"

#include "docserve/common.h"
#include "docserve/conf.h"
#include "docserve/server.h"
#include "docserve/tls.h"

#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

static void
print_version (void)
{
  printf ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
  printf ("libmicrohttpd %s\n", MHD_get_version ());
  printf ("GLib %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
  printf ("Copyright (C) 2026 the docserve authors.\n"
          "License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
          "This is free software: you are free to change and redistribute it.\n"
          "There is NO WARRANTY, to the extent permitted by law.\n");
}

/* Waits up to @ms for one of @set; returns the signal or 0 on timeout. */
static int
wait_signal (const sigset_t *set, long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  for (;;)
    {
      int sig = ms < 0 ? sigwaitinfo (set, NULL) : sigtimedwait (set, NULL, &ts);
      if (sig > 0)
        return sig;
      if (errno == EAGAIN)
        return 0;
      if (errno != EINTR)
        return 0;
    }
}

/* SIGHUP/SIGUSR1: reopen the access log (logrotate), reload the TLS
 * certificate (renewal) and reopen the root (a deploy that switched it). */
static void
reopen_log (DsServer *server)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) tls_error = NULL;
  if (!ds_server_reopen_log (server, &error))
    fprintf (stderr, "docserve: cannot reopen the access log: %s\n", error->message);
  if (!ds_server_reload_tls (server, &tls_error))
    fprintf (stderr, "docserve: keeping the old certificate: %s\n", tls_error->message);
  g_autoptr (GError) root_error = NULL;
  if (!ds_server_reopen_root (server, &root_error))
    fprintf (stderr, "docserve: keeping the old root: %s\n", root_error->message);
}

/* Quiesces, then waits for open connections to finish, at most
 * @timeout_s seconds; another SIGINT/SIGTERM ends the wait. */
static void
drain (DsServer *server, const sigset_t *set, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  ds_server_quiesce (server);
  while (ds_server_connections (server) > 0 && g_get_monotonic_time () < deadline)
    {
      int sig = wait_signal (set, 50);
      if (sig == SIGINT || sig == SIGTERM)
        {
          fprintf (stderr, "docserve: second signal, stopping now\n");
          return;
        }
      if (sig == SIGHUP || sig == SIGUSR1)
        reopen_log (server);
    }
  if (ds_server_connections (server) > 0)
    fprintf (stderr, "docserve: shutdown timeout: closing %u connection(s)\n",
             ds_server_connections (server));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = NULL;
  sigset_t set;

  conf = ds_conf_parse (&argc, &argv, &error);
  if (conf == NULL)
    {
      fprintf (stderr, "docserve: %s\nTry 'docserve --help' for more information.\n",
               error->message);
      return EXIT_USAGE;
    }
  if (conf->show_version)
    {
      print_version ();
      return 0;
    }
  if (!ds_conf_check (conf, &error))
    {
      fprintf (stderr, "docserve: %s\n", error->message);
      if (conf->check_config)
        return EXIT_USAGE;
      return error->code == DS_ERROR_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
    }
  if (conf->check_config)
    {
      if (conf->tls_cert != NULL)
        {
          g_autoptr (DsTls) tls = ds_tls_load (conf->tls_cert, conf->tls_key,
                                               g_get_real_time () / G_USEC_PER_SEC, &error);
          if (tls == NULL)
            {
              fprintf (stderr, "docserve: %s\n", error->message);
              return EXIT_USAGE;
            }
        }
      fprintf (stderr, "docserve: configuration OK\n");
      return 0;
    }

  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGUSR1);
  pthread_sigmask (SIG_BLOCK, &set, NULL);

  DsServer *server = ds_server_start (conf, &error);
  if (server == NULL)
    {
      fprintf (stderr, "docserve: %s\n", error->message);
      return error->code == DS_ERROR_USAGE ? EXIT_USAGE : EXIT_RUNTIME;
    }

  g_autofree char *abs = g_canonicalize_filename (conf->root, NULL);
  g_autofree char *url = ds_server_get_url (server);
  fprintf (stderr, "Serving %s at %s\n", abs, url);
  fflush (stderr);

  for (;;)
    {
      int sig = wait_signal (&set, -1);
      if (sig == SIGHUP || sig == SIGUSR1)
        {
          reopen_log (server);
          continue;
        }
      if (sig == SIGINT || sig == SIGTERM)
        break;
    }
  drain (server, &set, conf->shutdown_timeout);
  ds_server_free (server);
  return 0;
}
