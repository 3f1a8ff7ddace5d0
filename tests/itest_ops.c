/* itest_ops.c: what a sysadmin relies on, against the real daemon: access
 * log formats parsed back field by field, SIGHUP log rotation under
 * concurrent load with every request accounted for once, the config file,
 * --check-config, --header and Cache-Control, the pid file, dropping to
 * another user, and systemd socket activation. */
#include "config.h"

#include "itest.h"

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
make_docroot (void)
{
  /* Readable by the unprivileged user of the --user test. */
  chmod (itest_docroot, 0755);
  itest_put_file ("index.html", "<!DOCTYPE html><title>ops</title>\n", -1);
  itest_put_file ("page.txt", "page\n", -1);
}

/* ---- access log formats -------------------------------------------------- */

START_TEST (test_log_json)
{
  ItestDaemon d;
  const char *args[] = { "--log-format", "json", NULL };
  itest_daemon_start (&d, args);
  const char *hs[] = { "User-Agent: evil\"\\agent\x01", "Referer: http://r/", NULL };
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/page.txt?x=\"1\"", hs);
  ck_assert_int_eq (r->status, 200);
  g_autofree char *log = itest_wait_for_text (d.log_path, "\"status\"");
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_ptr_nonnull (log);
  ck_assert_int_eq (itest_count (log, "\n"), 1);
  const char *fields[] = { "\"remote_addr\":\"127.0.0.1\"", "\"method\":\"GET\"",
                           "\"target\":\"/page.txt?x=\\\"1\\\"\"", "\"protocol\":\"HTTP/1.1\"",
                           "\"status\":200", "\"bytes\":5", "\"referer\":\"http://r/\"",
                           "\"encoding\":\"identity\"", "\"duration_us\":", "\"remote_port\":",
                           "\"time\":\"", NULL };
  for (int i = 0; fields[i] != NULL; i++)
    ck_assert_msg (strstr (log, fields[i]) != NULL, "json lacks %s: %s", fields[i], log);
  /* Quote, backslash and control byte escaped: still one valid line. */
  ck_assert_msg (strstr (log, "\"user_agent\":\"evil\\\"\\\\agent\\u0001\"") != NULL, "%s", log);
}
END_TEST

START_TEST (test_log_csv_and_common)
{
  ItestDaemon d, e;
  const char *csv[] = { "--log-format", "csv", NULL };
  const char *common[] = { "--log-format", "common", NULL };
  itest_daemon_start (&d, csv);
  itest_daemon_start (&e, common);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/page.txt?a,b", NULL);
  g_autoptr (ItestResp) b = itest_request (&e, NULL, "/missing", NULL);
  g_autofree char *csvlog = itest_wait_for_text (d.log_path, "page.txt");
  g_autofree char *commonlog = itest_wait_for_text (e.log_path, "missing");
  ITEST_ASSERT_STOPPED_OK (&d);
  ITEST_ASSERT_STOPPED_OK (&e);
  ck_assert_ptr_nonnull (csvlog);
  g_auto (GStrv) lines = g_strsplit (csvlog, "\n", -1);
  ck_assert_str_eq (lines[0], "time,remote_addr,remote_port,method,target,protocol,status,bytes,"
                              "duration_us,referer,user_agent,encoding");
  ck_assert_msg (strstr (lines[1], ",127.0.0.1,") != NULL && strstr (lines[1], ",GET,\"/page.txt?a,b\",HTTP/1.1,200,5,") != NULL,
                 "%s", lines[1]);
  ck_assert_ptr_nonnull (commonlog);
  ck_assert_msg (g_regex_match_simple ("^127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /missing HTTP/1\\.1\" 404 [0-9]+\n$",
                                       commonlog, 0, 0),
                 "%s", commonlog);
}
END_TEST

/* ---- rotation under load ------------------------------------------------- */

typedef struct
{
  int port;
  int id;
  int n;  /* requests made */
  int ok; /* answered 200 */
} Worker;

static gint load_stop;

