/* conf.c: built-in defaults, a key file and the command line into one
 * validated, immutable DsConf, all worked from one table of options.
 *
 * Each setting is a row of opts[]: its command-line name (and short name),
 * its key-file key, the kind of value with its range or choices, the check
 * a value must pass, what --check-config makes sure of on disk, its --help
 * text, its default and the DsConf field it goes to.  The GOption entries
 * (and so --help), the key file's keys, parsing, ds_conf_new_default,
 * ds_conf_validate, ds_conf_check and ds_conf_free walk that table: an
 * option is one row plus its DsConf field.
 *
 * GOptionContext gives GNU-style long options, --help and "--" handling.
 * Values are taken as strings and parsed here, so that an error names the
 * option and the exact value ("--port: \"80a\" is not a number") instead of
 * GOption's generic text.
 *
 * --config FILE is a GKeyFile with one group, [docserve], whose keys are the
 * long option names without "--": the positional DIR is "root", the flags
 * --no-listing and --no-precompressed are the booleans "listing" and
 * "precompressed", --no-cache is the boolean "no-cache", repeatable options
 * are string lists ("index=a.html;b.html").  The command line is parsed
 * first, the file is applied over the defaults, then the command line over
 * the file; a list on the command line replaces the file's list.
 *
 * keyfile.c reads the file strictly (unknown groups and keys, repeated keys
 * and malformed lines are errors with their line); this file applies each
 * key in file order and reports a bad value as "FILE:LINE: KEY: ...".
 * Relative paths in the file (root, error-pages, mime-types, access-log,
 * pid-file, tls-cert, tls-key) are relative to the file's directory, so
 * that a configuration means the same whatever directory docserve is
 * started in.
 *
 * Every value is checked before the server starts; nothing here is touched
 * afterwards. */
#include "config.h"

#include "docserve/conf.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"
#include "docserve/field.h"
#include "docserve/keyfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_GROUP "docserve"

/* ---- the option table: types --------------------------------------------- */

typedef enum
{
  KIND_STRING,     /* char *: passes .check, or else is not empty */
  KIND_PATH,       /* char *: a file name, not empty; in the key file relative
                    * to the file's directory unless one of .words */
  KIND_UINT,       /* guint: strict decimal in [.min, .max] */
  KIND_MAYBE_UINT, /* gint: -1 (the default) until given, then as KIND_UINT */
  KIND_ENUM,       /* an int-sized enum: the index of the value in .choices,
                    * or what .lookup makes of it (.choices then only name
                    * them in messages) */
  KIND_LIST,       /* char **: repeatable option, string-list key; each value
                    * passes .check; a later source replaces the list */
  KIND_FLAG        /* gboolean: an option without a value, which sets
                    * .flag_sets (the default is the other value); a
                    * boolean key */
} OptKind;

/* What ds_conf_check (--check-config) makes sure of for a file name. */
typedef enum
{
  ON_DISK_NOTHING = 0,
  ON_DISK_DIRECTORY, /* a directory that can be opened */
  ON_DISK_FILE,      /* a file that can be read, not a directory */
  ON_DISK_PARENT     /* the directory the file will be created in exists */
} OnDisk;

/* Checks one value; @name ("--port" or "port") names it in messages. */
typedef gboolean (*CheckFunc) (const char *name, const char *value, GError **error);

typedef struct
{
  const char *option; /* "--port": in messages, and GOption's long name
                       * without "--"; "DIR": the positional argument */
  const char *key;    /* key-file key; NULL: the option without "--" */
  char short_name;    /* 0: none */
  OptKind kind;
  gsize field;        /* where the value goes: offset in DsConf (FIELD) */
  const char *init;   /* KIND_STRING, KIND_PATH: the default, may be NULL */
  const char *const *init_list; /* KIND_LIST: the default, NULL: empty */
  guint init_uint;    /* KIND_UINT, KIND_ENUM: the default */
  guint min, max;     /* KIND_UINT, KIND_MAYBE_UINT */
  const char *const *choices;                      /* KIND_ENUM, NULL-terminated */
  gboolean (*lookup) (const char *value, int *out); /* KIND_ENUM, may be NULL */
  CheckFunc check;    /* KIND_STRING (may be NULL), KIND_LIST */
  const char *what;   /* "empty WHAT" for KIND_STRING without .check and
                       * KIND_PATH (NULL there: "file name") */
  const char *const *words; /* KIND_PATH: values that are not file names */
  OnDisk on_disk;     /* KIND_PATH */
  gboolean flag_sets; /* KIND_FLAG */
  gboolean raw_bytes; /* KIND_LIST: taken from argv as bytes, not converted
                       * from the locale's charset */
  void (*then) (DsConf *conf); /* after the value is stored: its effect on
                                * other fields */
  const char *help;   /* --help text, and the value's name there */
  const char *arg;
} OptSpec;

/* The offset of DsConf member M, which the compiler checks is a T (a
 * comparison of distinct pointer types is diagnosed). */
#define FIELD(T, m)                                                                          \
  (G_STRUCT_OFFSET (DsConf, m) + 0 * sizeof (&((DsConf *) NULL)->m == (T *) NULL))

/* A row's kind and field, with the field's type checked against the kind. */
#define AS_STRING(m) .kind = KIND_STRING, .field = FIELD (char *, m)
#define AS_PATH(m) .kind = KIND_PATH, .field = FIELD (char *, m)
#define AS_UINT(m, lo, hi) .kind = KIND_UINT, .field = FIELD (guint, m), .min = (lo), .max = (hi)
#define AS_MAYBE_UINT(m, lo, hi)                                                             \
  .kind = KIND_MAYBE_UINT, .field = FIELD (gint, m), .min = (lo), .max = (hi)
#define AS_ENUM(m, T, names) .kind = KIND_ENUM, .field = FIELD (T, m), .choices = (names)
#define AS_LIST(m, fn) .kind = KIND_LIST, .field = FIELD (char **, m), .check = (fn)
#define AS_FLAG(m, sets) .kind = KIND_FLAG, .field = FIELD (gboolean, m), .flag_sets = (sets)

