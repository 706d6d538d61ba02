//! Links libllmspell.so.
//!
//! The library is found in `$LLMSPELL_LIB_DIR`, or else in the repository's
//! `build/lib` (where `make lib` puts it). The folder is also written into the
//! rpath of this crate's tests, and handed to dependent crates as
//! `DEP_LLMSPELL_LIB_DIR` so that their tests and examples can do the same.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LLMSPELL_LIB_DIR");
    println!("cargo:rerun-if-changed=build.rs");

    let dir = match env::var_os("LLMSPELL_LIB_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => {
            let manifest =
                PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
            manifest.join("../../../build/lib")
        }
    };
    // Prefer an absolute, normalised path: it ends up in rpaths.
    let dir = dir.canonicalize().unwrap_or(dir);
    let dir = dir.display();

    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=llmspell");
    // Only this package's tests, examples and binaries get this argument.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    // With `links = "llmspell"`, dependents see this as DEP_LLMSPELL_LIB_DIR.
    println!("cargo:lib_dir={dir}");
}
