package session_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/session"
)

// crashContent is the deterministic content of artifact i: 1 KB to 1.5 MB,
// so both kv chunks and blob files are written.
func crashContent(i int) []byte {
	r := rand.New(rand.NewSource(int64(i)))
	b := make([]byte, 1<<10+r.Intn(3<<19))
	r.Read(b)
	return b
}

// TestCrashArtifactWriter is the child of TestKillNineKeepsArtifacts: it
// stores artifacts forever with sync durability and prints each
// acknowledged one.
func TestCrashArtifactWriter(t *testing.T) {
	dir := os.Getenv("LLMSPELL_ARTIFACT_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestKillNineKeepsArtifacts; runs only there")
	}
	var start int
	fmt.Sscan(os.Getenv("LLMSPELL_ARTIFACT_CRASH_START"), &start)
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		fmt.Println("open-error", err)
		os.Exit(3)
	}
	m := session.New(p, &session.Options{Sync: p.Sync})
	s, err := m.Create(ctx, session.CreateOptions{})
	if err != nil {
		fmt.Println("write-error", err)
		os.Exit(4)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		a, err := m.Store(ctx, s.ID, session.StoreOptions{Type: "custom", Name: fmt.Sprint(i)}, crashContent(i))
		if err != nil {
			fmt.Fprintln(out, "write-error", err)
			out.Flush()
			os.Exit(4)
		}
		fmt.Fprintln(out, "ack", s.ID, a.Sequence, i)
		out.Flush()
	}
}

// TestKillNineKeepsArtifacts kills an artifact writer with SIGKILL at
// random moments; after each kill every acknowledged artifact must read
// back verified, and no temporary file is left under a blob's name.
func TestKillNineKeepsArtifacts(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 loop skipped in -short mode")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	type ack struct {
		sid    string
		seq, i int
	}
	var acked []ack
	next := 0
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashArtifactWriter$", "-test.v=false")
		cmd.Env = append(os.Environ(), "LLMSPELL_ARTIFACT_CRASH_DIR="+dir, fmt.Sprintf("LLMSPELL_ARTIFACT_CRASH_START=%d", next))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan ack, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var a ack
				if _, err := fmt.Sscanf(sc.Text(), "ack %s %d %d", &a.sid, &a.seq, &a.i); err == nil {
					acks <- a
				} else if strings.HasPrefix(sc.Text(), "write-error") || strings.HasPrefix(sc.Text(), "open-error") {
					t.Errorf("round %d: writer: %s", round, sc.Text())
				}
			}
			close(acks)
		}()
		var deadline <-chan time.Time
		safety := time.After(30 * time.Second)
	wait:
		for {
			select {
			case <-safety:
				cmd.Process.Signal(syscall.SIGKILL)
				t.Fatalf("round %d: the writer never acknowledged an artifact", round)
			case a, ok := <-acks:
				if !ok {
					break wait
				}
				if deadline == nil {
					deadline = time.After(time.Duration(20+rng.Intn(150)) * time.Millisecond)
				}
				acked = append(acked, a)
				next = a.i + 1
			case <-deadline:
				cmd.Process.Signal(syscall.SIGKILL)
				for a := range acks {
					acked = append(acked, a)
					next = a.i + 1
				}
				break wait
			}
		}
		cmd.Wait()

		p, err := pebblekv.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: reopen failed: %v", round, err)
		}
		m := session.New(p, nil)
		for _, a := range acked {
			_, data, err := m.GetArtifact(ctx, a.sid, int64(a.seq))
			if err != nil || !bytes.Equal(data, crashContent(a.i)) {
				p.Close()
				t.Fatalf("round %d: acknowledged artifact %d lost or damaged: %v", round, a.i, err)
			}
		}
		for name := range blobFiles(t, dir) {
			if strings.HasPrefix(name, ".tmp-") {
				t.Fatalf("round %d: temporary blob file %s survived reopening", round, name)
			}
		}
		p.Close()
		t.Logf("round %d: %d artifacts acknowledged and verified", round, len(acked))
	}
	if len(acked) == 0 {
		t.Fatal("the writer never acknowledged an artifact")
	}
}
