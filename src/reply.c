/* reply.c: the DsReply value and the status pages.  A status page is
 * status.c's generated HTML (it reveals nothing about the request), or the
 * administrator's --error-pages file for that code, read once at start. */
#include "config.h"

#include "docserve/reply.h"

#include "docserve/common.h"
#include "docserve/conf.h"
#include "docserve/status.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define ERROR_PAGE_MAX (1024 * 1024)

void
ds_reply_init (DsReply *reply)
{
  memset (reply, 0, sizeof *reply);
  reply->fd = -1;
}

void
ds_reply_clear (DsReply *reply)
{
  g_free (reply->buf);
  ds_fd_cleanup (&reply->fd);
  if (reply->multipart != NULL)
    ds_multipart_free (reply->multipart);
  if (reply->stream.funcs != NULL)
    reply->stream.funcs->free (reply->stream.data);
  for (guint i = 0; i < reply->n_headers; i++)
    g_free (reply->headers[i].value);
  ds_reply_init (reply);
}

void
ds_reply_add_header (DsReply *reply, const char *name, const char *value)
{
  g_assert (reply->n_headers < DS_REPLY_MAX_HEADERS);
  reply->headers[reply->n_headers].name = name;
  reply->headers[reply->n_headers].value = g_strdup (value);
  reply->n_headers++;
}

const char *
ds_reply_get_header (const DsReply *reply, const char *name)
{
  for (guint i = 0; i < reply->n_headers; i++)
    if (g_ascii_strcasecmp (reply->headers[i].name, name) == 0)
      return reply->headers[i].value;
  return NULL;
}

void
ds_reply_set_status_page (DsReply *reply, GHashTable *error_pages, guint status)
{
  GBytes *custom = NULL;

  g_free (reply->buf);
  ds_fd_cleanup (&reply->fd);
  reply->status = status;
  reply->body = DS_BODY_BUFFER;
  if (error_pages != NULL)
    custom = g_hash_table_lookup (error_pages, GUINT_TO_POINTER (status));
  if (custom != NULL)
    {
      gsize len = 0;
      const void *data = g_bytes_get_data (custom, &len);
      reply->buf = g_memdup2 (data, len);
      reply->buf_len = len;
    }
  else
    reply->buf = ds_status_page (status, &reply->buf_len);
  ds_reply_add_header (reply, "Content-Type", "text/html; charset=utf-8");
  if (status == 405)
    ds_reply_add_header (reply, "Allow", DS_ALLOW_VALUE);
  if (status == 501 || status == 503 || status == 400)
    reply->close = TRUE;
}

GHashTable *
ds_reply_load_error_pages (const char *dir, GError **error)
{
  static const guint codes[] = { 400, 403, 404, 405, 408, 412, 414, 416,
                                 431, 500, 501, 503, 0 };
  g_autoptr (GHashTable) pages
      = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--error-pages: %s: not a directory", dir);
      return NULL;
    }
  for (int i = 0; codes[i] != 0; i++)
    {
      g_autofree char *name = g_strdup_printf ("%u.html", codes[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) local = NULL;
      char *data = NULL;
      gsize len = 0;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (!g_file_get_contents (path, &data, &len, &local))
        {
          g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--error-pages: %s", local->message);
          return NULL;
        }
      if (len > ERROR_PAGE_MAX)
        {
          g_free (data);
          g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--error-pages: %s: larger than 1 MiB",
                       path);
          return NULL;
        }
      g_hash_table_insert (pages, GUINT_TO_POINTER (codes[i]), g_bytes_new_take (data, len));
    }
  return g_steal_pointer (&pages);
}

/* Small bodies are read into memory: libmicrohttpd then sends the header
 * block and the body in one send() instead of a send() and a sendfile(),
 * and the file is closed at once.  A short read means the file shrank
 * since fstat(): leave it to the fd path (and the watchdog). */
void
ds_reply_load_small_body (DsReply *reply, gboolean head)
{
  if (reply->body != DS_BODY_FILE || reply->length > DS_REPLY_SMALL_BODY || reply->status == 304
      || head)
    return;
  char *buf = g_malloc (reply->length > 0 ? reply->length : 1);
  ssize_t n;
  do
    n = pread (reply->fd, buf, reply->length, (off_t) reply->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0 || (guint64) n != reply->length)
    {
      g_free (buf);
      return;
    }
  ds_fd_cleanup (&reply->fd);
  reply->body = DS_BODY_BUFFER;
  reply->buf = buf;
  reply->buf_len = (gsize) n;
}

/* Counts what every reply's header block has besides the reason phrase and
 * the reply's own headers: "HTTP/1.1 200 " and CRLF, Date (37 and 1 that
 * libmicrohttpd wants free), Connection: close or our Keep-Alive plus
 * libmicrohttpd's "Connection: Keep-Alive" for HTTP/1.0 (80 at most),
 * Content-Length (38 at most), the blank line, Server, nosniff and
 * --header. */
void
ds_reply_common_init (DsReplyCommon *common, char *const *headers)
{
  common->names = g_ptr_array_new_with_free_func (g_free);
  common->values = g_ptr_array_new_with_free_func (g_free);
  for (char *const *h = headers; h != NULL && *h != NULL; h++)
    {
      char *name = NULL, *value = NULL;
      ds_conf_header_split (*h, &name, &value);
      g_ptr_array_add (common->names, name);
      g_ptr_array_add (common->values, value);
    }
  common->server = g_strdup (PACKAGE_NAME "/" PACKAGE_VERSION);
  common->fixed_bytes = 15 + 38 + 80 + 38 + 2 + strlen ("Server: \r\n") + strlen (common->server)
                        + strlen ("X-Content-Type-Options: nosniff\r\n");
  for (guint i = 0; i < common->names->len; i++)
    common->fixed_bytes += strlen (common->names->pdata[i]) + strlen (common->values->pdata[i]) + 4;
}

void
ds_reply_common_clear (DsReplyCommon *common)
{
  g_clear_pointer (&common->server, g_free);
  g_clear_pointer (&common->names, g_ptr_array_unref);
  g_clear_pointer (&common->values, g_ptr_array_unref);
}