static gpointer
worker (gpointer data)
{
  Worker *w = data;
  CURL *c = curl_easy_init ();
  /* Until told to stop, and at most 20,000 requests: bounded either way. */
  for (int i = 0; i < 20000 && !g_atomic_int_get (&load_stop); i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d/page.txt?w=%d&i=%d", w->port, w->id, i);
      long status = 0;
      curl_easy_setopt (c, CURLOPT_URL, url);
      curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
      curl_easy_setopt (c, CURLOPT_TIMEOUT, 10L);
      if (curl_easy_perform (c) == CURLE_OK)
        curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
      w->n++;
      w->ok += status == 200;
    }
  curl_easy_cleanup (c);
  return NULL;
}

/* _i == 1: with --access-log-buffer, whose batches must still go to the
 * file their lines were logged to, and be written out at the stop. */
START_TEST (test_sighup_rotation_under_load)
{
  enum { WORKERS = 4, ROTATIONS = 5 };
  static const char *const buffered[] = { "--access-log-buffer", "64", NULL };
  ItestDaemon d;
  itest_daemon_start (&d, _i == 1 ? buffered : NULL);
  Worker w[WORKERS];
  GThread *t[WORKERS];
  g_atomic_int_set (&load_stop, 0);
  for (int i = 0; i < WORKERS; i++)
    {
      w[i] = (Worker){ .port = d.port, .id = i };
      t[i] = g_thread_new ("load", worker, &w[i]);
    }
  /* Rotate as logrotate does: rename, then SIGHUP, while the load runs.
   * Failures are only recorded here: the workers must be joined before any
   * assertion leaves this frame (their Worker structs live on it). */
  const char *rotation_error = NULL;
  for (int r = 1; r <= ROTATIONS && rotation_error == NULL; r++)
    {
      g_usleep (100000);
      g_autofree char *rotated = g_strdup_printf ("%s.%d", d.log_path, r);
      if (g_rename (d.log_path, rotated) != 0)
        rotation_error = "rename of the log failed";
      kill (d.pid, SIGHUP);
      /* The reopen creates the file again; wait for it before the next
       * rotation (logrotate's rotations are days apart). */
      for (int i = 0; i < 500 && !g_file_test (d.log_path, G_FILE_TEST_EXISTS); i++)
        g_usleep (10000);
      if (rotation_error == NULL && !g_file_test (d.log_path, G_FILE_TEST_EXISTS))
        rotation_error = "SIGHUP did not reopen the log";
    }
  g_usleep (100000);
  g_atomic_int_set (&load_stop, 1);
  int total = 0, total_ok = 0;
  for (int i = 0; i < WORKERS; i++)
    {
      g_thread_join (t[i]);
      total += w[i].n;
      total_ok += w[i].ok;
    }
  ck_assert_msg (rotation_error == NULL, "%s", rotation_error);
  g_usleep (200000);
  g_autofree char *log_path = g_strdup (d.log_path);
  ITEST_ASSERT_STOPPED_OK (&d); /* HUP never kills it */
  ck_assert_int_eq (total_ok, total);

  /* Every request appears exactly once across the files. */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int lines = 0, files_with_lines = 0;
  for (int r = 0; r <= ROTATIONS; r++)
    {
      g_autofree char *p = r == 0 ? g_strdup (log_path) : g_strdup_printf ("%s.%d", log_path, r);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (p, &text, NULL, NULL))
        continue;
      g_auto (GStrv) ls = g_strsplit (text, "\n", -1);
      files_with_lines += ls[0] != NULL && ls[0][0] != '\0';
      for (char **l = ls; *l != NULL; l++)
        {
          if (**l == '\0')
            continue;
          const char *q = strstr (*l, "/page.txt?");
          ck_assert_msg (q != NULL && g_regex_match_simple ("\" 200 - \"-\" \"[^\"]*\"$", *l, 0, 0),
                         "bad line: %s", *l);
          char *key = g_strndup (q, strcspn (q, " "));
          ck_assert_msg (!g_hash_table_contains (seen, key), "logged twice: %s", key);
          g_hash_table_add (seen, key);
          lines++;
        }
    }
  fprintf (stderr, "rotation%s: %d requests, %d files with lines\n", _i == 1 ? " (buffered)" : "",
           total, files_with_lines);
  ck_assert_int_eq (lines, total);
  ck_assert_msg (files_with_lines >= ROTATIONS, "only %d of %d files got lines", files_with_lines,
                 ROTATIONS + 1);
}
END_TEST

