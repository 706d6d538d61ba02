package state

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/value"
)

// Schema migrations
//
// A Schema names a version (semantic, "1.2.0") of the shape of state values
// and lists the transforms that turn values of the previous registered
// version into this one. Migrate chains the versions between the store's
// current version and a target, and rewrites every matching value in
// batches; its progress is stored with each batch, so a migration
// interrupted by a crash resumes where it stopped. Values that are not
// objects are left alone (and counted in the report's warnings).
//
// Keys (outside "state/", so they never show up in Keys):
//
//	state-meta/schema/<version>  JSON schema without its custom functions
//	state-meta/version           the store's current schema version
//	state-meta/migration         progress of a migration under way

// Transform is one field change of a migration step.
type Transform struct {
	// Op is copy, rename, default, remove, convert or custom.
	Op string
	// Field is the field changed (default, remove, convert, custom).
	Field string
	// From and To name the fields of copy and rename.
	From, To string
	// Value is the value set by default when the field is absent.
	Value value.Value
	// Type is convert's target: string, number, integer or boolean.
	Type string
	// Fn computes the new field value from the whole object (custom). It is
	// not persisted: register the schema again in the process that
	// migrates.
	Fn func(obj value.Map) (value.Value, error)
}

// Schema is one registered version.
type Schema struct {
	Version string
	// Fields documents the fields of this version: name -> {type, ...}.
	Fields value.Map
	// Migrations turn values of the previous version into this one.
	Migrations []Transform
	// Scopes limits the migration to scopes matching these patterns
	// ("global", "agent:*", "agent:a1"). Empty: every scope.
	Scopes []string
}

// MigrateOptions controls Migrate.
type MigrateOptions struct {
	// DryRun computes the report without writing. Default: false.
	DryRun bool
	// BatchSize is the number of values rewritten per atomic batch.
	// Default: 500.
	BatchSize int
	// Before runs once before the first write of a new (not resumed, not
	// dry) migration, e.g. to take a backup; an error aborts.
	Before func(ctx context.Context) error
}

// MigrationReport is what Migrate did.
type MigrationReport struct {
	From, To      string
	Steps         []string
	ItemsMigrated int64
	ItemsScanned  int64
	Duration      time.Duration
	Warnings      []string
	DryRun        bool
	Resumed       bool
}

// Map returns the report in the shape of SCRIPT_API.md.
func (r *MigrationReport) Map() value.Map {
	warn := make(value.List, len(r.Warnings))
	for i, w := range r.Warnings {
		warn[i] = w
	}
	steps := make(value.List, len(r.Steps))
	for i, s := range r.Steps {
		steps[i] = s
	}
	return value.Map{"from": r.From, "to": r.To, "steps": steps, "items_migrated": r.ItemsMigrated,
		"items_scanned": r.ItemsScanned, "duration_ms": float64(r.Duration.Microseconds()) / 1000,
		"warnings": warn, "dry_run": r.DryRun, "resumed": r.Resumed}
}

// semver is a parsed MAJOR.MINOR.PATCH.
type semver [3]int64

func parseSemver(s string) (semver, error) {
	var v semver
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) != 3 {
		return v, errs.New(errs.KindInvalidArgument, "schema version %q is not MAJOR.MINOR.PATCH", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return v, errs.New(errs.KindInvalidArgument, "schema version %q is not MAJOR.MINOR.PATCH", s)
		}
		v[i] = n
	}
	return v, nil
}

func (a semver) less(b semver) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func (a semver) String() string { return fmt.Sprintf("%d.%d.%d", a[0], a[1], a[2]) }

const (
	metaSchemaPrefix = "state-meta/schema/"
	metaVersion      = "state-meta/version"
	metaMigration    = "state-meta/migration"
)

var transformOps = []string{"copy", "rename", "default", "remove", "convert", "custom"}

func (t *Transform) validate() error {
	switch t.Op {
	case "copy", "rename":
		if t.From == "" || t.To == "" {
			return errs.New(errs.KindInvalidArgument, "%s needs from and to", t.Op)
		}
	case "default", "remove":
		if t.Field == "" {
			return errs.New(errs.KindInvalidArgument, "%s needs a field", t.Op)
		}
	case "convert":
		switch t.Type {
		case "string", "number", "integer", "boolean":
		default:
			return errs.New(errs.KindInvalidArgument, "convert type %q is not string, number, integer or boolean", t.Type)
		}
		if t.Field == "" {
			return errs.New(errs.KindInvalidArgument, "convert needs a field")
		}
	case "custom":
		if t.Field == "" {
			return errs.New(errs.KindInvalidArgument, "custom needs a field")
		}
	default:
		return errs.New(errs.KindInvalidArgument, "unknown transform %q (use %s)", t.Op, strings.Join(transformOps, ", "))
	}
	return nil
}

