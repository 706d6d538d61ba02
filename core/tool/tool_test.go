package tool_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/event"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

func echoTool(name string, level tool.Level) *tool.Tool {
	return &tool.Tool{Name: name, Description: "echo", Category: "test", Level: level, Tags: []string{"t"}, Aliases: []string{name + "-alias"},
		Schema: value.Map{"type": "object", "required": value.List{"input"}, "additionalProperties": false, "properties": value.Map{
			"input": value.Map{"type": "string", "minLength": int64(1)},
			"count": value.Map{"type": "integer", "minimum": int64(0), "maximum": int64(10)},
			"mode":  value.Map{"type": "string", "enum": value.List{"a", "b"}},
			"tags":  value.Map{"type": "array", "items": value.Map{"type": "string"}, "maxItems": int64(2)},
		}},
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			switch c.Str("input", "") {
			case "fail":
				return nil, errs.New(errs.KindTool, "asked to fail")
			case "panic":
				panic("tool bug")
			case "slow":
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return value.Map{"echo": c.Params["input"]}, nil
		}}
}

func TestRegistryBasics(t *testing.T) {
	r := tool.New(nil, nil, nil)
	if err := r.Register(echoTool("echo", tool.Safe)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []*tool.Tool{echoTool("echo", tool.Safe), echoTool("echo-alias", tool.Safe), {Name: "bad name!", Fn: echoTool("x", 0).Fn}, {Name: "nofn"}} {
		if err := r.Register(bad); err == nil {
			t.Errorf("%q registered", bad.Name)
		}
	}
	if _, ok := r.Get("echo-alias"); !ok {
		t.Fatal("alias lookup")
	}
	if len(r.List("test", "")) != 1 || len(r.List("", "t")) != 1 || len(r.List("other", "")) != 0 || r.Categories()[0] != "test" {
		t.Fatal("list/discover")
	}
	tl, _ := r.Get("echo")
	if tl.OpenAI()["function"].(value.Map)["name"] != "echo" || tl.Anthropic()["input_schema"] == nil {
		t.Fatal("export shapes")
	}
	if !r.Unregister("echo") || r.Unregister("echo") {
		t.Fatal("unregister")
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	r := tool.New(nil, nil, nil)
	r.Register(echoTool("echo", tool.Safe))
	for _, c := range []struct {
		params value.Map
		field  string
	}{
		{value.Map{}, "params.input is required"},
		{value.Map{"input": int64(3)}, "params.input must be a string"},
		{value.Map{"input": ""}, "params.input must be at least 1"},
		{value.Map{"input": "x", "count": 2.5}, "params.count must be an integer"},
		{value.Map{"input": "x", "count": int64(11)}, "params.count must be at most 10"},
		{value.Map{"input": "x", "mode": "c"}, `params.mode must be one of "a", "b"`},
		{value.Map{"input": "x", "tags": value.List{"a", int64(1)}}, "params.tags[1] must be a string"},
		{value.Map{"input": "x", "tags": value.List{"a", "b", "c"}}, "params.tags must have at most 2"},
		{value.Map{"input": "x", "extra": true}, "params.extra is not a known parameter"},
	} {
		_, err := r.Invoke(ctx, "echo", c.params)
		if !errs.IsKind(err, errs.KindInvalidArgument) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%v: %v (want %q)", c.params, err, c.field)
		}
	}
	if _, err := r.Invoke(ctx, "nope", nil); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatal("unknown tool")
	}
}

