/* check_conf.c: unit tests for conf.c (ds_conf_parse with and without a key
 * file, ds_conf_validate, ds_conf_check, ds_conf_header_split,
 * ds_conf_new_default, ds_conf_lookup_user). */
#include "config.h"

#include "docserve/conf.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"

#include <check.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 8

/* Joins @args for failure messages; caller frees. */
static char *
args_to_string (const char *const *args)
{
  GString *s = g_string_new ("");

  for (int i = 0; i < MAX_ARGS && args[i] != NULL; i++)
    g_string_append_printf (s, "%s'%s'", i > 0 ? " " : "", args[i]);
  return g_string_free (s, FALSE);
}

/* Runs ds_conf_parse on "docserve" + @args.  GOption compacts argv in place
 * (and does not free what it drops), so the strings are owned by a separate
 * vector and only a shallow copy of the pointer array is handed over. */
static DsConf *
parse_args (const char *const *args, GError **error)
{
  g_autoptr (GPtrArray) v = g_ptr_array_new ();

  g_ptr_array_add (v, (gpointer) "docserve");
  for (int i = 0; i < MAX_ARGS && args[i] != NULL; i++)
    g_ptr_array_add (v, (gpointer) args[i]);
  g_ptr_array_add (v, NULL);

  g_auto (GStrv) owned = g_strdupv ((char **) v->pdata);
  int argc = (int) g_strv_length (owned);
  char **argv = g_memdup2 (owned, sizeof (char *) * ((gsize) argc + 1));

  DsConf *conf = ds_conf_parse (&argc, &argv, error);
  g_free (argv);
  return conf;
}

/* ---- defaults ---------------------------------------------------------- */

static void
check_defaults (const DsConf *conf, const char *what)
{
  ck_assert_msg (conf->port == 8080, "%s: port %u", what, conf->port);
  ck_assert_msg (!conf->port_given, "%s: port_given", what);
  ck_assert_msg (g_strcmp0 (conf->address, "127.0.0.1") == 0, "%s: address %s", what,
                 conf->address);
  ck_assert_msg (conf->timeout == 15, "%s: timeout %u", what, conf->timeout);
  ck_assert_msg (conf->keepalive_requests == 100, "%s: keepalive %u", what,
                 conf->keepalive_requests);
  ck_assert_msg (conf->max_connections == 1024, "%s: max-connections %u", what,
                 conf->max_connections);
  ck_assert_msg (conf->max_connections_per_ip == 0, "%s: per-ip %u", what,
                 conf->max_connections_per_ip);
  ck_assert_msg (conf->index_files != NULL && g_strv_length (conf->index_files) == 2
                     && strcmp (conf->index_files[0], "index.html") == 0
                     && strcmp (conf->index_files[1], "index.htm") == 0,
                 "%s: index files", what);
  ck_assert_msg (conf->dotfiles == DS_DOTFILES_DENY, "%s: dotfiles %d", what, conf->dotfiles);
  ck_assert_msg (conf->symlinks == DS_SYMLINKS_INSIDE, "%s: symlinks %d", what, conf->symlinks);
  ck_assert_msg (g_strcmp0 (conf->access_log, "-") == 0, "%s: access_log %s", what,
                 conf->access_log);
  ck_assert_msg (g_strcmp0 (conf->root, ".") == 0, "%s: root %s", what, conf->root);
  ck_assert_msg (conf->log_format == DS_LOG_COMBINED, "%s: log_format %d", what,
                 conf->log_format);
  ck_assert_msg (g_strcmp0 (conf->default_type, "application/octet-stream") == 0,
                 "%s: default_type %s", what, conf->default_type);
  ck_assert_msg (g_strcmp0 (conf->charset, "utf-8") == 0, "%s: charset %s", what,
                 conf->charset);
  ck_assert_msg (conf->mime_types_file == NULL, "%s: mime_types_file %s", what,
                 conf->mime_types_file);
  ck_assert_msg (!conf->show_version, "%s: show_version", what);
  ck_assert_msg (conf->listing, "%s: listing", what);
  ck_assert_msg (conf->precompressed, "%s: precompressed", what);
  ck_assert_msg (conf->error_pages == NULL, "%s: error_pages %s", what, conf->error_pages);
  ck_assert_msg (conf->headers != NULL && conf->headers[0] == NULL, "%s: headers", what);
  ck_assert_msg (conf->max_age == -1, "%s: max_age %d", what, conf->max_age);
  ck_assert_msg (!conf->no_cache, "%s: no_cache", what);
  ck_assert_msg (conf->user == NULL, "%s: user %s", what, conf->user);
  ck_assert_msg (conf->group == NULL, "%s: group %s", what, conf->group);
  ck_assert_msg (conf->pid_file == NULL, "%s: pid_file %s", what, conf->pid_file);
  ck_assert_msg (conf->config_file == NULL, "%s: config_file %s", what, conf->config_file);
  ck_assert_msg (!conf->check_config, "%s: check_config", what);
  ck_assert_msg (conf->workers == 0, "%s: workers %u", what, conf->workers);
  ck_assert_msg (conf->access_log_buffer_kib == 0, "%s: access_log_buffer_kib %u", what,
                 conf->access_log_buffer_kib);
}

START_TEST (test_new_default)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  check_defaults (conf, "ds_conf_new_default");
  ck_assert_msg (ds_conf_validate (conf, &error), "defaults do not validate: %s",
                 error != NULL ? error->message : "?");
}
END_TEST

START_TEST (test_parse_no_args)
{
  const char *const args[MAX_ARGS] = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_args (args, &error);

  ck_assert_msg (conf != NULL, "no arguments: %s", error != NULL ? error->message : "?");
  ck_assert (error == NULL);
  check_defaults (conf, "parse with no arguments");
}
END_TEST

/* ---- options that parse ------------------------------------------------ */

typedef struct
{
  const char *args[MAX_ARGS];
  const char *field; /* see field_to_string */
  const char *expect;
} OkCase;

