//! Raw declarations of plinth's C host API (`abi/plinth.h`, `abi/plinth_types.h`), written by
//! hand: no bindgen, so nothing is generated or downloaded at build time.
//!
//! Structs mirror the C layouts member for member (`#[repr(C)]` gives the C padding). Option
//! structs are versioned by `struct_size`; fill them with the `Default` impls here, which set
//! `struct_size` to this mirror's size and the defaults the header documents. Do not pass these
//! mirrors to the library's `*_init` functions: a newer library's `*_init` writes its own,
//! possibly larger struct (docs/ARCHITECTURE.md, "ABI rules").
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

/// `PLINTH_ABI_VERSION` of the header these declarations mirror.
pub const PLINTH_ABI_VERSION: u32 = 1;
pub const PLINTH_MAX_DIMS: usize = 4;

pub type plinth_status = i32;
pub const PLINTH_OK: plinth_status = 0;
pub const PLINTH_ERR_INVALID_ARGUMENT: plinth_status = 1;
pub const PLINTH_ERR_NOT_FOUND: plinth_status = 2;
pub const PLINTH_ERR_IO: plinth_status = 3;
pub const PLINTH_ERR_FORMAT: plinth_status = 4;
pub const PLINTH_ERR_UNSUPPORTED: plinth_status = 5;
pub const PLINTH_ERR_ABI_MISMATCH: plinth_status = 6;
pub const PLINTH_ERR_OUT_OF_MEMORY: plinth_status = 7;
pub const PLINTH_ERR_BACKEND: plinth_status = 8;
pub const PLINTH_ERR_BUFFER_TOO_SMALL: plinth_status = 9;
pub const PLINTH_ERR_CANCELLED: plinth_status = 10;
pub const PLINTH_ERR_INTERNAL: plinth_status = 11;

pub const PLINTH_DTYPE_F32: i32 = 0;
pub const PLINTH_DTYPE_F16: i32 = 1;
pub const PLINTH_DTYPE_BF16: i32 = 2;
pub const PLINTH_DTYPE_I32: i32 = 3;
pub const PLINTH_DTYPE_I64: i32 = 4;

pub const PLINTH_LOG_ERROR: i32 = 0;
pub const PLINTH_LOG_WARN: i32 = 1;
pub const PLINTH_LOG_INFO: i32 = 2;
pub const PLINTH_LOG_DEBUG: i32 = 3;

// Opaque handles: only ever used behind pointers.
#[repr(C)]
pub struct plinth_runtime {
    _private: [u8; 0],
}
#[repr(C)]
pub struct plinth_model {
    _private: [u8; 0],
}
#[repr(C)]
pub struct plinth_session {
    _private: [u8; 0],
}
#[repr(C)]
pub struct plinth_tokenizer {
    _private: [u8; 0],
}
#[repr(C)]
pub struct plinth_encoding {
    _private: [u8; 0],
}
#[repr(C)]
pub struct plinth_outputs {
    _private: [u8; 0],
}

