package local

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/value"
)

// ModelsDirEnv names the environment variable read when a config has no
// ModelDir: a folder holding one sub-folder per model.
const ModelsDirEnv = "LLMSPELL_MODELS_DIR"

// Defaults of a request that leaves them unset.
const (
	// DefaultMaxTokens bounds the answer's length in tokens; any bound is
	// capped at the model's context length.
	DefaultMaxTokens = 128
	// DefaultTemperature is the sampling temperature (0 means greedy).
	DefaultTemperature = 1.0
	// DefaultTopP is the nucleus-sampling threshold (1 disables it).
	DefaultTopP = 0.9
)

// Model is an in-process Llama model. Weights load on first use and stay
// cached in the Model; all methods are safe for concurrent use, and
// concurrent generations share the weights.
type Model struct {
	name      string
	modelPath string // absolute path of <model>.bin
	tokPath   string // absolute path of the tokenizer

	mu     sync.Mutex
	loaded map[string]*engine // by absolute model path

	calls atomic.Int64 // numbers tool-call IDs
}

var _ provider.Model = (*Model)(nil)

// New returns the local model named model, read from cfg.ModelDir/<model>/
// (or $LLMSPELL_MODELS_DIR/<model>/ when cfg.ModelDir is empty), which must
// hold <model>.bin (a llama2.c checkpoint) and a tok*.bin tokenizer. It has
// the signature of provider.Factory. It checks that the files exist and
// fails with not_found otherwise; the weights load on the first request.
func New(cfg *provider.Config, model string) (provider.Model, error) {
	return open(cfg, model)
}

func open(cfg *provider.Config, model string) (*Model, error) {
	if model == "" || model != filepath.Base(model) || strings.HasPrefix(model, ".") {
		return nil, errs.New(errs.KindInvalidArgument, "local model name %q must be a plain folder name", model)
	}
	root, how := "", ""
	if cfg != nil && cfg.ModelDir != "" {
		root, how = cfg.ModelDir, "the provider's model_dir"
	} else if v := os.Getenv(ModelsDirEnv); v != "" {
		root, how = v, ModelsDirEnv
	} else {
		return nil, errs.New(errs.KindNotFound, "local model %q: no model folder configured; set the provider's model_dir or %s to a folder holding %s/", model, ModelsDirEnv, model)
	}
	dir, err := filepath.Abs(filepath.Join(root, model))
	if err != nil {
		return nil, errs.Wrap(errs.KindInvalidArgument, err, "local model %q", model)
	}
	bin := filepath.Join(dir, model+".bin")
	if _, err := os.Stat(bin); err != nil {
		return nil, errs.New(errs.KindNotFound, "local model %q: %s not found (searched %s, from %s; set the provider's model_dir or %s to a folder holding %s/%s.bin)",
			model, bin, dir, how, ModelsDirEnv, model, model)
	}
	toks, _ := filepath.Glob(filepath.Join(dir, "tok*.bin"))
	if len(toks) == 0 {
		return nil, errs.New(errs.KindNotFound, "local model %q: no tokenizer tok*.bin in %s", model, dir)
	}
	sort.Strings(toks)
	return &Model{name: model, modelPath: bin, tokPath: toks[0], loaded: map[string]*engine{}}, nil
}

// Capabilities reports streaming and (constrained) tool calls.
func (m *Model) Capabilities() provider.Capabilities {
	return provider.Capabilities{Streaming: true, Tools: true}
}

// engine returns the loaded model, loading it on first use. A failed load
// is not cached, so a fixed file is picked up by the next request.
func (m *Model) engine() (*engine, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.loaded[m.modelPath]; ok {
		return e, nil
	}
	e, err := loadEngine(m.modelPath, m.tokPath)
	if err != nil {
		return nil, err
	}
	m.loaded[m.modelPath] = e
	return e, nil
}

