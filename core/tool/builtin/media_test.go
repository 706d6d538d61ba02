package builtin

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// mTestPNG writes a w x h PNG with a red left half and a blue right half.
func mTestPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.NRGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImageProcessor(t *testing.T) {
	dir := t.TempDir()
	r := wTestRegistry(t, false, dir)
	src := filepath.Join(dir, "src.png")
	mTestPNG(t, src, 40, 20)
	m := wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "detect", "input": src}))
	if m["format"] != "png" || m["is_image"] != true {
		t.Fatalf("%v", m)
	}
	m = wMap(t, invoke(t, r, "image-processor", value.Map{"operation": "metadata", "input": src}))
	if m["width"] != int64(40) || m["height"] != int64(20) || m["aspect_ratio"] != 2.0 || m["color_model"] != "rgba" {
		t.Fatalf("%v", m)
	}
	// Convert to every writable format and read each back.
	for _, f := range []string{"png", "jpeg", "gif", "bmp", "tiff"} {
		out := filepath.Join(dir, "out."+f)
		m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "convert", "input": src, "target_path": out}))
		back := wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "metadata", "input": out}))
		if m["format"] != f || back["format"] != f || back["width"] != int64(40) || back["height"] != int64(20) {
			t.Fatalf("%s: %v %v", f, m, back)
		}
	}
	m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "resize", "input": src, "target_path": filepath.Join(dir, "r.png"), "width": int64(10)}))
	if m["width"] != int64(10) || m["height"] != int64(5) {
		t.Fatalf("resize keeps the aspect ratio: %v", m)
	}
	m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "thumbnail", "input": src, "target_path": filepath.Join(dir, "t.jpg"), "max_size": int64(8)}))
	if m["width"] != int64(8) || m["height"] != int64(4) || m["format"] != "jpeg" {
		t.Fatalf("thumbnail: %v", m)
	}
	crop := filepath.Join(dir, "c.png")
	m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "crop", "input": src, "target_path": crop, "x": int64(20), "y": int64(0), "width": int64(20), "height": int64(20)}))
	f, _ := os.Open(crop)
	ci, _ := png.Decode(f)
	f.Close()
	if m["width"] != int64(20) || ci == nil {
		t.Fatalf("crop: %v", m)
	}
	if r, _, b, _ := ci.At(5, 5).RGBA(); r != 0 || b == 0 {
		t.Fatalf("crop of the right half should be blue")
	}
	rot := filepath.Join(dir, "rot.png")
	m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "rotate", "input": src, "target_path": rot, "angle": int64(90)}))
	if m["width"] != int64(20) || m["height"] != int64(40) {
		t.Fatalf("rotate: %v", m)
	}
	f, _ = os.Open(rot)
	ri, _ := png.Decode(f)
	f.Close()
	// Clockwise: the left (red) half ends on top.
	if r, _, _, _ := ri.At(10, 2).RGBA(); r == 0 {
		t.Fatalf("rotated image: top should be red")
	}
	m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "rotate", "input": src, "target_path": rot, "angle": int64(180)}))
	if m["width"] != int64(40) {
		t.Fatalf("%v", m)
	}
	// Failures.
	txt := filepath.Join(dir, "x.txt")
	os.WriteFile(txt, []byte("not an image"), 0o644)
	if m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "detect", "input": txt})); m["is_image"] != false {
		t.Fatalf("%v", m)
	}
	wFailKind(t, invoke(t, r, "image_processor", value.Map{"operation": "metadata", "input": txt}), errs.KindTool, "not an image")
	wFailKind(t, invoke(t, r, "image_processor", value.Map{"operation": "crop", "input": src, "target_path": crop, "x": int64(30), "width": int64(20), "height": int64(5)}), errs.KindTool, "outside")
	wFailKind(t, invoke(t, r, "image_processor", value.Map{"operation": "convert", "input": src, "target_path": filepath.Join(dir, "o.webp")}), errs.KindTool, "webp")
	wFailKind(t, invoke(t, r, "image_processor", value.Map{"operation": "resize", "input": src, "target_path": crop}), errs.KindTool, "width")
	for _, p := range []value.Map{
		{"operation": "metadata", "input": "/etc/passwd"},
		{"operation": "metadata", "input": filepath.Join(dir, "..", "..", "etc", "passwd")},
		{"operation": "convert", "input": src, "target_path": "/etc/evil.png"},
	} {
		if _, err := r.Invoke(ctx, "image_processor", p); !errs.IsKind(err, errs.KindDenied) {
			t.Errorf("%v: want denied, got %v", p, err)
		}
	}
	link := filepath.Join(dir, "link.png")
	os.Symlink("/etc/hostname", link)
	if _, err := r.Invoke(ctx, "image_processor", value.Map{"operation": "metadata", "input": link}); !errs.IsKind(err, errs.KindDenied) {
		t.Errorf("symlink escape: want denied, got %v", err)
	}
	// A tiny PNG declaring a 100000 x 100000 canvas is refused before decoding.
	data, _ := os.ReadFile(src)
	binary.BigEndian.PutUint32(data[16:20], 100000)
	binary.BigEndian.PutUint32(data[20:24], 100000)
	binary.BigEndian.PutUint32(data[29:33], crc32.ChecksumIEEE(data[12:29]))
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, data, 0o644)
	if m = wMap(t, invoke(t, r, "image_processor", value.Map{"operation": "metadata", "input": bomb})); m["width"] != int64(100000) {
		t.Fatalf("%v", m)
	}
	wFailKind(t, invoke(t, r, "image_processor", value.Map{"operation": "resize", "input": bomb, "target_path": crop, "width": int64(10)}), errs.KindLimit, "pixel limit")
}

