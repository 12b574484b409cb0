/* SPDX-License-Identifier: MIT */
/* advapi32_acct.c - accounts and files' security: LookupAccountSidA/W, LookupAccountNameA/W
 * and GetFileSecurityA/W.
 *
 * Accounts are the well-known SIDs Windows names (Everyone, SYSTEM, BUILTIN\Administrators, ...)
 * and the host's users, whose SID is the tokens' (S-1-5-21-0-0-0-<uid>, token_int.h) in the
 * computer's domain; any other SID is ERROR_NONE_MAPPED.  A file's security descriptor is built
 * from its stat: its owner's SID as owner and (the owner's primary group, as tokens say) group,
 * a DACL granting the owner and Everyone what the mode bits give them (docs/semantics.md,
 * "File security").  The size protocols are Windows': a short buffer is
 * ERROR_INSUFFICIENT_BUFFER with the sizes needed, counted with the terminators. */
#include "runtime/runtime.h"
#include "runtime/rtl_sd.h"
#include "runtime/token_int.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ADV __attribute__((ms_abi))
#ifndef ERROR_NONE_MAPPED
#define ERROR_NONE_MAPPED 1332L
#endif

enum { WV_SID_USER = 1, WV_SID_DOMAIN = 3, WV_SID_ALIAS = 4, WV_SID_WELLKNOWN = 5 };

struct wv_known_sid {
    BYTE auth, n;
    DWORD sub[2];
    const char *name, *domain;
    DWORD use;
};

static const struct wv_known_sid wv_known_sids[] = {
    {1, 1, {0, 0}, "Everyone", "", WV_SID_WELLKNOWN},
    {3, 1, {0, 0}, "CREATOR OWNER", "", WV_SID_WELLKNOWN},
    {3, 1, {1, 0}, "CREATOR GROUP", "", WV_SID_WELLKNOWN},
    {5, 1, {4, 0}, "INTERACTIVE", "NT AUTHORITY", WV_SID_WELLKNOWN},
    {5, 1, {11, 0}, "Authenticated Users", "NT AUTHORITY", WV_SID_WELLKNOWN},
    {5, 1, {18, 0}, "SYSTEM", "NT AUTHORITY", WV_SID_WELLKNOWN},
    {5, 1, {19, 0}, "LOCAL SERVICE", "NT AUTHORITY", WV_SID_WELLKNOWN},
    {5, 1, {20, 0}, "NETWORK SERVICE", "NT AUTHORITY", WV_SID_WELLKNOWN},
    {5, 1, {32, 0}, "BUILTIN", "BUILTIN", WV_SID_DOMAIN},
    {5, 2, {32, 544}, "Administrators", "BUILTIN", WV_SID_ALIAS},
    {5, 2, {32, 545}, "Users", "BUILTIN", WV_SID_ALIAS},
    {5, 2, {32, 546}, "Guests", "BUILTIN", WV_SID_ALIAS},
};
#define WV_KNOWN_COUNT (sizeof(wv_known_sids) / sizeof(wv_known_sids[0]))

static DWORD wv_known_sid_put(const struct wv_known_sid *k, BYTE *buf)
{
    buf[0] = 1, buf[1] = k->n;
    memset(buf + 2, 0, 5);
    buf[7] = k->auth;
    memcpy(buf + 8, k->sub, 4u * k->n);
    return 8 + 4u * k->n;
}

/* The computer's name, the host users' domain (GetComputerName's answer). */
static void wv_computer_name(char *out, DWORD cap)
{
    DWORD n = cap;
    if (!GetComputerNameA(out, &n))
        strcpy(out, "WINVM");
}

/* An account: its name, domain and SID_NAME_USE (name and domain in static or *store). */
struct wv_account {
    char name[256], domain[64];
    DWORD use;
    BYTE sid[WV_UID_SID_LEN];
    DWORD sid_len;
};

