/* conf.c: built-in defaults, a key file and the command line into one
 * validated, immutable DsConf.
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
 * GKeyFile keeps no line numbers, so the text is scanned here as well: an
 * unknown group or key, a repeated key, a malformed line and a bad value are
 * reported as "FILE:LINE: ...".  A repeated key is an error rather than
 * "last one wins", so that the line named is the one in effect.  Relative
 * paths in the file (root, error-pages, mime-types, access-log, pid-file)
 * are relative to the file's directory, so that a configuration means the
 * same whatever directory docserve is started in.
 *
 * Every value is checked before the server starts; nothing here is touched
 * afterwards. */
#include "config.h"

#include "docserve/conf.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"
#include "docserve/field.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT 15
#define DEFAULT_KEEPALIVE_REQUESTS 100
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_SHUTDOWN_TIMEOUT 10

#define KEY_FILE_GROUP "docserve"
#define KEY_FILE_MAX_SIZE (1024 * 1024)

/* Every setting that has a key in the key file; the order is the order in
 * which the command line is applied. */
typedef enum
{
  OPT_ROOT,
  OPT_ADDRESS,
  OPT_PORT,
  OPT_INDEX,
  OPT_LISTING,
  OPT_DOTFILES,
  OPT_SYMLINKS,
  OPT_ERROR_PAGES,
  OPT_PRECOMPRESSED,
  OPT_HEADER,
  OPT_MAX_AGE,
  OPT_NO_CACHE,
  OPT_TIMEOUT,
  OPT_KEEPALIVE_REQUESTS,
  OPT_MAX_CONNECTIONS,
  OPT_MAX_CONNECTIONS_PER_IP,
  OPT_SHUTDOWN_TIMEOUT,
  OPT_MIME_TYPES,
  OPT_DEFAULT_TYPE,
  OPT_CHARSET,
  OPT_ACCESS_LOG,
  OPT_LOG_FORMAT,
  OPT_ACCESS_LOG_BUFFER,
  OPT_USER,
  OPT_GROUP,
  OPT_PID_FILE,
  OPT_TLS_CERT,
  OPT_TLS_KEY,
  OPT_TLS_PRIORITIES,
  OPT_WORKERS,
  N_OPTS
} OptId;

typedef enum
{
  KIND_VALUE, /* one string */
  KIND_PATH,  /* one file name; in the key file relative to the file's directory */
  KIND_LIST,  /* repeatable option; string list key */
  KIND_FLAG   /* option without a value; boolean key */
} OptKind;

typedef struct
{
  const char *key;    /* key-file name */
  const char *option; /* command-line name, for messages */
  OptKind kind;
  gboolean flag_sets; /* KIND_FLAG: the value the command-line flag sets */
} OptInfo;

static const OptInfo opts[N_OPTS] = {
  [OPT_ROOT] = { "root", "DIR", KIND_PATH, FALSE },
  [OPT_ADDRESS] = { "address", "--address", KIND_VALUE, FALSE },
  [OPT_PORT] = { "port", "--port", KIND_VALUE, FALSE },
  [OPT_INDEX] = { "index", "--index", KIND_LIST, FALSE },
  [OPT_LISTING] = { "listing", "--no-listing", KIND_FLAG, FALSE },
  [OPT_DOTFILES] = { "dotfiles", "--dotfiles", KIND_VALUE, FALSE },
  [OPT_SYMLINKS] = { "symlinks", "--symlinks", KIND_VALUE, FALSE },
  [OPT_ERROR_PAGES] = { "error-pages", "--error-pages", KIND_PATH, FALSE },
  [OPT_PRECOMPRESSED] = { "precompressed", "--no-precompressed", KIND_FLAG, FALSE },
  [OPT_HEADER] = { "header", "--header", KIND_LIST, FALSE },
  [OPT_MAX_AGE] = { "max-age", "--max-age", KIND_VALUE, FALSE },
  [OPT_NO_CACHE] = { "no-cache", "--no-cache", KIND_FLAG, TRUE },
  [OPT_TIMEOUT] = { "timeout", "--timeout", KIND_VALUE, FALSE },
  [OPT_KEEPALIVE_REQUESTS] = { "keepalive-requests", "--keepalive-requests", KIND_VALUE, FALSE },
  [OPT_MAX_CONNECTIONS] = { "max-connections", "--max-connections", KIND_VALUE, FALSE },
  [OPT_MAX_CONNECTIONS_PER_IP]
  = { "max-connections-per-ip", "--max-connections-per-ip", KIND_VALUE, FALSE },
  [OPT_SHUTDOWN_TIMEOUT] = { "shutdown-timeout", "--shutdown-timeout", KIND_VALUE, FALSE },
  [OPT_MIME_TYPES] = { "mime-types", "--mime-types", KIND_PATH, FALSE },
  [OPT_DEFAULT_TYPE] = { "default-type", "--default-type", KIND_VALUE, FALSE },
  [OPT_CHARSET] = { "charset", "--charset", KIND_VALUE, FALSE },
  [OPT_ACCESS_LOG] = { "access-log", "--access-log", KIND_PATH, FALSE },
  [OPT_LOG_FORMAT] = { "log-format", "--log-format", KIND_VALUE, FALSE },
  [OPT_ACCESS_LOG_BUFFER] = { "access-log-buffer", "--access-log-buffer", KIND_VALUE, FALSE },
  [OPT_USER] = { "user", "--user", KIND_VALUE, FALSE },
  [OPT_GROUP] = { "group", "--group", KIND_VALUE, FALSE },
  [OPT_PID_FILE] = { "pid-file", "--pid-file", KIND_PATH, FALSE },
  [OPT_TLS_CERT] = { "tls-cert", "--tls-cert", KIND_PATH, FALSE },
  [OPT_TLS_KEY] = { "tls-key", "--tls-key", KIND_PATH, FALSE },
  [OPT_TLS_PRIORITIES] = { "tls-priorities", "--tls-priorities", KIND_VALUE, FALSE },
  [OPT_WORKERS] = { "workers", "--workers", KIND_VALUE, FALSE },
};

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

