package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/hook"
	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Input is what an execute takes: a text, a list of messages, or both (the
// messages first). Parameters may override temperature, top_p, seed and
// max_tokens for this call.
type Input struct {
	Text       string
	Messages   []provider.Message
	Parameters value.Map
}

// InputFromValue reads the script forms: a string, or {text, messages?,
// parameters?}. It fails with invalid_argument for anything else.
func InputFromValue(v value.Value) (Input, error) {
	switch x := v.(type) {
	case string:
		return Input{Text: x}, nil
	case value.Map:
		var in Input
		if t, ok := x["text"]; ok && t != nil {
			s, ok := t.(string)
			if !ok {
				return Input{}, errs.New(errs.KindInvalidArgument, "input.text must be a string, got %s", value.TypeOf(t))
			}
			in.Text = s
		}
		if ms, ok := x["messages"]; ok && ms != nil {
			list, ok := ms.(value.List)
			if !ok {
				return Input{}, errs.New(errs.KindInvalidArgument, "input.messages must be a list, got %s", value.TypeOf(ms))
			}
			for _, item := range list {
				m, err := provider.MessageFromMap(item)
				if err != nil {
					return Input{}, err
				}
				in.Messages = append(in.Messages, m)
			}
		}
		if p, ok := x["parameters"]; ok && p != nil {
			pm, ok := p.(value.Map)
			if !ok {
				return Input{}, errs.New(errs.KindInvalidArgument, "input.parameters must be a table/object, got %s", value.TypeOf(p))
			}
			in.Parameters = pm
		}
		return in, nil
	}
	return Input{}, errs.New(errs.KindInvalidArgument, "agent input must be a string or {text = ...}, got %s", value.TypeOf(v))
}

// Map is the inverse of InputFromValue: {text, messages?, parameters?}.
func (in Input) Map() value.Map {
	m := value.Map{"text": in.Text}
	if len(in.Messages) > 0 {
		msgs := make(value.List, len(in.Messages))
		for i := range in.Messages {
			msgs[i] = in.Messages[i].Map()
		}
		m["messages"] = msgs
	}
	if in.Parameters != nil {
		m["parameters"] = in.Parameters
	}
	return m
}

// ToolCallRecord is one tool call an execute ran.
type ToolCallRecord struct {
	ID        string
	Name      string
	Arguments value.Map
	Success   bool
	Result    value.Value
	Error     string
	Duration  time.Duration
}

// Map returns {id, name, arguments, success, result | error, duration_ms}.
func (t *ToolCallRecord) Map() value.Map {
	args := t.Arguments
	if args == nil {
		args = value.Map{}
	}
	m := value.Map{"id": t.ID, "name": t.Name, "arguments": args, "success": t.Success,
		"duration_ms": float64(t.Duration.Microseconds()) / 1000}
	if t.Success {
		m["result"] = t.Result
	} else {
		m["error"] = t.Error
	}
	return m
}

// Result is a finished execute, in the shape of SCRIPT_API.md.
type Result struct {
	Text         string
	ToolCalls    []ToolCallRecord
	Usage        provider.Usage
	Model        string
	Provider     string
	FinishReason string
	Duration     time.Duration
	// Rounds counts model calls.
	Rounds int
	// CorrelationID ties the execute's events together.
	CorrelationID string
}

// Map returns {text, tool_calls, usage, metadata = {model, provider,
// execution_time_ms, finish_reason, rounds, correlation_id}}.
func (r *Result) Map() value.Map {
	calls := make(value.List, len(r.ToolCalls))
	for i := range r.ToolCalls {
		calls[i] = r.ToolCalls[i].Map()
	}
	return value.Map{"text": r.Text, "tool_calls": calls, "usage": r.Usage.Map(),
		"metadata": value.Map{"model": r.Model, "provider": r.Provider,
			"execution_time_ms": float64(r.Duration.Microseconds()) / 1000, "finish_reason": r.FinishReason,
			"rounds": int64(r.Rounds), "correlation_id": r.CorrelationID}}
}

// resultFromMap reads a Result back from its map (a hook may have replaced
// or modified it). Missing fields stay zero.
func resultFromMap(v value.Value) *Result {
	m, _ := v.(value.Map)
	r := &Result{}
	r.Text, _ = m["text"].(string)
	if calls, ok := m["tool_calls"].(value.List); ok {
		for _, c := range calls {
			cm, _ := c.(value.Map)
			tc := ToolCallRecord{}
			tc.ID, _ = cm["id"].(string)
			tc.Name, _ = cm["name"].(string)
			tc.Arguments, _ = cm["arguments"].(value.Map)
			tc.Success, _ = cm["success"].(bool)
			tc.Result = cm["result"]
			tc.Error, _ = cm["error"].(string)
			if d, ok := value.Number(cm["duration_ms"]); ok {
				tc.Duration = time.Duration(d * float64(time.Millisecond))
			}
			r.ToolCalls = append(r.ToolCalls, tc)
		}
	}
	r.Usage = provider.UsageFromValue(m["usage"])
	if md, ok := m["metadata"].(value.Map); ok {
		r.Model, _ = md["model"].(string)
		r.Provider, _ = md["provider"].(string)
		r.FinishReason, _ = md["finish_reason"].(string)
		r.CorrelationID, _ = md["correlation_id"].(string)
		if d, ok := value.Number(md["execution_time_ms"]); ok {
			r.Duration = time.Duration(d * float64(time.Millisecond))
		}
		if n, ok := value.Number(md["rounds"]); ok {
			r.Rounds = int(n)
		}
	}
	return r
}

// DeltaFunc receives each piece of a streamed answer as it arrives: text,
// or a tool-call fragment. An error stops the execute with that error.
type DeltaFunc func(provider.Delta) error

// Execute runs one turn: the input joins the memory, the model answers,
// requested tools run (in parallel when several are asked for at once) and
// their results go back to the model, until a final answer or the round
// limit. The turn is then added to the memory. Cancelling ctx stops the
// HTTP request and the tool calls.
func (a *Agent) Execute(ctx context.Context, in Input) (*Result, error) {
	return a.run(ctx, in, nil)
}

// Stream is Execute that delivers each delta to fn as the model produces
// it. fn runs on the calling goroutine.
func (a *Agent) Stream(ctx context.Context, in Input, fn DeltaFunc) (*Result, error) {
	return a.run(ctx, in, fn)
}

// depthKey counts nested agent executes (agents calling agents as tools).
type depthKey struct{}

// MaxDepth bounds agents calling agents.
const MaxDepth = 8

func (a *Agent) run(ctx context.Context, in Input, fn DeltaFunc) (res *Result, err error) {
	if in.Text == "" && len(in.Messages) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "agent %s: empty input (give text or messages)", a.cfg.Name)
	}
	depth, _ := ctx.Value(depthKey{}).(int)
	if depth >= MaxDepth {
		return nil, errs.New(errs.KindLimit, "agent %s: agents nested %d deep (agents calling agents as tools); the limit is %d", a.cfg.Name, depth, MaxDepth)
	}
	ctx = context.WithValue(ctx, depthKey{}, depth+1)
	if on := a.reg.deps.OnExecute; on != nil {
		outer := ctx
		ctx = tool.WithParent(ctx, "agent:"+a.cfg.Name)
		defer func() { on(outer, a.cfg.Name, in, res, err) }()
	}
	if a.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, a.cfg.Timeout,
			errs.New(errs.KindTimeout, "agent %s exceeded its timeout of %s", a.cfg.Name, a.cfg.Timeout))
		defer cancel()
	}
	corr := newID()
	start := time.Now()
	r := a.reg
	r.publish("agent.execution.started", value.Map{"agent": a.cfg.Name, "model": a.cfg.Model}, corr)
	op := func(ctx context.Context, data value.Value) (value.Value, error) {
		if dm, ok := data.(value.Map); ok {
			if t, ok := dm["text"].(string); ok {
				in.Text = t
			}
		}
		res, err := a.loop(ctx, in, fn, corr)
		if err != nil {
			return nil, err
		}
		res.Duration = time.Since(start)
		return res.Map(), nil
	}
	var out value.Value
	if r.deps.Hooks != nil {
		data := value.Map{"agent": a.cfg.Name, "text": in.Text, "messages": int64(len(in.Messages))}
		if in.Parameters != nil {
			data["parameters"] = in.Parameters
		}
		out, err = r.deps.Hooks.Around(ctx, hook.BeforeAgentExecution, hook.AfterAgentExecution,
			hook.Component{Type: "agent", Name: a.cfg.Name}, data, op)
	} else {
		out, err = op(ctx, nil)
	}
	if err != nil {
		err = contextErr(ctx, err)
		if r.deps.Hooks != nil && r.deps.Hooks.Has(hook.AgentError) {
			r.deps.Hooks.Run(ctx, &hook.Context{Point: hook.AgentError, Component: hook.Component{Type: "agent", Name: a.cfg.Name},
				Data: value.Map{"error": err.Error(), "kind": errs.KindOf(err).String(), "text": in.Text}, CorrelationID: corr})
		}
		r.publish("agent.execution.failed", value.Map{"agent": a.cfg.Name, "error": err.Error(), "kind": errs.KindOf(err).String()}, corr)
		return nil, err
	}
	res = resultFromMap(out)
	if res.CorrelationID == "" {
		res.CorrelationID = corr
	}
	r.publish("agent.execution.completed", value.Map{"agent": a.cfg.Name, "duration_ms": float64(time.Since(start).Microseconds()) / 1000,
		"usage": res.Usage.Map(), "tool_calls": int64(len(res.ToolCalls)), "finish_reason": res.FinishReason}, corr)
	return res, nil
}

