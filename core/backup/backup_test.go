package backup_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

var ctx = context.Background()

func openPebble(dir string, readOnly bool) (kv.Store, error) {
	s, err := pebblekv.Open(dir, &pebblekv.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// db is a pebble store with state on top, reopenable so that pebble
// flushes its memtable into sstables (as a long-running engine does).
type db struct {
	t   testing.TB
	dir string
	kv  *kv.Swappable
	st  *state.Store
}

func newDB(t testing.TB, dir string) *db {
	d := &db{t: t, dir: dir}
	s, err := openPebble(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	d.kv = kv.NewSwappable(s)
	d.st = state.New(d.kv, nil)
	t.Cleanup(func() { d.close() })
	return d
}

func (d *db) close() {
	d.st.Close()
	d.kv.Close()
}

// reopen closes and reopens the store under the same Swappable.
func (d *db) reopen() {
	err := d.kv.Swap(0, func(old kv.Store) (kv.Store, error) {
		if err := old.Close(); err != nil {
			return nil, err
		}
		return openPebble(d.dir, false)
	})
	if err != nil {
		d.t.Fatal(err)
	}
}

func (d *db) set(scope state.Scope, key string, v value.Value) {
	if err := d.st.Set(ctx, scope, key, v); err != nil {
		d.t.Fatal(err)
	}
}

// snapshot returns every kv key and value of a store.
func snapshot(t testing.TB, s kv.Store) map[string]string {
	out := map[string]string{}
	if err := s.Scan(nil, func(k, v []byte) bool { out[string(k)] = string(v); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: key %q = %q, want %q", what, k, got[k], v)
		}
	}
}

func newManager(t testing.TB, s kv.Store, dir string, opts *backup.Options) *backup.Manager {
	t.Helper()
	o := backup.Options{}
	if opts != nil {
		o = *opts
	}
	o.Dir = dir
	if o.Open == nil {
		o.Open = openPebble
	}
	m, err := backup.New(s, &o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// restored restores id into a fresh folder and returns its contents.
func restored(t *testing.T, m *backup.Manager, id string) map[string]string {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "restored")
	rep, err := m.Restore(ctx, id, dest)
	if err != nil {
		t.Fatalf("restore %s: %v", id, err)
	}
	s, err := openPebble(dest, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap := snapshot(t, s)
	if rep.KeyCount != int64(len(snap)) {
		t.Fatalf("report says %d keys, store has %d", rep.KeyCount, len(snap))
	}
	return snap
}

func TestFullRoundtripThroughState(t *testing.T) {
	base := t.TempDir()
	d := newDB(t, filepath.Join(base, "data"))
	agent := state.Scope{Kind: state.ScopeAgent, ID: "a1"}
	d.set(state.Global, "greeting", "hello")
	d.set(agent, "config", value.Map{"model": "m", "temp": 0.5})
	for i := 0; i < 500; i++ {
		d.set(state.Scope{Kind: state.ScopeUser, ID: fmt.Sprint(i % 7)}, fmt.Sprintf("k%03d", i), int64(i))
	}
	want := snapshot(t, d.kv)
	m := newManager(t, d.kv, filepath.Join(base, "backups"), nil)
	man, err := m.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if man.Kind != backup.KindFull || man.Layout != backup.LayoutCheckpoint || man.KeyCount != int64(len(want)) || man.StoredBytes == 0 {
		t.Fatalf("manifest: %+v", man.Summary())
	}
	d.set(state.Global, "greeting", "changed")
	d.set(state.Global, "later", true)

	got := restored(t, m, man.ID)
	sameMaps(t, "restored", got, want)
	// Read it back through state, as the engine would.
	dest := filepath.Join(t.TempDir(), "r2")
	if _, err := m.Restore(ctx, "latest", dest); err != nil {
		t.Fatal(err)
	}
	s, _ := openPebble(dest, false)
	st := state.New(s, nil)
	defer func() { st.Close(); s.Close() }()
	if v, _, _ := st.Get(ctx, state.Global, "greeting"); v != "hello" {
		t.Fatalf("greeting = %v", v)
	}
	if v, _, _ := st.Get(ctx, agent, "config"); !value.Equal(v, value.Map{"model": "m", "temp": 0.5}) {
		t.Fatalf("config = %v", v)
	}
	if _, ok, _ := st.Get(ctx, state.Global, "later"); ok {
		t.Fatal("a write after the backup was restored")
	}
}

func TestIncrementalChain(t *testing.T) {
	base := t.TempDir()
	d := newDB(t, filepath.Join(base, "data"))
	m := newManager(t, d.kv, filepath.Join(base, "backups"), nil)
	write := func(from, to int, tag string) {
		for i := from; i < to; i++ {
			d.set(state.Global, fmt.Sprintf("key%05d", i), tag+strings.Repeat("x", 200))
		}
		d.reopen() // flush into sstables
	}
	write(0, 3000, "a")
	full, err := m.Create(ctx, &backup.CreateOptions{Incremental: true}) // no parent yet: full
	if err != nil {
		t.Fatal(err)
	}
	if full.Kind != backup.KindFull {
		t.Fatalf("first backup is %s", full.Kind)
	}
	snaps := []map[string]string{snapshot(t, d.kv)}
	ids := []string{full.ID}

	write(3000, 3500, "b")
	d.st.Delete(ctx, state.Global, "key00001")
	inc1, err := m.Create(ctx, &backup.CreateOptions{Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	snaps, ids = append(snaps, snapshot(t, d.kv)), append(ids, inc1.ID)

	write(0, 200, "c") // overwrite some
	inc2, err := m.Create(ctx, &backup.CreateOptions{Incremental: true, Label: "second"})
	if err != nil {
		t.Fatal(err)
	}
	snaps, ids = append(snaps, snapshot(t, d.kv)), append(ids, inc2.ID)

	if inc1.Kind != backup.KindIncremental || inc1.Parent != full.ID || inc2.Parent != inc1.ID {
		t.Fatalf("chain: %+v / %+v", inc1.Summary(), inc2.Summary())
	}
	shared := 0
	for _, f := range inc1.Files {
		if f.StoredIn == full.ID {
			shared++
		}
	}
	if shared == 0 || inc1.StoredBytes >= full.StoredBytes {
		t.Fatalf("incremental shares %d files and stores %d bytes (full: %d)", shared, inc1.StoredBytes, full.StoredBytes)
	}
	for i, id := range ids {
		sameMaps(t, fmt.Sprintf("backup %d", i), restored(t, m, id), snaps[i])
		if _, err := m.Validate(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := m.Validate(ctx, inc2.ID)
	if err != nil || len(rep.Backups) < 2 {
		t.Fatalf("validate of the chain: %+v %v", rep, err)
	}
	list, err := m.List(ctx)
	if err != nil || len(list) != 3 || list[0].ID != inc2.ID || list[0].Label != "second" {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestValidateDetectsFlippedByte(t *testing.T) {
	base := t.TempDir()
	d := newDB(t, filepath.Join(base, "data"))
	for i := 0; i < 2000; i++ {
		d.set(state.Global, fmt.Sprintf("k%d", i), strings.Repeat("v", 100))
	}
	d.reopen()
	bdir := filepath.Join(base, "backups")
	m := newManager(t, d.kv, bdir, nil)
	man, err := m.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The biggest file is an sstable.
	var big backup.File
	for _, f := range man.Files {
		if f.Size > big.Size {
			big = f
		}
	}
	flipByte(t, filepath.Join(bdir, man.ID, "blobs", big.BLAKE3+".zst"))
	_, err = m.Validate(ctx, man.ID)
	if !errs.IsKind(err, errs.KindStorage) || !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), big.Name) {
		t.Fatalf("validate of a flipped byte: %v", err)
	}
	if e := errs.As(err); e.Details["file"] != big.Name {
		t.Fatalf("details: %v", e.Details)
	}
	dest := filepath.Join(base, "restore")
	if _, err := m.Restore(ctx, man.ID, dest); !errors.Is(err, backup.ErrCorrupt) {
		t.Fatalf("restore of a corrupt backup: %v", err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatal("a failed restore left its folder behind")
	}

	// A flipped byte in the manifest is caught by its checksum.
	man2, err := m.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	flipByte(t, filepath.Join(bdir, man2.ID, "manifest.json"))
	if _, err := m.Validate(ctx, man2.ID); !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), "manifest.json") {
		t.Fatalf("validate of a flipped manifest byte: %v", err)
	}
	list, _ := m.List(ctx)
	var problems int
	for _, s := range list {
		if s.Problem != "" {
			problems++
		}
	}
	if problems != 1 {
		t.Fatalf("list: %+v", list)
	}
}

// clock is a settable fake time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRetention(t *testing.T) {
	mem := kv.NewMemory()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := newManager(t, mem, t.TempDir(), &backup.Options{MaxCount: 3, MaxAge: 10 * 24 * time.Hour, Now: c.now, NoAutoCleanup: true})
	day := func(n int) { c.t = c.t.Add(time.Duration(n) * 24 * time.Hour) }
	create := func(inc bool) string {
		mem.Set([]byte(fmt.Sprint(c.t.Unix())), []byte("x"))
		man, err := m.Create(ctx, &backup.CreateOptions{Incremental: inc})
		if err != nil {
			t.Fatal(err)
		}
		return man.ID
	}
	old := create(false) // day 0
	day(1)
	f1 := create(false) // day 1
	day(1)
	i1 := create(true) // day 2, parent f1
	day(1)
	i2 := create(true) // day 3, parent i1
	day(1)
	f2 := create(false) // day 4

	// Count: the newest 3 are f2, i2, i1; i1 and i2 need f1. old goes.
	rep, err := m.Cleanup(ctx, &backup.CleanupOptions{DryRun: true})
	if err != nil || strings.Join(rep.Removed, ",") != old || len(rep.Kept) != 4 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if list, _ := m.List(ctx); len(list) != 5 {
		t.Fatal("dry run removed something")
	}
	if rep, err = m.Cleanup(ctx, nil); err != nil || strings.Join(rep.Removed, ",") != old {
		t.Fatalf("cleanup: %+v %v", rep, err)
	}
	// Age: 12 days later only f2 is young enough... and it is the newest,
	// which is always kept; the chain f1<-i1<-i2 goes together.
	day(12)
	rep, err = m.Cleanup(ctx, nil)
	if err != nil || strings.Join(rep.Kept, ",") != f2 || len(rep.Removed) != 3 {
		t.Fatalf("age: %+v %v", rep, err)
	}
	// A kept incremental keeps its chain even past the age limit.
	day(1)
	i3 := create(true) // parent f2, which is 13 days old
	rep, err = m.Cleanup(ctx, nil)
	if err != nil || strings.Join(rep.Kept, ",") != i3+","+f2 || len(rep.Removed) != 0 {
		t.Fatalf("chain: %+v %v", rep, err)
	}
	if _, err := m.Validate(ctx, i3); err != nil {
		t.Fatal(err)
	}
	_ = i1
	_ = i2
	_ = f1
}

func TestAutoCleanupAfterCreate(t *testing.T) {
	mem := kv.NewMemory()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := newManager(t, mem, t.TempDir(), &backup.Options{MaxCount: 2, Now: c.now})
	for i := 0; i < 4; i++ {
		c.t = c.t.Add(time.Minute)
		if _, err := m.Create(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if list, _ := m.List(ctx); len(list) != 2 {
		t.Fatalf("kept %d backups", len(list))
	}
}

func TestMemoryDumpRoundtrip(t *testing.T) {
	mem := kv.NewMemory()
	st := state.New(mem, nil)
	defer st.Close()
	for i := 0; i < 300; i++ {
		st.Set(ctx, state.Global, fmt.Sprintf("k%d", i), value.Map{"i": int64(i), "bin": "\x00\xff"})
	}
	want := snapshot(t, mem)
	m := newManager(t, mem, t.TempDir(), nil)
	man, err := m.Create(ctx, &backup.CreateOptions{Incremental: true})
	if err != nil {
		t.Fatal(err)
	}
	if man.Layout != backup.LayoutDump || man.KeyCount != int64(len(want)) {
		t.Fatalf("manifest: %+v", man.Summary())
	}
	into := kv.NewMemory()
	rep, err := m.Load(ctx, man.ID, into)
	if err != nil || rep.KeyCount != int64(len(want)) {
		t.Fatalf("load: %+v %v", rep, err)
	}
	sameMaps(t, "loaded", snapshot(t, into), want)
	// A memory backup restores into a pebble folder too.
	sameMaps(t, "into pebble", restored(t, m, man.ID), want)
	// And an incremental over it works (the dump changes, so it is stored).
	mem.Set([]byte("extra"), []byte("1"))
	inc, err := m.Create(ctx, &backup.CreateOptions{Incremental: true})
	if err != nil || inc.Kind != backup.KindIncremental {
		t.Fatalf("incremental: %v", err)
	}
	into2 := kv.NewMemory()
	if _, err := m.Load(ctx, inc.ID, into2); err != nil || len(snapshot(t, into2)) != len(want)+1 {
		t.Fatalf("load incremental: %v", err)
	}
}

func TestLoadCheckpointIntoMemory(t *testing.T) {
	base := t.TempDir()
	d := newDB(t, filepath.Join(base, "data"))
	for i := 0; i < 100; i++ {
		d.set(state.Global, fmt.Sprint(i), int64(i))
	}
	want := snapshot(t, d.kv)
	m := newManager(t, d.kv, filepath.Join(base, "b"), nil)
	man, err := m.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	into := kv.NewMemory()
	if _, err := m.Load(ctx, man.ID, into); err != nil {
		t.Fatal(err)
	}
	sameMaps(t, "loaded", snapshot(t, into), want)
}

func TestErrorsAndListing(t *testing.T) {
	mem := kv.NewMemory()
	dir := t.TempDir()
	m := newManager(t, mem, dir, nil)
	if list, err := m.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("empty list: %v %v", list, err)
	}
	if _, err := m.Get(ctx, "latest"); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("latest of none: %v", err)
	}
	if _, err := m.Validate(ctx, "nope"); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("missing: %v", err)
	}
	for _, bad := range []string{"../x", ".tmp-1", "a/b", ""} {
		if _, err := m.Get(ctx, bad); !errs.IsKind(err, errs.KindInvalidArgument) {
			t.Fatalf("id %q: %v", bad, err)
		}
	}
	secret := "sk-ant-REDACTME0123456789abcdef"
	man, err := m.Create(ctx, &backup.CreateOptions{Label: secret})
	if err != nil {
		t.Fatal(err)
	}
	list, _ := m.List(ctx)
	v := list[0].Value()
	b, _ := value.Encode(v)
	if strings.Contains(string(b), secret) || v["id"] != man.ID || v["kind"] != "full" {
		t.Fatalf("listing: %s", b)
	}
	none, _ := backup.New(mem, nil)
	if _, err := none.List(ctx); !errors.Is(err, backup.ErrNoDir) {
		t.Fatalf("no dir: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Create(cctx, nil); !errs.IsKind(err, errs.KindCancelled) {
		t.Fatalf("cancelled: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Fatalf("cancelled create left %s", e.Name())
		}
	}
}
