package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindNamesRoundTrip(t *testing.T) {
	for _, k := range Kinds() {
		got, ok := ParseKind(k.String())
		if !ok || got != k {
			t.Fatalf("ParseKind(%q) = %v, %v", k.String(), got, ok)
		}
	}
	if Kind(99).String() != "unknown" {
		t.Fatal("out of range kind must be unknown")
	}
	if len(Kinds()) != 13 {
		t.Fatalf("kinds = %d, want 13", len(Kinds()))
	}
}

func TestKindOfWrapped(t *testing.T) {
	base := New(KindTimeout, "run exceeded %d ms", 5)
	wrapped := fmt.Errorf("outer: %w", base)
	if !IsKind(wrapped, KindTimeout) {
		t.Fatal("wrapped kind lost")
	}
	if KindOf(errors.New("plain")) != KindInternal {
		t.Fatal("plain error must be internal")
	}
	if KindOf(nil) != KindOK {
		t.Fatal("nil must be ok")
	}
	w := Wrap(KindStorage, base, "open")
	if w.Error() != "storage_error: open: run exceeded 5 ms" {
		t.Fatalf("wrap message = %q", w.Error())
	}
	if !errors.Is(w, base) {
		t.Fatal("wrap must keep the cause")
	}
}

func TestWithCopies(t *testing.T) {
	e := New(KindScript, "x")
	e2 := e.With("line", int64(3))
	if e.Details != nil || e2.Details["line"] != int64(3) {
		t.Fatal("With must copy")
	}
}
