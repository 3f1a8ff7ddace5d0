/* fuzz_accesslog.c: ds_accesslog_format in all four formats.
 *
 * Input: 32 bytes of numbers (little-endian: time_us 8, utc_offset_s 4,
 * client_port 2, status 2, bytes 8, duration_us 8; missing bytes are 0),
 * then the string fields separated by NUL bytes, in the order client_addr,
 * method, target, version, referer, user_agent, encoding.  A missing field,
 * or one that is the single byte 0xff, is NULL.  (NUL as the separator so
 * that '\n', '\r' and every other byte can appear inside a field.)
 *
 * Properties, every format: exactly one '\n', at the end, and no '\r' (one
 * record is one line, a log cannot be forged).  json: valid UTF-8, and one
 * valid JSON object (a small RFC 8259 checker below) with the twelve keys.
 * csv: RFC 4180 with exactly 12 fields.  common/combined: 7/9 fields
 * (host, -, -, [time], "request", status, bytes[, "referer", "ua"]) when
 * the host holds no space (a real host is a numeric address). */
#include "config.h"

#include "docserve/accesslog.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

/* ---- CSV and NCSA field counts ---- */

/* RFC 4180 fields of one line (without its '\n'); -1 if malformed. */
static int
csv_fields (const char *s, const char *end)
{
  int n = 1;
  while (s <= end)
    {
      if (s < end && *s == '"')
        {
          s++;
          for (;;)
            {
              if (s >= end)
                return -1;
              if (*s == '"')
                {
                  if (s + 1 < end && s[1] == '"')
                    s += 2;
                  else
                    {
                      s++;
                      break;
                    }
                }
              else
                s++;
            }
          if (s < end && *s != ',')
            return -1;
        }
      else
        {
          while (s < end && *s != ',')
            {
              if (*s == '"')
                return -1;
              s++;
            }
        }
      if (s >= end)
        break;
      s++; /* ',' */
      n++;
      if (s == end)
        break; /* trailing empty field */
    }
  return n;
}

/* NCSA fields: bare words, [..] and "..." with backslash escapes, separated
 * by single spaces; -1 if malformed. */
static int
ncsa_fields (const char *s, const char *end)
{
  int n = 0;
  while (s < end)
    {
      n++;
      if (*s == '"')
        {
          s++;
          while (s < end && *s != '"')
            s += *s == '\\' && s + 1 < end ? 2 : 1;
          if (s >= end)
            return -1;
          s++;
        }
      else if (*s == '[' && n == 4)
        {
          const char *close = memchr (s, ']', (gsize) (end - s));
          if (close == NULL)
            return -1;
          s = close + 1;
        }
      else
        while (s < end && *s != ' ')
          s++;
      if (s < end)
        {
          if (*s != ' ')
            return -1;
          s++;
          if (s == end)
            return -1;
        }
    }
  return n;
}

static char *
take (FuzzInput *in)
{
  char *s = fuzz_take_field (in, '\0');
  if (s != NULL && strcmp (s, "\xff") == 0)
    {
      g_free (s);
      return NULL;
    }
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  DsLogRecord rec = { 0 };

  rec.time_us = (gint64) fuzz_take_u64 (&in, 8);
  rec.utc_offset_s = (int) (gint32) fuzz_take_u64 (&in, 4);
  rec.client_port = (guint) fuzz_take_u64 (&in, 2);
  rec.status = (guint) fuzz_take_u64 (&in, 2);
  rec.bytes = fuzz_take_u64 (&in, 8);
  rec.duration_us = (gint64) fuzz_take_u64 (&in, 8);

  char *fields[7];
  for (int i = 0; i < 7; i++)
    fields[i] = take (&in);
  rec.client_addr = fields[0];
  rec.method = fields[1];
  rec.target = fields[2];
  rec.version = fields[3];
  rec.referer = fields[4];
  rec.user_agent = fields[5];
  rec.encoding = fields[6];

  g_autofree char *shown = fuzz_show (data, size);
  static const DsLogFormat formats[] = { DS_LOG_COMBINED, DS_LOG_COMMON, DS_LOG_JSON,
                                         DS_LOG_CSV };
  for (gsize f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *line = ds_accesslog_format (formats[f], &rec);
      FUZZ_CHECK (line != NULL, "NULL line");
      gsize len = strlen (line);
      g_autofree char *shown_line = fuzz_show (line, len);

      FUZZ_CHECK (len > 0 && line[len - 1] == '\n' && memchr (line, '\n', len - 1) == NULL
                      && memchr (line, '\r', len) == NULL,
                  "format %d: not one line: \"%s\" for input \"%s\"", (int) formats[f],
                  shown_line, shown);

      const char *end = line + len - 1;
      switch (formats[f])
        {
        case DS_LOG_JSON:
          {
            FUZZ_CHECK (g_utf8_validate (line, (gssize) len, NULL),
                        "json not UTF-8: \"%s\" for input \"%s\"", shown_line, shown);
            int keys = -1;
            FUZZ_CHECK (fuzz_json_valid (line, (gsize) (end - line), &keys) && keys == 12,
                        "invalid json (%d keys): \"%s\"", keys, shown_line);
            break;
          }
        case DS_LOG_CSV:
          {
            int n = csv_fields (line, end);
            FUZZ_CHECK (n == 12, "csv has %d fields: \"%s\"", n, shown_line);
            FUZZ_CHECK (g_utf8_validate (line, (gssize) len, NULL), "csv not UTF-8: \"%s\"",
                        shown_line);
            break;
          }
        case DS_LOG_COMBINED:
        case DS_LOG_COMMON:
        default:
          if (rec.client_addr == NULL || strchr (rec.client_addr, ' ') == NULL)
            {
              int n = ncsa_fields (line, end);
              int want = formats[f] == DS_LOG_COMBINED ? 9 : 7;
              FUZZ_CHECK (n == want, "ncsa format %d has %d fields: \"%s\"", (int) formats[f], n,
                          shown_line);
            }
          break;
        }
    }

  for (int i = 0; i < 7; i++)
    g_free (fields[i]);
  return 0;
}
