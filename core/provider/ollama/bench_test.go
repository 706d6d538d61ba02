package ollama_test

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
		io.WriteString(w, `{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":"Hello there"},"done_reason":"stop","done":true,"prompt_eval_count":9,"eval_count":2}`)
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
		sb.WriteString(`{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":" token"},"done":false}` + "\n")
	}
	sb.WriteString(`{"model":"llama3.2","created_at":"2024-07-22T20:33:28Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":9,"eval_count":200}` + "\n")
	body := sb.String()
	m := setup(b, func(w http.ResponseWriter, r *http.Request) {
		wiretest.Start(w, "application/x-ndjson")
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
