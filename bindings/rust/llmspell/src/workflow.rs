//! Workflows defined as JSON: register them in an engine's registry, run
//! them, resume paused, failed or cancelled runs, read run records and wrap
//! workflows as tools (`llmspell_workflow_*`).
//!
//! A definition is a JSON object in the table form of SCRIPT_API.md:
//! `{"name", "type": "sequential"|"parallel"|"conditional"|"loop", "steps",
//! "branches", "iterator", "body", "aggregate", "error_strategy", "retry",
//! "timeout_ms", "output", ...}`; steps are `{"name", "type":
//! "tool"|"agent"|"workflow"|"function"|"input", "tool", "agent",
//! "workflow", "function", "input", "when", "error_strategy", "retry",
//! "timeout_ms", "prompt"}`. A function step names a registered tool, so a
//! Rust closure registered with [`Tools::register`](crate::Tools::register)
//! is a step of a JSON workflow.

use std::ptr;

use llmspell_sys as sys;
use serde_json::{Map, Value};

use crate::engine::{Engine, RunToken};
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, opt_str, OwnedBuf};
use crate::registry;

/// NAME is what errors call a workflow's name.
const NAME: &str = "workflow name";

impl Engine {
    /// workflows returns the engine's workflow registry, the one spells
    /// reach through their `Workflow` global. The [`Workflows`] borrows the
    /// engine and is `Copy`.
    pub fn workflows(&self) -> Workflows<'_> {
        Workflows { engine: self }
    }
}

/// RunStatus is the status of a workflow run, in a result or a run record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Every step ran (some may have failed under the continue strategy).
    Completed,
    /// A step failed and the workflow stopped.
    Failed,
    /// The run paused at an input step; resume it with the answer.
    WaitingInput,
    /// The run is in progress (or its process died: resume it).
    Running,
    /// A run token stopped it (records only: the call itself failed with
    /// [`ErrorCode::Cancelled`]).
    Cancelled,
    /// A status this binding does not know.
    Other(String),
}

impl RunStatus {
    /// from_name reads a status name ("completed", "waiting_input", ...).
    pub fn from_name(s: &str) -> RunStatus {
        match s {
            "completed" => RunStatus::Completed,
            "failed" => RunStatus::Failed,
            "waiting_input" => RunStatus::WaitingInput,
            "running" => RunStatus::Running,
            "cancelled" => RunStatus::Cancelled,
            other => RunStatus::Other(other.to_owned()),
        }
    }

    /// name is the status as the library spells it.
    pub fn name(&self) -> &str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::WaitingInput => "waiting_input",
            RunStatus::Running => "running",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Other(s) => s,
        }
    }
}

/// StepResult is one step of a run, as a [`WorkflowResult`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// name is the step's name.
    pub name: String,
    /// path is the step's place in the workflow ("branch.step", "loop[2].x").
    pub path: String,
    /// kind is the step's type: "tool", "agent", "workflow", "function" or
    /// "input".
    pub kind: String,
    /// success tells whether the step succeeded (a skipped step did).
    pub success: bool,
    /// output is the step's output (null when it failed).
    pub output: Value,
    /// error is the step's error message when it failed.
    pub error: Option<String>,
    /// attempts counts the tries (more than 1 under the retry strategy).
    pub attempts: u32,
    /// duration_ms is how long the step took.
    pub duration_ms: f64,
    /// skipped is true when its `when` condition did not hold.
    pub skipped: bool,
    /// restored is true when a resume took it from the checkpoint.
    pub restored: bool,
}

/// WorkflowResult is the result of [`Workflow::execute`] or
/// [`Workflows::resume`]. A failing step is in it (`success` false); the
/// call itself fails for bad input, a cancelled token or the run's timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowResult {
    /// run_id is the run's id, for [`Workflows::resume`] and
    /// [`Workflows::run_record`].
    pub run_id: String,
    /// workflow is the workflow's name.
    pub workflow: String,
    /// status is [`RunStatus::Completed`], [`RunStatus::Failed`] or
    /// [`RunStatus::WaitingInput`].
    pub status: RunStatus,
    /// success tells whether the workflow succeeded.
    pub success: bool,
    /// output is the workflow's output (its `output` template, or the last
    /// step's, the branches' by name, the loop's aggregate).
    pub output: Value,
    /// steps are the steps that ran, in order.
    pub steps: Vec<StepResult>,
    /// duration_ms is how long the run took.
    pub duration_ms: f64,
    /// error is the message of the step that failed the workflow.
    pub error: Option<String>,
    /// pending_step names the input step a paused run waits for.
    pub pending_step: Option<String>,
    /// prompt is that input step's prompt.
    pub prompt: Option<String>,
    /// json is the whole result as the library returned it.
    pub json: Value,
}

