//! Agents and providers: create agents in an engine's registry, run their
//! turns (whole, or streamed delta by delta), manage their memory, wrap
//! them as tools, and list the providers (`llmspell_agent_*`,
//! `llmspell_delta_stream_*`, `llmspell_provider_list`).

use std::ffi::{c_char, CString};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use llmspell_sys as sys;
use serde_json::{Map, Value};

use crate::engine::{Engine, RunToken};
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, OwnedBuf};
use crate::registry;

/// NAME is what errors call an agent's name.
const NAME: &str = "agent name";

impl Engine {
    /// agents returns the engine's agent registry, the one spells reach
    /// through their `Agent` global. The [`Agents`] borrows the engine and
    /// is `Copy`.
    pub fn agents(&self) -> Agents<'_> {
        Agents { engine: self }
    }

    /// providers returns the engine's LLM providers. The [`Providers`]
    /// borrows the engine and is `Copy`.
    pub fn providers(&self) -> Providers<'_> {
        Providers { engine: self }
    }
}

/// AgentType is the kind of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgentType {
    /// A model-backed agent with a tool loop (the default).
    Llm,
    /// An agent that answers with its input: no model, for plumbing and
    /// tests.
    Basic,
}

impl AgentType {
    /// name is the config value: "llm" or "basic".
    pub fn name(self) -> &'static str {
        match self {
            AgentType::Llm => "llm",
            AgentType::Basic => "basic",
        }
    }
}

/// AgentConfig is the config of [`Agents::create`], with the keys of
/// `Agent.create` in SCRIPT_API.md. Every field is optional: the default
/// config makes an agent with a generated name on the default model (the
/// in-process `local/stories260K`, unless `agents.default_model` says
/// otherwise). Keys without a field go through [`AgentConfig::set`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentConfig {
    /// name is the agent's name in the registry. Default: generated.
    pub name: Option<String>,
    /// description is shown when the agent is wrapped as a tool.
    pub description: Option<String>,
    /// kind is the agent's type. Default: [`AgentType::Llm`].
    pub kind: Option<AgentType>,
    /// model is "provider/model", e.g. "local/stories260K".
    pub model: Option<String>,
    /// system_prompt is the system message of every turn.
    pub system_prompt: Option<String>,
    /// temperature is the sampling temperature.
    pub temperature: Option<f64>,
    /// max_tokens bounds the tokens of each model call.
    pub max_tokens: Option<u32>,
    /// tools are the names of the tools the agent may call.
    pub tools: Option<Vec<String>>,
    /// memory is how many messages the agent remembers (-1: none kept).
    pub memory: Option<i64>,
    /// extra holds the other keys (provider, top_p, seed, max_tool_rounds,
    /// base_url, api_key_env, custom_config, resource_limits, ...).
    pub extra: Map<String, Value>,
}

impl AgentConfig {
    /// new returns the default config.
    pub fn new() -> AgentConfig {
        AgentConfig::default()
    }

    /// name sets the agent's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// description sets the agent's description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// kind sets the agent's type.
    pub fn kind(mut self, kind: AgentType) -> Self {
        self.kind = Some(kind);
        self
    }

    /// model sets the model, "provider/model".
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// system_prompt sets the system prompt.
    pub fn system_prompt(mut self, p: impl Into<String>) -> Self {
        self.system_prompt = Some(p.into());
        self
    }

    /// temperature sets the sampling temperature.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// max_tokens bounds the tokens of each model call.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// tool adds a tool the agent may call.
    pub fn tool(mut self, name: impl Into<String>) -> Self {
        self.tools.get_or_insert_with(Vec::new).push(name.into());
        self
    }

    /// memory sets how many messages the agent remembers.
    pub fn memory(mut self, n: i64) -> Self {
        self.memory = Some(n);
        self
    }

