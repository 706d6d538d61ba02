package backup_test

import (
	"context"
	"fmt"
	"os"

	"github.com/llmspell/llmspell-go/core/backup"
	"github.com/llmspell/llmspell-go/core/kv"
)

// A memory store backed up, changed, and loaded back from the backup.
func ExampleManager() {
	dir, _ := os.MkdirTemp("", "backups")
	defer os.RemoveAll(dir)
	store := kv.NewMemory()
	store.Set([]byte("greeting"), []byte("hello"))

	m, _ := backup.New(store, &backup.Options{Dir: dir})
	man, _ := m.Create(context.Background(), &backup.CreateOptions{Label: "first"})
	fmt.Println(man.Kind, man.Layout, man.KeyCount)

	store.Set([]byte("greeting"), []byte("changed"))
	if _, err := m.Validate(context.Background(), "latest"); err != nil {
		fmt.Println(err)
	}
	restored := kv.NewMemory()
	rep, _ := m.Load(context.Background(), man.ID, restored)
	v, _ := restored.Get([]byte("greeting"))
	fmt.Println(rep.KeyCount, string(v))
	// Output:
	// full kv-dump 1
	// 1 hello
}