DsConf *
ds_conf_new_default (void)
{
  DsConf *conf = g_new0 (DsConf, 1);
  const char *const index_files[] = { "index.html", "index.htm", NULL };

  conf->root = g_strdup (".");
  conf->address = g_strdup ("127.0.0.1");
  conf->port = DS_DEFAULT_PORT;
  conf->timeout = DEFAULT_TIMEOUT;
  conf->keepalive_requests = DEFAULT_KEEPALIVE_REQUESTS;
  conf->max_connections = DEFAULT_MAX_CONNECTIONS;
  conf->index_files = g_strdupv ((char **) index_files);
  conf->system_mime_types = g_strdup ("/etc/mime.types");
  conf->default_type = g_strdup ("application/octet-stream");
  conf->charset = g_strdup ("utf-8");
  conf->access_log = g_strdup ("-");
  conf->log_format = DS_LOG_COMBINED;
  conf->shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT;
  conf->listing = TRUE;
  conf->precompressed = TRUE;
  conf->headers = g_new0 (char *, 1);
  conf->max_age = -1;
  conf->tls_priorities = g_strdup (DS_DEFAULT_TLS_PRIORITIES);
  return conf;
}

void
ds_conf_free (DsConf *conf)
{
  if (conf == NULL)
    return;
  g_free (conf->root);
  g_free (conf->address);
  g_strfreev (conf->index_files);
  g_free (conf->mime_types_file);
  g_free (conf->system_mime_types);
  g_free (conf->default_type);
  g_free (conf->charset);
  g_free (conf->access_log);
  g_free (conf->error_pages);
  g_strfreev (conf->headers);
  g_free (conf->user);
  g_free (conf->group);
  g_free (conf->pid_file);
  g_free (conf->config_file);
  g_free (conf->tls_cert);
  g_free (conf->tls_key);
  g_free (conf->tls_priorities);
  g_free (conf);
}

/* @s C-escaped for a one-line message: control bytes, '"' and '\\' escaped,
 * bytes >= 0x80 kept so that UTF-8 names stay readable.  Caller frees. */
static char *
escape (const char *s)
{
  char high[129];

  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  return g_strescape (s, high);
}

/* Sets a usage error "OPTION: "VALUE" PROBLEM" with VALUE escaped, so that
 * the message stays one line whatever the value holds. */
static gboolean
bad_value (GError **error, const char *option, const char *value, const char *problem)
{
  g_autofree char *shown = escape (value);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: \"%s\" %s", option, shown, problem);
  return FALSE;
}