    /// set sets any other config key (it overrides a field of the same
    /// name).
    pub fn set(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// to_json is the config object given to `llmspell_agent_create`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put("name", self.name.clone().map(Value::from));
        put("description", self.description.clone().map(Value::from));
        put("type", self.kind.map(|k| Value::from(k.name())));
        put("model", self.model.clone().map(Value::from));
        put("system_prompt", self.system_prompt.clone().map(Value::from));
        put("temperature", self.temperature.map(Value::from));
        put("max_tokens", self.max_tokens.map(Value::from));
        put("tools", self.tools.clone().map(Value::from));
        put("memory", self.memory.map(Value::from));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl From<&AgentConfig> for Value {
    fn from(c: &AgentConfig) -> Value {
        c.to_json()
    }
}

/// Input is what an agent's turn takes: the user's text, optionally with
/// earlier messages and per-turn parameters. `&str`, `String` and
/// [`Value`] (a JSON string or `{"text", "messages"?, "parameters"?}`)
/// convert into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Input(Value);

impl Input {
    /// text is an input of just the user's text.
    pub fn text(text: impl Into<String>) -> Input {
        Input(Value::String(text.into()))
    }

    /// messages adds earlier messages (`{"role", "content"}` objects).
    pub fn messages(self, messages: Vec<Value>) -> Input {
        self.with("messages", Value::Array(messages))
    }

    /// parameters adds per-turn parameters (`{"temperature", "max_tokens", ...}`).
    pub fn parameters(self, parameters: Value) -> Input {
        self.with("parameters", parameters)
    }

    fn with(self, key: &str, v: Value) -> Input {
        let mut m = match self.0 {
            Value::String(s) => {
                let mut m = Map::new();
                m.insert("text".into(), Value::String(s));
                m
            }
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("text".into(), other);
                m
            }
        };
        m.insert(key.into(), v);
        Input(Value::Object(m))
    }

    /// as_json is the input JSON given to the library.
    pub fn as_json(&self) -> &Value {
        &self.0
    }
}

impl From<&str> for Input {
    fn from(s: &str) -> Input {
        Input::text(s)
    }
}

impl From<String> for Input {
    fn from(s: String) -> Input {
        Input::text(s)
    }
}

impl From<Value> for Input {
    fn from(v: Value) -> Input {
        Input(v)
    }
}

impl From<&Value> for Input {
    fn from(v: &Value) -> Input {
        Input(v.clone())
    }
}

/// ToolCall is one tool call an agent made during a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// id is the call's id.
    pub id: String,
    /// name is the tool's name.
    pub name: String,
    /// arguments are the arguments the model gave.
    pub arguments: Value,
    /// success tells whether the tool succeeded.
    pub success: bool,
    /// result is the tool's result when it succeeded.
    pub result: Option<Value>,
    /// error is the tool's error message when it failed.
    pub error: Option<String>,
    /// duration_ms is how long the call took.
    pub duration_ms: f64,
}

/// Usage counts the tokens of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// input_tokens is the number of prompt tokens, over every model call.
    pub input_tokens: u64,
    /// output_tokens is the number of generated tokens.
    pub output_tokens: u64,
}

/// AgentResult is the result of one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentResult {
    /// text is the agent's answer.
    pub text: String,
    /// tool_calls are the tool calls of the turn, in order.
    pub tool_calls: Vec<ToolCall>,
    /// usage counts the turn's tokens.
    pub usage: Usage,
    /// metadata is `{"model", "provider", "execution_time_ms",
    /// "finish_reason", "rounds", "correlation_id"}`.
    pub metadata: Value,
    /// json is the whole result as the library returned it.
    pub json: Value,
}

impl AgentResult {
    /// from_json reads a result object.
    pub fn from_json(v: Value) -> Result<AgentResult, Error> {
        let bad = |what: &str| {
            Error::new(
                ErrorCode::Internal,
                format!("agent result has no valid {what}: {v}"),
            )
        };
        let text = v["text"].as_str().ok_or_else(|| bad("text"))?.to_owned();
        let mut tool_calls = Vec::new();
        for c in v["tool_calls"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            tool_calls.push(ToolCall {
                id: c["id"].as_str().unwrap_or("").to_owned(),
                name: c["name"]
                    .as_str()
                    .ok_or_else(|| bad("tool call name"))?
                    .to_owned(),
                arguments: c["arguments"].clone(),
                success: c["success"].as_bool().unwrap_or(false),
                result: c.get("result").cloned(),
                error: c["error"].as_str().map(str::to_owned),
                duration_ms: c["duration_ms"].as_f64().unwrap_or(0.0),
            });
        }
        let usage = Usage {
            input_tokens: v["usage"]["input_tokens"].as_u64().unwrap_or(0),
            output_tokens: v["usage"]["output_tokens"].as_u64().unwrap_or(0),
        };
        Ok(AgentResult {
            text,
            tool_calls,
            usage,
            metadata: v["metadata"].clone(),
            json: v,
        })
    }

