/* check_conf.c: unit tests for conf.c (ds_conf_parse, ds_conf_validate,
 * ds_conf_new_default). */
#include "config.h"

#include "docserve/conf.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
  ck_assert_msg (strchr (error->message, '\n') == NULL, "%s: message has a newline: \"%s\"",
                 desc, error->message);
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
