package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// loopbackOpenAI serves a fixed OpenAI-compatible chat completion on
// 127.0.0.1 (JSON, or an SSE stream of ten deltas), so the C benchmark can
// time agents whose provider costs only a loopback round trip. It is the
// same answer as bench/agents_test.go serves to the Go benchmarks, so the
// two can be compared. stop closes it.
func loopbackOpenAI() (url string, stop func(), err error) {
	answer := `{"id":"c","object":"chat.completion","model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3}}`
	var sse strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&sse, "data: {\"id\":\"c\",\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w%d \"}}]}\n\n", i)
	}
	sse.WriteString("data: {\"id\":\"c\",\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":10}}\n\ndata: [DONE]\n\n")
	stream := sse.String()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"stream":true`) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, stream)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/v1", func() { srv.Close() }, nil
}
