package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLLM is a loopback model server that speaks three wire protocols as
// the real services write them: OpenAI POST /v1/chat/completions (JSON, or
// SSE ending in "data: [DONE]"), Anthropic POST /v1/messages (JSON, or SSE
// with event: lines) and Ollama POST /api/chat (JSON, or NDJSON).
//
// Its "model" is a script. When the request offers tools and its last
// message is not a tool result, it asks for one call (calculator with
// {"input": "6*7"} when offered, else the first tool). After a tool
// result it answers "The tool answered <result>.", quoting the result; with
// no tools it answers "You said: <last user text>". Streamed answers come
// in several deltas and streamed tool arguments in several fragments. Token
// counts are fixed: 10 in / 3 out for a tool call, 20 / 5 for an answer
// after a tool, 5 / 4 otherwise.
//
// Every request is recorded (headers and decoded body) before any fault is
// injected, so tests can count attempts and check what the client sent.
// Error bodies echo the request's credentials, so tests can check that
// keys are redacted. Methods are safe for concurrent use.
type fakeLLM struct {
	srv *httptest.Server

	mu     sync.Mutex
	reqs   []fakeRequest
	faults []fakeFault // answered first, one per request
	always int         // when not 0, the status of every answer
	stall  bool        // streamed text stops after one delta until the client leaves

	gone     chan struct{} // closed when a stalled request's context ends
	goneOnce sync.Once
}

// fakeFault is an error answer: a status and an optional Retry-After.
type fakeFault struct {
	Status     int
	RetryAfter string
}

// fakeRequest is one request as the server received it.
type fakeRequest struct {
	Protocol string // openai, anthropic or ollama
	Header   http.Header
	Body     map[string]any
	At       time.Time
}

// newFakeLLM starts a fake model server, closed when t ends.
func newFakeLLM(t testing.TB) *fakeLLM {
	t.Helper()
	f := &fakeLLM{gone: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, "openai") })
	mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, "anthropic") })
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) { f.serve(w, r, "ollama") })
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// baseURL is the base_url a provider of the protocol is configured with.
func (f *fakeLLM) baseURL(protocol string) string {
	if protocol == "openai" {
		return f.srv.URL + "/v1"
	}
	return f.srv.URL
}

// requests returns a copy of the requests received so far.
func (f *fakeLLM) requests() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.reqs...)
}

// inject queues error answers for the next requests.
func (f *fakeLLM) inject(faults ...fakeFault) {
	f.mu.Lock()
	f.faults = append(f.faults, faults...)
	f.mu.Unlock()
}

// failAlways makes every later request answer status.
func (f *fakeLLM) failAlways(status int) {
	f.mu.Lock()
	f.always = status
	f.mu.Unlock()
}

// stallStreams makes streamed text stop after its first delta until the
// client goes away; gone is closed when it does.
func (f *fakeLLM) stallStreams() {
	f.mu.Lock()
	f.stall = true
	f.mu.Unlock()
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request, protocol string) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, fakeRequest{Protocol: protocol, Header: r.Header.Clone(), Body: body, At: time.Now()})
	fault := fakeFault{Status: f.always}
	if fault.Status == 0 && len(f.faults) > 0 {
		fault, f.faults = f.faults[0], f.faults[1:]
	}
	stall := f.stall
	f.mu.Unlock()
	if fault.Status != 0 {
		writeFakeError(w, r, protocol, fault)
		return
	}
	turn := readFakeTurn(protocol, body)
	ans := turn.answer()
	fw := &fakeWriter{w: w, model: turn.model}
	if stall && ans.call == nil && turn.stream {
		fw.stall = func() {
			<-r.Context().Done()
			f.goneOnce.Do(func() { close(f.gone) })
		}
	}
	switch {
	case protocol == "openai" && turn.stream:
		fw.openaiSSE(ans, turn.includeUsage)
	case protocol == "openai":
		fw.openaiJSON(ans)
	case protocol == "anthropic" && turn.stream:
		fw.anthropicSSE(ans)
	case protocol == "anthropic":
		fw.anthropicJSON(ans)
	case turn.stream:
		fw.ollamaNDJSON(ans)
	default:
		fw.ollamaJSON(ans)
	}
}

