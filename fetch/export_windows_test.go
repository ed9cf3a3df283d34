package fetch

import (
	"context"
	"net"
)

// NewWindowsSharesDialing is the native UNC source reaching each host's
// SMB port through dial: the tests' hosts are folders Wine maps to
// \\HOST\share, with names no resolver knows.
func NewWindowsSharesDialing(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *WindowsShares {
	return &WindowsShares{port: DefaultSMBPort, dial: dial}
}
