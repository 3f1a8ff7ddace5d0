/* conf.h: the one immutable configuration, from built-in defaults, an
 * optional key file (--config) and the command line, in that order of
 * precedence.  Built and validated before the server starts, read-only
 * afterwards. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "docserve/path.h"

G_BEGIN_DECLS

#define DS_DEFAULT_PORT 8080
#define DS_PORT_SEARCH_LAST 8099
/* The default TLS profile is Mozilla's "intermediate" server profile: TLS 1.3
 * and 1.2, and in TLS 1.2 only forward-secret key exchange with AEAD
 * ciphers.  GnuTLS's NORMAL, narrowed term by term:
 *   -VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2
 *       no TLS 1.0 and 1.1 (RFC 8996);
 *   -KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA
 *       forward secrecy only: no static RSA key exchange;
 *   -CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM
 *   -MAC-ALL:+AEAD
 *       AES-GCM and ChaCha20-Poly1305 only: no CBC (Lucky13 and its kin)
 *       and no AES-CCM, which the profile leaves out too;
 *   -SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1
 *       no SHA-1 handshake signatures.
 * DHE: docserve sets no Diffie-Hellman parameters, so GnuTLS agrees on DHE
 * only over an RFC 7919 group the client names (ffdhe2048 up to ffdhe8192,
 * all of at least 2048 bits); a client that names none gets ECDHE or
 * nothing.  The client's order of suites wins (GnuTLS's default, and the
 * profile's advice: every suite left is strong).  TLS 1.0/1.1-only clients
 * and TLS 1.2 clients with only CBC or static-RSA suites cannot connect;
 * --tls-priorities is for them.  `gnutls-cli --priority STRING -l` lists
 * what a string gives; tests/tls-profile.sh checks the running server with
 * testssl. */
#define DS_DEFAULT_TLS_PRIORITIES \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" \
  ":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA" \
  ":-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD" \
  ":-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1"

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
  guint access_log_buffer_kib; /* 0: one write(2) per line */
  guint shutdown_timeout;   /* seconds to drain on SIGTERM */
  guint workers;            /* 0: a thread per connection; N: an epoll pool of N */
  gboolean listing;         /* FALSE (--no-listing): a directory without an index
                             * file answers 403 instead of a listing; default TRUE */
  gboolean precompressed;   /* FALSE (--no-precompressed): never serve the X.br / X.gz
                             * sidecar of X; default TRUE */
  char *error_pages;        /* NULL, or a directory whose CODE.html (404.html, ...)
                             * replaces the generated page for CODE */
  char **headers;           /* NULL-terminated, never NULL (may be empty): extra reply
                             * headers, each "Name: value" as given; validated: Name
                             * is a token directly followed by ':', not one docserve
                             * sends itself; no CR/LF/control bytes.  Split with
                             * ds_conf_header_split */
  gint max_age;             /* -1 (default): no Cache-Control header from docserve;
                             * N >= 0: "Cache-Control: max-age=N" */
  gboolean no_cache;        /* "Cache-Control: no-cache"; never together with
                             * max_age >= 0 */
  gboolean watch;           /* --watch: live reload (watch.c) */
  guint watch_max_streams;  /* --watch-max-streams: open event streams at most */
  char *user;               /* NULL, or the user to switch to after binding */
  char *group;              /* NULL, or the group to switch to (only with user) */
  char *pid_file;           /* NULL, or a file to write the PID to */
  char *config_file;        /* --config as given, NULL if none */
  gboolean check_config;    /* --check-config: check (ds_conf_check) and exit */
  char *tls_cert;           /* NULL, or the PEM certificate (chain): HTTPS */
  char *tls_key;            /* NULL, or the PEM key; set exactly when tls_cert is */
  char *tls_priorities;     /* GnuTLS priority string */
  gboolean show_version;
  gboolean system_docs;     /* --system-docs: the documentation portal; root is
                             * then doc_dir, mounted at /doc/ */
  char *doc_dir;            /* --doc-dir, default /usr/share/doc */
  char *man_path;           /* --man-path: colon-separated manual page trees */
  char *info_path;          /* --info-path: colon-separated info directories */
  char *doc_base_dir;       /* --doc-base-dir, default /usr/share/doc-base */
  char **link_targets;      /* --link-target, NULL-terminated, never NULL: trusted
                             * directories symlinks may lead into (path.h); with
                             * --system-docs and none given, those of
                             * /usr/share/javascript, gtk-doc/html,
                             * sphinx_rtd_theme, fonts, fonts-font-awesome and
                             * common-licenses that exist */
  gboolean search;          /* --search: full-text search at /.docserve/search (on by
                             * default with system_docs, at /search) */
  gboolean search_off;      /* --no-search, or the key search = false: no search,
                             * not even with system_docs */
  char *search_index;       /* --search-index: the index file (implies search), or NULL:
                             * one under $XDG_CACHE_HOME/docserve/ */
} DsConf;

/* Parses @argv (modified: GOption removes what it consumed) into a new
 * DsConf.  With --config FILE the key file's [docserve] group is applied
 * first and the command line on top of it (a list option on the command line
 * replaces the file's list); with --version the file is not read.
 * --help prints help to stdout and exits 0 (GOption's behaviour).
 * On a bad option, an unreadable or bad key file returns NULL with
 * DS_ERROR_USAGE: "--OPTION: ..." for the command line, "FILE:LINE: KEY: ..."
 * (or "FILE: ...") for the key file.  Caller frees with ds_conf_free. */
DsConf *ds_conf_parse (int *argc, char ***argv, GError **error);

/* A DsConf with every default filled in (root "."), for tests. */
DsConf *ds_conf_new_default (void);

/* Checks cross-field constraints and value ranges; FALSE with DS_ERROR_USAGE
 * and a message naming the option otherwise. */
gboolean ds_conf_validate (const DsConf *conf, GError **error);

/* The checks that need the file system and the user database but not the
 * network, for --check-config and start-up: ds_conf_validate, then the root
 * is a directory that can be opened, --error-pages is a directory,
 * --mime-types a readable file, the directories of a file --access-log and
 * of --pid-file exist, --tls-cert and --tls-key are readable files, --user
 * and --group exist (ds_conf_lookup_user).  FALSE with a one-line
 * message: DS_ERROR_RUNTIME for a missing or unusable file or directory,
 * DS_ERROR_USAGE for a bad value or an unknown user or group. */
gboolean ds_conf_check (const DsConf *conf, GError **error);

/* The uid of @user and the gid of @group, or of the user's primary group
 * when @group is NULL, from the user and group databases (--user, --group:
 * ds_conf_check and the privilege drop at start-up).  FALSE with
 * DS_ERROR_USAGE "--user: "NAME" is not a user on this system" (or
 * "--group: ... not a group ..."), or DS_ERROR_RUNTIME "--user: cannot look
 * up "NAME": REASON" when the database cannot be read. */
gboolean ds_conf_lookup_user (const char *user, const char *group, uid_t *out_uid,
                              gid_t *out_gid, GError **error);

/* Splits @header, one of DsConf.headers (so already validated), at its
 * first ':' into a name and a value without leading or trailing spaces and
 * tabs.  Both newly allocated; caller frees. */
void ds_conf_header_split (const char *header, char **out_name, char **out_value);

void ds_conf_free (DsConf *conf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsConf, ds_conf_free)

G_END_DECLS