/* ---- configuration --------------------------------------------------------- */

START_TEST (test_config_file_and_headers)
{
  g_autofree char *conf = g_build_filename (itest_workdir, "docserve.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[docserve]\n"
                                           "# the command line wins over this port\n"
                                           "port=1\n"
                                           "index=page.txt\n"
                                           "header=X-Frame-Options: DENY;X-Test: yes\n"
                                           "max-age=60\n"
                                           "root=%s\n",
                                           itest_docroot);
  ck_assert (g_file_set_contents (conf, text, -1, NULL));
  ItestDaemon d;
  const char *args[] = { "--config", conf, NULL };
  g_autoptr (GString) err = g_string_new (NULL);
  /* No root argument: it comes from the file; --port=0 beats port=1. */
  ck_assert_msg (itest_daemon_start_full (&d, NULL, args, err), "%s", err->str);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/", NULL);
  g_autoptr (ItestResp) b = itest_request (&d, NULL, "/missing", NULL);
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_int_eq (a->status, 200);
  ITEST_ASSERT_BODY (a, "page\n");
  ITEST_ASSERT_HDR (a, "X-Frame-Options", "DENY");
  ITEST_ASSERT_HDR (a, "X-Test", "yes");
  ITEST_ASSERT_HDR (a, "Cache-Control", "max-age=60");
  ck_assert_int_eq (b->status, 404);
  ITEST_ASSERT_HDR (b, "X-Test", "yes");
}
END_TEST

START_TEST (test_no_cache)
{
  ItestDaemon d;
  const char *args[] = { "--no-cache", NULL };
  itest_daemon_start (&d, args);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/page.txt", NULL);
  ITEST_ASSERT_STOPPED_OK (&d);
  ITEST_ASSERT_HDR (a, "Cache-Control", "no-cache");
}
END_TEST

