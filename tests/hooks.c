/* SPDX-License-Identifier: MIT */
/* hooks.c - counts the tests read from winvm's internals, computed from outside: the shipped
 * library has no test-only functions. */
#include "hooks.h"
#include "loader/loader.h"
#include "host/host.h"

size_t wv_space_count(void)
{
    size_t n = 0;
    wv_space_lock();
    for (struct wv_view *v = wv_space_first_after(0); v; v = wv_space_first_after(v->end))
        n++;
    wv_space_unlock();
    return n;
}

size_t winvm_module_count(void)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_module *m = wv_modules; m; m = m->next)
        n++;
    pthread_mutex_unlock(&wv_loader_lock);
    return n;
}

bool wv_test_hidden_mapping(uintptr_t start, uintptr_t end)
{
    uintptr_t a = wv_os_anchor_page();
    return a && start == a && end == a + WV_PAGE_SIZE;
}
