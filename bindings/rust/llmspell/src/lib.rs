//! Safe Rust bindings for llmspell-go, an embeddable engine for scripted LLM
//! work: spells written in Lua or JavaScript drive agents, tools, workflows,
//! state and sessions.
//!
//! This crate wraps the C ABI of `libllmspell.so` (declared in the
//! `llmspell-sys` crate). Structured data crosses as JSON, so results are
//! [`serde_json::Value`]s.
//!
//! ```no_run
//! use llmspell::{Engine, Lang, RunOptions};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), llmspell::Error> {
//! let engine = Engine::new(r#"{"script":{"timeout_ms":5000}}"#)?;
//! let out = engine.run(
//!     Lang::Lua,
//!     "print('hi ' .. ARGS.who) return {n = 42}",
//!     &RunOptions::new().args(json!({"who": "rust"})),
//! )?;
//! assert_eq!(out.value, json!({"n": 42}));
//! assert_eq!(out.output, "hi rust\n");
//! # Ok(())
//! # }
//! ```
//!
//! # What is wrapped
//!
//! | Rust | C functions |
//! | --- | --- |
//! | [`Engine`], [`RunToken`], [`RunOptions`] | `llmspell_engine_*`, `llmspell_run_*` |
//! | [`Engine::state`] → [`State`], [`Op`], [`Tx`], [`MigrateOptions`] | `llmspell_state_*` (values, transactions, schema migrations) |
//! | [`Engine::backups`] → [`Backups`], [`CleanupOptions`] | `llmspell_backup_*` |
//! | [`Engine::sessions`] → [`Sessions`], [`SessionOptions`], [`Status`] | `llmspell_session_*` |
//! | [`Engine::artifacts`] → [`Artifacts`], [`StoreOptions`], [`ArtifactWriter`], [`ArtifactReader`] | `llmspell_artifact_*` |
//! | [`Engine::events`] → [`Events`], [`PublishOptions`], [`SubscribeOptions`], [`Policy`], [`Subscription`], [`EventQuery`] | `llmspell_event_*`, `llmspell_subscription_*` |
//! | [`Engine::hooks`] → [`Hooks`], [`HookOptions`], [`HookContext`], [`HookResult`], [`HookHandle`], [`HookRecordQuery`] | `llmspell_hook_*` |
//! | [`Engine::tools`] → [`Tools`], [`Envelope`], [`ToolError`], [`ListOptions`], [`ToolFormat`], [`ToolSpec`], [`SecurityLevel`], [`ToolHandle`] | `llmspell_tool_*` |
//! | [`Engine::agents`] → [`Agents`], [`AgentConfig`], [`AgentType`], [`Agent`], [`Input`], [`AgentResult`], [`ToolCall`], [`Usage`], [`DeltaStream`], [`StreamCanceller`] | `llmspell_agent_*`, `llmspell_delta_stream_*` |
//! | [`Engine::providers`] → [`Providers`] | `llmspell_provider_list` |
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use llmspell::{Engine, SessionOptions, StoreOptions};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::new(r#"{"storage":{"data_dir":"/tmp/llmspell-doc"}}"#)?;
//! engine.state().set(Some("agent:a"), "model", &json!("local/x"))?;
//!
//! let session = engine.sessions().create(&SessionOptions::new().name("demo"))?;
//! let mut w = engine
//!     .artifacts()
//!     .writer(&session, &StoreOptions::new("agent_output").name("log.txt"))?;
//! w.write_all(b"streamed")?;
//! let record = w.commit()?;
//! let mut text = String::new();
//! engine
//!     .artifacts()
//!     .reader(&session, record["sequence"].as_u64().unwrap())?
//!     .read_to_string(&mut text)?;
//! # Ok(())
//! # }
//! ```
//!
//! # Ownership
//!
//! [`Engine`] and [`RunToken`] own their C handles and free them in `Drop`.
//! Neither is `Clone`, so a handle cannot be used after it is freed or freed
//! twice; this does not compile:
//!
//! ```compile_fail,E0382
//! let engine = llmspell::Engine::with_defaults().unwrap();
//! drop(engine);
//! engine.ping().unwrap(); // error[E0382]: borrow of moved value
//! ```
//!
//! and neither does dropping an engine while a run borrows it:
//!
//! ```compile_fail,E0505
//! let engine = llmspell::Engine::with_defaults().unwrap();
//! let r = &engine;
//! drop(engine); // error[E0505]: cannot move out of `engine` because it is borrowed
//! r.ping().unwrap();
//! ```
//!
//! [`State`], [`Backups`], [`Sessions`] and [`Artifacts`] are `Copy` views
//! that borrow the engine. [`ArtifactWriter`] and [`ArtifactReader`] own C
//! handles (freed in `Drop`; an uncommitted writer discards its content).
//! The C handles would keep the engine alive by themselves, but the Rust
//! types borrow the [`Engine`] too, so they cannot outlive it:
//!
//! ```compile_fail,E0505
//! use llmspell::{Engine, SessionOptions, StoreOptions};
//! let engine = Engine::with_defaults().unwrap();
//! let id = engine.sessions().create(&SessionOptions::new()).unwrap();
//! let w = engine.artifacts().writer(&id, &StoreOptions::new("custom").name("x")).unwrap();
//! drop(engine); // error[E0505]: cannot move out of `engine` because it is borrowed
//! w.commit().unwrap();
//! ```
//!
//! # Threads
//!
//! `Engine` and `RunToken` are `Send + Sync`: every C function may be called
//! from any thread, concurrently, and each run gets its own script runtime.
//! Share an engine through `&Engine` or `Arc<Engine>`; cancel a run from
//! another thread with [`RunToken::cancel`]. The `State`, `Backups`,
//! `Sessions`, `Artifacts`, `Events`, `Hooks` and `Tools` views,
//! [`Subscription`], [`HookHandle`] and [`ToolHandle`] are `Send + Sync` as
//! well.
//!
//! An [`ArtifactWriter`] or [`ArtifactReader`] is `Send` but not `Sync`:
//! the header says "one writer must not be used from two threads at once"
//! (and the same of readers). Move it to another thread, but do not share
//! it:
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>(_: &T) {}
//! # use llmspell::{Engine, SessionOptions, StoreOptions};
//! # let engine = Engine::with_defaults().unwrap();
//! # let id = engine.sessions().create(&SessionOptions::new()).unwrap();
//! let w = engine.artifacts().writer(&id, &StoreOptions::new("custom").name("x")).unwrap();
//! shared(&w); // error[E0277]: `NonNull<llmspell_artifact_writer>` cannot be shared between threads safely
//! ```
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>(_: &T) {}
//! # use llmspell::Engine;
//! # let engine = Engine::with_defaults().unwrap();
//! let r = engine.artifacts().reader("id", 1).unwrap();
//! shared(&r); // error[E0277]: cannot be shared between threads safely
//! ```
//!
//! # Callbacks
//!
//! Event callbacks ([`Events::subscribe_with`], `FnMut(Value) + Send`) run
//! on the engine's dispatcher thread; hooks ([`Hooks::register`],
//! `Fn(&HookContext) -> HookResult + Send + Sync`) run on whatever thread
//! hits the hook point, several at once; Rust tools ([`Tools::register`],
//! `Fn(&Value) -> Result<Value, String> + Send + Sync`) run on the thread
//! that invoked them, several at once. A panic in any of them never unwinds
//! into the library: it is caught where it happened (a tool's caller gets
//! an envelope with success false and `"panicked: <message>"`), and the
//! first one is saved and resumed on the Rust side after the C call returns
//! (by [`Subscription::next`], [`Subscription::unsubscribe`] or the
//! subscription's drop; by [`HookHandle::unregister`],
//! [`ToolHandle::unregister`] or the handle's drop).
//!
//! A [`HookHandle`] borrows the engine, so a hook cannot be left pointing
//! at a closure after its engine is gone:
//!
//! ```compile_fail,E0505
//! use llmspell::{Engine, HookResult};
//! let engine = Engine::with_defaults().unwrap();
//! let h = engine.hooks().register("BeforeStateWrite", 0, |_| HookResult::Continue).unwrap();
//! drop(engine); // error[E0505]: cannot move out of `engine` because it is borrowed
//! h.unregister().unwrap();
//! ```
//!
//! and neither can a tool:
//!
//! ```compile_fail,E0505
//! use llmspell::{Engine, ToolSpec};
//! let engine = Engine::with_defaults().unwrap();
//! let t = engine.tools().register(&ToolSpec::new("t"), |p| Ok(p.clone())).unwrap();
//! drop(engine); // error[E0505]: cannot move out of `engine` because it is borrowed
//! t.unregister().unwrap();
//! ```
//!
//! A hook must be `Sync`, since it may run on several threads at once:
//!
//! ```compile_fail,E0277
//! use std::cell::Cell;
//! use llmspell::{Engine, HookResult};
//! let engine = Engine::with_defaults().unwrap();
//! let calls = Cell::new(0);
//! let h = engine.hooks().register("BeforeStateWrite", 0, move |_| {
//!     calls.set(calls.get() + 1); // error[E0277]: `Cell<i32>` cannot be shared between threads safely
//!     HookResult::Continue
//! });
//! ```
//!
//! and so must a tool:
//!
//! ```compile_fail,E0277
//! use std::cell::RefCell;
//! use llmspell::{Engine, ToolSpec};
//! let engine = Engine::with_defaults().unwrap();
//! let seen = RefCell::new(Vec::new());
//! let t = engine.tools().register(&ToolSpec::new("t"), move |p| {
//!     seen.borrow_mut().push(p.clone()); // error[E0277]: `RefCell<Vec<Value>>` cannot be shared between threads safely
//!     Ok(p.clone())
//! });
//! ```
//!
//! # Process rules
//!
//! The library embeds a Go runtime: load one copy per process, never unload
//! it, and do not `fork()` without `exec()` once it is loaded.
//!
//! # Linking
//!
//! `llmspell-sys` links `-lllmspell` from `$LLMSPELL_LIB_DIR`, or from the
//! repository's `build/lib`. This crate's own tests and examples get an rpath
//! to that folder; your programs need the library on their loader path
//! (install it, set an rpath, or set `LD_LIBRARY_PATH`).
#![warn(missing_docs)]

mod agent;
mod artifact;
mod backup;
mod engine;
mod error;
mod event;
mod ffi;
mod hook;
mod panic;
mod registry;
mod session;
mod state;
mod tool;
mod workflow;

pub use agent::{
    Agent, AgentConfig, AgentResult, AgentType, Agents, DeltaStream, Input, Providers,
    StreamCanceller, ToolCall, Usage,
};
pub use artifact::{ArtifactReader, ArtifactWriter, Artifacts, StoreOptions};
pub use backup::{Backups, CleanupOptions};
pub use engine::{Engine, Lang, RunOptions, RunOutput, RunToken};
pub use error::{Error, ErrorCode};
pub use event::{
    EventQuery, Events, Policy, PublishOptions, SubscribeOptions, Subscription, SubscriptionIter,
};
pub use hook::{
    priority, HookContext, HookHandle, HookOptions, HookRecordQuery, HookResult, Hooks,
};
pub use session::{SessionOptions, Sessions, Status};
pub use state::{MigrateOptions, Op, State, Tx};
pub use tool::{
    Envelope, ListOptions, SecurityLevel, ToolError, ToolFormat, ToolHandle, ToolSpec, Tools,
};
pub use workflow::{ExecuteOptions, RunStatus, StepResult, Workflow, WorkflowResult, Workflows};

use std::ffi::CStr;

/// Raw declarations, for what the safe API does not cover.
pub use llmspell_sys as sys;

/// version returns the version of the loaded library, e.g. "0.1.0"
/// (`llmspell_version`).
pub fn version() -> &'static str {
    // SAFETY: llmspell_version returns a static NUL-terminated string, valid
    // for the life of the process.
    unsafe { CStr::from_ptr(sys::llmspell_version()) }
        .to_str()
        .unwrap_or("")
}

/// version_number returns the version of the loaded library as
/// MAJOR * 1000000 + MINOR * 1000 + PATCH (`llmspell_version_number`).
pub fn version_number() -> u32 {
    // SAFETY: no arguments, no ownership.
    unsafe { sys::llmspell_version_number() }
}

/// abi_version returns the ABI version of the loaded library
/// (`llmspell_abi_version`). [`Engine::new`] refuses to run unless it equals
/// [`ABI_VERSION`].
pub fn abi_version() -> u32 {
    // SAFETY: no arguments, no ownership.
    unsafe { sys::llmspell_abi_version() }
}

/// ABI_VERSION is the ABI version this crate was generated for.
pub const ABI_VERSION: u32 = sys::LLMSPELL_ABI_VERSION as u32;

/// status_name returns the library's name for a status code
/// (`llmspell_status_name`): "ok", "timeout", ..., "unknown".
pub fn status_name(status: i32) -> &'static str {
    // SAFETY: llmspell_status_name returns a static NUL-terminated string,
    // never NULL.
    unsafe { CStr::from_ptr(sys::llmspell_status_name(status)) }
        .to_str()
        .unwrap_or("unknown")
}

/// The README's example is compiled (not run) as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;
