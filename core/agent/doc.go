// Package agent runs agents: an LLM (any provider.Model) with a system
// prompt, sampling settings, a set of tools and a bounded conversation
// memory. Execute runs the native tool-calling loop (schemas to the model,
// requested calls through the tool registry, in parallel when several are
// asked for, results back, until a final answer or the round limit) with
// every model call between the BeforeModelCall and AfterModelCall hooks
// and agent.* events on the bus. Stream is the same with each delta
// handed to a callback as it arrives. Memory is saved to and loaded from
// state scope agent:<name>.
package agent
