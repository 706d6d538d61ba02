//! Puts the folder that holds libllmspell (found by llmspell-sys, handed over
//! as DEP_LLMSPELL_LIB_DIR) into the rpath of this crate's tests, examples
//! and benches, so `cargo test` and `cargo run --example` work without
//! LD_LIBRARY_PATH. Libraries that depend on this crate are not affected.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=LLMSPELL_LIB_DIR");
    if let Some(dir) = std::env::var_os("DEP_LLMSPELL_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.to_string_lossy());
    }
}
