package builtin

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

func sysMonTool() *tool.Tool {
	return &tool.Tool{
		Name: "system_monitor", Category: "system", Level: tool.Safe, Tags: []string{"system", "monitoring"},
		Description: "Report CPU, memory, disk and process figures (from /proc and statfs).",
		Schema: obj(value.Map{
			"operation":   enum("what to report (default all)", "all", "cpu", "memory", "disk", "process"),
			"interval_ms": fIntSchema("CPU sampling interval (default 200)", 10, 5000),
		}),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "all")
			out := value.Map{}
			if op == "all" || op == "cpu" {
				cpu, err := sysCPU(ctx, time.Duration(fInt(c, "interval_ms", 200))*time.Millisecond)
				if err != nil {
					return nil, err
				}
				out["cpu"] = cpu
			}
			if op == "all" || op == "memory" {
				out["memory"] = sysMemory()
			}
			if op == "all" || op == "disk" {
				out["disk"] = sysDisk(c)
			}
			if op == "all" || op == "process" {
				out["process"] = sysProcess()
			}
			out["timestamp"] = time.Now().UTC().Format(time.RFC3339)
			return out, nil
		},
	}
}

// cpuTimes reads the aggregate line of /proc/stat: busy and total jiffies.
func cpuTimes() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, s := range f[1:] {
		n, _ := strconv.ParseUint(s, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}

func sysCPU(ctx context.Context, interval time.Duration) (value.Map, error) {
	m := value.Map{"cores": int64(runtime.NumCPU()), "arch": runtime.GOARCH, "os": runtime.GOOS}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			l := value.List{}
			for _, s := range f[:3] {
				x, _ := strconv.ParseFloat(s, 64)
				l = append(l, x)
			}
			m["load_average"] = l
		}
	}
	b1, t1, ok := cpuTimes()
	if !ok {
		return m, nil
	}
	select {
	case <-ctx.Done():
		return nil, errs.New(errs.KindCancelled, "system_monitor: cancelled")
	case <-time.After(interval):
	}
	if b2, t2, ok := cpuTimes(); ok && t2 > t1 {
		m["usage_percent"] = float64(b2-b1) * 100 / float64(t2-t1)
	}
	return m, nil
}

func meminfo() map[string]int64 {
	out := map[string]int64{}
	fh, err := os.Open("/proc/meminfo")
	if err != nil {
		return out
	}
	defer fh.Close()
	s := bufio.NewScanner(fh)
	for s.Scan() {
		k, rest, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		out[k] = n
	}
	return out
}

func sysMemory() value.Map {
	mi := meminfo()
	total, avail := mi["MemTotal"], mi["MemAvailable"]
	m := value.Map{"total_bytes": total, "available_bytes": avail, "used_bytes": total - avail,
		"swap_total_bytes": mi["SwapTotal"], "swap_free_bytes": mi["SwapFree"]}
	if total > 0 {
		m["used_percent"] = float64(total-avail) * 100 / float64(total)
	}
	return m
}

func statfs(p string) value.Map {
	var st syscall.Statfs_t
	if err := syscall.Statfs(p, &st); err != nil {
		return value.Map{"path": p, "error": err.Error()}
	}
	bs := uint64(st.Bsize)
	total, free, avail := st.Blocks*bs, st.Bfree*bs, st.Bavail*bs
	m := value.Map{"path": p, "total_bytes": int64(total), "free_bytes": int64(free), "available_bytes": int64(avail), "used_bytes": int64(total - free)}
	if total > 0 {
		m["used_percent"] = float64(total-free) * 100 / float64(total)
	}
	return m
}

// sysDisk reports the root file system and the policy's file roots.
func sysDisk(c *tool.Call) value.List {
	out := value.List{statfs("/")}
	for _, r := range c.Policy.FileRoots {
		out = append(out, statfs(r))
	}
	return out
}

func sysProcess() value.Map {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := value.Map{"pid": int64(os.Getpid()), "goroutines": int64(runtime.NumGoroutine()), "go_heap_bytes": int64(ms.HeapAlloc)}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				f := strings.Fields(v)
				if len(f) > 0 {
					n, _ := strconv.ParseInt(f[0], 10, 64)
					m["rss_bytes"] = n * 1024
				}
			}
			if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				m["threads"] = n
			}
		}
	}
	if ents, err := os.ReadDir("/proc"); err == nil {
		n := int64(0)
		for _, e := range ents {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				n++
			}
		}
		m["system_processes"] = n
	}
	if b, err := os.ReadFile("/proc/uptime"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			up, _ := strconv.ParseFloat(f[0], 64)
			m["system_uptime_seconds"] = up
		}
	}
	return m
}
