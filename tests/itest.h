/* itest.h: what the integration suites (tests/itest_<area>.c) share: one
 * main() and helpers that run the real docserve binary on 127.0.0.1 port 0
 * and talk to it with libcurl and raw sockets.  Every read has a deadline;
 * daemons are stopped by PID.  Every name here starts with itest_, Itest or
 * ITEST_. */
#pragma once

#include <check.h>
#include <glib.h>
#include <sys/wait.h>

/* ---- what a suite provides --------------------------------------------------
 * tests/itest.c holds the main() of every integration suite.  It ignores
 * SIGPIPE, initialises libcurl, makes itest_docroot and itest_workdir (two
 * empty temporary directories, mode 0700), then:
 *   populate ()   fills them with the suite's fixture (NULL: nothing to add);
 *   build ()      returns the suite, which is run with the print mode taken
 *                 from CK_VERBOSITY (Check itself reads CK_FORK, CK_RUN_SUITE,
 *                 CK_RUN_CASE, CK_DEFAULT_TIMEOUT, ...);
 *   cleanup ()    runs after the suite (NULL: nothing to do);
 * removes both directories and exits 0 if every test passed.
 * Each suite file defines exactly one:
 *   const ItestSuite itest_suite = { .populate = ..., .build = ..., .cleanup = ... }; */
typedef struct
{
  void (*populate) (void);
  Suite *(*build) (void);
  void (*cleanup) (void);
} ItestSuite;

extern const ItestSuite itest_suite;

typedef struct
{
  GPid pid;
  int port;
  char *log_path;
  int stderr_fd;
} ItestDaemon;

typedef struct
{
  long status;
  GString *headers; /* raw header block(s) as received */
  GByteArray *body;
} ItestResp;

/* ---- helpers ------------------------------------------------------------ */

extern char *itest_docroot; /* the suite's document root */
extern char *itest_workdir; /* logs and files outside the root */

const char *itest_docserve_bin (void);
int itest_read_start_line (int fd, GString *out, int deadline_ms);
gboolean itest_daemon_start_full (ItestDaemon *d, const char *root, const char *const *extra,
                                  GString *err_text);
void itest_daemon_start (ItestDaemon *d, const char *const *extra);
int itest_wait_child (GPid pid, int ms);
int itest_daemon_stop (ItestDaemon *d);
/* itest_daemon_stop, also collecting everything the daemon writes to stderr from
 * its start-up line until it exits (into @err_out). */
int itest_daemon_stop_stderr (ItestDaemon *d, GString *err_out);
void itest_rm_rf (const char *path);
/* Writes @content (@len bytes, -1: NUL-terminated) to @rel under itest_docroot,
 * making the directories on the way; aborts the test program on failure. */
void itest_put_file (const char *rel, const char *content, gssize len);
void itest_resp_free (ItestResp *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ItestResp, itest_resp_free)
size_t itest_on_body (char *p, size_t sz, size_t n, void *ud);
size_t itest_on_header (char *p, size_t sz, size_t n, void *ud);
char *itest_hdr (const ItestResp *r, const char *name);
ItestResp *itest_request (const ItestDaemon *d, const char *method, const char *path,
                          const char *const *headers);
/* A socket listening on 127.0.0.1 at a port the kernel chose (stored in
 * *@out_port); fails the test if it cannot be made.  Caller closes. */
int itest_listen_any (int *out_port);
int itest_connect_port_rcvbuf (int port, int rcvbuf);
int itest_connect_port (int port);
/* Like itest_connect_port_rcvbuf, from source address @src (e.g. "127.0.0.2";
 * NULL: the kernel's choice); returns -1 (errno set) instead of failing the
 * test when connect fails. */
int itest_connect_from (const char *src, int port, int rcvbuf);
GString *itest_read_all (int fd, int ms, gboolean *out_eof);
GString *itest_raw (int port, const char *req, gsize len, int ms, gboolean *out_eof);
int itest_count (const char *hay, const char *needle);
int itest_status_of (const GString *s);
int itest_run_cli (const char *const *args, char **out_stdout, char **out_stderr);
/* Waits until file @path contains @needle (up to 2 s); returns its text
 * (caller frees) or NULL. */
char *itest_wait_for_text (const char *path, const char *needle);

/* Stops @d (SIGTERM) and fails the test unless docserve exited with status 0. */
#define ITEST_ASSERT_STOPPED_OK(d)                                                                     \
  do                                                                                                     \
    {                                                                                                    \
      int _st = itest_daemon_stop (d);                                                                   \
      ck_assert_msg (_st != -1 && WIFEXITED (_st) && WEXITSTATUS (_st) == 0,                             \
                     "docserve did not exit 0 on SIGTERM (status %d)", _st);                             \
    }                                                                                                    \
  while (0)

/* Unchecked fixtures for suites with one daemon per TCase: itest_daemon
 * started in the default mode (thread per connection) or with
 * --workers 2, and stopped asserting exit status 0. */
extern ItestDaemon itest_daemon;
void itest_setup_threads (void);
void itest_setup_workers (void);
void itest_teardown (void);

#define ITEST_ASSERT_BODY(r, text)                                                                       \
  ck_assert_msg ((r)->body->len == strlen (text) && memcmp ((r)->body->data, text, strlen (text)) == 0,  \
                 "body %.*s, want %s", (int) (r)->body->len, (char *) (r)->body->data, text)

#define ITEST_ASSERT_HDR(r, name, want)                                                                  \
  do                                                                                                     \
    {                                                                                                    \
      g_autofree char *_v = itest_hdr ((r), (name));                                                     \
      ck_assert_msg (g_strcmp0 (_v, (want)) == 0, "%s: got \"%s\", want \"%s\"", (name),                 \
                     _v ? _v : "(none)", (want) ? (want) : "(none)");                                    \
    }                                                                                                    \
  while (0)
