//go:build !windows

package fetch

import (
	"context"
	"errors"
)

// WindowsShares reads \\HOST\share\path through Windows' own SMB client;
// elsewhere it cannot be built: use SMB with credentials.
type WindowsShares struct{}

// NewWindowsShares fails outside Windows.
func NewWindowsShares() (*WindowsShares, error) {
	return nil, errors.New("native UNC paths need Windows: configure SMB credentials to read the admin shares from here")
}

// Connect is never reached: NewWindowsShares fails first.
func (w *WindowsShares) Connect(ctx context.Context, host string) (Session, error) {
	return nil, errors.New("native UNC paths need Windows")
}
