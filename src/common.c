/* common.c: the error domain and the fd cleanup helper. */
#include "config.h"

#include "docserve/common.h"

#include <errno.h>
#include <unistd.h>

G_DEFINE_QUARK (docserve-error-quark, ds_error)

void
ds_fd_cleanup (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      (void) close (*fd);
      *fd = -1;
      errno = saved;
    }
}
