// Package hook is the engine's hook registry: functions registered at named
// points (BeforeStateWrite, AfterAgentExecution, custom:<name>, ...) that
// components call around their operations, and whose results have real
// effect: continue, modified (the component goes on with the hook's data),
// cancel (the operation fails with kind cancelled), replace (the hook's data
// is the result; the operation is skipped), retry (the operation is retried
// with a delay, up to a bound), skipped, redirect, and cache (the result is
// served from a cache for a TTL).
//
// Hooks at a point run in priority order (lower first, stable among
// equals). Each hook runs under its own circuit breaker: after
// FailureThreshold failures or SlowThreshold slow calls within Window it
// opens, and the hook is skipped for OpenFor; then one trial call decides
// (half-open). Breaker changes are reported through Options.OnBreaker.
//
// Components call Registry.Run for a point, or Registry.Around, the
// one-line call-site helper that runs Before hooks, the operation (with
// retry, replace, cancel and cache handled), and After hooks.
//
// A Registry is safe for concurrent use. Hook functions are called on the
// caller's goroutine.
package hook
