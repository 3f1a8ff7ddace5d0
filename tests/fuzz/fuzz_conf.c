/* fuzz_conf.c: the --config key file parser.
 *
 * Input: the key file's bytes, written to a temp file and parsed through
 * ds_conf_parse (argv {"docserve", "--config", FILE}), as main() does.  The
 * argv holds no other option, so --help (which exits) never happens.
 *
 * Properties: no crash, leak, assertion, critical or abort; an error is
 * fine.  On success the DsConf passes ds_conf_validate, and every --header
 * splits into a non-empty token name and a value without CR or LF; on
 * failure the message names the file (or, for a check across fields, the
 * options) and is one line: no LF, and no CR either (a terminal would
 * return to the start of the line and overwrite the file name). */
#include "config.h"

#include "docserve/common.h"
#include "docserve/conf.h"

#include "fuzz_common.h"

#include <fcntl.h>
#include <unistd.h>

static char *scratch;
static char *conf_path;

static void
cleanup (void)
{
  if (scratch != NULL)
    fuzz_rm_rf (scratch);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();
  scratch = g_strdup (fuzz_scratch_dir ());
  atexit (cleanup);
  conf_path = g_build_filename (scratch, "docserve.conf", NULL);
  return 0;
}

static void
write_file (const uint8_t *data, size_t size)
{
  int fd = open (conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    abort ();
  while (size > 0)
    {
      ssize_t n = write (fd, data, size);
      if (n <= 0)
        abort ();
      data += n;
      size -= (size_t) n;
    }
  close (fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  write_file (data, size);

  /* GOption rearranges argv and drops pointers without freeing them: keep
   * the strings in an array of our own. */
  char *strings[] = { g_strdup ("docserve"), g_strdup ("--config"), g_strdup (conf_path) };
  char *args[] = { strings[0], strings[1], strings[2], NULL };
  char **argv = args;
  int argc = 3;
  GError *error = NULL;

  DsConf *conf = ds_conf_parse (&argc, &argv, &error);
  if (conf == NULL)
    {
      FUZZ_CHECK (error != NULL && error->domain == DS_ERROR, "NULL without a DS_ERROR");
      /* "FILE:LINE: ..." / "FILE: ...", or a check across fields on the
       * merged result, which names the options ("--group: ..."). */
      FUZZ_CHECK (strstr (error->message, conf_path) != NULL
                      || g_str_has_prefix (error->message, "--"),
                  "message names neither the file nor an option: %s", error->message);
      FUZZ_CHECK (strpbrk (error->message, "\r\n") == NULL, "message not one line: %s",
                  error->message);
      g_error_free (error);
    }
  else
    {
      FUZZ_CHECK (error == NULL, "conf and an error");
      GError *verr = NULL;
      FUZZ_CHECK (ds_conf_validate (conf, &verr), "parsed conf does not validate: %s",
                  verr->message);
      FUZZ_CHECK (conf->headers != NULL && conf->index_files != NULL, "NULL list");
      for (char **h = conf->headers; *h != NULL; h++)
        {
          char *name = NULL, *value = NULL;
          ds_conf_header_split (*h, &name, &value);
          FUZZ_CHECK (name != NULL && value != NULL && name[0] != '\0'
                          && strpbrk (name, " \t:\r\n") == NULL
                          && strpbrk (value, "\r\n") == NULL,
                      "header \"%s\" split badly", *h);
          g_free (name);
          g_free (value);
        }
      ds_conf_free (conf);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    g_free (strings[i]);
  return 0;
}
