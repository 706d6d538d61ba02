package builtin

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/llmspell/llmspell-go/core/errs"
	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

// json_processor runs jq queries with gojq (a complete jq implementation),
// validates against JSON Schema with santhosh-tekuri/jsonschema (no remote
// or file $refs: its loader refuses every URL), and streams JSON lines.

const (
	maxJQResults = 100000
	maxJSONLines = 100000
)

// toJQ converts a value into the shapes gojq accepts (int, float64,
// string, bool, nil, []any, map[string]any).
func toJQ(v value.Value) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case []byte:
		return string(x)
	case value.List:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJQ(e)
		}
		return out
	case value.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toJQ(e)
		}
		return out
	}
	return v
}

// toJQInPlace is toJQ for a document this call decoded itself (nobody
// else holds it): value.Map and value.List are already gojq's shapes, so
// only numbers and bytes change, without copying.
func toJQInPlace(v value.Value) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case []byte:
		return string(x)
	case value.List:
		for i, e := range x {
			switch e.(type) {
			case int64, []byte, value.List, value.Map:
				x[i] = toJQInPlace(e)
			}
		}
		return x
	case value.Map:
		for k, e := range x {
			switch e.(type) {
			case int64, []byte, value.List, value.Map:
				x[k] = toJQInPlace(e)
			}
		}
		return x
	}
	return v
}

// fromJQ converts a gojq result back into a value.
func fromJQ(v any) value.Value {
	switch x := v.(type) {
	case int:
		return int64(x)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case []any:
		out := make(value.List, len(x))
		for i, e := range x {
			out[i] = fromJQ(e)
		}
		return out
	case map[string]any:
		out := make(value.Map, len(x))
		for k, e := range x {
			out[k] = fromJQ(e)
		}
		return out
	}
	return v
}

// jsonInput returns the input parameter: a string is JSON text, anything
// else is the value itself.
func jsonInput(c *tool.Call, name string) (value.Value, error) {
	v, _, err := jsonInputOwned(c, name)
	return v, err
}

// jsonInputOwned also says whether the value was decoded here.
func jsonInputOwned(c *tool.Call, name string) (value.Value, bool, error) {
	raw, ok := c.Params[name]
	if !ok {
		return nil, false, fail("json_processor", "give %s", name)
	}
	if s, ok := raw.(string); ok {
		v, err := value.DecodeString(s)
		if err != nil {
			return nil, false, jsonErr(name, err)
		}
		return v, true, nil
	}
	return raw, false, nil
}

func jsonErr(name string, err error) error {
	if errs.IsKind(err, errs.KindLimit) {
		return errs.New(errs.KindLimit, "json_processor: %s: %s", name, errs.As(err).Message)
	}
	return fail("json_processor", "%s is not valid JSON: %s", name, errs.As(err).Message)
}

func compileJQ(q string) (*gojq.Code, error) {
	parsed, err := gojq.Parse(q)
	if err != nil {
		return nil, fail("json_processor", "bad query %q: %v", q, err)
	}
	code, err := gojq.Compile(parsed, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, fail("json_processor", "bad query %q: %v", q, err)
	}
	return code, nil
}

// runJQ runs code on v and collects its results.
func runJQ(ctx context.Context, code *gojq.Code, v value.Value, owned bool, out value.List) (value.List, error) {
	var in any
	if owned {
		in = toJQInPlace(v)
	} else {
		in = toJQ(v)
	}
	iter := code.RunWithContext(ctx, in)
	for {
		r, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, ok := r.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return out, nil
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fail("json_processor", "query failed: %v", err)
		}
		if len(out) >= maxJQResults {
			return nil, errs.New(errs.KindLimit, "json_processor: the query produced more than %d results", maxJQResults)
		}
		out = append(out, fromJQ(r))
	}
}

// nopLoader refuses every $ref that is not inside the schema itself.
type nopLoader struct{}

func (nopLoader) Load(url string) (any, error) {
	return nil, errs.New(errs.KindDenied, "json_processor: schema references %s, and remote or file references are not loaded", url)
}

