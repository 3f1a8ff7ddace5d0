/* listener.c: the listening socket.  docserve binds it itself so that a
 * busy port is reported with its errno and the port search (8080..8099 when
 * no port was given) needs no daemon restarts; under systemd it takes the
 * socket passed with the sd_listen_fds(3) protocol, without libsystemd. */
#include "config.h"

#include "docserve/listener.h"

#include "docserve/common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 511

/* Raises the soft RLIMIT_NOFILE so @max_connections sockets plus one open
 * file each fit; warns if the hard limit is lower. */
void
ds_listener_raise_nofile (guint max_connections)
{
  struct rlimit rl;
  rlim_t want = (rlim_t) max_connections * 2 + 64;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
    return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  (void) setrlimit (RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want)
    fprintf (stderr,
             "docserve: warning: open file limit %lu is below the %lu that "
             "--max-connections %u needs\n",
             (unsigned long) rl.rlim_cur, (unsigned long) want, max_connections);
}

static int
bind_listen (const char *address, guint port, int *out_errno)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  int one = 1, zero = 0;
  struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

  if (inet_pton (AF_INET, address, &sin->sin_addr) == 1)
    {
      sin->sin_family = AF_INET;
      sin->sin_port = htons ((uint16_t) port);
      len = sizeof *sin;
    }
  else if (inet_pton (AF_INET6, address, &sin6->sin6_addr) == 1)
    {
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons ((uint16_t) port);
      len = sizeof *sin6;
    }
  else
    {
      *out_errno = EINVAL;
      return -1;
    }

  int fd = socket (ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      *out_errno = errno;
      return -1;
    }
  (void) setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* "::" serves IPv4 too (dual stack); a specific v6 address only itself. */
  if (ss.ss_family == AF_INET6)
    (void) setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (bind (fd, (struct sockaddr *) &ss, len) != 0 || listen (fd, LISTEN_BACKLOG) != 0)
    {
      *out_errno = errno;
      close (fd);
      return -1;
    }
  return fd;
}

static guint
bound_port (int fd)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getsockname (fd, (struct sockaddr *) &ss, &len) != 0)
    return 0;
  if (ss.ss_family == AF_INET6)
    return ntohs (((struct sockaddr_in6 *) &ss)->sin6_port);
  return ntohs (((struct sockaddr_in *) &ss)->sin_port);
}

/* systemd socket activation (sd_listen_fds(3) protocol, without
 * libsystemd): returns fd 3 when LISTEN_PID is us and LISTEN_FDS >= 1, -1
 * when not activated, -2 (with @error) when fd 3 is not a listening stream
 * socket.  The variables are unset so children do not inherit them. */
static int
activated_socket (GError **error)
{
  const char *pid = g_getenv ("LISTEN_PID");
  const char *fds = g_getenv ("LISTEN_FDS");
  int type = 0, listening = 0;
  socklen_t len = sizeof type;

  if (pid == NULL || fds == NULL || g_ascii_strtoll (pid, NULL, 10) != (gint64) getpid ()
      || g_ascii_strtoll (fds, NULL, 10) < 1)
    return -1;
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
  if (getsockopt (3, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM
      || getsockopt (3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME,
                   "socket activation: fd 3 is not a listening stream socket");
      return -2;
    }
  if (g_ascii_strtoll (fds, NULL, 10) > 1)
    fprintf (stderr, "docserve: socket activation: using fd 3, ignoring %s more\n",
             fds[0] == '2' && fds[1] == '\0' ? "1" : "the");
  (void) fcntl (3, F_SETFD, FD_CLOEXEC);
  return 3;
}

gboolean
ds_listener_open (const DsConf *conf, DsListener *out, GError **error)
{
  guint port = conf->port;
  int e = 0;

  out->activated = FALSE;
  out->fd = activated_socket (error);
  if (out->fd == -2)
    {
      out->fd = -1;
      return FALSE;
    }
  if (out->fd >= 0)
    {
      out->activated = TRUE;
      out->port = bound_port (out->fd);
      return TRUE;
    }

  for (;;)
    {
      out->fd = bind_listen (conf->address, port, &e);
      if (out->fd >= 0)
        break;
      if (e == EADDRINUSE && !conf->port_given && port != 0 && port < DS_PORT_SEARCH_LAST)
        {
          port++;
          continue;
        }
      if (e == EADDRINUSE && !conf->port_given)
        g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME,
                     "cannot listen on %s: ports %u to %u are all in use (choose one with --port)",
                     conf->address, conf->port, port);
      else
        g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "cannot listen on %s port %u: %s",
                     conf->address, port, g_strerror (e));
      return FALSE;
    }
  out->port = bound_port (out->fd);
  return TRUE;
}

void
ds_listener_close (DsListener *l)
{
  ds_fd_cleanup (&l->fd);
}

char *
ds_listener_url (const DsListener *l, gboolean tls)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN] = "?";

  if (getsockname (l->fd, (struct sockaddr *) &ss, &len) == 0)
    (void) getnameinfo ((struct sockaddr *) &ss, len, host, sizeof host, NULL, 0, NI_NUMERICHOST);
  gboolean v6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("%s://%s%s%s:%u/%s", tls ? "https" : "http",
                          v6 ? "[" : "", host, v6 ? "]" : "", l->port,
                          l->activated ? " (socket activation)" : "");
}