// contextErr prefers the context's cause (a timeout with its message) over
// whatever error a component made of the cancellation.
func contextErr(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if cause, ok := context.Cause(ctx).(*errs.Error); ok {
		return cause
	}
	if ctx.Err() == context.DeadlineExceeded {
		return errs.Wrap(errs.KindTimeout, ctx.Err(), "agent")
	}
	if k := errs.KindOf(err); k == errs.KindCancelled || k == errs.KindTimeout {
		return err
	}
	return errs.Wrap(errs.KindCancelled, ctx.Err(), "agent")
}

// loop is the tool-calling loop of one execute.
func (a *Agent) loop(ctx context.Context, in Input, fn DeltaFunc, corr string) (*Result, error) {
	turn := make([]provider.Message, 0, 4)
	turn = append(turn, in.Messages...)
	if in.Text != "" {
		turn = append(turn, provider.Message{Role: provider.RoleUser, Content: in.Text})
	}
	res := &Result{Model: a.cfg.Model, Provider: a.provider, CorrelationID: corr}
	if a.cfg.Type == TypeBasic {
		res.Text = lastUserText(turn)
		res.FinishReason = provider.FinishStop
		if fn != nil && res.Text != "" {
			if err := fn(provider.Delta{Text: res.Text}); err != nil {
				return nil, err
			}
		}
		a.remember(append(turn, provider.Message{Role: provider.RoleAssistant, Content: res.Text}))
		return res, nil
	}
	req, err := a.request(in.Parameters)
	if err != nil {
		return nil, err
	}
	history := a.History()
	msgs := make([]provider.Message, 0, len(history)+len(turn)+4)
	msgs = append(append(msgs, history...), turn...)
	// The result's text is what the model said in every round (a model
	// may talk before its tool calls), rounds joined by a newline; a
	// stream sees that newline as a delta too, so its deltas always add
	// up to the text.
	var text strings.Builder
	roundFn := fn
	startedRound := false
	if fn != nil {
		roundFn = func(d provider.Delta) error {
			if d.Text != "" && !startedRound {
				startedRound = true
				if text.Len() > 0 {
					if err := fn(provider.Delta{Text: "\n"}); err != nil {
						return err
					}
				}
			}
			return fn(d)
		}
	}
	for round := 0; ; round++ {
		req.Messages = msgs
		req.Tools = a.tools
		last := round >= a.cfg.MaxToolRounds
		if last && len(req.Tools) > 0 {
			req.ToolChoice = provider.ToolChoiceNone // the last call must answer
		}
		startedRound = false
		resp, err := a.callModel(ctx, req, roundFn, round, corr)
		if err != nil {
			return nil, err
		}
		res.Rounds++
		res.Usage.InputTokens += resp.Usage.InputTokens
		res.Usage.OutputTokens += resp.Usage.OutputTokens
		if resp.Provider != "" {
			res.Provider = resp.Provider
		}
		if resp.Model != "" {
			res.Model = res.Provider + "/" + resp.Model
		}
		if resp.Text != "" {
			if text.Len() > 0 {
				text.WriteByte('\n')
			}
			text.WriteString(resp.Text)
		}
		reply := provider.Message{Role: provider.RoleAssistant, Content: resp.Text, ToolCalls: resp.ToolCalls}
		msgs = append(msgs, reply)
		turn = append(turn, reply)
		if len(resp.ToolCalls) == 0 || last {
			res.Text, res.FinishReason = text.String(), resp.FinishReason
			if len(resp.ToolCalls) > 0 {
				// The model asked for tools although told not to: its
				// calls are not run (they stay in the memory, answered by
				// nothing, so drop them there).
				res.FinishReason = "max_tool_rounds"
				turn[len(turn)-1].ToolCalls = nil
			}
			break
		}
		records, results := a.runTools(ctx, resp.ToolCalls, corr)
		if err := ctx.Err(); err != nil {
			return nil, contextErr(ctx, err)
		}
		res.ToolCalls = append(res.ToolCalls, records...)
		msgs = append(msgs, results...)
		turn = append(turn, results...)
	}
	a.remember(turn)
	return res, nil
}

