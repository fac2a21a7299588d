//! Finds libplinth.so: $PLINTH_LIB_DIR (a build tree's lib/, as the CTest entry sets it), else
//! pkg-config's libdir for an installed SDK, else the linker's default search path.
use std::env;
use std::process::Command;

fn pkg_config_libdir() -> Option<String> {
    let out = Command::new("pkg-config").args(["--variable=libdir", "plinth"]).output().ok()?;
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if out.status.success() && !dir.is_empty() {
        Some(dir)
    } else {
        None
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=PLINTH_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let dir = env::var("PLINTH_LIB_DIR").ok().filter(|d| !d.is_empty()).or_else(pkg_config_libdir);
    if let Some(dir) = dir {
        println!("cargo:rustc-link-search=native={}", dir);
        // Rpath for this crate's own tests; dependents read it back as DEP_PLINTH_LIB_DIR.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
        println!("cargo:lib_dir={}", dir);
    }
    println!("cargo:rustc-link-lib=dylib=plinth");
}