/* KIND_ENUM fields are written as int. */
G_STATIC_ASSERT (sizeof (DsDotfiles) == sizeof (int));
G_STATIC_ASSERT (sizeof (DsSymlinks) == sizeof (int));

/* Header fields that docserve (or libmicrohttpd) sends itself: framing,
 * connection management and representation metadata (RFC 9110 §6.4, §7.6.1,
 * §8; RFC 9112 §6).  A second copy from --header would contradict the
 * first, so they are refused rather than overridden.  Cache-Control is
 * allowed unless --max-age or --no-cache sets it. */
static const char *const owned_headers[] = {
  "Accept-Ranges", "Allow", "Connection", "Content-Encoding", "Content-Length",
  "Content-Range", "Content-Type", "Date", "ETag", "Keep-Alive", "Last-Modified",
  "Location", "Server", "Trailer", "Transfer-Encoding", "Upgrade", "X-Content-Type-Options",
  NULL
};

/* ---- checking and parsing one value -------------------------------------- */

/* Strict unsigned decimal: digits only, no sign, no spaces, within [min, max]. */
static gboolean
parse_uint (const char *option, const char *value, guint min, guint max, guint *out,
            GError **error)
{
  guint64 v = 0;

  if (value[0] == '\0')
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: empty value", option);
      return FALSE;
    }
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return ds_error_bad_value (error, option, value, "is not a number");
  for (const char *p = value; *p != '\0' && v <= max; p++)
    v = v * 10 + (guint64) (*p - '0');
  if (v < min || v > max)
    {
      g_autofree char *problem = g_strdup_printf ("is out of range (%u to %u)", min, max);
      return ds_error_bad_value (error, option, value, problem);
    }
  *out = (guint) v;
  return TRUE;
}