static const OkCase ok_cases[] = {
  { { "--port", "9000" }, "port", "9000" },
  { { "--port", "9000" }, "port_given", "1" },
  /* 0 means "any free port" and still counts as given. */
  { { "--port", "0" }, "port", "0" },
  { { "--port", "0" }, "port_given", "1" },
  /* An explicit 8080 is given, unlike the default 8080 (busy → error). */
  { { "--port", "8080" }, "port_given", "1" },
  { { "--port", "65535" }, "port", "65535" },
  { { "--port=8081" }, "port", "8081" },
  { { "-p", "8082" }, "port", "8082" },
  /* Leading zeros are still decimal, not octal. */
  { { "--port", "010" }, "port", "10" },
  { { "--timeout", "1" }, "timeout", "1" },
  { { "-t", "86400" }, "timeout", "86400" },
  { { "--keepalive-requests", "1" }, "keepalive_requests", "1" },
  { { "--max-connections", "10" }, "max_connections", "10" },
  { { "--max-connections-per-ip", "32" }, "max_connections_per_ip", "32" },
  { { "--max-connections-per-ip", "0" }, "max_connections_per_ip", "0" },
  { { "--shutdown-timeout", "0" }, "shutdown_timeout", "0" },
  { { "--workers", "2" }, "workers", "2" },
  { { "--workers", "0" }, "workers", "0" },
  { { "--access-log-buffer", "64" }, "access_log_buffer_kib", "64" },
  { { "--access-log-buffer", "0" }, "access_log_buffer_kib", "0" },
  { { "--address", "::" }, "address", "::" },
  { { "--address", "::1" }, "address", "::1" },
  { { "-a", "0.0.0.0" }, "address", "0.0.0.0" },
  { { "--address", "192.168.1.10" }, "address", "192.168.1.10" },
  { { "--index", "x.html", "--index", "y.html" }, "index_files", "x.html,y.html" },
  { { "-i", "default.htm" }, "index_files", "default.htm" },
  { { "--dotfiles", "allow" }, "dotfiles", "1" },
  { { "--dotfiles", "deny" }, "dotfiles", "0" },
  { { "--symlinks", "follow" }, "symlinks", "1" },
  { { "--symlinks", "none" }, "symlinks", "2" },
  { { "--symlinks", "inside" }, "symlinks", "0" },
  { { "--mime-types", "/tmp/x.types" }, "mime_types_file", "/tmp/x.types" },
  { { "--default-type", "text/plain" }, "default_type", "text/plain" },
  { { "--charset", "iso-8859-1" }, "charset", "iso-8859-1" },
  { { "--access-log", "none" }, "access_log", "none" },
  { { "--access-log", "/var/log/x.log" }, "access_log", "/var/log/x.log" },
  { { "--log-format", "json" }, "log_format", "2" },
  { { "--log-format", "csv" }, "log_format", "3" },
  { { "--log-format", "common" }, "log_format", "1" },
  { { "--log-format", "combined" }, "log_format", "0" },
  { { "--version" }, "show_version", "1" },
  { { "/srv/www" }, "root", "/srv/www" },
  { { "/srv/www", "--port", "1234" }, "root", "/srv/www" },
  /* Options after the directory are still options (GNU style). */
  { { "/srv/www", "--port", "1234" }, "port", "1234" },
  /* After "--" a name starting with '-' is a directory. */
  { { "--", "-dir" }, "root", "-dir" },
  { { "--", "--bogus" }, "root", "--bogus" },
  /* Last one wins for a repeated single-valued option. */
  { { "--port", "1", "--port", "2" }, "port", "2" },
  /* Unrelated options leave the other defaults alone. */
  { { "--port", "1" }, "timeout", "15" },
  { { "--port", "1" }, "root", "." },
  { { "--port", "1" }, "listing", "1" },
  { { "--port", "1" }, "max_age", "-1" },
  { { "--no-listing" }, "listing", "0" },
  { { "--no-precompressed" }, "precompressed", "0" },
  { { "--no-precompressed" }, "listing", "1" },
  { { "--port", "1" }, "search", "0" },
  { { "--port", "1" }, "search_off", "0" },
  { { "--search" }, "search", "1" },
  { { "--no-search" }, "search_off", "1" },
  { { "--no-search" }, "search", "0" },
  { { "--search-index", "/var/cache/x.sqlite" }, "search_off", "0" },
  /* Only syntax is checked here; existence is ds_conf_check's job. */
  { { "--error-pages", "/srv/errors" }, "error_pages", "/srv/errors" },
  { { "--header", "X-Frame-Options: DENY" }, "headers", "X-Frame-Options: DENY" },
  { { "--header", "X-A: 1", "--header", "X-B: 2" }, "headers", "X-A: 1|X-B: 2" },
  /* Stored as given: no space after the colon, an empty value, a tab and
   * obs-text (UTF-8 bytes) are all valid field values (RFC 9110 §5.5). */
  { { "--header", "X-A:b" }, "headers", "X-A:b" },
  { { "--header", "X-A:" }, "headers", "X-A:" },
  { { "--header", "X-A: a\tb" }, "headers", "X-A: a\tb" },
  { { "--header", "X-A: caf\xc3\xa9" }, "headers", "X-A: caf\xc3\xa9" },
  /* Names are tokens, not just letters and '-'. */
  { { "--header", "X_A.b~1: v" }, "headers", "X_A.b~1: v" },
  /* A name docserve does not send may repeat. */
  { { "--header", "Link: <a>; rel=x", "--header", "Link: <b>; rel=x" }, "headers",
    "Link: <a>; rel=x|Link: <b>; rel=x" },
  /* Vary is a list (RFC 9110 §12.5.5): a second field line combines with
   * docserve's Vary: Accept-Encoding, so it is allowed. */
  { { "--header", "Vary: Origin" }, "headers", "Vary: Origin" },
  /* Cache-Control is allowed when neither --max-age nor --no-cache sets it. */
  { { "--header", "Cache-Control: public, immutable" }, "headers",
    "Cache-Control: public, immutable" },
  { { "--max-age", "0" }, "max_age", "0" },
  { { "--max-age", "3600" }, "max_age", "3600" },
  { { "--max-age", "2147483647" }, "max_age", "2147483647" },
  { { "--max-age", "3600" }, "no_cache", "0" },
  { { "--no-cache" }, "no_cache", "1" },
  { { "--no-cache" }, "max_age", "-1" },
  { { "--port", "1" }, "watch", "0" },
  { { "--port", "1" }, "watch_max_streams", "64" },
  { { "--watch" }, "watch", "1" },
  { { "--watch-max-streams", "1" }, "watch_max_streams", "1" },
  { { "--user", "www-data" }, "user", "www-data" },
  /* Existence is checked by ds_conf_check, not while parsing. */
  { { "--user", "no-such-user-xyz" }, "user", "no-such-user-xyz" },
  { { "--user", "a", "--group", "b" }, "group", "b" },
  { { "--pid-file", "/run/docserve.pid" }, "pid_file", "/run/docserve.pid" },
  { { "--check-config" }, "check_config", "1" },
  { { "--port", "1" }, "check_config", "0" },
};

/* The value of @field as a string, for table comparison; caller frees. */
static char *
field_to_string (const DsConf *conf, const char *field)
{
  if (strcmp (field, "port") == 0)
    return g_strdup_printf ("%u", conf->port);
  if (strcmp (field, "port_given") == 0)
    return g_strdup_printf ("%d", conf->port_given ? 1 : 0);
  if (strcmp (field, "timeout") == 0)
    return g_strdup_printf ("%u", conf->timeout);
  if (strcmp (field, "keepalive_requests") == 0)
    return g_strdup_printf ("%u", conf->keepalive_requests);
  if (strcmp (field, "max_connections") == 0)
    return g_strdup_printf ("%u", conf->max_connections);
  if (strcmp (field, "max_connections_per_ip") == 0)
    return g_strdup_printf ("%u", conf->max_connections_per_ip);
  if (strcmp (field, "shutdown_timeout") == 0)
    return g_strdup_printf ("%u", conf->shutdown_timeout);
  if (strcmp (field, "workers") == 0)
    return g_strdup_printf ("%u", conf->workers);
  if (strcmp (field, "access_log_buffer_kib") == 0)
    return g_strdup_printf ("%u", conf->access_log_buffer_kib);
  if (strcmp (field, "address") == 0)
    return g_strdup (conf->address);
  if (strcmp (field, "index_files") == 0)
    return conf->index_files != NULL ? g_strjoinv (",", conf->index_files) : NULL;
  if (strcmp (field, "dotfiles") == 0)
    return g_strdup_printf ("%d", (int) conf->dotfiles);
  if (strcmp (field, "symlinks") == 0)
    return g_strdup_printf ("%d", (int) conf->symlinks);
  if (strcmp (field, "mime_types_file") == 0)
    return g_strdup (conf->mime_types_file);
  if (strcmp (field, "default_type") == 0)
    return g_strdup (conf->default_type);
  if (strcmp (field, "charset") == 0)
    return g_strdup (conf->charset);
  if (strcmp (field, "access_log") == 0)
    return g_strdup (conf->access_log);
  if (strcmp (field, "log_format") == 0)
    return g_strdup_printf ("%d", conf->log_format);
  if (strcmp (field, "show_version") == 0)
    return g_strdup_printf ("%d", conf->show_version ? 1 : 0);
  if (strcmp (field, "root") == 0)
    return g_strdup (conf->root);
  if (strcmp (field, "listing") == 0)
    return g_strdup_printf ("%d", conf->listing ? 1 : 0);
  if (strcmp (field, "precompressed") == 0)
    return g_strdup_printf ("%d", conf->precompressed ? 1 : 0);
  if (strcmp (field, "error_pages") == 0)
    return g_strdup (conf->error_pages);
  if (strcmp (field, "headers") == 0)
    return conf->headers != NULL ? g_strjoinv ("|", conf->headers) : NULL;
  if (strcmp (field, "max_age") == 0)
    return g_strdup_printf ("%d", conf->max_age);
  if (strcmp (field, "no_cache") == 0)
    return g_strdup_printf ("%d", conf->no_cache ? 1 : 0);
  if (strcmp (field, "search") == 0)
    return g_strdup_printf ("%d", conf->search ? 1 : 0);
  if (strcmp (field, "search_off") == 0)
    return g_strdup_printf ("%d", conf->search_off ? 1 : 0);
  if (strcmp (field, "watch") == 0)
    return g_strdup_printf ("%d", conf->watch ? 1 : 0);
  if (strcmp (field, "watch_max_streams") == 0)
    return g_strdup_printf ("%u", conf->watch_max_streams);
  if (strcmp (field, "user") == 0)
    return g_strdup (conf->user);
  if (strcmp (field, "group") == 0)
    return g_strdup (conf->group);
  if (strcmp (field, "pid_file") == 0)
    return g_strdup (conf->pid_file);
  if (strcmp (field, "config_file") == 0)
    return g_strdup (conf->config_file);
  if (strcmp (field, "check_config") == 0)
    return g_strdup_printf ("%d", conf->check_config ? 1 : 0);
  ck_abort_msg ("unknown field %s in the test table", field);
  return NULL;
}

START_TEST (test_parse_ok)
{
  const OkCase *c = &ok_cases[_i];
  g_autofree char *desc = args_to_string (c->args);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_args (c->args, &error);

  ck_assert_msg (conf != NULL, "%s: unexpected error: %s", desc,
                 error != NULL ? error->message : "(none set)");
  ck_assert_msg (error == NULL, "%s: error set on success", desc);
  g_autofree char *got = field_to_string (conf, c->field);
  ck_assert_msg (g_strcmp0 (got, c->expect) == 0, "%s: %s is \"%s\", expected \"%s\"", desc,
                 c->field, got != NULL ? got : "(null)", c->expect);

  /* What ds_conf_parse returned must pass ds_conf_validate on its own. */
  g_autoptr (GError) verr = NULL;
  ck_assert_msg (ds_conf_validate (conf, &verr), "%s: parsed conf fails validate: %s", desc,
                 verr != NULL ? verr->message : "?");
}
END_TEST

