// Command report runs every benchmark of llmspell-go and prints one table:
// each figure, the matching figure of the Rust LLMSpell system where there
// is one, and the ratio reference / ours (above 1 means llmspell-go is
// better). It is what `make bench` runs, from the repository root, after
// `make lib cli`.
//
// It runs, one after the other: the Go benchmarks of ./bench, the C ABI
// benchmark bench/c/ping.c, the Python, Node and Rust binding benchmarks,
// the CLI's peak RSS, and the stripped sizes of the library and the CLI. A
// step that cannot run (a missing tool or script) shows "n/a" with the
// reason and does not stop the others.
//
// The table and the raw figures are written to bench/results/latest.md and
// bench/results/latest.json (that folder is not committed).
//
// Usage: go run ./bench/cmd/report [-benchtime 300ms] [-count 3] [-skip go,c,python,node,rust,cli,size]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

// options are the command-line flags.
type options struct {
	benchtime string
	count     int
	skip      map[string]bool
	out       string
}

func run() int {
	var o options
	var skip string
	flag.StringVar(&o.benchtime, "benchtime", "300ms", "go test -benchtime for the Go benchmarks")
	flag.IntVar(&o.count, "count", 3, "go test -count; the best (lowest ns/op) run is kept")
	flag.StringVar(&skip, "skip", "", "comma-separated steps to skip: go,c,python,node,rust,cli,size")
	flag.StringVar(&o.out, "out", "bench/results", "folder for latest.md and latest.json")
	flag.Parse()
	o.skip = map[string]bool{}
	for _, s := range strings.Split(skip, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.skip[s] = true
		}
	}
	if _, err := os.Stat("go.mod"); err != nil {
		fmt.Fprintln(os.Stderr, "report: run from the repository root (make bench)")
		return 2
	}

	r := &report{Machine: describeMachine(), Started: time.Now().UTC()}
	steps := []struct {
		name string
		fn   func(*report, *options) error
	}{
		{"go", runGo},
		{"c", runC},
		{"python", runPython},
		{"node", runNode},
		{"rust", runRust},
		{"cli", runCLI},
		{"size", runSize},
	}
	for _, s := range steps {
		if o.skip[s.name] {
			r.fail(s.name, "skipped (-skip)")
			continue
		}
		t0 := time.Now()
		progress("== %s", s.name)
		if err := s.fn(r, &o); err != nil {
			r.fail(s.name, err.Error())
			progress("   %s: n/a: %v", s.name, err)
		}
		progress("   %s done in %.1fs", s.name, time.Since(t0).Seconds())
	}
	r.Elapsed = time.Since(r.Started).Round(time.Second).String()

	md := r.markdown()
	fmt.Print(md)
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	raw, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(o.out, "latest.md"), []byte(md), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(o.out, "latest.json"), append(raw, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		return 1
	}
	progress("wrote %s and %s", filepath.Join(o.out, "latest.md"), filepath.Join(o.out, "latest.json"))
	return 0
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// report collects every raw figure; it is also the JSON written to
// latest.json.
type report struct {
	Machine  machine            `json:"machine"`
	Started  time.Time          `json:"started"`
	Elapsed  string             `json:"elapsed"`
	Go       map[string]goBench `json:"go_benchmarks,omitempty"`
	C        map[string]any     `json:"c,omitempty"`
	Python   map[string]any     `json:"python,omitempty"`
	Node     map[string]any     `json:"node,omitempty"`
	Rust     map[string]any     `json:"rust,omitempty"`
	CLI      map[string]float64 `json:"cli,omitempty"`
	Size     map[string]int64   `json:"size_bytes,omitempty"`
	Failures map[string]string  `json:"failures,omitempty"`
}

func (r *report) fail(step, why string) {
	if r.Failures == nil {
		r.Failures = map[string]string{}
	}
	r.Failures[step] = why
}

// machine names the machine the figures come from.
type machine struct {
	CPU      string  `json:"cpu"`
	Cores    int     `json:"cores"`
	OS       string  `json:"os"`
	Kernel   string  `json:"kernel"`
	Go       string  `json:"go"`
	MemoryGB float64 `json:"memory_gb"`
	LoadAvg  string  `json:"load_average_at_start"`
}

func describeMachine() machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = utsString(u.Release[:])
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					kb, _ := strconv.ParseFloat(f[1], 64)
					m.MemoryGB = math.Round(kb/1024/1024*10) / 10
				}
			}
		}
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(data))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

