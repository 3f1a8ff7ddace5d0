/* tls.c: certificate and key for HTTPS (GnuTLS through libmicrohttpd).
 *
 * libmicrohttpd 0.9.75 can take the pair as PEM strings, loaded once at
 * start-up, or through a GnuTLS certificate-retrieve callback asked at every
 * handshake.  docserve uses the callback, so that SIGHUP can load a renewed
 * certificate: the new pair is checked first (key matches certificate,
 * certificate currently valid) and only then published with an atomic
 * pointer swap.  A pair once published is never freed while the server
 * runs, since a handshake in progress may still hold it.
 * Passphrase-protected keys are refused: a server started by systemd has
 * nobody to type a passphrase. */
#include "config.h"

#include "docserve/tls.h"

#include "docserve/common.h"
#include "docserve/httpdate.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

#define MAX_CHAIN 16

typedef struct
{
  gnutls_pcert_st pcerts[MAX_CHAIN];
  unsigned int n;
  gnutls_privkey_t key;
  gint64 expires;
} Pair;

struct _DsTls
{
  char *cert_file;
  char *key_file;
  Pair *current; /* atomic */
  GPtrArray *all; /* every Pair ever loaded, freed at the end */
  GMutex reload_lock;
};

static DsTls *active; /* atomic */

static void
pair_free (Pair *p)
{
  for (unsigned int i = 0; i < p->n; i++)
    gnutls_pcert_deinit (&p->pcerts[i]);
  if (p->key != NULL)
    gnutls_privkey_deinit (p->key);
  g_free (p);
}

static gboolean
fail (GError **error, const char *file, const char *what, int rc)
{
  g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: %s%s%s", file, what, rc != 0 ? ": " : "",
               rc != 0 ? gnutls_strerror (rc) : "");
  return FALSE;
}

/* Loads and checks one pair. */
static Pair *
pair_load (const char *cert_file, const char *key_file, gint64 now, GError **error)
{
  g_autofree char *cert_pem = NULL, *key_pem = NULL;
  gsize cert_len = 0, key_len = 0;
  g_autoptr (GError) local = NULL;
  gnutls_certificate_credentials_t cred = NULL;
  gnutls_x509_crt_t crt = NULL;
  int rc;

  if (!g_file_get_contents (cert_file, &cert_pem, &cert_len, &local)
      || !g_file_get_contents (key_file, &key_pem, &key_len, &local))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s", local->message);
      return NULL;
    }
  if (strstr (key_pem, "ENCRYPTED") != NULL)
    {
      fail (error, key_file, "the key is protected by a passphrase; docserve needs an "
                             "unencrypted key (e.g. certtool --to-p8 --empty-password)", 0);
      return NULL;
    }
  gnutls_datum_t cert = { (unsigned char *) cert_pem, (unsigned int) cert_len };
  gnutls_datum_t key = { (unsigned char *) key_pem, (unsigned int) key_len };

  /* The matching check GnuTLS itself makes when given the pair. */
  gnutls_certificate_allocate_credentials (&cred);
  rc = gnutls_certificate_set_x509_key_mem2 (cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
  gnutls_certificate_free_credentials (cred);
  if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
    {
      fail (error, key_file, "the key does not belong to the certificate", 0);
      return NULL;
    }
  if (rc < 0)
    {
      fail (error, cert_file, "cannot load the certificate and key", rc);
      return NULL;
    }

  gnutls_x509_crt_init (&crt);
  rc = gnutls_x509_crt_import (crt, &cert, GNUTLS_X509_FMT_PEM);
  if (rc < 0)
    {
      gnutls_x509_crt_deinit (crt);
      fail (error, cert_file, "not a PEM certificate", rc);
      return NULL;
    }
  gint64 not_before = (gint64) gnutls_x509_crt_get_activation_time (crt);
  gint64 not_after = (gint64) gnutls_x509_crt_get_expiration_time (crt);
  gnutls_x509_crt_deinit (crt);
  if (now > not_after || now < not_before)
    {
      char date[DS_HTTPDATE_LEN];
      ds_httpdate_format (now > not_after ? not_after : not_before, date);
      g_set_error (error, DS_ERROR, DS_ERROR_USAGE, "%s: the certificate %s %s", cert_file,
                   now > not_after ? "expired on" : "is not valid before", date);
      return NULL;
    }

  Pair *p = g_new0 (Pair, 1);
  p->n = MAX_CHAIN;
  p->expires = not_after;
  rc = gnutls_pcert_list_import_x509_raw (p->pcerts, &p->n, &cert, GNUTLS_X509_FMT_PEM, 0);
  if (rc < 0)
    {
      p->n = 0;
      pair_free (p);
      fail (error, cert_file, "cannot read the certificate chain", rc);
      return NULL;
    }
  gnutls_privkey_init (&p->key);
  rc = gnutls_privkey_import_x509_raw (p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
  if (rc < 0)
    {
      pair_free (p);
      fail (error, key_file, "cannot read the private key", rc);
      return NULL;
    }
  return p;
}

DsTls *
ds_tls_load (const char *cert_file, const char *key_file, gint64 now, GError **error)
{
  Pair *p = pair_load (cert_file, key_file, now, error);
  if (p == NULL)
    return NULL;
  DsTls *tls = g_new0 (DsTls, 1);
  tls->cert_file = g_strdup (cert_file);
  tls->key_file = g_strdup (key_file);
  tls->all = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_free);
  g_ptr_array_add (tls->all, p);
  g_atomic_pointer_set (&tls->current, p);
  g_mutex_init (&tls->reload_lock);
  return tls;
}

gboolean
ds_tls_reload (DsTls *tls, gint64 now, GError **error)
{
  Pair *p = pair_load (tls->cert_file, tls->key_file, now, error);
  if (p == NULL)
    return FALSE;
  g_mutex_lock (&tls->reload_lock);
  g_ptr_array_add (tls->all, p);
  g_atomic_pointer_set (&tls->current, p);
  g_mutex_unlock (&tls->reload_lock);
  return TRUE;
}

gint64
ds_tls_expires (DsTls *tls)
{
  const Pair *p = g_atomic_pointer_get (&tls->current);
  return p->expires;
}

static int
retrieve (gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
          const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
          unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
  DsTls *tls = g_atomic_pointer_get (&active);
  if (tls == NULL)
    return -1;
  Pair *p = g_atomic_pointer_get (&tls->current);
  *pcert = p->pcerts;
  *pcert_length = p->n;
  *privkey = p->key;
  return 0;
}

void *
ds_tls_callback (void)
{
  return (void *) &retrieve;
}

void
ds_tls_activate (DsTls *tls)
{
  g_atomic_pointer_set (&active, tls);
}

gboolean
ds_tls_send (void *session, const void *data, gsize len)
{
  const char *p = data;
  guint tries = 0;

  /* The socket is non-blocking: a few retries on EAGAIN, never a wait. */
  while (len > 0 && tries < 8)
    {
      ssize_t n = gnutls_record_send (session, p, len);
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        {
          tries++;
          continue;
        }
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return len == 0;
}

void
ds_tls_free (DsTls *tls)
{
  if (tls == NULL)
    return;
  g_atomic_pointer_compare_and_exchange (&active, tls, NULL);
  g_ptr_array_unref (tls->all);
  g_mutex_clear (&tls->reload_lock);
  g_free (tls->cert_file);
  g_free (tls->key_file);
  g_free (tls);
}
