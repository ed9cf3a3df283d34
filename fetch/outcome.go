package fetch

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"

	"github.com/cloudsoda/go-smb2"

	"smsfail"
)

// NT status codes the outcomes hinge on ([MS-ERREF] 2.3.1); go-smb2 keeps
// its table in an internal package.
const (
	statusAccessDenied          = 0xC0000022
	statusLogonFailure          = 0xC000006D
	statusAccountRestriction    = 0xC000006E
	statusInvalidLogonHours     = 0xC000006F
	statusInvalidWorkstation    = 0xC0000070
	statusPasswordExpired       = 0xC0000071
	statusAccountDisabled       = 0xC0000072
	statusBadNetworkPath        = 0xC00000BE
	statusNetworkBusy           = 0xC00000BF
	statusBadNetworkName        = 0xC00000CC
	statusRequestNotAccepted    = 0xC00000D0
	statusInsufficientResources = 0xC000009A
	statusLogonTypeNotGranted   = 0xC000015B
	statusAccountExpired        = 0xC0000193
	statusConnectionDisconnect  = 0xC000020C
	statusConnectionReset       = 0xC000020D
	statusPasswordMustChange    = 0xC0000224
	statusAccountLockedOut      = 0xC0000234
)

// phase is how far an attempt got when it failed: the same error means
// different things before and after the host answered.
type phase int

const (
	phaseConnect phase = iota // dial, negotiate, log on
	phaseOpen                 // mount the share, list, open the log
	phaseRead                 // stream the log
)

// outcomeOf classifies an error of the given phase for the report.
func outcomeOf(err error, ph phase) smsfail.FetchStatus {
	switch {
	case deniedError(err):
		return smsfail.FetchAccessDenied
	case errors.Is(err, ErrShareMissing) || hasStatus(err, statusBadNetworkName):
		return smsfail.FetchShareMissing
	case ph == phaseRead:
		return smsfail.FetchReadError
	case ph == phaseOpen && errors.Is(err, fs.ErrNotExist):
		return smsfail.FetchLogMissing
	case ph == phaseConnect || networkError(err):
		return smsfail.FetchUnreachable
	default:
		return smsfail.FetchReadError
	}
}

func deniedError(err error) bool {
	if errors.Is(err, ErrAccessDenied) || errors.Is(err, errNotEncrypted) || errors.Is(err, fs.ErrPermission) {
		return true
	}
	if hasStatus(err, statusAccessDenied, statusLogonFailure, statusAccountRestriction, statusInvalidLogonHours,
		statusInvalidWorkstation, statusPasswordExpired, statusAccountDisabled, statusLogonTypeNotGranted,
		statusAccountExpired, statusPasswordMustChange, statusAccountLockedOut) {
		return true
	}
	// A logon refused in a single round trip (Kerberos), or a guest
	// session where signing was required, comes as an unexpected response.
	var ir *smb2.InvalidResponseError
	if errors.As(err, &ir) {
		m := strings.ToLower(ir.Message)
		return strings.Contains(m, "logon") || strings.Contains(m, "guest") || strings.Contains(m, "anonymous") ||
			strings.Contains(m, "access denied")
	}
	return false
}

func hasStatus(err error, codes ...uint32) bool {
	var re *smb2.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	for _, c := range codes {
		if re.Code == c {
			return true
		}
	}
	return false
}

// networkError reports whether err says the network or the host failed us
// rather than the file: a timeout, a refusal, a name not resolved.
func networkError(err error) bool {
	if errors.Is(err, ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) || hasStatus(err, statusBadNetworkPath) {
		return true
	}
	var ne net.Error
	var te *smb2.TransportError
	return errors.As(err, &ne) || errors.As(err, &te)
}

// transient reports whether trying again soon may succeed: the host
// answered but dropped us, or said it was busy. Timeouts are not
// transient here: an offline host would cost its timeout twice.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || timeout(err) {
		return false
	}
	if errors.Is(err, smb2.ErrRequestNotAccepted) || isSMBClientTransient(err) ||
		hasStatus(err, statusRequestNotAccepted, statusNetworkBusy, statusInsufficientResources,
			statusConnectionDisconnect, statusConnectionReset) {
		return true
	}
	var te *smb2.TransportError
	if errors.As(err, &te) { // go-smb2's TransportError does not unwrap
		err = te.Err
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