// writeFakeError answers a fault in the protocol's error shape, echoing the
// credentials the request carried.
func writeFakeError(w http.ResponseWriter, r *http.Request, protocol string, fault fakeFault) {
	cred := r.Header.Get("Authorization")
	if k := r.Header.Get("x-api-key"); k != "" {
		cred = k
	}
	msg := fmt.Sprintf("fake failure %d for credentials %q", fault.Status, cred)
	var body string
	switch protocol {
	case "openai":
		body = `{"error":{"message":` + jsonText(msg) + `,"type":"server_error","param":null,"code":null}}`
	case "anthropic":
		body = `{"type":"error","error":{"type":"api_error","message":` + jsonText(msg) + `}}`
	default:
		body = `{"error":` + jsonText(msg) + `}`
	}
	if fault.RetryAfter != "" {
		w.Header().Set("Retry-After", fault.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(fault.Status)
	io.WriteString(w, body)
}

// fakeTurn is what the scripted model reads from a request.
type fakeTurn struct {
	model        string
	stream       bool
	includeUsage bool
	tools        []string
	lastUser     string
	toolResult   string // the last message's content when it is a tool result
	isToolResult bool
	toolResults  int // tool results in the whole conversation
}

func readFakeTurn(protocol string, body map[string]any) fakeTurn {
	t := fakeTurn{}
	t.model, _ = body["model"].(string)
	t.stream, _ = body["stream"].(bool)
	if so, ok := body["stream_options"].(map[string]any); ok {
		t.includeUsage, _ = so["include_usage"].(bool)
	}
	tools, _ := body["tools"].([]any)
	for _, tl := range tools {
		m, _ := tl.(map[string]any)
		if fn, ok := m["function"].(map[string]any); ok {
			m = fn
		}
		name, _ := m["name"].(string)
		t.tools = append(t.tools, name)
	}
	msgs, _ := body["messages"].([]any)
	for i, mv := range msgs {
		m, _ := mv.(map[string]any)
		role, _ := m["role"].(string)
		last := i == len(msgs)-1
		switch {
		case protocol == "anthropic" && role == "user":
			text, result, isResult := anthropicContent(m["content"])
			if isResult {
				t.toolResults++
			} else {
				t.lastUser = text
			}
			if last {
				t.toolResult, t.isToolResult = result, isResult
			}
		case role == "tool":
			t.toolResults++
			if last {
				t.toolResult, t.isToolResult = fmt.Sprint(m["content"]), true
			}
		case role == "user":
			t.lastUser, _ = m["content"].(string)
		}
	}
	return t
}

// anthropicContent reads a user message's content: a string or blocks.
func anthropicContent(c any) (text, result string, isResult bool) {
	if s, ok := c.(string); ok {
		return s, "", false
	}
	blocks, _ := c.([]any)
	for _, bv := range blocks {
		b, _ := bv.(map[string]any)
		switch b["type"] {
		case "text":
			s, _ := b["text"].(string)
			text += s
		case "tool_result":
			isResult = true
			switch rc := b["content"].(type) {
			case string:
				result = rc
			case []any:
				for _, x := range rc {
					xm, _ := x.(map[string]any)
					s, _ := xm["text"].(string)
					result += s
				}
			}
		}
	}
	return text, result, isResult
}

// fakeAnswer is the scripted model's reply.
type fakeAnswer struct {
	call      *fakeCall
	text      string
	in, out   int
	callIndex int // numbers the call within the conversation, from 1
}

type fakeCall struct {
	name, args string
}

func (t *fakeTurn) answer() fakeAnswer {
	if len(t.tools) > 0 && !t.isToolResult {
		name := t.tools[0]
		for _, n := range t.tools {
			if n == "calculator" {
				name = n
			}
		}
		return fakeAnswer{call: &fakeCall{name: name, args: `{"input": "6*7"}`}, in: 10, out: 3, callIndex: t.toolResults + 1}
	}
	if t.isToolResult {
		return fakeAnswer{text: "The tool answered " + quoteResult(t.toolResult) + ".", in: 20, out: 5}
	}
	return fakeAnswer{text: "You said: " + t.lastUser, in: 5, out: 4}
}

// quoteResult picks result.result out of the agent's tool message
// ({"success": true, "result": {...}}), or gives the whole content.
func quoteResult(content string) string {
	var m struct {
		Result struct {
			Result json.RawMessage `json:"result"`
		} `json:"result"`
	}
	if json.Unmarshal([]byte(content), &m) == nil && len(m.Result.Result) > 0 {
		return string(m.Result.Result)
	}
	return content
}

// pieces splits text into deltas of about a word each.
func (a *fakeAnswer) pieces() []string {
	return strings.SplitAfter(a.text, " ")
}

// argPieces splits the call's arguments JSON into fragments cut inside
// tokens.
func (a *fakeAnswer) argPieces() []string {
	s := a.call.args
	return []string{s[:4], s[4:11], s[11:15], s[15:]}
}

// fakeWriter writes one answer in a protocol's framing, flushing each
// event so the client sees them one by one.
type fakeWriter struct {
	w     http.ResponseWriter
	model string
	stall func() // when set, called after the first text delta
}

func (fw *fakeWriter) start(contentType string) {
	fw.w.Header().Set("Content-Type", contentType)
	fw.w.WriteHeader(http.StatusOK)
	fw.w.(http.Flusher).Flush()
}

func (fw *fakeWriter) send(s string) {
	io.WriteString(fw.w, s)
	fw.w.(http.Flusher).Flush()
}

func (fw *fakeWriter) json(v string) {
	fw.w.Header().Set("Content-Type", "application/json")
	fw.w.WriteHeader(http.StatusOK)
	io.WriteString(fw.w, v)
}

// afterFirst runs the stall, if any, after text delta i == 0, and reports
// whether the answer must end there.
func (fw *fakeWriter) afterFirst(i int) bool {
	if i == 0 && fw.stall != nil {
		fw.stall()
		return true
	}
	return false
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// OpenAI chat completions.

const fakeCreated = "1700000000"

func (a *fakeAnswer) openaiID() string { return fmt.Sprintf("call_%d", a.callIndex) }

func (a *fakeAnswer) openaiUsage() string {
	return fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, a.in, a.out, a.in+a.out)
}

func (fw *fakeWriter) openaiJSON(a fakeAnswer) {
	msg := `{"role":"assistant","content":` + jsonText(a.text) + `,"refusal":null}`
	finish := "stop"
	if a.call != nil {
		msg = `{"role":"assistant","content":null,"tool_calls":[{"id":"` + a.openaiID() + `","type":"function","function":{"name":` +
			jsonText(a.call.name) + `,"arguments":` + jsonText(a.call.args) + `}}],"refusal":null}`
		finish = "tool_calls"
	}
	fw.json(`{"id":"chatcmpl-fake","object":"chat.completion","created":` + fakeCreated + `,"model":` + jsonText(fw.model) +
		`,"choices":[{"index":0,"message":` + msg + `,"logprobs":null,"finish_reason":"` + finish + `"}],"usage":` + a.openaiUsage() +
		`,"system_fingerprint":"fp_fake"}` + "\n")
}

func (fw *fakeWriter) openaiSSE(a fakeAnswer, includeUsage bool) {
	fw.start("text/event-stream; charset=utf-8")
	usage := ""
	if includeUsage {
		usage = `,"usage":null`
	}
	chunk := func(delta, finish string) {
		fw.send(`data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":` + fakeCreated + `,"model":` + jsonText(fw.model) +
			`,"system_fingerprint":"fp_fake","choices":[{"index":0,"delta":` + delta + `,"logprobs":null,"finish_reason":` + finish + `}]` + usage + "}\n\n")
	}
	finish := `"stop"`
	if a.call != nil {
		chunk(`{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"`+a.openaiID()+`","type":"function","function":{"name":`+
			jsonText(a.call.name)+`,"arguments":""}}],"refusal":null}`, "null")
		for _, p := range a.argPieces() {
			chunk(`{"tool_calls":[{"index":0,"function":{"arguments":`+jsonText(p)+`}}]}`, "null")
		}
		finish = `"tool_calls"`
	} else {
		chunk(`{"role":"assistant","content":"","refusal":null}`, "null")
		for i, p := range a.pieces() {
			chunk(`{"content":`+jsonText(p)+`}`, "null")
			if fw.afterFirst(i) {
				return
			}
		}
	}
	chunk(`{}`, finish)
	if includeUsage {
		fw.send(`data: {"id":"chatcmpl-fake","object":"chat.completion.chunk","created":` + fakeCreated + `,"model":` + jsonText(fw.model) +
			`,"system_fingerprint":"fp_fake","choices":[],"usage":` + a.openaiUsage() + "}\n\n")
	}
	fw.send("data: [DONE]\n\n")
}

// Anthropic messages.

func (a *fakeAnswer) anthropicID() string { return fmt.Sprintf("toolu_%02d", a.callIndex) }

func (fw *fakeWriter) anthropicJSON(a fakeAnswer) {
	content := `[{"type":"text","text":` + jsonText(a.text) + `}]`
	stop := "end_turn"
	if a.call != nil {
		content = `[{"type":"tool_use","id":"` + a.anthropicID() + `","name":` + jsonText(a.call.name) + `,"input":` + a.call.args + `}]`
		stop = "tool_use"
	}
	fw.json(`{"id":"msg_fake","type":"message","role":"assistant","model":` + jsonText(fw.model) + `,"content":` + content +
		`,"stop_reason":"` + stop + `","stop_sequence":null,"usage":{"input_tokens":` + fmt.Sprint(a.in) +
		`,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":` + fmt.Sprint(a.out) + `}}`)
}

func (fw *fakeWriter) anthropicSSE(a fakeAnswer) {
	fw.start("text/event-stream; charset=utf-8")
	event := func(name, data string) { fw.send("event: " + name + "\ndata: " + data + "\n\n") }
	event("message_start", `{"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","model":`+
		jsonText(fw.model)+`,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`+fmt.Sprint(a.in)+
		`,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`)
	stop := "end_turn"
	if a.call != nil {
		event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"`+
			a.anthropicID()+`","name":`+jsonText(a.call.name)+`,"input":{}}}`)
		event("ping", `{"type": "ping"}`)
		for _, p := range a.argPieces() {
			event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`+jsonText(p)+`}}`)
		}
		stop = "tool_use"
	} else {
		event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		event("ping", `{"type": "ping"}`)
		for i, p := range a.pieces() {
			event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+jsonText(p)+`}}`)
			if fw.afterFirst(i) {
				return
			}
		}
	}
	event("content_block_stop", `{"type":"content_block_stop","index":0}`)
	event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`","stop_sequence":null},"usage":{"output_tokens":`+fmt.Sprint(a.out)+`}}`)
	event("message_stop", `{"type":"message_stop"}`)
}

