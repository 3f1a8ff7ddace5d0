/* itest_tls.c: HTTPS through GnuTLS, against the real daemon, with
 * certificates made here by certtool (gnutls-bin): a test CA, a server
 * certificate for 127.0.0.1, a second one for reloads, a key that belongs to
 * neither, an expired certificate and a passphrase-protected key. */
#include "config.h"

#include "itest.h"

#include <check.h>
#include <curl/curl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG_SIZE (6 * 1024 * 1024 + 5)

static ItestDaemon d;
static char *ca, *cert, *key, *cert2, *key2, *other_key, *expired, *expired_key, *enc_key;
static char *live_cert, *live_key; /* the files the reload test rewrites */
static char big_sha[65];

static char *
work (const char *name)
{
  return g_build_filename (itest_workdir, name, NULL);
}

static void
run (const char *cmd)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  if (!g_spawn_command_line_sync (cmd, &out, &err, &status, &error) || !g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s %s", cmd, error ? error->message : "", err ? err : "");
}

static void
template (const char *name, const char *text)
{
  g_autofree char *p = work (name);
  if (!g_file_set_contents (p, text, -1, NULL))
    g_error ("cannot write %s", p);
}

static void
make_certs (void)
{
  ca = work ("ca.pem");
  cert = work ("srv.pem");
  key = work ("srv.key");
  cert2 = work ("srv2.pem");
  key2 = work ("srv2.key");
  other_key = work ("other.key");
  expired = work ("expired.pem");
  expired_key = work ("expired.key");
  enc_key = work ("enc.key");
  live_cert = work ("live.pem");
  live_key = work ("live.key");
  g_autofree char *cakey = work ("ca.key");
  template ("ca.tmpl", "cn = \"docserve test CA\"\nca\ncert_signing_key\nexpiration_days = 30\n");
  template ("srv.tmpl", "cn = \"127.0.0.1\"\nip_address = \"127.0.0.1\"\ndns_name = \"localhost\"\n"
                        "tls_www_server\nserial = 1001\nexpiration_days = 30\n");
  template ("srv2.tmpl", "cn = \"127.0.0.1\"\nip_address = \"127.0.0.1\"\ntls_www_server\n"
                         "serial = 2002\nexpiration_days = 60\n");
  template ("expired.tmpl", "cn = \"127.0.0.1\"\nip_address = \"127.0.0.1\"\ntls_www_server\n"
                            "activation_date = \"2019-01-01 00:00:00 UTC\"\n"
                            "expiration_date = \"2020-01-01 00:00:00 UTC\"\n");
  g_autofree char *tca = work ("ca.tmpl"), *tsrv = work ("srv.tmpl"), *tsrv2 = work ("srv2.tmpl"),
                  *texp = work ("expired.tmpl");
  const char *keys[] = { cakey, key, key2, other_key, expired_key };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *c = g_strdup_printf ("certtool --generate-privkey --key-type=ecdsa --outfile '%s'", keys[i]);
      run (c);
    }
  g_autofree char *c1 = g_strdup_printf ("certtool --generate-self-signed --load-privkey '%s' --template '%s' --outfile '%s'", cakey, tca, ca);
  g_autofree char *c2 = g_strdup_printf ("certtool --generate-certificate --load-privkey '%s' --load-ca-certificate '%s' --load-ca-privkey '%s' --template '%s' --outfile '%s'", key, ca, cakey, tsrv, cert);
  g_autofree char *c3 = g_strdup_printf ("certtool --generate-certificate --load-privkey '%s' --load-ca-certificate '%s' --load-ca-privkey '%s' --template '%s' --outfile '%s'", key2, ca, cakey, tsrv2, cert2);
  g_autofree char *c4 = g_strdup_printf ("certtool --generate-certificate --load-privkey '%s' --load-ca-certificate '%s' --load-ca-privkey '%s' --template '%s' --outfile '%s'", expired_key, ca, cakey, texp, expired);
  g_autofree char *c5 = g_strdup_printf ("certtool --to-p8 --load-privkey '%s' --password secret --outfile '%s'", key, enc_key);
  run (c1), run (c2), run (c3), run (c4), run (c5);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (from, &data, &len, NULL) || !g_file_set_contents (to, data, len, NULL))
    g_error ("copy %s", from);
}

