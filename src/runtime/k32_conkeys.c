/* SPDX-License-Identifier: MIT */
/* k32_conkeys.c - a terminal's input bytes as Windows' keys: the virtual-key code, the scan
 * code of a US keyboard (set 1, what Windows reports), the character and the Ctrl, Alt and
 * Shift state the bytes say.  Printable ASCII is the key that types it (Shift for the upper
 * row); other characters arrive from UTF-8 with neither key nor scan code (no key of the
 * layout types them).  Control characters are Ctrl with a letter, except the ones Windows has
 * keys for (Tab, Enter, Backspace as the terminal's DEL or ^H, Escape).  Escape sequences
 * are xterm's and VT220's: CSI and SS3 arrows, Home, End, Insert, Delete, Page Up/Down and
 * F1-F12, with xterm's modifier parameter (1 + Shift 1 | Alt 2 | Ctrl 4), the Linux
 * console's CSI [ A-E for F1-F5, CSI Z for Shift+Tab; ESC before a character is Alt with it.
 * A sequence winvm does not know is dropped whole (Windows has no key for it).
 */
#include "runtime/con_int.h"

#include <string.h>

#define VK_BACK 0x08
#define VK_TAB 0x09
#define VK_RETURN 0x0D
#define VK_ESCAPE 0x1B
#define VK_SPACE 0x20
#define VK_PRIOR 0x21
#define VK_NEXT 0x22
#define VK_END 0x23
#define VK_HOME 0x24
#define VK_LEFT 0x25
#define VK_UP 0x26
#define VK_RIGHT 0x27
#define VK_DOWN 0x28
#define VK_INSERT 0x2D
#define VK_DELETE 0x2E
#define VK_F1 0x70
#define VK_OEM_MINUS 0xBD
#define VK_OEM_5 0xDC
#define VK_OEM_6 0xDD

/* The US layout's printable keys: each position types the unshifted and the shifted
 * character, with its virtual-key and scan code. */
static const char wv_plain[] = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ ";
static const char wv_shifted[] = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>? ";
static const unsigned char wv_vks[] = {
    0xC0, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 0xBD, 0xBB, 'Q', 'W', 'E', 'R', 'T', 'Y', 'U',
    'I',  'O', 'P', 0xDB, 0xDD, 0xDC, 'A', 'S', 'D', 'F', 'G', 'H', 'J', 'K', 'L', 0xBA, 0xDE, 'Z', 'X', 'C',
    'V',  'B', 'N', 'M', 0xBC, 0xBE, 0xBF, VK_SPACE};
static const unsigned char wv_scans[] = {
    0x29, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x2B, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23,
    0x24, 0x25, 0x26, 0x27, 0x28, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x39};
_Static_assert(sizeof(wv_plain) == sizeof(wv_vks) + 1 && sizeof(wv_shifted) == sizeof(wv_plain) &&
                   sizeof(wv_scans) == sizeof(wv_vks),
               "one entry per key");

/* The key that types ASCII character c (0x20-0x7e). */
static struct wv_key wv_ascii_key(unsigned char c)
{
    const char *p = strchr(wv_plain, c);
    DWORD state = 0;
    if (!p && (p = strchr(wv_shifted, c)) != NULL) {
        state = SHIFT_PRESSED;
        p = wv_plain + (p - wv_shifted);
    }
    size_t i = p ? (size_t)(p - wv_plain) : 0;
    return (struct wv_key){p ? wv_vks[i] : 0, p ? wv_scans[i] : 0, c, state};
}

/* A control character (below 0x20, or DEL): the key Windows has for it, else Ctrl with the
 * key whose character it is the control form of. */
