/* itest.h: helpers shared by the integration suites: run the real docserve
 * binary on 127.0.0.1 port 0 and talk to it with libcurl and raw sockets.
 * Every read has a deadline; daemons are stopped by PID. */
#pragma once

#include <check.h>
#include <glib.h>

typedef struct
{
  GPid pid;
  int port;
  char *log_path;
  int stderr_fd;
} Daemon;

typedef struct
{
  long status;
  GString *headers; /* raw header block(s) as received */
  GByteArray *body;
} Resp;

extern char *docroot; /* the suite's docroot, made by the suite */
extern char *workdir; /* logs and files outside the root */

const char *docserve_bin (void);
int read_start_line (int fd, GString *out, int deadline_ms);
gboolean daemon_start_full (Daemon *d, const char *root, const char *const *extra, GString *err_text);
void daemon_start (Daemon *d, const char *const *extra);
int wait_child (GPid pid, int ms);
int daemon_stop (Daemon *d);
/* daemon_stop, also collecting everything the daemon writes to stderr from
 * its start-up line until it exits (into @err_out). */
int daemon_stop_stderr (Daemon *d, GString *err_out);
void rm_rf (const char *path);
/* Writes @content (@len bytes, -1: NUL-terminated) to @rel under docroot,
 * making the directories on the way; aborts the test program on failure. */
void put_file (const char *rel, const char *content, gssize len);
void resp_free (Resp *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resp, resp_free)
size_t on_body (char *p, size_t sz, size_t n, void *ud);
size_t on_header (char *p, size_t sz, size_t n, void *ud);
char *hdr (const Resp *r, const char *name);
Resp *request (const Daemon *d, const char *method, const char *path, const char *const *headers);
int connect_port_rcvbuf (int port, int rcvbuf);
int connect_port (int port);
/* Like connect_port_rcvbuf, from source address @src (e.g. "127.0.0.2";
 * NULL: the kernel's choice); returns -1 (errno set) instead of failing the
 * test when connect fails. */
int connect_from (const char *src, int port, int rcvbuf);
GString *read_all (int fd, int ms, gboolean *out_eof);
GString *raw (int port, const char *req, gsize len, int ms, gboolean *out_eof);
int count (const char *hay, const char *needle);
int status_of (const GString *s);
int run_cli (const char *const *args, char **out_stdout, char **out_stderr);
/* Waits until file @path contains @needle (up to 2 s); returns its text
 * (caller frees) or NULL. */
char *wait_for_text (const char *path, const char *needle);

#define ASSERT_BODY(r, text)                                                                      \
  ck_assert_msg ((r)->body->len == strlen (text) && memcmp ((r)->body->data, text, strlen (text)) == 0, \
                 "body %.*s, want %s", (int) (r)->body->len, (char *) (r)->body->data, text)

#define ASSERT_HDR(r, name, want)                                                                 \
  do                                                                                              \
    {                                                                                             \
      g_autofree char *_v = hdr ((r), (name));                                                   \
      ck_assert_msg (g_strcmp0 (_v, (want)) == 0, "%s: got \"%s\", want \"%s\"", (name),        \
                     _v ? _v : "(none)", (want) ? (want) : "(none)");                             \
    }                                                                                             \
  while (0)
