package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/engine"
	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/session"
	"github.com/llmspell/llmspell-go/core/value"
)

func stringList(v value.Value) []string {
	list, _ := v.(value.List)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func optTime(m value.Map, key string) (time.Time, error) {
	switch t := m[key].(type) {
	case nil:
		return time.Time{}, nil
	case string:
		ts, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, errs.New(errs.KindInvalidArgument, "%s must be an RFC 3339 time, got %q", key, t)
		}
		return ts, nil
	case int64:
		return time.UnixMilli(t), nil
	case float64:
		return time.UnixMilli(int64(t)), nil
	}
	return time.Time{}, errs.New(errs.KindInvalidArgument, "%s must be a time (RFC 3339 string or Unix ms)", key)
}

func sessionID(c *Call, i int) (string, error) { return c.String(i, "session_id") }

// timeRange reads created_after and created_before.
func timeRange(o value.Map) (after, before time.Time, err error) {
	if after, err = optTime(o, "created_after"); err != nil {
		return
	}
	before, err = optTime(o, "created_before")
	return
}

// records turns a slice of records into a list of their maps.
func records[T interface{ Map() value.Map }](items []T, err error) (value.Value, error) {
	if err != nil {
		return nil, err
	}
	out := make(value.List, len(items))
	for i, it := range items {
		out[i] = it.Map()
	}
	return out, nil
}

// oneSession builds a function of one session id that answers the
// session's record: get, save, load.
func oneSession(op func(*session.Manager, context.Context, string) (*session.Session, error)) Func {
	return func(c *Call) (value.Value, error) {
		id, err := sessionID(c, 0)
		if err != nil {
			return nil, err
		}
		s, err := op(c.Engine().Sessions(), c.Ctx(), id)
		if err != nil {
			return nil, err
		}
		return s.Map(), nil
	}
}

// transition builds suspend/resume/complete/fail/archive.
func transition(to session.Status) Func {
	return func(c *Call) (value.Value, error) {
		id, err := sessionID(c, 0)
		if err != nil {
			return nil, err
		}
		reason, err := c.OptString(1, "reason", "")
		if err != nil {
			return nil, err
		}
		s, err := c.Engine().Sessions().Transition(c.Ctx(), id, to, reason)
		if err != nil {
			return nil, err
		}
		return s.Map(), nil
	}
}