/* One of @o's names: its index in .choices, or what .lookup makes of it. */
static gboolean
parse_enum (const OptSpec *o, const char *name, const char *value, int *out, GError **error)
{
  if (o->lookup != NULL && o->lookup (value, out))
    return TRUE;
  for (int i = 0; o->lookup == NULL && o->choices[i] != NULL; i++)
    if (strcmp (value, o->choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *choices = g_strjoinv ("|", (char **) o->choices);
  g_autofree char *problem = g_strconcat ("is not one of ", choices, NULL);
  return ds_error_bad_value (error, name, value, problem);
}

/* A token (RFC 9110 §5.6.2): header names, media type parts, charsets. */
static gboolean
is_token (const char *s)
{
  return ds_field_is_token (s, strlen (s));
}

static gboolean
is_media_type (const char *s)
{
  const char *slash = strchr (s, '/');
  if (slash == NULL)
    return FALSE;
  g_autofree char *type = g_strndup (s, (gsize) (slash - s));
  g_autofree char *sub = g_strdup (slash + 1);
  char *semi = strchr (sub, ';');
  if (semi != NULL)
    return FALSE; /* parameters come from --charset, not here */
  return is_token (type) && is_token (sub);
}

static gboolean
check_nonempty (const char *option, const char *value, const char *what, GError **error)
{
  if (value[0] != '\0')
    return TRUE;
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: empty %s", option, what);
  return FALSE;
}

static gboolean
check_address (const char *option, const char *value, GError **error)
{
  unsigned char buf[sizeof (struct in6_addr)];

  if (inet_pton (AF_INET, value, buf) != 1 && inet_pton (AF_INET6, value, buf) != 1)
    return ds_error_bad_value (error, option, value, "is not a numeric IPv4 or IPv6 address");
  return TRUE;
}

static gboolean
check_index (const char *option, const char *value, GError **error)
{
  if (*value == '\0' || strchr (value, '/') != NULL || strcmp (value, ".") == 0
      || strcmp (value, "..") == 0)
    return ds_error_bad_value (error, option, value, "must be a plain file name");
  return TRUE;
}

static gboolean
check_default_type (const char *option, const char *value, GError **error)
{
  if (!is_media_type (value))
    return ds_error_bad_value (error, option, value, "is not a media type like text/plain");
  return TRUE;
}

static gboolean
check_charset (const char *option, const char *value, GError **error)
{
  if (!is_token (value))
    return ds_error_bad_value (error, option, value, "is not a charset name");
  return TRUE;
}

static gboolean
check_link_target (const char *option, const char *value, GError **error)
{
  if (*value == '\0')
    return ds_error_bad_value (error, option, value, "is not a directory name");
  return TRUE;
}

/* "Name: value" (RFC 9110 §5.1, §5.5; RFC 9112 §5.1): Name a token directly
 * followed by ':', the value visible ASCII, space, tab or obs-text.  CR and
 * LF get their own message: they would end the header and start another
 * (header injection). */
static gboolean
check_header (const char *option, const char *header, GError **error)
{
  if (strpbrk (header, "\r\n") != NULL)
    return ds_error_bad_value (error, option, header,
                      "contains a line break (CR or LF), which would inject another header");
  const char *colon = strchr (header, ':');
  if (colon == NULL)
    return ds_error_bad_value (error, option, header, "is not of the form \"Name: value\"");
  g_autofree char *name = g_strndup (header, (gsize) (colon - header));
  if (!is_token (name))
    return ds_error_bad_value (error, option, header,
                      "does not start with a header name (letters, digits or "
                      "!#$%&'*+-.^_`|~) directly followed by ':'");
  if (!ds_field_value_is_valid (colon + 1, strlen (colon + 1)))
    return ds_error_bad_value (error, option, header, "contains a control character");
  for (int i = 0; owned_headers[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, owned_headers[i]) == 0)
      {
        g_autofree char *problem
            = g_strdup_printf ("sets %s, which docserve sends itself", owned_headers[i]);
        return ds_error_bad_value (error, option, header, problem);
      }
  return TRUE;
}

/* ---- the option table ---------------------------------------------------- */

static const char *const dotfiles_names[] = {
  [DS_DOTFILES_DENY] = "deny", [DS_DOTFILES_ALLOW] = "allow", NULL
};
static const char *const symlinks_names[] = {
  [DS_SYMLINKS_INSIDE] = "inside", [DS_SYMLINKS_FOLLOW] = "follow", [DS_SYMLINKS_NONE] = "none",
  NULL
};
/* For messages; accesslog.c owns the names (log_format_lookup). */
static const char *const log_format_names[] = { "combined", "common", "json", "csv", NULL };
static const char *const access_log_words[] = { "-", "none", NULL };
static const char *const index_names[] = { "index.html", "index.htm", NULL };

static gboolean
log_format_lookup (const char *value, int *out)
{
  DsLogFormat f;

  if (!ds_accesslog_format_from_string (value, &f))
    return FALSE;
  *out = (int) f;
  return TRUE;
}

static void
mark_port_given (DsConf *conf)
{
  conf->port_given = TRUE;
}

/* A later source overrides an earlier --no-cache or --max-age; both in one
 * source are refused (apply_command_line, apply_key_file). */
static void
max_age_drops_no_cache (DsConf *conf)
{
  conf->no_cache = FALSE;
}

static void
no_cache_drops_max_age (DsConf *conf)
{
  if (conf->no_cache)
    conf->max_age = -1;
}

/* "search" is one key for --search and --no-search: false turns search off
 * in both modes, true on; --search-index implies --search.  Both options on
 * one command line are refused (apply_command_line). */
static void
search_sets_search_off (DsConf *conf)
{
  conf->search_off = !conf->search;
}

static void
search_off_drops_search (DsConf *conf)
{
  if (conf->search_off)
    conf->search = FALSE;
}

static void
search_index_drops_search_off (DsConf *conf)
{
  conf->search_off = FALSE;
}

/* Every setting with a key in the key file.  The order is --help's and the
 * order in which the command line is applied. */
static const OptSpec opts[] = {
  { .option = "DIR", .key = "root", AS_PATH (root),
    .init = ".", .what = "directory name", .on_disk = ON_DISK_DIRECTORY },
  { .option = "--address", .short_name = 'a', AS_STRING (address),
    .init = "127.0.0.1", .check = check_address,
    .help = "Listen on ADDR (default 127.0.0.1; :: for all, dual-stack)", .arg = "ADDR" },
  { .option = "--port", .short_name = 'p', AS_UINT (port, 0, 65535),
    .init_uint = DS_DEFAULT_PORT, .then = mark_port_given,
    .help = "Listen on PORT (default 8080, or the next free one up to 8099; 0 = any)",
    .arg = "PORT" },
  { .option = "--index", .short_name = 'i', AS_LIST (index_files, check_index),
    .init_list = index_names,
    .help = "Index file name, repeatable (default index.html, index.htm)", .arg = "NAME" },
  { .option = "--no-listing", .key = "listing", AS_FLAG (listing, FALSE),
    .help = "Answer 403 for a directory without an index file instead of listing it" },
  { .option = "--dotfiles", AS_ENUM (dotfiles, DsDotfiles, dotfiles_names),
    .help = "Serve names starting with '.': deny (404, default; /.well-known/ allowed) or allow",
    .arg = "deny|allow" },
  { .option = "--symlinks", AS_ENUM (symlinks, DsSymlinks, symlinks_names),
    .help = "Follow symlinks: inside the root only (default), follow any, or none",
    .arg = "inside|follow|none" },
  { .option = "--error-pages", AS_PATH (error_pages),
    .on_disk = ON_DISK_DIRECTORY,
    .help = "Serve DIR/404.html (and so on for other codes) instead of the built-in error pages",
    .arg = "DIR" },
  { .option = "--no-precompressed", .key = "precompressed", AS_FLAG (precompressed, FALSE),
    .help = "Never serve FILE.br or FILE.gz in place of FILE, even to clients that accept them" },
  /* Bytes as given, so that obs-text (RFC 9110 §5.5) passes through. */
  { .option = "--header", AS_LIST (headers, check_header),
    .raw_bytes = TRUE,
    .help = "Add a header to every reply, repeatable (e.g. 'X-Frame-Options: DENY')",
    .arg = "'NAME: VALUE'" },
  { .option = "--max-age", AS_MAYBE_UINT (max_age, 0, G_MAXINT),
    .then = max_age_drops_no_cache,
    .help = "Send Cache-Control: max-age=SECS (default: no Cache-Control)", .arg = "SECS" },
  { .option = "--no-cache", AS_FLAG (no_cache, TRUE),
    .then = no_cache_drops_max_age,
    .help = "Send Cache-Control: no-cache (clients revalidate every time)" },
  { .option = "--watch", .key = "watch", AS_FLAG (watch, TRUE),
    .help = "Live reload: watch the served tree and reload open HTML pages when files change" },
  { .option = "--watch-max-streams", AS_UINT (watch_max_streams, 1, 100000),
    .init_uint = 64,
    .help = "With --watch, most pages open at once that get live reload (default 64; 503 "
            "beyond)",
    .arg = "N" },
  { .option = "--timeout", .short_name = 't', AS_UINT (timeout, 1, 86400),
    .init_uint = 15,
    .help = "Close a connection idle for SECS seconds (default 15)", .arg = "SECS" },
  { .option = "--keepalive-requests", AS_UINT (keepalive_requests, 1, 1000000),
    .init_uint = 100,
    .help = "Requests served per connection before it closes (default 100)", .arg = "N" },
  { .option = "--max-connections", AS_UINT (max_connections, 1, 1000000),
    .init_uint = 1024,
    .help = "Most simultaneous connections (default 1024)", .arg = "N" },
  { .option = "--max-connections-per-ip", AS_UINT (max_connections_per_ip, 0, 1000000),
    .help = "Most simultaneous connections per client address (default 0 = no limit)",
    .arg = "N" },
  { .option = "--workers", AS_UINT (workers, 0, 256),
    .help = "Serve with N epoll worker threads instead of a thread per connection "
            "(default 0 = a thread per connection)",
    .arg = "N" },
  { .option = "--shutdown-timeout", AS_UINT (shutdown_timeout, 0, 3600),
    .init_uint = 10,
    .help = "On SIGTERM/SIGINT, let transfers finish for up to SECS seconds (default 10)",
    .arg = "SECS" },
  { .option = "--mime-types", AS_PATH (mime_types_file),
    .on_disk = ON_DISK_FILE,
    .help = "Extra mime.types FILE, overriding the built-in and /etc/mime.types types",
    .arg = "FILE" },
  { .option = "--default-type", AS_STRING (default_type),
    .init = "application/octet-stream", .check = check_default_type,
    .help = "Type of files with no or an unknown extension (default application/octet-stream); "
            "one whose start is UTF-8 text is text/plain",
    .arg = "TYPE" },
  { .option = "--charset", AS_STRING (charset),
    .init = "utf-8", .check = check_charset,
    .help = "Charset announced for text types (default utf-8)", .arg = "NAME" },
  { .option = "--access-log", AS_PATH (access_log),
    .init = "-", .words = access_log_words, .on_disk = ON_DISK_PARENT,
    .help = "Access log: a FILE, - for stdout (default) or none", .arg = "FILE|-|none" },
  { .option = "--log-format", AS_ENUM (log_format, int, log_format_names),
    .lookup = log_format_lookup,
    .help = "Access log format: combined (default), common, json or csv", .arg = "FORMAT" },
  { .option = "--access-log-buffer", AS_UINT (access_log_buffer_kib, 0, 1024),
    .help = "Write the access log in batches, when KIB KiB have collected or 0.5 s "
            "after the first line (default 0 = one write per line)",
    .arg = "KIB" },
  { .option = "--user", AS_STRING (user),
    .what = "user name",
    .help = "After binding, switch to user NAME (needs root)", .arg = "NAME" },
  { .option = "--group", AS_STRING (group),
    .what = "group name",
    .help = "With --user, switch to group NAME instead of the user's own group", .arg = "NAME" },
  { .option = "--pid-file", AS_PATH (pid_file),
    .on_disk = ON_DISK_PARENT,
    .help = "Write the process ID to FILE", .arg = "FILE" },
  { .option = "--tls-cert", AS_PATH (tls_cert),
    .on_disk = ON_DISK_FILE,
    .help = "Serve HTTPS with the PEM certificate (chain) in FILE; needs --tls-key",
    .arg = "FILE" },
  { .option = "--tls-key", AS_PATH (tls_key),
    .on_disk = ON_DISK_FILE,
    .help = "The PEM private key for --tls-cert (not passphrase-protected)", .arg = "FILE" },
  { .option = "--system-docs", .key = "system-docs", AS_FLAG (system_docs, TRUE),
    .help = "Serve this machine's documentation: a home page with the doc-base catalogue, "
            "--doc-dir at /doc/, manual pages at /man/, info manuals at /info/ (no DIR)" },
  { .option = "--doc-dir", AS_PATH (doc_dir),
    .init = "/usr/share/doc", .what = "directory name", /* checked as the root */
    .help = "With --system-docs, the files served at /doc/ (default /usr/share/doc)",
    .arg = "DIR" },
  { .option = "--man-path", AS_STRING (man_path),
    .init = "/usr/local/share/man:/usr/share/man", .what = "directory list",
    .help = "With --system-docs, the manual page trees, colon-separated "
            "(default /usr/local/share/man:/usr/share/man)",
    .arg = "DIRS" },
  { .option = "--info-path", AS_STRING (info_path),
    .init = "/usr/share/info", .what = "directory list",
    .help = "With --system-docs, the info manual directories, colon-separated "
            "(default /usr/share/info)",
    .arg = "DIRS" },
  { .option = "--doc-base-dir", AS_PATH (doc_base_dir),
    .init = "/usr/share/doc-base", .what = "directory name",
    .help = "With --system-docs, the doc-base catalogue listed on the home page "
            "(default /usr/share/doc-base)",
    .arg = "DIR" },
  { .option = "--link-target", AS_LIST (link_targets, check_link_target),
    .help = "Serve symlinks that lead into DIR (opened beneath DIR), repeatable; with "
            "--system-docs default /usr/share/javascript, /usr/share/gtk-doc/html, "
            "/usr/share/sphinx_rtd_theme, /usr/share/fonts, /usr/share/fonts-font-awesome, "
            "/usr/share/common-licenses",
    .arg = "DIR" },
  { .option = "--search", .key = "search", AS_FLAG (search, TRUE),
    .then = search_sets_search_off,
    .help = "Full-text search of the files served, at /.docserve/search (on by default with "
            "--system-docs, at /search), indexed in the background" },
  { .option = "--no-search", .key = "search", AS_FLAG (search_off, TRUE),
    .then = search_off_drops_search,
    .help = "No full-text search, not even with --system-docs" },
  { .option = "--search-index", AS_PATH (search_index),
    .then = search_index_drops_search_off,
    .help = "The search index file (implies --search; default: one per served directory "
            "under $XDG_CACHE_HOME/docserve/)",
    .arg = "FILE" },
  { .option = "--tls-priorities", AS_STRING (tls_priorities),
    .init = DS_DEFAULT_TLS_PRIORITIES, .what = "GnuTLS priority string",
    .help = "GnuTLS priority string (default " DS_DEFAULT_TLS_PRIORITIES ")", .arg = "STRING" },
};

#define N_OPTS G_N_ELEMENTS (opts)

/* The row whose value goes to DsConf's member at offset @field. */
static const OptSpec *
row_of (gsize field)
{
  for (gsize i = 0; i < N_OPTS; i++)
    if (opts[i].field == field)
      return &opts[i];
  g_assert_not_reached ();
}

#define ROW(m) row_of (G_STRUCT_OFFSET (DsConf, m))

static const char *
key_of (const OptSpec *o)
{
  return o->key != NULL ? o->key : o->option + strlen ("--");
}

/* Whether @o is a command-line option (DIR is the remaining argument). */
static gboolean
is_option (const OptSpec *o)
{
  return g_str_has_prefix (o->option, "--");
}

/* Whether @value of KIND_PATH row @o is a file name (not "-" or "none"). */
static gboolean
is_file_name (const OptSpec *o, const char *value)
{
  return o->words == NULL || !g_strv_contains (o->words, value);
}

static gpointer
field_of (DsConf *conf, const OptSpec *o)
{
  return G_STRUCT_MEMBER_P (conf, o->field);
}

static gconstpointer
const_field_of (const DsConf *conf, const OptSpec *o)
{
  return (const guint8 *) conf + o->field;
}

/* ---- defaults ------------------------------------------------------------ */

static void
init_row (DsConf *conf, const OptSpec *o)
{
  gpointer field = field_of (conf, o);

  switch (o->kind)
    {
    case KIND_STRING:
    case KIND_PATH:
      *(char **) field = g_strdup (o->init);
      break;
    case KIND_LIST:
      *(char ***) field = o->init_list != NULL ? g_strdupv ((char **) o->init_list)
                                               : g_new0 (char *, 1);
      break;
    case KIND_UINT:
      *(guint *) field = o->init_uint;
      break;
    case KIND_MAYBE_UINT:
      *(gint *) field = -1;
      break;
    case KIND_ENUM:
      *(int *) field = (int) o->init_uint;
      break;
    case KIND_FLAG:
      *(gboolean *) field = !o->flag_sets;
      break;
    default:
      g_assert_not_reached ();
    }
}

DsConf *
ds_conf_new_default (void)
{
  DsConf *conf = g_new0 (DsConf, 1);

  for (gsize i = 0; i < N_OPTS; i++)
    init_row (conf, &opts[i]);
  conf->system_mime_types = g_strdup ("/etc/mime.types");
  return conf;
}

void
ds_conf_free (DsConf *conf)
{
  if (conf == NULL)
    return;
  for (gsize i = 0; i < N_OPTS; i++)
    {
      if (opts[i].kind == KIND_STRING || opts[i].kind == KIND_PATH)
        g_free (*(char **) field_of (conf, &opts[i]));
      else if (opts[i].kind == KIND_LIST)
        g_strfreev (*(char ***) field_of (conf, &opts[i]));
    }
  g_free (conf->system_mime_types);
  g_free (conf->config_file);
  g_free (conf);
}

/* ---- ds_conf_validate ---------------------------------------------------- */

static gboolean
check_string (const OptSpec *o, const char *name, const char *value, GError **error)
{
  if (o->check != NULL)
    return o->check (name, value, error);
  return check_nonempty (name, value, o->what != NULL ? o->what : "file name", error);
}

static gboolean
out_of_range (const OptSpec *o, GError **error)
{
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: out of range", o->option);
  return FALSE;
}

/* The field of row @o holds a value its option could have set. */
static gboolean
validate_row (const DsConf *conf, const OptSpec *o, GError **error)
{
  gconstpointer field = const_field_of (conf, o);

  switch (o->kind)
    {
    case KIND_STRING:
    case KIND_PATH:
      {
        const char *value = *(char *const *) field;
        return value == NULL || check_string (o, o->option, value, error);
      }
    case KIND_LIST:
      for (char *const *v = *(char **const *) field; v != NULL && *v != NULL; v++)
        if (!o->check (o->option, *v, error))
          return FALSE;
      return TRUE;
    case KIND_UINT:
      {
        guint v = *(const guint *) field;
        return (v >= o->min && v <= o->max) || out_of_range (o, error);
      }
    case KIND_MAYBE_UINT:
      {
        gint v = *(const gint *) field;
        return v == -1 || (v >= 0 && (guint) v >= o->min && (guint) v <= o->max)
               || out_of_range (o, error);
      }
    case KIND_ENUM:
      {
        int v = *(const int *) field;
        return (v >= 0 && (guint) v < g_strv_length ((char **) o->choices))
               || out_of_range (o, error);
      }
    case KIND_FLAG:
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

/* The constraints between fields. */
static gboolean
validate_combinations (const DsConf *conf, GError **error)
{
  if (conf->group != NULL && conf->user == NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "--group: only allowed together with --user");
      return FALSE;
    }
  if ((conf->tls_cert == NULL) != (conf->tls_key == NULL))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s needs %s as well",
                   conf->tls_cert != NULL ? "--tls-cert" : "--tls-key",
                   conf->tls_cert != NULL ? "--tls-key" : "--tls-cert");
      return FALSE;
    }
  if (conf->max_age >= 0 && conf->no_cache)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--max-age and --no-cache cannot be used together");
      return FALSE;
    }
  for (char **h = conf->headers; h != NULL && *h != NULL; h++)
    if ((conf->max_age >= 0 || conf->no_cache)
        && g_ascii_strncasecmp (*h, "Cache-Control:", strlen ("Cache-Control:")) == 0)
      return ds_error_bad_value (error, "--header", *h,
                                 "sets Cache-Control, which --max-age or --no-cache sets already");
  return TRUE;
}