// mTestWAV builds a 16-bit PCM WAV with a sine in each channel.
func mTestWAV(channels, rate, frames int) []byte {
	chans := make([][]float64, channels)
	for c := range chans {
		chans[c] = make([]float64, frames)
		for i := range chans[c] {
			chans[c][i] = 0.5 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)+float64(c))
		}
	}
	return aEncodeWAV(chans, rate)
}

func TestAudioProcessor(t *testing.T) {
	dir := t.TempDir()
	r := wTestRegistry(t, false, dir)
	wav := filepath.Join(dir, "a.wav")
	os.WriteFile(wav, mTestWAV(2, 8000, 4000), 0o644)
	if m := wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "detect", "input": wav})); m["format"] != "wav" {
		t.Fatalf("%v", m)
	}
	m := wMap(t, invoke(t, r, "audio-processor", value.Map{"operation": "metadata", "input": wav}))
	if m["sample_rate"] != int64(8000) || m["channels"] != int64(2) || m["bits_per_sample"] != int64(16) || m["duration_seconds"] != 0.5 || m["frames"] != int64(4000) {
		t.Fatalf("%v", m)
	}
	out := filepath.Join(dir, "mono.wav")
	m = wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "convert", "input": wav, "target_path": out, "channels": int64(1), "sample_rate": int64(16000)}))
	back := wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "metadata", "input": out}))
	if m["channels"] != int64(1) || back["channels"] != int64(1) || back["sample_rate"] != int64(16000) || back["duration_seconds"] != 0.5 {
		t.Fatalf("%v %v", m, back)
	}
	st := filepath.Join(dir, "stereo.wav")
	wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "convert", "input": out, "target_path": st, "channels": int64(2)}))
	if back = wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "metadata", "input": st})); back["channels"] != int64(2) {
		t.Fatalf("%v", back)
	}
	// MP3: an ID3 tag then an MPEG-1 layer III frame header (128 kbit/s, 44.1 kHz, joint stereo).
	mp3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), 0xFF, 0xFB, 0x90, 0x44)
	mp3 = append(mp3, make([]byte, 16000-4)...)
	// FLAC: STREAMINFO, 44.1 kHz, 2 channels, 16 bits, 88200 samples.
	si := make([]byte, 34)
	rate := 44100
	si[10], si[11] = byte(rate>>12), byte(rate>>4)
	si[12] = byte(rate&0xf)<<4 | 1<<1 // channels-1 = 1, bps-1 high bit 0
	si[13] = 15 << 4                  // bps-1 = 15
	binary.BigEndian.PutUint32(si[14:18], 88200)
	flac := append([]byte("fLaC\x80\x00\x00\x22"), si...)
	// OGG Vorbis: the identification header, then a last page at granule 48000.
	vh := append([]byte("\x01vorbis"), 0, 0, 0, 0, 1, 0x80, 0xBB, 0, 0)
	ogg := append(append([]byte("OggS\x00\x02"), make([]byte, 22)...), vh...)
	last := append([]byte("OggS\x00\x04"), make([]byte, 22)...)
	binary.LittleEndian.PutUint64(last[6:14], 48000)
	ogg = append(ogg, last...)
	for name, c := range map[string]struct {
		data []byte
		want value.Map
	}{
		"a.mp3":  {mp3, value.Map{"format": "mp3", "sample_rate": int64(44100), "channels": int64(2), "bitrate_kbps": int64(128), "duration_seconds": 1.0}},
		"a.flac": {flac, value.Map{"format": "flac", "sample_rate": int64(44100), "channels": int64(2), "bits_per_sample": int64(16), "duration_seconds": 2.0}},
		"a.ogg":  {ogg, value.Map{"format": "ogg", "codec": "vorbis", "sample_rate": int64(48000), "channels": int64(1), "duration_seconds": 1.0}},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, c.data, 0o644)
		if d := wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "detect", "input": p})); d["format"] != c.want["format"] {
			t.Errorf("%s detect %v", name, d)
		}
		md := wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "metadata", "input": p}))
		for k, v := range c.want {
			if !value.Equal(md[k], v) {
				t.Errorf("%s %s = %v, want %v (%v)", name, k, md[k], v, md)
			}
		}
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		wFailKind(t, invoke(t, r, "audio_processor", value.Map{"operation": "convert", "input": filepath.Join(dir, "a.mp3"), "target_path": filepath.Join(dir, "x.wav")}), errs.KindTool, "needs ffmpeg, which is not installed")
	} else {
		wFailKind(t, invoke(t, r, "audio_processor", value.Map{"operation": "convert", "input": filepath.Join(dir, "a.mp3"), "target_path": filepath.Join(dir, "x.wav")}), errs.KindTool, "tools.executables does not allow")
	}
	bad := filepath.Join(dir, "bad.wav")
	os.WriteFile(bad, []byte("RIFF\x10\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"), 0o644)
	wFailKind(t, invoke(t, r, "audio_processor", value.Map{"operation": "metadata", "input": bad}), errs.KindTool, "truncated")
	if d := wMap(t, invoke(t, r, "audio_processor", value.Map{"operation": "detect", "input": bad})); d["format"] != "wav" {
		t.Fatalf("%v", d)
	}
	os.WriteFile(bad, []byte("hello"), 0o644)
	wFailKind(t, invoke(t, r, "audio_processor", value.Map{"operation": "metadata", "input": bad}), errs.KindTool, "not a known audio format")
	if _, err := r.Invoke(ctx, "audio_processor", value.Map{"operation": "metadata", "input": "/etc/passwd"}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("want denied, got %v", err)
	}
	if _, err := r.Invoke(ctx, "audio_processor", value.Map{"operation": "convert", "input": wav, "target_path": "/etc/x.wav"}); !errs.IsKind(err, errs.KindDenied) {
		t.Fatalf("want denied, got %v", err)
	}
}

// FuzzAudioParsers feeds arbitrary bytes to the header parsers: they must
// never panic or run past their input.
func FuzzAudioParsers(f *testing.F) {
	f.Add(mTestWAV(1, 8000, 10))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00"))
	f.Add([]byte("fLaC\x00\x00\x00\x22"))
	f.Add([]byte("OggS\x00\x02\x01vorbis\x00"))
	f.Add([]byte("ID3\x04\x00\x00\x7f\x7f\x7f\x7f\xff\xfb\x90\x44"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch aDetect(b) {
		case "wav":
			if w, err := aParseWAV("fuzz", b); err == nil && len(b) < 1<<16 {
				_, _ = aSamples("fuzz", w)
			}
		case "mp3":
			aMP3(b)
		case "flac":
			aFLAC(b)
		case "ogg":
			aOGG(b)
		}
	})
}
