//! plinth-sys's rpath applies only to its own binaries; this repeats it for this crate's tests
//! and examples (the directory comes from plinth-sys's `links` metadata).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_PLINTH_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_PLINTH_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
}
