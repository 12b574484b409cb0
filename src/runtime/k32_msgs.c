/* SPDX-License-Identifier: MIT */
/* k32_msgs.c - the system message table FormatMessage(FORMAT_MESSAGE_FROM_SYSTEM) reads: the
 * exact English texts Windows 10 gives for the error codes winvm reports (every code of
 * base/error.c's table and of winvm.h), CRLF-terminated as Windows stores them.  Sorted by
 * code (test_k32_format checks the order). */
#include "runtime/runtime.h"

static const struct wv_msg {
    DWORD code;
    const char *text;
} wv_msgs[] = {
    {0, "The operation completed successfully.\r\n"},
    {1, "Incorrect function.\r\n"},
    {2, "The system cannot find the file specified.\r\n"},
    {3, "The system cannot find the path specified.\r\n"},
    {4, "The system cannot open the file.\r\n"},
    {5, "Access is denied.\r\n"},
    {6, "The handle is invalid.\r\n"},
    {8, "Not enough memory resources are available to process this command.\r\n"},
    {13, "The data is invalid.\r\n"},
    {14, "Not enough memory resources are available to complete this operation.\r\n"},
    {15, "The system cannot find the drive specified.\r\n"},
    {16, "The directory cannot be removed.\r\n"},
    {17, "The system cannot move the file to a different disk drive.\r\n"},
    {18, "There are no more files.\r\n"},
    {19, "The media is write protected.\r\n"},
    {21, "The device is not ready.\r\n"},
    {24, "The program issued a command but the command length is incorrect.\r\n"},
    {32, "The process cannot access the file because it is being used by another process.\r\n"},
    {33, "The process cannot access the file because another process has locked a portion of the file.\r\n"},
    {38, "Reached the end of the file.\r\n"},
    {39, "The disk is full.\r\n"},
    {50, "The request is not supported.\r\n"},
    {53, "The network path was not found.\r\n"},
    {80, "The file exists.\r\n"},
    {87, "The parameter is incorrect.\r\n"},
    {109, "The pipe has been ended.\r\n"},
    {111, "The file name is too long.\r\n"},
    {112, "There is not enough space on the disk.\r\n"},
    {120, "This function is not supported on this system.\r\n"},
    {122, "The data area passed to a system call is too small.\r\n"},
    {123, "The filename, directory name, or volume label syntax is incorrect.\r\n"},
    {126, "The specified module could not be found.\r\n"},
    {127, "The specified procedure could not be found.\r\n"},
    {131, "An attempt was made to move the file pointer before the beginning of the file.\r\n"},
    {145, "The directory is not empty.\r\n"},
    {158, "The segment is already unlocked.\r\n"},
    {161, "The specified path is invalid.\r\n"},
    {167, "Unable to lock a region of a file.\r\n"},
    {170, "The requested resource is in use.\r\n"},
    {182, "The operating system cannot run %1.\r\n"},
    {183, "Cannot create a file when that file already exists.\r\n"},
    {193, "%1 is not a valid Win32 application.\r\n"},
    {203, "The system could not find the environment option that was entered.\r\n"},
    {206, "The filename or extension is too long.\r\n"},
    {232, "The pipe is being closed.\r\n"},
    {234, "More data is available.\r\n"},
    {259, "No more data is available.\r\n"},
    {267, "The directory name is invalid.\r\n"},
    {288, "Attempt to release mutex not owned by caller.\r\n"},
    {298, "Too many posts were made to a semaphore.\r\n"},
    {317, "The system cannot find message text for message number 0x%1 in the message file for %2.\r\n"},
    {487, "Attempt to access invalid address.\r\n"},
    {995, "The I/O operation has been aborted because of either a thread exit or an application request.\r\n"},
    {998, "Invalid access to memory location.\r\n"},
    {1004, "Invalid flags.\r\n"},
    {1006, "The volume for a file has been externally altered so that the opened file is no longer valid.\r\n"},
    {1113, "No mapping for the Unicode character exists in the target multi-byte code page.\r\n"},
    {1114, "A dynamic link library (DLL) initialization routine failed.\r\n"},
    {1132, "The base address or the file offset specified does not have the proper alignment.\r\n"},
    {1142, "An attempt was made to create more links on a file than the file system supports.\r\n"},
    {1168, "Element not found.\r\n"},
    {1314, "A required privilege is not held by the client.\r\n"},
    {1453, "Insufficient quota to complete the requested service.\r\n"},
    {1455, "The paging file is too small for this operation to complete.\r\n"},
    {1460, "This operation returned because the timeout period expired.\r\n"},
    {1921, "The name of the file cannot be resolved by the system.\r\n"},
    {0x80090001u, "Bad UID.\r\n"},
    {0x80090009u, "Invalid flags specified.\r\n"},
    {0x80090016u, "Keyset does not exist\r\n"},
};

const char *wv_system_message(DWORD code)
{
    size_t lo = 0, hi = sizeof(wv_msgs) / sizeof(wv_msgs[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (wv_msgs[mid].code == code)
            return wv_msgs[mid].text;
        if (wv_msgs[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

DWORD wv_system_message_code_at(size_t i)
{
    return i < sizeof(wv_msgs) / sizeof(wv_msgs[0]) ? wv_msgs[i].code : (DWORD)-1;
}