fn size_of_u32<T>() -> u32 {
    std::mem::size_of::<T>() as u32
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_host_tensor {
    pub name: *const c_char,
    pub dtype: i32,
    pub ndim: i32,
    pub shape: [i64; PLINTH_MAX_DIMS],
    pub data: *mut c_void,
}

impl Default for plinth_host_tensor {
    fn default() -> Self {
        plinth_host_tensor {
            name: std::ptr::null(),
            dtype: 0,
            ndim: 0,
            shape: [0; PLINTH_MAX_DIMS],
            data: std::ptr::null_mut(),
        }
    }
}

pub type plinth_log_fn = Option<unsafe extern "C" fn(*mut c_void, i32, *const c_char)>;
pub type plinth_token_fn = Option<unsafe extern "C" fn(*mut c_void, i32, i32, *const c_char) -> i32>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_runtime_options {
    pub struct_size: u32,
    pub plugin_path: *const c_char,
    pub config_file: *const c_char,
    pub log_level: i32,
    pub n_threads: i32,
    pub log_fn: plinth_log_fn,
    pub log_user_data: *mut c_void,
}

impl Default for plinth_runtime_options {
    fn default() -> Self {
        plinth_runtime_options {
            struct_size: size_of_u32::<Self>(),
            plugin_path: std::ptr::null(),
            config_file: std::ptr::null(),
            log_level: -1,
            n_threads: 0,
            log_fn: None,
            log_user_data: std::ptr::null_mut(),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_plugin_info {
    pub struct_size: u32,
    pub name: *const c_char,
    pub kind: *const c_char,
    pub path: *const c_char,
    pub serves: *const c_char,
    pub state: i32,
    pub abi_version: u32,
    pub message: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_model_options {
    pub struct_size: u32,
    pub backend: *const c_char,
    pub dtype: *const c_char,
    pub head: *const c_char,
    pub n_threads: i32,
}

impl Default for plinth_model_options {
    fn default() -> Self {
        plinth_model_options {
            struct_size: size_of_u32::<Self>(),
            backend: std::ptr::null(),
            dtype: std::ptr::null(),
            head: std::ptr::null(),
            n_threads: 0,
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_model_info {
    pub struct_size: u32,
    pub model_type: *const c_char,
    pub architecture: *const c_char,
    pub head: *const c_char,
    pub plugin: *const c_char,
    pub backend: *const c_char,
    pub device: *const c_char,
    pub stored_dtype: *const c_char,
    pub dtype: *const c_char,
    pub n_parameters: i64,
    pub vocab_size: i64,
    pub can_generate: i32,
}

impl Default for plinth_model_info {
    fn default() -> Self {
        let null = std::ptr::null();
        plinth_model_info {
            struct_size: size_of_u32::<Self>(),
            model_type: null,
            architecture: null,
            head: null,
            plugin: null,
            backend: null,
            device: null,
            stored_dtype: null,
            dtype: null,
            n_parameters: 0,
            vocab_size: 0,
            can_generate: 0,
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_forward_options {
    pub struct_size: u32,
    pub output_hidden_states: i32,
    pub wanted: *const *const c_char,
}

impl Default for plinth_forward_options {
    fn default() -> Self {
        plinth_forward_options {
            struct_size: size_of_u32::<Self>(),
            output_hidden_states: 0,
            wanted: std::ptr::null(),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_generate_options {
    pub struct_size: u32,
    pub max_new_tokens: i32,
    pub temperature: f32,
    pub top_k: i32,
    pub top_p: f32,
    pub seed: u64,
    pub stop_at_eos: i32,
    pub add_special: i32,
    pub on_token: plinth_token_fn,
    pub user_data: *mut c_void,
}

impl Default for plinth_generate_options {
    fn default() -> Self {
        plinth_generate_options {
            struct_size: size_of_u32::<Self>(),
            max_new_tokens: 64,
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            seed: 0,
            stop_at_eos: 1,
            add_special: 1,
            on_token: None,
            user_data: std::ptr::null_mut(),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct plinth_encode_options {
    pub struct_size: u32,
    pub add_special_tokens: i32,
    pub pair: *const c_char,
    pub pair_len: i64,
    pub max_length: i32,
}

impl Default for plinth_encode_options {
    fn default() -> Self {
        plinth_encode_options {
            struct_size: size_of_u32::<Self>(),
            add_special_tokens: 1,
            pair: std::ptr::null(),
            pair_len: -1,
            max_length: 0,
        }
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct plinth_session_options {
    pub struct_size: u32,
    pub batch: i32,
    pub max_tokens: i32,
}

impl Default for plinth_session_options {
    fn default() -> Self {
        plinth_session_options { struct_size: size_of_u32::<Self>(), batch: 1, max_tokens: 0 }
    }
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct plinth_decode_options {
    pub struct_size: u32,
    pub skip_special_tokens: i32,
}

impl Default for plinth_decode_options {
    fn default() -> Self {
        plinth_decode_options { struct_size: size_of_u32::<Self>(), skip_special_tokens: 0 }
    }
}

extern "C" {
    // basics
    pub fn plinth_abi_version() -> u32;
    pub fn plinth_version_string() -> *const c_char;
    pub fn plinth_last_error() -> *const c_char;
    pub fn plinth_status_string(status: plinth_status) -> *const c_char;
    pub fn plinth_dtype_name(dtype: i32) -> *const c_char;
    pub fn plinth_dtype_size(dtype: i32) -> usize;

    // runtime
    pub fn plinth_runtime_create(
        opts: *const plinth_runtime_options,
        out: *mut *mut plinth_runtime,
    ) -> plinth_status;
    pub fn plinth_runtime_free(rt: *mut plinth_runtime);
    pub fn plinth_runtime_scan_plugins(rt: *mut plinth_runtime) -> plinth_status;
    pub fn plinth_runtime_plugin_count(rt: *const plinth_runtime) -> i32;
    pub fn plinth_runtime_plugin_at(
        rt: *const plinth_runtime,
        index: i32,
        out: *mut plinth_plugin_info,
    ) -> plinth_status;
    pub fn plinth_runtime_backend_devices(
        rt: *mut plinth_runtime,
        backend: *const c_char,
        count: *mut i32,
    ) -> plinth_status;

    // models
    pub fn plinth_model_load(
        rt: *mut plinth_runtime,
        dir: *const c_char,
        opts: *const plinth_model_options,
        out: *mut *mut plinth_model,
    ) -> plinth_status;
    pub fn plinth_model_free(model: *mut plinth_model);
    pub fn plinth_model_get_info(model: *const plinth_model, out: *mut plinth_model_info)
        -> plinth_status;
    pub fn plinth_model_tokenizer(
        model: *mut plinth_model,
        out: *mut *mut plinth_tokenizer,
    ) -> plinth_status;

    // forward
    pub fn plinth_model_forward(
        model: *mut plinth_model,
        inputs: *const plinth_host_tensor,
        n_inputs: i32,
        opts: *const plinth_forward_options,
        out: *mut *mut plinth_outputs,
    ) -> plinth_status;
    pub fn plinth_outputs_count(outputs: *const plinth_outputs) -> i32;
    pub fn plinth_outputs_at(
        outputs: *const plinth_outputs,
        index: i32,
        out: *mut plinth_host_tensor,
    ) -> plinth_status;
    pub fn plinth_outputs_find(
        outputs: *const plinth_outputs,
        name: *const c_char,
        out: *mut plinth_host_tensor,
    ) -> plinth_status;
    pub fn plinth_outputs_free(outputs: *mut plinth_outputs);

    // sessions
    pub fn plinth_session_create(
        model: *mut plinth_model,
        opts: *const plinth_session_options,
        out: *mut *mut plinth_session,
    ) -> plinth_status;
    pub fn plinth_session_free(session: *mut plinth_session);
    pub fn plinth_session_step(
        session: *mut plinth_session,
        input_ids: *const i32,
        n_tokens: i32,
        attention_mask: *const i32,
        logits_out: *mut f32,
    ) -> plinth_status;
    pub fn plinth_session_past(session: *const plinth_session) -> i32;

    // generation
    pub fn plinth_generate_ids(
        model: *mut plinth_model,
        prompt_ids: *const i32,
        batch: i32,
        n_prompt: i32,
        attention_mask: *const i32,
        opts: *const plinth_generate_options,
        out_ids: *mut i32,
        out_len: *mut i32,
        step_logits: *mut f32,
    ) -> plinth_status;
    pub fn plinth_generate_text(
        model: *mut plinth_model,
        prompt: *const c_char,
        opts: *const plinth_generate_options,
        buf: *mut c_char,
        cap: usize,
        needed: *mut usize,
    ) -> plinth_status;

    // tokenizers
    pub fn plinth_tokenizer_load(
        rt: *mut plinth_runtime,
        dir: *const c_char,
        out: *mut *mut plinth_tokenizer,
    ) -> plinth_status;
    pub fn plinth_tokenizer_free(tok: *mut plinth_tokenizer);
    pub fn plinth_tokenize(
        tok: *const plinth_tokenizer,
        text: *const c_char,
        text_len: i64,
        opts: *const plinth_encode_options,
        out: *mut *mut plinth_encoding,
    ) -> plinth_status;
    pub fn plinth_encoding_length(enc: *const plinth_encoding) -> i64;
    pub fn plinth_encoding_ids(enc: *const plinth_encoding) -> *const i32;
    pub fn plinth_encoding_type_ids(enc: *const plinth_encoding) -> *const i32;
    pub fn plinth_encoding_offsets(enc: *const plinth_encoding) -> *const i64;
    pub fn plinth_encoding_token(enc: *const plinth_encoding, index: i64) -> *const c_char;
    pub fn plinth_encoding_free(enc: *mut plinth_encoding);
    pub fn plinth_detokenize(
        tok: *const plinth_tokenizer,
        ids: *const i32,
        n: i64,
        opts: *const plinth_decode_options,
        buf: *mut c_char,
        cap: usize,
        needed: *mut usize,
    ) -> plinth_status;
    pub fn plinth_tokenizer_vocab_size(tok: *const plinth_tokenizer) -> i64;
    pub fn plinth_tokenizer_special_id(tok: *const plinth_tokenizer, role: *const c_char) -> i32;
    pub fn plinth_tokenizer_token_to_id(tok: *const plinth_tokenizer, token: *const c_char) -> i32;
}

#[cfg(test)]
mod tests {
    use super::*;

    // The mirrors must have the sizes the C compiler gives the header's structs (x86-64 and
    // aarch64 LP64); a drifted layout would corrupt memory silently.
    #[test]
    fn layouts_match_the_header() {
        use std::mem::size_of;
        assert_eq!(size_of::<plinth_host_tensor>(), 56);
        assert_eq!(size_of::<plinth_runtime_options>(), 48);
        assert_eq!(size_of::<plinth_model_options>(), 40);
        assert_eq!(size_of::<plinth_generate_options>(), 56);
        assert_eq!(size_of::<plinth_encode_options>(), 32);
        assert_eq!(size_of::<plinth_forward_options>(), 16);
        assert_eq!(size_of::<plinth_model_info>(), 96);
        assert_eq!(size_of::<plinth_session_options>(), 12);
        assert_eq!(size_of::<plinth_decode_options>(), 8);
    }

    #[test]
    fn library_abi_matches() {
        assert_eq!(unsafe { plinth_abi_version() }, PLINTH_ABI_VERSION);
    }
}
