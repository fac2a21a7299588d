//! Loaded models: info, tokenizer, forward passes.
use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use plinth_sys as sys;

use crate::error::{check, cstring, string_from, Result};
use crate::runtime::Runtime;
use crate::tensor::{Input, Outputs};
use crate::tokenizer::Tokenizer;

/// How to load a model; `Default` = the runtime's backend, f32, head from config.json.
#[derive(Clone, Debug, Default)]
pub struct ModelOptions {
    pub backend: Option<String>,
    /// "f32", "f16" or "bf16".
    pub dtype: Option<String>,
    /// "causal_lm", "base", "seq_cls", ...
    pub head: Option<String>,
    pub n_threads: i32,
}

#[derive(Clone, Debug)]
pub struct ModelInfo {
    pub model_type: String,
    pub architecture: String,
    pub head: String,
    pub plugin: String,
    pub backend: String,
    pub device: String,
    pub stored_dtype: String,
    pub dtype: String,
    pub n_parameters: i64,
    pub vocab_size: i64,
    pub can_generate: bool,
}

pub struct Model {
    raw: NonNull<sys::plinth_model>,
}

// The C API allows a model to be shared across threads; the library serialises its calls.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

fn opt_cstring(s: &Option<String>) -> Result<Option<CString>> {
    s.as_deref().map(cstring).transpose()
}

fn ptr_of(s: &Option<CString>) -> *const std::os::raw::c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

impl Model {
    /// A model on a runtime of its own with default settings.
    pub fn open(dir: impl AsRef<Path>) -> Result<Model> {
        Runtime::new()?.load_model(dir, &ModelOptions::default())
    }

    pub fn load(rt: &Runtime, dir: &Path, opts: &ModelOptions) -> Result<Model> {
        let dir = cstring(&dir.to_string_lossy())?;
        let (backend, dtype, head) =
            (opt_cstring(&opts.backend)?, opt_cstring(&opts.dtype)?, opt_cstring(&opts.head)?);
        let c_opts = sys::plinth_model_options {
            backend: ptr_of(&backend),
            dtype: ptr_of(&dtype),
            head: ptr_of(&head),
            n_threads: opts.n_threads,
            ..Default::default()
        };
        let mut raw = ptr::null_mut();
        check(unsafe { sys::plinth_model_load(rt.as_ptr(), dir.as_ptr(), &c_opts, &mut raw) })?;
        Ok(Model { raw: NonNull::new(raw).expect("plinth_model_load returned NULL") })
    }

    pub fn info(&self) -> Result<ModelInfo> {
        let mut i = sys::plinth_model_info::default();
        check(unsafe { sys::plinth_model_get_info(self.raw.as_ptr(), &mut i) })?;
        unsafe {
            Ok(ModelInfo {
                model_type: string_from(i.model_type),
                architecture: string_from(i.architecture),
                head: string_from(i.head),
                plugin: string_from(i.plugin),
                backend: string_from(i.backend),
                device: string_from(i.device),
                stored_dtype: string_from(i.stored_dtype),
                dtype: string_from(i.dtype),
                n_parameters: i.n_parameters,
                vocab_size: i.vocab_size,
                can_generate: i.can_generate != 0,
            })
        }
    }

    /// The tokenizer of the model directory: an owned reference, valid after the model is
    /// dropped.
    pub fn tokenizer(&self) -> Result<Tokenizer> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::plinth_model_tokenizer(self.raw.as_ptr(), &mut raw) })?;
        Ok(unsafe { Tokenizer::from_raw(raw) })
    }

    /// One forward pass. `wanted`: optional outputs to produce as well; `hidden_states`: also
    /// return "hidden_states.<i>".
    pub fn forward(&self, inputs: &[Input<'_>], wanted: &[&str], hidden_states: bool) -> Result<Outputs> {
        let names = inputs.iter().map(|i| cstring(i.name)).collect::<Result<Vec<_>>>()?;
        let tensors: Vec<sys::plinth_host_tensor> =
            inputs.iter().zip(&names).map(|(i, n)| i.to_host(n)).collect::<Result<_>>()?;
        let wanted_c = wanted.iter().map(|w| cstring(w)).collect::<Result<Vec<_>>>()?;
        let mut wanted_ptrs: Vec<_> = wanted_c.iter().map(|w| w.as_ptr()).collect();
        wanted_ptrs.push(ptr::null());
        let opts = sys::plinth_forward_options {
            output_hidden_states: hidden_states as i32,
            wanted: if wanted.is_empty() { ptr::null() } else { wanted_ptrs.as_ptr() },
            ..Default::default()
        };
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::plinth_model_forward(self.raw.as_ptr(), tensors.as_ptr(), tensors.len() as i32, &opts, &mut out)
        })?;
        Ok(unsafe { Outputs::from_raw(out) })
    }

    pub fn as_ptr(&self) -> *mut sys::plinth_model {
        self.raw.as_ptr()
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { sys::plinth_model_free(self.raw.as_ptr()) }
    }
}