/* Sets an error "[OPTION: ]PATH: REASON" with @code. */
static gboolean
path_error (GError **error, int code, const char *option, const char *path, const char *reason)
{
  g_autofree char *shown = escape (path);
  g_set_error (error, DS_ERROR, code, "%s%s%s: %s", option != NULL ? option : "",
               option != NULL ? ": " : "", shown, reason);
  return FALSE;
}

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
      return bad_value (error, option, value, "is not a number");
  for (const char *p = value; *p != '\0' && v <= max; p++)
    v = v * 10 + (guint64) (*p - '0');
  if (v < min || v > max)
    {
      g_autofree char *problem = g_strdup_printf ("is out of range (%u to %u)", min, max);
      return bad_value (error, option, value, problem);
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_enum (const char *option, const char *value, const char *const *names, int *out,
            GError **error)
{
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (value, names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *choices = g_strjoinv ("|", (char **) names);
  g_autofree char *problem = g_strconcat ("is not one of ", choices, NULL);
  return bad_value (error, option, value, problem);
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
    return bad_value (error, option, value, "is not a numeric IPv4 or IPv6 address");
  return TRUE;
}

static gboolean
check_index (const char *option, const char *value, GError **error)
{
  if (*value == '\0' || strchr (value, '/') != NULL || strcmp (value, ".") == 0
      || strcmp (value, "..") == 0)
    return bad_value (error, option, value, "must be a plain file name");
  return TRUE;
}

static gboolean
check_default_type (const char *option, const char *value, GError **error)
{
  if (!is_media_type (value))
    return bad_value (error, option, value, "is not a media type like text/plain");
  return TRUE;
}

static gboolean
check_charset (const char *option, const char *value, GError **error)
{
  if (!is_token (value))
    return bad_value (error, option, value, "is not a charset name");
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
    return bad_value (error, option, header,
                      "contains a line break (CR or LF), which would inject another header");
  const char *colon = strchr (header, ':');
  if (colon == NULL)
    return bad_value (error, option, header, "is not of the form \"Name: value\"");
  g_autofree char *name = g_strndup (header, (gsize) (colon - header));
  if (!is_token (name))
    return bad_value (error, option, header,
                      "does not start with a header name (letters, digits or "
                      "!#$%&'*+-.^_`|~) directly followed by ':'");
  if (!ds_field_value_is_valid (colon + 1, strlen (colon + 1)))
    return bad_value (error, option, header, "contains a control character");
  for (int i = 0; owned_headers[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, owned_headers[i]) == 0)
      {
        g_autofree char *problem
            = g_strdup_printf ("sets %s, which docserve sends itself", owned_headers[i]);
        return bad_value (error, option, header, problem);
      }
  return TRUE;
}

static gboolean
is_log_file (const char *access_log)
{
  return strcmp (access_log, "-") != 0 && strcmp (access_log, "none") != 0;
}

gboolean
ds_conf_validate (const DsConf *conf, GError **error)
{
  const char *const optional_paths[][2] = {
    { "--error-pages", conf->error_pages },
    { "--mime-types", conf->mime_types_file },
    { "--pid-file", conf->pid_file },
    { "--tls-cert", conf->tls_cert },
    { "--tls-key", conf->tls_key },
  };

  if (!check_address ("--address", conf->address, error))
    return FALSE;
  for (char **idx = conf->index_files; idx != NULL && *idx != NULL; idx++)
    if (!check_index ("--index", *idx, error))
      return FALSE;
  if (!check_default_type ("--default-type", conf->default_type, error)
      || !check_charset ("--charset", conf->charset, error)
      || !check_nonempty ("--access-log", conf->access_log, "file name", error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (optional_paths); i++)
    if (optional_paths[i][1] != NULL
        && !check_nonempty (optional_paths[i][0], optional_paths[i][1], "file name", error))
      return FALSE;
  if ((conf->user != NULL && !check_nonempty ("--user", conf->user, "user name", error))
      || (conf->group != NULL && !check_nonempty ("--group", conf->group, "group name", error)))
    return FALSE;
  if (conf->group != NULL && conf->user == NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--group: only allowed together with --user");
      return FALSE;
    }
  if ((conf->tls_cert == NULL) != (conf->tls_key == NULL))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s needs %s as well",
                   conf->tls_cert != NULL ? "--tls-cert" : "--tls-key",
                   conf->tls_cert != NULL ? "--tls-key" : "--tls-cert");
      return FALSE;
    }
  if (conf->port > 65535 || conf->max_age < -1)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: out of range",
                   conf->port > 65535 ? "--port" : "--max-age");
      return FALSE;
    }
  if (conf->max_age >= 0 && conf->no_cache)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--max-age and --no-cache cannot be used together");
      return FALSE;
    }
  for (char **h = conf->headers; h != NULL && *h != NULL; h++)
    {
      if (!check_header ("--header", *h, error))
        return FALSE;
      if ((conf->max_age >= 0 || conf->no_cache)
          && g_ascii_strncasecmp (*h, "Cache-Control:", strlen ("Cache-Control:")) == 0)
        return bad_value (error, "--header", *h,
                          "sets Cache-Control, which --max-age or --no-cache sets already");
    }
  return TRUE;
}

/* ---- applying one value, from either source ---------------------------- */