    /// finish_reason is `metadata.finish_reason` ("stop", "length", ...).
    pub fn finish_reason(&self) -> &str {
        self.metadata["finish_reason"].as_str().unwrap_or("")
    }
}

/// Agents is the agent registry of an [`Engine`]; get it from
/// [`Engine::agents`]. Every method may be called from any thread.
#[derive(Debug, Clone, Copy)]
pub struct Agents<'e> {
    engine: &'e Engine,
}

impl<'e> Agents<'e> {
    /// create builds and registers an agent and returns its handle. Unknown
    /// tools and providers fail here, not at the first turn. Wraps
    /// `llmspell_agent_create`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (an unknown key, a wrong type,
    /// a bad value), [`ErrorCode::NotFound`] (an unknown tool or provider, a
    /// missing local model), [`ErrorCode::Conflict`] (the name is taken).
    pub fn create(&self, config: &AgentConfig) -> Result<Agent<'e>, Error> {
        self.create_json(&config.to_json())
    }

    /// create_json is [`Agents::create`] with the config as JSON (an
    /// object; `Value::Null` for `{}`).
    pub fn create_json(&self, config: &Value) -> Result<Agent<'e>, Error> {
        let json = match config {
            Value::Null => None,
            c => Some(c.to_string()),
        };
        Ok(Agent {
            engine: self.engine,
            name: registry::create(self.engine, sys::llmspell_agent_create, json.as_deref())?,
        })
    }

    /// get returns the handle of the agent `name` (made here or by a
    /// spell), after checking that it exists. Wraps `llmspell_agent_info`.
    ///
    /// Errors: [`ErrorCode::NotFound`].
    pub fn get(&self, name: &str) -> Result<Agent<'e>, Error> {
        let a = self.handle(name);
        a.info()?;
        Ok(a)
    }

    /// handle returns a handle of the agent `name` without checking that
    /// it exists: its calls fail with [`ErrorCode::NotFound`] if it does
    /// not.
    pub fn handle(&self, name: &str) -> Agent<'e> {
        Agent {
            engine: self.engine,
            name: name.to_owned(),
        }
    }

    /// list describes every agent, sorted by name (infos as
    /// [`Agent::info`]). Wraps `llmspell_agent_list`.
    pub fn list(&self) -> Result<Vec<Value>, Error> {
        registry::list(self.engine, sys::llmspell_agent_list, "llmspell_agent_list")
    }

    /// remove unregisters the agent `name`; turns in progress finish and its
    /// saved memory stays in state. Returns whether it existed. Wraps
    /// `llmspell_agent_remove`.
    pub fn remove(&self, name: &str) -> Result<bool, Error> {
        registry::remove(self.engine, sys::llmspell_agent_remove, name, NAME)
    }
}

/// Agent is a handle of one agent of an engine's registry: its name and a
/// borrow of the [`Engine`]. It owns nothing in the library, so it is
/// `Clone`; once the agent is removed its calls fail with
/// [`ErrorCode::NotFound`].
///
/// `Send + Sync`: the header says every agent function is "safe from any
/// thread; concurrent executes of one agent each see its memory as it was
/// when they started".
#[derive(Debug, Clone)]
pub struct Agent<'e> {
    engine: &'e Engine,
    name: String,
}

