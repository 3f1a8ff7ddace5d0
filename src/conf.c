/* conf.c: command line into one validated, immutable DsConf.
 *
 * GOptionContext gives GNU-style long options, --help and "--" handling.
 * Numbers are taken as strings and parsed here, so that an error names the
 * option and the exact value ("--port: \"80a\" is not a number") instead of
 * GOption's generic text.  Every value is checked before the server starts;
 * nothing here is touched afterwards. */
#include "config.h"

#include "docserve/conf.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT 15
#define DEFAULT_KEEPALIVE_REQUESTS 100
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_SHUTDOWN_TIMEOUT 10

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
  g_free (conf);
}

/* Sets a usage error "OPTION: "VALUE" PROBLEM" with VALUE C-escaped, so that
 * the message stays one line whatever the value holds. */
static gboolean
bad_value (GError **error, const char *option, const char *value, const char *problem)
{
  g_autofree char *shown = g_strescape (value, NULL);
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: \"%s\" %s", option, shown, problem);
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

/* The values a header field may carry: visible ASCII, space and tab, and
 * obs-text; no CR, LF or NUL (RFC 9110 §5.5). */
static gboolean
is_token (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && strchr ("!#$%&'*+-.^_`|~", *s) == NULL)
      return FALSE;
  return TRUE;
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

gboolean
ds_conf_validate (const DsConf *conf, GError **error)
{
  unsigned char buf[sizeof (struct in6_addr)];

  if (inet_pton (AF_INET, conf->address, buf) != 1
      && inet_pton (AF_INET6, conf->address, buf) != 1)
    return bad_value (error, "--address", conf->address, "is not a numeric IPv4 or IPv6 address");
  for (char **idx = conf->index_files; idx != NULL && *idx != NULL; idx++)
    {
      if (**idx == '\0' || strchr (*idx, '/') != NULL || strcmp (*idx, ".") == 0
          || strcmp (*idx, "..") == 0)
        return bad_value (error, "--index", *idx, "must be a plain file name");
    }
  if (!is_media_type (conf->default_type))
    return bad_value (error, "--default-type", conf->default_type,
                      "is not a media type like text/plain");
  if (!is_token (conf->charset))
    return bad_value (error, "--charset", conf->charset, "is not a charset name");
  if (conf->access_log[0] == '\0')
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "--access-log: empty file name");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char *address;
  char *port;
  char *timeout;
  char *keepalive_requests;
  char *max_connections;
  char *max_per_ip;
  char *shutdown_timeout;
  char **index;
  char *dotfiles;
  char *symlinks;
  char *mime_types;
  char *default_type;
  char *charset;
  char *access_log;
  char *log_format;
  gboolean version;
  char **rest;
} RawOptions;

static void
raw_options_clear (RawOptions *raw)
{
  g_free (raw->address);
  g_free (raw->port);
  g_free (raw->timeout);
  g_free (raw->keepalive_requests);
  g_free (raw->max_connections);
  g_free (raw->max_per_ip);
  g_free (raw->shutdown_timeout);
  g_strfreev (raw->index);
  g_free (raw->dotfiles);
  g_free (raw->symlinks);
  g_free (raw->mime_types);
  g_free (raw->default_type);
  g_free (raw->charset);
  g_free (raw->access_log);
  g_free (raw->log_format);
  g_strfreev (raw->rest);
}

static void
replace (char **field, char **value)
{
  if (*value != NULL)
    {
      g_free (*field);
      *field = g_steal_pointer (value);
    }
}