// ValidateJSONSchema validates data against a JSON Schema (drafts 4 to
// 2020-12) and returns the errors found, each with its instance location.
func ValidateJSONSchema(schema, data value.Value) (value.List, error) {
	sdoc, err := schemaDoc(schema)
	if err != nil {
		return nil, fail("json_processor", "schema: %v", err)
	}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(nopLoader{})
	if err := comp.AddResource("mem:///schema.json", sdoc); err != nil {
		return nil, fail("json_processor", "schema: %v", err)
	}
	sch, err := comp.Compile("mem:///schema.json")
	if err != nil {
		return nil, fail("json_processor", "schema does not compile: %v", err)
	}
	inst, err := schemaDoc(data)
	if err != nil {
		return nil, fail("json_processor", "input: %v", err)
	}
	err = sch.Validate(inst)
	if err == nil {
		return value.List{}, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fail("json_processor", "validate: %v", err)
	}
	out := value.List{}
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if u.Error != nil && len(u.Errors) == 0 {
			out = append(out, value.Map{"path": u.InstanceLocation, "keyword": u.KeywordLocation, "message": u.Error.String()})
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(ve.BasicOutput())
	if len(out) == 0 {
		out = append(out, value.Map{"path": "", "keyword": "", "message": ve.Error()})
	}
	return out, nil
}

// schemaDoc turns a value into what the schema library reads (numbers as
// json.Number), going through JSON text.
func schemaDoc(v value.Value) (any, error) {
	b, err := value.Encode(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func jsonTool() *tool.Tool {
	return &tool.Tool{
		Name: "json_processor", Category: "data", Level: tool.Safe, Tags: []string{"json", "jq"},
		Description: "Query JSON with jq expressions, validate it against a JSON Schema, or run a query over JSON lines.",
		Schema: obj(value.Map{
			"operation": enum("query (default), validate or stream", "query", "validate", "stream"),
			"input":     value.Map{"description": "the JSON document: JSON text (a string) or a value; for stream, JSON lines text"},
			"query":     value.Map{"type": "string", "description": "jq expression (default .)", "maxLength": int64(100000)},
			"schema":    value.Map{"description": "JSON Schema (validate): an object, or JSON text"},
		}, "input"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			op := c.Str("operation", "query")
			switch op {
			case "validate":
				data, err := jsonInput(c, "input")
				if err != nil {
					return nil, err
				}
				var schema value.Value = value.Map{}
				if _, ok := c.Params["schema"]; ok {
					if schema, err = jsonInput(c, "schema"); err != nil {
						return nil, err
					}
				}
				problems, err := ValidateJSONSchema(schema, data)
				if err != nil {
					return nil, err
				}
				return value.Map{"valid": len(problems) == 0, "errors": problems}, nil
			case "stream":
				text, ok := c.Params["input"].(string)
				if !ok {
					return nil, fail("json_processor", "stream needs input as JSON lines text")
				}
				code, err := compileJQ(c.Str("query", "."))
				if err != nil {
					return nil, err
				}
				out := value.List{}
				n := 0
				for i, line := range strings.Split(text, "\n") {
					line = strings.TrimSpace(line)
					if line == "" {
						continue
					}
					if n++; n > maxJSONLines {
						return nil, errs.New(errs.KindLimit, "json_processor: more than %d lines", maxJSONLines)
					}
					v, err := value.DecodeString(line)
					if err != nil {
						return nil, jsonErr("line "+strconv.Itoa(i+1), err)
					}
					if out, err = runJQ(ctx, code, v, true, out); err != nil {
						return nil, err
					}
				}
				return value.Map{"results": out, "count": int64(len(out)), "lines": int64(n)}, nil
			default:
				data, owned, err := jsonInputOwned(c, "input")
				if err != nil {
					return nil, err
				}
				code, err := compileJQ(c.Str("query", "."))
				if err != nil {
					return nil, err
				}
				out, err := runJQ(ctx, code, data, owned, value.List{})
				if err != nil {
					return nil, err
				}
				res := value.Map{"results": out, "count": int64(len(out))}
				if len(out) == 1 {
					res["result"] = out[0]
				} else if len(out) > 1 {
					res["result"] = out
				}
				return res, nil
			}
		},
	}
}