/* ---- options that are refused ------------------------------------------ */

typedef struct
{
  const char *args[MAX_ARGS];
  const char *contains[4]; /* substrings the message must hold */
} BadCase;

static const BadCase bad_cases[] = {
  { { "--port", "80a" }, { "--port", "\"80a\"", "not a number" } },
  { { "--port", "70000" }, { "--port", "70000", "out of range" } },
  { { "--port", "65536" }, { "--port", "65536", "out of range" } },
  /* Far beyond 2^64: must not wrap around into range. */
  { { "--port", "18446744073709559080" }, { "--port", "out of range" } },
  /* Not a number, even though its digits alone would be out of range. */
  { { "--port", "99999a" }, { "--port", "\"99999a\"", "not a number" } },
  { { "--port", "-1" }, { "--port", "\"-1\"", "not a number" } },
  { { "--port", "+80" }, { "--port", "\"+80\"", "not a number" } },
  { { "--port", " 80" }, { "--port", "not a number" } },
  { { "--port", "0x50" }, { "--port", "\"0x50\"", "not a number" } },
  { { "--port", "" }, { "--port", "empty" } },
  /* GOption's own message for a missing value. */
  { { "--port" }, { "--port" } },
  { { "--timeout", "0" }, { "--timeout", "0", "out of range" } },
  { { "--timeout", "86401" }, { "--timeout", "out of range" } },
  { { "--keepalive-requests", "0" }, { "--keepalive-requests", "out of range" } },
  { { "--max-connections", "0" }, { "--max-connections", "out of range" } },
  { { "--max-connections-per-ip", "x" }, { "--max-connections-per-ip", "\"x\"" } },
  { { "--shutdown-timeout", "3601" }, { "--shutdown-timeout", "out of range" } },
  { { "--workers", "257" }, { "--workers", "out of range" } },
  { { "--watch-max-streams", "0" }, { "--watch-max-streams", "out of range" } },
  { { "--access-log-buffer", "1025" }, { "--access-log-buffer", "out of range" } },
  { { "--access-log-buffer", "64k" }, { "--access-log-buffer", "\"64k\"" } },
  { { "--dotfiles", "maybe" }, { "--dotfiles", "\"maybe\"", "deny", "allow" } },
  /* Enum names are exact: no case folding. */
  { { "--dotfiles", "Allow" }, { "--dotfiles", "\"Allow\"" } },
  { { "--symlinks", "x" }, { "--symlinks", "\"x\"", "inside" } },
  { { "--address", "1.2.3" }, { "--address", "\"1.2.3\"", "address" } },
  { { "--address", "localhost" }, { "--address", "\"localhost\"" } },
  { { "--address", "" }, { "--address" } },
  /* A zone or a bracketed form is not what inet_pton takes. */
  { { "--address", "[::1]" }, { "--address", "\"[::1]\"" } },
  { { "--index", "a/b" }, { "--index", "\"a/b\"" } },
  { { "--index", "index.html", "--index", ".." }, { "--index", "\"..\"" } },
  { { "--index", "" }, { "--index" } },
  { { "--default-type", "nonsense" }, { "--default-type", "\"nonsense\"" } },
  { { "--default-type", "text/" }, { "--default-type", "\"text/\"" } },
  { { "--default-type", "/plain" }, { "--default-type", "\"/plain\"" } },
  /* Parameters belong to --charset. */
  { { "--default-type", "text/plain; charset=x" }, { "--default-type" } },
  { { "--charset", "a b" }, { "--charset", "\"a b\"" } },
  { { "--charset", "" }, { "--charset" } },
  /* The value is echoed in the message: a CR/LF in it must not break the
   * one-line message main() prints (STYLE.md, DESIGN.md "one clear line"). */
  { { "--charset", "utf-8\r\nX-Evil: 1" }, { "--charset" } },
  { { "--log-format", "xml" }, { "--log-format", "\"xml\"", "json" } },
  { { "--access-log", "" }, { "--access-log" } },
  { { "dir1", "dir2" }, { "\"dir1\"", "\"dir2\"" } },
  { { "" }, { "directory" } },
  /* Unknown options: GOption's message, mapped to DS_ERROR_USAGE. */
  { { "--bogus" }, { "--bogus" } },
  { { "-Z" }, { "-Z" } },
  /* There is no --listing to turn a key file's listing=false back on. */
  { { "--listing" }, { "--listing" } },
  /* Header injection: CR or LF anywhere, name or value. */
  { { "--header", "X-A: a\r\nX-B: b" }, { "--header", "line break", "\"X-A: a\\r\\nX-B: b\"" } },
  { { "--header", "X-A: a\nX-B: b" }, { "--header", "line break" } },
  { { "--header", "X-A: a\r" }, { "--header", "line break" } },
  { { "--header", "X-A\r\n: b" }, { "--header", "line break" } },
  { { "--header", "X-A b" }, { "--header", "\"X-A b\"", "Name: value" } },
  { { "--header", "X A: b" }, { "--header", "header name" } },
  /* No whitespace between name and colon (RFC 9112 §5.1). */
  { { "--header", "X-A : b" }, { "--header", "header name" } },
  { { "--header", ": b" }, { "--header", "header name" } },
  { { "--header", "X(A): b" }, { "--header", "header name" } },
  { { "--header", "" }, { "--header", "Name: value" } },
  { { "--header", "X-A: a\001b" }, { "--header", "control character" } },
  { { "--header", "X-A: a\177" }, { "--header", "control character" } },
  /* Names docserve sends itself, compared without case. */
  { { "--header", "Server: evil/1.0" }, { "--header", "Server", "sends itself" } },
  { { "--header", "content-length: 5" }, { "--header", "Content-Length", "sends itself" } },
  { { "--header", "Transfer-Encoding: chunked" }, { "Transfer-Encoding", "sends itself" } },
  { { "--header", "Connection: keep-alive" }, { "Connection", "sends itself" } },
  { { "--header", "Content-Type: text/plain" }, { "Content-Type", "sends itself" } },
  { { "--header", "Content-Range: bytes 0-1/2" }, { "Content-Range", "sends itself" } },
  { { "--header", "Content-Encoding: gzip" }, { "Content-Encoding", "sends itself" } },
  { { "--header", "DATE: x" }, { "Date", "sends itself" } },
  { { "--header", "ETag: \"x\"" }, { "ETag", "sends itself" } },
  { { "--header", "Last-Modified: x" }, { "Last-Modified", "sends itself" } },
  { { "--header", "Keep-Alive: timeout=5" }, { "Keep-Alive", "sends itself" } },
  { { "--header", "Accept-Ranges: none" }, { "Accept-Ranges", "sends itself" } },
  { { "--header", "Location: /x" }, { "Location", "sends itself" } },
  { { "--header", "X-Content-Type-Options: nosniff" }, { "X-Content-Type-Options" } },
  /* The second of two is checked as well. */
  { { "--header", "X-Ok: 1", "--header", "Date: x" }, { "--header", "\"Date: x\"" } },
  /* Cache-Control from --header and from --max-age/--no-cache would clash. */
  { { "--header", "Cache-Control: public", "--max-age", "60" },
    { "--header", "Cache-Control", "--max-age" } },
  { { "--header", "cache-control: public", "--no-cache" }, { "--header", "--no-cache" } },
  { { "--max-age", "-1" }, { "--max-age", "\"-1\"", "not a number" } },
  { { "--max-age", "2147483648" }, { "--max-age", "out of range" } },
  { { "--max-age", "1h" }, { "--max-age", "\"1h\"" } },
  { { "--max-age", "" }, { "--max-age", "empty" } },
  { { "--max-age", "60", "--no-cache" }, { "--max-age", "--no-cache", "together" } },
  { { "--no-cache", "--max-age", "0" }, { "--max-age", "--no-cache", "together" } },
  { { "--search", "--no-search" }, { "--search", "--no-search", "together" } },
  { { "--no-search", "--search-index", "/x.sqlite" },
    { "--search-index", "--no-search", "together" } },
  { { "--group", "adm" }, { "--group", "--user" } },
  { { "--user", "" }, { "--user", "empty" } },
  { { "--user", "a", "--group", "" }, { "--group", "empty" } },
  { { "--error-pages", "" }, { "--error-pages", "empty" } },
  { { "--pid-file", "" }, { "--pid-file", "empty" } },
  { { "--mime-types", "" }, { "--mime-types", "empty" } },
  { { "--config", "" }, { "--config", "empty" } },
  { { "--config" }, { "--config" } },
};

