/* manrender.c: manual pages rendered by an external program, the way
 * PORTAL.md asks for any program docserve runs: an argument vector (never
 * a shell), an environment of PATH and LC_ALL only, the source on standard
 * input from a memfd (the program cannot block docserve by not reading),
 * its own process group so that the time limit kills groff's pipeline
 * (preconv, tbl, troff, grotty) as a whole, an output cap, and a counting
 * bound on runs at once (503 beyond it, rather than queueing threads).
 *
 * mandoc is built for untrusted roff and writes HTML itself; it links only
 * mdoc's .Xr, so "name(section)" in man(7) pages is linked here too, as in
 * groff's case, where the terminal output (overstrike bold and italic,
 * grotty -c) is turned into an escaped <pre>.  Links are made only to
 * pages the caller says exist, so a crawl finds no dead ones. */
#include "config.h"

#include "docserve/manrender.h"

#include "docserve/common.h"
#include "docserve/manname.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct _DsManRender
{
  DsManRenderer kind; /* MANDOC or GROFF once found; AUTO: none found */
  char *program;
  guint timeout_ms;
  gsize max_output;
  gint max_parallel;
  gint running;
};

static const char *const search_path = "/usr/bin:/bin";

static char *
find_program (const char *name)
{
  g_auto (GStrv) dirs = g_strsplit (search_path, ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      char *p = g_build_filename (dirs[i], name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
        return p;
      g_free (p);
    }
  return NULL;
}

DsManRender *
ds_manrender_new (DsManRenderer kind, guint timeout_ms, gsize max_output, guint max_parallel)
{
  DsManRender *r = g_new0 (DsManRender, 1);
  r->timeout_ms = timeout_ms;
  r->max_output = max_output;
  r->max_parallel = (gint) MAX (max_parallel, 1);
  if (kind != DS_MANRENDER_GROFF && (r->program = find_program ("mandoc")) != NULL)
    r->kind = DS_MANRENDER_MANDOC;
  else if (kind != DS_MANRENDER_MANDOC && (r->program = find_program ("groff")) != NULL)
    r->kind = DS_MANRENDER_GROFF;
  else
    r->kind = DS_MANRENDER_AUTO;
  return r;
}

void
ds_manrender_free (DsManRender *r)
{
  if (r == NULL)
    return;
  g_free (r->program);
  g_free (r);
}

const char *
ds_manrender_name (const DsManRender *r)
{
  switch (r->kind)
    {
    case DS_MANRENDER_MANDOC:
      return "mandoc";
    case DS_MANRENDER_GROFF:
      return "groff";
    case DS_MANRENDER_AUTO:
    default:
      return NULL;
    }
}

/* ---- links -------------------------------------------------------------- */

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == ':' || c == '+' || c == '-'
         || c == '@';
}

/* Whether @s[@i] starts "(SECTION)" with a valid section; sets the
 * section's end (the ')'). */
static gboolean
section_at (const char *s, gsize n, gsize i, gsize *out_close)
{
  if (i >= n || s[i] != '(')
    return FALSE;
  gsize j = i + 1;
  while (j < n && j - i <= DS_MANNAME_MAX_SECTION && (g_ascii_isalnum (s[j])))
    j++;
  if (j >= n || s[j] != ')' || j == i + 1)
    return FALSE;
  g_autofree char *sec = g_strndup (s + i + 1, j - i - 1);
  if (!ds_manname_valid_section (sec))
    return FALSE;
  *out_close = j;
  return TRUE;
}

/* The start of the name that ends at @end in @s (name characters back to
 * the first letter, digit or '_'), or @end when there is none. */
static gsize
name_start (const char *s, gsize end)
{
  gsize b = end;
  while (b > 0 && is_name_char (s[b - 1]))
    b--;
  while (b < end && !(g_ascii_isalnum (s[b]) || s[b] == '_'))
    b++;
  return b;
}

