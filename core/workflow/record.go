package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/kv"
	"github.com/llmspell/llmspell-go/core/value"
)

// Run records live in the engine store:
//
//	workflow/run/<id>           the header: {id, workflow, status, input,
//	                            shared, definition?, output?, error?,
//	                            pending_step?, prompt?, started_at, updated_at}
//	workflow/run/<id>/s/<seq>   one finished step each, in order
//
// A step is written when it finishes, so a run killed at any point can be
// resumed from its last finished step.
const runPrefix = "workflow/run/"

func headerKey(id string) []byte { return []byte(runPrefix + id) }

func stepKey(id string, seq int) []byte {
	return []byte(fmt.Sprintf("%s%s/s/%08x", runPrefix, id, seq))
}

func validRunID(id string) error {
	if id == "" || len(id) > 128 {
		return errs.New(errs.KindInvalidArgument, "run id must be 1-128 characters")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return errs.New(errs.KindInvalidArgument, "run id %q may hold only letters, digits, '_', '-' and '.'", id)
		}
	}
	return nil
}

// saveHeader writes the run's header. A failed write is announced as an
// event (the run goes on; it is only less resumable).
func (rn *run) saveHeader(status string, res *Result, e *errs.Error) {
	st := rn.reg.deps.Store
	if st == nil || rn.depth > 0 {
		return
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if rn.startedAt == "" {
		rn.startedAt = now
	}
	h := value.Map{"id": rn.id, "workflow": rn.wf.def.Name, "status": status, "input": rn.input,
		"shared": rn.shared.snapshot(), "updated_at": now, "started_at": rn.startedAt}
	if def := rn.wf.savedDefinition(); def != nil {
		h["definition"] = def
	}
	if res != nil {
		h["output"] = res.Output
		h["success"] = res.Success
		if res.PendingStep != "" {
			h["pending_step"], h["prompt"] = res.PendingStep, res.Prompt
		}
	}
	if e != nil {
		h["error"], h["error_kind"] = e.Error(), e.Kind.String()
	}
	rn.put(headerKey(rn.id), h)
}

// saveStep checkpoints one finished step (and the shared context when it
// changed).
func (rn *run) saveStep(res *StepResult) {
	st := rn.reg.deps.Store
	if st == nil {
		return
	}
	rn.mu.Lock()
	seq := rn.seq
	rn.seq++
	rn.mu.Unlock()
	m := res.Map()
	rn.put(stepKey(rn.id, seq), m)
	rn.shared.mu.Lock()
	v := rn.shared.version
	rn.shared.mu.Unlock()
	if v != rn.persisted && rn.depth == 0 {
		rn.persisted = v
		rn.saveHeader(StatusRunning, nil, nil)
	}
}

func (rn *run) put(key []byte, m value.Map) {
	data, err := value.Encode(m)
	if err != nil { // Go callers may hand in plain ints: normalize, then retry
		var n value.Value
		if n, err = value.Normalize(m); err == nil {
			data, err = value.Encode(n)
		}
	}
	if err == nil {
		err = rn.reg.deps.Store.Set(key, data)
	}
	if err == nil && rn.reg.deps.Sync != nil {
		err = rn.reg.deps.Sync()
	}
	if err != nil {
		rn.reg.publish("workflow.checkpoint.failed", value.Map{"run_id": rn.id, "error": err.Error()}, rn.id)
	}
}

func (r *Registry) loadHeader(id string) (value.Map, bool, error) {
	st := r.deps.Store
	if st == nil {
		return nil, false, nil
	}
	raw, err := st.Get(headerKey(id))
	if err == kv.ErrNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, false, errs.Wrap(errs.KindStorage, err, "workflow run %s: damaged record", id)
	}
	m, _ := v.(value.Map)
	return m, true, nil
}

func (r *Registry) loadSteps(id string) ([]value.Map, error) {
	var out []value.Map
	var firstErr error
	err := r.deps.Store.Scan([]byte(runPrefix+id+"/s/"), func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = errs.Wrap(errs.KindStorage, err, "workflow run %s: damaged step record", id)
			return false
		}
		m, _ := v.(value.Map)
		out = append(out, m)
		return true
	})
	if err == nil {
		err = firstErr
	}
	return out, err
}

// RunRecord returns a run's record: the header fields plus steps, every
// finished step in order (with retries and resumes, a step may appear more
// than once). An unknown id is not_found.
func (r *Registry) RunRecord(id string) (value.Map, error) {
	if err := validRunID(id); err != nil {
		return nil, err
	}
	h, ok, err := r.loadHeader(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no workflow run %q", id)
	}
	steps, err := r.loadSteps(id)
	if err != nil {
		return nil, err
	}
	list := make(value.List, len(steps))
	for i, s := range steps {
		list[i] = s
	}
	delete(h, "definition")
	h["steps"] = list
	return h, nil
}

