package builtin

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
	_ "golang.org/x/image/webp" // registers the WebP decoder (read only)

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// Images larger than this many pixels are refused before decoding (a small
// file can declare a huge canvas).
const mMaxPixels = 50_000_000

// mFormatOf names an image format from a file extension.
func mFormatOf(path string) string {
	switch strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")) {
	case "png":
		return "png"
	case "jpg", "jpeg":
		return "jpeg"
	case "gif":
		return "gif"
	case "bmp":
		return "bmp"
	case "tif", "tiff":
		return "tiff"
	case "webp":
		return "webp"
	}
	return ""
}

// mReadFile reads a media file under the policy, up to the output cap.
func mReadFile(c *tool.Call, name, path string) ([]byte, error) {
	if path == "" {
		return nil, fail(name, "give input (a file path)")
	}
	real, err := c.Policy.CheckPath(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, fail(name, "open %s: %v", path, err)
	}
	defer f.Close()
	max := int64(256 << 20)
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fail(name, "read %s: %v", path, err)
	}
	if int64(len(data)) > max {
		return nil, errs.New(errs.KindLimit, "%s: %s is larger than %d bytes", name, path, max)
	}
	return data, nil
}

// mWriteFile writes an output file under the policy.
func mWriteFile(c *tool.Call, name, path string, data []byte) (string, error) {
	if path == "" {
		return "", fail(name, "give target_path")
	}
	real, err := c.Policy.CheckPath(path)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(real, data, 0o644); err != nil {
		return "", fail(name, "write %s: %v", path, err)
	}
	return real, nil
}

func mEncode(name string, img image.Image, format string, quality int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	case "tiff":
		err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate})
	case "webp":
		return nil, fail(name, "webp can be read but not written (png, jpeg, gif, bmp, tiff)")
	default:
		return nil, fail(name, "unknown output format %q (png, jpeg, gif, bmp, tiff)", format)
	}
	if err != nil {
		return nil, fail(name, "encode %s: %v", format, err)
	}
	return buf.Bytes(), nil
}

func mScale(img image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Over, nil)
	return dst
}

func mRotate(img image.Image, deg int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var dst *image.RGBA
	if deg == 180 {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y))
			switch deg {
			case 90: // clockwise
				dst.Set(h-1-y, x, c)
			case 180:
				dst.Set(w-1-x, h-1-y, c)
			case 270:
				dst.Set(y, w-1-x, c)
			}
		}
	}
	return dst
}

