/* itest.c: see itest.h. */
#include "config.h"

#include "itest.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the daemon ---------------------------------------------------------- */

char *itest_docroot;
char *itest_workdir;

const char *
itest_docserve_bin (void)
{
  const char *b = g_getenv ("DOCSERVE_BIN");
  return b != NULL ? b : "./docserve";
}

/* Reads the child's stderr until the "Serving ... at http://ADDR:PORT/" line
 * or @deadline_ms; returns the port or -1 and leaves the text in @out. */
int
itest_read_start_line (int fd, GString *out, int deadline_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) deadline_ms * 1000;
  char buf[512];

  while (g_get_monotonic_time () < end)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int ms = (int) ((end - g_get_monotonic_time ()) / 1000);
      if (poll (&p, 1, ms > 0 ? ms : 0) <= 0)
        continue;
      ssize_t n = read (fd, buf, sizeof buf);
      if (n <= 0)
        return -1;
      g_string_append_len (out, buf, n);
      const char *at = strstr (out->str, "Serving ");
      const char *nl = at != NULL ? strchr (at, '\n') : NULL;
      if (nl != NULL)
        {
          const char *colon = nl;
          while (colon > at && *colon != ':')
            colon--;
          return atoi (colon + 1);
        }
    }
  return -1;
}

/* Starts docserve with @extra args (NULL-terminated) on @root; the access
 * log goes to a file in itest_workdir.  Returns FALSE (and the stderr text) if it
 * did not print its start-up line within 10 s. */
gboolean
itest_daemon_start_full (ItestDaemon *d, const char *root, const char *const *extra, GString *err_text)
{
  static int counter;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  memset (d, 0, sizeof *d);
  d->log_path = g_strdup_printf ("%s/access-%d-%d.log", itest_workdir, (int) getpid (), counter++);
  g_ptr_array_add (argv, (char *) itest_docserve_bin ());
  g_ptr_array_add (argv, (char *) "--port=0");
  g_ptr_array_add (argv, (char *) "--access-log");
  g_ptr_array_add (argv, d->log_path);
  for (const char *const *e = extra; e != NULL && *e != NULL; e++)
    g_ptr_array_add (argv, (char *) *e);
  if (root != NULL)
    g_ptr_array_add (argv, (char *) root);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 NULL, NULL, &d->pid, NULL, NULL, &d->stderr_fd, &error))
    ck_abort_msg ("spawn %s: %s", itest_docserve_bin (), error->message);
  d->port = itest_read_start_line (d->stderr_fd, err_text != NULL ? err_text : text, 10000);
  return d->port > 0;
}

void
itest_daemon_start (ItestDaemon *d, const char *const *extra)
{
  g_autoptr (GString) err = g_string_new (NULL);
  if (!itest_daemon_start_full (d, itest_docroot, extra, err))
    ck_abort_msg ("docserve did not start: %s", err->str);
}

/* Waits for the child up to @ms; returns its wait status or -1. */
int
itest_wait_child (GPid pid, int ms)
{
  for (int i = 0; i < ms / 10; i++)
    {
      int status;
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        return status;
      g_usleep (10000);
    }
  return -1;
}

int
itest_daemon_stop (ItestDaemon *d)
{
  int status = -1;
  if (d->pid > 0)
    {
      kill (d->pid, SIGTERM);
      status = itest_wait_child (d->pid, 15000);
      if (status == -1)
        {
          kill (d->pid, SIGKILL);
          waitpid (d->pid, NULL, 0);
        }
      g_spawn_close_pid (d->pid);
      d->pid = 0;
    }
  if (d->stderr_fd >= 0)
    close (d->stderr_fd);
  g_free (d->log_path);
  memset (d, 0, sizeof *d);
  return status;
}