func sessionModule() Module {
	return Module{Name: "Session", Functions: []Function{
		fn("create", func(c *Call) (value.Value, error) {
			o, err := c.OptMap(0, "options")
			if err != nil {
				return nil, err
			}
			co := session.CreateOptions{Tags: stringList(o["tags"])}
			co.Name, _ = o["name"].(string)
			co.Description, _ = o["description"].(string)
			co.Parent, _ = o["parent"].(string)
			co.Metadata, _ = o["metadata"].(value.Map)
			s, err := c.Engine().Sessions().Create(c.Ctx(), co)
			if err != nil {
				return nil, err
			}
			return s.ID, nil
		}),
		fn("get", oneSession((*session.Manager).Get)),
		{Name: "list", Aliases: []string{"query"}, Fn: func(c *Call) (value.Value, error) {
			o, err := c.OptMap(0, "query")
			if err != nil {
				return nil, err
			}
			q := &session.Query{Tags: stringList(o["tags"])}
			if st, ok := o["status"].(string); ok {
				q.Status = session.Status(st)
			}
			q.Parent, _ = o["parent"].(string)
			if n, ok := o["limit"].(int64); ok {
				q.Limit = int(n)
			}
			if q.CreatedAfter, q.CreatedBefore, err = timeRange(o); err != nil {
				return nil, err
			}
			return records(c.Engine().Sessions().List(c.Ctx(), q))
		}},
		fn("suspend", transition(session.StatusSuspended)),
		fn("resume", transition(session.StatusActive)),
		fn("complete", transition(session.StatusCompleted)),
		fn("fail", transition(session.StatusFailed)),
		fn("archive", transition(session.StatusArchived)),
		fn("delete", func(c *Call) (value.Value, error) {
			id, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			return true, c.Engine().Sessions().Delete(c.Ctx(), id)
		}),
		fn("save", oneSession((*session.Manager).Save)),
		fn("load", oneSession((*session.Manager).Load)),
		fn("update_metadata", func(c *Call) (value.Value, error) {
			id, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			fields, err := c.OptMap(1, "fields")
			if err != nil {
				return nil, err
			}
			s, err := c.Engine().Sessions().UpdateMetadata(c.Ctx(), id, fields)
			if err != nil {
				return nil, err
			}
			return s.Map(), nil
		}),
		fn("history", func(c *Call) (value.Value, error) {
			id, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			h, err := c.Engine().Sessions().History(c.Ctx(), id)
			if err != nil {
				return nil, err
			}
			out := make(value.List, len(h))
			for i, m := range h {
				out[i] = m
			}
			return out, nil
		}),
		fn("can_replay", func(c *Call) (value.Value, error) {
			id, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			return c.Engine().CanReplay(c.Ctx(), id)
		}),
		fn("replay", func(c *Call) (value.Value, error) {
			id, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			o, err := c.OptMap(1, "options")
			if err != nil {
				return nil, err
			}
			ro := engine.ReplayOptions{To: -1}
			if n, ok := o["start_from"].(int64); ok {
				ro.From = int(n)
			}
			if n, ok := o["end_at"].(int64); ok {
				ro.To = int(n)
			}
			return c.Engine().Replay(c.Ctx(), id, ro)
		}),
		fn("get_current", func(c *Call) (value.Value, error) {
			if id := c.Engine().Sessions().Current(); id != "" {
				return id, nil
			}
			return nil, nil
		}),
		fn("set_current", func(c *Call) (value.Value, error) {
			id, err := c.OptString(0, "session_id", "")
			if err != nil {
				return nil, err
			}
			return nil, c.Engine().Sessions().SetCurrent(c.Ctx(), id)
		}),
	}}
}

// artifactRef reads an artifact reference: a sequence number, the table
// Artifact.store returned, or a name (its latest version).
func artifactRef(c *Call, sid string, i int) (int64, error) {
	switch r := c.Arg(i).(type) {
	case int64:
		return r, nil
	case float64:
		return int64(r), nil
	case value.Map:
		if seq, ok := r["sequence"].(int64); ok {
			return seq, nil
		}
	case string:
		a, err := c.Engine().Sessions().Latest(c.Ctx(), sid, r)
		if err != nil {
			return 0, err
		}
		return a.Sequence, nil
	}
	return 0, c.ArgError(i, "id", "a sequence number, the table Artifact.store returned, or a name")
}

// storeOptions splits meta into the known fields and custom metadata.
func storeOptions(typ, name string, meta value.Map) session.StoreOptions {
	o := session.StoreOptions{Type: typ, Name: name, Tags: stringList(meta["tags"])}
	o.MIMEType, _ = meta["mime_type"].(string)
	custom := value.Map{}
	for k, v := range meta {
		switch k {
		case "mime_type", "tags":
		case "metadata":
			if m, ok := v.(value.Map); ok {
				for mk, mv := range m {
					custom[mk] = mv
				}
			}
		default:
			custom[k] = v
		}
	}
	if len(custom) > 0 {
		o.Metadata = custom
	}
	return o
}

func storedInfo(a *session.Artifact) value.Map {
	m := a.Map()
	return value.Map{"content_hash": a.ContentHash, "session_id": a.SessionID, "sequence": a.Sequence,
		"version": a.Version, "size": a.Size, "name": a.Name, "compressed": m["compressed"]}
}

