package builtin

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func serviceTool() *tool.Tool {
	return &tool.Tool{
		Name: "service_checker", Category: "system", Level: tool.Restricted, Tags: []string{"network", "monitoring"},
		Description: "Check that a service answers: a TCP port, an HTTP(S) URL or a DNS name; addresses go through the policy.",
		Schema: obj(value.Map{
			"operation":  enum("check (default)", "check"),
			"target":     str("host:port (tcp), URL (http, https) or host name (dns)"),
			"check_type": enum("kind of check (default tcp)", "tcp", "http", "https", "dns"),
			"timeout_ms": fIntSchema("give up after this long (default 5000)", 1, 60000),
		}, "target"),
		Fn: serviceCheck,
	}
}

func serviceCheck(ctx context.Context, c *tool.Call) (value.Value, error) {
	const name = "service_checker"
	target, typ := c.Str("target", ""), c.Str("check_type", "tcp")
	timeout := time.Duration(fInt(c, "timeout_ms", 5000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	res := value.Map{"target": target, "check_type": typ}
	done := func(ok bool, detail value.Map, err error) (value.Value, error) {
		res["healthy"] = ok
		res["response_time_ms"] = float64(time.Since(start).Microseconds()) / 1000
		for k, v := range detail {
			res[k] = v
		}
		if err != nil {
			res["error"] = err.Error()
		}
		return res, nil
	}
	switch typ {
	case "tcp":
		host, port, err := net.SplitHostPort(target)
		if err != nil {
			return nil, errs.New(errs.KindInvalidArgument, "%s: tcp target must be host:port: %v", name, err)
		}
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return done(false, nil, err)
		}
		for _, ip := range ips {
			if err := c.Policy.CheckIP(host, ip.IP); err != nil {
				return nil, err
			}
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ips[0].IP.String(), port))
		if err != nil {
			return done(false, value.Map{"address": ips[0].IP.String()}, err)
		}
		conn.Close()
		return done(true, value.Map{"address": ips[0].IP.String()}, nil)
	case "http", "https":
		if !strings.Contains(target, "://") {
			target = typ + "://" + target
		}
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errs.New(errs.KindInvalidArgument, "%s: %q is not an http(s) URL", name, c.Str("target", ""))
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, errs.New(errs.KindInvalidArgument, "%s: %v", name, err)
		}
		resp, err := c.Policy.HTTPClient().Do(req)
		if err != nil {
			if errs.IsKind(err, errs.KindDenied) {
				return nil, errs.As(err)
			}
			return done(false, nil, err)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return done(resp.StatusCode < 400, value.Map{"status_code": int64(resp.StatusCode)}, nil)
	case "dns":
		host := target
		if u, err := url.Parse(target); err == nil && u.Host != "" {
			host = u.Hostname()
		}
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return done(false, nil, err)
		}
		l := value.List{}
		for _, ip := range ips {
			l = append(l, ip.IP.String())
		}
		return done(len(l) > 0, value.Map{"addresses": l}, nil)
	}
	return nil, errs.New(errs.KindInvalidArgument, "%s: unknown check_type", name)
}
