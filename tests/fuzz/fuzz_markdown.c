/* fuzz_markdown.c: the Markdown render path (markdown.c): the fragment,
 * the page around it, the README section, and the gzip reader.
 *
 * Input: the Markdown source, all of it (any bytes).  The same bytes are
 * also written to a scratch file and read back with ds_markdown_read_fd,
 * as plain and as gzip, under a small cap.
 *
 * Properties: the fragment is valid UTF-8 without NUL; every '<' in it
 * starts a tag of the fixed set md4c writes (so no tag of the source came
 * through); every link and image target has no scheme or an allowed one
 * (no javascript:, data:, vbscript:); the page and the README section are
 * valid UTF-8 and hold no "<script"; the reader never returns more than the
 * cap and, for plain files, returns the file's own bytes.  md4c itself is
 * not instrumented (Debian's shared library): the coverage is this
 * project's code. */
#include "config.h"

#include "docserve/markdown.h"

#include <fcntl.h>
#include <unistd.h>

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

/* The tags md4c's HTML renderer writes with the flags markdown.c uses. */
static gboolean
known_tag (const char *p, const char *end)
{
  static const char *const tags[]
      = { "h1",  "h2",    "h3",    "h4",    "h5", "h6", "p",    "em",         "strong",
          "a",   "img",   "code",  "pre",   "ul", "ol", "li",   "blockquote", "hr",
          "br",  "table", "thead", "tbody", "tr", "th", "td",   "del",        "input" };

  if (p < end && *p == '/')
    p++;
  const char *name = p;
  while (p < end && g_ascii_isalnum (*p))
    p++;
  gsize n = (gsize) (p - name);
  if (p >= end || (*p != '>' && *p != ' ' && *p != '/'))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
    if (strlen (tags[i]) == n && strncmp (name, tags[i], n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
scheme_allowed (const char *url, const char *end)
{
  static const char *const ok[] = { "http", "https", "ftp", "mailto", "tel", "irc", "news" };
  const char *p = url;

  if (p >= end || !g_ascii_isalpha (*p))
    return TRUE;
  while (p < end && (g_ascii_isalnum (*p) || *p == '+' || *p == '-' || *p == '.'))
    p++;
  if (p >= end || *p != ':')
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    if (strlen (ok[i]) == (gsize) (p - url) && g_ascii_strncasecmp (url, ok[i], strlen (ok[i])) == 0)
      return TRUE;
  return FALSE;
}

static void
check_fragment (const char *html, gsize len, const uint8_t *data, size_t size)
{
  g_autofree char *in = fuzz_show (data, size < 200 ? size : 200);
  const char *end = html + len;

  FUZZ_CHECK (g_utf8_validate (html, (gssize) len, NULL), "invalid UTF-8 for \"%s\"", in);
  FUZZ_CHECK (memchr (html, '\0', len) == NULL, "NUL in the output for \"%s\"", in);
  for (const char *p = memchr (html, '<', len); p != NULL;
       p = memchr (p + 1, '<', (gsize) (end - p - 1)))
    {
      FUZZ_CHECK (known_tag (p + 1, end), "unknown tag at \"%.40s\" for \"%s\"", p, in);
      const char *attrs[] = { "<a href=\"", "<img src=\"" };
      for (gsize k = 0; k < G_N_ELEMENTS (attrs); k++)
        {
          gsize al = strlen (attrs[k]);
          if ((gsize) (end - p) > al && memcmp (p, attrs[k], al) == 0)
            {
              const char *url = p + al;
              const char *q = memchr (url, '"', (gsize) (end - url));
              FUZZ_CHECK (q != NULL, "unterminated attribute for \"%s\"", in);
              FUZZ_CHECK (scheme_allowed (url, q), "live target \"%.*s\" for \"%s\"",
                          (int) (q - url), url, in);
            }
        }
      if (p + 1 >= end)
        break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *src = size > 0 ? (const char *) data : "";
  gsize len = 0;
  g_autofree char *html = ds_markdown_render (src, size, 1024 * 1024, &len);

  if (html != NULL)
    {
      check_fragment (html, len, data, size);
      g_autoptr (GBytes) page = ds_markdown_page ("/d/x.md", "x.md", html, len);
      gsize pl = 0;
      const char *ps = g_bytes_get_data (page, &pl);
      FUZZ_CHECK (g_utf8_validate (ps, (gssize) pl, NULL), "page not UTF-8");
      FUZZ_CHECK (g_strstr_len (ps, (gssize) pl, "<script") == NULL, "script in the page");
    }

  g_autoptr (GString) readme = g_string_new (NULL);
  ds_markdown_append_readme (readme, "README", src, size, size % 2 == 0, FALSE);
  FUZZ_CHECK (g_utf8_validate (readme->str, (gssize) readme->len, NULL), "README not UTF-8");
  FUZZ_CHECK (strstr (readme->str, "<script") == NULL, "script in the README section");

  /* The reader, plain and gzip, under a cap smaller than many inputs. */
  g_autofree char *path = g_build_filename (fuzz_scratch_dir (), "src", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK (fd >= 0, "cannot open %s", path);
  FUZZ_CHECK (write (fd, src, size) == (ssize_t) size, "cannot write %s", path);
  const gsize cap = 64;
  for (int gz = 0; gz <= 1; gz++)
    {
      gboolean over = FALSE;
      g_autoptr (GBytes) b = ds_markdown_read_fd (fd, gz, cap, TRUE, &over);
      if (b == NULL)
        {
          FUZZ_CHECK (gz, "plain read failed");
          continue;
        }
      FUZZ_CHECK (g_bytes_get_size (b) <= cap, "read %zu bytes past the cap", g_bytes_get_size (b));
      if (!gz)
        {
          FUZZ_CHECK (over == (size > cap), "over %d for %zu bytes", over, size);
          FUZZ_CHECK (size == 0 || memcmp (g_bytes_get_data (b, NULL), data, g_bytes_get_size (b)) == 0,
                      "plain read differs");
        }
    }
  close (fd);
  return 0;
}