START_TEST (test_parse_bad)
{
  const BadCase *c = &bad_cases[_i];
  g_autofree char *desc = args_to_string (c->args);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_args (c->args, &error);

  ck_assert_msg (conf == NULL, "%s: accepted, expected an error", desc);
  ck_assert_msg (error != NULL, "%s: NULL returned without an error", desc);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                 "%s: error %s/%d (%s), expected DS_ERROR_USAGE", desc,
                 g_quark_to_string (error->domain), error->code, error->message);
  for (int i = 0; i < 4 && c->contains[i] != NULL; i++)
    ck_assert_msg (strstr (error->message, c->contains[i]) != NULL,
                   "%s: message \"%s\" lacks \"%s\"", desc, error->message, c->contains[i]);
  /* One clear line: main() prints it as is. */
  ck_assert_msg (strpbrk (error->message, "\r\n") == NULL,
                 "%s: message has a line break (CR or LF): \"%s\"", desc, error->message);
}
END_TEST

/* ---- ds_conf_validate directly ----------------------------------------- */

typedef struct
{
  const char *what; /* description */
  const char *address;
  const char *index; /* replaces index_files with this one name */
  const char *default_type;
  const char *charset;
  const char *access_log;
  gboolean ok;
  const char *contains;
} ValidateCase;

static const ValidateCase validate_cases[] = {
  { "defaults", NULL, NULL, NULL, NULL, NULL, TRUE, NULL },
  { "ipv6 all", "::", NULL, NULL, NULL, NULL, TRUE, NULL },
  { "v4-mapped", "::ffff:127.0.0.1", NULL, NULL, NULL, NULL, TRUE, NULL },
  { "bad address", "1.2.3", NULL, NULL, NULL, NULL, FALSE, "--address" },
  { "host name", "example.org", NULL, NULL, NULL, NULL, FALSE, "--address" },
  { "index .", NULL, ".", NULL, NULL, NULL, FALSE, "--index" },
  { "index with slash", NULL, "a/b", NULL, NULL, NULL, FALSE, "--index" },
  { "index plain", NULL, "start.html", NULL, NULL, NULL, TRUE, NULL },
  { "default-type ok", NULL, NULL, "text/plain", NULL, NULL, TRUE, NULL },
  { "default-type bad", NULL, NULL, "text", NULL, NULL, FALSE, "--default-type" },
  { "default-type space", NULL, NULL, "text/pl ain", NULL, NULL, FALSE, "--default-type" },
  { "charset bad", NULL, NULL, NULL, "a b", NULL, FALSE, "--charset" },
  { "charset ok", NULL, NULL, NULL, "ISO-8859-1", NULL, TRUE, NULL },
  { "access-log empty", NULL, NULL, NULL, NULL, "", FALSE, "--access-log" },
};

START_TEST (test_validate)
{
  const ValidateCase *c = &validate_cases[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  if (c->address != NULL)
    {
      g_free (conf->address);
      conf->address = g_strdup (c->address);
    }
  if (c->index != NULL)
    {
      const char *const v[] = { c->index, NULL };
      g_strfreev (conf->index_files);
      conf->index_files = g_strdupv ((char **) v);
    }
  if (c->default_type != NULL)
    {
      g_free (conf->default_type);
      conf->default_type = g_strdup (c->default_type);
    }
  if (c->charset != NULL)
    {
      g_free (conf->charset);
      conf->charset = g_strdup (c->charset);
    }
  if (c->access_log != NULL)
    {
      g_free (conf->access_log);
      conf->access_log = g_strdup (c->access_log);
    }

  gboolean ok = ds_conf_validate (conf, &error);
  ck_assert_msg (ok == c->ok, "%s: validate returned %d, expected %d (%s)", c->what, ok, c->ok,
                 error != NULL ? error->message : "no error");
  if (!c->ok)
    {
      ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                     "%s: wrong error domain/code", c->what);
      ck_assert_msg (strstr (error->message, c->contains) != NULL,
                     "%s: message \"%s\" lacks \"%s\"", c->what, error->message, c->contains);
    }
  else
    ck_assert_msg (error == NULL, "%s: error set on success", c->what);
}
END_TEST

/* ---- argv handling ----------------------------------------------------- */

/* ds_conf_parse removes what it consumed: with every argument an option or
 * the directory, only the program name is left. */
START_TEST (test_parse_consumes_argv)
{
  const char *const args[] = { "docserve", "--port", "1", "-t", "5", "/srv", NULL };
  g_auto (GStrv) owned = g_strdupv ((char **) args);
  int argc = (int) g_strv_length (owned);
  char **argv = g_memdup2 (owned, sizeof (char *) * ((gsize) argc + 1));
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = ds_conf_parse (&argc, &argv, &error);

  ck_assert_msg (conf != NULL, "parse failed: %s", error != NULL ? error->message : "?");
  ck_assert_msg (argc == 1, "argc after parse is %d, expected 1", argc);
  ck_assert_str_eq (argv[0], "docserve");
  ck_assert_ptr_null (argv[1]);
  ck_assert_str_eq (conf->root, "/srv");
  ck_assert_uint_eq (conf->timeout, 5);
  g_free (argv);
}
END_TEST

/* ---- ds_conf_validate: the newer fields -------------------------------- */

typedef struct
{
  const char *what;
  gint max_age;
  gboolean no_cache;
  const char *header; /* the one entry of headers, or NULL */
  const char *user;
  const char *group;
  gboolean ok;
  const char *contains;
} Validate2Case;

static const Validate2Case validate2_cases[] = {
  { "max-age", 60, FALSE, NULL, NULL, NULL, TRUE, NULL },
  { "no-cache", -1, TRUE, NULL, NULL, NULL, TRUE, NULL },
  { "max-age and no-cache", 0, TRUE, NULL, NULL, NULL, FALSE, "--no-cache" },
  { "max-age below -1", -2, FALSE, NULL, NULL, NULL, FALSE, "--max-age" },
  { "header ok", -1, FALSE, "X-A: b", NULL, NULL, TRUE, NULL },
  { "header injection", -1, FALSE, "X-A: b\r\nX-B: c", NULL, NULL, FALSE, "line break" },
  { "header owned", -1, FALSE, "Server: x", NULL, NULL, FALSE, "Server" },
  { "Cache-Control alone", -1, FALSE, "Cache-Control: no-store", NULL, NULL, TRUE, NULL },
  { "Cache-Control and max-age", 5, FALSE, "Cache-Control: no-store", NULL, NULL, FALSE,
    "Cache-Control" },
  { "Cache-Control and no-cache", -1, TRUE, "Cache-Control: no-store", NULL, NULL, FALSE,
    "Cache-Control" },
  { "user and group", -1, FALSE, NULL, "u", "g", TRUE, NULL },
  { "user alone", -1, FALSE, NULL, "u", NULL, TRUE, NULL },
  { "group alone", -1, FALSE, NULL, NULL, "g", FALSE, "--group" },
  { "empty user", -1, FALSE, NULL, "", NULL, FALSE, "--user" },
};

START_TEST (test_validate2)
{
  const Validate2Case *c = &validate2_cases[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  conf->max_age = c->max_age;
  conf->no_cache = c->no_cache;
  if (c->header != NULL)
    {
      const char *const v[] = { c->header, NULL };
      g_strfreev (conf->headers);
      conf->headers = g_strdupv ((char **) v);
    }
  conf->user = g_strdup (c->user);
  conf->group = g_strdup (c->group);

  gboolean ok = ds_conf_validate (conf, &error);
  ck_assert_msg (ok == c->ok, "%s: validate returned %d, expected %d (%s)", c->what, ok, c->ok,
                 error != NULL ? error->message : "no error");
  if (!c->ok)
    {
      ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                     "%s: wrong error domain/code", c->what);
      ck_assert_msg (strstr (error->message, c->contains) != NULL,
                     "%s: message \"%s\" lacks \"%s\"", c->what, error->message, c->contains);
    }
}
END_TEST

/* ---- ds_conf_validate: every number and choice in its option's range ---- */

typedef struct
{
  const char *field; /* a guint, gint or enum member of DsConf */
  gint64 value;
  const char *contains; /* NULL: passes */
} RangeCase;