/* Moves the raw strings into @conf, parsing and checking each. */
static gboolean
apply (DsConf *conf, RawOptions *raw, GError **error)
{
  static const char *const dotfiles[] = { "deny", "allow", NULL };
  static const char *const symlinks[] = { "inside", "follow", "none", NULL };
  int e;

  replace (&conf->address, &raw->address);
  if (raw->port != NULL)
    {
      if (!parse_uint ("--port", raw->port, 0, 65535, &conf->port, error))
        return FALSE;
      conf->port_given = TRUE;
    }
  if (raw->timeout != NULL
      && !parse_uint ("--timeout", raw->timeout, 1, 86400, &conf->timeout, error))
    return FALSE;
  if (raw->keepalive_requests != NULL
      && !parse_uint ("--keepalive-requests", raw->keepalive_requests, 1, 1000000,
                      &conf->keepalive_requests, error))
    return FALSE;
  if (raw->max_connections != NULL
      && !parse_uint ("--max-connections", raw->max_connections, 1, 1000000,
                      &conf->max_connections, error))
    return FALSE;
  if (raw->max_per_ip != NULL
      && !parse_uint ("--max-connections-per-ip", raw->max_per_ip, 0, 1000000,
                      &conf->max_connections_per_ip, error))
    return FALSE;
  if (raw->shutdown_timeout != NULL
      && !parse_uint ("--shutdown-timeout", raw->shutdown_timeout, 0, 3600,
                      &conf->shutdown_timeout, error))
    return FALSE;
  if (raw->index != NULL)
    {
      g_strfreev (conf->index_files);
      conf->index_files = g_steal_pointer (&raw->index);
    }
  if (raw->dotfiles != NULL)
    {
      if (!parse_enum ("--dotfiles", raw->dotfiles, dotfiles, &e, error))
        return FALSE;
      conf->dotfiles = (DsDotfiles) e;
    }
  if (raw->symlinks != NULL)
    {
      if (!parse_enum ("--symlinks", raw->symlinks, symlinks, &e, error))
        return FALSE;
      conf->symlinks = (DsSymlinks) e;
    }
  replace (&conf->mime_types_file, &raw->mime_types);
  replace (&conf->default_type, &raw->default_type);
  replace (&conf->charset, &raw->charset);
  replace (&conf->access_log, &raw->access_log);
  if (raw->log_format != NULL)
    {
      DsLogFormat f;
      if (!ds_accesslog_format_from_string (raw->log_format, &f))
        return bad_value (error, "--log-format", raw->log_format,
                          "is not one of combined|common|json|csv");
      conf->log_format = (int) f;
    }
  conf->show_version = raw->version;

  guint n_rest = raw->rest != NULL ? g_strv_length (raw->rest) : 0;
  if (n_rest > 1)
    {
      g_autofree char *a = g_strescape (raw->rest[0], NULL);
      g_autofree char *b = g_strescape (raw->rest[1], NULL);
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
      g_free (conf->root);
      conf->root = g_strdup (raw->rest[0]);
    }
  return ds_conf_validate (conf, error);
}

DsConf *
ds_conf_parse (int *argc, char ***argv, GError **error)
{
  RawOptions raw = { 0 };
  const GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &raw.address,
      "Listen on ADDR (default 127.0.0.1; :: for all, dual-stack)", "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &raw.port,
      "Listen on PORT (default 8080, or the next free one up to 8099; 0 = any)", "PORT" },
    { "index", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &raw.index,
      "Index file name, repeatable (default index.html, index.htm)", "NAME" },
    { "dotfiles", 0, 0, G_OPTION_ARG_STRING, &raw.dotfiles,
      "Serve names starting with '.': deny (404, default; /.well-known/ allowed) or allow",
      "deny|allow" },
    { "symlinks", 0, 0, G_OPTION_ARG_STRING, &raw.symlinks,
      "Follow symlinks: inside the root only (default), follow any, or none", "inside|follow|none" },
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &raw.timeout,
      "Close a connection idle for SECS seconds (default 15)", "SECS" },
    { "keepalive-requests", 0, 0, G_OPTION_ARG_STRING, &raw.keepalive_requests,
      "Requests served per connection before it closes (default 100)", "N" },
    { "max-connections", 0, 0, G_OPTION_ARG_STRING, &raw.max_connections,
      "Most simultaneous connections (default 1024)", "N" },
    { "max-connections-per-ip", 0, 0, G_OPTION_ARG_STRING, &raw.max_per_ip,
      "Most simultaneous connections per client address (default 0 = no limit)", "N" },
    { "shutdown-timeout", 0, 0, G_OPTION_ARG_STRING, &raw.shutdown_timeout,
      "On SIGTERM/SIGINT, let transfers finish for up to SECS seconds (default 10)", "SECS" },
    { "mime-types", 0, 0, G_OPTION_ARG_FILENAME, &raw.mime_types,
      "Extra mime.types FILE, overriding the built-in and /etc/mime.types types", "FILE" },
    { "default-type", 0, 0, G_OPTION_ARG_STRING, &raw.default_type,
      "Type of files with an unknown extension (default application/octet-stream)", "TYPE" },
    { "charset", 0, 0, G_OPTION_ARG_STRING, &raw.charset,
      "Charset announced for text types (default utf-8)", "NAME" },
    { "access-log", 0, 0, G_OPTION_ARG_FILENAME, &raw.access_log,
      "Access log: a FILE, - for stdout (default) or none", "FILE|-|none" },
    { "log-format", 0, 0, G_OPTION_ARG_STRING, &raw.log_format,
      "Access log format: combined (default), common, json or csv", "FORMAT" },
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
           "(cannot bind, DIR not a directory), 2 on a usage error.\n\n"
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
  gboolean ok = apply (conf, &raw, error);
  raw_options_clear (&raw);
  if (!ok)
    return NULL;
  return g_steal_pointer (&conf);
}
