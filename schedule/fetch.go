package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Fetch defaults.
const (
	DefaultFetchTimeout = 30 * time.Second
	DefaultMaxRedirects = 5
)

// FetchOptions adjust Fetch.
type FetchOptions struct {
	Timeout      time.Duration // the whole fetch, body included; DefaultFetchTimeout when zero
	MaxRedirects int           // DefaultMaxRedirects when zero
	// AllowPrivate, the operator's setting, lets Fetch reach loopback,
	// private, link-local and other non-public addresses. A chat admin is
	// not the server's operator: leave it off unless the schedule is on
	// the operator's own network.
	AllowPrivate bool

	// treatAsPublic lets tests serve "public" schedules from 127.0.0.1: the
	// addresses it accepts pass, every other one is judged as in production.
	treatAsPublic func(netip.AddrPort) bool
}

// Fetch downloads a schedule for `import <url>`: http(s) only, at most
// MaxBytes, within the timeout, and, unless opts.AllowPrivate, only from
// public addresses. The address is checked on the connection itself, after
// DNS resolution and for every redirect, so neither a name that resolves
// to 127.0.0.1 nor a redirect to 169.254.169.254 gets through. Errors are
// of the kinds ErrBadURL, ErrPrivateAddress, ErrTooLarge, ErrTimeout and
// ErrFetch, each with a message for the user.
func Fetch(ctx context.Context, rawURL string, opts FetchOptions) ([]byte, error) {
	u, err := fetchURL(rawURL)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	maxRedirects := opts.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = DefaultMaxRedirects
	}
	fetchCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialer := &net.Dialer{Timeout: timeout, Control: opts.checkAddress}
	transport := &http.Transport{
		Proxy:                  nil, // through a proxy, the address checked would be the proxy's
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return newError(ErrFetch, nil, "That link redirects more than %d times; nothing was imported.", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return newError(ErrBadURL, fmt.Errorf("redirect to %s", req.URL.Scheme), "")
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(fetchCtx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, newError(ErrBadURL, err, "")
	}
	req.Header.Set("User-Agent", "talkbot (schedule import)")
	req.Header.Set("Accept", "text/calendar, application/xml, text/xml, application/json, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fetchError(ctx, err, timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newError(ErrFetch, nil, "That link answered %d %s; nothing was imported.", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	tooLarge := newError(ErrTooLarge, nil, "That schedule is over %d MB; nothing was imported.", MaxBytes>>20)
	if resp.ContentLength > MaxBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, fetchError(ctx, err, timeout) // never a truncated body
	}
	if len(body) > MaxBytes {
		return nil, tooLarge
	}
	return body, nil
}

// fetchURL accepts absolute http(s) URLs with a host.
func fetchURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, newError(ErrBadURL, err, "")
	}
	return u, nil
}

// checkAddress runs on every connection, with the address DNS gave.
func (o FetchOptions) checkAddress(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return newError(ErrPrivateAddress, fmt.Errorf("unparsable address %q: %w", address, err), "")
	}
	if o.AllowPrivate || (o.treatAsPublic != nil && o.treatAsPublic(ap)) || isPublicAddr(ap.Addr()) {
		return nil
	}
	return newError(ErrPrivateAddress, fmt.Errorf("refused to connect to %s", address), "")
}

// nonPublic are the special-purpose ranges that netip's predicates do not
// cover (RFC 6890 and the clouds' metadata services).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (and Alibaba's metadata, 100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments (Oracle's metadata, 192.0.0.192)
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),      // reserved, and the broadcast address
	netip.MustParsePrefix("168.63.129.16/32"), // Azure's host services
	netip.MustParsePrefix("::/96"),            // IPv4-compatible, ::1 and ::
	netip.MustParsePrefix("64:ff9b:1::/48"),   // local-use NAT64
	netip.MustParsePrefix("100::/64"),         // discard
	netip.MustParsePrefix("2001::/32"),        // Teredo: an IPv4 address in disguise
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"), // site-local
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// isPublicAddr reports whether a is a public unicast address: not loopback,
// private (RFC 1918, unique-local fc00::/7, which holds AWS's fd00:ec2::254),
// link-local (169.254.0.0/16, the metadata address of most clouds), CGNAT,
// multicast or reserved, nor an IPv6 address wrapping one of those.
func isPublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.Zone() != "" || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return isPublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return isPublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return true
}

// fetchError turns a failed request into what the user reads.
func fetchError(ctx context.Context, err error, timeout time.Duration) error {
	var se *scheduleError
	if errors.As(err, &se) {
		return se // ours, from the address check or a redirect
	}
	if ctx.Err() != nil {
		return fmt.Errorf("schedule: fetch: %w", ctx.Err()) // the caller gave up (shutting down)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return newError(ErrTimeout, err, "That server took longer than %s to answer; nothing was imported.", timeout)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return newError(ErrFetch, err, "There is no server called %q; nothing was imported.", clip(dnsErr.Name))
	}
	return newError(ErrFetch, err, "")
}