static const RangeCase range_cases[] = {
  { "port", 65535, NULL },
  { "port", 65536, "--port: out of range" },
  { "timeout", 1, NULL },
  { "timeout", 0, "--timeout: out of range" },
  { "timeout", 86401, "--timeout: out of range" },
  { "keepalive_requests", 0, "--keepalive-requests: out of range" },
  { "max_connections", 1000000, NULL },
  { "max_connections", 1000001, "--max-connections: out of range" },
  { "max_connections_per_ip", 1000001, "--max-connections-per-ip: out of range" },
  { "shutdown_timeout", 3601, "--shutdown-timeout: out of range" },
  { "workers", 256, NULL },
  { "workers", 257, "--workers: out of range" },
  { "access_log_buffer_kib", 1025, "--access-log-buffer: out of range" },
  /* -1 is "not set"; any other negative is out of range. */
  { "max_age", G_MAXINT, NULL },
  { "max_age", -1, NULL },
  { "max_age", -2, "--max-age: out of range" },
  { "dotfiles", DS_DOTFILES_ALLOW, NULL },
  { "dotfiles", DS_DOTFILES_ALLOW + 1, "--dotfiles: out of range" },
  { "symlinks", DS_SYMLINKS_NONE, NULL },
  { "symlinks", DS_SYMLINKS_NONE + 1, "--symlinks: out of range" },
  { "log_format", DS_LOG_CSV, NULL },
  { "log_format", DS_LOG_CSV + 1, "--log-format: out of range" },
  { "log_format", -1, "--log-format: out of range" },
};

static void
set_number (DsConf *conf, const char *field, gint64 value)
{
  if (strcmp (field, "port") == 0)
    conf->port = (guint) value;
  else if (strcmp (field, "timeout") == 0)
    conf->timeout = (guint) value;
  else if (strcmp (field, "keepalive_requests") == 0)
    conf->keepalive_requests = (guint) value;
  else if (strcmp (field, "max_connections") == 0)
    conf->max_connections = (guint) value;
  else if (strcmp (field, "max_connections_per_ip") == 0)
    conf->max_connections_per_ip = (guint) value;
  else if (strcmp (field, "shutdown_timeout") == 0)
    conf->shutdown_timeout = (guint) value;
  else if (strcmp (field, "workers") == 0)
    conf->workers = (guint) value;
  else if (strcmp (field, "access_log_buffer_kib") == 0)
    conf->access_log_buffer_kib = (guint) value;
  else if (strcmp (field, "max_age") == 0)
    conf->max_age = (gint) value;
  else if (strcmp (field, "dotfiles") == 0)
    conf->dotfiles = (DsDotfiles) value;
  else if (strcmp (field, "symlinks") == 0)
    conf->symlinks = (DsSymlinks) value;
  else if (strcmp (field, "log_format") == 0)
    conf->log_format = (int) value;
  else
    ck_abort_msg ("unknown field %s in the test table", field);
}

START_TEST (test_validate_range)
{
  const RangeCase *c = &range_cases[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  set_number (conf, c->field, c->value);
  gboolean ok = ds_conf_validate (conf, &error);
  ck_assert_msg (ok == (c->contains == NULL),
                 "%s = %" G_GINT64_FORMAT ": validate returned %d (%s)", c->field, c->value, ok,
                 error != NULL ? error->message : "no error");
  if (c->contains != NULL)
    {
      ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                     "%s: wrong error domain/code", c->field);
      ck_assert_msg (strstr (error->message, c->contains) != NULL,
                     "%s = %" G_GINT64_FORMAT ": message \"%s\" lacks \"%s\"", c->field,
                     c->value, error->message, c->contains);
    }
}
END_TEST

/* The root is checked like the other names: never empty. */
START_TEST (test_validate_empty_root)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  g_free (conf->root);
  conf->root = g_strdup ("");
  ck_assert_msg (!ds_conf_validate (conf, &error), "an empty root passes validate");
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE)
                     && strstr (error->message, "empty directory name") != NULL,
                 "empty root: \"%s\"", error->message);
}
END_TEST

/* ---- files: a scratch directory per test ------------------------------- */

/* Holds "file" (a regular file), "sub/" (a directory) and whatever a test
 * writes. */
static char *scratch;

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }
  ck_assert_msg (g_remove (path) == 0, "cannot remove %s: %s", path, g_strerror (errno));
}

static void
write_file (const char *path, const char *contents)
{
  g_autoptr (GError) error = NULL;
  ck_assert_msg (g_file_set_contents (path, contents, -1, &error), "cannot write %s: %s", path,
                 error != NULL ? error->message : "?");
}

static void
scratch_setup (void)
{
  g_autoptr (GError) error = NULL;
  scratch = g_dir_make_tmp ("check_conf-XXXXXX", &error);
  ck_assert_msg (scratch != NULL, "g_dir_make_tmp: %s", error != NULL ? error->message : "?");
  g_autofree char *file = g_build_filename (scratch, "file", NULL);
  g_autofree char *sub = g_build_filename (scratch, "sub", NULL);
  write_file (file, "x\n");
  ck_assert_msg (g_mkdir (sub, 0755) == 0, "mkdir %s: %s", sub, g_strerror (errno));
}

static void
scratch_teardown (void)
{
  remove_tree (scratch);
  g_clear_pointer (&scratch, g_free);
}

/* @s with "@DIR@" replaced by the scratch directory and "@FILE@" by @file;
 * caller frees. */
static char *
expand (const char *s, const char *file)
{
  GString *out = g_string_new (s);
  g_string_replace (out, "@DIR@", scratch, 0);
  g_string_replace (out, "@FILE@", file != NULL ? file : "", 0);
  return g_string_free (out, FALSE);
}

#define CONF_NAME "docserve.conf"

/* Writes @contents (unless NULL) to scratch/CONF_NAME, then parses
 * "--config FILE" + @args (each expanded). */
static DsConf *
parse_with_file (const char *contents, const char *const *args, GError **error)
{
  g_autofree char *file = g_build_filename (scratch, CONF_NAME, NULL);
  const char *all[MAX_ARGS] = { "--config", file };
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);

  if (contents != NULL)
    write_file (file, contents);
  for (int i = 0; i < MAX_ARGS - 2 && args[i] != NULL; i++)
    {
      char *a = expand (args[i], file);
      g_ptr_array_add (keep, a);
      all[i + 2] = a;
    }
  return parse_args (all, error);
}

/* ---- key files that parse ---------------------------------------------- */

typedef struct
{
  const char *contents; /* NULL: no file is written */
  const char *args[MAX_ARGS - 2]; /* after "--config FILE" */
  const char *field;
  const char *expect; /* "@DIR@" = the scratch directory, "@FILE@" the key file */
} FileOkCase;

