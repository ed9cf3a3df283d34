package classify

import "fmt"

// The lookup tables give the meaning of the codes met in these logs, so a
// finding reads well on a machine without Windows' message DLLs. Texts are
// Windows' own, shortened where they hold placeholders.

// msiMessages are Windows Installer error messages (the Error table numbers).
var msiMessages = map[int]string{
	1001: "An exception occurred in an installer class custom action (InstallUtil)",
	1301: "Cannot create the file: a directory with this name already exists",
	1303: "The installer has insufficient privileges to access this directory",
	1304: "Error writing to file",
	1305: "Error reading from file; verify that the file exists and that you can access it",
	1306: "Another application has exclusive access to the file",
	1307: "There is not enough disk space to install this file",
	1308: "Source file not found",
	1309: "Error reading from file",
	1310: "Error writing to file; verify that you have access to that directory",
	1311: "Source file not found (cabinet)",
	1312: "Cannot create the directory: a file with this name already exists",
	1313: "The volume is currently unavailable",
	1314: "The specified path is unavailable",
	1315: "Unable to write to the specified folder",
	1316: "A network error occurred while attempting to read from the file",
	1317: "An error occurred while attempting to create the directory",
	1318: "A network error occurred while attempting to create the directory",
	1319: "A network error occurred while attempting to open the source file cabinet",
	1320: "The specified path is too long",
	1321: "The installer has insufficient privileges to modify this file",
	1322: "A portion of the folder path is invalid",
	1325: "Not a valid short file name",
	1326: "Error getting file security",
	1327: "Invalid drive",
	1328: "Error applying patch to file",
	1329: "A required file cannot be installed because the cabinet file is not digitally signed",
	1330: "A required file cannot be installed because the cabinet file has an invalid digital signature",
	1331: "Failed to correctly copy file: CRC error",
	1334: "The file cannot be installed because it cannot be found in the cabinet file",
	1335: "The cabinet file required for this installation is corrupt and cannot be used",
	1336: "There was an error creating a temporary file that is needed to complete this installation",
	1401: "Could not create registry key",
	1402: "Could not open registry key",
	1403: "Could not delete registry value",
	1404: "Could not delete registry key",
	1405: "Could not read registry value",
	1406: "Could not write registry value",
	1407: "Could not get value names for registry key",
	1408: "Could not get sub key names for registry key",
	1409: "Could not read security information for registry key",
	1410: "Could not increase the available registry space",
	1500: "Another installation is in progress; you must complete that installation before continuing this one",
	1601: "Out of disk space",
	1606: "Could not access network location",
	1704: "An installation for this product is currently suspended",
	1705: "A previous installation for this product is in progress",
	1706: "An installation package for the product cannot be found",
	1711: "An error occurred while writing installation information to disk",
	1712: "One or more of the files required to restore the computer to its previous state could not be found",
	1718: "File was rejected by digital signature policy",
	1719: "The Windows Installer Service could not be accessed",
	1720: "A script required for this install to complete could not be run",
	1721: "A program required for this install to complete could not be run",
	1722: "A program run as part of the setup did not finish as expected",
	1723: "A DLL required for this install to complete could not be run",
	1730: "You must be an Administrator to remove this application",
	1801: "The path is not valid",
	1802: "Out of memory",
	1803: "There is no disk in the drive",
	1805: "The file does not exist",
	1904: "Module failed to register",
	1905: "Module failed to unregister",
	1906: "Failed to cache package",
	1907: "Could not register font",
	1911: "Could not register type library for file",
	1913: "Could not update the INI file",
	1914: "Could not schedule file to replace file on reboot",
	1918: "Error installing ODBC driver",
	1919: "Error configuring ODBC data source",
	1920: "Service failed to start; verify that you have sufficient privileges to start system services",
	1921: "Service could not be stopped",
	1922: "Service could not be deleted",
	1923: "Service could not be installed",
	1924: "Could not update environment variable",
	1925: "You do not have sufficient privileges to complete this installation for all users of the machine",
	1926: "Could not set file security",
	1927: "Component Services (COM+ 1.0) are not installed on this computer",
	1928: "Error registering COM+ application",
	1931: "Windows Installer cannot update the system file because it is protected by Windows",
	1932: "Windows Installer cannot update the protected Windows file",
	1935: "An error occurred during the installation of an assembly",
	1936: "An error occurred during the installation of an assembly: not strongly named or signed with too short a key",
	1937: "An error occurred during the installation of an assembly: the signature or catalog could not be verified",
	1938: "An error occurred during the installation of an assembly: modules of the assembly could not be found",
	2203: "Cannot open database file",
	2502: "Called InstallFinalize when no install is in progress (often: no access to the Temp folder)",
	2503: "Called RunScript when not marked in progress (often: no access to the Temp folder)",
	2738: "Could not access VBScript run time for custom action",
	2753: "The file of a custom action is not marked for installation",
	2739: "Could not access JScript run time for custom action",
	2350: "FDI server error",
	2356: "Could not locate cabinet in stream",
	2755: "Server returned unexpected error attempting to install package",
	2896: "Executing action failed",
}

