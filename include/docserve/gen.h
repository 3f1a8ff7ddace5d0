/* gen.h: the reply of a page docserve generates (listing, portal page,
 * rendered Markdown, man page, search results, a built-in asset), so that
 * each is still HTTP: a validator, conditional requests, HEAD, Vary and a
 * Content-Security-Policy. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"
#include "docserve/request.h"

G_BEGIN_DECLS

/* The Content-Security-Policy of generated pages: nothing from elsewhere,
 * styles inline or docserve's own, images docserve's own or data: URLs, no
 * plug-ins, forms only back to docserve; with or without docserve's own
 * scripts (never inline ones). */
#define DS_GEN_CSP_BASE \
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
  "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
#define DS_GEN_CSP_SCRIPTS DS_GEN_CSP_BASE "; script-src 'self'"
#define DS_GEN_CSP_NO_SCRIPTS DS_GEN_CSP_BASE

typedef struct
{
  /* Required, e.g. "text/html; charset=utf-8". */
  const char *content_type;
  /* What the body is made from (the source's identity and mtime, the
   * renderer's version, the options that change the output): equal seeds
   * mean equal bodies.  NULL: the body itself is hashed. */
  const char *etag_seed;
  /* Last-Modified in seconds since the epoch, or 0 for none. */
  gint64 last_modified;
  /* The Vary value (the request fields that chose this body), or NULL. */
  const char *vary;
  /* TRUE: the page may load docserve's own scripts (script-src 'self');
   * FALSE: no script runs at all. */
  gboolean scripts;
} DsGenMeta;

/* The strong ETag of a generated body: "\"g" + 32 hex digits of a SHA-256
 * of @seed (or of @body when @seed is NULL) + "\"".  Caller frees. */
char *ds_gen_etag (const char *seed, GBytes *body);

/* Fills @reply with @body (borrowed; copied) as described by @meta: 200 with
 * Content-Type, ETag, Last-Modified (when given), Vary, Cache-Control:
 * no-cache and the Content-Security-Policy, or 304 / 412 when the
 * request's preconditions say so (RFC 9110 §13.2.2: the same evaluation as
 * for files).  A HEAD gets the same headers; the server sends no body.
 * Generated pages take no ranges (no Accept-Ranges; Range is ignored, RFC
 * 9110 §14.2 allows it). */
void ds_gen_reply (const DsSite *site, const DsRequest *req, const DsGenMeta *meta, GBytes *body,
                   gint64 now, DsReply *reply);

G_END_DECLS