static void
store (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Parses, checks and stores one KIND_VALUE or KIND_PATH setting; @name
 * ("--port" or "port") names it in messages. */
static gboolean
set_value (DsConf *conf, OptId id, const char *name, const char *value, GError **error)
{
  static const char *const dotfiles[] = { "deny", "allow", NULL };
  static const char *const symlinks[] = { "inside", "follow", "none", NULL };
  guint u;
  int e;

  switch (id)
    {
    case OPT_ROOT:
      if (!check_nonempty (name, value, "directory name", error))
        return FALSE;
      store (&conf->root, value);
      return TRUE;
    case OPT_ADDRESS:
      if (!check_address (name, value, error))
        return FALSE;
      store (&conf->address, value);
      return TRUE;
    case OPT_PORT:
      if (!parse_uint (name, value, 0, 65535, &conf->port, error))
        return FALSE;
      conf->port_given = TRUE;
      return TRUE;
    case OPT_DOTFILES:
      if (!parse_enum (name, value, dotfiles, &e, error))
        return FALSE;
      conf->dotfiles = (DsDotfiles) e;
      return TRUE;
    case OPT_SYMLINKS:
      if (!parse_enum (name, value, symlinks, &e, error))
        return FALSE;
      conf->symlinks = (DsSymlinks) e;
      return TRUE;
    case OPT_MAX_AGE:
      if (!parse_uint (name, value, 0, G_MAXINT, &u, error))
        return FALSE;
      /* A later source overrides an earlier --no-cache; both in one source
       * are refused by the caller. */
      conf->max_age = (gint) u;
      conf->no_cache = FALSE;
      return TRUE;
    case OPT_TIMEOUT:
      return parse_uint (name, value, 1, 86400, &conf->timeout, error);
    case OPT_KEEPALIVE_REQUESTS:
      return parse_uint (name, value, 1, 1000000, &conf->keepalive_requests, error);
    case OPT_MAX_CONNECTIONS:
      return parse_uint (name, value, 1, 1000000, &conf->max_connections, error);
    case OPT_MAX_CONNECTIONS_PER_IP:
      return parse_uint (name, value, 0, 1000000, &conf->max_connections_per_ip, error);
    case OPT_SHUTDOWN_TIMEOUT:
      return parse_uint (name, value, 0, 3600, &conf->shutdown_timeout, error);
    case OPT_WORKERS:
      return parse_uint (name, value, 0, 256, &conf->workers, error);
    case OPT_ACCESS_LOG_BUFFER:
      return parse_uint (name, value, 0, 1024, &conf->access_log_buffer_kib, error);
    case OPT_DEFAULT_TYPE:
      if (!check_default_type (name, value, error))
        return FALSE;
      store (&conf->default_type, value);
      return TRUE;
    case OPT_CHARSET:
      if (!check_charset (name, value, error))
        return FALSE;
      store (&conf->charset, value);
      return TRUE;
    case OPT_LOG_FORMAT:
      {
        DsLogFormat f;
        if (!ds_accesslog_format_from_string (value, &f))
          return bad_value (error, name, value, "is not one of combined|common|json|csv");
        conf->log_format = (int) f;
        return TRUE;
      }
    case OPT_TLS_PRIORITIES:
      if (!check_nonempty (name, value, "GnuTLS priority string", error))
        return FALSE;
      store (&conf->tls_priorities, value);
      return TRUE;
    case OPT_ERROR_PAGES:
    case OPT_MIME_TYPES:
    case OPT_ACCESS_LOG:
    case OPT_PID_FILE:
    case OPT_TLS_CERT:
    case OPT_TLS_KEY:
      {
        char **field = id == OPT_ERROR_PAGES  ? &conf->error_pages
                       : id == OPT_MIME_TYPES ? &conf->mime_types_file
                       : id == OPT_ACCESS_LOG ? &conf->access_log
                       : id == OPT_TLS_CERT   ? &conf->tls_cert
                       : id == OPT_TLS_KEY    ? &conf->tls_key
                                              : &conf->pid_file;
        if (!check_nonempty (name, value, "file name", error))
          return FALSE;
        store (field, value);
        return TRUE;
      }
    case OPT_USER:
      if (!check_nonempty (name, value, "user name", error))
        return FALSE;
      store (&conf->user, value);
      return TRUE;
    case OPT_GROUP:
      if (!check_nonempty (name, value, "group name", error))
        return FALSE;
      store (&conf->group, value);
      return TRUE;
    case OPT_INDEX:
    case OPT_LISTING:
    case OPT_PRECOMPRESSED:
    case OPT_HEADER:
    case OPT_NO_CACHE:
    case N_OPTS:
    default:
      break;
    }
  g_assert_not_reached ();
}

/* Checks every element of *@values and, if all pass, moves the list into
 * @conf (replacing the list there). */
static gboolean
set_list (DsConf *conf, OptId id, const char *name, char ***values, GError **error)
{
  g_assert (id == OPT_INDEX || id == OPT_HEADER);
  char ***field = id == OPT_INDEX ? &conf->index_files : &conf->headers;

  for (char **v = *values; *v != NULL; v++)
    if (!(id == OPT_INDEX ? check_index (name, *v, error) : check_header (name, *v, error)))
      return FALSE;
  g_strfreev (*field);
  *field = g_steal_pointer (values);
  return TRUE;
}

static void
set_flag (DsConf *conf, OptId id, gboolean value)
{
  switch (id)
    {
    case OPT_LISTING:
      conf->listing = value;
      break;
    case OPT_PRECOMPRESSED:
      conf->precompressed = value;
      break;
    case OPT_NO_CACHE:
      conf->no_cache = value;
      if (value)
        conf->max_age = -1; /* see OPT_MAX_AGE in set_value */
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- the key file ------------------------------------------------------ */

typedef struct
{
  OptId id;
  guint line;
} KeyLine;

/* Reads @path whole.  FALSE with "PATH: REASON" if it cannot be read, is a
 * directory, is too large or holds a NUL byte. */
static gboolean
read_key_file (const char *path, char **out_text, gsize *out_len, GError **error)
{
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;

  if (fd < 0 || fstat (fd, &st) != 0)
    return path_error (error, DS_ERROR_USAGE, NULL, path, g_strerror (errno));
  if (S_ISDIR (st.st_mode))
    return path_error (error, DS_ERROR_USAGE, NULL, path, g_strerror (EISDIR));

  g_autoptr (GString) text = g_string_new (NULL);
  char buf[8192];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return path_error (error, DS_ERROR_USAGE, NULL, path, g_strerror (errno));
      if (n == 0)
        break;
      if (text->len + (gsize) n > KEY_FILE_MAX_SIZE)
        return path_error (error, DS_ERROR_USAGE, NULL, path, "larger than 1 MiB");
      g_string_append_len (text, buf, n);
    }
  if (memchr (text->str, '\0', text->len) != NULL)
    return path_error (error, DS_ERROR_USAGE, NULL, path, "contains a NUL byte");
  *out_len = text->len;
  *out_text = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

static gboolean
key_file_error (GError **error, const char *path, guint line, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
key_file_error (GError **error, const char *path, guint line, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s:%u: %s", path, line, msg);
  return FALSE;
}

static int
find_key (const char *key)
{
  for (int id = 0; id < N_OPTS; id++)
    if (strcmp (key, opts[id].key) == 0)
      return id;
  return -1;
}

/* Mirrors GKeyFile's line syntax (leading blanks ignored, "#" comments,
 * "[group]" with blanks after it, "key = value") to find the line of each
 * key.  Refuses what GKeyFile would take silently: a group other than
 * [docserve], an unknown key, a key given twice.  Appends the keys to
 * @out in file order. */
static gboolean
scan_key_file (const char *path, const char *text, GArray *out, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint seen[N_OPTS] = { 0 };
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint n = i + 1;
      char *s = g_strchug (lines[i]);
      gsize len = strlen (s);

      if (len > 0 && s[len - 1] == '\r')
        s[len - 1] = '\0';
      if (*s == '\0' || *s == '#')
        continue;
      if (*s == '[')
        {
          char *end = strchr (s, ']');
          if (end == NULL || end[1 + strspn (end + 1, " \t")] != '\0')
            return key_file_error (error, path, n, "malformed group line");
          *end = '\0';
          if (strcmp (s + 1, KEY_FILE_GROUP) != 0)
            {
              g_autofree char *shown = escape (s + 1);
              return key_file_error (error, path, n,
                                     "unknown group [%s] (the only group is [" KEY_FILE_GROUP
                                     "])",
                                     shown);
            }
          in_group = TRUE;
          continue;
        }
      char *eq = strchr (s, '=');
      if (eq == NULL || eq == s)
        return key_file_error (error, path, n,
                               "expected \"key = value\", \"[" KEY_FILE_GROUP "]\" or a # comment");
      if (!in_group)
        return key_file_error (error, path, n, "key before the [" KEY_FILE_GROUP "] line");
      *eq = '\0';
      g_strchomp (s);
      int id = find_key (s);
      if (id < 0)
        {
          g_autofree char *shown = escape (s);
          int flag = g_str_has_prefix (s, "no-") ? find_key (s + 3) : -1;
          if (flag >= 0 && opts[flag].kind == KIND_FLAG)
            return key_file_error (error, path, n,
                                   "unknown key \"%s\" (the key is \"%s\", true or false)",
                                   shown, opts[flag].key);
          return key_file_error (error, path, n, "unknown key \"%s\"", shown);
        }
      if (seen[id] != 0)
        return key_file_error (error, path, n, "%s: set again (first set on line %u)",
                               opts[id].key, seen[id]);
      seen[id] = n;
      KeyLine kl = { (OptId) id, n };
      g_array_append_val (out, kl);
    }
  return TRUE;
}

/* GKeyFile's escapes (\\s \\n \\t \\r \\\\, and \\; in lists), decoded here
 * rather than by g_key_file_get_string(): GLib 2.74 returns a value *and*
 * sets an error for an invalid escape (and warns about a GError set twice
 * when there are two), so a bad escape could slip through as text.  An
 * invalid escape or a trailing backslash is an error naming the key.
 * @list: split on unescaped ';' into *out_list (a trailing ';' ends the
 * list, as GKeyFile's lists do); else the whole value into *out_value. */
static gboolean
unescape_value (const char *key, const char *raw, gboolean list, char **out_value,
                char ***out_list, GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (list && *p == ';')
        {
          g_ptr_array_add (items, g_string_free (cur, FALSE));
          cur = g_string_new (NULL);
          continue;
        }
      if (*p != '\\')
        {
          g_string_append_c (cur, *p);
          continue;
        }
      char c = *++p;
      switch (c)
        {
        case 's':
          g_string_append_c (cur, ' ');
          break;
        case 'n':
          g_string_append_c (cur, '\n');
          break;
        case 't':
          g_string_append_c (cur, '\t');
          break;
        case 'r':
          g_string_append_c (cur, '\r');
          break;
        case '\\':
          g_string_append_c (cur, '\\');
          break;
        case ';':
          if (list)
            {
              g_string_append_c (cur, ';');
              break;
            }
          G_GNUC_FALLTHROUGH;
        default:
          g_string_free (cur, TRUE);
          return bad_value (error, key, raw,
                            c == '\0' ? "ends with a backslash"
                                       : "has an invalid escape (a backslash before a letter "
                                         "other than s, n, t, r)");
        }
    }
  if (!list)
    {
      *out_value = g_string_free (cur, FALSE);
      return TRUE;
    }
  if (cur->len > 0)
    g_ptr_array_add (items, g_string_free (cur, FALSE));
  else
    g_string_free (cur, TRUE);
  g_ptr_array_add (items, NULL);
  *out_list = (char **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
  return TRUE;
}

/* Reads key @id from @kf and applies it; relative paths are taken relative
 * to @dir.  Messages name the key, the caller adds "FILE:LINE: ". */
static gboolean
apply_key (DsConf *conf, GKeyFile *kf, const char *dir, OptId id, GError **error)
{
  const char *key = opts[id].key;
  g_autoptr (GError) local = NULL;

  switch (opts[id].kind)
    {
    case KIND_VALUE:
    case KIND_PATH:
      {
        g_autofree char *raw = g_key_file_get_value (kf, KEY_FILE_GROUP, key, &local);
        if (raw == NULL)
          break;
        g_autofree char *value = NULL;
        if (!unescape_value (key, raw, FALSE, &value, NULL, error))
          return FALSE;
        if (opts[id].kind == KIND_PATH && value[0] != '\0' && !g_path_is_absolute (value)
            && (id != OPT_ACCESS_LOG || is_log_file (value)))
          {
            char *resolved = g_build_filename (dir, value, NULL);
            g_free (value);
            value = resolved;
          }
        return set_value (conf, id, key, value, error);
      }
    case KIND_LIST:
      {
        g_autofree char *raw = g_key_file_get_value (kf, KEY_FILE_GROUP, key, &local);
        if (raw == NULL)
          break;
        g_auto (GStrv) values = NULL;
        if (!unescape_value (key, raw, TRUE, NULL, &values, error))
          return FALSE;
        return set_list (conf, id, key, &values, error);
      }
    case KIND_FLAG:
      {
        gboolean v = g_key_file_get_boolean (kf, KEY_FILE_GROUP, key, &local);
        if (local != NULL)
          {
            g_autofree char *raw = g_key_file_get_value (kf, KEY_FILE_GROUP, key, NULL);
            return bad_value (error, key, raw != NULL ? raw : "", "is not true or false");
          }
        set_flag (conf, id, v);
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
  g_autofree char *reason = escape (local != NULL ? local->message : "cannot be read");
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s", key, reason);
  return FALSE;
}

/* Applies the [docserve] group of key file @path to @conf. */
static gboolean
apply_key_file (DsConf *conf, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GArray) keys = g_array_new (FALSE, FALSE, sizeof (KeyLine));
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  guint max_age_line = 0, no_cache_line = 0;

  if (!read_key_file (path, &text, &len, error) || !scan_key_file (path, text, keys, error))
    return FALSE;
  if (!g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &local))
    {
      /* GLib quotes the offending line, which may hold a CR. */
      g_autofree char *reason = escape (local->message);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s", path, reason);
      return FALSE;
    }
  for (guint i = 0; i < keys->len; i++)
    {
      const KeyLine *kl = &g_array_index (keys, KeyLine, i);
      if (!apply_key (conf, kf, dir, kl->id, error))
        {
          g_prefix_error (error, "%s:%u: ", path, kl->line);
          return FALSE;
        }
      if (kl->id == OPT_MAX_AGE)
        max_age_line = kl->line;
      if (kl->id == OPT_NO_CACHE && conf->no_cache)
        no_cache_line = kl->line;
    }
  if (max_age_line != 0 && no_cache_line != 0)
    return key_file_error (error, path, MAX (max_age_line, no_cache_line),
                           "max-age and no-cache = true cannot be used together");
  return TRUE;
}

/* ---- the command line -------------------------------------------------- */

typedef struct
{
  char *value[N_OPTS];   /* KIND_VALUE, KIND_PATH */
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
  for (int i = 0; i < N_OPTS; i++)
    {
      g_free (raw->value[i]);
      g_strfreev (raw->list[i]);
    }
  g_free (raw->config);
  g_strfreev (raw->rest);
}

/* Applies the command line on top of @conf. */
static gboolean
apply_command_line (DsConf *conf, RawOptions *raw, GError **error)
{
  guint n_rest = raw->rest != NULL ? g_strv_length (raw->rest) : 0;

  if (n_rest > 1)
    {
      g_autofree char *a = escape (raw->rest[0]);
      g_autofree char *b = escape (raw->rest[1]);
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
      raw->value[OPT_ROOT] = g_strdup (raw->rest[0]);
    }
  if (raw->value[OPT_MAX_AGE] != NULL && raw->flag[OPT_NO_CACHE])
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE,
                   "--max-age and --no-cache cannot be used together");
      return FALSE;
    }
  for (int i = 0; i < N_OPTS; i++)
    {
      OptId id = (OptId) i;
      switch (opts[id].kind)
        {
        case KIND_VALUE:
        case KIND_PATH:
          if (raw->value[id] != NULL
              && !set_value (conf, id, opts[id].option, raw->value[id], error))
            return FALSE;
          break;
        case KIND_LIST:
          if (raw->list[id] != NULL && !set_list (conf, id, opts[id].option, &raw->list[id], error))
            return FALSE;
          break;
        case KIND_FLAG:
          if (raw->flag[id])
            set_flag (conf, id, opts[id].flag_sets);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  conf->check_config = raw->check_config;
  conf->show_version = raw->version;
  return TRUE;
}

DsConf *
ds_conf_parse (int *argc, char ***argv, GError **error)
{
  RawOptions raw = { 0 };
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &raw.value[OPT_ADDRESS],
      "Listen on ADDR (default 127.0.0.1; :: for all, dual-stack)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &raw.value[OPT_PORT],
      "Listen on PORT (default 8080, or the next free one up to 8099; 0 = any)", "PORT" },
    { "index", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &raw.list[OPT_INDEX],
      "Index file name, repeatable (default index.html, index.htm)", "NAME" },
    { "no-listing", 0, 0, G_OPTION_ARG_NONE, &raw.flag[OPT_LISTING],
      "Answer 403 for a directory without an index file instead of listing it", NULL },
    { "dotfiles", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_DOTFILES],
      "Serve names starting with '.': deny (404, default; /.well-known/ allowed) or allow",
      "deny|allow" },
    { "symlinks", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_SYMLINKS],
      "Follow symlinks: inside the root only (default), follow any, or none", "inside|follow|none" },
    { "error-pages", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_ERROR_PAGES],
      "Serve DIR/404.html (and so on for other codes) instead of the built-in error pages",
      "DIR" },
    { "no-precompressed", 0, 0, G_OPTION_ARG_NONE, &raw.flag[OPT_PRECOMPRESSED],
      "Never serve FILE.br or FILE.gz in place of FILE, even to clients that accept them",
      NULL },
    /* FILENAME: the bytes as given, no locale conversion, so that obs-text
     * (RFC 9110 §5.5) passes through. */
    { "header", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &raw.list[OPT_HEADER],
      "Add a header to every reply, repeatable (e.g. 'X-Frame-Options: DENY')",
      "'NAME: VALUE'" },
    { "max-age", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_MAX_AGE],
      "Send Cache-Control: max-age=SECS (default: no Cache-Control)", "SECS" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &raw.flag[OPT_NO_CACHE],
      "Send Cache-Control: no-cache (clients revalidate every time)", NULL },
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &raw.value[OPT_TIMEOUT],
      "Close a connection idle for SECS seconds (default 15)", "SECS" },
    { "keepalive-requests", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_KEEPALIVE_REQUESTS],
      "Requests served per connection before it closes (default 100)", "N" },
    { "max-connections", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_MAX_CONNECTIONS],
      "Most simultaneous connections (default 1024)", "N" },
    { "max-connections-per-ip", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_MAX_CONNECTIONS_PER_IP],
      "Most simultaneous connections per client address (default 0 = no limit)", "N" },
    { "workers", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_WORKERS],
      "Serve with N epoll worker threads instead of a thread per connection "
      "(default 0 = a thread per connection)", "N" },
    { "shutdown-timeout", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_SHUTDOWN_TIMEOUT],
      "On SIGTERM/SIGINT, let transfers finish for up to SECS seconds (default 10)", "SECS" },
    { "mime-types", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_MIME_TYPES],
      "Extra mime.types FILE, overriding the built-in and /etc/mime.types types", "FILE" },
    { "default-type", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_DEFAULT_TYPE],
      "Type of files with an unknown extension (default application/octet-stream)", "TYPE" },
    { "charset", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_CHARSET],
      "Charset announced for text types (default utf-8)", "NAME" },
    { "access-log", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_ACCESS_LOG],
      "Access log: a FILE, - for stdout (default) or none", "FILE|-|none" },
    { "log-format", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_LOG_FORMAT],
      "Access log format: combined (default), common, json or csv", "FORMAT" },
    { "access-log-buffer", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_ACCESS_LOG_BUFFER],
      "Write the access log in batches, when KIB KiB have collected or 0.5 s "
      "after the first line (default 0 = one write per line)", "KIB" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_USER],
      "After binding, switch to user NAME (needs root)", "NAME" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_GROUP],
      "With --user, switch to group NAME instead of the user's own group", "NAME" },
    { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_PID_FILE],
      "Write the process ID to FILE", "FILE" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_TLS_CERT],
      "Serve HTTPS with the PEM certificate (chain) in FILE; needs --tls-key", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &raw.value[OPT_TLS_KEY],
      "The PEM private key for --tls-cert (not passphrase-protected)", "FILE" },
    { "tls-priorities", 0, 0, G_OPTION_ARG_STRING, &raw.value[OPT_TLS_PRIORITIES],
      "GnuTLS priority string (default " DS_DEFAULT_TLS_PRIORITIES ")", "STRING" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &raw.config,
      "Read settings from the [docserve] group of key file FILE; options given here win",
      "FILE" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &raw.check_config,
      "Check the settings and the files and users they name, then exit (0 OK, 2 not)", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &raw.version, "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &raw.rest, NULL, NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[DIR]");
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  GError *local = NULL;

  g_option_context_set_summary (ctx, "Serve the files under DIR (default: the current directory)"
                                     " over HTTP/1.1.");
  g_option_context_set_description (
      ctx, "Exit status: 0 on a clean stop (SIGINT/SIGTERM), 1 on a runtime failure\n"
           "(cannot bind, DIR not a directory), 2 on a usage or configuration error\n"
           "(also when --check-config finds a problem).\n\n"
           "Report bugs to: " PACKAGE_BUGREPORT "\n"
           PACKAGE_NAME " home page: <" PACKAGE_URL ">");
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
  ok = ok && apply_command_line (conf, &raw, error) && ds_conf_validate (conf, error);
  raw_options_clear (&raw);
  if (!ok)
    return NULL;
  return g_steal_pointer (&conf);
}

