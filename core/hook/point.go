package hook

import (
	"strings"
	"unicode"

	"github.com/llmspell/llmspell-go/core/errs"
)

// Point names a place where hooks run.
type Point string

// The hook points of SCRIPT_API.md. custom:<name> points are made with
// Custom.
const (
	BeforeAgentInit       Point = "BeforeAgentInit"
	AfterAgentInit        Point = "AfterAgentInit"
	BeforeAgentExecution  Point = "BeforeAgentExecution"
	AfterAgentExecution   Point = "AfterAgentExecution"
	AgentError            Point = "AgentError"
	BeforeToolExecution   Point = "BeforeToolExecution"
	AfterToolExecution    Point = "AfterToolExecution"
	ToolError             Point = "ToolError"
	BeforeWorkflowStart   Point = "BeforeWorkflowStart"
	BeforeWorkflowStage   Point = "BeforeWorkflowStage"
	AfterWorkflowStage    Point = "AfterWorkflowStage"
	AfterWorkflowComplete Point = "AfterWorkflowComplete"
	WorkflowError         Point = "WorkflowError"
	BeforeStateWrite      Point = "BeforeStateWrite"
	AfterStateWrite       Point = "AfterStateWrite"
	BeforeStateRead       Point = "BeforeStateRead"
	AfterStateRead        Point = "AfterStateRead"
	SessionStart          Point = "SessionStart"
	SessionEnd            Point = "SessionEnd"
	SessionSave           Point = "SessionSave"
	SessionRestore        Point = "SessionRestore"
	BeforeEventEmit       Point = "BeforeEventEmit"
	AfterEventEmit        Point = "AfterEventEmit"
	SystemStartup         Point = "SystemStartup"
	SystemShutdown        Point = "SystemShutdown"
	BeforeModelCall       Point = "BeforeModelCall"
	AfterModelCall        Point = "AfterModelCall"
	SecurityViolation     Point = "SecurityViolation"
)

// Points lists every built-in point.
var Points = []Point{
	BeforeAgentInit, AfterAgentInit, BeforeAgentExecution, AfterAgentExecution, AgentError,
	BeforeToolExecution, AfterToolExecution, ToolError,
	BeforeWorkflowStart, BeforeWorkflowStage, AfterWorkflowStage, AfterWorkflowComplete, WorkflowError,
	BeforeStateWrite, AfterStateWrite, BeforeStateRead, AfterStateRead,
	SessionStart, SessionEnd, SessionSave, SessionRestore,
	BeforeEventEmit, AfterEventEmit, SystemStartup, SystemShutdown,
	BeforeModelCall, AfterModelCall, SecurityViolation,
}

// Custom returns the point custom:<name>.
func Custom(name string) Point { return Point("custom:" + name) }

// snake turns "BeforeStateWrite" into "before_state_write".
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParsePoint accepts a PascalCase point ("BeforeStateWrite"), the
// "<component>:<when>_<what>" spelling ("state:before_write",
// "agent:before_execution", "system:startup"), its snake form
// ("before_state_write"), or "custom:<name>".
func ParsePoint(s string) (Point, error) {
	if name, ok := strings.CutPrefix(s, "custom:"); ok {
		if name == "" || strings.ContainsAny(name, " \t\r\n\x00") {
			return "", errs.New(errs.KindInvalidArgument, "custom hook point %q needs a name without spaces", s)
		}
		return Point(s), nil
	}
	for _, p := range Points {
		if string(p) == s || snake(string(p)) == s {
			return p, nil
		}
		// component:rest — e.g. state:before_write for BeforeStateWrite,
		// agent:error for AgentError, system:startup for SystemStartup.
		if comp, rest, ok := strings.Cut(s, ":"); ok {
			words := strings.Split(snake(string(p)), "_")
			for i, w := range words {
				if w != comp {
					continue
				}
				others := append(append([]string{}, words[:i]...), words[i+1:]...)
				if strings.Join(others, "_") == rest {
					return p, nil
				}
			}
		}
	}
	return "", errs.New(errs.KindInvalidArgument, "unknown hook point %q (see SCRIPT_API.md; custom points are custom:<name>)", s)
}