impl<'e> Agent<'e> {
    /// name is the agent's name in the registry.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn c_name(&self) -> Result<CString, Error> {
        c_name(&self.name, NAME)
    }

    /// execute runs one turn (with its tool loop) and returns its result.
    /// Wraps `llmspell_agent_execute`.
    ///
    /// Errors: [`ErrorCode::NotFound`] (no such agent),
    /// [`ErrorCode::InvalidArgument`] (an empty or malformed input),
    /// [`ErrorCode::Provider`] (the model's server failed),
    /// [`ErrorCode::Timeout`] (the agent's `resource_limits.timeout_ms`).
    pub fn execute(&self, input: impl Into<Input>) -> Result<AgentResult, Error> {
        self.execute_inner(&input.into(), None)
    }

    /// execute_with is [`Agent::execute`] with a [`RunToken`] through which
    /// another thread may cancel the turn ([`ErrorCode::Cancelled`]).
    pub fn execute_with(
        &self,
        input: impl Into<Input>,
        token: &RunToken,
    ) -> Result<AgentResult, Error> {
        self.execute_inner(&input.into(), Some(token))
    }

    fn execute_inner(&self, input: &Input, token: Option<&RunToken>) -> Result<AgentResult, Error> {
        let name = self.c_name()?;
        let input = input.0.to_string();
        let run = token.map_or(ptr::null_mut(), RunToken::as_ptr);
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; name is NUL-terminated; input is
        // a live buffer; the token (if any) is borrowed for the call; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_agent_execute(
            self.engine.as_ptr(),
            name.as_ptr(),
            input.as_ptr().cast::<c_char>(),
            input.len(),
            run,
            out.out(),
            out.len_out(),
        ))?;
        AgentResult::from_json(out.json("llmspell_agent_execute")?)
    }

    /// stream starts a turn whose text deltas are read as the model makes
    /// them, through the returned [`DeltaStream`] (an iterator). The agent
    /// runs in the background and waits when 16 deltas are unread. Wraps
    /// `llmspell_agent_stream_open`.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), llmspell::Error> {
    /// # let engine = llmspell::Engine::with_defaults()?;
    /// let agent = engine.agents().create(&llmspell::AgentConfig::new().max_tokens(24))?;
    /// let mut stream = agent.stream("Once upon a time")?;
    /// for delta in &mut stream {
    ///     print!("{}", delta?);
    /// }
    /// println!("\n{:?}", stream.result().map(|r| r.usage));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Errors: [`ErrorCode::NotFound`], [`ErrorCode::InvalidArgument`];
    /// errors of the turn itself come from the iterator.
    pub fn stream(&self, input: impl Into<Input>) -> Result<DeltaStream<'e>, Error> {
        self.stream_inner(&input.into(), None)
    }

    /// stream_with is [`Agent::stream`] with a [`RunToken`] that cancels
    /// the turn.
    pub fn stream_with(
        &self,
        input: impl Into<Input>,
        token: &RunToken,
    ) -> Result<DeltaStream<'e>, Error> {
        self.stream_inner(&input.into(), Some(token))
    }

    fn stream_inner(
        &self,
        input: &Input,
        token: Option<&RunToken>,
    ) -> Result<DeltaStream<'e>, Error> {
        let name = self.c_name()?;
        let input = input.0.to_string();
        let run = token.map_or(ptr::null_mut(), RunToken::as_ptr);
        let mut raw: *mut sys::llmspell_delta_stream = ptr::null_mut();
        // SAFETY: as in execute_inner; raw is a valid out-pointer.
        try_call!(llmspell_agent_stream_open(
            self.engine.as_ptr(),
            name.as_ptr(),
            input.as_ptr().cast::<c_char>(),
            input.len(),
            run,
            &mut raw,
        ))?;
        match NonNull::new(raw) {
            Some(raw) => Ok(DeltaStream {
                raw,
                result: None,
                ended: false,
                _engine: PhantomData,
            }),
            None => Err(Error::new(
                ErrorCode::Internal,
                "llmspell_agent_stream_open returned OK and no stream",
            )),
        }
    }

    /// name_json runs fn(engine, name, &out, &len, &err) and parses its JSON.
    fn name_json(&self, what: &str, f: registry::NameJsonFn) -> Result<Value, Error> {
        registry::name_json(self.engine, f, what, &self.name, NAME)
    }

    /// info describes the agent: `{"name", "description", "type", "model",
    /// "provider", "tools", "system_prompt", "max_conversation_length",
    /// "max_tool_rounds", "memory_length"}`. Wraps `llmspell_agent_info`.
    pub fn info(&self) -> Result<Value, Error> {
        self.name_json("llmspell_agent_info", sys::llmspell_agent_info)
    }

    /// history returns the agent's memory, oldest first: messages `{"role",
    /// "content", "tool_calls"?, "tool_call_id"?, "name"?}`. Wraps
    /// `llmspell_agent_history`.
    pub fn history(&self) -> Result<Vec<Value>, Error> {
        match self.name_json("llmspell_agent_history", sys::llmspell_agent_history)? {
            Value::Array(a) => Ok(a),
            Value::Null => Ok(Vec::new()),
            other => Err(Error::new(
                ErrorCode::Internal,
                format!("llmspell_agent_history returned {other}"),
            )),
        }
    }

    /// clear_history empties the agent's memory (not its saved copy).
    /// Wraps `llmspell_agent_clear_history`.
    pub fn clear_history(&self) -> Result<(), Error> {
        let name = self.c_name()?;
        // SAFETY: the engine is live for 'e; name is NUL-terminated.
        try_call!(llmspell_agent_clear_history(
            self.engine.as_ptr(),
            name.as_ptr()
        ))
    }

    /// save_state saves the agent's memory in state scope `agent:<name>`.
    /// Wraps `llmspell_agent_save_state`.
    pub fn save_state(&self) -> Result<(), Error> {
        let name = self.c_name()?;
        // SAFETY: the engine is live for 'e; name is NUL-terminated.
        try_call!(llmspell_agent_save_state(
            self.engine.as_ptr(),
            name.as_ptr()
        ))
    }

    /// load_state replaces the agent's memory with its saved copy and
    /// returns true, or returns false (memory unchanged) when there is
    /// none. Wraps `llmspell_agent_load_state`.
    pub fn load_state(&self) -> Result<bool, Error> {
        let name = self.c_name()?;
        let mut found: i32 = 0;
        // SAFETY: the engine is live for 'e; name is NUL-terminated; found is
        // a valid out-pointer.
        try_call!(llmspell_agent_load_state(
            self.engine.as_ptr(),
            name.as_ptr(),
            &mut found
        ))?;
        Ok(found != 0)
    }

    /// wrap_as_tool registers the agent as a tool taking `{"input": "..."}`
    /// (default name `agent_<name>`) and returns the tool's name. Wraps
    /// `llmspell_agent_wrap_as_tool`.
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
            sys::llmspell_agent_wrap_as_tool,
            &self.name,
            NAME,
            tool_name,
            description,
        )
    }

    /// remove unregisters the agent and returns whether it existed (see
    /// [`Agents::remove`]).
    pub fn remove(&self) -> Result<bool, Error> {
        self.engine.agents().remove(&self.name)
    }
}