// Ollama chat.

const fakeCreatedAt = `"2024-11-05T10:00:00.000000Z"`

func (a *fakeAnswer) ollamaCalls() string {
	return `[{"function":{"name":` + jsonText(a.call.name) + `,"arguments":` + a.call.args + `}}]`
}

func (a *fakeAnswer) ollamaDone() string {
	return `"done_reason":"stop","done":true,"total_duration":1200000,"load_duration":100000,"prompt_eval_count":` +
		fmt.Sprint(a.in) + `,"prompt_eval_duration":300000,"eval_count":` + fmt.Sprint(a.out) + `,"eval_duration":800000}`
}

func (fw *fakeWriter) ollamaJSON(a fakeAnswer) {
	msg := `{"role":"assistant","content":` + jsonText(a.text) + `}`
	if a.call != nil {
		msg = `{"role":"assistant","content":"","tool_calls":` + a.ollamaCalls() + `}`
	}
	fw.json(`{"model":` + jsonText(fw.model) + `,"created_at":` + fakeCreatedAt + `,"message":` + msg + `,` + a.ollamaDone())
}

func (fw *fakeWriter) ollamaNDJSON(a fakeAnswer) {
	fw.start("application/x-ndjson")
	line := func(msg string) {
		fw.send(`{"model":` + jsonText(fw.model) + `,"created_at":` + fakeCreatedAt + `,"message":` + msg + `,"done":false}` + "\n")
	}
	if a.call != nil {
		line(`{"role":"assistant","content":"","tool_calls":` + a.ollamaCalls() + `}`)
	} else {
		for i, p := range a.pieces() {
			line(`{"role":"assistant","content":` + jsonText(p) + `}`)
			if fw.afterFirst(i) {
				return
			}
		}
	}
	fw.send(`{"model":` + jsonText(fw.model) + `,"created_at":` + fakeCreatedAt + `,"message":{"role":"assistant","content":""},` + a.ollamaDone() + "\n")
}
