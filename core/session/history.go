package session

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Session history
//
// While a session is the engine's current session, the engine records the
// tool calls made in it (and, as those components land, agent and workflow
// steps): what was called, with what, and what came back. Replay runs the
// recorded calls again and compares the results.
//
//	session-call/<session>/<time ns:016x><seq:08x>  JSON {kind, name, input, output, success, error, at}

func callPrefix(sid string) []byte { return []byte("session-call/" + sid + "/") }

// RecordCall appends one call to a session's history. Unknown sessions are
// ignored (the session may have been deleted meanwhile).
func (m *Manager) RecordCall(_ context.Context, sid string, call value.Map) error {
	if sid == "" {
		return nil
	}
	if _, err := m.kv.Get(sessionKey(sid)); err != nil {
		return nil
	}
	call["at"] = m.opts.Now().UTC().Format(time.RFC3339Nano)
	data, err := value.Encode(call)
	if err != nil {
		return err
	}
	n := m.callSeq.Add(1)
	key := append(callPrefix(sid), fmt.Sprintf("%016x%08x", uint64(m.opts.Now().UnixNano()), uint32(n))...)
	return m.kv.Set(key, data)
}

// History returns a session's recorded calls, oldest first.
func (m *Manager) History(ctx context.Context, sid string) ([]value.Map, error) {
	if _, err := m.Get(ctx, sid); err != nil {
		return nil, err
	}
	out := []value.Map{}
	var firstErr error
	err := m.kv.Scan(callPrefix(sid), func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = errs.Wrap(errs.KindStorage, err, "session history")
			return false
		}
		mp, _ := v.(value.Map)
		out = append(out, mp)
		return true
	})
	if err == nil {
		err = firstErr
	}
	return out, err
}

// deleteHistory removes a session's recorded calls.
func (m *Manager) deleteHistory(sid string) error {
	var keys [][]byte
	if err := m.kv.Scan(callPrefix(sid), func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return true
	}); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	b := m.kv.NewBatch()
	for _, k := range keys {
		b.Delete(k)
	}
	return b.Commit()
}

// callSeqType keeps history keys distinct within one nanosecond.
type callSeqType = atomic.Uint32