gboolean
ds_conf_validate (const DsConf *conf, GError **error)
{
  g_return_val_if_fail (conf != NULL, FALSE);

  for (gsize i = 0; i < N_OPTS; i++)
    if (!validate_row (conf, &opts[i], error))
      return FALSE;
  return validate_combinations (conf, error);
}

/* ---- applying one value, from either source ------------------------------ */

/* Parses, checks and stores @value for a row of a one-value kind; @name
 * ("--port" or "port") names it in messages. */
static gboolean
set_value (DsConf *conf, const OptSpec *o, const char *name, const char *value, GError **error)
{
  gpointer field = field_of (conf, o);
  guint u;
  int e;

  switch (o->kind)
    {
    case KIND_STRING:
    case KIND_PATH:
      if (!check_string (o, name, value, error))
        return FALSE;
      g_free (*(char **) field);
      *(char **) field = g_strdup (value);
      break;
    case KIND_UINT:
      if (!parse_uint (name, value, o->min, o->max, field, error))
        return FALSE;
      break;
    case KIND_MAYBE_UINT:
      g_assert (o->max <= G_MAXINT);
      if (!parse_uint (name, value, o->min, o->max, &u, error))
        return FALSE;
      *(gint *) field = (gint) u;
      break;
    case KIND_ENUM:
      if (!parse_enum (o, name, value, &e, error))
        return FALSE;
      *(int *) field = e;
      break;
    case KIND_LIST:
    case KIND_FLAG:
    default:
      g_assert_not_reached ();
    }
  if (o->then != NULL)
    o->then (conf);
  return TRUE;
}

