package builtin

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// TestVideoProcessorRealFFmpeg runs metadata, thumbnail and extract_frame
// against the real ffmpeg/ffprobe on a video it generates. It skips where
// they are not installed, except in CI, where .ci/run installs them and a
// skip would hide an untested path.
func TestVideoProcessorRealFFmpeg(t *testing.T) {
	for _, prog := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(prog); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on PATH in CI (.ci/run should install the ffmpeg package): %v", prog, err)
			}
			t.Skipf("%s is not on PATH; install ffmpeg to run the real video_processor operations", prog)
		}
	}
	dir := t.TempDir()
	mp4 := filepath.Join(dir, "clip.mp4")
	gen := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=5",
		"-pix_fmt", "yuv420p", mp4)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generating the test video: %v: %s", err, out)
	}
	p := tool.DefaultPolicy()
	p.FileRoots = []string{dir}
	p.Executables = []string{"ffmpeg", "ffprobe"}
	r := evRegistry(t, p)

	m := wMap(t, invoke(t, r, "video_processor", value.Map{"operation": "metadata", "input": mp4}))
	if m["format"] != "mp4" || m["width"] != int64(64) || m["height"] != int64(48) {
		t.Fatalf("metadata: %v", m)
	}
	if c, _ := m["video_codec"].(string); c == "" {
		t.Fatalf("metadata: no video codec: %v", m)
	}
	if d, _ := m["duration_seconds"].(float64); d < 0.8 || d > 1.3 {
		t.Fatalf("metadata: duration %v", m["duration_seconds"])
	}
	if fps, _ := m["fps"].(float64); fps < 4.9 || fps > 5.1 {
		t.Fatalf("metadata: fps %v", m["fps"])
	}
	if s, _ := m["streams"].(value.List); len(s) != 1 {
		t.Fatalf("metadata: streams %v", m["streams"])
	}

	pngSize := func(path string) (int, int) {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b := img.Bounds()
		return b.Dx(), b.Dy()
	}

	// thumbnail scales to width, keeping the aspect ratio
	thumb := filepath.Join(dir, "thumb.png")
	m = wMap(t, invoke(t, r, "video_processor", value.Map{"operation": "thumbnail", "input": mp4, "target_path": thumb, "width": int64(32)}))
	if m["path"] != thumb || m["source_format"] != "mp4" {
		t.Fatalf("thumbnail: %v", m)
	}
	if w, h := pngSize(thumb); w != 32 || h != 24 {
		t.Fatalf("thumbnail is %dx%d, want 32x24", w, h)
	}

	// extract_frame keeps the full size
	frame := filepath.Join(dir, "frame.png")
	m = wMap(t, invoke(t, r, "video_processor", value.Map{"operation": "extract_frame", "input": mp4, "target_path": frame, "timestamp": 0.4}))
	if m["path"] != frame || m["timestamp"] != 0.4 {
		t.Fatalf("extract_frame: %v", m)
	}
	if w, h := pngSize(frame); w != 64 || h != 48 {
		t.Fatalf("frame is %dx%d, want 64x48", w, h)
	}

	// past the end: ffmpeg writes nothing, which is an error, and an
	// earlier image at the target is not reported as the new frame
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"operation": "extract_frame", "input": mp4, "target_path": frame, "timestamp": int64(30)}),
		errs.KindTool, "wrote no frame")

	// a target outside the roots is denied and nothing is written there
	outside := filepath.Join(t.TempDir(), "x.png")
	for _, op := range []string{"thumbnail", "extract_frame"} {
		if _, err := r.Invoke(ctx, "video_processor", value.Map{"operation": op, "input": mp4, "target_path": outside}); !errs.IsKind(err, errs.KindDenied) {
			t.Fatalf("%s outside the roots: want denied, got %v", op, err)
		}
		if _, err := os.Stat(outside); !os.IsNotExist(err) {
			t.Fatalf("%s outside the roots wrote %s", op, outside)
		}
	}

	// a file that is not a video is a tool error carrying ffprobe's message
	junk := filepath.Join(dir, "junk.mp4")
	if err := os.WriteFile(junk, []byte("not a video at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	wFailKind(t, invoke(t, r, "video_processor", value.Map{"operation": "metadata", "input": junk}), errs.KindTool, "ffprobe")
}
