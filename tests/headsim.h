/* headsim.h: a raw request head left in a buffer the way libmicrohttpd
 * 0.9.75's parser leaves it (src/microhttpd/connection.c of that release):
 * every line end (CRLF or LF) overwritten by NUL bytes, the request line
 * split at its first and last space, the colon after each field name
 * overwritten by one NUL and the value starting after the OWS behind it,
 * values and names as C strings (a NUL byte ends them), and a folded line
 * appended to the previous field's *name*, which moves to other pool memory
 * while its old bytes are zeroed.  Used by tests/check_reqhead.c and
 * tests/fuzz/fuzz_reqhead.c to build DsRequestHead values; header-only so
 * the fuzz build needs nothing else.  The integration suite
 * (check_smuggling.c) sends the same shapes to the real parser. */
#pragma once

#include "docserve/reqhead.h"

#include <glib.h>
#include <string.h>

#define HEADSIM_MAX_FIELDS 64

typedef struct
{
  char *buf; /* the head */
  DsRequestHead head;
  DsHeaderField fields[HEADSIM_MAX_FIELDS];
  char *moved[HEADSIM_MAX_FIELDS]; /* names moved by folding, or NULL */
} HeadSim;

static inline gboolean
headsim_request_line (HeadSim *hs, char *line, gsize len)
{
  char *sp = memchr (line, ' ', len);
  if (sp == NULL)
    return FALSE; /* the parser closes the connection itself */
  *sp = '\0';
  char *target = sp + 1;
  char *last = memrchr (target, ' ', len - (gsize) (target - line));
  if (last == NULL)
    return FALSE; /* the parser answers 400 itself */
  /* The URI-log callback sees the target as a C string. */
  hs->head.target = target;
  hs->head.target_len = strnlen (target, (gsize) (last - target));
  *last = '\0';
  hs->head.version = last + 1;
  return TRUE;
}

static inline gboolean
headsim_field_line (HeadSim *hs, char *line)
{
  if ((line[0] == ' ' || line[0] == '\t') && hs->head.n_fields > 0)
    {
      guint i = hs->head.n_fields - 1;
      DsHeaderField *f = &hs->fields[i];
      char *moved = g_strconcat (f->name, line + strspn (line, " \t"), NULL);
      memset ((char *) f->name, 0, f->name_len + 1);
      g_free (hs->moved[i]);
      hs->moved[i] = moved;
      f->name = moved;
      f->name_len = strlen (moved);
      return TRUE;
    }
  char *colon = strchr (line, ':');
  if (colon == NULL || hs->head.n_fields == HEADSIM_MAX_FIELDS)
    return FALSE; /* the parser answers 400 or 431 itself */
  *colon = '\0';
  char *value = colon + 1 + strspn (colon + 1, " \t");
  hs->fields[hs->head.n_fields++] = (DsHeaderField) { line, strlen (line), value, strlen (value) };
  return TRUE;
}

/* Parses @raw[0..@len) into @hs (free with headsim_clear).  FALSE when the
 * parser would never hand such a head to the application (no request line,
 * a field line without a colon, no empty line). */
static inline gboolean
headsim_parse (HeadSim *hs, const char *raw, gsize len)
{
  memset (hs, 0, sizeof *hs);
  hs->buf = g_malloc0 (len + 1);
  memcpy (hs->buf, raw, len);
  hs->head.block = hs->buf;
  hs->head.fields = hs->fields;

  char *p = hs->buf;
  char *end = hs->buf + len;
  gboolean first = TRUE;
  while (p < end)
    {
      char *lf = memchr (p, '\n', (gsize) (end - p));
      if (lf == NULL)
        return FALSE;
      *lf = '\0';
      if (lf > p && lf[-1] == '\r')
        lf[-1] = '\0';
      if (first)
        {
          if (!headsim_request_line (hs, p, (gsize) (lf - p)))
            return FALSE;
        }
      else if (*p == '\0' && lf - p <= 1)
        {
          hs->head.block_len = (gsize) (lf + 1 - hs->buf);
          return TRUE;
        }
      else if (!headsim_field_line (hs, p))
        return FALSE;
      first = FALSE;
      p = lf + 1;
    }
  return FALSE;
}

static inline void
headsim_clear (HeadSim *hs)
{
  g_clear_pointer (&hs->buf, g_free);
  for (guint i = 0; i < HEADSIM_MAX_FIELDS; i++)
    g_clear_pointer (&hs->moved[i], g_free);
}