func lastUserText(msgs []provider.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == provider.RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// request builds the model request from the agent's settings and the
// call's parameters.
func (a *Agent) request(params value.Map) (*provider.Request, error) {
	req := &provider.Request{System: a.cfg.SystemPrompt, Temperature: a.cfg.Temperature, TopP: a.cfg.TopP,
		Seed: a.cfg.Seed, MaxTokens: a.cfg.MaxTokens}
	for k, v := range params {
		n, isNum := value.Number(v)
		switch k {
		case "temperature", "top_p", "seed", "max_tokens":
			if !isNum {
				return nil, errs.New(errs.KindInvalidArgument, "parameters.%s must be a number, got %s", k, value.TypeOf(v))
			}
		}
		switch k {
		case "temperature":
			if n < 0 || n > 2 {
				return nil, errs.New(errs.KindInvalidArgument, "parameters.temperature %g is outside 0..2", n)
			}
			req.Temperature = &n
		case "top_p":
			if n <= 0 || n > 1 {
				return nil, errs.New(errs.KindInvalidArgument, "parameters.top_p %g is outside (0, 1]", n)
			}
			req.TopP = &n
		case "seed":
			s := int64(n)
			req.Seed = &s
		case "max_tokens":
			if n < 1 {
				return nil, errs.New(errs.KindInvalidArgument, "parameters.max_tokens must be at least 1")
			}
			req.MaxTokens = int(n)
		case "system_prompt":
			s, ok := v.(string)
			if !ok {
				return nil, errs.New(errs.KindInvalidArgument, "parameters.system_prompt must be a string")
			}
			req.System = s
		}
	}
	return req, nil
}

// callModel makes one model call between the BeforeModelCall and
// AfterModelCall hooks, streaming when fn is set.
func (a *Agent) callModel(ctx context.Context, req *provider.Request, fn DeltaFunc, round int, corr string) (*provider.Response, error) {
	start := time.Now()
	hooks := a.reg.deps.Hooks
	var resp *provider.Response
	var err error
	if hooks == nil || (!hooks.Has(hook.BeforeModelCall) && !hooks.Has(hook.AfterModelCall)) {
		resp, err = a.generate(ctx, req, fn)
	} else {
		op := func(ctx context.Context, data value.Value) (value.Value, error) {
			if err := applyRequestMap(req, data); err != nil {
				return nil, err
			}
			r, err := a.generate(ctx, req, fn)
			if err != nil {
				return nil, err
			}
			return r.Map(), nil
		}
		var out value.Value
		out, err = hooks.Around(ctx, hook.BeforeModelCall, hook.AfterModelCall,
			hook.Component{Type: "model", Name: a.cfg.Model}, requestMap(a.cfg.Name, a.cfg.Model, req), op)
		if err == nil {
			if resp, err = provider.ResponseFromMap(out); err != nil {
				err = errs.Wrap(errs.KindInvalidArgument, err, "a model-call hook returned a bad answer")
			}
		}
	}
	if err != nil {
		return nil, err
	}
	a.reg.publish("agent.model_call.completed", value.Map{"agent": a.cfg.Name, "model": a.cfg.Model, "round": int64(round),
		"input_tokens": int64(resp.Usage.InputTokens), "output_tokens": int64(resp.Usage.OutputTokens),
		"finish_reason": resp.FinishReason, "tool_calls": int64(len(resp.ToolCalls)),
		"duration_ms": float64(time.Since(start).Microseconds()) / 1000}, corr)
	return resp, nil
}

// generate calls the model, streaming into fn when set.
func (a *Agent) generate(ctx context.Context, req *provider.Request, fn DeltaFunc) (*provider.Response, error) {
	if fn == nil {
		return a.model.Generate(ctx, req)
	}
	if !a.model.Capabilities().Streaming {
		resp, err := a.model.Generate(ctx, req)
		if err != nil {
			return nil, err
		}
		if resp.Text != "" {
			if err := fn(provider.Delta{Text: resp.Text}); err != nil {
				return nil, err
			}
		}
		return resp, nil
	}
	s, err := a.model.Stream(ctx, req)
	if err != nil {
		return nil, err
	}
	return provider.Collect(s, fn)
}

// runTools runs the requested calls, concurrently when there are several,
// and returns their records and the tool messages for the model. A
// failing call is reported to the model, not raised.
func (a *Agent) runTools(ctx context.Context, calls []provider.ToolCall, corr string) ([]ToolCallRecord, []provider.Message) {
	records := make([]ToolCallRecord, len(calls))
	msgs := make([]provider.Message, len(calls))
	one := func(i int) {
		c := calls[i]
		if c.ID == "" {
			c.ID = "call_" + newID()[:12]
		}
		start := time.Now()
		rec := ToolCallRecord{ID: c.ID, Name: c.Name, Arguments: c.Arguments}
		a.reg.publish("agent.tool_call.started", value.Map{"agent": a.cfg.Name, "tool": c.Name, "id": c.ID}, corr)
		var content value.Map
		if !a.offers(c.Name) {
			rec.Error = "the tool " + c.Name + " is not offered to this agent"
		} else if env, err := a.reg.deps.Tools.Invoke(ctx, c.Name, c.Arguments); err != nil {
			rec.Error = err.Error()
		} else if !env.Success {
			rec.Error = env.Error.Error()
		} else {
			rec.Success, rec.Result = true, env.Result
		}
		rec.Duration = time.Since(start)
		if rec.Success {
			content = value.Map{"success": true, "result": rec.Result}
		} else {
			content = value.Map{"success": false, "error": rec.Error}
		}
		text, err := value.Encode(content)
		if err != nil {
			text = []byte(`{"success":false,"error":"result could not be encoded"}`)
		}
		records[i] = rec
		msgs[i] = provider.Message{Role: provider.RoleTool, Content: string(text), ToolCallID: c.ID, Name: c.Name, IsError: !rec.Success}
		a.reg.publish("agent.tool_call.completed", value.Map{"agent": a.cfg.Name, "tool": c.Name, "id": c.ID,
			"success": rec.Success, "duration_ms": float64(rec.Duration.Microseconds()) / 1000}, corr)
	}
	if len(calls) == 1 {
		one(0)
		return records, msgs
	}
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					records[i] = ToolCallRecord{ID: calls[i].ID, Name: calls[i].Name, Error: "tool call panicked"}
					msgs[i] = provider.Message{Role: provider.RoleTool, Content: `{"success":false,"error":"tool call panicked"}`,
						ToolCallID: calls[i].ID, Name: calls[i].Name}
				}
			}()
			one(i)
		}()
	}
	wg.Wait()
	return records, msgs
}

