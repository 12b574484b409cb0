/* SPDX-License-Identifier: MIT */
/* secdesc.c - secdesc.exe: security descriptors and ACLs built and read from PE code
 * (tests/test_omfile.c runs it under `winvm run`): advapi32's InitializeSecurityDescriptor,
 * IsValidSecurityDescriptor, GetSecurityDescriptorLength, (Set|Get)SecurityDescriptor(Dacl|
 * Owner|Group), InitializeAcl, IsValidAcl, AddAccessAllowedAce(Ex), AddAccessDeniedAce, GetAce,
 * and ntdll's Rtl names of the same, found with GetProcAddress (so the program runs where they
 * are missing, and says so).  The bytes checked are winnt.h's layouts; the errors are Windows'
 * (Wine's advapi32 security.c test_acls and kernel32 sync.c test_event, run on Windows).  An
 * event created with such a descriptor works as any other.  Prints "ok NAME" or "FAIL NAME". */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
#include "nt_check.h"

#define F(dll, name, type) type p_##name = (type)fn(dll, #name)
typedef BOOL(WINAPI *INITSD)(void *, DWORD);
typedef BOOL(WINAPI *ISVALID)(void *);
typedef DWORD(WINAPI *SDLEN)(void *);
typedef BOOL(WINAPI *SETDACL)(void *, BOOL, void *, BOOL);
typedef BOOL(WINAPI *GETDACL)(void *, BOOL *, void **, BOOL *);
typedef BOOL(WINAPI *SETSID)(void *, void *, BOOL);
typedef BOOL(WINAPI *GETSID)(void *, void **, BOOL *);
typedef BOOL(WINAPI *INITACL)(void *, DWORD, DWORD);
typedef BOOL(WINAPI *ADDACE)(void *, DWORD, DWORD, void *);
typedef BOOL(WINAPI *ADDACEEX)(void *, DWORD, DWORD, DWORD, void *);
typedef BOOL(WINAPI *GETACE)(void *, DWORD, void **);
typedef NTSTATUS(NTAPI *RTLCREATESD)(void *, ULONG);
typedef NTSTATUS(NTAPI *RTLCREATEACL)(void *, ULONG, ULONG);
typedef NTSTATUS(NTAPI *RTLADDACE)(void *, ULONG, ULONG, void *);
typedef NTSTATUS(NTAPI *RTLSETDACL)(void *, BOOLEAN, void *, BOOLEAN);
typedef BOOLEAN(NTAPI *RTLVALID)(void *);
typedef ULONG(NTAPI *RTLLEN)(void *);

/* S-1-1-0 (Everyone) and S-1-5-32-544 (Administrators), as their bytes. */
static BYTE world[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
static BYTE admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};

