package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

func testModel(t testing.TB) provider.Model {
	t.Helper()
	m, err := New(&provider.Config{Name: "local", Type: "local", ModelDir: testModelsDir(t)}, "stories260K")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func userReq(text string) *provider.Request {
	return &provider.Request{Messages: []provider.Message{{Role: provider.RoleUser, Content: text}}}
}

func TestNewMissingFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := New(&provider.Config{ModelDir: dir}, "nope")
	if !errs.IsKind(err, errs.KindNotFound) || !strings.Contains(err.Error(), filepath.Join(dir, "nope")) ||
		!strings.Contains(err.Error(), ModelsDirEnv) {
		t.Errorf("err = %v, want not_found naming the folder and %s", err, ModelsDirEnv)
	}
	t.Setenv(ModelsDirEnv, "")
	if _, err := New(&provider.Config{}, "stories260K"); !errs.IsKind(err, errs.KindNotFound) || !strings.Contains(err.Error(), ModelsDirEnv) {
		t.Errorf("no dir configured: err = %v", err)
	}
	if _, err := New(&provider.Config{ModelDir: dir}, "../x"); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Errorf("path as model name: err = %v", err)
	}
}

func TestNewFromEnv(t *testing.T) {
	t.Setenv(ModelsDirEnv, testModelsDir(t))
	m, err := New(nil, "stories260K")
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Capabilities(); !c.Streaming || !c.Tools || c.Vision || c.JSONMode || c.ParallelToolCalls {
		t.Errorf("capabilities = %+v", c)
	}
}

