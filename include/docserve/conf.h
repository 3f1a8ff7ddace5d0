/* conf.h: the one immutable configuration, from the command line (and, in a
 * later release, a key file).  Built and validated before the server starts,
 * read-only afterwards. */
#pragma once

#include <glib.h>

#include "docserve/path.h"

G_BEGIN_DECLS

#define DS_DEFAULT_PORT 8080
#define DS_PORT_SEARCH_LAST 8099

typedef struct
{
  char *root;               /* as given (absolute or relative) */
  char *address;            /* "127.0.0.1", "::", "0.0.0.0", "::1", ... */
  guint port;               /* 0 = ephemeral */
  gboolean port_given;      /* --port was given: a busy port is an error */
  guint timeout;            /* inactivity timeout, seconds, >= 1 */
  guint keepalive_requests; /* replies per connection, >= 1 */
  guint max_connections;
  guint max_connections_per_ip; /* 0 = unlimited */
  char **index_files;       /* NULL-terminated; default index.html, index.htm */
  DsDotfiles dotfiles;
  DsSymlinks symlinks;
  char *mime_types_file;    /* --mime-types, may be NULL */
  char *system_mime_types;  /* /etc/mime.types */
  char *default_type;
  char *charset;
  char *access_log;         /* "-" stdout, "none", or a file path */
  int log_format;           /* DsLogFormat */
  guint shutdown_timeout;   /* seconds to drain on SIGTERM */
  gboolean show_version;
} DsConf;

/* Parses @argv (modified: GOption removes what it consumed) into a new
 * DsConf.  --help prints help to stdout and exits 0 (GOption's behaviour).
 * On a bad option returns NULL with DS_ERROR_USAGE naming the option and the
 * value.  Caller frees with ds_conf_free. */
DsConf *ds_conf_parse (int *argc, char ***argv, GError **error);

/* A DsConf with every default filled in (root "."), for tests. */
DsConf *ds_conf_new_default (void);

/* Checks cross-field constraints and value ranges; FALSE with DS_ERROR_USAGE
 * and a message naming the option otherwise. */
gboolean ds_conf_validate (const DsConf *conf, GError **error);

void ds_conf_free (DsConf *conf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsConf, ds_conf_free)

G_END_DECLS