func (sc *Schema) toMap() value.Map {
	ms := make(value.List, len(sc.Migrations))
	for i, t := range sc.Migrations {
		ms[i] = value.Map{"op": t.Op, "field": t.Field, "from": t.From, "to": t.To, "value": t.Value, "type": t.Type}
	}
	scopes := make(value.List, len(sc.Scopes))
	for i, s := range sc.Scopes {
		scopes[i] = s
	}
	fields := sc.Fields
	if fields == nil {
		fields = value.Map{}
	}
	return value.Map{"version": sc.Version, "fields": fields, "migrations": ms, "scopes": scopes}
}

func schemaFromMap(m value.Map) Schema {
	sc := Schema{}
	sc.Version, _ = m["version"].(string)
	sc.Fields, _ = m["fields"].(value.Map)
	for _, e := range listOf(m["scopes"]) {
		if s, ok := e.(string); ok {
			sc.Scopes = append(sc.Scopes, s)
		}
	}
	for _, e := range listOf(m["migrations"]) {
		tm, _ := e.(value.Map)
		t := Transform{Value: tm["value"]}
		t.Op, _ = tm["op"].(string)
		t.Field, _ = tm["field"].(string)
		t.From, _ = tm["from"].(string)
		t.To, _ = tm["to"].(string)
		t.Type, _ = tm["type"].(string)
		sc.Migrations = append(sc.Migrations, t)
	}
	return sc
}

func listOf(v value.Value) value.List { l, _ := v.(value.List); return l }

// RegisterSchema records a schema version. Registering a version again
// replaces it (and supplies its custom functions for this process).
func (s *Store) RegisterSchema(sc Schema) error {
	v, err := parseSemver(sc.Version)
	if err != nil {
		return err
	}
	sc.Version = v.String()
	for i := range sc.Migrations {
		if err := sc.Migrations[i].validate(); err != nil {
			return errs.Wrap(errs.KindInvalidArgument, err, "schema %s migration %d", sc.Version, i+1)
		}
	}
	for _, p := range sc.Scopes {
		if err := validatePattern(p); err != nil {
			return errs.Wrap(errs.KindInvalidArgument, err, "schema %s scope pattern %q", sc.Version, p)
		}
	}
	data, err := value.Encode(sc.toMap())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errs.ErrClosed
	}
	if s.schemaFns == nil {
		s.schemaFns = map[string][]Transform{}
	}
	s.schemaFns[sc.Version] = sc.Migrations
	return s.kv.Set([]byte(metaSchemaPrefix+sc.Version), data)
}

// Schemas returns the registered schemas in version order.
func (s *Store) Schemas() ([]Schema, error) {
	var out []Schema
	var firstErr error
	err := s.kv.Scan([]byte(metaSchemaPrefix), func(_, raw []byte) bool {
		v, err := value.Decode(raw)
		if err != nil {
			firstErr = errs.Wrap(errs.KindStorage, err, "schema record")
			return false
		}
		m, _ := v.(value.Map)
		out = append(out, schemaFromMap(m))
		return true
	})
	if err == nil {
		err = firstErr
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := parseSemver(out[i].Version)
		b, _ := parseSemver(out[j].Version)
		return a.less(b)
	})
	return out, err
}

// SchemaVersion returns the store's current schema version, "" when no
// migration ever ran.
func (s *Store) SchemaVersion() (string, error) {
	raw, err := s.kv.Get([]byte(metaVersion))
	if errs.IsKind(err, errs.KindNotFound) {
		return "", nil
	}
	return string(raw), err
}

// MigrationStatus describes the current version and any migration under
// way: {current, in_progress, to?, items_migrated?, versions}.
func (s *Store) MigrationStatus() (value.Map, error) {
	cur, err := s.SchemaVersion()
	if err != nil {
		return nil, err
	}
	schemas, err := s.Schemas()
	if err != nil {
		return nil, err
	}
	versions := value.List{}
	for _, sc := range schemas {
		versions = append(versions, sc.Version)
	}
	out := value.Map{"current": cur, "in_progress": false, "versions": versions}
	if cur == "" {
		out["current"] = nil
	}
	if p, ok, err := s.progress(); err != nil {
		return nil, err
	} else if ok {
		out["in_progress"] = true
		out["from"], out["to"], out["items_migrated"] = p["from"], p["to"], p["items_migrated"]
	}
	return out, nil
}

