package tool

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Level is a tool's security level.
type Level int

// The levels, lowest first.
const (
	Safe       Level = iota // pure computation
	Restricted              // files, network or environment under the policy
	Privileged              // can change the outside world
)

func (l Level) String() string { return [...]string{"safe", "restricted", "privileged"}[l] }

// ParseLevel parses safe, restricted or privileged.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "safe":
		return Safe, nil
	case "restricted":
		return Restricted, nil
	case "privileged":
		return Privileged, nil
	}
	return Safe, errs.New(errs.KindInvalidArgument, "unknown security level %q (safe, restricted, privileged)", s)
}

// Policy is the engine's tool security policy, enforced here and nowhere
// else: tools call its Check methods and use its HTTP client. A denial is
// kind denied. A Policy is read-only after construction and safe for
// concurrent use.
type Policy struct {
	// FileRoots are the folders file tools may touch (real paths after
	// resolving symlinks). Default: the system temp folder.
	FileRoots []string
	// AllowHosts lets network tools reach these hosts or CIDRs even when
	// they are loopback, private or link-local (tests allow "127.0.0.1").
	AllowHosts []string
	// Executables process_executor may run. Default: none.
	Executables []string
	// MaxLevel is the highest level the engine runs. Default: Privileged.
	MaxLevel Level
	// Timeout bounds one tool call. Default: 30 s.
	Timeout time.Duration
	// MaxOutputBytes bounds what one call may return. Default: 10 MiB.
	MaxOutputBytes int64
}

// DefaultPolicy returns the default policy.
func DefaultPolicy() *Policy {
	return &Policy{FileRoots: []string{os.TempDir()}, MaxLevel: Privileged, Timeout: 30 * time.Second, MaxOutputBytes: 10 << 20}
}

// CheckLevel denies a tool above the engine's highest level.
func (p *Policy) CheckLevel(name string, l Level) error {
	if l > p.MaxLevel {
		return errs.New(errs.KindDenied, "tool %s is %s, above this engine's highest level (%s)", name, l, p.MaxLevel)
	}
	return nil
}

// realPath resolves symlinks of the longest existing prefix of path, so a
// path to a file not yet created resolves too.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	cur := abs
	for {
		r, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// CheckPath resolves path (following symlinks, also of missing parents)
// and denies it unless it lies inside a file root. It returns the real path
// to use.
func (p *Policy) CheckPath(path string) (string, error) {
	if path == "" {
		return "", errs.New(errs.KindInvalidArgument, "path is empty")
	}
	if strings.ContainsRune(path, 0) {
		return "", errs.New(errs.KindInvalidArgument, "path contains NUL")
	}
	real, err := realPath(path)
	if err != nil {
		return "", errs.Wrap(errs.KindInvalidArgument, err, "path %s", path)
	}
	for _, root := range p.FileRoots {
		r, err := realPath(root)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return real, nil
		}
	}
	return "", errs.New(errs.KindDenied, "path %s is outside the allowed folders", path).With("path", path)
}

// CheckExecutable denies an executable that is not on the allow-list. A
// bare name ("echo", looked up on PATH) must be listed; a path
// ("/usr/bin/echo") must be listed exactly, so a file of an allowed name
// elsewhere ("/tmp/x/echo") is denied.
func (p *Policy) CheckExecutable(name string) error {
	if slices.Contains(p.Executables, name) && (!strings.ContainsRune(name, filepath.Separator) || filepath.IsAbs(name)) {
		return nil
	}
	return errs.New(errs.KindDenied, "executable %q is not allowed (tools.executables)", name)
}

var metadataIPs = []net.IP{net.ParseIP("169.254.169.254"), net.ParseIP("fd00:ec2::254")}

func (p *Policy) hostAllowed(host string, ip net.IP) bool {
	for _, a := range p.AllowHosts {
		if a == host || a == ip.String() {
			return true
		}
		if _, cidr, err := net.ParseCIDR(a); err == nil && cidr.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckIP denies loopback, private, link-local, unspecified and cloud
// metadata addresses unless AllowHosts names the host or address.
func (p *Policy) CheckIP(host string, ip net.IP) error {
	if p.hostAllowed(host, ip) {
		return nil
	}
	for _, m := range metadataIPs {
		if ip.Equal(m) {
			return errs.New(errs.KindDenied, "address %s (%s) is a cloud metadata address", ip, host)
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
		return errs.New(errs.KindDenied, "address %s (%s) is loopback, private or link-local; allow it with tools.allow_hosts", ip, host)
	}
	return nil
}

// HTTPClient returns a client whose every connection, redirects included,
// is checked after DNS resolution, with the policy's timeout.
func (p *Policy) HTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, errs.Wrap(errs.KindTool, err, "resolve %s", host)
			}
			for _, ip := range ips {
				if err := p.CheckIP(host, ip.IP); err != nil {
					return nil, err
				}
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort(ips[0].IP.String(), port))
		},
		MaxIdleConns:        16,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{Transport: transport, Timeout: p.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errs.New(errs.KindTool, "stopped after 10 redirects")
			}
			return nil // the dialer checks the redirect's address
		}}
}
