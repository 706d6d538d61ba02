package builtin

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/llmspell/llmspell-go/core/tool"
	"github.com/llmspell/llmspell-go/core/value"
)

const wIntrospection = `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { kind name description fields(includeDeprecated: true) { name description args { name type { kind name ofType { kind name ofType { kind name } } } }
  type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

var wGQLMutation = regexp.MustCompile(`^\s*(#[^\n]*\n\s*)*mutation\b`)

func graphqlQueryTool() *tool.Tool {
	return &tool.Tool{
		Name: "graphql_query", Category: "api", Level: tool.Privileged, Tags: []string{"network", "graphql", "api"},
		Aliases:     []string{"graphql-query"},
		Description: "Send a GraphQL query, mutation or the introspection query to an endpoint and return data and errors.",
		Schema: obj(value.Map{
			"operation":      enum("query (default), mutation or introspection", "query", "mutation", "introspection"),
			"endpoint":       str("GraphQL endpoint URL (http or https)"),
			"input":          str("the GraphQL document"),
			"variables":      wObj("variables"),
			"operation_name": str("operation to run when the document has several"),
			"headers":        wObj("extra headers (e.g. Authorization)"),
			"timeout_ms":     wInt("timeout in milliseconds", 1, 600000),
		}, "endpoint"),
		Fn: func(ctx context.Context, c *tool.Call) (value.Value, error) {
			const name = "graphql_query"
			u, err := wURL(name, c.Str("endpoint", ""))
			if err != nil {
				return nil, err
			}
			op, q := c.Str("operation", "query"), c.Str("input", "")
			switch op {
			case "introspection":
				q = wIntrospection
			case "mutation":
				if !wGQLMutation.MatchString(q) {
					return nil, fail(name, "operation mutation needs a document starting with \"mutation\"")
				}
			default:
				if q == "" {
					return nil, fail(name, "give the query in input")
				}
				if wGQLMutation.MatchString(q) {
					return nil, fail(name, "this document is a mutation: use operation \"mutation\"")
				}
			}
			payload := value.Map{"query": q}
			if v, ok := c.Params["variables"]; ok {
				payload["variables"] = v
			}
			if n := c.Str("operation_name", ""); n != "" {
				payload["operationName"] = n
			}
			body, err := value.Encode(payload)
			if err != nil {
				return nil, fail(name, "%v", err)
			}
			req, err := http.NewRequest("POST", u.String(), bytes.NewReader(body))
			if err != nil {
				return nil, fail(name, "%v", err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			if err := wHeaders(name, req, c.Params["headers"]); err != nil {
				return nil, err
			}
			resp, err := wDo(ctx, c, name, req, time.Duration(wNum(c, "timeout_ms", 0))*time.Millisecond)
			if err != nil {
				return nil, err
			}
			doc, derr := value.Decode(resp.Body)
			m, _ := doc.(value.Map)
			if derr != nil || m == nil {
				return nil, fail(name, "%s answered %d with a body that is not a GraphQL JSON response", resp.URL, resp.Status)
			}
			out := value.Map{"status": int64(resp.Status), "data": m["data"]}
			if e, ok := m["errors"]; ok {
				out["errors"] = e
			}
			if ext, ok := m["extensions"]; ok {
				out["extensions"] = ext
			}
			return out, nil
		},
	}
}