static void acls(void)
{
    F("advapi32.dll", InitializeAcl, INITACL);
    F("advapi32.dll", IsValidAcl, ISVALID);
    F("advapi32.dll", AddAccessAllowedAce, ADDACE);
    F("advapi32.dll", AddAccessAllowedAceEx, ADDACEEX);
    F("advapi32.dll", AddAccessDeniedAce, ADDACE);
    F("advapi32.dll", GetAce, GETACE);
    if (!p_InitializeAcl || !p_IsValidAcl || !p_AddAccessAllowedAce || !p_AddAccessAllowedAceEx ||
        !p_AddAccessDeniedAce || !p_GetAce)
        return;
    DWORD buf[64];
    ACL *acl = (ACL *)buf;
    SetLastError(0xdeadbeef);
    BOOL a = p_InitializeAcl(acl, sizeof(ACL) - 1, ACL_REVISION);
    DWORD ea = GetLastError();
    BOOL b = p_InitializeAcl(acl, 0xffffffff, ACL_REVISION);
    DWORD eb = GetLastError();
    BOOL c = p_InitializeAcl(acl, sizeof(buf), 1), d = p_InitializeAcl(acl, sizeof(buf), 5);
    check(!a && ea == ERROR_INSUFFICIENT_BUFFER && !b && eb == ERROR_INVALID_PARAMETER && !c && !d &&
              GetLastError() == ERROR_INVALID_PARAMETER,
          "init_acl_errors", ea);
    BOOL ok3 = p_InitializeAcl(acl, sizeof(buf), ACL_REVISION3) && p_IsValidAcl(acl);
    BOOL ok2 = p_InitializeAcl(acl, sizeof(buf), ACL_REVISION) && p_IsValidAcl(acl);
    check(ok2 && ok3 && acl->AclRevision == 2 && acl->AclSize == sizeof(buf) && acl->AceCount == 0, "init_acl",
          acl->AclSize);
    BOOL add1 = p_AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_READ, world);
    BOOL add2 = p_AddAccessDeniedAce(acl, ACL_REVISION, GENERIC_WRITE, admins);
    BOOL add3 = p_AddAccessAllowedAceEx(acl, ACL_REVISION, OBJECT_INHERIT_ACE, 0x1f0003, admins);
    ACCESS_ALLOWED_ACE *e0, *e1, *e2;
    BOOL got = p_GetAce(acl, 0, (void **)&e0) && p_GetAce(acl, 1, (void **)&e1) && p_GetAce(acl, 2, (void **)&e2);
    check(add1 && add2 && add3 && got && acl->AceCount == 3 && p_IsValidAcl(acl), "add_aces", acl->AceCount);
    check(got && (BYTE *)e0 == (BYTE *)acl + 8 && e0->Header.AceType == ACCESS_ALLOWED_ACE_TYPE &&
              e0->Header.AceSize == 20 && e0->Mask == GENERIC_READ && !memcmp(&e0->SidStart, world, 12) &&
              (BYTE *)e1 == (BYTE *)e0 + 20 && e1->Header.AceType == ACCESS_DENIED_ACE_TYPE &&
              e1->Header.AceSize == 24 && e2->Header.AceFlags == OBJECT_INHERIT_ACE && e2->Mask == 0x1f0003,
          "ace_bytes", got);
    SetLastError(0xdeadbeef);
    void *none = NULL;
    BOOL past = p_GetAce(acl, 3, &none);
    check(!past && GetLastError() == ERROR_INVALID_PARAMETER, "get_ace_past_end", GetLastError());
    DWORD small[6]; /* 24 bytes: the header and 16 more, one ACE for Everyone needs 20 */
    p_InitializeAcl((ACL *)small, sizeof(small), ACL_REVISION);
    SetLastError(0xdeadbeef);
    BOOL full = p_AddAccessAllowedAce((ACL *)small, ACL_REVISION, GENERIC_READ, world);
    check(!full && GetLastError() == ERROR_ALLOTTED_SPACE_EXCEEDED && ((ACL *)small)->AceCount == 0, "ace_no_room",
          GetLastError());
    SetLastError(0xdeadbeef);
    BYTE badsid[8] = {2, 0};
    BOOL bad = p_AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_READ, badsid);
    check(!bad && GetLastError() == ERROR_INVALID_SID, "ace_bad_sid", GetLastError());
}

