package builtin

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const watchMaxFiles = 20000

type watchStat struct {
	size  int64
	mtime time.Time
	dir   bool
}

func watcherTool() *tool.Tool {
	return &tool.Tool{
		Name: "file_watcher", Category: "filesystem", Level: tool.Restricted, Tags: []string{"files", "monitoring"},
		Description: "Watch files and folders for changes (by polling) and return the created, modified and deleted paths.",
		Schema: obj(value.Map{
			"operation":   enum("watch (default) or config", "watch", "config"),
			"input":       fListSchema("paths to watch (inside the allowed folders)"),
			"pattern":     str("only names matching this glob, e.g. *.go"),
			"recursive":   boolean("watch sub-folders (default true)"),
			"debounce_ms": fIntSchema("return once no new change came for this long (default 200)", 0, 60000),
			"timeout_ms":  fIntSchema("return after this long even without changes (default 5000)", 1, 600000),
			"max_events":  fIntSchema("return after this many events (default 100)", 1, 10000),
			"poll_ms":     fIntSchema("polling interval (default 50)", 5, 10000),
		}),
		Fn: watchRun,
	}
}

func watchSnapshot(paths []string, pattern string, recursive bool) map[string]watchStat {
	snap := map[string]watchStat{}
	add := func(p string, info fs.FileInfo) {
		if pattern != "" && !info.IsDir() {
			if ok, _ := filepath.Match(pattern, filepath.Base(p)); !ok {
				return
			}
		}
		snap[p] = watchStat{size: info.Size(), mtime: info.ModTime(), dir: info.IsDir()}
	}
	for _, root := range paths {
		info, err := os.Lstat(root)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			add(root, info)
			continue
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || len(snap) >= watchMaxFiles {
				return nil
			}
			if p == root {
				return nil
			}
			if d.IsDir() && !recursive && filepath.Dir(p) != root {
				return fs.SkipDir
			}
			if !recursive && filepath.Dir(p) != root {
				return nil
			}
			if info, err := d.Info(); err == nil {
				add(p, info) // symlinks are seen as entries, never followed
			}
			return nil
		})
	}
	return snap
}

func watchRun(ctx context.Context, c *tool.Call) (value.Value, error) {
	const name = "file_watcher"
	debounce := time.Duration(fInt(c, "debounce_ms", 200)) * time.Millisecond
	timeout := time.Duration(fInt(c, "timeout_ms", 5000)) * time.Millisecond
	maxEvents := int(fInt(c, "max_events", 100))
	poll := time.Duration(fInt(c, "poll_ms", 50)) * time.Millisecond
	if c.Str("operation", "watch") == "config" {
		return value.Map{"mode": "polling", "debounce_ms": debounce.Milliseconds(), "timeout_ms": timeout.Milliseconds(),
			"max_events": int64(maxEvents), "poll_ms": poll.Milliseconds(), "max_files": int64(watchMaxFiles)}, nil
	}
	inputs := fStrs(c, "input")
	if len(inputs) == 0 {
		return nil, errs.New(errs.KindInvalidArgument, "%s: watch needs input (paths)", name)
	}
	var paths []string
	for _, in := range inputs {
		real, err := c.Policy.CheckPath(in)
		if err != nil {
			return nil, err
		}
		paths = append(paths, real)
	}
	pattern := c.Str("pattern", "")
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, fail(name, "invalid pattern %q: %v", pattern, err)
	}
	recursive := fBool(c, "recursive", true)
	prev := watchSnapshot(paths, pattern, recursive)
	var burst watchBurst
	start := time.Now()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var last time.Time
	timedOut := false
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline.C:
			timedOut = true
			break loop
		case <-tick.C:
		}
		cur := watchSnapshot(paths, pattern, recursive)
		now := time.Now()
		var batch []value.Map
		for p, st := range cur {
			old, ok := prev[p]
			switch {
			case !ok:
				batch = append(batch, value.Map{"path": p, "kind": "created", "is_dir": st.dir})
			case !st.dir && (old.size != st.size || !old.mtime.Equal(st.mtime)):
				batch = append(batch, value.Map{"path": p, "kind": "modified", "is_dir": false})
			}
		}
		for p, st := range prev {
			if _, ok := cur[p]; !ok {
				batch = append(batch, value.Map{"path": p, "kind": "deleted", "is_dir": st.dir})
			}
		}
		sort.Slice(batch, func(i, j int) bool { return batch[i]["path"].(string) < batch[j]["path"].(string) })
		for _, e := range batch {
			e["elapsed_ms"] = now.Sub(start).Milliseconds()
			if burst.merge(e) >= maxEvents {
				break loop
			}
		}
		if len(batch) > 0 {
			last = now
		}
		prev = cur
		if !last.IsZero() && now.Sub(last) >= debounce {
			break loop
		}
	}
	events := burst.list()
	return value.Map{"events": events, "count": int64(len(events)), "timed_out": timedOut && len(events) == 0,
		"watched": int64(len(prev)), "duration_ms": time.Since(start).Milliseconds()}, nil
}

// watchBurst collects one burst of changes with at most one event per path.
// Polling sees a single write as several steps (a new file shows up empty,
// then grows), so the steps are folded into the net change a caller cares
// about: created then modified is still created, created then deleted is
// nothing, modified then deleted is deleted, deleted then created is modified.
type watchBurst struct {
	order []value.Map
	index map[string]int
	n     int // live (non-nil) entries in order
}

// merge folds e into the burst and returns the number of live events.
func (b *watchBurst) merge(e value.Map) int {
	if b.index == nil {
		b.index = map[string]int{}
	}
	p := e["path"].(string)
	i, seen := b.index[p]
	if !seen || b.order[i] == nil {
		b.index[p] = len(b.order)
		b.order = append(b.order, e)
		b.n++
		return b.n
	}
	prev := b.order[i]
	switch prev["kind"].(string) + "+" + e["kind"].(string) {
	case "created+modified":
		prev["elapsed_ms"] = e["elapsed_ms"]
	case "created+deleted":
		b.order[i] = nil
		b.n--
	case "deleted+created":
		e["kind"] = "modified"
		b.order[i] = e
	default:
		b.order[i] = e
	}
	return b.n
}

// list returns the live events in the order their paths first changed.
func (b *watchBurst) list() value.List {
	out := value.List{}
	for _, e := range b.order {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
