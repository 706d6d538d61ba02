//! The calls that the agent and the workflow registries share: an entry is
//! a name in an engine's registry, and the registry's exports
//! (`llmspell_<kind>_create`, `_list`, `_info`, `_remove`,
//! `_wrap_as_tool`, ...) differ only in the function called. The public
//! `Agents`/`Workflows` and `Agent`/`Workflow` pass theirs in.

use std::ffi::c_char;

use llmspell_sys as sys;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::error::{call, Error};
use crate::ffi::{c_name, opt_str, OwnedBuf};

type EngineP = *mut sys::llmspell_engine;
type ErrorP = *mut *mut sys::llmspell_error;
type Status = sys::llmspell_status;

/// CreateFn is `llmspell_<kind>_create`: (engine, json, len, &name, &len, &err).
pub(crate) type CreateFn = unsafe extern "C" fn(
    EngineP,
    *const c_char,
    usize,
    *mut *mut c_char,
    *mut usize,
    ErrorP,
) -> Status;
/// ListFn is `llmspell_<kind>_list`: (engine, &json, &len, &err).
pub(crate) type ListFn =
    unsafe extern "C" fn(EngineP, *mut *mut c_char, *mut usize, ErrorP) -> Status;
/// NameJsonFn takes a name and returns JSON: (engine, name, &json, &len,
/// &err); `_info`, `llmspell_agent_history`, `llmspell_workflow_run_record`.
pub(crate) type NameJsonFn =
    unsafe extern "C" fn(EngineP, *const c_char, *mut *mut c_char, *mut usize, ErrorP) -> Status;
/// RemoveFn is `llmspell_<kind>_remove`: (engine, name, &removed, &err).
pub(crate) type RemoveFn = unsafe extern "C" fn(EngineP, *const c_char, *mut i32, ErrorP) -> Status;
/// WrapFn is `llmspell_<kind>_wrap_as_tool`: (engine, name, options, len,
/// &tool, &len, &err).
pub(crate) type WrapFn = unsafe extern "C" fn(
    EngineP,
    *const c_char,
    *const c_char,
    usize,
    *mut *mut c_char,
    *mut usize,
    ErrorP,
) -> Status;

/// create runs `f` on an optional JSON text (NULL/0 for None) and returns
/// the name the library gave the entry.
pub(crate) fn create(engine: &Engine, f: CreateFn, json: Option<&str>) -> Result<String, Error> {
    let (jp, jl) = opt_str(json);
    let mut out = OwnedBuf::new();
    // SAFETY: f is an llmspell_*_create export of this shape; the engine is
    // live; json is a live buffer or NULL/0; out's pointers are valid
    // out-parameters.
    call(|err| unsafe { f(engine.as_ptr(), jp, jl, out.out(), out.len_out(), err) })?;
    Ok(out.string())
}

/// list runs `f` (named `what` in errors) and parses its JSON array.
pub(crate) fn list(engine: &Engine, f: ListFn, what: &str) -> Result<Vec<Value>, Error> {
    let mut out = OwnedBuf::new();
    // SAFETY: f is an llmspell_*_list export of this shape; the engine is
    // live; out's pointers are valid out-parameters.
    call(|err| unsafe { f(engine.as_ptr(), out.out(), out.len_out(), err) })?;
    out.json_list(what)
}

/// name_json runs `f` (named `what` in errors) on `name` (called
/// `name_what` in errors) and parses its JSON.
pub(crate) fn name_json(
    engine: &Engine,
    f: NameJsonFn,
    what: &str,
    name: &str,
    name_what: &str,
) -> Result<Value, Error> {
    let name = c_name(name, name_what)?;
    let mut out = OwnedBuf::new();
    // SAFETY: f is an export of this shape; the engine is live; name is
    // NUL-terminated; out's pointers are valid out-parameters.
    call(|err| unsafe {
        f(
            engine.as_ptr(),
            name.as_ptr(),
            out.out(),
            out.len_out(),
            err,
        )
    })?;
    out.json(what)
}

/// remove runs `f` on `name` (called `name_what` in errors) and returns
/// whether the entry existed.
pub(crate) fn remove(
    engine: &Engine,
    f: RemoveFn,
    name: &str,
    name_what: &str,
) -> Result<bool, Error> {
    let name = c_name(name, name_what)?;
    let mut removed: i32 = 0;
    // SAFETY: f is an llmspell_*_remove export of this shape; the engine is
    // live; name is NUL-terminated; removed is a valid out-pointer.
    call(|err| unsafe { f(engine.as_ptr(), name.as_ptr(), &mut removed, err) })?;
    Ok(removed != 0)
}

/// wrap_as_tool runs `f` on `name` (called `name_what` in errors) with the
/// options `{"tool_name"?, "description"?}` (NULL when both are None) and
/// returns the tool's name.
pub(crate) fn wrap_as_tool(
    engine: &Engine,
    f: WrapFn,
    name: &str,
    name_what: &str,
    tool_name: Option<&str>,
    description: Option<&str>,
) -> Result<String, Error> {
    let name = c_name(name, name_what)?;
    let mut m = Map::new();
    if let Some(t) = tool_name {
        m.insert("tool_name".into(), Value::from(t));
    }
    if let Some(d) = description {
        m.insert("description".into(), Value::from(d));
    }
    let opts = (!m.is_empty()).then(|| Value::Object(m).to_string());
    let (op, ol) = opt_str(opts.as_deref());
    let mut out = OwnedBuf::new();
    // SAFETY: f is an llmspell_*_wrap_as_tool export of this shape; the
    // engine is live; name is NUL-terminated; opts is a live buffer or
    // NULL/0; out's pointers are valid out-parameters.
    call(|err| unsafe {
        f(
            engine.as_ptr(),
            name.as_ptr(),
            op,
            ol,
            out.out(),
            out.len_out(),
            err,
        )
    })?;
    Ok(out.string())
}
