/* negotiate.h: proactive content negotiation (RFC 9110 §12): the content
 * coding from Accept-Encoding (§12.5.3, §8.4) for precompressed sidecars
 * (X.br, X.gz), and the media type from Accept (§12.5.1) for listings. */
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

/* An Accept-Encoding field read once: the q-values it gives identity,
 * gzip and br, so that every choice made for one request uses the same
 * reading.  A plain value (put it on the stack); nothing to free.  The
 * members are for negotiate.c only: use the functions below. */
typedef struct
{
  const char *field; /* borrowed; NULL when the field is absent */
  int q[4];          /* identity, gzip, br, "*": -1 unlisted, else 0..1000 */
  guint lowest;      /* lowest q > 0 among well-formed entries; 1000 if none */
} DsAcceptEncoding;

/* Reads @field (the Accept-Encoding value, NULL when absent) into @out in
 * one left-to-right pass, without allocating.  @field is borrowed: it must
 * outlive @out.  Malformed elements are ignored (see negotiate.c); never
 * fails. */
void ds_accept_encoding_parse (const char *field, DsAcceptEncoding *out);

/* The q-value (0..1000) that @ae gives @coding ("gzip", "br", "identity",
 * or any other name), honouring "*", "x-gzip" as gzip, case-insensitivity,
 * and the rule that identity is acceptable unless excluded (identity;q=0
 * or *;q=0 without an identity entry); unlisted identity without "*" gets
 * the lowest non-zero q-value in the field, or 1000 if there is none.
 * Unlisted codings get the "*" q-value, else 0.  An absent field means any
 * coding is acceptable (1000 for all) — but see ds_accept_encoding_choose.
 * A coding other than identity, gzip, x-gzip, br and "*" (never one this
 * server sends) costs a new pass over the field. */
guint ds_accept_encoding_qvalue (const DsAcceptEncoding *ae, const char *coding);

/* Chooses the coding to send among @available (a mask of DS_ENC_MASK bits;
 * identity is always available; other bits are ignored): the highest
 * q-value, ties broken br > gzip > identity.  A field that is absent or
 * empty selects identity (compressed variants only to clients that asked).
 * Returns -1 when nothing available is acceptable (e.g. "identity;q=0"
 * with no variant): the caller may then send identity anyway (RFC 9110
 * §12.5.3 allows it) or 406. */
int ds_accept_encoding_choose (const DsAcceptEncoding *ae, guint available);

/* "gzip", "br", NULL for identity. */
const char *ds_encoding_name (DsEncoding e);

/* Most media types ds_accept_media_choose compares at once. */
#define DS_ACCEPT_MEDIA_MAX 8

/* Chooses among the media types @types[0..@n_types) ("type/subtype", no
 * wildcards or parameters; 1 <= @n_types <= DS_ACCEPT_MEDIA_MAX) by the
 * Accept field @accept in one pass, without allocating: each type gets the
 * weight of the most specific media range matching it (RFC 9110 §12.5.1;
 * the highest weight when a range is repeated), and the index of the type
 * with the highest weight is returned, the earliest one on a tie, so
 * @types[0] is the default.  -1 when @accept gives none of them a weight
 * above 0 (e.g. "" or "image/png"); 0 when @accept is NULL (the field is
 * absent: anything is acceptable). */
int ds_accept_media_choose (const char *accept, const char *const *types, guint n_types);

G_END_DECLS