static const FileOkCase file_ok_cases[] = {
  { "[docserve]\nport=8081\n", { NULL }, "port", "8081" },
  { "[docserve]\nport=8081\n", { NULL }, "port_given", "1" },
  { "[docserve]\nport=8081\n", { NULL }, "config_file", "@FILE@" },
  /* Precedence: defaults < file < command line. */
  { "[docserve]\nport=8081\n", { "--port", "9000" }, "port", "9000" },
  { "[docserve]\nport=8081\n", { "--timeout", "5" }, "port", "8081" },
  { "[docserve]\nport=8081\n", { "--timeout", "5" }, "timeout", "5" },
  { "[docserve]\nport=8081\n", { NULL }, "timeout", "15" },
  /* Comments, blank lines, blanks around '=' and after "]", CRLF. */
  { "# docserve\n\n  [docserve]  \n  # port\n  port = 8082\n", { NULL }, "port", "8082" },
  { "[docserve]\r\nport=8083\r\n", { NULL }, "port", "8083" },
  /* An empty file or an empty group changes nothing. */
  { "", { NULL }, "port_given", "0" },
  { "[docserve]\n", { NULL }, "root", "." },
  /* Lists: ';'-separated, trailing ';' allowed; a command-line list replaces
   * the file's list instead of adding to it. */
  { "[docserve]\nindex=index.html;home.html\n", { NULL }, "index_files", "index.html,home.html" },
  { "[docserve]\nindex=a.html;\n", { NULL }, "index_files", "a.html" },
  { "[docserve]\nindex=a.html;b.html\n", { "--index", "c.html" }, "index_files", "c.html" },
  /* An empty list means no index files at all. */
  { "[docserve]\nindex=\n", { NULL }, "index_files", "" },
  { "[docserve]\nheader=X-A: 1;X-B: 2\n", { NULL }, "headers", "X-A: 1|X-B: 2" },
  /* "\;" is a ';' inside one header value. */
  { "[docserve]\nheader=Content-Security-Policy: default-src 'self'\\; img-src *\n", { NULL },
    "headers", "Content-Security-Policy: default-src 'self'; img-src *" },
  { "[docserve]\nheader=X-A: 1\n", { "--header", "X-B: 2" }, "headers", "X-B: 2" },
  /* Booleans: "no-X" flags are the key "X"; no-cache is itself. */
  { "[docserve]\nlisting=false\n", { NULL }, "listing", "0" },
  { "[docserve]\nwatch=true\nwatch-max-streams=8\n", { NULL }, "watch", "1" },
  { "[docserve]\nwatch=true\nwatch-max-streams=8\n", { NULL }, "watch_max_streams", "8" },
  { "[docserve]\nlisting=true\n", { NULL }, "listing", "1" },
  { "[docserve]\nlisting=0\n", { NULL }, "listing", "0" },
  { "[docserve]\nlisting=true\n", { "--no-listing" }, "listing", "0" },
  { "[docserve]\nprecompressed=false\n", { NULL }, "precompressed", "0" },
  { "[docserve]\nno-cache=true\n", { NULL }, "no_cache", "1" },
  { "[docserve]\nmax-age=3600\n", { NULL }, "max_age", "3600" },
  /* no-cache=false does not clash with max-age. */
  { "[docserve]\nmax-age=60\nno-cache=false\n", { NULL }, "max_age", "60" },
  /* Across sources the command line's choice replaces the file's. */
  { "[docserve]\nno-cache=true\n", { "--max-age", "60" }, "max_age", "60" },
  { "[docserve]\nno-cache=true\n", { "--max-age", "60" }, "no_cache", "0" },
  { "[docserve]\nmax-age=60\n", { "--no-cache" }, "no_cache", "1" },
  { "[docserve]\nmax-age=60\n", { "--no-cache" }, "max_age", "-1" },
  /* One key for --search and --no-search: false is off in both modes. */
  { "[docserve]\nsearch=false\n", { NULL }, "search_off", "1" },
  { "[docserve]\nsearch=true\n", { NULL }, "search", "1" },
  { "[docserve]\nsearch=true\n", { NULL }, "search_off", "0" },
  { "[docserve]\nsearch=false\n", { "--search" }, "search_off", "0" },
  { "[docserve]\nsearch=true\n", { "--no-search" }, "search", "0" },
  { "[docserve]\nsearch=false\nsearch-index=i.sqlite\n", { NULL }, "search_off", "0" },
  /* Relative paths are relative to the key file's directory. */
  { "[docserve]\nroot=site\n", { NULL }, "root", "@DIR@/site" },
  { "[docserve]\nroot=.\n", { NULL }, "root", "@DIR@/." },
  { "[docserve]\nroot=/srv/www\n", { NULL }, "root", "/srv/www" },
  { "[docserve]\nroot=site\n", { "/srv/cli" }, "root", "/srv/cli" },
  /* ... but not on the command line. */
  { "[docserve]\nroot=site\n", { "cli" }, "root", "cli" },
  { "[docserve]\nerror-pages=errors\n", { NULL }, "error_pages", "@DIR@/errors" },
  { "[docserve]\nmime-types=my.types\n", { NULL }, "mime_types_file", "@DIR@/my.types" },
  { "[docserve]\naccess-log=log/access.log\n", { NULL }, "access_log", "@DIR@/log/access.log" },
  { "[docserve]\naccess-log=-\n", { NULL }, "access_log", "-" },
  { "[docserve]\naccess-log=none\n", { NULL }, "access_log", "none" },
  { "[docserve]\npid-file=/run/docserve.pid\n", { NULL }, "pid_file", "/run/docserve.pid" },
  { "[docserve]\npid-file=run/d.pid\n", { NULL }, "pid_file", "@DIR@/run/d.pid" },
  { "[docserve]\nuser=www-data\ngroup=www-data\n", { NULL }, "group", "www-data" },
  /* The group in the file, the user on the command line. */
  { "[docserve]\ngroup=adm\n", { "--user", "www-data" }, "group", "adm" },
  { "[docserve]\naddress=::\n", { NULL }, "address", "::" },
  { "[docserve]\ndotfiles=allow\nsymlinks=none\n", { NULL }, "symlinks", "2" },
  { "[docserve]\nlog-format=json\n", { NULL }, "log_format", "2" },
  { "[docserve]\naccess-log-buffer=32\n", { NULL }, "access_log_buffer_kib", "32" },
  { "[docserve]\ncharset=iso-8859-1\ndefault-type=text/plain\n", { NULL }, "default_type",
    "text/plain" },
  { "[docserve]\ntimeout=30\nkeepalive-requests=5\nmax-connections=7\n"
    "max-connections-per-ip=3\nshutdown-timeout=1\n",
    { NULL }, "max_connections_per_ip", "3" },
  /* --version ignores everything else, a missing key file included. */
  { NULL, { "--version" }, "show_version", "1" },
  { "[docserve]\nport=8081\n", { "--check-config" }, "check_config", "1" },
};

START_TEST (test_file_ok)
{
  const FileOkCase *c = &file_ok_cases[_i];
  g_autofree char *file = g_build_filename (scratch, CONF_NAME, NULL);
  g_autofree char *desc = g_strdup_printf ("key file \"%s\" + %s", c->contents,
                                           c->args[0] != NULL ? c->args[0] : "nothing");
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_with_file (c->contents, c->args, &error);

  ck_assert_msg (conf != NULL, "%s: unexpected error: %s", desc,
                 error != NULL ? error->message : "(none set)");
  g_autofree char *got = field_to_string (conf, c->field);
  g_autofree char *expect = expand (c->expect, file);
  ck_assert_msg (g_strcmp0 (got, expect) == 0, "%s: %s is \"%s\", expected \"%s\"", desc,
                 c->field, got != NULL ? got : "(null)", expect);
}
END_TEST

/* ---- key files that are refused ---------------------------------------- */

typedef struct
{
  const char *contents;
  const char *args[MAX_ARGS - 2];
  const char *contains[4]; /* expanded like FileOkCase.expect */
} FileBadCase;

static const FileBadCase file_bad_cases[] = {
  /* Bad values: FILE:LINE: KEY: "VALUE" PROBLEM. */
  { "[docserve]\nport=80a\n", { NULL }, { "@FILE@:2: port: \"80a\" is not a number" } },
  { "# a\n\n[docserve]\ntimeout=0\n", { NULL }, { "@FILE@:4: timeout: \"0\"", "out of range" } },
  /* GKeyFile keeps blanks after a value: the quotes show them. */
  { "[docserve]\nport = 80 \n", { NULL }, { "@FILE@:2: port: \"80 \" is not a number" } },
  { "[docserve]\nport=\n", { NULL }, { "@FILE@:2: port: empty value" } },
  { "[docserve]\nroot=\n", { NULL }, { "@FILE@:2: root: empty" } },
  { "[docserve]\naddress=localhost\n", { NULL }, { "@FILE@:2: address: \"localhost\"" } },
  { "[docserve]\ndotfiles=maybe\n", { NULL }, { "@FILE@:2: dotfiles: \"maybe\"" } },
  { "[docserve]\nindex=a.html;a/b\n", { NULL }, { "@FILE@:2: index: \"a/b\"" } },
  { "[docserve]\nlisting=yes\n", { NULL }, { "@FILE@:2: listing: \"yes\" is not true or false" } },
  /* Case matters, as in GKeyFile. */
  { "[docserve]\nprecompressed=False\n", { NULL }, { "@FILE@:2: precompressed: \"False\"" } },
  { "[docserve]\nmax-age=-5\n", { NULL }, { "@FILE@:2: max-age: \"-5\"" } },
  { "[docserve]\nmax-age=60\nno-cache=true\n", { NULL }, { "@FILE@:3: ", "max-age", "no-cache" } },
  { "[docserve]\nno-cache=true\n\nmax-age=60\n", { NULL },
    { "@FILE@:4: ", "max-age", "no-cache" } },
  /* Escapes in the file cannot smuggle a line break into a header. */
  { "[docserve]\nheader=X-A: a\\r\\nX-B: b\n", { NULL }, { "@FILE@:2: header: ", "line break" } },
  { "[docserve]\nheader=X-A: 1;Server: x\n", { NULL },
    { "@FILE@:2: header: \"Server: x\"", "sends itself" } },
  { "[docserve]\nuser=\n", { NULL }, { "@FILE@:2: user: empty" } },
  /* Not UTF-8: GKeyFile's message, with the line. */
  { "[docserve]\ncharset=\xff\n", { NULL }, { "@FILE@:2: charset: " } },
  /* Found by tests/fuzz/fuzz_conf: a raw CR inside a value that is not
   * UTF-8 reached the message through GKeyFile's text unescaped; the
   * message must stay one line (no CR either: a terminal would go back to
   * the start of the line and overwrite the file name). */
  { "[docserve]\ncharset=a\rb\xff\n", { NULL }, { "@FILE@:2: charset: " } },
  /* Found by fuzz_conf: the same through GKeyFile's own parse error (a
   * last line without '\n' keeps its CR there). */
  { "[docserve]\r", { NULL }, { "@FILE@: " } },
  /* Found by fuzz_conf: GLib 2.74's g_key_file_get_string() returns the
   * value *and* sets an error for an invalid escape; the value must be
   * refused, not used as "a\o" or "8081". */
  { "[docserve]\nroot = a\\o\n", { NULL }, { "@FILE@:2: root: " } },
  { "[docserve]\nport = 8081\\\n", { NULL }, { "@FILE@:2: port: " } },
  /* Two bad escapes in one value: GLib sets its GError twice and warns
   * "GError set over the top of a previous GError" (fatal under
   * G_DEBUG=fatal-warnings), before docserve sees the error. */
  { "[docserve]\nroot = a\\o = a\\\n", { NULL }, { "@FILE@:2: root: " } },
  /* Unknown keys and groups, with the line. */
  { "[docserve]\n# c\n\nbogus=1\n", { NULL }, { "@FILE@:4: unknown key \"bogus\"" } },
  { "[docserve]\nPort=1\n", { NULL }, { "@FILE@:2: unknown key \"Port\"" } },
  { "[docserve]\nno-listing=true\n", { NULL },
    { "@FILE@:2: unknown key \"no-listing\"", "the key is \"listing\"" } },
  /* Only the options that configure the server are keys. */
  { "[docserve]\nversion=true\n", { NULL }, { "@FILE@:2: unknown key \"version\"" } },
  { "[docserve]\nconfig=/etc/x.conf\n", { NULL }, { "@FILE@:2: unknown key \"config\"" } },
  { "[docserve]\ncheck-config=true\n", { NULL }, { "@FILE@:2: unknown key \"check-config\"" } },
  /* A localised key is not a setting (GKeyFile would hide it from get_keys). */
  { "[docserve]\nport[de]=1\n", { NULL }, { "@FILE@:2: unknown key \"port[de]\"" } },
  { "[other]\nport=1\n", { NULL }, { "@FILE@:1: unknown group [other]" } },
  { "[docserve]\nport=1\n\n[Docserve]\n", { NULL }, { "@FILE@:4: unknown group [Docserve]" } },
  { "port=1\n", { NULL }, { "@FILE@:1: ", "before the [docserve] line" } },
  /* A repeated key is refused, so the line named is the one in effect. */
  { "[docserve]\nport=1\nport=2\n", { NULL }, { "@FILE@:3: port: set again", "line 2" } },
  { "[docserve]\nport=1\n[docserve]\nport=2\n", { NULL }, { "@FILE@:4: port: set again" } },
  { "[docserve]\njust words\n", { NULL }, { "@FILE@:2: expected" } },
  { "[docserve]\n=1\n", { NULL }, { "@FILE@:2: expected" } },
  { "[docserve\nport=1\n", { NULL }, { "@FILE@:1: malformed group line" } },
  { "[docserve] x\n", { NULL }, { "@FILE@:1: malformed group line" } },
  /* The command line is still checked, and named as such. */
  { "[docserve]\nport=1\n", { "--port", "x" }, { "--port: \"x\"" } },
  /* Checks across fields run on the merged result. */
  { "[docserve]\ngroup=adm\n", { NULL }, { "--group", "--user" } },
  { "[docserve]\nheader=Cache-Control: public\n", { "--max-age", "5" },
    { "--header", "Cache-Control" } },
  /* Key files that cannot be read: "FILE: reason". */
  { NULL, { NULL }, { "@FILE@: No such file or directory" } },
  { NULL, { "--config", "@DIR@/sub" }, { "@DIR@/sub: Is a directory" } },
  { NULL, { "--config", "@DIR@/sub/missing.conf" }, { "@DIR@/sub/missing.conf: No such file" } },
};

