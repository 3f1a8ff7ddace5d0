/* listener.h: the listening socket: bound here (so a busy port is reported
 * with its errno and the port search needs no daemon restarts) or taken
 * from systemd (socket activation), and the open-file limit it needs. */
#pragma once

#include <glib.h>

#include "docserve/conf.h"

G_BEGIN_DECLS

typedef struct
{
  int fd;             /* listening socket, -1 when none */
  guint port;         /* the port actually bound */
  gboolean activated; /* the socket came from systemd */
} DsListener;

/* Takes the socket systemd passed (LISTEN_PID/LISTEN_FDS, fd 3) or binds
 * @conf's address and port; when the port was not given and is busy, tries
 * the next ports up to DS_PORT_SEARCH_LAST.  FALSE with DS_ERROR_RUNTIME
 * naming the address and the reason.  Close @out->fd with
 * ds_listener_close. */
gboolean ds_listener_open (const DsConf *conf, DsListener *out, GError **error);

/* Closes the socket (if any); idempotent. */
void ds_listener_close (DsListener *l);

/* "SCHEME://ADDR:PORT/" of the socket (IPv6 in brackets), followed by
 * " (socket activation)" when systemd passed it.  Caller frees. */
char *ds_listener_url (const DsListener *l, gboolean tls);

/* Raises the soft RLIMIT_NOFILE so @max_connections sockets plus one open
 * file each fit; warns on stderr if the hard limit is lower. */
void ds_listener_raise_nofile (guint max_connections);

G_END_DECLS