static void
append_href (GString *out, const char *section, const char *name)
{
  g_string_append (out, "<a href=\"/man/");
  g_string_append_uri_escaped (out, section, NULL, FALSE);
  g_string_append_c (out, '/');
  g_string_append_uri_escaped (out, name, "!$&'()*+,;=:@", FALSE);
  g_string_append (out, "\">");
}

static gboolean
linkable (DsManLinkFunc link, gpointer data, const char *s, gsize name_b, gsize name_e,
          gsize sec_b, gsize sec_e)
{
  if (link == NULL || name_e <= name_b)
    return FALSE;
  g_autofree char *name = g_strndup (s + name_b, name_e - name_b);
  g_autofree char *sec = g_strndup (s + sec_b, sec_e - sec_b);
  return ds_manname_valid_name (name) && link (data, sec, name);
}

/* ---- groff ---------------------------------------------------------------- */

enum
{
  ATTR_NONE = 0,
  ATTR_B = 1,
  ATTR_I = 2
};

static void
append_char_escaped (GString *out, const char *c, gsize n)
{
  if (n == 1)
    switch (*c)
      {
      case '&':
        g_string_append (out, "&amp;");
        return;
      case '<':
        g_string_append (out, "&lt;");
        return;
      case '>':
        g_string_append (out, "&gt;");
        return;
      case '"':
        g_string_append (out, "&quot;");
        return;
      case '\'':
        g_string_append (out, "&#39;");
        return;
      default:
        break;
      }
  g_string_append_len (out, c, (gssize) n);
}

static void
set_attr (GString *out, int *cur, int want)
{
  if (*cur == want)
    return;
  if (*cur == ATTR_B)
    g_string_append (out, "</b>");
  else if (*cur == ATTR_I)
    g_string_append (out, "</i>");
  if (want == ATTR_B)
    g_string_append (out, "<b>");
  else if (want == ATTR_I)
    g_string_append (out, "<i>");
  *cur = want;
}

/* One line of cells: the plain text, each cell's byte offset in it and
 * attribute. */
typedef struct
{
  GString *plain;
  GArray *offsets; /* gsize, one per cell plus the end */
  GArray *attrs;   /* int */
} Line;

static void
flush_line (GString *out, Line *line, DsManLinkFunc link, gpointer data)
{
  const char *s = line->plain->str;
  gsize n = line->plain->len;
  guint cells = line->attrs->len;
  g_array_append_val (line->offsets, n);
  /* Links as byte spans, then mapped to cells while writing. */
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (gsize i = 0; i < n; i++)
    {
      gsize close;
      if (s[i] != '(' || !section_at (s, n, i, &close))
        continue;
      gsize b = name_start (s, i);
      if (linkable (link, data, s, b, i, i + 1, close))
        {
          g_array_append_val (spans, b);
          gsize e = close + 1;
          g_array_append_val (spans, e);
        }
      i = close;
    }
  int cur = ATTR_NONE;
  guint span = 0;
  gboolean in_link = FALSE;
  for (guint c = 0; c < cells; c++)
    {
      gsize off = g_array_index (line->offsets, gsize, c);
      gsize next = g_array_index (line->offsets, gsize, c + 1);
      if (in_link && off >= g_array_index (spans, gsize, span + 1))
        {
          set_attr (out, &cur, ATTR_NONE);
          g_string_append (out, "</a>");
          in_link = FALSE;
          span += 2;
        }
      if (!in_link && span < spans->len && off == g_array_index (spans, gsize, span))
        {
          set_attr (out, &cur, ATTR_NONE);
          gsize b = g_array_index (spans, gsize, span), e = g_array_index (spans, gsize, span + 1);
          const char *open = memchr (s + b, '(', e - b);
          g_autofree char *name = g_strndup (s + b, (gsize) (open - (s + b)));
          g_autofree char *sec = g_strndup (open + 1, (gsize) (s + e - 1 - open - 1));
          append_href (out, sec, name);
          in_link = TRUE;
        }
      set_attr (out, &cur, g_array_index (line->attrs, int, c));
      append_char_escaped (out, s + off, next - off);
    }
  set_attr (out, &cur, ATTR_NONE);
  if (in_link)
    g_string_append (out, "</a>");
  g_string_append_c (out, '\n');
  g_array_unref (spans);
  g_string_truncate (line->plain, 0);
  g_array_set_size (line->offsets, 0);
  g_array_set_size (line->attrs, 0);
}

