package anthropic_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/provider/internal/wire/wiretest"
)

func BenchmarkGenerate(b *testing.B) {
	m := setup(b, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"msg_01","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022","content":[{"type":"text","text":"Hello there"}],"stop_reason":"end_turn","usage":{"input_tokens":9,"output_tokens":2}}`)
	})
	req := userReq("hi")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDeltas is the number of deltas per stream in BenchmarkStreamDeltas.
const benchDeltas = 200

func BenchmarkStreamDeltas(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(ev("message_start", `{"type":"message_start","message":{"model":"claude-3-5-haiku-20241022","usage":{"input_tokens":25,"output_tokens":1}}}`))
	sb.WriteString(ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`))
	for i := 0; i < benchDeltas; i++ {
		sb.WriteString(ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" token"}}`))
	}
	sb.WriteString(ev("content_block_stop", `{"type":"content_block_stop","index":0}`))
	sb.WriteString(ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":200}}`))
	sb.WriteString(ev("message_stop", `{"type":"message_stop"}`))
	body := sb.String()
	m := setup(b, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "text/event-stream")
		io.WriteString(w, body)
	})
	req := userReq("hi")
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		s, err := m.Stream(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/delta")
}