// TestBadModelFolder covers a missing tokenizer and broken files found at
// generation time.
func TestBadModelFolder(t *testing.T) {
	src := filepath.Join(testModelsDir(t), "stories260K")
	bin, _ := os.ReadFile(filepath.Join(src, "stories260K.bin"))
	tok, _ := os.ReadFile(filepath.Join(src, "tok512.bin"))
	root := t.TempDir()
	write := func(model string, files map[string][]byte) {
		if err := os.MkdirAll(filepath.Join(root, model), 0o755); err != nil {
			t.Fatal(err)
		}
		for n, d := range files {
			if err := os.WriteFile(filepath.Join(root, model, n), d, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("notok", map[string][]byte{"notok.bin": bin})
	write("cut", map[string][]byte{"cut.bin": bin[:1000], "tok512.bin": tok})
	write("badtok", map[string][]byte{"badtok.bin": bin, "tok512.bin": tok[:100]})
	cfg := &provider.Config{ModelDir: root}
	if _, err := New(cfg, "notok"); !errs.IsKind(err, errs.KindNotFound) || !strings.Contains(err.Error(), "tok*.bin") {
		t.Errorf("missing tokenizer: err = %v", err)
	}
	for _, name := range []string{"cut", "badtok"} {
		m, err := New(cfg, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Generate(context.Background(), userReq("hi")); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Errorf("%s: err = %v, want invalid_argument", name, err)
		}
	}
}

func TestGenerateGreedyAndUsage(t *testing.T) {
	m := testModel(t)
	req := userReq("Once upon a time")
	req.Temperature = f64(0)
	req.MaxTokens = 20
	r1, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Text == "" || r1.Text != r2.Text {
		t.Errorf("greedy runs differ or are empty: %q vs %q", r1.Text, r2.Text)
	}
	// " Once upon a time" is BOS plus a few tokens.
	if r1.Usage.InputTokens < 2 || r1.Usage.InputTokens > 8 || r1.Usage.OutputTokens != 20 || r1.FinishReason != provider.FinishLength {
		t.Errorf("usage %+v finish %q, want 20 output tokens and length", r1.Usage, r1.FinishReason)
	}
	if r1.Model != "stories260K" || len(r1.ToolCalls) != 0 {
		t.Errorf("response %+v", r1)
	}
}

func TestStopAtEOS(t *testing.T) {
	m := testModel(t)
	req := userReq("Once upon a time")
	req.MaxTokens = 400 // stories end with EOS well before this
	sawStop := false
	for seed := int64(0); seed < 8 && !sawStop; seed++ {
		req.Seed = i64(seed)
		r, err := m.Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if r.FinishReason == provider.FinishStop {
			sawStop = true
			if r.Usage.OutputTokens >= 400 || strings.Contains(r.Text, "</s>") {
				t.Errorf("stop: usage %+v text %q", r.Usage, r.Text)
			}
		}
	}
	if !sawStop {
		t.Error("no generation of 8 ended with EOS")
	}
}

func TestSeedDeterminism(t *testing.T) {
	m := testModel(t)
	gen := func(seed int64, temp, topP float64) string {
		req := userReq("The cat")
		req.Seed, req.Temperature, req.TopP, req.MaxTokens = i64(seed), f64(temp), f64(topP), 40
		r, err := m.Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	for _, c := range []struct{ temp, topP float64 }{{1, 0}, {0.8, 0.9}, {1.5, 1}, {1, 0.5}} {
		a, b := gen(7, c.temp, c.topP), gen(7, c.temp, c.topP)
		if a != b {
			t.Errorf("temp %g top_p %g: same seed gave %q and %q", c.temp, c.topP, a, b)
		}
		distinct := map[string]bool{}
		for s := int64(0); s < 6; s++ {
			distinct[gen(s, c.temp, c.topP)] = true
		}
		if len(distinct) < 2 {
			t.Errorf("temp %g top_p %g: 6 seeds gave one text", c.temp, c.topP)
		}
	}
	// A tiny nucleus keeps only the most likely token: the same as greedy.
	if a, b := gen(3, 1, 1e-6), gen(0, 0, 0); a != b {
		t.Errorf("top_p 1e-6 gave %q, greedy %q", a, b)
	}
	// No seed: random, but valid.
	req := userReq("The cat")
	req.MaxTokens = 5
	if _, err := m.Generate(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	bad := userReq("x")
	bad.TopP = f64(2)
	if _, err := m.Generate(context.Background(), bad); !errs.IsKind(err, errs.KindInvalidArgument) {
		t.Errorf("top_p 2: err = %v", err)
	}
}

func TestStreamMatchesGenerate(t *testing.T) {
	m := testModel(t)
	req := userReq("Lily went to the park")
	req.Seed, req.MaxTokens = i64(42), 60
	want, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	n := 0
	resp, err := provider.Collect(s, func(d provider.Delta) error {
		if d.ToolCall != nil {
			t.Errorf("tool call delta in a text answer")
		}
		text.WriteString(d.Text)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if text.String() != want.Text || resp.Text != want.Text || n < 10 {
		t.Errorf("stream gave %d deltas %q / %q, generate %q", n, text.String(), resp.Text, want.Text)
	}
	if _, err := s.Next(); err == nil {
		t.Error("Next after Close succeeded")
	}
}

func TestPromptTruncation(t *testing.T) {
	m := testModel(t)
	req := userReq(strings.Repeat("The dog ran and ran. ", 300)) // far more than 512 tokens
	req.Temperature, req.MaxTokens = f64(0), 1000                // capped: the prompt keeps half the context
	r, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if in, out := r.Usage.InputTokens, r.Usage.OutputTokens; in+out > 512 || out == 0 || in < 256 {
		t.Errorf("usage %+v exceeds the context of 512", r.Usage)
	}
}

func TestRenderPrompt(t *testing.T) {
	got := renderPrompt(&provider.Request{System: "Be kind.", Messages: []provider.Message{
		{Role: provider.RoleUser, Content: "Add 2 and 2."},
		{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{{ID: "c1", Name: "calculator", Arguments: value.Map{"expression": "2+2"}}}},
		{Role: provider.RoleTool, Name: "calculator", ToolCallID: "c1", Content: `{"result":4}`},
	}})
	want := "Be kind.\nAdd 2 and 2.\nCall calculator: {\"expression\":\"2+2\"}\nResult of calculator: {\"result\":4}"
	if got != want {
		t.Errorf("prompt\n got %q\nwant %q", got, want)
	}
}

func TestConcurrentGenerations(t *testing.T) {
	m := testModel(t)
	want := map[int64]string{}
	mk := func(seed int64) *provider.Request {
		req := userReq(fmt.Sprintf("Tom had %d apples", seed))
		req.Seed, req.MaxTokens = i64(seed), 50
		return req
	}
	for seed := int64(0); seed < 4; seed++ {
		r, err := m.Generate(context.Background(), mk(seed))
		if err != nil {
			t.Fatal(err)
		}
		want[seed] = r.Text
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r, err := m.Generate(context.Background(), mk(seed))
			if err != nil {
				t.Error(err)
				return
			}
			if r.Text != want[seed] {
				t.Errorf("seed %d: parallel run gave %q, serial %q", seed, r.Text, want[seed])
			}
		}(int64(i % 4))
	}
	wg.Wait()
}

func TestCancellation(t *testing.T) {
	m := testModel(t)
	req := userReq("Once")
	req.MaxTokens = 400
	ctx, cancel := context.WithCancel(context.Background())
	s, err := m.Stream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	var last error
	for i := 0; i < 1000; i++ {
		if _, last = s.Next(); last != nil {
			break
		}
	}
	if !errs.IsKind(last, errs.KindCancelled) || !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel: %v, want cancelled", last)
	}
	if r := s.Response(); r.FinishReason != provider.FinishError {
		t.Errorf("finish %q", r.FinishReason)
	}

	// Already cancelled and deadline exceeded.
	if _, err := m.Generate(ctx, req); !errs.IsKind(err, errs.KindCancelled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, err := m.Generate(dctx, req); !errs.IsKind(err, errs.KindTimeout) {
		t.Errorf("past deadline: %v", err)
	}
	tctx, tcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer tcancel()
	s2, err := m.Stream(tctx, req)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := provider.Collect(s2, nil); !errs.IsKind(err, errs.KindTimeout) {
		t.Errorf("deadline during stream: %v", err)
	}
}

func TestCloseFromOtherGoroutine(t *testing.T) {
	m := testModel(t)
	req := userReq("Once")
	req.MaxTokens = 500
	s, err := m.Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		for {
			if _, err := s.Next(); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != io.EOF && !errs.IsKind(err, errs.KindClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// compileSchemas compiles each tool's schema with a JSON Schema validator.
func compileSchemas(t *testing.T, tools []provider.ToolSpec) map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	for _, tool := range tools {
		raw, err := value.Encode(tool.Schema)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		url := "mem://" + tool.Name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		if out[tool.Name], err = c.Compile(url); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkCall checks a tool call against the offered tools' schemas.
func checkCall(t *testing.T, schemas map[string]*jsonschema.Schema, c provider.ToolCall) {
	t.Helper()
	sch, ok := schemas[c.Name]
	if !ok {
		t.Fatalf("call names %q, not an offered tool", c.Name)
	}
	raw, err := value.Encode(c.Arguments)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("arguments %s of %s do not match the schema: %v", raw, c.Name, err)
	}
}

func TestToolCalls(t *testing.T) {
	m := testModel(t)
	tools := testTools()
	schemas := compileSchemas(t, tools)
	names := map[string]int{}
	for _, temp := range []float64{0, 0.7, 1, 1.5} {
		for seed := int64(0); seed < 4; seed++ {
			req := userReq("What is 2+2? Use the calculator.")
			req.Tools, req.Temperature, req.Seed = tools, f64(temp), i64(seed)
			r, err := m.Generate(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if r.FinishReason != provider.FinishToolCalls || r.Text != "" || len(r.ToolCalls) != 1 {
				t.Fatalf("temp %g seed %d: %+v", temp, seed, r)
			}
			c := r.ToolCalls[0]
			if !strings.HasPrefix(c.ID, "call_") {
				t.Errorf("id %q", c.ID)
			}
			checkCall(t, schemas, c)
			names[c.Name]++
			if testing.Verbose() {
				args, _ := value.Encode(c.Arguments)
				t.Logf("temp %g seed %d: %s %s (%d tokens)", temp, seed, c.Name, args, r.Usage.OutputTokens)
			}
		}
	}
	t.Logf("tools chosen: %v", names)
}

func TestToolCallStream(t *testing.T) {
	m := testModel(t)
	tools := testTools()
	schemas := compileSchemas(t, tools)
	for seed := int64(0); seed < 5; seed++ {
		req := userReq("Check the weather in Paris.")
		req.Tools, req.Seed = tools, i64(seed)
		s, err := m.Stream(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var deltas []provider.ToolCallDelta
		resp, err := provider.Collect(s, func(d provider.Delta) error {
			if d.ToolCall == nil || d.Text != "" {
				return fmt.Errorf("unexpected delta %+v", d)
			}
			deltas = append(deltas, *d.ToolCall)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(deltas) == 0 || deltas[0].ID == "" || deltas[0].Name == "" {
			t.Fatalf("seed %d: deltas %+v", seed, deltas)
		}
		var args strings.Builder
		for i, d := range deltas {
			if i > 0 && (d.ID != "" || d.Name != "") {
				t.Errorf("later delta repeats id/name: %+v", d)
			}
			args.WriteString(d.Arguments)
		}
		v, err := value.DecodeString(args.String())
		if err != nil {
			t.Fatalf("seed %d: streamed arguments %q are not JSON: %v", seed, args.String(), err)
		}
		c := resp.ToolCalls[0]
		if c.ID != deltas[0].ID || c.Name != deltas[0].Name || !value.Equal(v, c.Arguments) {
			t.Errorf("seed %d: stream %s %q vs response %+v", seed, deltas[0].Name, args.String(), c)
		}
		checkCall(t, schemas, c)
	}
}

func TestTextAfterToolResult(t *testing.T) {
	m := testModel(t)
	req := &provider.Request{
		Tools: testTools(),
		Messages: []provider.Message{
			{Role: provider.RoleUser, Content: "What is 2+2?"},
			{Role: provider.RoleAssistant, ToolCalls: []provider.ToolCall{{ID: "call_1", Name: "calculator", Arguments: value.Map{"expression": "2+2"}}}},
			{Role: provider.RoleTool, ToolCallID: "call_1", Name: "calculator", Content: `{"result":4}`},
		},
		Temperature: f64(0),
		MaxTokens:   30,
	}
	r, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ToolCalls) != 0 || r.Text == "" || r.FinishReason == provider.FinishToolCalls {
		t.Errorf("after a tool result: %+v, want a text answer", r)
	}
}

// TestToolCallFullyForced offers one tool without parameters: the whole
// call is fixed, so every token is forced.
func TestToolCallFullyForced(t *testing.T) {
	m := testModel(t)
	req := userReq("Make me an id.")
	req.Tools = testTools()[:1]
	r, err := m.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ToolCalls) != 1 || r.ToolCalls[0].Name != "uuid_generator" || len(r.ToolCalls[0].Arguments) != 0 ||
		r.FinishReason != provider.FinishToolCalls {
		t.Errorf("response %+v", r)
	}
}