static struct wv_key wv_control_key(unsigned char c)
{
    switch (c) {
    case 0x7f:
    case 0x08: return (struct wv_key){VK_BACK, 0x0E, 0x08, 0};
    case 0x09: return (struct wv_key){VK_TAB, 0x0F, '\t', 0};
    case 0x0a: /* the terminal's ICRNL turns Enter's CR into LF */
    case 0x0d: return (struct wv_key){VK_RETURN, 0x1C, '\r', 0};
    case 0x1b: return (struct wv_key){VK_ESCAPE, 0x01, 0x1b, 0};
    case 0x00: return (struct wv_key){VK_SPACE, 0x39, 0, LEFT_CTRL_PRESSED};
    case 0x1c: return (struct wv_key){VK_OEM_5, 0x2B, c, LEFT_CTRL_PRESSED};
    case 0x1d: return (struct wv_key){VK_OEM_6, 0x1B, c, LEFT_CTRL_PRESSED};
    case 0x1e: return (struct wv_key){'6', 0x07, c, LEFT_CTRL_PRESSED | SHIFT_PRESSED};
    case 0x1f: return (struct wv_key){VK_OEM_MINUS, 0x0C, c, LEFT_CTRL_PRESSED | SHIFT_PRESSED};
    default: {
        struct wv_key k = wv_ascii_key((unsigned char)('a' + c - 1));
        return (struct wv_key){k.vk, k.scan, c, LEFT_CTRL_PRESSED};
    }
    }
}

/* One character at b (not ESC): its keys (two for a character past the BMP, its surrogates)
 * into k; the bytes used, 0 when a UTF-8 sequence is cut short and more may come. */
static size_t wv_char_keys(const unsigned char *b, size_t n, bool final, struct wv_key k[2], int *nk)
{
    unsigned char c = b[0];
    *nk = 1;
    if (c < 0x20 || c == 0x7f)
        return k[0] = wv_control_key(c), 1;
    if (c < 0x80)
        return k[0] = wv_ascii_key(c), 1;
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    uint32_t cp = len == 4 ? c & 0x07 : len == 3 ? c & 0x0F : c & 0x1F;
    size_t i = 1;
    for (; len && i < len && i < n && (b[i] & 0xC0) == 0x80; i++)
        cp = cp << 6 | (b[i] & 0x3F);
    if (len && i == n && i < len && !final)
        return 0;
    bool bad = !len || i < len || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF);
    if (bad) /* what Windows' UTF-8 decoder makes of a bad byte */
        return k[0] = (struct wv_key){0, 0, 0xFFFD, 0}, len && i > 1 ? i : 1;
    if (cp < 0x10000)
        return k[0] = (struct wv_key){0, 0, (WCHAR)cp, 0}, len;
    cp -= 0x10000;
    k[0] = (struct wv_key){0, 0, (WCHAR)(0xD800 | cp >> 10), 0};
    k[1] = (struct wv_key){0, 0, (WCHAR)(0xDC00 | (cp & 0x3FF)), 0};
    *nk = 2;
    return len;
}

static const struct {
    unsigned char final;
    WORD vk, scan;
} wv_csi_letters[] = {{'A', VK_UP, 0x48},    {'B', VK_DOWN, 0x50}, {'C', VK_RIGHT, 0x4D}, {'D', VK_LEFT, 0x4B},
                      {'H', VK_HOME, 0x47},  {'F', VK_END, 0x4F},  {'P', VK_F1, 0x3B},    {'Q', VK_F1 + 1, 0x3C},
                      {'R', VK_F1 + 2, 0x3D}, {'S', VK_F1 + 3, 0x3E}};

/* CSI n ~ (VT220): the key of n, false for none. */
static bool wv_tilde_key(unsigned n, struct wv_key *k)
{
    static const WORD nav[][2] = {{0, 0},          {VK_HOME, 0x47}, {VK_INSERT, 0x52}, {VK_DELETE, 0x53},
                                  {VK_END, 0x4F},   {VK_PRIOR, 0x49}, {VK_NEXT, 0x51},  {VK_HOME, 0x47},
                                  {VK_END, 0x4F}};
    if (n >= 1 && n <= 8)
        return *k = (struct wv_key){nav[n][0], nav[n][1], 0, ENHANCED_KEY}, true;
    /* F1-F12: 11-15, 17-21, 23, 24 (the gaps are VT220's) */
    static const unsigned char fn[] = {11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24};
    for (unsigned i = 0; i < sizeof(fn); i++)
        if (fn[i] == n)
            return *k = (struct wv_key){(WORD)(VK_F1 + i), (WORD)(i < 10 ? 0x3B + i : 0x57 + i - 10), 0, 0}, true;
    return false;
}