impl WorkflowResult {
    /// from_json reads a result object.
    pub fn from_json(v: Value) -> Result<WorkflowResult, Error> {
        let bad = |what: &str| {
            Error::new(
                ErrorCode::Internal,
                format!("workflow result has no valid {what}: {v}"),
            )
        };
        let s = |x: &Value| x.as_str().map(str::to_owned);
        let run_id = s(&v["run_id"]).ok_or_else(|| bad("run_id"))?;
        let status = RunStatus::from_name(v["status"].as_str().ok_or_else(|| bad("status"))?);
        let mut steps = Vec::new();
        for st in v["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            steps.push(StepResult {
                name: s(&st["name"]).unwrap_or_default(),
                path: s(&st["path"]).unwrap_or_default(),
                kind: s(&st["type"]).unwrap_or_default(),
                success: st["success"].as_bool().unwrap_or(false),
                output: st.get("output").cloned().unwrap_or(Value::Null),
                error: s(&st["error"]),
                attempts: st["attempts"]
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
                duration_ms: st["duration_ms"].as_f64().unwrap_or(0.0),
                skipped: st["skipped"].as_bool().unwrap_or(false),
                restored: st["restored"].as_bool().unwrap_or(false),
            });
        }
        Ok(WorkflowResult {
            run_id,
            workflow: s(&v["workflow"]).unwrap_or_default(),
            status,
            success: v["success"].as_bool().unwrap_or(false),
            output: v.get("output").cloned().unwrap_or(Value::Null),
            steps,
            duration_ms: v["duration_ms"].as_f64().unwrap_or(0.0),
            error: s(&v["error"]),
            pending_step: s(&v["pending_step"]),
            prompt: s(&v["prompt"]),
            json: v,
        })
    }

    /// step returns the first step named `name`.
    pub fn step(&self, name: &str) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// ExecuteOptions are the options of [`Workflow::execute_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ExecuteOptions<'a> {
    /// run_id names the run (letters, digits, `_`, `-`). Default: generated.
    pub run_id: Option<&'a str>,
    /// timeout_ms bounds the whole run. Default: the definition's.
    pub timeout_ms: Option<u64>,
    /// token cancels the run from another thread.
    pub token: Option<&'a RunToken>,
}

impl<'a> ExecuteOptions<'a> {
    /// new returns the default options.
    pub fn new() -> ExecuteOptions<'a> {
        ExecuteOptions::default()
    }

    /// run_id names the run.
    pub fn run_id(mut self, id: &'a str) -> Self {
        self.run_id = Some(id);
        self
    }

    /// timeout_ms bounds the whole run.
    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// token sets the run token whose cancel stops the run.
    pub fn token(mut self, token: &'a RunToken) -> Self {
        self.token = Some(token);
        self
    }

    fn to_json(self) -> Option<String> {
        let mut m = Map::new();
        if let Some(id) = self.run_id {
            m.insert("run_id".into(), Value::from(id));
        }
        if let Some(ms) = self.timeout_ms {
            m.insert("timeout_ms".into(), Value::from(ms));
        }
        (!m.is_empty()).then(|| Value::Object(m).to_string())
    }
}

/// value_json encodes an input: `Value::Null` gives NULL (null).
fn value_json(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

/// Workflows is the workflow registry of an [`Engine`]; get it from
/// [`Engine::workflows`]. Every method may be called from any thread.
#[derive(Debug, Clone, Copy)]
pub struct Workflows<'e> {
    engine: &'e Engine,
}