char *
ds_manrender_groff_html (const char *text, gsize len, DsManLinkFunc link, gpointer link_data)
{
  g_autofree char *valid = g_utf8_make_valid (text, (gssize) len);
  GString *out = g_string_sized_new (len + len / 4 + 64);
  Line line = { g_string_new (NULL), g_array_new (FALSE, FALSE, sizeof (gsize)),
                g_array_new (FALSE, FALSE, sizeof (int)) };

  g_string_append (out, "<pre class=\"man\">");
  const char *p = valid;
  while (*p != '\0')
    {
      if (*p == '\n')
        {
          flush_line (out, &line, link, link_data);
          p++;
          continue;
        }
      const char *c = p;
      const char *cn = g_utf8_next_char (p);
      int attr = ATTR_NONE;
      p = cn;
      while (*p == '\b' && p[1] != '\0' && p[1] != '\n')
        {
          const char *d = p + 1;
          const char *dn = g_utf8_next_char (d);
          gboolean same = (cn - c) == (dn - d) && memcmp (c, d, (gsize) (cn - c)) == 0;
          if (same)
            attr |= ATTR_B;
          else if (cn - c == 1 && *c == '_')
            {
              attr |= ATTR_I;
              c = d;
              cn = dn;
            }
          else if (dn - d == 1 && *d == '_')
            attr |= ATTR_I;
          else
            {
              c = d; /* another overstrike: keep the last character */
              cn = dn;
            }
          p = dn;
        }
      if ((guchar) *c < 0x20 && *c != '\t')
        continue; /* other control bytes (a stray backspace) */
      if (*c == '\b')
        continue;
      gsize off = line.plain->len;
      g_array_append_val (line.offsets, off);
      g_array_append_val (line.attrs, attr);
      g_string_append_len (line.plain, c, cn - c);
    }
  if (line.attrs->len > 0)
    flush_line (out, &line, link, link_data);
  g_string_append (out, "</pre>\n");
  g_string_free (line.plain, TRUE);
  g_array_unref (line.offsets);
  g_array_unref (line.attrs);
  return g_string_free (out, FALSE);
}

/* ---- mandoc --------------------------------------------------------------- */

/* The end of the tag at @s ('<'), or NULL. */
static const char *
tag_end (const char *s)
{
  return strchr (s, '>');
}