/* xterm's modifier parameter m: 1 + (Shift 1 | Alt 2 | Ctrl 4). */
static DWORD wv_mod_state(unsigned m)
{
    if (m < 2)
        return 0;
    m--;
    return ((m & 1) ? SHIFT_PRESSED : 0) | ((m & 2) ? LEFT_ALT_PRESSED : 0) | ((m & 4) ? LEFT_CTRL_PRESSED : 0);
}

/* The key of a whole CSI or SS3 sequence: introducer ('[' or 'O'), parameters, final. */
static bool wv_seq_key(unsigned char intro, const unsigned p[2], int np, unsigned char final, struct wv_key *k)
{
    if (final == '~')
        return intro == '[' && np >= 1 && wv_tilde_key(p[0], k) && ((k->state |= wv_mod_state(p[1])), true);
    if (intro == '[' && final == 'Z') /* back tab */
        return *k = (struct wv_key){VK_TAB, 0x0F, '\t', SHIFT_PRESSED}, true;
    for (size_t i = 0; i < sizeof(wv_csi_letters) / sizeof(wv_csi_letters[0]); i++)
        if (wv_csi_letters[i].final == final) {
            bool fkey = final >= 'P';
            *k = (struct wv_key){wv_csi_letters[i].vk, wv_csi_letters[i].scan, 0, fkey ? 0 : ENHANCED_KEY};
            k->state |= wv_mod_state(np >= 2 ? p[1] : 0);
            return true;
        }
    return false;
}

/* A sequence at b (ESC, then '[' or 'O'): the bytes it spans (its key in *k when *known), 0
 * when it is cut short. */
static size_t wv_seq(const unsigned char *b, size_t n, struct wv_key *k, bool *known)
{
    enum { LONGEST = 24 };
    *known = false;
    if (b[1] == '[' && n >= 3 && b[2] == '[') { /* the Linux console's F1-F5: CSI [ A..E */
        if (n < 4)
            return 0;
        if (b[3] >= 'A' && b[3] <= 'E')
            *k = (struct wv_key){(WORD)(VK_F1 + b[3] - 'A'), (WORD)(0x3B + b[3] - 'A'), 0, 0}, *known = true;
        return 4;
    }
    unsigned p[2] = {0, 0};
    int np = 0;
    for (size_t i = 2; i < n && i < LONGEST; i++) {
        unsigned char c = b[i];
        if (c >= '0' && c <= '9') {
            np = np ? np : 1;
            if (np <= 2 && p[np - 1] < 10000)
                p[np - 1] = p[np - 1] * 10 + (c - '0');
        } else if (c == ';') {
            np = np ? np + 1 : 2;
        } else if (c >= 0x40 && c <= 0x7e) {
            *known = wv_seq_key(b[1], p, np, c, k);
            return i + 1;
        } else if (c < 0x20 || c > 0x7e) {
            return i; /* not a sequence after all: what came so far is dropped */
        }
    }
    return n >= LONGEST ? LONGEST : 0;
}

size_t wv_conkeys_parse(const unsigned char *b, size_t n, bool final, wv_key_sink *sink, void *ctx)
{
    size_t i = 0;
    while (i < n) {
        struct wv_key k[2];
        int nk = 1;
        size_t used;
        DWORD alt = 0;
        if (b[i] == 0x1b && i + 1 < n && (b[i + 1] == '[' || b[i + 1] == 'O')) {
            bool known;
            used = wv_seq(b + i, n - i, &k[0], &known);
            if (!used && !final)
                return i;
            if (!used) /* cut short for good: the ESC stands for itself */
                k[0] = wv_control_key(0x1b), used = 1;
            else if (!known)
                nk = 0;
        } else if (b[i] == 0x1b && i + 1 < n && b[i + 1] != 0x1b) {
            used = wv_char_keys(b + i + 1, n - i - 1, final, k, &nk); /* ESC before a key: Alt */
            if (!used)
                return i;
            used++, alt = LEFT_ALT_PRESSED;
        } else if (b[i] == 0x1b && i + 1 == n && !final) {
            return i; /* a lone ESC: the start of a sequence, unless nothing follows in time */
        } else {
            used = wv_char_keys(b + i, n - i, final, k, &nk);
            if (!used)
                return i;
        }
        for (int j = 0; j < nk; j++) {
            k[j].state |= alt;
            sink(ctx, &k[j]);
        }
        i += used;
    }
    return i;
}
