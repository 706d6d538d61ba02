package tests

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/value"
)

// everyToolServer is the loopback HTTP server the network tools of
// every_tool.lua/js talk to; it records the webhook and email calls.
type everyToolServer struct {
	mu       sync.Mutex
	webhooks []string // body + "|" + signature header
	emails   []string // sendgrid request bodies
}

func (s *everyToolServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html><head><title>Spell Page</title>
<meta name="description" content="a page for spells"></head>
<body><h1 class="head">Hello spells</h1><p class="item">alpha</p><p class="item">beta</p>
<a href="/json">data</a><img src="/img.png" alt="pic"></body></html>`)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Spell", "yes")
		io.WriteString(w, `{"ok":true,"method":"`+r.Method+`","items":[1,2,3],"user":{"name":"ann"}}`)
	})
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.webhooks = append(s.webhooks, string(b)+"|"+r.Header.Get("X-Signature-256"))
		s.mu.Unlock()
		io.WriteString(w, `{"received":true}`)
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://example.com/a</loc></url><url><loc>http://example.com/b</loc></url></urlset>`)
	})
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if !bytes.Contains(b, []byte("hello")) {
			io.WriteString(w, `{"errors":[{"message":"expected the hello field"}]}`)
			return
		}
		io.WriteString(w, `{"data":{"hello":"world"}}`)
	})
	mux.HandleFunc("/html/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		q := r.URL.Query().Get("q")
		io.WriteString(w, `<html><body><div class="result"><a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2F`+q+`">First `+q+`</a>
<a class="result__snippet">one</a></div><div class="result"><a class="result__a" href="https://example.org/two">Second</a></div></body></html>`)
	})
	mux.HandleFunc("/v3/mail/send", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.emails = append(s.emails, r.Header.Get("Authorization")+"|"+string(b))
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}

// writeEveryToolMedia writes the small media files the spells inspect.
func writeEveryToolMedia(t *testing.T, dir string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for x := 0; x < 8; x++ {
		for y := 0; y < 4; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 30), uint8(y * 60), 100, 255})
		}
	}
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	// WAV: 16-bit PCM, stereo, 8000 Hz, 8000 frames (one second).
	const channels, rate, frames = 2, 8000, 8000
	var wb bytes.Buffer
	data := frames * channels * 2
	wb.WriteString("RIFF")
	binary.Write(&wb, binary.LittleEndian, uint32(36+data))
	wb.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate), uint32(rate * channels * 2), uint16(channels * 2), uint16(16)} {
		binary.Write(&wb, binary.LittleEndian, v)
	}
	wb.WriteString("data")
	binary.Write(&wb, binary.LittleEndian, uint32(data))
	wb.Write(make([]byte, data))
	// MP4: an ftyp box and an empty mdat box.
	var vb bytes.Buffer
	binary.Write(&vb, binary.BigEndian, uint32(24))
	vb.WriteString("ftypisom")
	binary.Write(&vb, binary.BigEndian, uint32(512))
	vb.WriteString("isomiso2")
	binary.Write(&vb, binary.BigEndian, uint32(8))
	vb.WriteString("mdat")
	for name, b := range map[string][]byte{"pic.png": pb.Bytes(), "tone.wav": wb.Bytes(), "clip.mp4": vb.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEveryTool runs tests/scripts/every_tool.lua and its JS twin: each
// calls all 34 built-in tools against a temp folder and a loopback server,
// and both must return the same JSON.
func TestEveryTool(t *testing.T) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo executable")
	}
	var enc [2]string
	for i, f := range []string{"scripts/every_tool.lua", "scripts/every_tool.js"} {
		srv := &everyToolServer{}
		ts := httptest.NewServer(srv.handler())
		t.Cleanup(ts.Close)
		dir := t.TempDir()
		writeEveryToolMedia(t, dir)
		h := newPebbleHost(t, func(cfg *config.Config) {
			cfg.Tools.AllowHosts = "127.0.0.1"
			cfg.Tools.Executables = echo
		})
		args := value.Map{"dir": dir, "base_url": ts.URL, "host_port": strings.TrimPrefix(ts.URL, "http://"), "echo": echo}
		enc[i] = runFileJSON(t, h, f, args)
		srv.mu.Lock()
		if len(srv.webhooks) != 1 || !strings.Contains(srv.webhooks[0], `"event":"cast"`) || !strings.Contains(srv.webhooks[0], "|sha256=") {
			t.Errorf("%s: webhook calls %q", f, srv.webhooks)
		}
		if len(srv.emails) != 1 || !strings.HasPrefix(srv.emails[0], "Bearer SG.test|") || !strings.Contains(srv.emails[0], "Spell report") {
			t.Errorf("%s: sendgrid calls %q", f, srv.emails)
		}
		srv.mu.Unlock()
	}
	if enc[0] != enc[1] {
		t.Fatalf("Lua and JS differ:\nlua: %s\njs:  %s", enc[0], enc[1])
	}
}