/* Checks every element of *@values and, if all pass, moves the list into
 * @conf (replacing the list there). */
static gboolean
set_list (DsConf *conf, const OptSpec *o, const char *name, char ***values, GError **error)
{
  char ***field = field_of (conf, o);

  g_assert (o->kind == KIND_LIST);
  for (char **v = *values; *v != NULL; v++)
    if (!o->check (name, *v, error))
      return FALSE;
  g_strfreev (*field);
  *field = g_steal_pointer (values);
  return TRUE;
}

static void
set_flag (DsConf *conf, const OptSpec *o, gboolean value)
{
  g_assert (o->kind == KIND_FLAG);
  *(gboolean *) field_of (conf, o) = value;
  if (o->then != NULL)
    o->then (conf);
}

/* ---- the key file -------------------------------------------------------- */

static const OptSpec *
find_key (const char *key)
{
  for (gsize i = 0; i < N_OPTS; i++)
    if (strcmp (key, key_of (&opts[i])) == 0)
      return &opts[i];
  return NULL;
}

static DsKeyType
key_type (const char *key)
{
  const OptSpec *o = find_key (key);

  if (o == NULL)
    return DS_KEY_UNKNOWN;
  return o->kind == KIND_LIST ? DS_KEY_LIST : o->kind == KIND_FLAG ? DS_KEY_BOOLEAN : DS_KEY_STRING;
}