// win32Messages are Win32 system error codes: the exit codes of programs and
// custom actions, and "System error N" in MSI messages.
var win32Messages = map[int]string{
	0:     "The operation completed successfully",
	1:     "Incorrect function",
	2:     "The system cannot find the file specified",
	3:     "The system cannot find the path specified",
	4:     "The system cannot open the file",
	5:     "Access is denied",
	6:     "The handle is invalid",
	8:     "Not enough storage is available to process this command",
	13:    "The data is invalid",
	15:    "The system cannot find the drive specified",
	19:    "The media is write protected",
	21:    "The device is not ready",
	32:    "The process cannot access the file because it is being used by another process",
	33:    "The process cannot access the file because another process has locked a portion of the file",
	53:    "The network path was not found",
	59:    "An unexpected network error occurred",
	64:    "The specified network name is no longer available",
	67:    "The network name cannot be found",
	80:    "The file exists",
	87:    "The parameter is incorrect",
	112:   "There is not enough space on the disk",
	123:   "The filename, directory name, or volume label syntax is incorrect",
	126:   "The specified module could not be found",
	127:   "The specified procedure could not be found",
	183:   "Cannot create a file when that file already exists",
	193:   "Not a valid Win32 application",
	206:   "The filename or extension is too long",
	258:   "The wait operation timed out",
	267:   "The directory name is invalid",
	350:   "No action was taken as a system reboot is required (ERROR_FAIL_NOACTION_REBOOT)",
	1053:  "The service did not respond to the start or control request in a timely fashion",
	1058:  "The service cannot be started, either because it is disabled or because it has no enabled devices associated with it",
	1060:  "The specified service does not exist as an installed service",
	1068:  "The dependency service or group failed to start",
	1069:  "The service did not start due to a logon failure",
	1073:  "The specified service already exists",
	1168:  "Element not found",
	1223:  "The operation was canceled by the user",
	1392:  "The file or directory is corrupted and unreadable",
	1601:  "The Windows Installer Service could not be accessed",
	1602:  "User cancelled installation",
	1603:  "Fatal error during installation",
	1604:  "Installation suspended, incomplete",
	1605:  "This action is only valid for products that are currently installed",
	1612:  "The installation source for this product is not available",
	1618:  "Another installation is already in progress",
	1619:  "This installation package could not be opened",
	1620:  "This installation package could not be opened; contact the application vendor to verify that this is a valid Windows Installer package",
	1622:  "Error opening installation log file",
	1624:  "Error applying transforms",
	1625:  "This installation is forbidden by system policy",
	1633:  "This installation package is not supported by this processor type",
	1635:  "This update package could not be opened",
	1638:  "Another version of this product is already installed",
	1639:  "Invalid command line argument",
	1641:  "The installer has started a reboot",
	1642:  "The upgrade cannot be installed: the program to be upgraded may be missing, or the upgrade may update a different version of the program",
	3010:  "A restart is required to complete the install",
	3017:  "The requested operation failed; a system reboot is required to roll back changes made",
	14098: "The component store has been corrupted (ERROR_SXS_COMPONENT_STORE_CORRUPT)",
}

