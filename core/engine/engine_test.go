package engine_test

import (
	"path/filepath"
	"testing"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
)

func pebbleConfig(dir string) *config.Config {
	c := config.Default()
	c.Storage.DataDir = dir
	return c
}

func TestEnginesAreIsolated(t *testing.T) {
	a, err := engine.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := engine.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Store().Set([]byte("k"), []byte("a"))
	if _, err := b.Store().Get([]byte("k")); !errs.IsKind(err, errs.KindNotFound) {
		t.Fatalf("engines share a store: %v", err)
	}
}

func TestPebbleEngineAndLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	e, err := engine.New(&engine.Options{Config: pebbleConfig(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Info()["storage"].(map[string]any)["backend"] != "pebble" {
		t.Fatal("backend")
	}
	if _, err := engine.New(&engine.Options{Config: pebbleConfig(dir)}); !errs.IsKind(err, errs.KindStorage) {
		t.Fatalf("second engine on the folder: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := engine.New(&engine.Options{Config: pebbleConfig(dir)})
	if err != nil {
		t.Fatalf("reopen after close: %v", err)
	}
	e2.Close()
}

func TestCloseOrderAndIdempotence(t *testing.T) {
	e, _ := engine.New(nil)
	var order []int
	e.OnClose(func() error { order = append(order, 1); return nil })
	e.OnClose(func() error { order = append(order, 2); return nil })
	e.Close()
	e.Close()
	if len(order) != 2 || order[0] != 2 {
		t.Fatalf("order = %v", order)
	}
	if !errs.IsKind(e.Check(), errs.KindClosed) {
		t.Fatal("closed engine must report closed")
	}
	if !errs.IsKind(e.OnClose(func() error { return nil }), errs.KindClosed) {
		t.Fatal("OnClose after close")
	}
}

func TestPoison(t *testing.T) {
	e, _ := engine.New(nil)
	defer e.Close()
	e.Poison("boom")
	e.Poison("second")
	if err := e.Check(); !errs.IsKind(err, errs.KindInternal) || err.Error() != "internal: engine is poisoned by an earlier internal failure: boom" {
		t.Fatalf("check = %v", err)
	}
}