START_TEST (test_check_config)
{
  g_autofree char *bad_conf = g_build_filename (itest_workdir, "bad.conf", NULL);
  ck_assert (g_file_set_contents (bad_conf, "[docserve]\nport=80\nbogus-key=1\n", -1, NULL));
  const char *ok[] = { "--check-config", itest_docroot, NULL };
  const char *missing[] = { "--check-config", "/nonexistent-docserve", NULL };
  const char *bad[] = { "--check-config", "--config", bad_conf, itest_docroot, NULL };
  const char *inject[] = { "--check-config", "--header", "X-A: b\r\nSet-Cookie: x", itest_docroot, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL, *o4 = NULL, *e4 = NULL;
  ck_assert_int_eq (itest_run_cli (ok, &o1, &e1), 0);
  ck_assert_msg (strstr (e1, "configuration OK") != NULL, "%s", e1);
  ck_assert_int_eq (itest_run_cli (missing, &o2, &e2), 2);
  ck_assert_msg (strstr (e2, "/nonexistent-docserve") != NULL, "%s", e2);
  ck_assert_int_eq (itest_run_cli (bad, &o3, &e3), 2);
  ck_assert_msg (strstr (e3, "bad.conf:3") != NULL && strstr (e3, "bogus-key") != NULL, "%s", e3);
  ck_assert_int_eq (itest_run_cli (inject, &o4, &e4), 2);
  ck_assert_msg (strstr (e4, "--header") != NULL, "%s", e4);
}
END_TEST

START_TEST (test_sighup_reopens_root)
{
  /* The "current release" deploy: the root is a symlink switched to a new
   * directory, then SIGHUP. */
  g_autofree char *base = g_build_filename (itest_workdir, "releases", NULL);
  g_autofree char *r1 = g_build_filename (base, "r1", NULL);
  g_autofree char *r2 = g_build_filename (base, "r2", NULL);
  g_autofree char *cur = g_build_filename (base, "current", NULL);
  g_autofree char *tmp = g_build_filename (base, "current.tmp", NULL);
  g_autofree char *v1 = g_build_filename (r1, "v.txt", NULL);
  g_autofree char *v2 = g_build_filename (r2, "v.txt", NULL);
  g_mkdir_with_parents (r1, 0755);
  g_mkdir_with_parents (r2, 0755);
  ck_assert (g_file_set_contents (v1, "one\n", -1, NULL));
  ck_assert (g_file_set_contents (v2, "two\n", -1, NULL));
  ck_assert_int_eq (symlink ("r1", cur), 0);
  ItestDaemon d;
  g_autoptr (GString) err = g_string_new (NULL);
  ck_assert_msg (itest_daemon_start_full (&d, cur, NULL, err), "%s", err->str);
  g_autoptr (ItestResp) a = itest_request (&d, NULL, "/v.txt", NULL);
  ck_assert_int_eq (symlink ("r2", tmp), 0);
  ck_assert_int_eq (g_rename (tmp, cur), 0);
  g_autoptr (ItestResp) b = itest_request (&d, NULL, "/v.txt", NULL); /* before SIGHUP: still r1 */
  kill (d.pid, SIGHUP);
  g_autoptr (ItestResp) c = NULL;
  for (int i = 0; i < 100; i++)
    {
      g_clear_pointer (&c, itest_resp_free);
      c = itest_request (&d, NULL, "/v.txt", NULL);
      if (c->body->len == 4 && memcmp (c->body->data, "two\n", 4) == 0)
        break;
      g_usleep (20000);
    }
  ITEST_ASSERT_STOPPED_OK (&d);
  ITEST_ASSERT_BODY (a, "one\n");
  ITEST_ASSERT_BODY (b, "one\n");
  ITEST_ASSERT_BODY (c, "two\n");
}
END_TEST

/* ---- process ------------------------------------------------------------- */

START_TEST (test_pid_file)
{
  g_autofree char *pidf = g_build_filename (itest_workdir, "docserve.pid", NULL);
  ItestDaemon d;
  const char *args[] = { "--pid-file", pidf, NULL };
  itest_daemon_start (&d, args);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (pidf, &text, NULL, NULL));
  ck_assert_int_eq (atoi (text), d.pid);
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_msg (!g_file_test (pidf, G_FILE_TEST_EXISTS), "pid file left behind");
}
END_TEST

START_TEST (test_user_drop)
{
  if (geteuid () != 0)
    return; /* only root can switch users */
  ItestDaemon d;
  const char *args[] = { "--user", "nobody", NULL };
  itest_daemon_start (&d, args);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", (int) d.pid);
  g_autofree char *status = NULL;
  ck_assert (g_file_get_contents (status_path, &status, NULL, NULL));
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/page.txt", NULL);
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_int_eq (r->status, 200);
  /* Real, effective, saved and fs uid/gid all nobody's; no supplementary groups but nogroup. */
  ck_assert_msg (g_regex_match_simple ("\nUid:\t65534\t65534\t65534\t65534\n", status, 0, 0), "%s", status);
  ck_assert_msg (g_regex_match_simple ("\nGid:\t65534\t65534\t65534\t65534\n", status, 0, 0), "%s", status);
  ck_assert_msg (g_regex_match_simple ("\nGroups:\t65534 ?\n", status, 0, 0), "%s", status);
}
END_TEST

typedef struct
{
  int fd;
} ChildFd;

static void
child_setup_fd3 (gpointer data)
{
  ChildFd *c = data;
  /* Runs in the child before exec: the socket becomes fd 3 and the
   * variables name this very process, as systemd does. */
  if (c->fd != 3)
    {
      dup2 (c->fd, 3);
      close (c->fd);
    }
  char pid[32];
  g_snprintf (pid, sizeof pid, "%d", (int) getpid ());
  g_setenv ("LISTEN_PID", pid, TRUE);
  g_setenv ("LISTEN_FDS", "1", TRUE);
}