static void descriptors(void)
{
    F("advapi32.dll", InitializeSecurityDescriptor, INITSD);
    F("advapi32.dll", IsValidSecurityDescriptor, ISVALID);
    F("advapi32.dll", GetSecurityDescriptorLength, SDLEN);
    F("advapi32.dll", SetSecurityDescriptorDacl, SETDACL);
    F("advapi32.dll", GetSecurityDescriptorDacl, GETDACL);
    F("advapi32.dll", SetSecurityDescriptorOwner, SETSID);
    F("advapi32.dll", GetSecurityDescriptorOwner, GETSID);
    F("advapi32.dll", SetSecurityDescriptorGroup, SETSID);
    F("advapi32.dll", GetSecurityDescriptorGroup, GETSID);
    F("advapi32.dll", InitializeAcl, INITACL);
    if (!p_InitializeSecurityDescriptor || !p_IsValidSecurityDescriptor || !p_GetSecurityDescriptorLength ||
        !p_SetSecurityDescriptorDacl || !p_GetSecurityDescriptorDacl || !p_SetSecurityDescriptorOwner ||
        !p_GetSecurityDescriptorOwner || !p_SetSecurityDescriptorGroup || !p_GetSecurityDescriptorGroup ||
        !p_InitializeAcl)
        return;
    SECURITY_DESCRIPTOR sd;
    memset(&sd, 0xcc, sizeof(sd));
    SetLastError(0xdeadbeef);
    BOOL bad = p_InitializeSecurityDescriptor(&sd, 2);
    check(!bad && GetLastError() == ERROR_UNKNOWN_REVISION, "init_sd_bad_revision", GetLastError());
    BOOL init = p_InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
    check(init && sd.Revision == 1 && sd.Control == 0 && !sd.Owner && !sd.Group && !sd.Sacl && !sd.Dacl &&
              p_IsValidSecurityDescriptor(&sd) && p_GetSecurityDescriptorLength(&sd) == sizeof(sd) && sizeof(sd) == 40,
          "init_sd", p_GetSecurityDescriptorLength(&sd));
    DWORD acl[8];
    p_InitializeAcl(acl, sizeof(acl), ACL_REVISION);
    BOOL set = p_SetSecurityDescriptorDacl(&sd, TRUE, acl, FALSE);
    BOOL present = FALSE, defaulted = TRUE;
    void *got = NULL;
    BOOL get = p_GetSecurityDescriptorDacl(&sd, &present, &got, &defaulted);
    check(set && get && present && !defaulted && got == acl && sd.Control == SE_DACL_PRESENT &&
              p_GetSecurityDescriptorLength(&sd) == 40 + sizeof(acl),
          "dacl", sd.Control);
    BOOL own = p_SetSecurityDescriptorOwner(&sd, world, TRUE) && p_SetSecurityDescriptorGroup(&sd, admins, FALSE);
    void *o = NULL, *g = NULL;
    BOOL od = FALSE, gd = TRUE;
    BOOL read = p_GetSecurityDescriptorOwner(&sd, &o, &od) && p_GetSecurityDescriptorGroup(&sd, &g, &gd);
    check(own && read && o == world && od && g == admins && !gd && (sd.Control & SE_OWNER_DEFAULTED) &&
              p_GetSecurityDescriptorLength(&sd) == 40 + sizeof(acl) + 12 + 16 && p_IsValidSecurityDescriptor(&sd),
          "owner_group", p_GetSecurityDescriptorLength(&sd));
    BOOL unset = p_SetSecurityDescriptorDacl(&sd, FALSE, NULL, FALSE);
    p_GetSecurityDescriptorDacl(&sd, &present, &got, &defaulted);
    check(unset && !present && !(sd.Control & SE_DACL_PRESENT), "dacl_not_present", sd.Control);
    /* a self-relative descriptor: offsets, not pointers; it cannot be changed in place */
    DWORD rel[16] = {0};
    BYTE *r = (BYTE *)rel;
    r[0] = 1, r[2] = 0x04, r[3] = 0x80; /* SE_DACL_PRESENT | SE_SELF_RELATIVE */
    rel[4] = 20;                        /* Dacl at offset 20 */
    p_InitializeAcl(r + 20, 8, ACL_REVISION);
    BOOL rget = p_GetSecurityDescriptorDacl(rel, &present, &got, &defaulted);
    SetLastError(0xdeadbeef);
    BOOL rset = p_SetSecurityDescriptorDacl(rel, TRUE, acl, FALSE);
    check(rget && present && got == r + 20 && !rset && GetLastError() == ERROR_INVALID_SECURITY_DESCR &&
              p_GetSecurityDescriptorLength(rel) == 28,
          "self_relative", GetLastError());
    sd.Revision = 0;
    SetLastError(0xdeadbeef);
    BOOL valid = p_IsValidSecurityDescriptor(&sd);
    check(!valid && GetLastError() == ERROR_INVALID_SECURITY_DESCR, "invalid_sd", GetLastError());
}

