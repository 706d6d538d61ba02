package state_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/kv/pebblekv"
	"github.com/llmspell/llmspell-go/core/state"
	"github.com/llmspell/llmspell-go/core/value"
)

// TestCrashWriter is the child of TestKillNineKeepsAcknowledgedWrites: it
// writes forever in sync mode and prints each acknowledged write.
func TestCrashWriter(t *testing.T) {
	dir := os.Getenv("LLMSPELL_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestKillNineKeepsAcknowledgedWrites; runs only there")
	}
	start, _ := strconv.Atoi(os.Getenv("LLMSPELL_CRASH_START"))
	p, err := pebblekv.Open(dir, nil)
	if err != nil {
		fmt.Println("open-error", err)
		os.Exit(3)
	}
	s := state.New(p, &state.Options{Durability: state.DurabilitySync})
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		// Each transaction writes a pair that must be all or nothing.
		err := s.Update(context.Background(), func(tx *state.Tx) error {
			tx.Set(state.Global, fmt.Sprintf("k%07d", i), int64(i))
			return tx.Set(state.Scope{Kind: "agent", ID: "pair"}, fmt.Sprintf("k%07d", i), value.Map{"i": int64(i), "pad": strings.Repeat("x", i%500)})
		})
		if err != nil {
			fmt.Fprintln(out, "write-error", err)
			out.Flush()
			os.Exit(4)
		}
		fmt.Fprintln(out, "ack", i)
		out.Flush()
	}
}

// TestKillNineKeepsAcknowledgedWrites kills a writer with SIGKILL at random
// moments, many times; after each kill the store must open without repair,
// hold every acknowledged write, and hold no half of a transaction.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 loop skipped in -short mode")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	t.Logf("seed dir %s", dir)
	next := 0
	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestCrashWriter$", "-test.v=false")
		cmd.Env = append(os.Environ(), "LLMSPELL_CRASH_DIR="+dir, fmt.Sprintf("LLMSPELL_CRASH_START=%d", next))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lastAck := -1
		acks := make(chan int, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var n int
				if _, err := fmt.Sscanf(sc.Text(), "ack %d", &n); err == nil {
					acks <- n
				}
			}
			close(acks)
		}()
		// The kill comes at a random moment after the writer is writing.
		var deadline <-chan time.Time
		safety := time.After(30 * time.Second)
	wait:
		for {
			select {
			case <-safety:
				cmd.Process.Signal(syscall.SIGKILL)
				t.Fatalf("round %d: the writer never acknowledged a write", round)
			case n, ok := <-acks:
				if !ok {
					break wait
				}
				if deadline == nil {
					deadline = time.After(time.Duration(rng.Intn(100)) * time.Millisecond)
				}
				lastAck = n
			case <-deadline:
				cmd.Process.Signal(syscall.SIGKILL)
				for n := range acks { // drain what was printed before death
					lastAck = n
				}
				break wait
			}
		}
		cmd.Wait()

		p, err := pebblekv.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: reopen failed: %v", round, err)
		}
		s := state.New(p, nil)
		ctx := context.Background()
		global, _ := s.Keys(ctx, state.Global, nil)
		pair, _ := s.Keys(ctx, state.Scope{Kind: "agent", ID: "pair"}, nil)
		if len(global) != len(pair) {
			t.Fatalf("round %d: half-written transaction: %d global keys, %d pair keys", round, len(global), len(pair))
		}
		for i := 0; i <= lastAck; i++ {
			if ok, _ := s.Exists(ctx, state.Global, fmt.Sprintf("k%07d", i)); !ok {
				t.Fatalf("round %d: acknowledged write %d lost (last ack %d)", round, i, lastAck)
			}
		}
		next = len(global)
		s.Close()
		p.Close()
		t.Logf("round %d: last ack %d, %d writes present", round, lastAck, next)
	}
	if next == 0 {
		t.Fatal("the writer never acknowledged a write")
	}
}