int
itest_daemon_stop_stderr (ItestDaemon *d, GString *err_out)
{
  if (d->pid > 0)
    kill (d->pid, SIGTERM);
  /* read(), not itest_read_all(): that one uses recv(), and this is a pipe. */
  gint64 end = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (d->stderr_fd >= 0 && g_get_monotonic_time () < end)
    {
      char buf[4096];
      struct pollfd p = { d->stderr_fd, POLLIN, 0 };
      int left = (int) ((end - g_get_monotonic_time ()) / 1000);
      if (poll (&p, 1, left > 0 ? left : 0) <= 0)
        break;
      ssize_t n = read (d->stderr_fd, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (err_out, buf, n);
    }
  return itest_daemon_stop (d);
}

void
itest_put_file (const char *rel, const char *content, gssize len)
{
  g_autofree char *p = g_build_filename (itest_docroot, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (p);
  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (p, content, len, NULL))
    g_error ("cannot write %s", p);
}

void
itest_rm_rf (const char *path)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", path);
  if (system (cmd) != 0)
    fprintf (stderr, "itest: could not remove %s\n", path);
}

/* ---- clients ----------------------------------------------------------- */

void
itest_resp_free (ItestResp *r)
{
  g_string_free (r->headers, TRUE);
  g_byte_array_free (r->body, TRUE);
  g_free (r);
}

size_t
itest_on_body (char *p, size_t sz, size_t n, void *ud)
{
  g_byte_array_append (ud, (guint8 *) p, (guint) (sz * n));
  return sz * n;
}

size_t
itest_on_header (char *p, size_t sz, size_t n, void *ud)
{
  g_string_append_len (ud, p, (gssize) (sz * n));
  return sz * n;
}

/* Value of header @name in the last header block of @r (case-insensitive), or
 * NULL.  Caller frees. */
char *
itest_hdr (const ItestResp *r, const char *name)
{
  g_auto (GStrv) lines = g_strsplit (r->headers->str, "\r\n", -1);
  char *found = NULL;
  for (char **l = lines; *l != NULL; l++)
    {
      if (g_str_has_prefix (*l, "HTTP/"))
        g_clear_pointer (&found, g_free); /* a new block (after 100) */
      const char *colon = strchr (*l, ':');
      if (colon != NULL && (gsize) (colon - *l) == strlen (name)
          && g_ascii_strncasecmp (*l, name, strlen (name)) == 0)
        {
          g_free (found);
          found = g_strstrip (g_strdup (colon + 1));
        }
    }
  return found;
}

/* One request with libcurl.  @method NULL = GET; "HEAD" uses NOBODY.
 * @headers is a NULL-terminated list of "Name: value". */
ItestResp *
itest_request (const ItestDaemon *d, const char *method, const char *path, const char *const *headers)
{
  ItestResp *r = g_new0 (ItestResp, 1);
  CURL *c = curl_easy_init ();
  struct curl_slist *list = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d%s", d->port, path);

  r->headers = g_string_new (NULL);
  r->body = g_byte_array_new ();
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, itest_on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, r->body);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, itest_on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, r->headers);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt (c, CURLOPT_USERAGENT, "docserve-test");
  curl_easy_setopt (c, CURLOPT_NOPROXY, "*");
  if (method != NULL && strcmp (method, "HEAD") == 0)
    curl_easy_setopt (c, CURLOPT_NOBODY, 1L);
  else if (method != NULL)
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, method);
  for (const char *const *h = headers; h != NULL && *h != NULL; h++)
    list = curl_slist_append (list, *h);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform (c);
  ck_assert_msg (rc == CURLE_OK, "curl %s %s: %s", method ? method : "GET", path,
                 curl_easy_strerror (rc));
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all (list);
  curl_easy_cleanup (c);
  return r;
}

int
itest_listen_any (int *out_port)
{
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_ge (fd, 0);
  ck_assert_int_eq (bind (fd, (struct sockaddr *) &sin, sizeof sin), 0);
  ck_assert_int_eq (listen (fd, 16), 0);
  getsockname (fd, (struct sockaddr *) &sin, &len);
  *out_port = ntohs (sin.sin_port);
  return fd;
}

/* Connects to 127.0.0.1:@port; @rcvbuf > 0 sets a small receive buffer
 * first (a slow reader). */
int
itest_connect_port_rcvbuf (int port, int rcvbuf)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ck_assert_int_ge (fd, 0);
  ck_assert_msg (connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0, "connect: %s",
                 g_strerror (errno));
  return fd;
}

