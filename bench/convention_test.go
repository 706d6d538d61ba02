package bench

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/dop251/goja"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// BenchmarkGojaCall compares goja's two ways of exposing a Go function:
// "direct" is func(goja.FunctionCall) goja.Value, the convention the JS
// adapter uses; "reflect" is vm.Set(name, func(a, b int) int), which goja
// binds by reflection. ns/op is per call from a JS loop.
func BenchmarkGojaCall(b *testing.B) {
	prg := goja.MustCompile("loop.js", `for (let i = 0; i < n; i++) add(i, 1);`, false)
	setups := []struct {
		name string
		set  func(vm *goja.Runtime)
	}{
		{"direct", func(vm *goja.Runtime) {
			vm.Set("add", func(call goja.FunctionCall) goja.Value {
				return vm.ToValue(call.Argument(0).ToInteger() + call.Argument(1).ToInteger())
			})
		}},
		{"reflect", func(vm *goja.Runtime) {
			vm.Set("add", func(a, b int) int { return a + b })
		}},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			vm := goja.New()
			s.set(vm)
			vm.Set("n", 10)
			if _, err := vm.RunProgram(prg); err != nil {
				b.Fatal(err)
			}
			vm.Set("n", b.N)
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := vm.RunProgram(prg); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// luaBusy are loops of plain VM instructions with no call into Go: "arith"
// is the shortest loop body (where a per-instruction check weighs most),
// "table" mixes arithmetic with table reads and writes.
var luaBusy = []struct{ name, src string }{
	{"arith", `local s = 0 for i = 1, n do s = s + i end return s`},
	{"table", `local t = {0, 0, 0, 0} for i = 1, n do local k = i % 4 + 1 t[k] = t[k] + i end return t[1]`},
}

func compileLua(b *testing.B, src string) *lua.FunctionProto {
	chunk, err := parse.Parse(strings.NewReader(src), "busy.lua")
	if err != nil {
		b.Fatal(err)
	}
	proto, err := lua.Compile(chunk, "busy.lua")
	if err != nil {
		b.Fatal(err)
	}
	return proto
}

// BenchmarkLuaBusyLoop measures one iteration of a busy Lua loop on a bare
// gopher-lua state, without and with L.SetContext (which makes the VM poll
// ctx.Done() before every instruction). The ratio of the two is the price
// of cancelling by context; the script adapter sets one on every run. The
// two variants run in alternation, twice, so that a change in machine load
// does not land on one of them only (the report keeps the best of each).
func BenchmarkLuaBusyLoop(b *testing.B) {
	for _, loop := range luaBusy {
		proto := compileLua(b, loop.src)
		for round := 0; round < 2; round++ {
			for _, withCtx := range []bool{false, true} {
				name := loop.name + "/plain"
				if withCtx {
					name = loop.name + "/set_context"
				}
				b.Run(name, func(b *testing.B) { luaBusyLoop(b, proto, withCtx) })
			}
		}
	}
}

func luaBusyLoop(b *testing.B, proto *lua.FunctionProto, withCtx bool) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	if withCtx {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		L.SetContext(ctx)
	}
	run := func(n int) {
		L.SetGlobal("n", lua.LNumber(n))
		L.Push(L.NewFunctionFromProto(proto))
		if err := L.PCall(0, 1, nil); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
	run(10)
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}

// BenchmarkHandoff measures handing work to a new goroutine and waiting for
// it on a channel, as capi's runOnGoroutine does for every
// llmspell_engine_run: from an ordinary goroutine ("unlocked"), and from a
// goroutine locked to its OS thread ("locked_thread"), which is what a C
// thread calling into Go through cgo is. A locked goroutine that blocks
// must hand its P to another thread and be woken back, so the second case
// pays two OS thread wake-ups.
func BenchmarkHandoff(b *testing.B) {
	for _, locked := range []bool{false, true} {
		name := "unlocked"
		if locked {
			name = "locked_thread"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			done := make(chan struct{})
			go func() {
				defer close(done)
				if locked {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					ch := make(chan int, 1)
					go func() { ch <- i }()
					<-ch
				}
			}()
			<-done
		})
	}
}
