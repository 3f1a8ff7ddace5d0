/* gen.c: the reply of a generated page (gen.h). */
#include "config.h"

#include "docserve/gen.h"

#include "docserve/cond.h"
#include "docserve/httpdate.h"
#include "docserve/site.h"

#include <string.h>

char *
ds_gen_etag (const char *seed, GBytes *body)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  if (seed != NULL)
    g_checksum_update (sum, (const guchar *) seed, (gssize) strlen (seed));
  else if (body != NULL)
    {
      gsize len = 0;
      const guchar *data = g_bytes_get_data (body, &len);
      g_checksum_update (sum, data, (gssize) len);
    }
  /* 128 bits are plenty to tell versions of one URL apart. */
  char hex[33];
  memcpy (hex, g_checksum_get_string (sum), 32);
  hex[32] = '\0';
  return g_strdup_printf ("\"g%s\"", hex);
}

/* The validators and caching headers a 200 and a 304 both carry (RFC 9110
 * §15.4.5). */
static void
add_validators (DsReply *reply, const DsGenMeta *meta, const char *etag)
{
  ds_reply_add_header (reply, "ETag", etag);
  if (meta->last_modified > 0)
    {
      char date[DS_HTTPDATE_LEN];
      ds_httpdate_format (meta->last_modified, date);
      ds_reply_add_header (reply, "Last-Modified", date);
    }
  if (meta->vary != NULL)
    ds_reply_add_header (reply, "Vary", meta->vary);
  ds_reply_add_header (reply, "Cache-Control", "no-cache");
}

void
ds_gen_reply (const DsSite *site, const DsRequest *req, const DsGenMeta *meta, GBytes *body,
              gint64 now, DsReply *reply)
{
  g_return_if_fail (meta != NULL && meta->content_type != NULL && body != NULL);

  g_autofree char *etag = ds_gen_etag (meta->etag_seed, body);
  gint64 lm = meta->last_modified > now ? now : meta->last_modified;
  const DsCondFields cond = {
    .if_match = req->if_match,
    .if_none_match = req->if_none_match,
    /* Without a Last-Modified there is no date to compare with. */
    .if_modified_since = lm > 0 ? req->if_modified_since : NULL,
    .if_unmodified_since = lm > 0 ? req->if_unmodified_since : NULL,
  };
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  switch (ds_cond_evaluate (&cond, TRUE, etag, lm, now))
    {
    case DS_COND_PRECONDITION_FAILED:
      ds_reply_set_status_page (reply, site->error_pages, 412);
      return;
    case DS_COND_NOT_MODIFIED:
      /* With the 200's body: libmicrohttpd then sends its Content-Length
       * and no body (RFC 9110 §15.4.5, §8.6), as for files. */
      reply->status = 304;
      reply->body = DS_BODY_BUFFER;
      reply->buf = g_memdup2 (len > 0 ? data : "", len);
      reply->buf_len = len;
      add_validators (reply, meta, etag);
      return;
    case DS_COND_PROCEED:
    default:
      break;
    }
  reply->status = 200;
  reply->body = DS_BODY_BUFFER;
  reply->buf = g_memdup2 (len > 0 ? data : "", len);
  reply->buf_len = len;
  ds_reply_add_header (reply, "Content-Type", meta->content_type);
  add_validators (reply, meta, etag);
  ds_reply_add_header (reply, "Content-Security-Policy",
                       meta->scripts ? DS_GEN_CSP_SCRIPTS : DS_GEN_CSP_NO_SCRIPTS);
}