// allowedFile resolves path (following symlinks) and requires it to sit
// under one of roots: scripts read files only inside the engine's sandbox
// folder or the system temp folder. The tool policy issue generalizes this.
func allowedFile(path string, roots []string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", errs.Wrap(errs.KindInvalidArgument, err, "path")
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return "", errs.New(errs.KindNotFound, "no file %s", path)
		}
		return "", errs.Wrap(errs.KindInvalidArgument, err, "path")
	}
	for _, root := range roots {
		if root == "" {
			continue
		}
		r, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return real, nil
		}
	}
	return "", errs.New(errs.KindDenied, "path %s is outside the allowed folders (the system temp folder and the engine's data folder)", path)
}

func artifactModule() Module {
	return Module{Name: "Artifact", Functions: []Function{
		fn("store", func(c *Call) (value.Value, error) {
			sid, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			typ, err := c.String(1, "type")
			if err != nil {
				return nil, err
			}
			name, err := c.String(2, "name")
			if err != nil {
				return nil, err
			}
			var content []byte
			switch x := c.Arg(3).(type) {
			case string:
				content = []byte(x)
			case []byte:
				content = x
			default:
				return nil, c.ArgError(3, "content", "a string")
			}
			meta, err := c.OptMap(4, "meta")
			if err != nil {
				return nil, err
			}
			a, err := c.Engine().Sessions().Store(c.Ctx(), sid, storeOptions(typ, name, meta), content)
			if err != nil {
				return nil, err
			}
			return storedInfo(a), nil
		}),
		fn("store_file", func(c *Call) (value.Value, error) {
			sid, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			p, err := c.String(1, "path")
			if err != nil {
				return nil, err
			}
			typ, err := c.String(2, "type")
			if err != nil {
				return nil, err
			}
			meta, err := c.OptMap(3, "meta")
			if err != nil {
				return nil, err
			}
			real, err := allowedFile(p, []string{os.TempDir(), c.Engine().Config().Storage.DataDir})
			if err != nil {
				return nil, err
			}
			name, _ := meta["name"].(string)
			delete(meta, "name")
			a, err := c.Engine().Sessions().StoreFile(c.Ctx(), sid, real, storeOptions(typ, name, meta))
			if err != nil {
				return nil, err
			}
			return storedInfo(a), nil
		}),
		fn("get", func(c *Call) (value.Value, error) {
			sid, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			seq, err := artifactRef(c, sid, 1)
			if err != nil {
				return nil, err
			}
			a, data, err := c.Engine().Sessions().GetArtifact(c.Ctx(), sid, seq)
			if err != nil {
				return nil, err
			}
			return value.Map{"metadata": a.Map(), "content": data}, nil
		}),
		fn("list", func(c *Call) (value.Value, error) {
			sid, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			return records(c.Engine().Sessions().ListArtifacts(c.Ctx(), sid))
		}),
		fn("query", func(c *Call) (value.Value, error) {
			o, err := c.OptMap(0, "query")
			if err != nil {
				return nil, err
			}
			q := &session.ArtifactQuery{Tags: stringList(o["tags"])}
			q.SessionID, _ = o["session_id"].(string)
			q.Type, _ = o["type"].(string)
			q.NamePattern, _ = o["name_pattern"].(string)
			if n, ok := o["name"].(string); ok && q.NamePattern == "" {
				q.NamePattern = n
			}
			q.MinSize, _ = o["min_size"].(int64)
			q.MaxSize, _ = o["max_size"].(int64)
			if n, ok := o["limit"].(int64); ok {
				q.Limit = int(n)
			}
			if q.CreatedAfter, q.CreatedBefore, err = timeRange(o); err != nil {
				return nil, err
			}
			return records(c.Engine().Sessions().QueryArtifacts(c.Ctx(), q))
		}),
		fn("delete", func(c *Call) (value.Value, error) {
			sid, err := sessionID(c, 0)
			if err != nil {
				return nil, err
			}
			seq, err := artifactRef(c, sid, 1)
			if err != nil {
				return nil, err
			}
			return true, c.Engine().Sessions().DeleteArtifact(c.Ctx(), sid, seq)
		}),
	}}
}
