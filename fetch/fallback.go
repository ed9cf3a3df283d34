package fetch

import (
	"context"
	"errors"
	"fmt"
)

// SMB1Fallback reads hosts over SMB 2/3 with SMB and hands a host that
// speaks SMB 1 only (it closes the connection at the SMB 2 negotiation,
// as Windows 2000, XP and Server 2003 do) to SMBClient, within the same
// connect timeout and host deadline. Hosts that answer in SMB 2 cost
// nothing more; an SMB 1 host costs one refused negotiation first.
type SMB1Fallback struct {
	smb  *SMB
	smb1 *SMBClient
}

// NewSMB1Fallback combines the two sources; Close closes both.
func NewSMB1Fallback(smb *SMB, smb1 *SMBClient) *SMB1Fallback {
	return &SMB1Fallback{smb: smb, smb1: smb1}
}

func (f *SMB1Fallback) String() string {
	return f.smb.String() + "; hosts speaking SMB 1 only: " + f.smb1.String()
}

// Connect tries SMB 2/3 first, then smbclient when the host said nothing
// in SMB 2.
func (f *SMB1Fallback) Connect(ctx context.Context, host string) (Session, error) {
	s, err := f.smb.Connect(ctx, host)
	if err == nil || !errors.Is(err, ErrSMB1Only) {
		return s, err
	}
	s1, err := f.smb1.Connect(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("no answer in SMB 2, and over SMB 1: %w", err)
	}
	return viaSession{Session: s1, via: f.smb1.String()}, nil
}

// Close ends both sources.
func (f *SMB1Fallback) Close() error {
	return errors.Join(f.smb.Close(), f.smb1.Close())
}

// viaSession names the reader of a session that is not its source's
// first: Fetch.Via.
type viaSession struct {
	Session
	via string
}

// sessionVia is what Fetch.Via says for a session.
func sessionVia(s Session) string {
	if v, ok := s.(viaSession); ok {
		return v.via
	}
	return ""
}
