/* hooks.h - counts of winvm's internal state for tests (hooks.c). */
#ifndef WV_TEST_HOOKS_H
#define WV_TEST_HOOKS_H

#include <stddef.h>

/* Views in the state model (every allocation, section view and image view). */
size_t wv_space_count(void);
/* Modules the loader holds. */
size_t winvm_module_count(void);

#endif