/* Reads the key of row @o from @kf and applies it; relative file names are
 * taken relative to @dir.  Messages name the key, the caller adds
 * "FILE:LINE: ". */
static gboolean
apply_key (DsConf *conf, const DsKeyFile *kf, const char *dir, const OptSpec *o, GError **error)
{
  const char *key = key_of (o);

  if (o->kind == KIND_LIST)
    {
      g_auto (GStrv) values = NULL;
      return ds_keyfile_get_list (kf, key, &values, error)
             && set_list (conf, o, key, &values, error);
    }
  if (o->kind == KIND_FLAG)
    {
      gboolean v;
      if (!ds_keyfile_get_boolean (kf, key, &v, error))
        return FALSE;
      set_flag (conf, o, v);
      return TRUE;
    }
  g_autofree char *value = NULL;
  if (!ds_keyfile_get_string (kf, key, &value, error))
    return FALSE;
  if (o->kind == KIND_PATH && value[0] != '\0' && !g_path_is_absolute (value)
      && is_file_name (o, value))
    {
      char *resolved = g_build_filename (dir, value, NULL);
      g_free (value);
      value = resolved;
    }
  return set_value (conf, o, key, value, error);
}

/* Applies the [docserve] group of key file @path to @conf. */
static gboolean
apply_key_file (DsConf *conf, const char *path, GError **error)
{
  g_autoptr (DsKeyFile) kf = ds_keyfile_load (path, KEY_FILE_GROUP, key_type, error);
  g_autofree char *dir = g_path_get_dirname (path);
  guint max_age_line = 0, no_cache_line = 0;

  if (kf == NULL)
    return FALSE;
  for (guint i = 0; i < ds_keyfile_n_keys (kf); i++)
    {
      const OptSpec *o = find_key (ds_keyfile_key (kf, i));
      guint line = ds_keyfile_line (kf, i);
      if (!apply_key (conf, kf, dir, o, error))
        {
          g_prefix_error (error, "%s:%u: ", path, line);
          return FALSE;
        }
      if (o == ROW (max_age))
        max_age_line = line;
      if (o == ROW (no_cache) && conf->no_cache)
        no_cache_line = line;
    }
  if (max_age_line != 0 && no_cache_line != 0)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "%s:%u: max-age and no-cache = true cannot be used together", path,
                   MAX (max_age_line, no_cache_line));
      return FALSE;
    }
  return TRUE;
}

/* ---- the command line ---------------------------------------------------- */

typedef struct
{
  char *value[N_OPTS];   /* one-value kinds, as given */
  char **list[N_OPTS];   /* KIND_LIST */
  gboolean flag[N_OPTS]; /* KIND_FLAG: the flag was given */
  char *config;
  gboolean check_config;
  gboolean version;
  char **rest;
} RawOptions;

static void
raw_options_clear (RawOptions *raw)
{
  for (gsize i = 0; i < N_OPTS; i++)
    {
      g_free (raw->value[i]);
      g_strfreev (raw->list[i]);
    }
  g_free (raw->config);
  g_strfreev (raw->rest);
}

/* GOption's entry for row @i, which writes to @raw. */
static GOptionEntry
option_entry (RawOptions *raw, gsize i)
{
  const OptSpec *o = &opts[i];
  GOptionEntry e = { o->option + strlen ("--"), o->short_name, 0, G_OPTION_ARG_STRING,
                     &raw->value[i], o->help, o->arg };

  switch (o->kind)
    {
    case KIND_PATH:
      e.arg = G_OPTION_ARG_FILENAME;
      break;
    case KIND_LIST:
      e.arg = o->raw_bytes ? G_OPTION_ARG_FILENAME_ARRAY : G_OPTION_ARG_STRING_ARRAY;
      e.arg_data = &raw->list[i];
      break;
    case KIND_FLAG:
      e.arg = G_OPTION_ARG_NONE;
      e.arg_data = &raw->flag[i];
      break;
    default:
      break;
    }
  return e;
}

