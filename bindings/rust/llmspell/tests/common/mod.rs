//! Helpers shared by the integration tests.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Watchdog aborts the whole test process if the test that holds it has not
/// finished within its limit, so a run that never returns fails the suite
/// instead of hanging it. Dropping it (at the end of the test) disarms it.
pub struct Watchdog(Arc<AtomicBool>);

pub fn watchdog(test: &'static str, limit: Duration) -> Watchdog {
    let done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&done);
    thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < limit {
            if flag.load(Ordering::Acquire) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        if !flag.load(Ordering::Acquire) {
            // Straight to fd 2: the test harness captures eprintln! output.
            let _ = writeln!(
                std::io::stderr(),
                "watchdog: test {test} did not finish within {limit:?}: a run never returned \
                 (see \"Known issue\" in bindings/rust/README.md); aborting"
            );
            std::process::abort();
        }
    });
    Watchdog(done)
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}
