//! Events: the engine's event bus, with pull and callback subscriptions
//! (`llmspell_event_*`, `llmspell_subscription_*`).

use std::ffi::{c_char, c_void};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

use llmspell_sys as sys;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::error::{try_call, Error, ErrorCode};
use crate::ffi::{c_name, no_nul, OwnedBuf};
use crate::panic::{drop_quietly, PanicSlot};

impl Engine {
    /// events returns the engine's event bus. The [`Events`] borrows the
    /// engine and is `Copy`.
    pub fn events(&self) -> Events<'_> {
        Events { engine: self }
    }
}

/// Events is the event bus of an [`Engine`], shared with spells (their
/// `Event` global) and with the engine itself, which publishes `state.*`,
/// `session.*`, `system.*`, `hook.breaker.*` events and more.
///
/// An event is a JSON object `{"id","type","data","timestamp","sequence",
/// "correlation_id","source","tags"}`; sequences grow monotonically per
/// engine. Types are dot-separated (`"agent.execution.started"`).
/// Subscription patterns: `"*"` (every event), an exact type, `"agent.*"`
/// (one or more segments after `agent.`), `"*.error"`, `"a.*.b"` (`*` is one
/// or more segments), `"tool_*"` (a string prefix).
///
/// Every method may be called from any thread, concurrently.
#[derive(Debug, Clone, Copy)]
pub struct Events<'e> {
    engine: &'e Engine,
}

impl<'e> Events<'e> {
    /// publish sends an event of type `event_type` with `data` to every
    /// matching subscription and returns the event as published (with its
    /// `id`, `sequence` and `timestamp`). Wraps `llmspell_event_publish`.
    ///
    /// It never blocks, except on a subscription with [`Policy::Block`],
    /// for at most that subscription's block timeout.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad type, a NUL byte in a
    /// name); [`ErrorCode::Limit`] when a [`Policy::Reject`] subscription was
    /// full (every other subscription still got the event).
    pub fn publish(
        &self,
        event_type: &str,
        data: &Value,
        opts: &PublishOptions,
    ) -> Result<Value, Error> {
        let event_type = c_name(event_type, "event type")?;
        let data = data.to_string();
        let options = opts.to_json()?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; event_type is NUL-terminated;
        // data and options are live buffers (options may be NULL/0); out's
        // pointers are valid out-parameters.
        try_call!(llmspell_event_publish(
            self.engine.as_ptr(),
            event_type.as_ptr(),
            data.as_ptr().cast(),
            data.len(),
            options.as_ref().map_or(ptr::null(), |o| o.as_ptr().cast()),
            options.as_ref().map_or(0, String::len),
            out.out(),
            out.len_out(),
        ))?;
        out.json("llmspell_event_publish")
    }

    /// subscribe creates a pull subscription to `pattern`: take its events
    /// with [`Subscription::next`]. Events published before it was created
    /// are not delivered. Wraps `llmspell_subscription_new`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad pattern or options).
    pub fn subscribe(&self, pattern: &str, opts: &SubscribeOptions) -> Result<Subscription, Error> {
        let pattern = c_name(pattern, "pattern")?;
        let options = opts.to_json();
        let mut out: *mut sys::llmspell_subscription = ptr::null_mut();
        // SAFETY: the engine is live for 'e; pattern is NUL-terminated;
        // options is a live buffer; out is a valid out-parameter.
        try_call!(llmspell_subscription_new(
            self.engine.as_ptr(),
            pattern.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            &mut out,
        ))?;
        Subscription::from_raw(out, None, "llmspell_subscription_new")
    }