/* The options of the table, then those that are not settings, then DIR. */
#define N_ENTRIES (N_OPTS + 5)

static void
fill_entries (RawOptions *raw, GOptionEntry entries[N_ENTRIES])
{
  const GOptionEntry others[] = {
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &raw->config,
      "Read settings from the [docserve] group of key file FILE; options given here win",
      "FILE" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &raw->check_config,
      "Check the settings and the files and users they name, then exit (0 OK, 2 not)", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &raw->version, "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &raw->rest, NULL, NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  gsize n = 0;

  for (gsize i = 0; i < N_OPTS; i++)
    if (is_option (&opts[i]))
      entries[n++] = option_entry (raw, i);
  g_assert (n + G_N_ELEMENTS (others) <= N_ENTRIES);
  memcpy (entries + n, others, sizeof others);
}

/* The positional DIR, at most one, into the root row's value. */
static gboolean
take_directory (RawOptions *raw, GError **error)
{
  guint n_rest = raw->rest != NULL ? g_strv_length (raw->rest) : 0;

  if (n_rest > 1)
    {
      g_autofree char *a = ds_error_escape (raw->rest[0]);
      g_autofree char *b = ds_error_escape (raw->rest[1]);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "only one directory may be given (got \"%s\" and \"%s\")", a, b);
      return FALSE;
    }
  if (n_rest == 1)
    {
      if (raw->rest[0][0] == '\0')
        {
          g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "the directory name is empty");
          return FALSE;
        }
      raw->value[ROW (root) - opts] = g_strdup (raw->rest[0]);
    }
  return TRUE;
}

/* Applies the command line on top of @conf. */
static gboolean
apply_command_line (DsConf *conf, RawOptions *raw, GError **error)
{
  if (!take_directory (raw, error))
    return FALSE;
  if (raw->value[ROW (max_age) - opts] != NULL && raw->flag[ROW (no_cache) - opts])
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--max-age and --no-cache cannot be used together");
      return FALSE;
    }
  if (raw->flag[ROW (search_off) - opts]
      && (raw->flag[ROW (search) - opts] || raw->value[ROW (search_index) - opts] != NULL))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s and --no-search cannot be used together",
                   raw->flag[ROW (search) - opts] ? "--search" : "--search-index");
      return FALSE;
    }
  for (gsize i = 0; i < N_OPTS; i++)
    {
      const OptSpec *o = &opts[i];
      gboolean ok = TRUE;
      if (o->kind == KIND_LIST && raw->list[i] != NULL)
        ok = set_list (conf, o, o->option, &raw->list[i], error);
      else if (o->kind == KIND_FLAG && raw->flag[i])
        set_flag (conf, o, o->flag_sets);
      else if (raw->value[i] != NULL)
        ok = set_value (conf, o, o->option, raw->value[i], error);
      if (!ok)
        return FALSE;
    }
  conf->check_config = raw->check_config;
  conf->show_version = raw->version;
  return TRUE;
}

/* --system-docs serves --doc-dir (at /doc/) where DIR mode serves DIR. */
static gboolean
apply_system_docs (DsConf *conf, const RawOptions *raw, GError **error)
{
  if (!conf->system_docs)
    return TRUE;
  if (raw->rest != NULL && raw->rest[0] != NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--system-docs takes no DIR (the files it serves at /doc/ are --doc-dir)");
      return FALSE;
    }
  g_free (conf->root);
  conf->root = g_strdup (conf->doc_dir);
  if (conf->link_targets[0] == NULL)
    {
      /* Where Debian's HTML manuals link to: Sphinx's scripts, gtk-doc's
       * cross-references, the Read the Docs theme and its fonts, the
       * licence texts.  Only those this machine has. */
      static const char *const defaults[] = {
        "/usr/share/javascript", "/usr/share/gtk-doc/html", "/usr/share/sphinx_rtd_theme",
        "/usr/share/fonts", "/usr/share/fonts-font-awesome", "/usr/share/common-licenses",
      };
      GPtrArray *list = g_ptr_array_new ();
      for (gsize i = 0; i < G_N_ELEMENTS (defaults); i++)
        if (g_file_test (defaults[i], G_FILE_TEST_IS_DIR))
          g_ptr_array_add (list, g_strdup (defaults[i]));
      g_ptr_array_add (list, NULL);
      g_strfreev (conf->link_targets);
      conf->link_targets = (char **) g_ptr_array_free (list, FALSE);
    }
  return TRUE;
}

static void
describe (GOptionContext *ctx)
{
  g_option_context_set_summary (ctx, "Serve the files under DIR (default: the current directory)"
                                     " over HTTP/1.1.");
  g_option_context_set_description (
      ctx, "Exit status: 0 on a clean stop (SIGINT/SIGTERM), 1 on a runtime failure\n"
           "(cannot bind, DIR not a directory), 2 on a usage or configuration error\n"
           "(also when --check-config finds a problem).");
}

DsConf *
ds_conf_parse (int *argc, char ***argv, GError **error)
{
  RawOptions raw = { 0 };
  GOptionEntry entries[N_ENTRIES];
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[DIR]");
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  GError *local = NULL;

  fill_entries (&raw, entries);
  describe (ctx);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &local))
    {
      g_set_error_literal (error, DS_ERROR, DS_ERROR_USAGE, local->message);
      g_error_free (local);
      raw_options_clear (&raw);
      return NULL;
    }

  gboolean ok = TRUE;
  if (raw.config != NULL)
    {
      ok = check_nonempty ("--config", raw.config, "file name", error);
      conf->config_file = g_strdup (raw.config);
      /* --version ignores everything else, a broken file included. */
      if (ok && !raw.version)
        ok = apply_key_file (conf, raw.config, error);
    }
  ok = ok && apply_command_line (conf, &raw, error) && apply_system_docs (conf, &raw, error)
       && ds_conf_validate (conf, error);
  raw_options_clear (&raw);
  if (!ok)
    return NULL;
  return g_steal_pointer (&conf);
}