func imageProcessorTool() *tool.Tool {
	return &tool.Tool{
		Name: "image_processor", Category: "media", Level: tool.Safe, Tags: []string{"media", "image", "files"},
		Aliases:     []string{"image-processor"},
		Description: "Detect, describe, resize, convert (png, jpeg, gif, bmp, tiff; webp read), crop, rotate and thumbnail images (files inside the allowed folders).",
		Schema: obj(value.Map{
			"operation":   enum("what to do", "detect", "metadata", "resize", "convert", "crop", "rotate", "thumbnail"),
			"input":       str("source image file"),
			"target_path": str("output file (resize, convert, crop, rotate, thumbnail)"),
			"format":      enum("output format (default: from target_path's extension, else the source's)", "png", "jpeg", "gif", "bmp", "tiff"),
			"width":       wInt("width in pixels (resize, crop)", 1, 20000),
			"height":      wInt("height in pixels (resize, crop)", 1, 20000),
			"x":           wInt("crop left edge", 0, 100000),
			"y":           wInt("crop top edge", 0, 100000),
			"angle":       value.Map{"type": "integer", "description": "rotation clockwise", "enum": value.List{int64(90), int64(180), int64(270), int64(-90)}},
			"max_size":    wInt("thumbnail: longest side (default 128)", 1, 4096),
			"quality":     wInt("jpeg quality (default 90)", 1, 100),
		}, "operation", "input"),
		Fn: func(_ context.Context, c *tool.Call) (value.Value, error) {
			const name = "image_processor"
			op := c.Str("operation", "")
			src := c.Str("input", "")
			data, err := mReadFile(c, name, src)
			if err != nil {
				return nil, err
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				if op == "detect" {
					return value.Map{"is_image": false, "format": nil}, nil
				}
				return nil, fail(name, "%s is not an image in a known format (png, jpeg, gif, bmp, tiff, webp): %v", src, err)
			}
			info := value.Map{"is_image": true, "format": format, "width": int64(cfg.Width), "height": int64(cfg.Height)}
			if op == "detect" {
				return info, nil
			}
			if op == "metadata" {
				info["size_bytes"] = int64(len(data))
				info["aspect_ratio"] = float64(cfg.Width) / float64(max(cfg.Height, 1))
				info["color_model"] = mColorModel(cfg.ColorModel)
				return info, nil
			}
			if int64(cfg.Width)*int64(cfg.Height) > mMaxPixels {
				return nil, errs.New(errs.KindLimit, "%s: %s is %dx%d, over the %d-pixel limit", name, src, cfg.Width, cfg.Height, mMaxPixels)
			}
			img, _, err := image.Decode(bytes.NewReader(data))
			if err != nil {
				return nil, fail(name, "decode %s: %v", src, err)
			}
			b := img.Bounds()
			w, h := int(wNum(c, "width", 0)), int(wNum(c, "height", 0))
			switch op {
			case "resize":
				if w == 0 && h == 0 {
					return nil, fail(name, "resize needs width and/or height")
				}
				if w == 0 {
					w = max(1, b.Dx()*h/b.Dy())
				}
				if h == 0 {
					h = max(1, b.Dy()*w/b.Dx())
				}
				img = mScale(img, w, h)
			case "thumbnail":
				m := int(wNum(c, "max_size", 128))
				if b.Dx() > m || b.Dy() > m {
					if b.Dx() >= b.Dy() {
						img = mScale(img, m, max(1, b.Dy()*m/b.Dx()))
					} else {
						img = mScale(img, max(1, b.Dx()*m/b.Dy()), m)
					}
				}
			case "crop":
				x, y := int(wNum(c, "x", 0)), int(wNum(c, "y", 0))
				if w == 0 || h == 0 {
					return nil, fail(name, "crop needs width and height")
				}
				r := image.Rect(b.Min.X+x, b.Min.Y+y, b.Min.X+x+w, b.Min.Y+y+h)
				if !r.In(b) {
					return nil, fail(name, "crop %dx%d at (%d,%d) is outside the %dx%d image", w, h, x, y, b.Dx(), b.Dy())
				}
				dst := image.NewRGBA(image.Rect(0, 0, w, h))
				draw.Draw(dst, dst.Bounds(), img, r.Min, draw.Src)
				img = dst
			case "rotate":
				a := int(wNum(c, "angle", 90))
				if a == -90 {
					a = 270
				}
				img = mRotate(img, a)
			case "convert":
			default:
				return nil, fail(name, "unknown operation %q", op)
			}
			target := c.Str("target_path", "")
			outFmt := c.Str("format", mFormatOf(target))
			if outFmt == "" {
				outFmt = format
			}
			enc, err := mEncode(name, img, outFmt, int(wNum(c, "quality", 90)))
			if err != nil {
				return nil, err
			}
			real, err := mWriteFile(c, name, target, enc)
			if err != nil {
				return nil, err
			}
			nb := img.Bounds()
			return value.Map{"path": real, "format": outFmt, "width": int64(nb.Dx()), "height": int64(nb.Dy()), "size_bytes": int64(len(enc)),
				"source": value.Map{"format": format, "width": int64(cfg.Width), "height": int64(cfg.Height)}}, nil
		},
	}
}

func mColorModel(m color.Model) string {
	switch m {
	case color.RGBAModel:
		return "rgba"
	case color.RGBA64Model:
		return "rgba64"
	case color.NRGBAModel:
		return "nrgba"
	case color.NRGBA64Model:
		return "nrgba64"
	case color.GrayModel:
		return "gray"
	case color.Gray16Model:
		return "gray16"
	case color.YCbCrModel:
		return "ycbcr"
	case color.CMYKModel:
		return "cmyk"
	}
	if _, ok := m.(color.Palette); ok {
		return "paletted"
	}
	return "other"
}
