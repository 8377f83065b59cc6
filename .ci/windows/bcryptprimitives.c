/*
 * A stand-in for Windows' bcryptprimitives.dll, for Wine versions before
 * 8.13, which do not have it.
 *
 * Rust's standard library (1.78 and later) gets its random bytes (the seeds
 * of HashMap's hasher) from ProcessPrng in bcryptprimitives.dll. Under Wine
 * 8.0, Debian 12's, that DLL does not exist and every Rust executable stops
 * at start-up with exit code 53. This DLL provides that one function, over
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 *
 * Only .ci/windows/run.sh uses it: it is compiled with mingw-w64 and copied
 * into the Wine prefix the Windows tests run in. Nothing ships with it.
 */
#include <windows.h>

/* RtlGenRandom's real name; declared here so no SDK header is needed. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Fills `data` with `length` random bytes. Always TRUE, as on Windows. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