// Resume finishes a run that failed, was cancelled, timed out, was killed
// (its record still says running) or waits for input: steps that finished
// successfully are restored from the checkpoint, not run again, and the
// rest run. answer is the output of the input step a paused run waits for.
// The workflow is the one registered under the run's workflow name, else
// the definition saved with the run (one without host functions).
func (r *Registry) Resume(ctx context.Context, id string, answer value.Value, opts *RunOptions) (*Result, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	if err := validRunID(id); err != nil {
		return nil, err
	}
	h, ok, err := r.loadHeader(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.New(errs.KindNotFound, "no workflow run %q", id)
	}
	status, _ := h["status"].(string)
	if status == StatusCompleted {
		return nil, errs.New(errs.KindConflict, "workflow run %s has completed; nothing to resume", id)
	}
	name, _ := h["workflow"].(string)
	w, ok := r.Get(name)
	if !ok {
		dm, ok := h["definition"].(value.Map)
		if !ok {
			return nil, errs.New(errs.KindNotFound, "workflow %q of run %s is not registered, and its definition holds host functions: register it again, then resume", name, id)
		}
		d, err := FromMap(dm, nil)
		if err != nil {
			return nil, err
		}
		if w, err = r.Build(d); err != nil {
			return nil, err
		}
	}
	steps, err := r.loadSteps(id)
	if err != nil {
		return nil, err
	}
	rn := &run{reg: r, id: id, wf: w, input: h["input"], shared: &shared{m: value.Map{}}, recorded: map[string]*StepResult{},
		seq: len(steps)}
	rn.startedAt, _ = h["started_at"].(string)
	if sm, ok := h["shared"].(value.Map); ok {
		rn.shared.m = sm
	}
	for _, s := range steps {
		if ok, _ := s["success"].(bool); !ok {
			continue
		}
		if sk, _ := s["skipped"].(bool); sk {
			continue
		}
		path, _ := s["path"].(string)
		res := &StepResult{Path: path, Success: true, Output: s["output"]}
		res.Name, _ = s["name"].(string)
		res.Type, _ = s["type"].(string)
		if n, ok := value.Number(s["attempts"]); ok {
			res.Attempts = int(n)
		}
		rn.recorded[path] = res
	}
	if status == StatusWaitingInput {
		if answer == nil {
			return nil, errs.New(errs.KindInvalidArgument, "workflow run %s waits for input at %v: give it to resume", id, h["pending_step"])
		}
		rn.answerPath, _ = h["pending_step"].(string)
		rn.answer = answer
	}
	return rn.execute(ctx, opts.Timeout, false)
}

// Run records are indexed by start time under workflow/idx/<ns><id>, so
// the oldest can be pruned when there are more than Deps.MaxRuns.
const idxPrefix = "workflow/idx/"

// indexRun records a new run's start.
func (r *Registry) indexRun(id string) {
	if r.deps.Store == nil || r.deps.MaxRuns <= 0 {
		return
	}
	r.deps.Store.Set([]byte(fmt.Sprintf("%s%016x%s", idxPrefix, uint64(time.Now().UnixNano()), id)), []byte(id))
}

// maybePrune prunes now and then: after every max(16, MaxRuns/8) runs, by
// one caller at a time, so the cost is spread thin.
func (r *Registry) maybePrune() {
	max := r.deps.MaxRuns
	if max <= 0 || r.deps.Store == nil {
		return
	}
	every := int64(max / 8)
	if every < 16 {
		every = 16
	}
	if r.runs.Add(1) < every || !r.pruneMu.TryLock() {
		return
	}
	defer r.pruneMu.Unlock()
	r.runs.Store(0)
	r.prune()
}

// prune deletes the oldest run records beyond MaxRuns: completed ones
// first, then failed, cancelled and timed-out ones; runs still running or
// waiting for input are never deleted.
func (r *Registry) prune() {
	st := r.deps.Store
	type entry struct {
		key []byte
		id  string
	}
	var all []entry
	st.Scan([]byte(idxPrefix), func(k, v []byte) bool {
		all = append(all, entry{append([]byte(nil), k...), string(v)})
		return true
	})
	excess := len(all) - r.deps.MaxRuns
	for _, deletable := range []map[string]bool{
		{StatusCompleted: true},
		{StatusFailed: true, StatusCancelled: true, StatusTimeout: true},
	} {
		for i := 0; i < len(all) && excess > 0; i++ {
			e := all[i]
			if e.key == nil {
				continue
			}
			h, ok, err := r.loadHeader(e.id)
			if err != nil {
				continue
			}
			status, _ := h["status"].(string)
			if ok && !deletable[status] {
				continue
			}
			r.deleteRun(e.id, e.key)
			all[i].key = nil
			excess--
		}
	}
}

// deleteRun removes a run's header, steps and index entry in one batch.
func (r *Registry) deleteRun(id string, idxKey []byte) {
	st := r.deps.Store
	b := st.NewBatch()
	st.Scan([]byte(runPrefix+id+"/s/"), func(k, _ []byte) bool {
		b.Delete(append([]byte(nil), k...))
		return true
	})
	b.Delete(headerKey(id))
	b.Delete(idxKey)
	if err := b.Commit(); err != nil {
		r.publish("workflow.checkpoint.failed", value.Map{"run_id": id, "error": err.Error()}, id)
	}
}
