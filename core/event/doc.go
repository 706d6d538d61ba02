// Package event is the engine's in-process event bus: publish, subscribe by
// pattern, receive by handler or by pulling, with bounded buffers and a
// chosen overflow policy per subscription.
//
// # Patterns
//
// A pattern is matched against an event type of dot-separated segments
// ("agent.execution.started"):
//
//	"*"                     every event
//	"agent.execution.done"  exactly that type
//	"agent.*"               "agent." then one or more segments
//	"*.error"               one or more segments, then ".error"
//	"agent.*.started"       a "*" segment stands for one or more segments
//	"tool_*"                a trailing "*" not after a dot is a string prefix
//
// Subscriptions are compiled into a segment trie, and the set of
// subscriptions matching each event type is cached until subscriptions
// change, so publishing costs a map lookup plus one enqueue per subscriber.
//
// # Delivery and flow control
//
// Every subscription has a bounded ring buffer. When it is full, its
// overflow policy decides: drop the oldest event, drop the newest, block the
// publisher up to a timeout (then drop the newest), or reject (Publish
// returns an error naming the subscription). Drops and rejections are
// counted in the statistics. A pull subscription is read with Receive; a
// handler subscription is drained by one goroutine of its own, so a slow
// handler never blocks the publisher (beyond its policy) or other
// subscribers. Unsubscribe and Close stop those goroutines and wait for
// them; no goroutine is started per event.
//
// A Bus is safe for concurrent use. Handlers run on their subscription's
// goroutine, one event at a time, in publish order.
package event