START_TEST (test_file_bad)
{
  const FileBadCase *c = &file_bad_cases[_i];
  g_autofree char *file = g_build_filename (scratch, CONF_NAME, NULL);
  g_autofree char *desc = g_strdup_printf ("key file \"%s\" + %s", c->contents,
                                           c->args[0] != NULL ? c->args[0] : "nothing");
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_with_file (c->contents, c->args, &error);

  ck_assert_msg (conf == NULL, "%s: accepted, expected an error", desc);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                 "%s: error %s/%d (%s), expected DS_ERROR_USAGE", desc,
                 error != NULL ? g_quark_to_string (error->domain) : "none",
                 error != NULL ? error->code : -1, error != NULL ? error->message : "");
  for (int i = 0; i < 4 && c->contains[i] != NULL; i++)
    {
      g_autofree char *want = expand (c->contains[i], file);
      ck_assert_msg (strstr (error->message, want) != NULL, "%s: message \"%s\" lacks \"%s\"",
                     desc, error->message, want);
    }
  ck_assert_msg (strpbrk (error->message, "\r\n") == NULL,
                 "%s: message has a line break (CR or LF): \"%s\"", desc, error->message);
}
END_TEST

/* ---- ds_conf_check ----------------------------------------------------- */

typedef struct
{
  const char *what;
  const char *root; /* all paths expanded; NULL = leave the default */
  const char *error_pages;
  const char *mime_types;
  const char *access_log;
  const char *pid_file;
  const char *user;
  const char *group;
  int code; /* -1: passes */
  const char *contains[2];
} CheckCase;

static const CheckCase check_cases[] = {
  { "plain root", "@DIR@", NULL, NULL, NULL, NULL, NULL, NULL, -1, { NULL } },
  { "root missing", "@DIR@/missing", NULL, NULL, NULL, NULL, NULL, NULL, DS_ERROR_RUNTIME,
    { "@DIR@/missing: No such file or directory" } },
  { "root is a file", "@DIR@/file", NULL, NULL, NULL, NULL, NULL, NULL, DS_ERROR_RUNTIME,
    { "@DIR@/file: Not a directory" } },
  { "root under a file", "@DIR@/file/x", NULL, NULL, NULL, NULL, NULL, NULL, DS_ERROR_RUNTIME,
    { "@DIR@/file/x: Not a directory" } },
  { "error pages", "@DIR@", "@DIR@/sub", NULL, NULL, NULL, NULL, NULL, -1, { NULL } },
  { "error pages missing", "@DIR@", "@DIR@/missing", NULL, NULL, NULL, NULL, NULL,
    DS_ERROR_RUNTIME, { "--error-pages: @DIR@/missing: No such file" } },
  { "error pages not a dir", "@DIR@", "@DIR@/file", NULL, NULL, NULL, NULL, NULL,
    DS_ERROR_RUNTIME, { "--error-pages: @DIR@/file: Not a directory" } },
  { "mime types", "@DIR@", NULL, "@DIR@/file", NULL, NULL, NULL, NULL, -1, { NULL } },
  { "mime types missing", "@DIR@", NULL, "@DIR@/missing", NULL, NULL, NULL, NULL,
    DS_ERROR_RUNTIME, { "--mime-types: @DIR@/missing: No such file" } },
  { "mime types a dir", "@DIR@", NULL, "@DIR@/sub", NULL, NULL, NULL, NULL, DS_ERROR_RUNTIME,
    { "--mime-types: @DIR@/sub: Is a directory" } },
  /* The log file itself need not exist yet, its directory must. */
  { "new access log", "@DIR@", NULL, NULL, "@DIR@/sub/new.log", NULL, NULL, NULL, -1, { NULL } },
  { "access log to stdout", "@DIR@", NULL, NULL, "-", NULL, NULL, NULL, -1, { NULL } },
  { "no access log", "@DIR@", NULL, NULL, "none", NULL, NULL, NULL, -1, { NULL } },
  { "access log dir missing", "@DIR@", NULL, NULL, "@DIR@/nodir/a.log", NULL, NULL, NULL,
    DS_ERROR_RUNTIME, { "--access-log: @DIR@/nodir: No such file" } },
  { "access log dir a file", "@DIR@", NULL, NULL, "@DIR@/file/a.log", NULL, NULL, NULL,
    DS_ERROR_RUNTIME, { "--access-log: @DIR@/file: Not a directory" } },
  { "pid file", "@DIR@", NULL, NULL, NULL, "@DIR@/sub/d.pid", NULL, NULL, -1, { NULL } },
  { "pid file dir missing", "@DIR@", NULL, NULL, NULL, "@DIR@/nodir/d.pid", NULL, NULL,
    DS_ERROR_RUNTIME, { "--pid-file: @DIR@/nodir: No such file" } },
  /* root exists on every system with a user database. */
  { "user root", "@DIR@", NULL, NULL, NULL, NULL, "root", NULL, -1, { NULL } },
  { "user and group root", "@DIR@", NULL, NULL, NULL, NULL, "root", "root", -1, { NULL } },
  { "unknown user", "@DIR@", NULL, NULL, NULL, NULL, "no-such-user-xyz", NULL, DS_ERROR_USAGE,
    { "--user: \"no-such-user-xyz\"", "not a user" } },
  { "unknown group", "@DIR@", NULL, NULL, NULL, NULL, "root", "no-such-group-xyz",
    DS_ERROR_USAGE, { "--group: \"no-such-group-xyz\"", "not a group" } },
  { "group without user", "@DIR@", NULL, NULL, NULL, NULL, NULL, "root", DS_ERROR_USAGE,
    { "--group", "--user" } },
  /* ds_conf_validate runs first: a bad value before any missing file. */
  { "validate first", "@DIR@/missing", NULL, NULL, "", NULL, NULL, NULL, DS_ERROR_USAGE,
    { "--access-log" } },
};

