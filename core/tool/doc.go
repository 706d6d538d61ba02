// Package tool owns the tool registry: what a tool is (name, description,
// category, security level, version, tags, a JSON Schema for its parameters
// and a function), how it is found, and how it is invoked: parameters are
// validated against the schema first, the engine's security policy is
// enforced in one place (Policy), hooks run around the call
// (BeforeToolExecution, AfterToolExecution, ToolError), tool.execution.*
// events are published, and the result comes back in the envelope of
// TOOLS.md: {operation, success, result?, error? = {kind, message},
// message?, metadata?}.
//
// Tools written in Go, scripts, C or the bindings register in the same
// registry and are indistinguishable to callers.
//
// A Registry is safe for concurrent use. A tool's function may be called
// concurrently from several goroutines.
package tool