    /// subscribe_with creates a callback subscription to `pattern`: `f` is
    /// called with each matching event. Wraps
    /// `llmspell_event_subscribe_callback`.
    ///
    /// `f` runs on the engine's event dispatcher thread (one per engine,
    /// shared by every callback subscription of the engine), one event at a
    /// time, in publish order; a slow `f` holds up the other callbacks of
    /// the engine, and events then wait in this subscription's buffer,
    /// where its [`Policy`] applies. `f` may call into the engine (publish,
    /// read state, ...), and may even drop its own [`Subscription`]: the
    /// call in progress is then the last one.
    ///
    /// Dropping the returned [`Subscription`] unsubscribes: no call of `f`
    /// runs after the drop returns, and `f` itself is dropped.
    ///
    /// Panics: if `f` panics, the panic is caught on the dispatcher thread
    /// (never unwinding into the library), the default panic hook prints it
    /// there, `f` is not called again (its state may be broken, as with a
    /// poisoned mutex), and the panic is resumed on the calling thread by
    /// the next [`Subscription::next`], [`Subscription::unsubscribe`] or
    /// drop of the subscription (a drop during unwinding discards it
    /// instead).
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad pattern or options).
    pub fn subscribe_with<F>(
        &self,
        pattern: &str,
        opts: &SubscribeOptions,
        f: F,
    ) -> Result<Subscription, Error>
    where
        F: FnMut(Value) + Send + 'static,
    {
        let pattern = c_name(pattern, "pattern")?;
        let options = opts.to_json();
        let slot = Arc::new(PanicSlot::new());
        let cb = Arc::new(Callback {
            f: Mutex::new(f),
            slot: Arc::clone(&slot),
        });
        let user_data = Arc::into_raw(cb).cast_mut().cast::<c_void>();
        let mut out: *mut sys::llmspell_subscription = ptr::null_mut();
        // SAFETY: the engine is live for 'e; pattern is NUL-terminated;
        // options is a live buffer; the trampolines are instantiated for F
        // and user_data is an Arc<Callback<F>> whose one reference the
        // library owns until it calls event_free; out is a valid
        // out-parameter.
        let r = try_call!(llmspell_event_subscribe_callback(
            self.engine.as_ptr(),
            pattern.as_ptr(),
            options.as_ptr().cast(),
            options.len(),
            Some(event_call::<F>),
            user_data,
            Some(event_free::<F>),
            &mut out,
        ));
        if let Err(e) = r {
            // "On failure user_data_free is not called: user_data stays the
            // caller's."
            // SAFETY: user_data came from Arc::into_raw above and the library
            // did not take it.
            drop(unsafe { Arc::from_raw(user_data.cast::<Callback<F>>().cast_const()) });
            return Err(e);
        }
        Subscription::from_raw(out, Some(slot), "llmspell_event_subscribe_callback")
    }

    /// query returns persisted events, oldest first, as JSON event objects.
    /// It needs the engine config `{"events":{"persist":true}}`
    /// (`events.persist_patterns` picks which types are kept, `events.ttl_s`
    /// and `events.max_count` prune them); events published before the call
    /// are included. Wraps `llmspell_event_query`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] (bad query, a NUL byte in a
    /// field, or persistence off).
    pub fn query(&self, query: &EventQuery) -> Result<Vec<Value>, Error> {
        let json = query.to_json()?;
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; json is a live buffer; out's
        // pointers are valid out-parameters.
        try_call!(llmspell_event_query(
            self.engine.as_ptr(),
            json.as_ptr().cast(),
            json.len(),
            out.out(),
            out.len_out(),
        ))?;
        out.json_list("llmspell_event_query")
    }

    /// stats returns the bus statistics: `{"published":n,"subscriptions":
    /// [{"id","pattern","policy","handler","queued","capacity","delivered",
    /// "dropped","rejected"}]}` (spells' subscriptions included). Wraps
    /// `llmspell_event_stats`.
    pub fn stats(&self) -> Result<Value, Error> {
        let mut out = OwnedBuf::new();
        // SAFETY: the engine is live for 'e; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_event_stats(
            self.engine.as_ptr(),
            out.out(),
            out.len_out()
        ))?;
        out.json("llmspell_event_stats")
    }
}

/// PublishOptions are the optional fields of a published event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// correlation_id links related events. Default: none (`null`).
    pub correlation_id: Option<String>,
    /// source names the publisher. Default: `"host"`.
    pub source: Option<String>,
    /// tags label the event. Default: none.
    pub tags: Vec<String>,
}

impl PublishOptions {
    /// new returns the default options.
    pub fn new() -> PublishOptions {
        PublishOptions::default()
    }