impl<'e> Workflows<'e> {
    /// create checks a definition (a JSON object) and registers the
    /// workflow. Wraps `llmspell_workflow_create`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), llmspell::Error> {
    /// # let engine = llmspell::Engine::with_defaults()?;
    /// let wf = engine.workflows().create(&serde_json::json!({
    ///     "name": "chain",
    ///     "steps": [
    ///         {"name": "id", "tool": "uuid_generator"},
    ///         {"name": "digest", "tool": "hash_calculator",
    ///          "input": {"input": "{{steps.id.output.uuid}}", "algorithm": "sha256"}}
    ///     ]
    /// }))?;
    /// let r = wf.execute(&serde_json::Value::Null)?;
    /// println!("{}", r.output["hash"]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Errors: [`ErrorCode::NotFound`] (an unknown tool, agent or
    /// workflow), [`ErrorCode::InvalidArgument`] (a malformed definition, an
    /// unknown key, a reference to a step that does not run before, a loop
    /// without a bound, cyclic nesting), [`ErrorCode::Conflict`] (the name
    /// is taken).
    pub fn create(&self, definition: &Value) -> Result<Workflow<'e>, Error> {
        self.create_str(&definition.to_string())
    }

    /// create_str is [`Workflows::create`] with the definition's JSON text.
    pub fn create_str(&self, definition: &str) -> Result<Workflow<'e>, Error> {
        Ok(Workflow {
            engine: self.engine,
            name: registry::create(self.engine, sys::llmspell_workflow_create, Some(definition))?,
        })
    }

    /// get returns the handle of the workflow `name` (made here or by a
    /// spell), after checking that it exists. Wraps
    /// `llmspell_workflow_info`.
    ///
    /// Errors: [`ErrorCode::NotFound`].
    pub fn get(&self, name: &str) -> Result<Workflow<'e>, Error> {
        let w = self.handle(name);
        w.info()?;
        Ok(w)
    }

    /// handle returns a handle of the workflow `name` without checking that
    /// it exists: its calls fail with [`ErrorCode::NotFound`] if it does
    /// not.
    pub fn handle(&self, name: &str) -> Workflow<'e> {
        Workflow {
            engine: self.engine,
            name: name.to_owned(),
        }
    }

    /// list describes every workflow: `{"name", "description", "type",
    /// "steps", "branches", "serializable"}`. Wraps `llmspell_workflow_list`.
    pub fn list(&self) -> Result<Vec<Value>, Error> {
        registry::list(
            self.engine,
            sys::llmspell_workflow_list,
            "llmspell_workflow_list",
        )
    }

    /// remove unregisters the workflow `name`; runs in progress finish.
    /// Returns whether it existed. Wraps `llmspell_workflow_remove`.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        registry::remove(self.engine, sys::llmspell_workflow_remove, name, NAME)
    }

    /// resume finishes a run that paused at an input step (`input` is the
    /// answer; `Value::Null` for none), failed, was cancelled, timed out or
    /// was killed: finished steps are restored from its checkpoint, the
    /// rest run. Wraps `llmspell_workflow_resume`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no such run),
    /// [`ErrorCode::Conflict`] (the run completed),
    /// [`ErrorCode::InvalidArgument`] (a malformed run id),
    /// [`ErrorCode::Cancelled`], [`ErrorCode::Timeout`].
    pub fn resume(&self, run_id: &str, input: &Value) -> Result<WorkflowResult, Error> {
        self.resume_inner(run_id, input, None)
    }

    /// resume_with is [`Workflows::resume`] with a [`RunToken`] that
    /// cancels the run.
    pub fn resume_with(
        &self,
        run_id: &str,
        input: &Value,
        token: &RunToken,
    ) -> Result<WorkflowResult, Error> {
        self.resume_inner(run_id, input, Some(token))
    }

    fn resume_inner(
        &self,
        run_id: &str,
        input: &Value,
        token: Option<&RunToken>,
    ) -> Result<WorkflowResult, Error> {
        let id = c_name(run_id, "run id")?;
        let input = value_json(input);
        let (ip, il) = opt_str(input.as_deref());
        let run = token.map_or(ptr::null_mut(), RunToken::as_ptr);
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; id is NUL-terminated; input is a
        // live buffer or NULL/0; the token (if any) is borrowed for the call;
        // out's pointers are valid out-parameters.
        try_call!(llmspell_workflow_resume(
            self.engine.as_ptr(),
            id.as_ptr(),
            ip,
            il,
            run,
            out.out(),
            out.len_out(),
        ))?;
        WorkflowResult::from_json(out.json("llmspell_workflow_resume")?)
    }

    /// run_record returns a run's record: `{"id", "workflow", "status",
    /// "input", "shared", "output"?, "error"?, "started_at", "updated_at",
    /// "steps"}` (status as [`RunStatus::name`]). Wraps
    /// `llmspell_workflow_run_record`.
    ///
    /// Errors: [`ErrorCode::NotFound`], [`ErrorCode::InvalidArgument`]
    /// (a malformed run id).
    pub fn run_record(&self, run_id: &str) -> Result<Value, Error> {
        registry::name_json(
            self.engine,
            sys::llmspell_workflow_run_record,
            "llmspell_workflow_run_record",
            run_id,
            "run id",
        )
    }
}