static void
set_expanded (char **field, const char *value)
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = expand (value, NULL);
}

START_TEST (test_check)
{
  const CheckCase *c = &check_cases[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (GError) error = NULL;

  set_expanded (&conf->root, c->root);
  set_expanded (&conf->error_pages, c->error_pages);
  set_expanded (&conf->mime_types_file, c->mime_types);
  set_expanded (&conf->access_log, c->access_log);
  set_expanded (&conf->pid_file, c->pid_file);
  set_expanded (&conf->user, c->user);
  set_expanded (&conf->group, c->group);

  gboolean ok = ds_conf_check (conf, &error);
  ck_assert_msg (ok == (c->code < 0), "%s: ds_conf_check returned %d (%s)", c->what, ok,
                 error != NULL ? error->message : "no error");
  if (c->code < 0)
    {
      ck_assert_msg (error == NULL, "%s: error set on success", c->what);
      return;
    }
  ck_assert_msg (g_error_matches (error, DS_ERROR, c->code), "%s: error %s/%d (%s), expected %d",
                 c->what, g_quark_to_string (error->domain), error->code, error->message,
                 c->code);
  for (int i = 0; i < 2 && c->contains[i] != NULL; i++)
    {
      g_autofree char *want = expand (c->contains[i], NULL);
      ck_assert_msg (strstr (error->message, want) != NULL, "%s: message \"%s\" lacks \"%s\"",
                     c->what, error->message, want);
    }
  ck_assert_msg (strchr (error->message, '\n') == NULL, "%s: message has a newline: \"%s\"",
                 c->what, error->message);
}
END_TEST

/* What ds_conf_parse accepts from a key file also passes ds_conf_check
 * once the files it names exist. */
START_TEST (test_file_then_check)
{
  const char *contents = "[docserve]\nroot=sub\nerror-pages=sub\nmime-types=file\n"
                         "access-log=sub/access.log\npid-file=sub/d.pid\n";
  const char *const args[] = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (DsConf) conf = parse_with_file (contents, args, &error);

  ck_assert_msg (conf != NULL, "parse: %s", error != NULL ? error->message : "?");
  ck_assert_msg (ds_conf_check (conf, &error), "check of \"%s\": %s", contents,
                 error != NULL ? error->message : "?");
}
END_TEST

/* ---- ds_conf_lookup_user ------------------------------------------------ */

/* root is uid 0 with group root (gid 0) on every system with a user database. */
START_TEST (test_lookup_root)
{
  const char *const groups[] = { NULL, "root" };
  uid_t uid = 1;
  gid_t gid = 1;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    {
      ck_assert_msg (ds_conf_lookup_user ("root", groups[i], &uid, &gid, &error),
                     "root/%s: %s", groups[i] != NULL ? groups[i] : "(none)",
                     error != NULL ? error->message : "?");
      ck_assert_msg (uid == 0 && gid == 0, "root/%s: uid %u gid %u",
                     groups[i] != NULL ? groups[i] : "(none)", (unsigned) uid, (unsigned) gid);
    }
}
END_TEST

/* The user running the tests, by name: its own uid and primary gid. */
START_TEST (test_lookup_self)
{
  struct passwd *pw = getpwuid (getuid ());
  uid_t uid;
  gid_t gid;
  g_autoptr (GError) error = NULL;

  ck_assert_msg (pw != NULL, "getpwuid (%u): %s", (unsigned) getuid (), g_strerror (errno));
  g_autofree char *name = g_strdup (pw->pw_name);
  uid_t want_uid = pw->pw_uid;
  gid_t want_gid = pw->pw_gid;
  ck_assert_msg (ds_conf_lookup_user (name, NULL, &uid, &gid, &error), "%s: %s", name,
                 error != NULL ? error->message : "?");
  ck_assert_msg (uid == want_uid && gid == want_gid, "%s: uid %u gid %u, expected %u %u", name,
                 (unsigned) uid, (unsigned) gid, (unsigned) want_uid, (unsigned) want_gid);
}
END_TEST

typedef struct
{
  const char *user;
  const char *group;
  const char *contains[2];
} LookupBadCase;

static const LookupBadCase lookup_bad_cases[] = {
  { "no-such-user-xyz", NULL, { "--user: \"no-such-user-xyz\"", "is not a user on this system" } },
  /* The user is looked up first. */
  { "no-such-user-xyz", "root", { "--user: \"no-such-user-xyz\"", "not a user" } },
  { "root", "no-such-group-xyz", { "--group: \"no-such-group-xyz\"", "is not a group on" } },
  /* The name is escaped: the message stays one line. */
  { "a\nb", NULL, { "--user: \"a\\nb\"", "not a user" } },
};

START_TEST (test_lookup_bad)
{
  const LookupBadCase *c = &lookup_bad_cases[_i];
  uid_t uid = 7;
  gid_t gid = 7;
  g_autoptr (GError) error = NULL;

  ck_assert_msg (!ds_conf_lookup_user (c->user, c->group, &uid, &gid, &error),
                 "%s/%s: found", c->user, c->group);
  ck_assert_msg (uid == 7 && gid == 7, "%s/%s: outputs written on failure", c->user, c->group);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE), "%s/%s: %s/%d (%s)", c->user,
                 c->group, error != NULL ? g_quark_to_string (error->domain) : "none",
                 error != NULL ? error->code : -1, error != NULL ? error->message : "");
  for (int i = 0; i < 2 && c->contains[i] != NULL; i++)
    ck_assert_msg (strstr (error->message, c->contains[i]) != NULL,
                   "%s/%s: message \"%s\" lacks \"%s\"", c->user, c->group, error->message,
                   c->contains[i]);
}
END_TEST

/* ---- ds_conf_header_split ---------------------------------------------- */

typedef struct
{
  const char *header;
  const char *name;
  const char *value;
} SplitCase;

static const SplitCase split_cases[] = {
  { "X-A: b", "X-A", "b" },
  { "X-A:b", "X-A", "b" },
  /* Optional whitespace around the value goes (RFC 9110 §5.5), inside stays. */
  { "X-A: \t b  c \t ", "X-A", "b  c" },
  { "X-A:", "X-A", "" },
  { "X-A:   ", "X-A", "" },
  /* The first colon splits. */
  { "X-A: b: c", "X-A", "b: c" },
  { "Link: <https://x/a>; rel=preload", "Link", "<https://x/a>; rel=preload" },
};

START_TEST (test_header_split)
{
  const SplitCase *c = &split_cases[_i];
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  ds_conf_header_split (c->header, &name, &value);
  ck_assert_msg (g_strcmp0 (name, c->name) == 0 && g_strcmp0 (value, c->value) == 0,
                 "\"%s\": split into \"%s\" and \"%s\", expected \"%s\" and \"%s\"", c->header,
                 name, value, c->name, c->value);
}
END_TEST

static Suite *
conf_suite (void)
{
  Suite *s = suite_create ("conf");

  TCase *tc = tcase_create ("defaults");
  tcase_add_test (tc, test_new_default);
  tcase_add_test (tc, test_parse_no_args);
  suite_add_tcase (s, tc);

  tc = tcase_create ("parse");
  tcase_add_loop_test (tc, test_parse_ok, 0, G_N_ELEMENTS (ok_cases));
  tcase_add_loop_test (tc, test_parse_bad, 0, G_N_ELEMENTS (bad_cases));
  tcase_add_test (tc, test_parse_consumes_argv);
  suite_add_tcase (s, tc);

  tc = tcase_create ("validate");
  tcase_add_loop_test (tc, test_validate, 0, G_N_ELEMENTS (validate_cases));
  tcase_add_loop_test (tc, test_validate2, 0, G_N_ELEMENTS (validate2_cases));
  tcase_add_loop_test (tc, test_validate_range, 0, G_N_ELEMENTS (range_cases));
  tcase_add_test (tc, test_validate_empty_root);
  tcase_add_loop_test (tc, test_header_split, 0, G_N_ELEMENTS (split_cases));
  suite_add_tcase (s, tc);

  tc = tcase_create ("files");
  tcase_add_checked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_loop_test (tc, test_file_ok, 0, G_N_ELEMENTS (file_ok_cases));
  tcase_add_loop_test (tc, test_file_bad, 0, G_N_ELEMENTS (file_bad_cases));
  tcase_add_loop_test (tc, test_check, 0, G_N_ELEMENTS (check_cases));
  tcase_add_test (tc, test_file_then_check);
  suite_add_tcase (s, tc);

  tc = tcase_create ("lookup");
  tcase_add_test (tc, test_lookup_root);
  tcase_add_test (tc, test_lookup_self);
  tcase_add_loop_test (tc, test_lookup_bad, 0, G_N_ELEMENTS (lookup_bad_cases));
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (conf_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
