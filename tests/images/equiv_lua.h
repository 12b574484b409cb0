/* equiv_lua.h - what equiv_lua.c hands a C module (its lua_State stand-in), and the entry point
 * the module exports (luaopen_NAME), as Lua's lua.h and loadlib.c. */
#ifndef EQUIV_LUA_H
#define EQUIV_LUA_H

struct equiv_api;
typedef double (*equiv_cfn)(const struct equiv_api *, double);
struct equiv_api {
    void (*error)(const char *msg); /* longjmps to the innermost pcall: never returns */
    void (*reg)(const char *name, equiv_cfn fn);
};
typedef int (*equiv_open)(const struct equiv_api *);

#ifdef _WIN32
#define EQUIV_EXPORT __declspec(dllexport)
#else
#define EQUIV_EXPORT __attribute__((visibility("default")))
#endif

#endif