// Generate runs a request to completion.
func (m *Model) Generate(ctx context.Context, req *provider.Request) (*provider.Response, error) {
	s, err := m.Stream(ctx, req)
	if err != nil {
		return nil, err
	}
	return provider.Collect(s, nil)
}

// Stream starts a request. Tokens are computed inside Next, one per call;
// the caller must Close the stream.
func (m *Model) Stream(ctx context.Context, req *provider.Request) (provider.Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxError(err)
	}
	if req == nil {
		return nil, errs.New(errs.KindInvalidArgument, "nil request")
	}
	e, err := m.engine()
	if err != nil {
		return nil, err
	}
	var g *grammar
	if wantsToolCall(req) {
		if g, err = buildGrammar(req.Tools); err != nil {
			return nil, err
		}
	}
	seqLen := e.ck.cfg.seqLen
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	budget := min(maxTokens, seqLen-1)
	if g != nil {
		budget = min(max(budget, g.maxBytes), seqLen-1)
	}
	// A long prompt loses its oldest tokens (BOS stays) so that the answer
	// has room: its whole budget, but at most half the context for text (a
	// tool call always gets its whole, bounded, length).
	reserve := min(budget, seqLen/2)
	if g != nil {
		reserve = budget
	}
	prompt := e.tok.encode(nil, renderPrompt(req), true, false)
	if keep := seqLen - reserve; len(prompt) > keep {
		prompt = append(prompt[:1], prompt[len(prompt)-keep+1:]...)
	}
	temp, topP := DefaultTemperature, DefaultTopP
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	if req.TopP != nil {
		topP = *req.TopP
	}
	if temp < 0 || topP < 0 || topP > 1 {
		return nil, errs.New(errs.KindInvalidArgument, "temperature must be >= 0 and top_p in [0, 1] (got %g, %g)", temp, topP)
	}
	gen := e.start(prompt, newSampler(temp, topP, req.Seed))
	if g != nil {
		gen.grammar, gen.gs = g, g.initial()
	}
	s := &stream{m: m, gen: gen, budget: budget, grammar: g, tool: -1}
	s.resp.Model = m.name
	s.resp.Usage.InputTokens = len(prompt)
	s.stop = context.AfterFunc(ctx, func() { s.abort.CompareAndSwap(nil, ctxError(ctx.Err())) })
	return s, nil
}

// wantsToolCall reports whether the answer must be a tool call: tools are
// offered and the model has not just been given tool results.
func wantsToolCall(req *provider.Request) bool {
	if len(req.Tools) == 0 || req.ToolChoice == provider.ToolChoiceNone {
		return false
	}
	n := len(req.Messages)
	return n == 0 || req.Messages[n-1].Role != provider.RoleTool
}

// renderPrompt renders a request as plain text: the system prompt, then
// each message's content, one per line. Tool results read
// "Result of <tool>: <content>" and assistant tool calls
// "Call <tool>: <arguments JSON>".
func renderPrompt(req *provider.Request) string {
	var lines []string
	if req.System != "" {
		lines = append(lines, req.System)
	}
	for _, msg := range req.Messages {
		switch {
		case msg.Role == provider.RoleTool:
			name := msg.Name
			if name == "" {
				name = "tool"
			}
			lines = append(lines, "Result of "+name+": "+msg.Content)
		default:
			if msg.Content != "" {
				lines = append(lines, msg.Content)
			}
			for _, c := range msg.ToolCalls {
				args, err := value.Encode(c.Arguments)
				if err != nil || c.Arguments == nil {
					args = []byte("{}")
				}
				lines = append(lines, "Call "+c.Name+": "+string(args))
			}
		}
	}
	return strings.Join(lines, "\n")
}

// ctxError maps a (non-nil) context error to a kinded error: timeout for a
// deadline, cancelled otherwise.
func ctxError(err error) *errs.Error {
	if err == context.DeadlineExceeded {
		return errs.Wrap(errs.KindTimeout, err, "local generation")
	}
	return errs.Wrap(errs.KindCancelled, err, "local generation")
}