func (s *Store) progress() (value.Map, bool, error) {
	raw, err := s.kv.Get([]byte(metaMigration))
	if errs.IsKind(err, errs.KindNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := value.Decode(raw)
	if err != nil {
		return nil, false, errs.Wrap(errs.KindStorage, err, "migration progress")
	}
	m, _ := v.(value.Map)
	return m, true, nil
}

// validatePattern accepts "*", a scope, or "<kind>:*".
func validatePattern(p string) error {
	if p == "*" {
		return nil
	}
	if kind, ok := strings.CutSuffix(p, ":*"); ok {
		return Scope{Kind: kind, ID: "x"}.Validate()
	}
	_, err := ParseScope(p)
	return err
}

// scopeMatches reports whether a scope string matches a pattern list.
func scopeMatches(scope string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == "*" || p == scope || (strings.HasSuffix(p, "*") && strings.HasPrefix(scope, strings.TrimSuffix(p, "*"))) {
			return true
		}
	}
	return false
}

// Migrate brings every matching value from the current schema version to
// target. See the section comment above for batching and resumption.
// Writers wait while a migration runs.
func (s *Store) Migrate(ctx context.Context, target string, opts *MigrateOptions) (*MigrationReport, error) {
	start := time.Now()
	o := MigrateOptions{}
	if opts != nil {
		o = *opts
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	tv, err := parseSemver(target)
	if err != nil {
		return nil, err
	}
	cur, err := s.SchemaVersion()
	if err != nil {
		return nil, err
	}
	cv := semver{}
	if cur != "" {
		if cv, err = parseSemver(cur); err != nil {
			return nil, errs.Wrap(errs.KindStorage, err, "stored schema version")
		}
	}
	rep := &MigrationReport{From: cur, To: tv.String(), DryRun: o.DryRun}
	if rep.From == "" {
		rep.From = "0.0.0"
	}
	if tv.less(cv) {
		return nil, errs.New(errs.KindInvalidArgument, "cannot migrate down from %s to %s", cur, tv)
	}
	schemas, err := s.Schemas()
	if err != nil {
		return nil, err
	}
	var steps []Schema
	found := false
	for _, sc := range schemas {
		v, _ := parseSemver(sc.Version)
		if cv.less(v) && !tv.less(v) {
			steps = append(steps, sc)
		}
		if v == tv {
			found = true
		}
	}
	if !found {
		return nil, errs.New(errs.KindNotFound, "schema version %s is not registered", tv)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errs.ErrClosed
	}
	for i := range steps {
		fns := s.schemaFns[steps[i].Version]
		for j := range steps[i].Migrations {
			if steps[i].Migrations[j].Op != "custom" {
				continue
			}
			if j >= len(fns) || fns[j].Fn == nil {
				return nil, errs.New(errs.KindInvalidArgument, "schema %s has a custom transform: register it again (with its function) before migrating", steps[i].Version)
			}
			steps[i].Migrations[j].Fn = fns[j].Fn
		}
		rep.Steps = append(rep.Steps, steps[i].Version)
	}
	if len(steps) == 0 {
		rep.Duration = time.Since(start)
		return rep, nil
	}

	lastKey := ""
	if p, ok, err := s.progress(); err != nil {
		return nil, err
	} else if ok && !o.DryRun {
		if p["from"] != rep.From || p["to"] != rep.To {
			return nil, errs.New(errs.KindConflict, "a migration from %v to %v is under way; finish it first", p["from"], p["to"])
		}
		lastKey, _ = p["last_key"].(string)
		rep.ItemsMigrated, _ = p["items_migrated"].(int64)
		rep.Resumed = true
	}
	if !o.DryRun && !rep.Resumed && o.Before != nil {
		if err := o.Before(ctx); err != nil {
			return nil, errs.Wrap(errs.KindOf(err), err, "before migration")
		}
	}

	warned := map[string]bool{}
	warn := func(msg string) {
		if !warned[msg] {
			warned[msg] = true
			rep.Warnings = append(rep.Warnings, msg)
		}
	}
	batch := s.kv.NewBatch()
	// Every batch must end (Commit or Discard): a swappable store counts an
	// open batch as an operation in flight.
	defer func() { batch.Discard() }()
	pending := 0
	flush := func(last string) error {
		if o.DryRun {
			return nil
		}
		prog, _ := value.Encode(value.Map{"from": rep.From, "to": rep.To, "last_key": last, "items_migrated": rep.ItemsMigrated})
		batch.Set([]byte(metaMigration), prog)
		if err := batch.Commit(); err != nil {
			return err
		}
		if err := s.kv.Sync(); err != nil {
			return err
		}
		batch = s.kv.NewBatch()
		pending = 0
		return nil
	}
	var loopErr error
	err = s.kv.Scan([]byte(prefix), func(k, raw []byte) bool {
		key := string(k)
		if key <= lastKey {
			return true
		}
		if err := ctx.Err(); err != nil {
			loopErr = errs.Wrap(errs.KindCancelled, err, "migration")
			return false
		}
		rep.ItemsScanned++
		scopeStr, _, _ := strings.Cut(key[len(prefix):], "\x00")
		v, err := decode(raw)
		if err != nil {
			warn(fmt.Sprintf("entry %q cannot be decoded; left as is", key))
			return true
		}
		obj, isObj := v.(value.Map)
		changed := false
		for _, st := range steps {
			if !scopeMatches(scopeStr, st.Scopes) {
				continue
			}
			if !isObj {
				warn(fmt.Sprintf("values that are not objects are left as is (first: %q)", key))
				break
			}
			for _, t := range st.Migrations {
				c, err := applyTransform(obj, t)
				if err != nil {
					warn(fmt.Sprintf("schema %s %s %s: %v", st.Version, t.Op, t.Field+t.From, err))
					continue
				}
				changed = changed || c
			}
		}
		if !changed {
			return true
		}
		rep.ItemsMigrated++
		enc, err := s.encode(obj)
		if err != nil {
			warn(fmt.Sprintf("entry %q: %v; left as is", key, err))
			rep.ItemsMigrated--
			return true
		}
		if !o.DryRun {
			batch.Set(append([]byte(nil), k...), enc)
			pending++
			if pending >= o.BatchSize {
				if err := flush(key); err != nil {
					loopErr = err
					return false
				}
			}
		}
		return true
	})
	if err == nil {
		err = loopErr
	}
	if err != nil {
		return nil, err
	}
	if !o.DryRun {
		batch.Set([]byte(metaVersion), []byte(rep.To))
		batch.Delete([]byte(metaMigration))
		if err := batch.Commit(); err != nil {
			return nil, err
		}
		if err := s.kv.Sync(); err != nil {
			return nil, err
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// applyTransform changes obj in place and reports whether it changed.
func applyTransform(obj value.Map, t Transform) (bool, error) {
	switch t.Op {
	case "copy":
		v, ok := obj[t.From]
		if !ok {
			return false, nil
		}
		obj[t.To] = v
		return true, nil
	case "rename":
		v, ok := obj[t.From]
		if !ok {
			return false, nil
		}
		delete(obj, t.From)
		obj[t.To] = v
		return true, nil
	case "default":
		if _, ok := obj[t.Field]; ok {
			return false, nil
		}
		obj[t.Field] = t.Value
		return true, nil
	case "remove":
		if _, ok := obj[t.Field]; !ok {
			return false, nil
		}
		delete(obj, t.Field)
		return true, nil
	case "convert":
		v, ok := obj[t.Field]
		if !ok || v == nil {
			return false, nil
		}
		nv, err := convert(v, t.Type)
		if err != nil {
			return false, err
		}
		if value.Equal(nv, v) && value.TypeOf(nv) == value.TypeOf(v) {
			return false, nil
		}
		obj[t.Field] = nv
		return true, nil
	case "custom":
		nv, err := t.Fn(obj)
		if err != nil {
			return false, err
		}
		if old, ok := obj[t.Field]; ok && value.Equal(old, nv) {
			return false, nil
		}
		if nv == nil {
			delete(obj, t.Field)
		} else {
			obj[t.Field] = nv
		}
		return true, nil
	}
	return false, errs.New(errs.KindInvalidArgument, "unknown transform %q", t.Op)
}

func convert(v value.Value, to string) (value.Value, error) {
	switch to {
	case "string":
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case "number", "integer":
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		case bool:
			if x {
				f = 1
			}
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			f = n
		default:
			return nil, fmt.Errorf("cannot convert a %s to a number", value.TypeOf(v))
		}
		if to == "integer" || f == math.Trunc(f) {
			return int64(f), nil
		}
		return f, nil
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("%q is not a boolean", x)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("cannot convert a %s to %s", value.TypeOf(v), to)
}