/* kernel32 sync.c's test_event: an event made with a descriptor holding an empty DACL. */
static void event_with_descriptor(void)
{
    F("advapi32.dll", InitializeSecurityDescriptor, INITSD);
    F("advapi32.dll", SetSecurityDescriptorDacl, SETDACL);
    F("advapi32.dll", InitializeAcl, INITACL);
    if (!p_InitializeSecurityDescriptor || !p_SetSecurityDescriptorDacl || !p_InitializeAcl)
        return;
    SECURITY_DESCRIPTOR sd;
    ACL acl;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), &sd, FALSE};
    p_InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION);
    HANDLE e1 = CreateEventA(&sa, FALSE, FALSE, NULL);
    p_SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE);
    HANDLE e2 = CreateEventA(&sa, FALSE, FALSE, NULL);
    p_InitializeAcl(&acl, sizeof(acl), ACL_REVISION);
    p_SetSecurityDescriptorDacl(&sd, TRUE, &acl, FALSE);
    HANDLE e3 = CreateEventA(&sa, FALSE, FALSE, NULL);
    BOOL set = e3 && SetEvent(e3);
    check(e1 && e2 && e3 && set && WaitForSingleObject(e3, 0) == WAIT_OBJECT_0, "event_with_sd", (ULONG_PTR)e3);
    CloseHandle(e1), CloseHandle(e2), CloseHandle(e3);
}

static void rtl(void)
{
    F("ntdll.dll", RtlCreateSecurityDescriptor, RTLCREATESD);
    F("ntdll.dll", RtlCreateAcl, RTLCREATEACL);
    F("ntdll.dll", RtlAddAccessAllowedAce, RTLADDACE);
    F("ntdll.dll", RtlSetDaclSecurityDescriptor, RTLSETDACL);
    F("ntdll.dll", RtlValidSecurityDescriptor, RTLVALID);
    F("ntdll.dll", RtlValidAcl, RTLVALID);
    F("ntdll.dll", RtlLengthSecurityDescriptor, RTLLEN);
    if (!p_RtlCreateSecurityDescriptor || !p_RtlCreateAcl || !p_RtlAddAccessAllowedAce ||
        !p_RtlSetDaclSecurityDescriptor || !p_RtlValidSecurityDescriptor || !p_RtlValidAcl ||
        !p_RtlLengthSecurityDescriptor)
        return;
    SECURITY_DESCRIPTOR sd;
    DWORD acl[7]; /* 28 bytes: one ACE for Everyone (20) fits, a second does not */
    NTSTATUS a = p_RtlCreateSecurityDescriptor(&sd, 2), b = p_RtlCreateAcl(acl, 4, 2), c = p_RtlCreateAcl(acl, 64, 1);
    check(a == (NTSTATUS)0xC0000058 && b == (NTSTATUS)0xC0000023 && c == (NTSTATUS)0xC000000D, "rtl_errors", a);
    NTSTATUS d = p_RtlCreateSecurityDescriptor(&sd, 1), e = p_RtlCreateAcl(acl, sizeof(acl), 2);
    NTSTATUS f = p_RtlAddAccessAllowedAce(acl, 2, GENERIC_ALL, world);
    NTSTATUS g = p_RtlAddAccessAllowedAce(acl, 2, GENERIC_ALL, world);
    NTSTATUS h = p_RtlSetDaclSecurityDescriptor(&sd, TRUE, acl, FALSE);
    check(!d && !e && !f && g == (NTSTATUS)0xC0000099 && !h && p_RtlValidAcl(acl) && p_RtlValidSecurityDescriptor(&sd) &&
              p_RtlLengthSecurityDescriptor(&sd) == 40 + sizeof(acl),
          "rtl_calls", g);
    ((ACL *)acl)->AceCount = 5; /* ACEs past its size: no valid ACL, and so no valid descriptor */
    check(!p_RtlValidAcl(acl) && !p_RtlValidSecurityDescriptor(&sd), "rtl_invalid_acl", 0);
}

int main(void)
{
    acls();
    descriptors();
    event_with_descriptor();
    rtl();
    printf("%s done (%d failures)\n", failures ? "FAIL" : "ok", failures);
    fflush(stdout);
    return failures;
}
