/* wide.c - UTF-16 names as UTF-8, for the W (UTF-16) forms of the name-taking calls, which
 * then call the A forms.  Windows compares names by their UTF-16 code units; converting exactly
 * (surrogate pairs included, unpaired surrogates refused) keeps distinct names distinct. */
#include "base/base.h"

#include <stdlib.h>

/* A malloc'ed UTF-8 copy of s, or NULL with the last error set (invalid UTF-16, no memory). */
char *wv_utf8(LPCWSTR s)
{
    size_t n = 0;
    while (s[n])
        n++;
    char *out = malloc(n * 3 + 1), *p = out;
    if (!out) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && s[i + 1] >= 0xdc00 && s[i + 1] < 0xe000)
            c = 0x10000 + ((c - 0xd800) << 10) + (s[++i] - 0xdc00u);
        else if (c >= 0xd800 && c < 0xe000) {
            free(out);
            wv_set_error(ERROR_INVALID_NAME);
            return NULL;
        }
        if (c < 0x80)
            *p++ = (char)c;
        else if (c < 0x800)
            *p++ = (char)(0xc0 | c >> 6), *p++ = (char)(0x80 | (c & 0x3f));
        else if (c < 0x10000)
            *p++ = (char)(0xe0 | c >> 12), *p++ = (char)(0x80 | (c >> 6 & 0x3f)),
            *p++ = (char)(0x80 | (c & 0x3f));
        else
            *p++ = (char)(0xf0 | c >> 18), *p++ = (char)(0x80 | (c >> 12 & 0x3f)),
            *p++ = (char)(0x80 | (c >> 6 & 0x3f)), *p++ = (char)(0x80 | (c & 0x3f));
    }
    *p = 0;
    return out;
}