impl PartialEq for Agent<'_> {
    fn eq(&self, other: &Self) -> bool {
        ptr::eq(self.engine, other.engine) && self.name == other.name
    }
}

impl Eq for Agent<'_> {}

/// DeltaStream is the text of one agent turn, delta by delta, from
/// [`Agent::stream`]: an iterator of `Result<String, Error>`. It ends after
/// the last delta ([`DeltaStream::result`] then holds the turn's result),
/// or after yielding the turn's error ([`ErrorCode::Cancelled`] after
/// [`DeltaStream::cancel`], [`ErrorCode::Provider`], ...).
///
/// Dropping it cancels the turn if it still runs, waits for the agent to
/// stop and frees the stream (`llmspell_delta_stream_free`). It borrows the
/// [`Engine`] so that it cannot outlive it.
///
/// `Send + Sync`: the header says "a stream may be used from any thread,
/// one call at a time (except _cancel, which may come from any thread at
/// any time)"; reading takes `&mut self` and only [`DeltaStream::cancel`]
/// takes `&self`. To cancel from a thread that cannot borrow the stream,
/// use a [`StreamCanceller`].
pub struct DeltaStream<'e> {
    raw: NonNull<sys::llmspell_delta_stream>,
    result: Option<AgentResult>,
    ended: bool,
    _engine: PhantomData<&'e Engine>,
}

// SAFETY: see the type's doc: the header's Thread-safety line of
// llmspell_agent_stream_open is "a stream may be used from any thread, one
// call at a time (except _cancel, which may come from any thread at any
// time)". The handle is an opaque token looked up under the library's
// locking.
unsafe impl Send for DeltaStream<'_> {}
// SAFETY: as for Send; the only &self method reaching C is cancel, which
// "may come from any thread at any time"; next and Drop need &mut / owner.
unsafe impl Sync for DeltaStream<'_> {}

impl<'e> DeltaStream<'e> {
    /// result is the turn's result once the iterator has ended with
    /// success; None before, and after a failed turn.
    pub fn result(&self) -> Option<&AgentResult> {
        self.result.as_ref()
    }

    /// into_result reads the rest of the deltas and returns the result.
    pub fn into_result(mut self) -> Result<AgentResult, Error> {
        for d in &mut self {
            d?;
        }
        self.result
            .take()
            .ok_or_else(|| Error::new(ErrorCode::Internal, "the stream ended without a result"))
    }

