package builtin

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// aWAV is a parsed RIFF/WAVE file.
type aWAV struct {
	Format        uint16 // 1 PCM, 3 float, 0xFFFE extensible
	Channels      int
	SampleRate    int
	BitsPerSample int
	BlockAlign    int
	Data          []byte
}

func aParseWAV(name string, b []byte) (*aWAV, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fail(name, "not a RIFF/WAVE file")
	}
	w := &aWAV{}
	haveFmt, haveData := false, false
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if size < 0 || size > len(body) {
			if id != "data" {
				return nil, fail(name, "WAV chunk %q is truncated", id)
			}
			size = len(body) // streamed files may carry a wrong data size
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, fail(name, "WAV fmt chunk is too short")
			}
			w.Format = binary.LittleEndian.Uint16(body[0:2])
			w.Channels = int(binary.LittleEndian.Uint16(body[2:4]))
			w.SampleRate = int(binary.LittleEndian.Uint32(body[4:8]))
			w.BlockAlign = int(binary.LittleEndian.Uint16(body[12:14]))
			w.BitsPerSample = int(binary.LittleEndian.Uint16(body[14:16]))
			if w.Format == 0xFFFE && size >= 26 {
				w.Format = binary.LittleEndian.Uint16(body[24:26])
			}
			haveFmt = true
		case "data":
			w.Data, haveData = body, true
		}
		p += 8 + size + size%2
	}
	if !haveFmt || !haveData {
		return nil, fail(name, "WAV file lacks a fmt or data chunk")
	}
	if w.Channels == 0 || w.SampleRate == 0 || w.BlockAlign == 0 {
		return nil, fail(name, "WAV header has zero channels, rate or block size")
	}
	return w, nil
}

// aDetect names an audio format from magic bytes.
func aDetect(b []byte) string {
	switch {
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "wav"
	case len(b) >= 4 && string(b[0:4]) == "fLaC":
		return "flac"
	case len(b) >= 4 && string(b[0:4]) == "OggS":
		return "ogg"
	case len(b) >= 3 && string(b[0:3]) == "ID3":
		return "mp3"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return "mp3"
	}
	return ""
}

var aMP3Bitrates = [2][16]int{ // kbit/s, layer III: MPEG-1, MPEG-2/2.5
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},
}
var aMP3Rates = [3][3]int{{44100, 48000, 32000}, {22050, 24000, 16000}, {11025, 12000, 8000}}

func aMP3(b []byte) value.Map {
	p := 0
	if len(b) >= 10 && string(b[0:3]) == "ID3" {
		p = 10 + int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
	}
	for ; p+4 <= len(b); p++ {
		if b[p] != 0xFF || b[p+1]&0xE0 != 0xE0 {
			continue
		}
		ver := (b[p+1] >> 3) & 3 // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
		br, sr := int(b[p+2]>>4), int(b[p+2]>>2)&3
		if ver == 1 || br == 0 || br == 15 || sr == 3 {
			continue
		}
		vi, bi := map[byte]int{3: 0, 2: 1, 0: 2}[ver], 0
		if ver != 3 {
			bi = 1
		}
		kbps, rate := aMP3Bitrates[bi][br], aMP3Rates[vi][sr]
		ch := int64(2)
		if b[p+3]>>6 == 3 {
			ch = 1
		}
		m := value.Map{"sample_rate": int64(rate), "channels": ch, "bitrate_kbps": int64(kbps)}
		m["duration_seconds"] = float64(len(b)-p) * 8 / float64(kbps*1000)
		m["duration_estimated"] = true
		return m
	}
	return value.Map{}
}

func aFLAC(b []byte) value.Map {
	if len(b) < 4+4+18 || b[4]&0x7f != 0 {
		return value.Map{}
	}
	s := b[8:]
	rate := int(s[10])<<12 | int(s[11])<<4 | int(s[12])>>4
	ch := int(s[12]>>1&7) + 1
	bps := int(s[12]&1)<<4 | int(s[13]>>4) + 1
	total := int64(s[13]&0x0f)<<32 | int64(binary.BigEndian.Uint32(s[14:18]))
	m := value.Map{"sample_rate": int64(rate), "channels": int64(ch), "bits_per_sample": int64(bps), "total_samples": total}
	if rate > 0 && total > 0 {
		m["duration_seconds"] = float64(total) / float64(rate)
	}
	return m
}