char *
ds_manrender_filter_links (const char *html, DsManLinkFunc link, gpointer link_data)
{
  static const char xr[] = "<a class=\"Xr\" href=\"/man/";
  GString *out = g_string_sized_new (strlen (html) + 256);
  const char *s = html;
  int a_depth = 0;

  while (*s != '\0')
    {
      if (*s == '<')
        {
          const char *e = tag_end (s);
          if (e == NULL)
            {
              g_string_append (out, s);
              break;
            }
          if (strncmp (s, xr, sizeof xr - 1) == 0)
            {
              /* mandoc's .Xr: keep the link only to a page that exists. */
              const char *v = s + sizeof xr - 1;
              const char *q = strchr (v, '"');
              const char *slash = q != NULL ? memchr (v, '/', (gsize) (q - v)) : NULL;
              gboolean keep = FALSE;
              if (slash != NULL && q < e)
                {
                  g_autofree char *sec = g_strndup (v, (gsize) (slash - v));
                  g_autofree char *name = g_strndup (slash + 1, (gsize) (q - slash - 1));
                  keep = link != NULL && ds_manname_valid_section (sec)
                         && ds_manname_valid_name (name) && link (link_data, sec, name);
                }
              if (keep)
                g_string_append_len (out, s, e + 1 - s);
              else
                g_string_append (out, "<a class=\"Xr\">");
              a_depth++;
            }
          else
            {
              if (strncmp (s, "<a ", 3) == 0 || strncmp (s, "<a>", 3) == 0)
                a_depth++;
              else if (strncmp (s, "</a>", 4) == 0 && a_depth > 0)
                a_depth--;
              g_string_append_len (out, s, e + 1 - s);
            }
          s = e + 1;
          continue;
        }
      /* "(SECTION)" in text: link the name before it, plain or in <b>/<i>. */
      gsize close = 0;
      if (*s == '(' && a_depth == 0 && section_at (s, strlen (s), 0, &close) && link != NULL)
        {
          const char *sec_b = s + 1;
          gsize sec_n = close - 1;
          gsize ol = out->len;
          const char *o = out->str;
          gsize name_b, name_e, wrap_b;
          gboolean tagged = ol >= 4 && (memcmp (o + ol - 4, "</b>", 4) == 0
                                        || memcmp (o + ol - 4, "</i>", 4) == 0);
          if (tagged)
            {
              name_e = ol - 4;
              char open_tag[4] = { '<', o[ol - 2], '>', '\0' };
              const char *ot = g_strrstr_len (o, (gssize) name_e, open_tag);
              name_b = ot != NULL ? (gsize) (ot - o) + 3 : name_e;
              wrap_b = ot != NULL ? (gsize) (ot - o) : name_e;
              for (gsize k = name_b; k < name_e; k++)
                if (!is_name_char (o[k]))
                  name_b = name_e; /* markup or spaces inside: no link */
            }
          else
            {
              name_e = ol;
              name_b = name_start (o, ol);
              wrap_b = name_b;
            }
          g_autofree char *sec = g_strndup (sec_b, sec_n);
          g_autofree char *name = g_strndup (o + name_b, name_e - name_b);
          if (name_e > name_b && ds_manname_valid_name (name) && link (link_data, sec, name))
            {
              g_autofree char *tail = g_strdup (o + wrap_b);
              g_string_truncate (out, wrap_b);
              append_href (out, sec, name);
              g_string_append (out, tail);
              g_string_append_len (out, s, (gssize) close + 1);
              g_string_append (out, "</a>");
              s += close + 1;
              continue;
            }
        }
      g_string_append_c (out, *s++);
    }
  return g_string_free (out, FALSE);
}

/* ---- running ---------------------------------------------------------- */

