package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const videoName = "video_processor"

func videoProcessorTool() *tool.Tool {
	return &tool.Tool{
		Name: videoName, Category: "media", Level: tool.Safe, Tags: []string{"media", "video", "files"},
		Aliases:     []string{"video-processor"},
		Description: "Detect video containers (MP4, MOV, MKV, WebM, AVI, FLV) from their magic bytes; metadata, thumbnail and extract_frame through ffprobe/ffmpeg when they are installed and allowed.",
		Schema: obj(value.Map{
			"operation":   enum("detect (default), metadata, thumbnail or extract_frame", "detect", "metadata", "thumbnail", "extract_frame"),
			"input":       str("video file (inside the allowed folders)"),
			"target_path": str("image to write (thumbnail, extract_frame; .png or .jpg)"),
			"timestamp":   value.Map{"type": "number", "description": "seconds into the video (default 0)", "minimum": int64(0), "maximum": int64(1 << 24)},
			"width":       fIntSchema("thumbnail width in pixels (default 320; height keeps the aspect ratio)", 1, 8192),
			"timeout_ms":  fIntSchema("kill ffmpeg/ffprobe after this long (default 60000)", 1, 600000),
		}, "input"),
		Fn: videoRun,
	}
}

// vDetect names the container from the first bytes of a file.
func vDetect(h []byte) (format, mimeType, brand string) {
	switch {
	case len(h) >= 12 && string(h[4:8]) == "ftyp":
		brand = strings.TrimSpace(string(h[8:12]))
		switch {
		case brand == "qt":
			return "mov", "video/quicktime", brand
		case strings.HasPrefix(brand, "3g"):
			return "3gp", "video/3gpp", brand
		case brand == "M4A" || brand == "M4B":
			return "m4a", "audio/mp4", brand
		}
		return "mp4", "video/mp4", brand
	case len(h) >= 8 && (string(h[4:8]) == "moov" || string(h[4:8]) == "mdat" || string(h[4:8]) == "wide"):
		return "mov", "video/quicktime", ""
	case len(h) >= 4 && bytes.Equal(h[:4], []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if bytes.Contains(h, []byte("webm")) {
			return "webm", "video/webm", "webm"
		}
		return "mkv", "video/x-matroska", "matroska"
	case len(h) >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "AVI ":
		return "avi", "video/x-msvideo", ""
	case len(h) >= 4 && string(h[:3]) == "FLV" && h[3] == 1:
		return "flv", "video/x-flv", ""
	}
	return "unknown", "application/octet-stream", ""
}

// vTool finds an ffmpeg tool and checks the policy allows it; the error
// names what is missing.
func vTool(c *tool.Call, prog, op string) (string, error) {
	path, err := exec.LookPath(prog)
	if err != nil {
		return "", fail(videoName, "%s needs %s, which is not installed (only detect works without it)", op, prog)
	}
	if err := c.Policy.CheckExecutable(prog); err != nil {
		return "", fail(videoName, "%s needs %s, which tools.executables does not allow (add %q; only detect works without it)", op, prog, prog)
	}
	return path, nil
}

// vExec runs prog with a timeout and returns its output.
func vExec(ctx context.Context, c *tool.Call, path, prog string, args ...string) ([]byte, error) {
	timeout := time.Duration(fInt(c, "timeout_ms", 60000)) * time.Millisecond
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	out, errb := &capBuffer{max: 4 << 20}, &capBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, errb
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, errs.New(errs.KindTimeout, "%s: %s did not finish within %s", videoName, prog, timeout)
	}
	if err != nil {
		msg := strings.TrimSpace(errb.buf.String())
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return nil, fail(videoName, "%s: %v: %s", prog, err, msg)
	}
	return out.buf.Bytes(), nil
}

