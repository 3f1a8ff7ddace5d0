/* gzfile.c: a file read whole, inflated with zlib's gzip wrapper when it
 * is compressed.  Both sizes are bounded, so that a gzip bomb costs at
 * most the cap. */
#include "config.h"

#include "docserve/gzfile.h"

#include <errno.h>
#include <unistd.h>
#include <zlib.h>

static gboolean
read_all (int fd, gsize max, GByteArray *out, int *out_errno)
{
  guint8 buf[65536];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno == EAGAIN ? EIO : errno;
          return FALSE;
        }
      if (n == 0)
        return TRUE;
      if (out->len + (gsize) n > max)
        {
          *out_errno = EFBIG;
          return FALSE;
        }
      g_byte_array_append (out, buf, (guint) n);
    }
}

/* Inflates gzip data @in into at most @cap bytes. */
static GByteArray *
gunzip (const guint8 *in, gsize len, gsize cap, gboolean head_only, int *out_errno)
{
  z_stream z = { 0 };
  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    {
      *out_errno = ENOMEM;
      return NULL;
    }
  GByteArray *out = g_byte_array_new ();
  guint8 buf[65536];
  z.next_in = (Bytef *) in;
  z.avail_in = (uInt) len;
  int rc = Z_OK;
  while (rc != Z_STREAM_END)
    {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      rc = inflate (&z, Z_NO_FLUSH);
      gsize got = sizeof buf - z.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && got > 0))
        {
          inflateEnd (&z);
          g_byte_array_unref (out);
          *out_errno = EINVAL;
          return NULL;
        }
      if (out->len + got > cap)
        {
          if (head_only)
            {
              g_byte_array_append (out, buf, (guint) (cap - out->len));
              break;
            }
          inflateEnd (&z);
          g_byte_array_unref (out);
          *out_errno = EFBIG;
          return NULL;
        }
      g_byte_array_append (out, buf, (guint) got);
      if (rc == Z_BUF_ERROR || (z.avail_in == 0 && rc != Z_STREAM_END && got == 0))
        {
          /* Input ended before the stream did. */
          inflateEnd (&z);
          g_byte_array_unref (out);
          *out_errno = EINVAL;
          return NULL;
        }
    }
  inflateEnd (&z);
  return out;
}

GBytes *
ds_gzfile_read (int fd, gboolean gz, gsize max_raw, gsize cap, gboolean head_only,
                int *out_errno)
{
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  if (!read_all (fd, gz ? max_raw : (head_only ? max_raw : MIN (cap, max_raw)), raw, out_errno))
    return NULL;
  if (!gz)
    {
      if (head_only && raw->len > cap)
        g_byte_array_set_size (raw, (guint) cap);
      return g_byte_array_free_to_bytes (g_steal_pointer (&raw));
    }
  GByteArray *text = gunzip (raw->data, raw->len, cap, head_only, out_errno);
  return text != NULL ? g_byte_array_free_to_bytes (text) : NULL;
}
