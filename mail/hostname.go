package mail

import (
	"context"
	"net"
	"os"
	"regexp"
	"strings"
	"time"
)

// lookupTimeout bounds the name lookups of HostName: a resolver that does
// not answer must not hold up the mail.
const lookupTimeout = 3 * time.Second

// HostName is this machine's fully qualified name (smsreport01.corp.example),
// which smsfail greets the relay with and signs its Message-IDs with, as
// RFC 5321 asks: the system's host name when it holds a dot, else the
// canonical name the resolver gives for it, else the name its addresses
// resolve back to. A machine the resolver does not know keeps its bare
// name.
func HostName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "localhost"
	}
	if strings.Contains(host, ".") {
		return strings.ToLower(host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if fqdn := qualify(ctx, net.DefaultResolver, host); fqdn != "" {
		return fqdn
	}
	return strings.ToLower(host)
}

// resolver is what qualify asks: net.DefaultResolver.
type resolver interface {
	LookupCNAME(ctx context.Context, host string) (string, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// qualify finds the fully qualified name of host, "" when none is known.
func qualify(ctx context.Context, r resolver, host string) string {
	prefix := strings.ToLower(host) + "."
	if cname, err := r.LookupCNAME(ctx, host); err == nil {
		if c := strings.ToLower(strings.TrimSuffix(cname, ".")); strings.HasPrefix(c, prefix) {
			return c
		}
	}
	addrs, err := r.LookupHost(ctx, host)
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		names, _ := r.LookupAddr(ctx, a)
		for _, n := range names {
			if n = strings.ToLower(strings.TrimSuffix(n, ".")); strings.HasPrefix(n, prefix) {
				return n
			}
		}
	}
	return ""
}

var heloName = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// ValidHelo reports whether s may follow EHLO: a domain name, or an
// address literal in brackets ([192.0.2.7], [IPv6:2001:db8::7]).
func ValidHelo(s string) bool {
	if lit, ok := strings.CutPrefix(s, "["); ok {
		lit, ok = strings.CutSuffix(lit, "]")
		lit = strings.TrimPrefix(lit, "IPv6:")
		return ok && net.ParseIP(lit) != nil
	}
	return len(s) <= 253 && heloName.MatchString(s)
}
