package openai_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/llmspell/llmspell-go/core/provider"
	"github.com/llmspell/llmspell-go/core/provider/internal/wire/wiretest"
)

func BenchmarkGenerate(b *testing.B) {
	m := setup(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, answer)
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
	for i := 0; i < benchDeltas; i++ {
		sb.WriteString(wiretest.SSE(`{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]}`))
	}
	sb.WriteString(wiretest.SSE(`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":200}}`, "[DONE]"))
	body := sb.String()
	m := setup(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
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
	_ = provider.Delta{}
}