static void
make_docroot (void)
{
  GError *error = NULL;
  g_autofree char *idx = g_build_filename (itest_docroot, "index.html", NULL);
  g_autofree char *css = g_build_filename (itest_docroot, "style.css", NULL);
  g_autofree char *gz = g_build_filename (itest_docroot, "style.css.gz", NULL);
  g_autofree char *sub = g_build_filename (itest_docroot, "sub", NULL);
  g_file_set_contents (idx, "<!DOCTYPE html><title>tls</title>\n", -1, NULL);
  g_file_set_contents (css, "body{}\n", -1, NULL);
  g_file_set_contents (gz, "GZ!", -1, NULL);
  g_mkdir (sub, 0755);
  g_autofree char *big = g_malloc (BIG_SIZE);
  guint32 x = 123456789u;
  for (gsize i = 0; i < BIG_SIZE; i++)
    {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      big[i] = (char) x;
    }
  g_autofree char *bp = g_build_filename (itest_docroot, "big.bin", NULL);
  g_file_set_contents (bp, big, BIG_SIZE, &error);
  g_assert_no_error (error);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) big, BIG_SIZE);
  g_strlcpy (big_sha, sum, sizeof big_sha);
  make_certs ();
  copy_file (cert, live_cert);
  copy_file (key, live_key);
}

/* A request over HTTPS, verifying the server against the test CA.  Returns
 * the response, and the serial number of the certificate seen (caller
 * frees) in *out_serial if not NULL. */
static ItestResp *
https (const ItestDaemon *dd, const char *path, const char *const *headers, CURL *reuse, char **out_serial)
{
  ItestResp *r = g_new0 (ItestResp, 1);
  CURL *c = reuse != NULL ? reuse : curl_easy_init ();
  struct curl_slist *list = NULL;
  g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%d%s", dd->port, path);
  r->headers = g_string_new (NULL);
  r->body = g_byte_array_new ();
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_CAINFO, ca);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, itest_on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, r->body);
  curl_easy_setopt (c, CURLOPT_HEADERFUNCTION, itest_on_header);
  curl_easy_setopt (c, CURLOPT_HEADERDATA, r->headers);
  curl_easy_setopt (c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt (c, CURLOPT_CERTINFO, 1L);
  for (const char *const *h = headers; h != NULL && *h != NULL; h++)
    list = curl_slist_append (list, *h);
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, list);
  CURLcode rc = curl_easy_perform (c);
  ck_assert_msg (rc == CURLE_OK, "https %s: %s", path, curl_easy_strerror (rc));
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &r->status);
  if (out_serial != NULL)
    {
      struct curl_certinfo *ci = NULL;
      *out_serial = NULL;
      if (curl_easy_getinfo (c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci != NULL && ci->num_of_certs > 0)
        for (struct curl_slist *s = ci->certinfo[0]; s != NULL; s = s->next)
          if (g_str_has_prefix (s->data, "Serial Number:"))
            *out_serial = g_strstrip (g_strdup (s->data + strlen ("Serial Number:")));
    }
  curl_easy_setopt (c, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (list);
  if (reuse == NULL)
    curl_easy_cleanup (c);
  return r;
}

static void
setup (void)
{
  const char *args[] = { "--tls-cert", live_cert, "--tls-key", live_key, "--timeout", "2", NULL };
  itest_daemon_start (&d, args);
}

static void
teardown (void)
{
  ITEST_ASSERT_STOPPED_OK (&d);
}

START_TEST (test_https_basics)
{
  g_autoptr (ItestResp) r = https (&d, "/", NULL, NULL, NULL);
  ck_assert_int_eq (r->status, 200);
  ITEST_ASSERT_BODY (r, "<!DOCTYPE html><title>tls</title>\n");
  ITEST_ASSERT_HDR (r, "Content-Type", "text/html; charset=utf-8");
  g_autofree char *etag = itest_hdr (r, "ETag");
  g_autofree char *inm = g_strdup_printf ("If-None-Match: %s", etag);
  const char *h1[] = { inm, NULL };
  g_autoptr (ItestResp) n = https (&d, "/", h1, NULL, NULL);
  ck_assert_int_eq (n->status, 304);
  const char *h2[] = { "Range: bytes=100-199", NULL };
  g_autoptr (ItestResp) rg = https (&d, "/big.bin", h2, NULL, NULL);
  ck_assert_int_eq (rg->status, 206);
  ck_assert_uint_eq (rg->body->len, 100);
  const char *h3[] = { "Range: bytes=0-0,-1", NULL };
  g_autoptr (ItestResp) mp = https (&d, "/big.bin", h3, NULL, NULL);
  ck_assert_int_eq (mp->status, 206);
  g_autofree char *ct = itest_hdr (mp, "Content-Type");
  ck_assert_msg (g_str_has_prefix (ct, "multipart/byteranges"), "%s", ct);
  g_autoptr (ItestResp) ls = https (&d, "/sub/", NULL, NULL, NULL);
  ck_assert_int_eq (ls->status, 200);
  const char *h4[] = { "Accept-Encoding: gzip", NULL };
  g_autoptr (ItestResp) gz = https (&d, "/style.css", h4, NULL, NULL);
  ITEST_ASSERT_HDR (gz, "Content-Encoding", "gzip");
  ITEST_ASSERT_BODY (gz, "GZ!");
  g_autoptr (ItestResp) nf = https (&d, "/missing", NULL, NULL, NULL);
  ck_assert_int_eq (nf->status, 404);
}
END_TEST

START_TEST (test_https_big_file)
{
  g_autoptr (ItestResp) r = https (&d, "/big.bin", NULL, NULL, NULL);
  ck_assert_int_eq (r->status, 200);
  ck_assert_uint_eq (r->body->len, BIG_SIZE);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, r->body->data, r->body->len);
  ck_assert_str_eq (sum, big_sha);
}
END_TEST