static void
child_setup (gpointer data)
{
  (void) data;
  setpgid (0, 0);
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static void
kill_group (GPid pid)
{
  kill (-pid, SIGKILL);
  kill (pid, SIGKILL);
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
}

/* Writes @source to a memfd, runs the program on it and collects its
 * standard output into @output within the limits. */
static DsManRenderResult
run_child (DsManRender *r, GBytes *source, const char *cwd, GString *output, char **out_reason)
{
  int in_fd __attribute__ ((cleanup (ds_fd_cleanup))) = memfd_create ("docserve-man", MFD_CLOEXEC);
  int out_fd __attribute__ ((cleanup (ds_fd_cleanup))) = -1;
  gsize len;
  const char *src = g_bytes_get_data (source, &len);
  GPid pid = 0;
  g_autoptr (GError) error = NULL;

  const char *mandoc_argv[] = { r->program, "-T", "html", "-O", "fragment,man=/man/%S/%N", NULL };
  const char *groff_argv[] = { r->program, "-t", "-k", "-Kutf-8", "-mandoc", "-Tutf8",
                               "-rLL=80n", "-rLT=80n", "-P-c", NULL };
  const char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", NULL };
  const char *const *argv = r->kind == DS_MANRENDER_MANDOC ? mandoc_argv : groff_argv;

  if (in_fd < 0)
    {
      *out_reason = g_strdup_printf ("memfd_create: %s", g_strerror (errno));
      return DS_MANRENDER_FAILED;
    }
  for (gsize done = 0; done < len;)
    {
      ssize_t n = write (in_fd, src + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *out_reason = g_strdup_printf ("memfd write: %s", g_strerror (errno));
          return DS_MANRENDER_FAILED;
        }
      done += (gsize) n;
    }
  lseek (in_fd, 0, SEEK_SET);

  if (!g_spawn_async_with_pipes_and_fds (cwd, argv, envp,
                                         G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                         child_setup, NULL, in_fd, -1, -1, NULL, NULL, 0, &pid,
                                         NULL, &out_fd, NULL, &error))
    {
      *out_reason = g_strdup_printf ("%s: %s", r->program, error->message);
      return DS_MANRENDER_FAILED;
    }

  gint64 deadline = now_ms () + r->timeout_ms;
  char buf[65536];
  for (;;)
    {
      gint64 left = deadline - now_ms ();
      if (left <= 0)
        {
          kill_group (pid);
          *out_reason = g_strdup_printf ("%s killed after %u ms", r->program, r->timeout_ms);
          return DS_MANRENDER_TIMEOUT;
        }
      struct pollfd pfd = { out_fd, POLLIN, 0 };
      int pr = poll (&pfd, 1, (int) MIN (left, 1000));
      if (pr <= 0)
        continue;
      ssize_t n = read (out_fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;
      if (output->len + (gsize) n > r->max_output)
        {
          kill_group (pid);
          *out_reason = g_strdup_printf ("%s output over %" G_GSIZE_FORMAT " bytes", r->program,
                                         r->max_output);
          return DS_MANRENDER_FAILED;
        }
      g_string_append_len (output, buf, n);
    }
  /* Output closed: the program is exiting; wait for it within the limit. */
  int status = 0;
  for (;;)
    {
      pid_t w = waitpid (pid, &status, WNOHANG);
      if (w == pid)
        break;
      if (w < 0 && errno != EINTR)
        {
          status = -1;
          break;
        }
      if (now_ms () >= deadline)
        {
          kill_group (pid);
          *out_reason = g_strdup_printf ("%s killed after %u ms", r->program, r->timeout_ms);
          return DS_MANRENDER_TIMEOUT;
        }
      g_usleep (2000);
    }
  /* mandoc exits 2-4 for warnings and errors in the source, still with
   * output; 5 and up means it could not work. */
  if (status < 0 || !WIFEXITED (status) || WEXITSTATUS (status) >= 5 || output->len == 0)
    {
      *out_reason = g_strdup_printf ("%s failed (status %d, %" G_GSIZE_FORMAT " bytes)",
                                     r->program, status, output->len);
      return DS_MANRENDER_FAILED;
    }
  return DS_MANRENDER_OK;
}

DsManRenderResult
ds_manrender_run (DsManRender *r, GBytes *source, const char *cwd, DsManLinkFunc link,
                  gpointer link_data, char **out_html, char **out_reason)
{
  g_return_val_if_fail (r != NULL && source != NULL && out_html != NULL, DS_MANRENDER_FAILED);

  *out_html = NULL;
  if (r->kind == DS_MANRENDER_AUTO)
    {
      *out_reason = g_strdup ("neither mandoc nor groff is installed");
      return DS_MANRENDER_FAILED;
    }
  if (g_atomic_int_add (&r->running, 1) >= r->max_parallel)
    {
      g_atomic_int_add (&r->running, -1);
      *out_reason = g_strdup ("too many renders at once");
      return DS_MANRENDER_BUSY;
    }
  g_autoptr (GString) output = g_string_new (NULL);
  DsManRenderResult result = run_child (r, source, cwd, output, out_reason);
  g_atomic_int_add (&r->running, -1);
  if (result != DS_MANRENDER_OK)
    return result;
  if (r->kind == DS_MANRENDER_MANDOC)
    {
      g_autofree char *valid = g_utf8_make_valid (output->str, (gssize) output->len);
      *out_html = ds_manrender_filter_links (valid, link, link_data);
    }
  else
    *out_html = ds_manrender_groff_html (output->str, output->len, link, link_data);
  return DS_MANRENDER_OK;
}