int
itest_connect_from (const char *src, int port, int rcvbuf)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in from = { .sin_family = AF_INET };
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };

  if (fd < 0)
    return -1;
  if (rcvbuf > 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (src != NULL && inet_pton (AF_INET, src, &from.sin_addr) != 1)
    {
      close (fd);
      errno = EINVAL;
      return -1;
    }
  if ((src != NULL && bind (fd, (struct sockaddr *) &from, sizeof from) != 0)
      || connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return -1;
    }
  return fd;
}

int
itest_connect_port (int port)
{
  return itest_connect_port_rcvbuf (port, 0);
}

/* Reads from @fd until EOF or @ms of silence / total; returns what came. */
GString *
itest_read_all (int fd, int ms, gboolean *out_eof)
{
  GString *s = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  char buf[65536];

  if (out_eof != NULL)
    *out_eof = FALSE;
  while (g_get_monotonic_time () < end)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int left = (int) ((end - g_get_monotonic_time ()) / 1000);
      if (poll (&p, 1, left > 0 ? left : 0) <= 0)
        break;
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      if (n <= 0)
        {
          if (out_eof != NULL)
            *out_eof = TRUE;
          break;
        }
      g_string_append_len (s, buf, n);
    }
  return s;
}

/* Sends @req raw and reads until the server closes (or @ms pass). */
GString *
itest_raw (int port, const char *req, gsize len, int ms, gboolean *out_eof)
{
  int fd = itest_connect_port (port);
  ck_assert_int_eq (send (fd, req, len, MSG_NOSIGNAL), (ssize_t) len);
  GString *s = itest_read_all (fd, ms, out_eof);
  close (fd);
  return s;
}

int
itest_count (const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr (hay, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

int
itest_status_of (const GString *s)
{
  if (!g_str_has_prefix (s->str, "HTTP/1.1 "))
    return -1;
  return atoi (s->str + 9);
}


/* Runs docserve with @args to completion; returns the exit status. */
int
itest_run_cli (const char *const *args, char **out_stdout, char **out_stderr)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, (char *) itest_docserve_bin ());
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (char *) *a);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out_stdout,
                     out_stderr, &status, &error))
    ck_abort_msg ("spawn: %s", error->message);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}


char *
itest_wait_for_text (const char *path, const char *needle)
{
  for (int i = 0; i < 200; i++)
    {
      char *text = NULL;
      if (g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL)
        return text;
      g_free (text);
      g_usleep (10000);
    }
  return NULL;
}

/* ---- main ------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_path_get_basename (argc > 0 ? argv[0] : "itest");
  g_autofree char *root_tmpl = g_strdup_printf ("docserve-%s-root-XXXXXX", name);
  g_autofree char *work_tmpl = g_strdup_printf ("docserve-%s-work-XXXXXX", name);

  g_assert (itest_suite.build != NULL);
  signal (SIGPIPE, SIG_IGN);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  itest_docroot = g_dir_make_tmp (root_tmpl, &error);
  g_assert_no_error (error);
  itest_workdir = g_dir_make_tmp (work_tmpl, &error);
  g_assert_no_error (error);
  /* Daemons with search on (--system-docs) keep their index under
   * $XDG_CACHE_HOME/docserve/: in the work directory, not the user's. */
  g_setenv ("XDG_CACHE_HOME", itest_workdir, TRUE);
  if (itest_suite.populate != NULL)
    itest_suite.populate ();

  SRunner *sr = srunner_create (itest_suite.build ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);

  if (itest_suite.cleanup != NULL)
    itest_suite.cleanup ();
  itest_rm_rf (itest_docroot);
  itest_rm_rf (itest_workdir);
  g_clear_pointer (&itest_docroot, g_free);
  g_clear_pointer (&itest_workdir, g_free);
  curl_global_cleanup ();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

ItestDaemon itest_daemon;

void
itest_setup_threads (void)
{
  itest_daemon_start (&itest_daemon, NULL);
}

void
itest_setup_workers (void)
{
  const char *args[] = { "--workers", "2", NULL };
  itest_daemon_start (&itest_daemon, args);
}

void
itest_teardown (void)
{
  ITEST_ASSERT_STOPPED_OK (&itest_daemon);
}
