/* The window callgrind counts: run under ``--collect-atstart=no``, this collects while the callback runs
   (a client request, so it does not depend on callgrind following the call through ctypes). */
#include <valgrind/callgrind.h>

void fx_window(void (*callback)(void)) {
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
    callback();
    CALLGRIND_TOGGLE_COLLECT;
}