START_TEST (test_socket_activation)
{
  int port = 0;
  int lfd = itest_listen_any (&port);
  ChildFd cfd = { lfd };
  const char *argv[] = { itest_docserve_bin (), "--access-log", "none", "--port", "1", itest_docroot, NULL };
  GPid pid;
  int err_fd;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                                       child_setup_fd3, &cfd, &pid, NULL, NULL, &err_fd, &error));
  close (lfd);
  g_autoptr (GString) text = g_string_new (NULL);
  int got = itest_read_start_line (err_fd, text, 10000);
  ItestDaemon d = { .pid = pid, .port = got, .stderr_fd = err_fd };
  ck_assert_msg (got == port, "served on %d, not the passed port %d: %s", got, port, text->str);
  ck_assert_msg (strstr (text->str, "(socket activation)") != NULL, "%s", text->str);
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/page.txt", NULL);
  ck_assert_int_eq (r->status, 200);
  d.log_path = NULL;
  ITEST_ASSERT_STOPPED_OK (&d);
}
END_TEST

START_TEST (test_socket_activation_other_pid_ignored)
{
  /* LISTEN_PID naming another process: docserve binds its own socket. */
  g_setenv ("LISTEN_PID", "1", TRUE);
  g_setenv ("LISTEN_FDS", "1", TRUE);
  ItestDaemon d;
  itest_daemon_start (&d, NULL);
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_autoptr (ItestResp) r = itest_request (&d, NULL, "/page.txt", NULL);
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_int_eq (r->status, 200);
}
END_TEST

START_TEST (test_systemd_socket_activate)
{
  /* The real tool from Debian's systemd package, when it is installed. */
  g_autofree char *tool = g_find_program_in_path ("systemd-socket-activate");
  if (tool == NULL)
    return;
  int port = 0;
  int probe = itest_listen_any (&port);
  close (probe); /* a free port to hand to the tool */
  g_autofree char *addr = g_strdup_printf ("127.0.0.1:%d", port);
  const char *argv[] = { tool, "-l", addr, itest_docserve_bin (), "--access-log", "none", itest_docroot, NULL };
  GPid pid;
  int err_fd;
  g_autoptr (GError) error = NULL;
  ck_assert (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                       NULL, &pid, NULL, NULL, &err_fd, &error));
  /* The tool execs docserve on the first connection. */
  ItestDaemon d = { .pid = pid, .port = port, .stderr_fd = err_fd };
  long status = 0;
  for (int i = 0; i < 50 && status != 200; i++)
    {
      CURL *c = curl_easy_init ();
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d/page.txt", port);
      curl_easy_setopt (c, CURLOPT_URL, url);
      curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
      curl_easy_setopt (c, CURLOPT_TIMEOUT, 5L);
      if (curl_easy_perform (c) == CURLE_OK)
        curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_cleanup (c);
      if (status != 200)
        g_usleep (100000);
    }
  g_autoptr (GString) text = g_string_new (NULL);
  itest_read_start_line (err_fd, text, 2000);
  ITEST_ASSERT_STOPPED_OK (&d);
  ck_assert_int_eq (status, 200);
  ck_assert_msg (strstr (text->str, "(socket activation)") != NULL, "%s", text->str);
}
END_TEST

static Suite *
ops_suite (void)
{
  Suite *s = suite_create ("ops");
  TCase *tc = tcase_create ("ops");
  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_log_json);
  tcase_add_test (tc, test_log_csv_and_common);
  tcase_add_loop_test (tc, test_sighup_rotation_under_load, 0, 2);
  tcase_add_test (tc, test_config_file_and_headers);
  tcase_add_test (tc, test_no_cache);
  tcase_add_test (tc, test_check_config);
  tcase_add_test (tc, test_sighup_reopens_root);
  tcase_add_test (tc, test_pid_file);
  tcase_add_test (tc, test_user_drop);
  tcase_add_test (tc, test_socket_activation);
  tcase_add_test (tc, test_socket_activation_other_pid_ignored);
  tcase_add_test (tc, test_systemd_socket_activate);
  suite_add_tcase (s, tc);
  return s;
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = ops_suite };