func aOGG(b []byte) value.Map {
	m := value.Map{}
	rate := 0
	if i := bytes.Index(b, []byte("\x01vorbis")); i >= 0 && i+7+9 <= len(b) {
		h := b[i+7:]
		m["codec"] = "vorbis"
		m["channels"] = int64(h[4])
		rate = int(binary.LittleEndian.Uint32(h[5:9]))
		m["sample_rate"] = int64(rate)
	} else if i := bytes.Index(b, []byte("OpusHead")); i >= 0 && i+16 <= len(b) {
		h := b[i+8:]
		m["codec"] = "opus"
		m["channels"] = int64(h[1])
		m["input_sample_rate"] = int64(binary.LittleEndian.Uint32(h[4:8]))
		m["sample_rate"], rate = int64(48000), 48000
	}
	if j := bytes.LastIndex(b, []byte("OggS")); rate > 0 && j >= 0 && j+14 <= len(b) {
		if g := binary.LittleEndian.Uint64(b[j+6 : j+14]); g > 0 && g < 1<<62 {
			m["duration_seconds"] = float64(g) / float64(rate)
		}
	}
	return m
}

// aSamples decodes PCM frames to float64 per channel in [-1, 1].
func aSamples(name string, w *aWAV) ([][]float64, error) {
	bytesPer := w.BitsPerSample / 8
	if w.Format != 1 || (bytesPer != 1 && bytesPer != 2 && bytesPer != 3 && bytesPer != 4) {
		return nil, fail(name, "only integer PCM WAV (8, 16, 24, 32 bits) converts without ffmpeg")
	}
	if w.Channels > 8 || w.BlockAlign < w.Channels*bytesPer {
		return nil, fail(name, "WAV with %d channels and %d-byte frames cannot be converted", w.Channels, w.BlockAlign)
	}
	frames := len(w.Data) / w.BlockAlign
	out := make([][]float64, w.Channels)
	for ch := range out {
		out[ch] = make([]float64, frames)
	}
	for f := 0; f < frames; f++ {
		for ch := 0; ch < w.Channels; ch++ {
			p := f*w.BlockAlign + ch*bytesPer
			if p+bytesPer > len(w.Data) {
				break
			}
			s := w.Data[p : p+bytesPer]
			var v float64
			switch bytesPer {
			case 1:
				v = (float64(s[0]) - 128) / 128
			case 2:
				v = float64(int16(binary.LittleEndian.Uint16(s))) / 32768
			case 3:
				v = float64(int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24)>>8) / 8388608
			case 4:
				v = float64(int32(binary.LittleEndian.Uint32(s))) / 2147483648
			}
			out[ch][f] = v
		}
	}
	return out, nil
}

// aEncodeWAV writes 16-bit PCM.
func aEncodeWAV(chans [][]float64, rate int) []byte {
	n := 0
	if len(chans) > 0 {
		n = len(chans[0])
	}
	data := len(chans) * n * 2
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + data))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(len(chans)))
	le(uint32(rate))
	le(uint32(rate * len(chans) * 2))
	le(uint16(len(chans) * 2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(data))
	for i := 0; i < n; i++ {
		for _, c := range chans {
			v := math.Max(-1, math.Min(1, c[i]))
			le(int16(math.Round(v * 32767)))
		}
	}
	return b.Bytes()
}

func aResample(in []float64, from, to int) []float64 {
	if from == to || len(in) == 0 {
		return in
	}
	n := int(int64(len(in)) * int64(to) / int64(from))
	out := make([]float64, n)
	for i := range out {
		pos := float64(i) * float64(from) / float64(to)
		j := int(pos)
		frac := pos - float64(j)
		a := in[min(j, len(in)-1)]
		b := in[min(j+1, len(in)-1)]
		out[i] = a + (b-a)*frac
	}
	return out
}

