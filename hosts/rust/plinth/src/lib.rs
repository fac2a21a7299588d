//! plinth for Rust: run Hugging Face transformer checkpoints through plinth's C API.
//!
//! ```no_run
//! use plinth::{GenerateOptions, Model};
//! fn main() -> plinth::Result<()> {
//!     let model = Model::open("models/license-mistral")?;
//!     let opts = GenerateOptions { max_new_tokens: 32, ..Default::default() };
//!     model.generate_stream("Licensed under the Apache License", &opts, |t| {
//!         print!("{}", t.piece);
//!         true // false stops generation
//!     })?;
//!     Ok(())
//! }
//! ```
//!
//! Handles free themselves on drop. Every fallible call returns [`Result`], whose [`Error`]
//! carries the library's status and message. A [`Model`] keeps its runtime alive inside the
//! library, so it may outlive the [`Runtime`] value it was loaded from.
mod error;
mod generate;
mod model;
mod runtime;
mod tensor;
mod tokenizer;

pub use error::{Error, Result, Status};
pub use generate::{GenerateOptions, Token};
pub use model::{Model, ModelInfo, ModelOptions};
pub use runtime::{PluginInfo, Runtime, RuntimeOptions};
pub use tensor::{Input, Outputs, TensorView};
pub use tokenizer::Tokenizer;

pub use plinth_sys as sys;

/// The ABI version of the loaded library (must equal `sys::PLINTH_ABI_VERSION`).
pub fn abi_version() -> u32 {
    unsafe { sys::plinth_abi_version() }
}

/// The library's version string.
pub fn version() -> String {
    unsafe { error::string_from(sys::plinth_version_string()) }
}
