/* encoding.h: content-coding negotiation (RFC 9110 §12.5.3 Accept-Encoding,
 * §8.4 Content-Encoding) for precompressed sidecars (X.br, X.gz). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DS_ENC_IDENTITY = 0,
  DS_ENC_GZIP = 1,
  DS_ENC_BR = 2
} DsEncoding;

#define DS_ENC_MASK(e) (1u << (e))

/* The q-value (0..1000) that @accept_encoding gives @coding ("gzip", "br",
 * "identity"), honouring "*", "x-gzip" as gzip, case-insensitivity, and the
 * rule that identity is acceptable unless excluded (identity;q=0 or *;q=0
 * without an identity entry); unlisted identity without "*" gets the lowest
 * non-zero q-value in the field, or 1000 if there is none.  Unlisted codings
 * get the "*" q-value, else 0; malformed elements are ignored (see
 * encoding.c).  @accept_encoding NULL (field absent) means
 * any coding is acceptable (returns 1000 for all) — but see
 * ds_encoding_choose. */
guint ds_encoding_qvalue (const char *accept_encoding, const char *coding);

/* Chooses the coding to send among @available (a mask of DS_ENC_MASK bits;
 * identity is always available): the highest q-value, ties broken br > gzip
 * > identity.  A field that is absent or empty selects identity (compressed
 * variants only to clients that asked).  Returns -1 when nothing available is
 * acceptable (e.g. "identity;q=0" with no variant): the caller may then send
 * identity anyway (RFC 9110 §12.5.3 allows it) or 406. */
int ds_encoding_choose (const char *accept_encoding, guint available);

/* "gzip", "br", NULL for identity. */
const char *ds_encoding_name (DsEncoding e);

G_END_DECLS