func (a *Agent) offers(name string) bool {
	for _, t := range a.tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// requestMap is a model call as hook data.
func requestMap(agentName, model string, req *provider.Request) value.Map {
	msgs := make(value.List, len(req.Messages))
	for i := range req.Messages {
		msgs[i] = req.Messages[i].Map()
	}
	tools := make(value.List, len(req.Tools))
	for i, t := range req.Tools {
		tools[i] = t.Name
	}
	m := value.Map{"agent": agentName, "model": model, "system": req.System, "messages": msgs, "tools": tools,
		"max_tokens": int64(req.MaxTokens)}
	if req.Temperature != nil {
		m["temperature"] = *req.Temperature
	}
	return m
}

// applyRequestMap takes a hook's changes to the request: system,
// messages, temperature, max_tokens.
func applyRequestMap(req *provider.Request, data value.Value) error {
	m, ok := data.(value.Map)
	if !ok {
		return nil
	}
	if s, ok := m["system"].(string); ok {
		req.System = s
	}
	if list, ok := m["messages"].(value.List); ok && len(list) != len(req.Messages) || ok && modified(list, req.Messages) {
		msgs := make([]provider.Message, 0, len(list))
		for _, item := range list {
			msg, err := provider.MessageFromMap(item)
			if err != nil {
				return errs.Wrap(errs.KindInvalidArgument, err, "a BeforeModelCall hook returned bad messages")
			}
			msgs = append(msgs, msg)
		}
		req.Messages = msgs
	}
	if t, ok := value.Number(m["temperature"]); ok {
		req.Temperature = &t
	}
	if n, ok := value.Number(m["max_tokens"]); ok {
		req.MaxTokens = int(n)
	}
	return nil
}

// modified reports whether a hook changed the content of any message.
func modified(list value.List, msgs []provider.Message) bool {
	for i, item := range list {
		m, _ := item.(value.Map)
		if c, _ := m["content"].(string); c != msgs[i].Content {
			return true
		}
		if r, _ := m["role"].(string); r != msgs[i].Role {
			return true
		}
	}
	return false
}

// newID returns 32 random hex digits.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
