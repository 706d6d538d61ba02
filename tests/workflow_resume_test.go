package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmspell/llmspell-go/core/config"
	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/value"
	"github.com/llmspell/llmspell-go/scripting/host"
)

// The spell of the kill test, in both languages: step 3 (a script
// function) writes a marker file and hangs in the first process, and
// returns at once in the second, where the spell resumes the run instead
// of starting it. The marker means steps 1 and 2 are checkpointed.
var killSpells = map[string]string{
	"lua": `
local hang = ARGS.mode == "start"
local wf = Workflow.sequential({name = "killme", steps = {
  {name = "id", type = "tool", tool = "uuid_generator", input = {}},
  {name = "digest", type = "tool", tool = "hash_calculator", input = {input = "{{steps.id.output.uuid}}"}},
  {name = "slow", type = "function", fn = function(ctx)
    if hang then
      Tool.invoke("file_operations", {operation = "write", path = ARGS.marker, input = ctx.steps.id.output.uuid})
      Utils.sleep(60000)
    end
    return "done after " .. ctx.steps.id.output.uuid
  end},
}})
if ARGS.mode == "start" then return wf:execute({}, {run_id = ARGS.run_id}) end
return Workflow.resume(ARGS.run_id)`,
	"js": `
const hang = ARGS.mode === "start";
const wf = Workflow.sequential({name: "killme", steps: [
  {name: "id", type: "tool", tool: "uuid_generator", input: {}},
  {name: "digest", type: "tool", tool: "hash_calculator", input: {input: "{{steps.id.output.uuid}}"}},
  {name: "slow", type: "function", fn: (ctx) => {
    if (hang) {
      Tool.invoke("file_operations", {operation: "write", path: ARGS.marker, input: ctx.steps.id.output.uuid});
      Utils.sleep(60000);
    }
    return "done after " + ctx.steps.id.output.uuid;
  }},
]});
if (ARGS.mode === "start") return wf.execute({}, {run_id: ARGS.run_id});
return Workflow.resume(ARGS.run_id);`,
}

func killSpellHost(t *testing.T, dir string) *host.Host {
	t.Helper()
	cfg := config.Default()
	cfg.Storage.DataDir = dir
	cfg.State.Durability = "sync" // every checkpoint on disk before the next step
	eng, err := engine.New(&engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h, err := host.New(eng)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestWorkflowKilledMidRunResumesInNewProcess starts a workflow from a
// spell in a child process, kills the process with SIGKILL inside step 3,
// and resumes the run from a spell in a new engine on the same folder: the
// first two steps come from the checkpoint (the uuid is the same), the
// third runs.
func TestWorkflowKilledMidRunResumesInNewProcess(t *testing.T) {
	if lang := os.Getenv("LLMSPELL_WF_CHILD_LANG"); lang != "" {
		h := killSpellHost(t, os.Getenv("LLMSPELL_WF_CHILD_DIR"))
		h.Run(context.Background(), host.Request{Language: lang, Source: killSpells[lang],
			Args: value.Map{"mode": "start", "run_id": "kill-" + lang, "marker": os.Getenv("LLMSPELL_WF_MARKER")}})
		t.Fatal("the child should have been killed")
	}
	for _, lang := range []string{"lua", "js"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			data, marker := filepath.Join(dir, "data"), filepath.Join(dir, "marker.txt")
			cmd := exec.Command(os.Args[0], "-test.run=^TestWorkflowKilledMidRunResumesInNewProcess$")
			cmd.Env = append(os.Environ(), "LLMSPELL_WF_CHILD_LANG="+lang, "LLMSPELL_WF_CHILD_DIR="+data, "LLMSPELL_WF_MARKER="+marker)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if b, err := os.ReadFile(marker); err == nil && len(b) > 0 {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child never reached step 3")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			uuid, _ := os.ReadFile(marker)
			os.Remove(marker)
			h := killSpellHost(t, data)
			res, err := h.Run(context.Background(), host.Request{Language: lang, Source: killSpells[lang],
				Args: value.Map{"mode": "resume", "run_id": "kill-" + lang, "marker": marker}})
			if err != nil {
				t.Fatal(err)
			}
			m := res.Value.(value.Map)
			steps := m["steps"].(value.List)
			if m["success"] != true || m["output"] != "done after "+string(uuid) || len(steps) != 3 {
				t.Fatalf("resumed: %v", m)
			}
			for i, want := range []bool{true, true, false} {
				if r, _ := steps[i].(value.Map)["restored"].(bool); r != want {
					t.Fatalf("step %d restored = %v: %v", i, r, steps)
				}
			}
		})
	}
}