    /// correlation_id sets the event's correlation id.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// source sets the event's source.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// tag adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// to_json encodes the options object; None when every field is the
    /// default. Names travel inside JSON, so they get the NUL check here.
    fn to_json(&self) -> Result<Option<String>, Error> {
        let mut m = Map::new();
        if let Some(c) = &self.correlation_id {
            no_nul(c, "correlation id")?;
            m.insert("correlation_id".into(), Value::from(c.as_str()));
        }
        if let Some(s) = &self.source {
            no_nul(s, "source")?;
            m.insert("source".into(), Value::from(s.as_str()));
        }
        if !self.tags.is_empty() {
            for t in &self.tags {
                no_nul(t, "tag")?;
            }
            m.insert("tags".into(), Value::from(self.tags.clone()));
        }
        Ok((!m.is_empty()).then(|| Value::Object(m).to_string()))
    }
}

/// EventQuery selects persisted events for [`Events::query`]. Every field
/// is optional; the default selects every persisted event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// pattern matches event types, as for subscriptions. Default: every
    /// type.
    pub pattern: Option<String>,
    /// correlation_id keeps the events of one correlation (alone, that
    /// correlation's timeline). Default: any.
    pub correlation_id: Option<String>,
    /// since keeps events at or after this RFC 3339 time (an event's
    /// `timestamp` works). Default: no bound.
    pub since: Option<String>,
    /// until keeps events before this RFC 3339 time. Default: no bound.
    pub until: Option<String>,
    /// limit bounds the number of events returned. Default: no limit.
    pub limit: Option<u64>,
}

impl EventQuery {
    /// new returns the query for every persisted event.
    pub fn new() -> EventQuery {
        EventQuery::default()
    }

    /// pattern matches event types.
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// correlation_id keeps one correlation's events.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// since keeps events at or after an RFC 3339 time.
    pub fn since(mut self, t: impl Into<String>) -> Self {
        self.since = Some(t.into());
        self
    }

    /// until keeps events before an RFC 3339 time.
    pub fn until(mut self, t: impl Into<String>) -> Self {
        self.until = Some(t.into());
        self
    }

    /// limit bounds the number of events.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    fn to_json(&self) -> Result<String, Error> {
        let mut m = Map::new();
        for (k, v) in [
            ("pattern", &self.pattern),
            ("correlation_id", &self.correlation_id),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if let Some(v) = v {
                no_nul(v, k)?;
                m.insert(k.into(), Value::from(v.as_str()));
            }
        }
        if let Some(n) = self.limit {
            m.insert("limit".into(), Value::from(n));
        }
        Ok(Value::Object(m).to_string())
    }
}

/// Policy is what a full subscription buffer does with a new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// Make room by discarding the oldest queued event (counted as
    /// dropped). The default.
    #[default]
    DropOldest,
    /// Discard the new event (counted as dropped).
    DropNewest,
    /// Make the publisher wait for room up to the block timeout, then
    /// discard the new event (counted as dropped).
    Block,
    /// Discard the new event (counted as rejected) and fail the publish
    /// with [`ErrorCode::Limit`].
    Reject,
}

impl Policy {
    /// name is the library's name of the policy ("drop_oldest", ...).
    pub fn name(self) -> &'static str {
        match self {
            Policy::DropOldest => "drop_oldest",
            Policy::DropNewest => "drop_newest",
            Policy::Block => "block",
            Policy::Reject => "reject",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SubscribeOptions configure a subscription's bounded buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeOptions {
    /// buffer_size bounds the events queued for the subscription, 1 to
    /// 1048576. Default: 1024.
    pub buffer_size: Option<usize>,
    /// policy decides what a full buffer does with a new event. Default:
    /// [`Policy::DropOldest`].
    pub policy: Option<Policy>,
    /// block_timeout bounds how long [`Policy::Block`] makes a publisher
    /// wait, in whole milliseconds (`Duration::ZERO` also means the
    /// default). Default: 100 ms.
    pub block_timeout: Option<Duration>,
}

impl SubscribeOptions {
    /// new returns the default options.
    pub fn new() -> SubscribeOptions {
        SubscribeOptions::default()
    }

    /// buffer_size bounds the queued events.
    pub fn buffer_size(mut self, n: usize) -> Self {
        self.buffer_size = Some(n);
        self
    }

    /// policy sets the overflow policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// block_timeout bounds the wait of [`Policy::Block`].
    pub fn block_timeout(mut self, t: Duration) -> Self {
        self.block_timeout = Some(t);
        self
    }