START_TEST (test_plain_http_to_tls_port)
{
  const char *req = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_raw (d.port, req, strlen (req), 5000, &eof);
  ck_assert_msg (eof, "plain HTTP on the TLS port was not closed");
  ck_assert_msg (strstr (s->str, "HTTP/1.1 200") == NULL, "served plain HTTP");
  g_autoptr (ItestResp) r = https (&d, "/", NULL, NULL, NULL);
  ck_assert_int_eq (r->status, 200);
}
END_TEST

START_TEST (test_tls_timeout_no_plaintext)
{
  /* A TLS client that stops mid-handshake, and one that sends nothing:
   * both are closed by the timeout (2 s) without a raw 408 in the stream. */
  int fd = itest_connect_port (d.port);
  (void) send (fd, "\x16\x03\x01\x00", 4, MSG_NOSIGNAL);
  gboolean eof = FALSE;
  g_autoptr (GString) s = itest_read_all (fd, 8000, &eof);
  close (fd);
  ck_assert (eof);
  ck_assert_msg (strstr (s->str, "408") == NULL, "plaintext 408 on a TLS connection");
}
END_TEST

START_TEST (test_https_header_sizes)
{
  /* Request heads across the limit of the connection's 32 KiB pool: every
   * one gets 200 or 431, none a close without an answer.  Where even a 431
   * does not fit the pool, docserve writes it through the TLS session
   * itself (src/server.c, send_raw_status). */
  guint served = 0, refused = 0;
  for (guint len = 31400; len <= 32800; len += 20)
    {
      g_autoptr (GString) h = g_string_new ("X-Big: ");
      for (guint i = 0; i < len; i++)
        g_string_append_c (h, 'a');
      const char *hs[] = { h->str, NULL };
      g_autoptr (ItestResp) r = https (&d, "/", hs, NULL, NULL);
      ck_assert_msg (r->status == 200 || r->status == 431, "X-Big of %u bytes: %ld", len, r->status);
      served += r->status == 200;
      refused += r->status == 431;
    }
  /* A Cookie header costs 3.6 times its size in the pool: 40-byte pairs. */
  for (guint len = 8600; len <= 9300; len += 20)
    {
      g_autoptr (GString) h = g_string_new ("Cookie: ");
      for (guint i = 0; h->len < len; i++)
        g_string_append_printf (h, "%sc%04u=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", i > 0 ? "; " : "", i);
      const char *hs[] = { h->str, NULL };
      g_autoptr (ItestResp) r = https (&d, "/", hs, NULL, NULL);
      ck_assert_msg (r->status == 200 || r->status == 431, "Cookie of %zu bytes: %ld", h->len, r->status);
      served += r->status == 200;
      refused += r->status == 431;
    }
  fprintf (stderr, "HTTPS request heads near the pool size: %u x 200, %u x 431\n", served, refused);
  ck_assert_uint_gt (served, 0);
  ck_assert_uint_gt (refused, 0);
}
END_TEST

