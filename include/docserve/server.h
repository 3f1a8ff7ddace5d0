/* server.h: the libmicrohttpd daemon.  The only module that sees MHD. */
#pragma once

#include <glib.h>

#include "docserve/conf.h"

G_BEGIN_DECLS

typedef struct _DsServer DsServer;

/* Opens the root, builds the MIME table, opens the access log, binds (or
 * takes the socket systemd passed: LISTEN_PID/LISTEN_FDS, fd 3), writes the
 * pid file, drops privileges (--user/--group) and starts the daemon, per
 * @conf (borrowed; must outlive the server).  When the port was not given
 * and is busy, tries the next ports up to DS_PORT_SEARCH_LAST.  NULL with DS_ERROR_RUNTIME or DS_ERROR_USAGE on
 * failure. */
DsServer *ds_server_start (const DsConf *conf, GError **error);

/* The port actually bound. */
guint ds_server_get_port (const DsServer *server);

/* "http://ADDR:PORT/" of the listening socket (IPv6 in brackets), followed
 * by " (socket activation)" when systemd passed the socket.  Caller frees. */
char *ds_server_get_url (const DsServer *server);

/* Stops accepting new connections (they wait in the backlog until the
 * process exits); replies already under way go on, and every later reply
 * carries Connection: close. */
void ds_server_quiesce (DsServer *server);

/* Connections open right now (thread-safe). */
guint ds_server_connections (const DsServer *server);

/* Reopens the access log file (SIGHUP).  FALSE with an error if the file
 * cannot be opened; the old one stays in use. */
gboolean ds_server_reopen_log (DsServer *server, GError **error);

/* Opens DIR again (SIGHUP): a root that is a symlink switched to a new
 * release, or a directory recreated, is served from then on.  FALSE with the
 * reason if it cannot be opened (the old one stays). */
gboolean ds_server_reopen_root (DsServer *server, GError **error);

/* Loads the --tls-cert/--tls-key files again (SIGHUP, certificate renewal)
 * for new handshakes; connections keep going.  TRUE without TLS.  FALSE with
 * the reason if the new files do not pass the checks (the old pair stays). */
gboolean ds_server_reload_tls (DsServer *server, GError **error);

/* Stops the daemon (cutting off whatever is still running), closes the
 * listening socket and frees everything.  NULL is ignored. */
void ds_server_free (DsServer *server);

G_END_DECLS