/* ---- ds_conf_check ------------------------------------------------------- */

/* Sets an error "[OPTION: ]PATH: REASON" with @code. */
static gboolean
path_error (GError **error, int code, const char *option, const char *path, const char *reason)
{
  g_autofree char *shown = ds_error_escape (path);
  g_set_error (error, DS_ERROR, code, "%s%s%s: %s", option != NULL ? option : "",
               option != NULL ? ": " : "", shown, reason);
  return FALSE;
}

static gboolean
check_directory (const char *option, const char *path, GError **error)
{
  int fd __attribute__ ((cleanup (ds_fd_cleanup)))
  = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return path_error (error, DS_ERROR_RUNTIME, option, path, g_strerror (errno));
  return TRUE;
}

static gboolean
check_readable_file (const char *option, const char *path, GError **error)
{
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0)
    return path_error (error, DS_ERROR_RUNTIME, option, path, g_strerror (errno));
  if (S_ISDIR (st.st_mode))
    return path_error (error, DS_ERROR_RUNTIME, option, path, g_strerror (EISDIR));
  return TRUE;
}

/* The directory a file will be created in exists.  Whether it is writable
 * is left to the open at start-up: checks run as root would pass anyway. */
static gboolean
check_parent_directory (const char *option, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (stat (dir, &st) != 0)
    return path_error (error, DS_ERROR_RUNTIME, option, dir, g_strerror (errno));
  if (!S_ISDIR (st.st_mode))
    return path_error (error, DS_ERROR_RUNTIME, option, dir, g_strerror (ENOTDIR));
  return TRUE;
}

/* getpwnam_r/getgrnam_r report "not found" as 0 with a NULL result, or as
 * one of these (getpwnam_r(3) NOTES). */
static gboolean
is_not_found (int e)
{
  return e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM;
}

static gsize
initial_buffer_size (int name)
{
  long size = sysconf (name);
  return size > 0 ? (gsize) size : 16384;
}

/* Looks @name up in the user database (@is_group FALSE: its uid and
 * primary gid) or the group database (its gid). */
static gboolean
lookup_id (const char *name, gboolean is_group, uid_t *out_uid, gid_t *out_gid, GError **error)
{
  const char *option = is_group ? "--group" : "--user";

  for (gsize len = initial_buffer_size (is_group ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);;
       len *= 2)
    {
      g_autofree char *buf = g_malloc (len);
      struct passwd pw, *pwp = NULL;
      struct group gr, *grp = NULL;
      int e = is_group ? getgrnam_r (name, &gr, buf, len, &grp)
                       : getpwnam_r (name, &pw, buf, len, &pwp);
      if (e == ERANGE && len < 1024 * 1024)
        continue;
      if (pwp != NULL)
        {
          *out_uid = pw.pw_uid;
          *out_gid = pw.pw_gid;
          return TRUE;
        }
      if (grp != NULL)
        {
          *out_gid = gr.gr_gid;
          return TRUE;
        }
      if (is_not_found (e))
        return ds_error_bad_value (error, option, name,
                                   is_group ? "is not a group on this system"
                                            : "is not a user on this system");
      g_autofree char *shown = ds_error_escape (name);
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s: cannot look up \"%s\": %s", option,
                   shown, g_strerror (e));
      return FALSE;
    }
}

gboolean
ds_conf_lookup_user (const char *user, const char *group, uid_t *out_uid, gid_t *out_gid,
                     GError **error)
{
  uid_t uid;
  gid_t gid;

  g_return_val_if_fail (user != NULL, FALSE);
  if (!lookup_id (user, FALSE, &uid, &gid, error)
      || (group != NULL && !lookup_id (group, TRUE, NULL, &gid, error)))
    return FALSE;
  *out_uid = uid;
  *out_gid = gid;
  return TRUE;
}

/* What row @o's file name must be on disk. */
static gboolean
check_on_disk (const DsConf *conf, const OptSpec *o, GError **error)
{
  const char *path = o->kind == KIND_PATH ? *(char *const *) const_field_of (conf, o) : NULL;
  /* DIR: the same form as the server's own message, "DIR: reason". */
  const char *option = is_option (o) ? o->option : NULL;

  if (path == NULL || !is_file_name (o, path))
    return TRUE;
  switch (o->on_disk)
    {
    case ON_DISK_DIRECTORY:
      return check_directory (option, path, error);
    case ON_DISK_FILE:
      return check_readable_file (option, path, error);
    case ON_DISK_PARENT:
      return check_parent_directory (option, path, error);
    case ON_DISK_NOTHING:
    default:
      return TRUE;
    }
}

gboolean
ds_conf_check (const DsConf *conf, GError **error)
{
  g_return_val_if_fail (conf != NULL, FALSE);

  if (!ds_conf_validate (conf, error))
    return FALSE;
  for (gsize i = 0; i < N_OPTS; i++)
    if (!check_on_disk (conf, &opts[i], error))
      return FALSE;
  for (char **t = conf->link_targets; *t != NULL; t++)
    if (!check_directory ("--link-target", *t, error))
      return FALSE;
  uid_t uid;
  gid_t gid;
  return conf->user == NULL || ds_conf_lookup_user (conf->user, conf->group, &uid, &gid, error);
}

void
ds_conf_header_split (const char *header, char **out_name, char **out_value)
{
  const char *colon = header != NULL ? strchr (header, ':') : NULL;

  *out_name = NULL;
  *out_value = NULL;
  g_return_if_fail (colon != NULL);
  const char *v = colon + 1;
  gsize len = strlen (v);

  ds_field_trim_ows (&v, &len);
  *out_name = g_strndup (header, (gsize) (colon - header));
  *out_value = g_strndup (v, len);
}