    /// cancel stops the turn (its HTTP request and tool calls); the iterator
    /// then yields [`ErrorCode::Cancelled`] after the deltas already made.
    /// Harmless once the turn has ended. Wraps
    /// `llmspell_delta_stream_cancel`.
    pub fn cancel(&self) -> Result<(), Error> {
        // SAFETY: self.raw is live until Drop.
        try_call!(llmspell_delta_stream_cancel(self.raw.as_ptr()))
    }

    /// canceller returns a [`StreamCanceller`] for this stream, to move to
    /// another thread.
    pub fn canceller(&self) -> StreamCanceller {
        StreamCanceller {
            raw: self.raw.as_ptr(),
        }
    }

    fn finish(&mut self) -> Result<(), Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: self.raw is live until Drop; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_delta_stream_result(
            self.raw.as_ptr(),
            out.out(),
            out.len_out()
        ))?;
        self.result = Some(AgentResult::from_json(
            out.json("llmspell_delta_stream_result")?,
        )?);
        Ok(())
    }
}

impl Iterator for DeltaStream<'_> {
    type Item = Result<String, Error>;

    /// next waits for the next delta (`llmspell_delta_stream_next` with no
    /// time limit).
    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        let mut out = OwnedBuf::new();
        // SAFETY: self.raw is live until Drop; a negative timeout waits for
        // the next delta or the end; out's pointers are valid out-parameters.
        let r = try_call!(llmspell_delta_stream_next(
            self.raw.as_ptr(),
            -1,
            out.out(),
            out.len_out()
        ));
        match r {
            Ok(()) if !out.is_null() => Some(Ok(out.string())),
            Ok(()) => {
                self.ended = true;
                self.finish().err().map(Err)
            }
            Err(e) => {
                self.ended = true;
                Some(Err(e))
            }
        }
    }
}

impl Drop for DeltaStream<'_> {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_agent_stream_open and is freed
        // once; the type is neither Clone nor Copy.
        unsafe { sys::llmspell_delta_stream_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for DeltaStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeltaStream")
            .field("raw", &self.raw)
            .field("ended", &self.ended)
            .finish()
    }
}

/// StreamCanceller cancels a [`DeltaStream`] from any thread, also after
/// the stream is gone: the library then answers [`ErrorCode::Closed`] (the
/// header: "an unknown, stale or freed handle returns a status code and
/// never crashes").
#[derive(Debug, Clone)]
pub struct StreamCanceller {
    raw: *mut sys::llmspell_delta_stream,
}

// SAFETY: llmspell_delta_stream_cancel "may come from any thread at any
// time", and on a freed stream returns LLMSPELL_ERR_CLOSED; the pointer is
// only ever passed back to the library, never dereferenced.
unsafe impl Send for StreamCanceller {}
// SAFETY: as for Send.
unsafe impl Sync for StreamCanceller {}

impl StreamCanceller {
    /// cancel is [`DeltaStream::cancel`]; [`ErrorCode::Closed`] once the
    /// stream was dropped.
    pub fn cancel(&self) -> Result<(), Error> {
        // SAFETY: see the Send impl: the library checks the handle.
        try_call!(llmspell_delta_stream_cancel(self.raw))
    }
}

/// Providers are the LLM providers of an [`Engine`]; get them from
/// [`Engine::providers`].
#[derive(Debug, Clone, Copy)]
pub struct Providers<'e> {
    engine: &'e Engine,
}

impl Providers<'_> {
    /// list describes the configured providers, and the presets whose key
    /// is set or that need none ("local", "ollama", ...): `{"name", "type",
    /// "base_url", "default_model", "has_key", "capabilities": {"streaming",
    /// "tools", "parallel_tool_calls", "vision", "json_mode"}}`. Keys never
    /// appear. Wraps `llmspell_provider_list`.
    pub fn list(&self) -> Result<Vec<Value>, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live; out's pointers are valid out-parameters.
        try_call!(llmspell_provider_list(
            self.engine.as_ptr(),
            out.out(),
            out.len_out()
        ))?;
        out.json_list("llmspell_provider_list")
    }

    /// names returns the providers' names.
    pub fn names(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .list()?
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect())
    }
}
