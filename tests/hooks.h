/* SPDX-License-Identifier: MIT */
/* hooks.h - counts of winvm's internal state for tests (hooks.c). */
#ifndef WV_TEST_HOOKS_H
#define WV_TEST_HOOKS_H

#include <stddef.h>

/* Views in the state model (every allocation, section view and image view). */
size_t wv_space_count(void);
/* Modules the loader holds. */
size_t winvm_module_count(void);
/* The page winvm keeps for itself and hides from VirtualQuery (host/os.c's anchor), or 0: a
 * test that reads /proc/self/maps as the truth leaves it out. */
#include <stdbool.h>
#include <stdint.h>
bool wv_test_hidden_mapping(uintptr_t start, uintptr_t end);

#endif
