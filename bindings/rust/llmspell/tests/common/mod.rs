//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
                "watchdog: test {test} did not finish within {limit:?}: a call never returned \
                 (see bindings/rust/README.md); aborting"
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

/// TempDir is a fresh folder under std::env::temp_dir(), removed (with
/// everything in it) when dropped. Engines put their store in `data/`, so
/// that the default backup folder (`data.backups`) is inside it too. Declare
/// it before the engine that uses it, so that the engine is dropped first.
pub struct TempDir(PathBuf);

static TEMP_SEQ: AtomicUsize = AtomicUsize::new(0);

pub fn temp_dir(name: &str) -> TempDir {
    let n = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("llmspell-rust-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("create temp dir");
    TempDir(path)
}

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// data_dir is where the engine's pebble store lives.
    pub fn data_dir(&self) -> PathBuf {
        self.0.join("data")
    }

    /// config is an engine config with a pebble store in data_dir, plus
    /// the sections in `extra` (a JSON object).
    pub fn config(&self, extra: serde_json::Value) -> String {
        let mut cfg = serde_json::json!({
            "storage": {"data_dir": self.data_dir().to_str().expect("UTF-8 temp path")}
        });
        if let serde_json::Value::Object(m) = extra {
            for (k, v) in m {
                match (cfg.get_mut(&k), v) {
                    (Some(serde_json::Value::Object(have)), serde_json::Value::Object(add)) => {
                        have.extend(add)
                    }
                    (_, v) => {
                        cfg[k.as_str()] = v;
                    }
                }
            }
        }
        cfg.to_string()
    }

    /// engine opens an engine on data_dir with the default config.
    pub fn engine(&self) -> llmspell::Engine {
        llmspell::Engine::new(&self.config(serde_json::json!({}))).expect("pebble engine")
    }

    /// model_engine opens an engine on data_dir whose local models come
    /// from [`models_dir`].
    pub fn model_engine(&self) -> llmspell::Engine {
        let models = models_dir();
        llmspell::Engine::new(
            &self.config(
                serde_json::json!({"models": {"dir": models.to_str().expect("UTF-8 path")}}),
            ),
        )
        .expect("engine")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// json_eq is deep JSON equality where numbers compare by value (so 2 and
/// 2.0 are equal, as in every other binding's comparison).
pub fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// repo is the root of the repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// load_vectors reads tests/vectors/<name>.json.
pub fn load_vectors(name: &str) -> serde_json::Value {
    let path = repo().join(format!("tests/vectors/{name}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// models_dir is the folder holding stories260K/ (which may be missing):
/// LLMSPELL_MODELS_DIR, else <repo>/../shared/models.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("LLMSPELL_MODELS_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => repo().join("../shared/models"),
    }
}

pub fn have_models() -> bool {
    let d = models_dir().join("stories260K");
    d.join("stories260K.bin").exists() && d.join("tok512.bin").exists()
}

/// need_models returns false (after saying why) when the model files are
/// missing, so the test can return early; under CI=true it panics instead.
pub fn need_models(test: &str) -> bool {
    if have_models() {
        return true;
    }
    let msg = format!(
        "model files missing under {}/stories260K; set LLMSPELL_MODELS_DIR to a folder holding stories260K/",
        models_dir().display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: {msg}");
    }
    eprintln!("skipping {test}: {msg}");
    false
}
