/* fuzz_inject.c: ds_inject_position and ds_inject_snippet (the --watch
 * script tag) on arbitrary bytes.
 *
 * Input: the bytes are the page.
 *
 * Properties:
 * - the result is the page with the snippet inserted at the position, and
 *   NUL-terminated; the position is the end or the '<' of a "</body" or
 *   "</head" (ASCII case-insensitive);
 * - refusal happens exactly for a UTF-16/UTF-32 byte order mark;
 * - the snippet is a complete element inserted where the tokenizer is
 *   between tags, so injecting into the result again puts the second copy
 *   right before the same place (nothing before it is read differently). */
#include "config.h"

#include "docserve/inject.h"

#include "fuzz_common.h"

#define TAG "<script src=\"/.docserve/reload.js\"></script>"

FUZZ_DEFAULT_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* An exact-size copy, so reading past the end is caught (malloc, not
   * g_malloc: a pointer even for 0 bytes). */
  char *page = malloc (size);
  if (page == NULL)
    abort ();
  if (size > 0)
    memcpy (page, data, size);
  const gsize tlen = strlen (TAG);
  gsize pos = 0, out_len = 0;
  gboolean ok = ds_inject_position (page, size, &pos);
  char *out = ds_inject_snippet (page, size, TAG, &out_len);
  const guchar *b = data;
  gboolean wide = (size >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
                  || (size >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff);

  FUZZ_CHECK (ok == !wide, "refused=%d wide=%d", !ok, wide);
  FUZZ_CHECK ((out != NULL) == ok, "snippet result disagrees with position");
  if (out == NULL)
    {
      free (page);
      return 0;
    }
  FUZZ_CHECK (pos <= size, "pos %zu > size %zu", pos, size);
  FUZZ_CHECK (pos == size
                  || (size - pos >= 6
                      && (g_ascii_strncasecmp (page + pos, "</body", 6) == 0
                          || g_ascii_strncasecmp (page + pos, "</head", 6) == 0)),
              "pos %zu is not at </body or </head", pos);
  FUZZ_CHECK (out_len == size + tlen, "length %zu", out_len);
  FUZZ_CHECK (memcmp (out, page, pos) == 0, "prefix changed");
  FUZZ_CHECK (memcmp (out + pos, TAG, tlen) == 0, "snippet not at pos");
  FUZZ_CHECK (memcmp (out + pos + tlen, page + pos, size - pos) == 0, "suffix changed");
  FUZZ_CHECK (out[out_len] == '\0', "not NUL-terminated");

  gsize pos2 = 0;
  FUZZ_CHECK (ds_inject_position (out, out_len, &pos2), "result refused");
  FUZZ_CHECK (pos2 == (pos == size ? out_len : pos + tlen), "second position %zu, first %zu of %zu",
              pos2, pos, size);
  g_free (out);
  free (page);
  return 0;
}
