//! Panics in Rust callbacks that the library calls (event callbacks, hooks).
//!
//! A panic must never unwind into C (the library's frames are Go and C, and
//! unwinding through them is undefined behaviour). Every trampoline runs the
//! user's closure under `catch_unwind`, saves the payload in a [`PanicSlot`]
//! shared with the Rust handle ([`Subscription`](crate::Subscription),
//! [`HookHandle`](crate::HookHandle)), and the handle resumes it with
//! `resume_unwind` on the caller's thread at its next call from Rust, after
//! the C call has returned. The default panic hook has already printed the
//! message (on the thread that panicked) by the time it is saved.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

type Payload = Box<dyn Any + Send + 'static>;

/// PanicSlot holds the first panic of a callback until a Rust call takes
/// it; later panics are counted by `panicked` only.
pub(crate) struct PanicSlot {
    panicked: AtomicBool,
    payload: Mutex<Option<Payload>>,
}

impl PanicSlot {
    pub(crate) fn new() -> PanicSlot {
        PanicSlot {
            panicked: AtomicBool::new(false),
            payload: Mutex::new(None),
        }
    }

    /// panicked reports whether a callback ever panicked (it stays true
    /// after the payload was taken).
    pub(crate) fn panicked(&self) -> bool {
        self.panicked.load(Ordering::Acquire)
    }

    /// save keeps `p` unless a payload is already waiting. Never panics:
    /// a payload that is not kept is dropped under `catch_unwind` (its own
    /// Drop could panic) and anything that escapes is leaked.
    pub(crate) fn save(&self, p: Payload) {
        self.panicked.store(true, Ordering::Release);
        let mut slot = self.payload.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(p);
            return;
        }
        drop(slot);
        drop_quietly(p);
    }

    /// take removes the saved payload, if any.
    pub(crate) fn take(&self) -> Option<Payload> {
        self.payload
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// resume re-raises a saved panic on the calling thread.
    pub(crate) fn resume(&self) {
        if let Some(p) = self.take() {
            panic::resume_unwind(p);
        }
    }

    /// resume_in_drop is [`PanicSlot::resume`] for Drop impls: when the
    /// thread is already unwinding (a second panic would abort), the payload
    /// is dropped instead; its message was printed when it happened.
    pub(crate) fn resume_in_drop(&self) {
        if std::thread::panicking() {
            if let Some(p) = self.take() {
                drop_quietly(p);
            }
        } else {
            self.resume();
        }
    }
}

/// drop_quietly drops a value whose Drop might panic, without unwinding;
/// the payload of such a panic is leaked.
pub(crate) fn drop_quietly<T>(v: T) {
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(move || drop(v))) {
        std::mem::forget(p);
    }
}

/// panic_message is the message of a panic payload (a `&str` or a `String`,
/// as `panic!` makes them), or a placeholder for any other payload.
pub(crate) fn panic_message(p: &(dyn Any + Send)) -> &str {
    if let Some(s) = p.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = p.downcast_ref::<String>() {
        s
    } else {
        "a panic payload that is not a string"
    }
}
