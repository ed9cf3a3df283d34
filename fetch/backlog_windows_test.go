package fetch_test

import (
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fullBacklog returns an address whose listener never accepts and whose
// queue is full, so that further connection attempts are dropped as a host
// behind a black-holing firewall drops them. It relies on the queue
// length of 0 being honoured, as Wine does by handing it to Linux.
func fullBacklog(t *testing.T) string {
	h, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Closesocket(h) })
	if err := syscall.Bind(h, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(h, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(h)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for range 8 { // fill the queue until a connection attempt hangs
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatal("the listen queue never filled")
	return ""
}
