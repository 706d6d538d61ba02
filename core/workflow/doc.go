// Package workflow runs workflows: sequential, parallel, conditional and
// loop definitions whose steps are tools, agents, nested workflows,
// host functions and human-input pauses. Steps pass data through
// {{references}} (steps.<name>.output, input.<key>, loop.item,
// loop.index, shared.<key>) and a shared context; conditions are small
// expressions or host functions. A definition is checked before it runs
// (unknown tools, agents and workflows, dangling references, unbounded
// loops, cycles). Every run goes through the workflow hooks, publishes
// workflow.* events, and is checkpointed in the store after each step, so
// Resume finishes a run that failed, was killed, or waits for input.
package workflow
