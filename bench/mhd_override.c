/* bench/mhd_override.c: an LD_PRELOAD shim that changes the libmicrohttpd
 * daemon flags and options docserve asks for, so that a candidate tuning can
 * be measured before anyone edits src/server.c.  For benchmarks only.
 *
 *   cc -O2 -shared -fPIC -o mhd_override.so bench/mhd_override.c -ldl
 *   LD_PRELOAD=$PWD/mhd_override.so MHD_OVERRIDE_MEMORY_LIMIT=16384 ./docserve ...
 *
 * Environment (each optional):
 *   MHD_OVERRIDE_MEMORY_LIMIT=N      MHD_OPTION_CONNECTION_MEMORY_LIMIT
 *   MHD_OVERRIDE_MEMORY_INCREMENT=N  add MHD_OPTION_CONNECTION_MEMORY_INCREMENT
 *   MHD_OVERRIDE_STACK=N             MHD_OPTION_THREAD_STACK_SIZE
 *   MHD_OVERRIDE_EPOLL_POOL=N        epoll instead of thread per connection:
 *                                    MHD_USE_EPOLL_INTERNAL_THREAD and
 *                                    MHD_OPTION_THREAD_POOL_SIZE N (N=1: no pool)
 * It understands exactly the options docserve passes (server.c) and aborts on
 * any other, rather than guess an argument type. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <microhttpd.h>

#define MAX_ITEMS 64

typedef struct MHD_Daemon *(*start_fn) (unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                         MHD_AccessHandlerCallback, void *, ...);

static void
add (struct MHD_OptionItem *items, int *n, enum MHD_OPTION o, intptr_t v, void *p)
{
  if (*n >= MAX_ITEMS - 1)
    abort ();
  items[*n].option = o;
  items[*n].value = v;
  items[*n].ptr_value = p;
  (*n)++;
}

static long
env_num (const char *name)
{
  const char *v = getenv (name);
  return v != NULL && *v != '\0' ? strtol (v, NULL, 0) : -1;
}

struct MHD_Daemon *
MHD_start_daemon (unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                  MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
  static struct MHD_OptionItem items[MAX_ITEMS];
  start_fn real = (start_fn) dlsym (RTLD_NEXT, "MHD_start_daemon");
  long mem = env_num ("MHD_OVERRIDE_MEMORY_LIMIT");
  long inc = env_num ("MHD_OVERRIDE_MEMORY_INCREMENT");
  long stack = env_num ("MHD_OVERRIDE_STACK");
  long pool = env_num ("MHD_OVERRIDE_EPOLL_POOL");
  int n = 0;
  va_list ap;

  va_start (ap, dh_cls);
  for (;;)
    {
      enum MHD_OPTION o = va_arg (ap, enum MHD_OPTION);
      if (o == MHD_OPTION_END)
        break;
      switch (o)
        {
        case MHD_OPTION_EXTERNAL_LOGGER:
        case MHD_OPTION_NOTIFY_CONNECTION:
        case MHD_OPTION_URI_LOG_CALLBACK:
        case MHD_OPTION_NOTIFY_COMPLETED:
        case MHD_OPTION_UNESCAPE_CALLBACK:
          {
            void *fn = va_arg (ap, void *);
            void *cls = va_arg (ap, void *);
            add (items, &n, o, (intptr_t) fn, cls);
          }
          break;
        case MHD_OPTION_LISTEN_SOCKET:
          add (items, &n, o, (intptr_t) va_arg (ap, MHD_socket), NULL);
          break;
        case MHD_OPTION_CONNECTION_TIMEOUT:
        case MHD_OPTION_CONNECTION_LIMIT:
        case MHD_OPTION_PER_IP_CONNECTION_LIMIT:
          add (items, &n, o, (intptr_t) va_arg (ap, unsigned int), NULL);
          break;
        case MHD_OPTION_CONNECTION_MEMORY_LIMIT:
          {
            size_t v = va_arg (ap, size_t);
            add (items, &n, o, (intptr_t) (mem > 0 ? (size_t) mem : v), NULL);
          }
          break;
        case MHD_OPTION_THREAD_STACK_SIZE:
          {
            size_t v = va_arg (ap, size_t);
            add (items, &n, o, (intptr_t) (stack > 0 ? (size_t) stack : v), NULL);
          }
          break;
        case MHD_OPTION_ARRAY:
          {
            struct MHD_OptionItem *a = va_arg (ap, struct MHD_OptionItem *);
            for (; a->option != MHD_OPTION_END; a++)
              add (items, &n, a->option, a->value, a->ptr_value);
          }
          break;
        default:
          fprintf (stderr, "mhd_override: option %d not understood\n", (int) o);
          abort ();
        }
    }
  va_end (ap);

  if (inc > 0)
    add (items, &n, MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (intptr_t) inc, NULL);
  if (pool > 0)
    {
      flags &= ~(unsigned int) (MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL);
      flags |= MHD_USE_EPOLL_INTERNAL_THREAD;
      if (pool > 1)
        add (items, &n, MHD_OPTION_THREAD_POOL_SIZE, (intptr_t) pool, NULL);
    }
  add (items, &n, MHD_OPTION_END, 0, NULL);
  fprintf (stderr, "mhd_override: flags 0x%x, memory limit %ld, increment %ld, stack %ld, epoll pool %ld\n",
           flags, mem, inc, stack, pool);
  return real (flags, port, apc, apc_cls, dh, dh_cls, MHD_OPTION_ARRAY, items, MHD_OPTION_END);
}