// hresults are COM and structured storage codes that do not derive from a
// Win32 code (those are looked up through win32Messages).
var hresults = map[uint32]string{
	0x80004001: "Not implemented (E_NOTIMPL)",
	0x80004002: "No such interface supported (E_NOINTERFACE)",
	0x80004005: "Unspecified error (E_FAIL)",
	0x8000FFFF: "Catastrophic failure (E_UNEXPECTED)",
	0x80030002: "File not found (STG_E_FILENOTFOUND)",
	0x80030003: "Path not found (STG_E_PATHNOTFOUND)",
	0x80030005: "Access denied (STG_E_ACCESSDENIED)",
	0x80030008: "Insufficient memory (STG_E_INSUFFICIENTMEMORY)",
	0x8003001D: "Disk error during a write operation (STG_E_WRITEFAULT)",
	0x8003001E: "Disk error during a read operation (STG_E_READFAULT)",
	0x80030020: "Share violation (STG_E_SHAREVIOLATION)",
	0x80030021: "Lock violation (STG_E_LOCKVIOLATION)",
	0x80030050: "Already exists: not a valid storage file (STG_E_FILEALREADYEXISTS)",
	0x80030070: "Insufficient disk space to complete the operation (STG_E_MEDIUMFULL)",
	0x800300FB: "Not a valid compound file (STG_E_INVALIDHEADER)",
	0x80131047: "The given assembly name or codebase was invalid (FUSION_E_INVALID_NAME)",
	0x80092003: "An error occurred while reading or writing to a file (CRYPT_E_FILE_ERROR)",
	0x80092004: "Cannot find object or property (CRYPT_E_NOT_FOUND)",
	0x800B0100: "No signature was present in the subject (TRUST_E_NOSIGNATURE)",
	0x800B0109: "Certificate chain terminated in an untrusted root (CERT_E_UNTRUSTEDROOT)",
	0xE0000102: "The line was not found in the INF (SetupAPI ERROR_LINE_NOT_FOUND)",
	0x00240006: "The update to be installed is already installed on the system (WU_S_ALREADY_INSTALLED)",
	0x80240017: "Operation was not performed because there are no applicable updates (WU_E_NOT_APPLICABLE)",
	0x800F081E: "The package is not applicable (CBS_E_NOT_APPLICABLE)",
	0x800F081F: "The source files could not be found (CBS_E_SOURCE_MISSING)",
	0x800F0906: "The source files could not be downloaded (CBS_E_DOWNLOAD_FAILURE)",
	0x800B010A: "A certificate chain could not be built to a trusted root authority (CERT_E_CHAINING)",
}

// extendedCodes are update.exe's extended error codes.
var extendedCodes = map[int]string{
	0xf00c: "update.inf / update.ver is not correct: damaged package or bad ProgramFilesDir value",
	0xf00d: "update.inf / update.ver is not correct, or setup was canceled after INF verification failed",
	0xf01e: "Catalog files could not be installed (STR_CATALOG_INSTALL_FAILED)",
	0xf0f4: "A prerequisite check failed (STATUS_PREREQUISITE_FAILED)",
	0xf201: "The installation did not complete",
}

// returnValues are MSI action return values as the verbose log writes them.
var returnValues = map[int]string{
	0: "Action not invoked",
	1: "Success",
	2: "User cancel (1602)",
	3: "Fatal error (1603)",
	4: "Suspended (1604)",
	8: "Another installation is running (1618)",
}

// describe returns the text of a code of the given kind and value, empty
// when the tables do not know it.
func describe(kind string, v int64) string {
	switch kind {
	case CodeMSIError:
		return msiMessages[int(v)]
	case CodeSystemError, CodeActionExit:
		return win32Messages[int(v)]
	case CodeExtended:
		return extendedCodes[int(v)]
	case CodeMasked:
		if t, ok := win32Messages[int(v)]; ok {
			return fmt.Sprintf("%d: %s", v, t)
		}
	case CodeReturnValue:
		return returnValues[int(v)]
	case CodeHRESULT:
		return describeHRESULT(uint32(v))
	}
	return ""
}

// describeHRESULT knows the table and any HRESULT wrapping a Win32 code
// (facility 7: 0x8007xxxx).
func describeHRESULT(h uint32) string {
	if t, ok := hresults[h]; ok {
		return t
	}
	if h&0xFFFF0000 == 0x80070000 {
		if t, ok := win32Messages[int(h&0xFFFF)]; ok {
			return fmt.Sprintf("%s (Win32 %d)", t, h&0xFFFF)
		}
	}
	return ""
}