/* The account of the SID sid (a copy of the caller's, valid): 0 or ERROR_NONE_MAPPED. */
static DWORD wv_account_of_sid(const BYTE *sid, DWORD len, struct wv_account *a)
{
    BYTE buf[WV_UID_SID_LEN];
    for (size_t i = 0; i < WV_KNOWN_COUNT; i++) {
        DWORD n = wv_known_sid_put(&wv_known_sids[i], buf);
        if (n == len && !memcmp(buf, sid, n)) {
            snprintf(a->name, sizeof(a->name), "%s", wv_known_sids[i].name);
            snprintf(a->domain, sizeof(a->domain), "%s", wv_known_sids[i].domain);
            a->use = wv_known_sids[i].use;
            return 0;
        }
    }
    if (len != WV_UID_SID_LEN)
        return ERROR_NONE_MAPPED;
    DWORD uid;
    memcpy(&uid, sid + 24, 4);
    wv_token_uid_sid(uid, buf);
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    if (memcmp(buf, sid, len) || getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) || !res)
        return ERROR_NONE_MAPPED;
    snprintf(a->name, sizeof(a->name), "%s", res->pw_name);
    wv_computer_name(a->domain, sizeof(a->domain));
    a->use = WV_SID_USER;
    return 0;
}

/* The account named name ("name" or "DOMAIN\name", case-insensitive): 0 or ERROR_NONE_MAPPED. */
static DWORD wv_account_of_name(const char *name, struct wv_account *a)
{
    const char *slash = strchr(name, '\\');
    const char *user = slash ? slash + 1 : name;
    size_t dlen = slash ? (size_t)(slash - name) : 0;
    for (size_t i = 0; i < WV_KNOWN_COUNT; i++) {
        const struct wv_known_sid *k = &wv_known_sids[i];
        if (strcasecmp(user, k->name) || (slash && (strlen(k->domain) != dlen || strncasecmp(name, k->domain, dlen))))
            continue;
        snprintf(a->name, sizeof(a->name), "%s", k->name);
        snprintf(a->domain, sizeof(a->domain), "%s", k->domain);
        a->use = k->use;
        a->sid_len = wv_known_sid_put(k, a->sid);
        return 0;
    }
    wv_computer_name(a->domain, sizeof(a->domain));
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    if (!*user || (slash && (strlen(a->domain) != dlen || strncasecmp(name, a->domain, dlen))) ||
        getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &res) || !res)
        return ERROR_NONE_MAPPED;
    snprintf(a->name, sizeof(a->name), "%s", res->pw_name);
    a->use = WV_SID_USER;
    a->sid_len = wv_token_uid_sid(res->pw_uid, a->sid);
    return 0;
}

/* The length of s in the caller's units (UTF-16 for wide). */
static DWORD wv_units(const char *s, bool wide)
{
    if (!wide)
        return (DWORD)strlen(s);
    size_t n = 0;
    wv_utf8_to_utf16(s, strlen(s), NULL, 0, WV_TEXT_REPLACE, &n);
    return (DWORD)n;
}

static DWORD wv_put_text(const char *s, void *buf, DWORD cap, bool wide)
{
    DWORD ret;
    return wide ? wv_out_w(s, buf, cap, &ret) : wv_out_a(s, buf, cap, &ret);
}

/* Writes the name (and domain, when dom_size is given) with Windows' size protocol: both
 * counts updated, ERROR_INSUFFICIENT_BUFFER when either does not fit. */