START_TEST (test_sighup_reloads_certificate)
{
  ItestDaemon o;
  g_autofree char *lc = work ("reload.pem");
  g_autofree char *lk = work ("reload.key");
  copy_file (cert, lc);
  copy_file (key, lk);
  const char *args[] = { "--tls-cert", lc, "--tls-key", lk, NULL };
  itest_daemon_start (&o, args);
  CURL *keep = curl_easy_init ();
  g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;
  g_autoptr (ItestResp) a = https (&o, "/", NULL, keep, &s1);
  /* Renewal: new files in place, then SIGHUP. */
  copy_file (cert2, lc);
  copy_file (key2, lk);
  kill (o.pid, SIGHUP);
  g_usleep (300000);
  g_autoptr (ItestResp) b = https (&o, "/", NULL, keep, NULL); /* the old connection keeps going */
  g_autoptr (ItestResp) c = https (&o, "/", NULL, NULL, &s2);  /* a new one gets the new certificate */
  /* A broken renewal (key of another pair) is refused; the last good pair stays. */
  copy_file (other_key, lk);
  kill (o.pid, SIGHUP);
  g_usleep (300000);
  g_autoptr (ItestResp) e = https (&o, "/", NULL, NULL, &s3);
  curl_easy_cleanup (keep);
  ck_assert_int_eq (itest_daemon_stop (&o), 0);
  ck_assert_int_eq (a->status, 200);
  ck_assert_int_eq (b->status, 200);
  ck_assert_int_eq (c->status, 200);
  ck_assert_int_eq (e->status, 200);
  ck_assert_msg (s1 != NULL && s2 != NULL && g_strcmp0 (s1, s2) != 0, "serial %s then %s", s1, s2);
  ck_assert_msg (g_strcmp0 (s2, s3) == 0, "bad renewal replaced the certificate: %s", s3);
}
END_TEST

static const struct
{
  const char *what;
  int cert_i, key_i; /* 0 cert, 1 other_key, 2 expired, 3 expired_key, 4 enc_key, 5 key */
  const char *message;
} bad_rows[] = {
  { "key of another pair", 0, 1, "does not belong to the certificate" },
  { "expired", 2, 3, "expired on Wed, 01 Jan 2020" },
  { "passphrase", 0, 4, "passphrase" },
};

START_TEST (test_bad_pairs)
{
  const char *files[] = { cert, other_key, expired, expired_key, enc_key, key };
  const char *c = files[bad_rows[_i].cert_i], *k = files[bad_rows[_i].key_i];
  const char *check[] = { "--check-config", "--tls-cert", c, "--tls-key", k, itest_docroot, NULL };
  const char *start[] = { "--port", "0", "--tls-cert", c, "--tls-key", k, itest_docroot, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
  int code1 = itest_run_cli (check, &o1, &e1);
  int code2 = itest_run_cli (start, &o2, &e2);
  ck_assert_msg (code1 == 2 && strstr (e1, bad_rows[_i].message) != NULL, "%s: check-config %d: %s",
                 bad_rows[_i].what, code1, e1);
  ck_assert_msg (code2 == 2 && strstr (e2, bad_rows[_i].message) != NULL, "%s: start %d: %s",
                 bad_rows[_i].what, code2, e2);
  const char *half[] = { "--tls-cert", cert, itest_docroot, NULL };
  g_autofree char *o3 = NULL, *e3 = NULL;
  ck_assert_int_eq (itest_run_cli (half, &o3, &e3), 2);
  ck_assert_msg (strstr (e3, "--tls-key") != NULL, "%s", e3);
}
END_TEST

START_TEST (test_check_config_good_pair)
{
  const char *check[] = { "--check-config", "--tls-cert", cert, "--tls-key", key, itest_docroot, NULL };
  g_autofree char *o = NULL, *e = NULL;
  ck_assert_int_eq (itest_run_cli (check, &o, &e), 0);
  ck_assert_msg (strstr (e, "configuration OK") != NULL, "%s", e);
}
END_TEST

static Suite *
tls_suite (void)
{
  Suite *s = suite_create ("tls");
  TCase *tc = tcase_create ("https");
  tcase_add_unchecked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_https_basics);
  tcase_add_test (tc, test_https_big_file);
  tcase_add_test (tc, test_plain_http_to_tls_port);
  tcase_add_test (tc, test_tls_timeout_no_plaintext);
  tcase_add_test (tc, test_https_header_sizes);
  suite_add_tcase (s, tc);
  TCase *own = tcase_create ("certificates");
  tcase_set_timeout (own, 60);
  tcase_add_test (own, test_sighup_reloads_certificate);
  tcase_add_loop_test (own, test_bad_pairs, 0, G_N_ELEMENTS (bad_rows));
  tcase_add_test (own, test_check_config_good_pair);
  suite_add_tcase (s, own);
  return s;
}

static void
cleanup (void)
{
  char **all[] = { &ca, &cert, &key, &cert2, &key2, &other_key, &expired, &expired_key, &enc_key, &live_cert, &live_key };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    g_clear_pointer (all[i], g_free);
}

const ItestSuite itest_suite = { .populate = make_docroot, .build = tls_suite, .cleanup = cleanup };