    /// to_json encodes the options object (`{}` for the defaults).
    fn to_json(&self) -> String {
        let mut m = Map::new();
        if let Some(n) = self.buffer_size {
            m.insert("buffer_size".into(), Value::from(n));
        }
        if let Some(p) = self.policy {
            m.insert("policy".into(), Value::from(p.name()));
        }
        if let Some(t) = self.block_timeout {
            m.insert("block_timeout_ms".into(), Value::from(millis_ceil(t)));
        }
        Value::Object(m).to_string()
    }
}

/// millis_ceil is a duration in whole milliseconds, rounded up (so that a
/// sub-millisecond wait is not "0 = do not wait") and capped at u32::MAX.
fn millis_ceil(t: Duration) -> u32 {
    t.as_nanos().div_ceil(1_000_000).min(u32::MAX as u128) as u32
}

/// Subscription is a subscription to the event bus, from
/// [`Events::subscribe`] (pull: take events with
/// [`Subscription::next`]) or [`Events::subscribe_with`] (a callback
/// receives them). Dropping it unsubscribes and frees it
/// (`llmspell_subscription_free`); for a callback subscription no call of
/// the callback runs after the drop returns.
///
/// The C subscription keeps its engine alive until it is freed, so a
/// Subscription does not borrow the [`Engine`]; after the engine is
/// dropped it simply receives no more events.
pub struct Subscription {
    raw: NonNull<sys::llmspell_subscription>,
    /// panic is the callback's panic slot; None for a pull subscription.
    panic: Option<Arc<PanicSlot>>,
}

// SAFETY: the header says of llmspell_subscription_next "Thread-safety: safe
// from any thread; concurrent callers each get distinct events", and of
// llmspell_subscription_free "Thread-safety: safe from any thread". The
// handle is an opaque token looked up under the library's locking; the
// panic slot is an Arc<PanicSlot> (a Mutex and an atomic).
unsafe impl Send for Subscription {}
// SAFETY: as for Send; the only &self method that reaches C is `next`,
// documented safe for concurrent callers. Freeing needs ownership, so it
// cannot race with `next`.
unsafe impl Sync for Subscription {}

impl Subscription {
    fn from_raw(
        raw: *mut sys::llmspell_subscription,
        panic: Option<Arc<PanicSlot>>,
        what: &str,
    ) -> Result<Subscription, Error> {
        match NonNull::new(raw) {
            Some(raw) => Ok(Subscription { raw, panic }),
            None => Err(Error::new(
                ErrorCode::Internal,
                format!("{what} returned OK and no subscription"),
            )),
        }
    }

    /// is_callback reports whether this is a callback subscription (from
    /// [`Events::subscribe_with`]).
    pub fn is_callback(&self) -> bool {
        self.panic.is_some()
    }

    /// next takes the next event of a pull subscription, waiting up to
    /// `timeout` (rounded up to whole milliseconds; `Duration::ZERO` does
    /// not wait); `Ok(None)` when none came in time. Several threads may
    /// call it at once on one subscription (`&Subscription` is shared) and
    /// each gets distinct events. Wraps `llmspell_subscription_next`.
    ///
    /// Errors: [`ErrorCode::InvalidArgument`] on a callback subscription.
    ///
    /// Panics: on a callback subscription whose callback panicked, with
    /// that panic (once).
    pub fn next(&self, timeout: Duration) -> Result<Option<Value>, Error> {
        if let Some(slot) = &self.panic {
            slot.resume();
        }
        let mut out = OwnedBuf::new();
        // SAFETY: self.raw is live until Drop; out's pointers are valid
        // out-parameters.
        try_call!(llmspell_subscription_next(
            self.raw.as_ptr(),
            millis_ceil(timeout),
            out.out(),
            out.len_out(),
        ))?;
        if out.is_null() {
            return Ok(None);
        }
        out.json("llmspell_subscription_next").map(Some)
    }

    /// iter returns an iterator over the events of a pull subscription:
    /// each `next` waits up to `timeout` for an event, and the iterator
    /// ends at the first wait that times out (or after yielding an error).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), llmspell::Error> {
    /// # let engine = llmspell::Engine::with_defaults()?;
    /// use std::time::Duration;
    /// use llmspell::SubscribeOptions;
    /// let sub = engine.events().subscribe("job.*", &SubscribeOptions::new())?;
    /// for event in sub.iter(Duration::from_millis(200)) {
    ///     println!("{}", event?["type"]);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn iter(&self, timeout: Duration) -> SubscriptionIter<'_> {
        SubscriptionIter {
            sub: self,
            timeout,
            done: false,
        }
    }