static DWORD wv_account_out(const struct wv_account *a, bool wide, void *name, DWORD *name_size, void *dom,
                            DWORD *dom_size, DWORD *use)
{
    DWORD ncap = 0, dcap = 0;
    if ((name_size && wv_copy(&ncap, name_size, 4)) || wv_copy(&dcap, dom_size, 4))
        return ERROR_NOACCESS;
    DWORD nlen = name_size ? wv_units(a->name, wide) : 0, dlen = wv_units(a->domain, wide);
    if ((name_size && ncap <= nlen) || dcap <= dlen || (name_size && !name) || !dom) {
        DWORD nn = nlen + 1, dn = dlen + 1;
        if ((name_size && wv_user_put(name_size, &nn, 4)) || wv_user_put(dom_size, &dn, 4))
            return ERROR_NOACCESS;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    if ((name_size && (wv_put_text(a->name, name, ncap, wide) || wv_user_put(name_size, &nlen, 4))) ||
        wv_put_text(a->domain, dom, dcap, wide) || wv_user_put(dom_size, &dlen, 4) || wv_user_put(use, &a->use, 4))
        return ERROR_NOACCESS;
    return 0;
}

static BOOL wv_lookup_sid(bool wide, const void *sid, void *name, DWORD *name_size, void *dom, DWORD *dom_size,
                          DWORD *use)
{
    BYTE copy[8 + 4 * 15];
    if (!sid || !name_size || !dom_size || !use)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (wv_copy(copy, sid, 8))
        return wv_fail(ERROR_NOACCESS);
    DWORD len = 8 + 4u * copy[1];
    if (copy[0] != 1 || copy[1] > 15 || wv_copy(copy, sid, len))
        return wv_fail(ERROR_INVALID_SID);
    struct wv_account a;
    DWORD err = wv_account_of_sid(copy, len, &a);
    if (!err)
        err = wv_account_out(&a, wide, name, name_size, dom, dom_size, use);
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_LookupAccountSidW(LPCWSTR sys, void *sid, LPWSTR name, DWORD *name_size, LPWSTR dom,
                                  DWORD *dom_size, DWORD *use)
{
    (void)sys; /* the local computer answers for every name: winvm has no other to ask */
    return wv_lookup_sid(true, sid, name, name_size, dom, dom_size, use);
}

ADV BOOL wv_adv_LookupAccountSidA(LPCSTR sys, void *sid, LPSTR name, DWORD *name_size, LPSTR dom,
                                  DWORD *dom_size, DWORD *use)
{
    (void)sys;
    return wv_lookup_sid(false, sid, name, name_size, dom, dom_size, use);
}

static BOOL wv_lookup_name(const char *account, void *sid, DWORD *sid_size, void *dom, DWORD *dom_size,
                           DWORD *use, bool wide)
{
    struct wv_account a;
    DWORD cap = 0, err = wv_account_of_name(account, &a);
    if (err)
        return wv_fail(err);
    if (!sid_size || !dom_size || !use)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (wv_copy(&cap, sid_size, 4))
        return wv_fail(ERROR_NOACCESS);
    if (cap < a.sid_len || !sid) {
        DWORD dcap = 0, dn = wv_units(a.domain, wide) + 1;
        if (wv_user_put(sid_size, &a.sid_len, 4) || wv_copy(&dcap, dom_size, 4))
            return wv_fail(ERROR_NOACCESS);
        if (dcap < dn && wv_user_put(dom_size, &dn, 4))
            return wv_fail(ERROR_NOACCESS);
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    }
    err = wv_account_out(&a, wide, NULL, NULL, dom, dom_size, use);
    if (!err && (wv_user_put(sid, a.sid, a.sid_len) || wv_user_put(sid_size, &a.sid_len, 4)))
        err = ERROR_NOACCESS;
    return err ? wv_fail(err) : TRUE;
}

ADV BOOL wv_adv_LookupAccountNameW(LPCWSTR sys, LPCWSTR account, void *sid, DWORD *sid_size, LPWSTR dom,
                                   DWORD *dom_size, DWORD *use)
{
    (void)sys;
    char *name;
    if (!account)
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD err = wv_user_wstr(account, WV_TEXT_REPLACE, &name);
    if (err)
        return wv_fail(err);
    BOOL ok = wv_lookup_name(name, sid, sid_size, dom, dom_size, use, true);
    free(name);
    return ok;
}

ADV BOOL wv_adv_LookupAccountNameA(LPCSTR sys, LPCSTR account, void *sid, DWORD *sid_size, LPSTR dom,
                                   DWORD *dom_size, DWORD *use)
{
    (void)sys;
    char *name;
    if (!account)
        return wv_fail(ERROR_INVALID_PARAMETER);
    DWORD err = wv_user_str(account, &name);
    if (err)
        return wv_fail(err);
    BOOL ok = wv_lookup_name(name, sid, sid_size, dom, dom_size, use, false);
    free(name);
    return ok;
}

/* ---- GetFileSecurity ---- */
#define WV_OWNER_INFO 0x1
#define WV_GROUP_INFO 0x2
#define WV_DACL_INFO 0x4
#define WV_SACL_INFO 0x8
#define WV_FILE_READ 0x120089u
#define WV_FILE_WRITE (0x120116u | 0x10000u) /* FILE_GENERIC_WRITE | DELETE */
#define WV_FILE_EXEC 0x1200a0u
#define WV_FILE_ALL 0x1f01ffu
#define WV_OWNER_RIGHTS 0xe0000u /* READ_CONTROL | WRITE_DAC | WRITE_OWNER: the owner may chmod */

/* The rights rwx bits give on Windows' side. */
static ACCESS_MASK wv_mode_rights(unsigned rwx)
{
    if (rwx == 7)
        return WV_FILE_ALL;
    return ((rwx & 4) ? WV_FILE_READ : 0) | ((rwx & 2) ? WV_FILE_WRITE : 0) | ((rwx & 1) ? WV_FILE_EXEC : 0);
}

/* The self-relative descriptor of st's file at sd (room for 512 bytes): its length. */
static DWORD wv_file_sd(const struct stat *st, DWORD info, BYTE *sd)
{
    BYTE owner[WV_UID_SID_LEN], everyone[12];
    DWORD olen = wv_token_uid_sid(st->st_uid, owner);
    wv_known_sid_put(&wv_known_sids[0], everyone);
    memset(sd, 0, 20);
    sd[0] = 1;
    USHORT control = WV_SE_SELF_RELATIVE;
    DWORD at = 20;
    if (info & WV_OWNER_INFO) {
        memcpy(sd + 4, &at, 4);
        memcpy(sd + at, owner, olen), at += olen;
    }
    if (info & WV_GROUP_INFO) { /* the owner's primary group is the owner, as tokens say */
        memcpy(sd + 8, &at, 4);
        memcpy(sd + at, owner, olen), at += olen;
    }
    if (info & WV_DACL_INFO) {
        control |= WV_SE_DACL_PRESENT;
        memcpy(sd + 16, &at, 4);
        BYTE *acl = sd + at;
        wv_nt_RtlCreateAcl(acl, 8 + 2 * (8 + WV_UID_SID_LEN), 2);
        wv_nt_RtlAddAccessAllowedAce(acl, 2, wv_mode_rights((st->st_mode >> 6) & 7) | WV_OWNER_RIGHTS, owner);
        if (st->st_mode & 7)
            wv_nt_RtlAddAccessAllowedAce(acl, 2, wv_mode_rights(st->st_mode & 7), everyone);
        USHORT size = 8 + (8 + olen) + ((st->st_mode & 7) ? 8 + 12 : 0);
        memcpy(acl + 2, &size, 2); /* the ACL as long as its ACEs: nothing free in a file's */
        at += size;
    }
    memcpy(sd + 2, &control, 2);
    return at;
}

static BOOL wv_file_security(char *host, DWORD err, DWORD info, void *sd, DWORD len, DWORD *needed)
{
    struct stat st;
    FILETIME times[3];
    int e = err || !stat(host, &st) ? 0 : errno;
    if (e == ENOENT) /* C:\windows and its builtin DLLs, which the host lacks */
        e = wv_sysdir_stat(host, &st, times);
    if (e)
        err = wv_sysdir_error(host, wv_errno_to_error(e));
    free(host);
    if (err)
        return wv_fail(err);
    if (info & WV_SACL_INFO) /* reading a SACL needs SeSecurityPrivilege, which no token enables */
        return wv_fail(ERROR_PRIVILEGE_NOT_HELD);
    BYTE buf[512];
    DWORD n = wv_file_sd(&st, info, buf);
    if (wv_user_put(needed, &n, 4))
        return wv_fail(ERROR_NOACCESS);
    if (len < n || !sd)
        return wv_fail(ERROR_INSUFFICIENT_BUFFER);
    return wv_user_put(sd, buf, n) ? wv_fail(ERROR_NOACCESS) : TRUE;
}

ADV BOOL wv_adv_GetFileSecurityW(LPCWSTR name, DWORD info, void *sd, DWORD len, DWORD *needed)
{
    char *host = NULL;
    DWORD err = wv_path_host_w(name, &host);
    return wv_file_security(host, err, info, sd, len, needed);
}

ADV BOOL wv_adv_GetFileSecurityA(LPCSTR name, DWORD info, void *sd, DWORD len, DWORD *needed)
{
    char *host = NULL;
    DWORD err = wv_path_host_a(name, &host);
    return wv_file_security(host, err, info, sd, len, needed);
}
