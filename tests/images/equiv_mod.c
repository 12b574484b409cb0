/* equiv_mod.c - a C module for equiv_lua.c (a DLL on Windows, a shared object on Linux): its
 * functions run inside the module, and one raises an error that longjmps out through the
 * module's own frames, as a Lua C function's luaL_error does. */
#include "equiv_lua.h"

#include <stdio.h>

static double mul3(const struct equiv_api *api, double x)
{
    (void)api;
    return x * 3;
}

/* Deep inside the module, then the error: every frame here is skipped by the longjmp. */
static double fail_at(const struct equiv_api *api, double x, int depth)
{
    if (depth == 0) {
        char msg[64];
        snprintf(msg, sizeof(msg), "module error at %g", x);
        api->error(msg);
        return 0; /* not reached: error longjmps */
    }
    return fail_at(api, x, depth - 1) + 1;
}

static double fail(const struct equiv_api *api, double x) { return fail_at(api, x, 5); }

EQUIV_EXPORT int luaopen_equiv_mod(const struct equiv_api *api)
{
    api->reg("mul3", mul3);
    api->reg("fail", fail);
    return 2;
}