    /// unsubscribe frees the subscription (the same as dropping it), then
    /// resumes a panic of its callback, if any.
    pub fn unsubscribe(self) {
        // Drop frees and resumes.
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // SAFETY: self.raw came from llmspell_subscription_new or
        // llmspell_event_subscribe_callback and is freed once; the type is
        // neither Clone nor Copy. For a callback subscription the library
        // calls event_free (dropping the closure) before returning, unless
        // this runs inside the callback itself.
        unsafe { sys::llmspell_subscription_free(self.raw.as_ptr()) }
        if let Some(slot) = &self.panic {
            slot.resume_in_drop();
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("raw", &self.raw)
            .field("callback", &self.is_callback())
            .finish()
    }
}

/// SubscriptionIter is the iterator of [`Subscription::iter`].
#[derive(Debug)]
pub struct SubscriptionIter<'s> {
    sub: &'s Subscription,
    timeout: Duration,
    done: bool,
}

impl Iterator for SubscriptionIter<'_> {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.sub.next(self.timeout) {
            Ok(Some(ev)) => Some(Ok(ev)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Callback is the user data of a callback subscription: the closure and
/// the panic slot it shares with the [`Subscription`].
///
/// It is reference counted because the library calls user_data_free at
/// once when a subscription is freed from inside its own callback, while
/// that callback is still running (see README "Known issues"): the
/// trampoline holds its own reference for the duration of each call, so the
/// closure is dropped only after the call returns.
struct Callback<F> {
    /// f is behind a Mutex so that `FnMut` is sound even if the library
    /// ever called it concurrently; the library calls it one event at a
    /// time, so the lock is never contended.
    f: Mutex<F>,
    slot: Arc<PanicSlot>,
}

/// event_call is the llmspell_event_fn trampoline of a callback
/// subscription. It never unwinds.
unsafe extern "C" fn event_call<F>(user_data: *mut c_void, json: *const c_char, len: usize)
where
    F: FnMut(Value) + Send + 'static,
{
    let ptr = user_data.cast::<Callback<F>>().cast_const();
    // SAFETY: user_data is the Arc<Callback<F>> of subscribe_with, and the
    // library's reference is alive at the start of a call (it is released
    // only by event_free, which a free from another thread runs after this
    // call returns, and a free from inside this call runs during it). Take a
    // reference of our own for the call.
    let cb = unsafe {
        Arc::increment_strong_count(ptr);
        Arc::from_raw(ptr)
    };
    if !cb.slot.panicked() && !json.is_null() {
        // SAFETY: the library passes event_len readable bytes, borrowed for
        // the call.
        let bytes = unsafe { std::slice::from_raw_parts(json.cast::<u8>(), len) };
        let r = panic::catch_unwind(AssertUnwindSafe(|| deliver(&cb.f, bytes)));
        if let Err(p) = r {
            cb.slot.save(p);
        }
    }
    // The last reference (after a free from inside the call) drops the
    // closure here; its Drop must not unwind into C either.
    drop_quietly(cb);
}

/// deliver parses one event and calls the closure with it.
fn deliver<F: FnMut(Value)>(f: &Mutex<F>, bytes: &[u8]) {
    let event = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("llmspell: event callback skipped an event that is not JSON: {e}");
            return;
        }
    };
    let mut f = match f.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => {
            eprintln!("llmspell: event callback called while already running; event skipped");
            return;
        }
    };
    (*f)(event);
}

/// event_free is the llmspell_free_fn of a callback subscription: it
/// releases the library's reference to the Callback. It never unwinds.
unsafe extern "C" fn event_free<F>(user_data: *mut c_void)
where
    F: FnMut(Value) + Send + 'static,
{
    // SAFETY: user_data is the Arc<Callback<F>> of subscribe_with, and the
    // library calls user_data_free once.
    let cb = unsafe { Arc::from_raw(user_data.cast::<Callback<F>>().cast_const()) };
    let slot = Arc::clone(&cb.slot);
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || drop(cb))) {
        slot.save(p);
    }
}