func audioProcessorTool() *tool.Tool {
	return &tool.Tool{
		Name: "audio_processor", Category: "media", Level: tool.Safe, Tags: []string{"media", "audio", "files"},
		Aliases:     []string{"audio-processor"},
		Description: "Detect audio formats (WAV, MP3, FLAC, OGG), read their metadata (duration, sample rate, channels) and convert WAV channels and sample rate; other conversions go through ffmpeg when it is installed and allowed.",
		Schema: obj(value.Map{
			"operation":   enum("what to do", "detect", "metadata", "convert"),
			"input":       str("source audio file"),
			"target_path": str("output file (convert)"),
			"channels":    wInt("convert: output channels (1 or 2)", 1, 2),
			"sample_rate": wInt("convert: output sample rate", 1000, 384000),
		}, "operation", "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "audio_processor"
			src := c.Str("input", "")
			data, err := mReadFile(c, name, src)
			if err != nil {
				return nil, err
			}
			format := aDetect(data)
			switch c.Str("operation", "") {
			case "detect":
				if format == "" {
					return value.Map{"is_audio": false, "format": nil}, nil
				}
				return value.Map{"is_audio": true, "format": format}, nil
			case "metadata":
				var m value.Map
				switch format {
				case "wav":
					w, err := aParseWAV(name, data)
					if err != nil {
						return nil, err
					}
					m = value.Map{"sample_rate": int64(w.SampleRate), "channels": int64(w.Channels), "bits_per_sample": int64(w.BitsPerSample),
						"audio_format": int64(w.Format), "frames": int64(len(w.Data) / w.BlockAlign),
						"duration_seconds": float64(len(w.Data)/w.BlockAlign) / float64(w.SampleRate)}
				case "mp3":
					m = aMP3(data)
				case "flac":
					m = aFLAC(data)
				case "ogg":
					m = aOGG(data)
				default:
					return nil, fail(name, "%s is not a known audio format (WAV, MP3, FLAC, OGG)", src)
				}
				m["format"], m["size_bytes"] = format, int64(len(data))
				return m, nil
			case "convert":
				target := c.Str("target_path", "")
				if target == "" {
					return nil, fail(name, "convert needs target_path")
				}
				outFmt := strings.ToLower(strings.TrimPrefix(filepath.Ext(target), "."))
				if format == "wav" && outFmt == "wav" {
					w, err := aParseWAV(name, data)
					if err != nil {
						return nil, err
					}
					chans, err := aSamples(name, w)
					if err != nil {
						return nil, err
					}
					switch want := int(wNum(c, "channels", int64(w.Channels))); {
					case want == len(chans):
					case want == 1:
						mono := make([]float64, len(chans[0]))
						for _, ch := range chans {
							for i, v := range ch {
								mono[i] += v / float64(len(chans))
							}
						}
						chans = [][]float64{mono}
					case want == 2 && len(chans) == 1:
						chans = [][]float64{chans[0], chans[0]}
					default:
						return nil, fail(name, "cannot convert %d channels to %d", len(chans), want)
					}
					rate := int(wNum(c, "sample_rate", int64(w.SampleRate)))
					for i := range chans {
						chans[i] = aResample(chans[i], w.SampleRate, rate)
					}
					real, err := mWriteFile(c, name, target, aEncodeWAV(chans, rate))
					if err != nil {
						return nil, err
					}
					frames := 0
					if len(chans) > 0 {
						frames = len(chans[0])
					}
					return value.Map{"path": real, "format": "wav", "channels": int64(len(chans)), "sample_rate": int64(rate),
						"bits_per_sample": int64(16), "duration_seconds": float64(frames) / float64(rate)}, nil
				}
				return aFFmpeg(ctx, c, name, src, target, format, outFmt)
			}
			return nil, fail(name, "unknown operation %q", c.Str("operation", ""))
		},
	}
}

// aFFmpeg converts through ffmpeg, when the policy allows it and it is
// installed; otherwise it says why not.
func aFFmpeg(ctx context.Context, c *tool.Call, name, src, target, from, to string) (value.Value, error) {
	if from == "" {
		from = "an unknown format"
	}
	path, lerr := exec.LookPath("ffmpeg")
	if lerr != nil {
		return nil, fail(name, "converting %s to %s needs ffmpeg, which is not installed (only WAV to WAV converts in pure Go)", from, to)
	}
	if err := c.Policy.CheckExecutable("ffmpeg"); err != nil {
		return nil, fail(name, "converting %s to %s needs ffmpeg, which tools.executables does not allow (only WAV to WAV converts in pure Go)", from, to)
	}
	in, err := c.Policy.CheckPath(src)
	if err != nil {
		return nil, err
	}
	out, err := c.Policy.CheckPath(target)
	if err != nil {
		return nil, err
	}
	args := []string{"-nostdin", "-y", "-loglevel", "error", "-i", in}
	if ch := wNum(c, "channels", 0); ch > 0 {
		args = append(args, "-ac", itoa(ch))
	}
	if r := wNum(c, "sample_rate", 0); r > 0 {
		args = append(args, "-ar", itoa(r))
	}
	cmd := exec.CommandContext(ctx, path, append(args, out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return nil, fail(name, "ffmpeg: %v: %s", err, strings.TrimSpace(msg))
	}
	return value.Map{"path": out, "format": to, "converter": "ffmpeg"}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