/// Workflow is a handle of one workflow of an engine's registry: its name
/// and a borrow of the [`Engine`]. It owns nothing in the library, so it is
/// `Clone`; once the workflow is removed its calls fail with
/// [`ErrorCode::NotFound`]. Every method may be called from any thread, and
/// runs of one workflow may overlap.
#[derive(Debug, Clone)]
pub struct Workflow<'e> {
    engine: &'e Engine,
    name: String,
}

impl<'e> Workflow<'e> {
    /// name is the workflow's name in the registry.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn c_name(&self) -> Result<std::ffi::CString, Error> {
        c_name(&self.name, NAME)
    }

    /// execute runs the workflow with `input` (any JSON value;
    /// `Value::Null` for none) until it completes, fails, or pauses at an
    /// input step. Wraps `llmspell_workflow_execute`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no such workflow),
    /// [`ErrorCode::InvalidArgument`].
    pub fn execute(&self, input: &Value) -> Result<WorkflowResult, Error> {
        self.execute_with(input, &ExecuteOptions::new())
    }

    /// execute_with is [`Workflow::execute`] with a run id, a timeout for
    /// the whole run and a [`RunToken`] through which another thread may
    /// cancel it.
    ///
    /// Errors: as [`Workflow::execute`]; [`ErrorCode::Conflict`] (the run
    /// id is in use), [`ErrorCode::Cancelled`] (the token was cancelled; the
    /// run record says "cancelled"), [`ErrorCode::Timeout`].
    pub fn execute_with(
        &self,
        input: &Value,
        opts: &ExecuteOptions<'_>,
    ) -> Result<WorkflowResult, Error> {
        let name = self.c_name()?;
        let input = value_json(input);
        let (ip, il) = opt_str(input.as_deref());
        let o = opts.to_json();
        let (op, ol) = opt_str(o.as_deref());
        let run = opts.token.map_or(ptr::null_mut(), RunToken::as_ptr);
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; name is NUL-terminated; input
        // and options are live buffers or NULL/0; the token (if any) is
        // borrowed for the call; out's pointers are valid out-parameters.
        try_call!(llmspell_workflow_execute(
            self.engine.as_ptr(),
            name.as_ptr(),
            ip,
            il,
            op,
            ol,
            run,
            out.out(),
            out.len_out(),
        ))?;
        WorkflowResult::from_json(out.json("llmspell_workflow_execute")?)
    }

    /// info describes the workflow: `{"name", "description", "type",
    /// "steps", "branches", "serializable", "definition"?}`. Wraps
    /// `llmspell_workflow_info`.
    pub fn info(&self) -> Result<Value, Error> {
        registry::name_json(
            self.engine,
            sys::llmspell_workflow_info,
            "llmspell_workflow_info",
            &self.name,
            NAME,
        )
    }

    /// wrap_as_tool registers the workflow as a tool taking `{"input":
    /// any}` and returning the workflow's result (default name
    /// `workflow_<name>`), and returns the tool's name. Wraps
    /// `llmspell_workflow_wrap_as_tool`.
    ///
    /// Errors: [`ErrorCode::NotFound`], [`ErrorCode::Conflict`] (the tool
    /// name is taken), [`ErrorCode::InvalidArgument`].
    pub fn wrap_as_tool(
        &self,
        tool_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<String, Error> {
        registry::wrap_as_tool(
            self.engine,
            sys::llmspell_workflow_wrap_as_tool,
            &self.name,
            NAME,
            tool_name,
            description,
        )
    }

    /// remove unregisters the workflow and returns whether it existed (see
    /// [`Workflows::remove`]).
    pub fn remove(&self) -> Result<bool, Error> {
        self.engine.workflows().remove(&self.name)
    }
}

impl PartialEq for Workflow<'_> {
    fn eq(&self, other: &Self) -> bool {
        ptr::eq(self.engine, other.engine) && self.name == other.name
    }
}

impl Eq for Workflow<'_> {}
