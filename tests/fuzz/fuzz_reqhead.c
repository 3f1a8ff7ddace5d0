/* fuzz_reqhead.c: ds_reqhead_check and ds_reqhead_layout_ok.
 *
 * Input: a raw request head.  tests/headsim.h leaves it in a buffer the way
 * libmicrohttpd 0.9.75's parser does (heads the parser itself refuses are
 * skipped); the buffer is exactly the head's size, so any read past it is
 * an ASan report.
 *
 * Properties (reqhead.h):
 * - the verdict is one of DsHeadVerdict and has a text;
 * - the check is deterministic;
 * - a head judged OK or OK_CLOSE has token names, values without CR/LF/NUL,
 *   a layout that accounts for every byte, at most one Content-Length and
 *   Transfer-Encoding and not both, and a valid Host when it has one (two
 *   are the handler's 400);
 * - OK_CLOSE only for a Transfer-Encoding that is "chunked" with OWS;
 * - moving any field's name out of the block makes the layout fail. */
#include "config.h"

#include "docserve/field.h"
#include "docserve/reqhead.h"

#include "../headsim.h"
#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static gboolean
named (const DsHeaderField *f, const char *name)
{
  return ds_field_equals (f->name, f->name_len, name);
}

static void
check_accepted (const DsRequestHead *h, DsHeadVerdict v)
{
  guint lengths = 0, codings = 0, hosts = 0;
  const DsHeaderField *host = NULL;

  FUZZ_CHECK (ds_reqhead_layout_ok (h), "accepted head with a broken layout");
  for (guint i = 0; i < h->n_fields; i++)
    {
      const DsHeaderField *f = &h->fields[i];
      FUZZ_CHECK (ds_field_is_token (f->name, f->name_len), "accepted name %.*s",
                  (int) f->name_len, f->name);
      FUZZ_CHECK (memchr (f->value, '\r', f->value_len) == NULL
                    && memchr (f->value, '\n', f->value_len) == NULL
                    && memchr (f->value, '\0', f->value_len) == NULL,
                  "accepted value with CR/LF/NUL");
      lengths += named (f, "Content-Length");
      codings += named (f, "Transfer-Encoding");
      if (named (f, "Host"))
        {
          hosts++;
          host = f;
        }
      if (named (f, "Transfer-Encoding") && v == DS_HEAD_OK_CLOSE)
        FUZZ_CHECK (!ds_field_equals (f->value, f->value_len, "chunked"),
                    "OK_CLOSE for an exact chunked");
    }
  FUZZ_CHECK (lengths <= 1 && codings <= 1 && lengths + codings <= 1,
              "accepted %u Content-Length and %u Transfer-Encoding", lengths, codings);
  FUZZ_CHECK (v != DS_HEAD_OK_CLOSE || codings == 1, "OK_CLOSE without Transfer-Encoding");
  /* Two Host fields are ds_handler_precheck's 400, whatever they hold. */
  if (hosts == 1)
    {
      const char *hv = host->value;
      gsize len = host->value_len;
      ds_field_trim_ows (&hv, &len);
      FUZZ_CHECK (ds_field_host_is_valid (hv, len), "accepted Host %.*s", (int) len, hv);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  HeadSim hs;

  if (size > 16384)
    return 0;
  if (!headsim_parse (&hs, (const char *) data, size))
    {
      headsim_clear (&hs);
      return 0;
    }

  DsHeadVerdict v = ds_reqhead_check (&hs.head);
  FUZZ_CHECK ((int) v >= (int) DS_HEAD_OK && (int) v <= (int) DS_HEAD_BAD_HOST, "verdict %d", (int) v);
  FUZZ_CHECK (strcmp (ds_reqhead_verdict_text (v), "malformed") != 0, "verdict %d has no text",
              (int) v);
  FUZZ_CHECK (ds_reqhead_check (&hs.head) == v, "not deterministic");
  if (v == DS_HEAD_OK || v == DS_HEAD_OK_CLOSE)
    check_accepted (&hs.head, v);

  if (hs.head.n_fields > 0)
    {
      /* A name somewhere else than where its line put it. */
      char elsewhere[] = "Host";
      DsHeaderField saved = hs.fields[0];
      hs.fields[0].name = elsewhere;
      hs.fields[0].name_len = 4;
      FUZZ_CHECK (!ds_reqhead_layout_ok (&hs.head), "a moved name passed the layout walk");
      hs.fields[0] = saved;
    }
  headsim_clear (&hs);
  return 0;
}
