/* tls.h: the HTTPS certificate and key, loaded and checked with GnuTLS and
 * handed to libmicrohttpd through its certificate callback, so that SIGHUP
 * can swap in a renewed pair without dropping connections. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsTls DsTls;

/* Reads and checks @cert_file (PEM, a chain allowed) and @key_file (PEM,
 * not passphrase-protected): both parse, the key matches the first
 * certificate, and that certificate is valid at @now (seconds).  Returns the
 * loaded pair or NULL with DS_ERROR_USAGE naming the file and the problem. */
DsTls *ds_tls_load (const char *cert_file, const char *key_file, gint64 now, GError **error);

/* Loads the files again (certificate renewal) and, if they pass the same
 * checks, makes them the pair used for new handshakes; on failure the old
 * pair stays in use and FALSE is returned with the reason.  Pairs handed out
 * before are kept until ds_tls_free, as sessions may still refer to them. */
gboolean ds_tls_reload (DsTls *tls, gint64 now, GError **error);

/* The gnutls_certificate_retrieve_function2 for MHD_OPTION_HTTPS_CERT_CALLBACK.
 * It serves the pair of the DsTls most recently made active with
 * ds_tls_activate (one per process). */
void *ds_tls_callback (void);

/* Makes @tls the one the callback serves (NULL: none). */
void ds_tls_activate (DsTls *tls);

/* The first certificate's expiry, seconds since the epoch. */
gint64 ds_tls_expires (DsTls *tls);

/* Sends @len bytes of @data as TLS records on @session (a gnutls_session_t,
 * as libmicrohttpd reports it), for replies written outside libmicrohttpd.
 * Best effort: returns FALSE if not everything could be sent at once. */
gboolean ds_tls_send (void *session, const void *data, gsize len);

void ds_tls_free (DsTls *tls);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTls, ds_tls_free)

G_END_DECLS