/* ---- ds_conf_check ----------------------------------------------------- */

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

static gboolean
check_user (const char *name, GError **error)
{
  for (gsize len = initial_buffer_size (_SC_GETPW_R_SIZE_MAX);; len *= 2)
    {
      g_autofree char *buf = g_malloc (len);
      struct passwd pw, *result = NULL;
      int e = getpwnam_r (name, &pw, buf, len, &result);
      if (e == ERANGE && len < 1024 * 1024)
        continue;
      if (result != NULL)
        return TRUE;
      if (is_not_found (e))
        return bad_value (error, "--user", name, "is not a user on this system");
      g_autofree char *shown = escape (name);
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--user: cannot look up \"%s\": %s",
                   shown, g_strerror (e));
      return FALSE;
    }
}

static gboolean
check_group (const char *name, GError **error)
{
  for (gsize len = initial_buffer_size (_SC_GETGR_R_SIZE_MAX);; len *= 2)
    {
      g_autofree char *buf = g_malloc (len);
      struct group gr, *result = NULL;
      int e = getgrnam_r (name, &gr, buf, len, &result);
      if (e == ERANGE && len < 1024 * 1024)
        continue;
      if (result != NULL)
        return TRUE;
      if (is_not_found (e))
        return bad_value (error, "--group", name, "is not a group on this system");
      g_autofree char *shown = escape (name);
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--group: cannot look up \"%s\": %s",
                   shown, g_strerror (e));
      return FALSE;
    }
}

gboolean
ds_conf_check (const DsConf *conf, GError **error)
{
  g_return_val_if_fail (conf != NULL, FALSE);

  if (!ds_conf_validate (conf, error))
    return FALSE;
  /* Same form as the server's own message: "DIR: reason". */
  if (!check_directory (NULL, conf->root, error))
    return FALSE;
  if (conf->error_pages != NULL && !check_directory ("--error-pages", conf->error_pages, error))
    return FALSE;
  if (conf->mime_types_file != NULL
      && !check_readable_file ("--mime-types", conf->mime_types_file, error))
    return FALSE;
  if (is_log_file (conf->access_log)
      && !check_parent_directory ("--access-log", conf->access_log, error))
    return FALSE;
  if (conf->pid_file != NULL && !check_parent_directory ("--pid-file", conf->pid_file, error))
    return FALSE;
  if (conf->user != NULL && !check_user (conf->user, error))
    return FALSE;
  if (conf->group != NULL && !check_group (conf->group, error))
    return FALSE;
  if (conf->tls_cert != NULL
      && (!check_readable_file ("--tls-cert", conf->tls_cert, error)
          || !check_readable_file ("--tls-key", conf->tls_key, error)))
    return FALSE;
  return TRUE;
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