func TestInvokeEnvelopeHooksEventsTimeouts(t *testing.T) {
	hooks := hook.New(nil)
	bus := event.New(nil)
	defer bus.Close()
	sub, _ := bus.Subscribe("tool.execution.*", nil)
	p := tool.DefaultPolicy()
	p.Timeout = 50 * time.Millisecond
	p.MaxLevel = tool.Restricted
	r := tool.New(p, hooks, bus)
	r.Register(echoTool("echo", tool.Safe))
	r.Register(echoTool("admin", tool.Privileged))
	env, err := r.Invoke(ctx, "echo", value.Map{"input": "hi"})
	if err != nil || !env.Success || env.Result.(value.Map)["echo"] != "hi" || env.Map()["metadata"].(value.Map)["tool"] != "echo" {
		t.Fatalf("ok call: %+v %v", env, err)
	}
	for _, want := range []string{"tool.execution.started", "tool.execution.completed"} {
		if ev, ok, _ := sub.Receive(ctx, 0); !ok || ev.Type != want {
			t.Fatalf("event %v, want %s", ev.Type, want)
		}
	}
	env, err = r.Invoke(ctx, "echo", value.Map{"input": "fail"})
	if err != nil || env.Success || env.Error.Kind != errs.KindTool || env.Map()["error"].(value.Map)["kind"] != "tool_error" {
		t.Fatalf("tool failure: %+v %v", env, err)
	}
	env, _ = r.Invoke(ctx, "echo", value.Map{"input": "panic"})
	if env.Success || !strings.Contains(env.Error.Message, "panicked") {
		t.Fatalf("panic: %+v", env)
	}
	if _, err := r.Invoke(ctx, "echo", value.Map{"input": "slow"}); !errs.IsKind(err, errs.KindTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	if _, err := r.Invoke(ctx, "admin", value.Map{"input": "x"}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("level: %v", err)
	}
	// Hooks: modify parameters, cancel, replace the result.
	hooks.Register(hook.BeforeToolExecution, func(_ context.Context, hc *hook.Context) (hook.Result, error) {
		switch hc.Data.(value.Map)["input"] {
		case "secret":
			return hook.Result{Kind: hook.Cancel, Reason: "no secrets"}, nil
		case "rewrite":
			return hook.Result{Kind: hook.Modified, Data: value.Map{"input": "rewritten"}}, nil
		case "cached":
			return hook.Result{Kind: hook.Replace, Data: value.Map{"echo": "from hook"}}, nil
		}
		return hook.Result{}, nil
	}, nil)
	if _, err := r.Invoke(ctx, "echo", value.Map{"input": "secret"}); !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("hook cancel: %v", err)
	}
	if env, _ := r.Invoke(ctx, "echo", value.Map{"input": "rewrite"}); env.Result.(value.Map)["echo"] != "rewritten" {
		t.Fatalf("hook modify: %+v", env)
	}
	if env, _ := r.Invoke(ctx, "echo", value.Map{"input": "cached"}); env.Result.(value.Map)["echo"] != "from hook" {
		t.Fatalf("hook replace: %+v", env)
	}
}

func TestNetworkPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	p := tool.DefaultPolicy()
	for _, addr := range []string{"127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0"} {
		if err := p.CheckIP("h", net.ParseIP(addr)); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%s allowed", addr)
		}
	}
	if err := p.CheckIP("h", net.ParseIP("93.184.216.34")); err != nil {
		t.Errorf("public address denied: %v", err)
	}
	if _, err := p.HTTPClient().Get(srv.URL); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("loopback fetch: %v", err)
	}
	p.AllowHosts = []string{"127.0.0.1"}
	resp, err := p.HTTPClient().Get(srv.URL)
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	resp.Body.Close()
	if _, err := p.HTTPClient().Get(srv.URL + "/redirect"); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("redirect to the metadata address: %v", err)
	}
	if err := p.CheckExecutable("sh"); !errs.IsKind(err, errs.KindDenied) {
		t.Fatal("executable allowed")
	}
	p.Executables = []string{"echo", "/usr/bin/env"}
	for name, ok := range map[string]bool{"echo": true, "/usr/bin/env": true, "/tmp/x/echo": false, "./echo": false, "env": false, "bin/echo": false} {
		if err := p.CheckExecutable(name); (err == nil) != ok {
			t.Errorf("CheckExecutable(%q) = %v, want allowed %v", name, err, ok)
		}
	}
}
