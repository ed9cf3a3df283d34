/*
 * Test scaffolding for running smsfail.exe under Wine, never shipped.
 *
 * Go programs since Go 1.22 draw their random numbers from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10 and later have and Wine 8 lacks.
 * This stand-in exports ProcessPrng over RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. The wintest package builds it with
 * x86_64-w64-mingw32-gcc into the test prefix's windows\system32.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