func videoRun(ctx context.Context, c *tool.Call) (value.Value, error) {
	op := c.Str("operation", "detect")
	src, err := c.Policy.CheckPath(c.Str("input", ""))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, fail(videoName, "open %s: %v", c.Str("input", ""), err)
	}
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	st, serr := f.Stat()
	f.Close()
	if serr == nil && st.IsDir() {
		return nil, fail(videoName, "%s is a folder", c.Str("input", ""))
	}
	format, mimeType, brand := vDetect(head[:n])
	switch op {
	case "detect":
		res := value.Map{"path": src, "format": format, "mime_type": mimeType, "is_video": format != "unknown" && format != "m4a"}
		if brand != "" {
			res["brand"] = brand
		}
		if serr == nil {
			res["size"] = st.Size()
		}
		return res, nil
	case "metadata":
		path, err := vTool(c, "ffprobe", "metadata")
		if err != nil {
			return nil, err
		}
		out, err := vExec(ctx, c, path, "ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", src)
		if err != nil {
			return nil, err
		}
		return vMetadata(out, format)
	case "thumbnail", "extract_frame":
		path, err := vTool(c, "ffmpeg", op)
		if err != nil {
			return nil, err
		}
		target := c.Str("target_path", "")
		if target == "" {
			return nil, errs.New(errs.KindInvalidArgument, "%s: %s needs target_path", videoName, op).With("field", "target_path")
		}
		dst, err := c.Policy.CheckPath(target)
		if err != nil {
			return nil, err
		}
		ts := 0.0
		if v, ok := c.Params["timestamp"]; ok {
			switch t := v.(type) {
			case int64:
				ts = float64(t)
			case float64:
				ts = t
			}
		}
		args := []string{"-nostdin", "-y", "-loglevel", "error", "-ss", strconv.FormatFloat(ts, 'f', 3, 64), "-i", src, "-frames:v", "1"}
		if op == "thumbnail" {
			args = append(args, "-vf", "scale="+strconv.FormatInt(fInt(c, "width", 320), 10)+":-2")
		}
		// ffmpeg exits 0 without writing when the timestamp is past the end;
		// drop an earlier image so it is not reported as the new frame
		if fi, err := os.Lstat(dst); err == nil && fi.Mode().IsRegular() {
			_ = os.Remove(dst)
		}
		if _, err := vExec(ctx, c, path, "ffmpeg", append(args, dst)...); err != nil {
			return nil, err
		}
		info, err := os.Stat(dst)
		if err != nil || info.Size() == 0 {
			return nil, fail(videoName, "ffmpeg wrote no frame at %.3f s (past the end?)", ts)
		}
		return value.Map{"path": dst, "timestamp": ts, "size": info.Size(), "source_format": format}, nil
	}
	return nil, fail(videoName, "unknown operation %q", op)
}

// vMetadata picks the useful fields out of ffprobe's JSON.
func vMetadata(out []byte, format string) (value.Value, error) {
	var probe struct {
		Format struct {
			FormatName string `json:"format_name"`
			Duration   string `json:"duration"`
			BitRate    string `json:"bit_rate"`
			Size       string `json:"size"`
		} `json:"format"`
		Streams []struct {
			CodecType    string `json:"codec_type"`
			CodecName    string `json:"codec_name"`
			Width        int64  `json:"width"`
			Height       int64  `json:"height"`
			AvgFrameRate string `json:"avg_frame_rate"`
			SampleRate   string `json:"sample_rate"`
			Channels     int64  `json:"channels"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		return nil, fail(videoName, "ffprobe output: %v", err)
	}
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	res := value.Map{"format": format, "container": probe.Format.FormatName, "duration_seconds": num(probe.Format.Duration),
		"bit_rate": int64(num(probe.Format.BitRate)), "size": int64(num(probe.Format.Size))}
	streams := value.List{}
	for _, s := range probe.Streams {
		sm := value.Map{"type": s.CodecType, "codec": s.CodecName}
		switch s.CodecType {
		case "video":
			sm["width"], sm["height"] = s.Width, s.Height
			fps := 0.0
			if a, b, ok := strings.Cut(s.AvgFrameRate, "/"); ok && num(b) != 0 {
				fps = num(a) / num(b)
			}
			sm["fps"] = fps
			if _, ok := res["width"]; !ok {
				res["width"], res["height"], res["video_codec"], res["fps"] = s.Width, s.Height, s.CodecName, fps
			}
		case "audio":
			sm["sample_rate"], sm["channels"] = int64(num(s.SampleRate)), s.Channels
			if _, ok := res["audio_codec"]; !ok {
				res["audio_codec"] = s.CodecName
			}
		}
		streams = append(streams, sm)
	}
	res["streams"] = streams
	return res, nil
}