func utsString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// command runs name args in dir with a timeout and returns stdout; on
// failure the error carries the last line of stderr.
func command(timeout time.Duration, dir string, env []string, name string, args ...string) ([]byte, *os.ProcessState, error) {
	if _, err := exec.LookPath(name); err != nil && !strings.Contains(name, "/") {
		return nil, nil, fmt.Errorf("%s not installed", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return stdout.Bytes(), cmd.ProcessState, fmt.Errorf("%s timed out after %s", name, timeout)
	}
	if err != nil {
		return stdout.Bytes(), cmd.ProcessState, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	return stdout.Bytes(), cmd.ProcessState, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			if len(l) > 200 {
				l = l[:200] + "…"
			}
			return l
		}
	}
	return "(no message)"
}

// lastJSON decodes the last line of out that is a JSON object.
func lastJSON(out []byte) (map[string]any, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "{") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				return nil, fmt.Errorf("bad JSON output: %v", err)
			}
			return m, nil
		}
	}
	return nil, errors.New("no JSON object in the output")
}

// --- Go benchmarks ---------------------------------------------------------

// goBench is one Go benchmark: the best of -count runs.
type goBench struct {
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	Runs        int     `json:"runs"`
	// Metrics are the b.ReportMetric figures by unit (tokens/s, B/agent).
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// metricPair matches "<number> <unit>" in a result line.
var metricPair = regexp.MustCompile(`\s([\d.]+) (\S+)`)

// metrics returns a result line's custom metrics.
func metrics(line string) map[string]float64 {
	var out map[string]float64
	for _, m := range metricPair.FindAllStringSubmatch(line, -1) {
		switch m[2] {
		case "ns/op", "B/op", "allocs/op", "MB/s":
			continue
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		if out == nil {
			out = map[string]float64{}
		}
		out[m[2]] = v
	}
	return out
}

// benchLine matches a result line; the name drops the GOMAXPROCS suffix
// and the #NN that go test gives a repeated sub-benchmark name. B/op and
// allocs/op come after any b.ReportMetric figures, so they are matched on
// their own.
var (
	benchLine  = regexp.MustCompile(`^(Benchmark\S+?)(?:#\d+)?(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)
	bytesPerOp = regexp.MustCompile(`\s([\d.]+) B/op`)
	allocsPer  = regexp.MustCompile(`\s([\d.]+) allocs/op`)
)

func runGo(r *report, o *options) error {
	out, _, err := command(10*time.Minute, ".", nil, "go", "test", "-run", "^$", "-bench", ".", "-timeout", "15m",
		"-benchmem", "-benchtime", o.benchtime, "-count", strconv.Itoa(o.count), "./bench/")
	if err != nil {
		return fmt.Errorf("%v\n%s", err, lastLine(string(out)))
	}
	r.Go = map[string]goBench{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		var by, al float64
		if x := bytesPerOp.FindStringSubmatch(sc.Text()); x != nil {
			by, _ = strconv.ParseFloat(x[1], 64)
		}
		if x := allocsPer.FindStringSubmatch(sc.Text()); x != nil {
			al, _ = strconv.ParseFloat(x[1], 64)
		}
		prev, seen := r.Go[m[1]]
		b := goBench{NsPerOp: ns, BytesPerOp: by, AllocsPerOp: al, Runs: prev.Runs + 1, Metrics: metrics(sc.Text())}
		if seen && prev.NsPerOp <= ns {
			b = prev
			b.Runs++
		}
		r.Go[m[1]] = b
	}
	if len(r.Go) == 0 {
		return errors.New("go test printed no benchmark lines")
	}
	return nil
}

// --- C ABI -----------------------------------------------------------------

func runC(r *report, _ *options) error {
	if _, err := os.Stat("build/lib/libllmspell.so"); err != nil {
		return errors.New("build/lib/libllmspell.so missing (make lib)")
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	lib, _ := filepath.Abs("build/lib")
	if err := os.MkdirAll("build/bench", 0o755); err != nil {
		return err
	}
	if _, _, err := command(2*time.Minute, ".", nil, cc, "-O2", "-Wall", "-Ibuild/include", "bench/c/ping.c",
		"-Lbuild/lib", "-lllmspell", "-Wl,-rpath,"+lib, "-o", "build/bench/ping"); err != nil {
		return err
	}
	url, stop, err := loopbackOpenAI()
	if err != nil {
		return err
	}
	defer stop()
	out, _, err := command(3*time.Minute, ".", []string{"LLMSPELL_BENCH_OPENAI_URL=" + url}, "./build/bench/ping")
	if err != nil {
		return err
	}
	r.C, err = lastJSON(out)
	return err
}

// --- bindings --------------------------------------------------------------

func runPython(r *report, _ *options) error {
	script := "bindings/python/bench_ping.py"
	if _, err := os.Stat(script); err != nil {
		return errors.New(script + " missing")
	}
	out, _, err := command(3*time.Minute, ".", nil, "python3", script, "--n", "100000", "--runs", "2000")
	if err != nil {
		return err
	}
	r.Python, err = lastJSON(out)
	return err
}

func runNode(r *report, _ *options) error {
	dir := "bindings/node"
	for _, f := range []string{"bench/ping.js", "scripts/build.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("%s missing", filepath.Join(dir, f))
		}
	}
	if _, _, err := command(3*time.Minute, dir, nil, "node", "scripts/build.js", "--if-needed"); err != nil {
		return fmt.Errorf("building the addon: %v", err)
	}
	out, _, err := command(4*time.Minute, dir, []string{"BENCH_N=0.5"}, "node", "bench/ping.js")
	if err != nil {
		return err
	}
	r.Node, err = lastJSON(out)
	return err
}

func runRust(r *report, _ *options) error {
	dir := "bindings/rust"
	if _, err := os.Stat(filepath.Join(dir, "llmspell/examples/ping.rs")); err != nil {
		return errors.New("bindings/rust/llmspell/examples/ping.rs missing")
	}
	lib, _ := filepath.Abs("build/lib")
	out, _, err := command(5*time.Minute, dir, []string{"LLMSPELL_LIB_DIR=" + lib},
		"cargo", "run", "--quiet", "--release", "-j", "2", "--example", "ping")
	if err != nil {
		return err
	}
	r.Rust, err = lastJSON(out)
	return err
}

// --- CLI and sizes ---------------------------------------------------------

// runCLI runs `llmspell exec` a few times and keeps the median peak RSS
// (ru_maxrss) and the best wall time.
func runCLI(r *report, _ *options) error {
	bin := "./build/bin/llmspell"
	if _, err := os.Stat(bin); err != nil {
		return errors.New("build/bin/llmspell missing (make cli)")
	}
	r.CLI = map[string]float64{}
	for _, c := range []struct{ key, lang, src string }{
		{"lua", "lua", "return 1"},
		{"js", "js", "return 1"},
	} {
		var rss []float64
		best := math.Inf(1)
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			_, st, err := command(time.Minute, ".", nil, bin, "exec", "--engine", c.lang, c.src)
			if err != nil {
				return err
			}
			best = math.Min(best, float64(time.Since(t0).Microseconds())/1000)
			if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
				rss = append(rss, float64(ru.Maxrss)) // kB on Linux
			}
		}
		sort.Float64s(rss)
		if len(rss) > 0 {
			r.CLI["exec_"+c.key+"_maxrss_kb"] = rss[len(rss)/2]
		}
		r.CLI["exec_"+c.key+"_wall_ms"] = math.Round(best*10) / 10
	}
	return nil
}

func runSize(r *report, _ *options) error {
	r.Size = map[string]int64{}
	tmp, err := os.MkdirTemp("", "llmspell-size")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var problems []string
	for _, f := range []struct{ key, path string }{
		{"lib", "build/lib/libllmspell.so.0.1.0"},
		{"cli", "build/bin/llmspell"},
	} {
		path := f.path
		if f.key == "lib" { // follow the symlinks: the version may change
			if p, err := filepath.EvalSymlinks("build/lib/libllmspell.so"); err == nil {
				path = p
			}
		}
		st, err := os.Stat(path)
		if err != nil {
			problems = append(problems, path+" missing")
			continue
		}
		r.Size[f.key] = st.Size()
		cp := filepath.Join(tmp, f.key)
		if err := copyFile(path, cp); err != nil {
			return err
		}
		if _, _, err := command(time.Minute, ".", nil, "strip", cp); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if st, err := os.Stat(cp); err == nil {
			r.Size[f.key+"_stripped"] = st.Size()
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
