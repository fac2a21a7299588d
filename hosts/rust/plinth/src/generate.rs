//! Generation: from ids, from text, and streamed through a callback.
use std::any::Any;
use std::ffi::CStr;
use std::os::raw::{c_char, c_void};
use std::panic::{self, AssertUnwindSafe};

use plinth_sys as sys;

use crate::error::{check, cstring, Error, Result};
use crate::model::Model;

/// Decoding settings; `Default` = greedy, 64 new tokens, stop at the model's eos.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub max_new_tokens: i32,
    /// 0 = greedy.
    pub temperature: f32,
    /// 0 = off.
    pub top_k: i32,
    /// 1 = off.
    pub top_p: f32,
    pub seed: u64,
    pub stop_at_eos: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { max_new_tokens: 64, temperature: 0.0, top_k: 0, top_p: 1.0, seed: 0, stop_at_eos: true }
    }
}

impl GenerateOptions {
    fn to_c(&self) -> sys::plinth_generate_options {
        sys::plinth_generate_options {
            max_new_tokens: self.max_new_tokens,
            temperature: self.temperature,
            top_k: self.top_k,
            top_p: self.top_p,
            seed: self.seed,
            stop_at_eos: self.stop_at_eos as i32,
            ..Default::default()
        }
    }
}

/// One streamed token: its id and the text it adds ("" inside a multi-byte character).
#[derive(Debug)]
pub struct Token<'a> {
    pub row: i32,
    pub id: i32,
    pub piece: &'a str,
}

struct Stream<'f> {
    callback: &'f mut dyn FnMut(&Token<'_>) -> bool,
    text: String,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn on_token(user: *mut c_void, row: i32, id: i32, piece: *const c_char) -> i32 {
    let stream = &mut *(user as *mut Stream<'_>);
    let piece = if piece.is_null() { "".into() } else { CStr::from_ptr(piece).to_string_lossy() };
    stream.text.push_str(&piece);
    // A panic must not unwind into C: keep it, stop generating, resume it after the call.
    let token = Token { row, id, piece: &piece };
    match panic::catch_unwind(AssertUnwindSafe(|| (stream.callback)(&token))) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(payload) => {
            stream.panic = Some(payload);
            1
        }
    }
}

impl Model {
    /// Continues one row of token ids; returns prompt + new ids.
    pub fn generate_ids(&self, prompt: &[i32], opts: &GenerateOptions) -> Result<Vec<i32>> {
        if prompt.is_empty() || opts.max_new_tokens < 0 {
            return Err(Error::new(sys::PLINTH_ERR_INVALID_ARGUMENT, "empty prompt or negative max_new_tokens"));
        }
        let c_opts = opts.to_c();
        let mut out = vec![0i32; prompt.len() + opts.max_new_tokens as usize];
        let mut len = 0i32;
        check(unsafe {
            sys::plinth_generate_ids(self.as_ptr(), prompt.as_ptr(), 1, prompt.len() as i32, std::ptr::null(),
                                     &c_opts, out.as_mut_ptr(), &mut len, std::ptr::null_mut())
        })?;
        out.truncate(len as usize);
        Ok(out)
    }

    /// Continues a text prompt (tokenized by the model's tokenizer); returns the continuation.
    pub fn generate_text(&self, prompt: &str, opts: &GenerateOptions) -> Result<String> {
        self.generate_stream(prompt, opts, |_| true)
    }

    /// Like generate_text, calling `callback` for each new token as it is produced; returning
    /// false from it stops generation (the text so far is returned).
    pub fn generate_stream<F>(&self, prompt: &str, opts: &GenerateOptions, mut callback: F) -> Result<String>
    where
        F: FnMut(&Token<'_>) -> bool,
    {
        let prompt = cstring(prompt)?;
        let mut stream = Stream { callback: &mut callback, text: String::new(), panic: None };
        let mut c_opts = opts.to_c();
        c_opts.on_token = Some(on_token);
        c_opts.user_data = &mut stream as *mut Stream<'_> as *mut c_void;
        let mut buf = vec![0u8; 4096 + 64 * opts.max_new_tokens.max(0) as usize];
        let mut needed = 0usize;
        let st = unsafe {
            sys::plinth_generate_text(self.as_ptr(), prompt.as_ptr(), &c_opts, buf.as_mut_ptr() as *mut c_char,
                                      buf.len(), &mut needed)
        };
        if let Some(payload) = stream.panic.take() {
            panic::resume_unwind(payload);
        }
        if st == sys::PLINTH_ERR_BUFFER_TOO_SMALL {
            // Generation ran to the end; the streamed pieces hold the same text.
            return Ok(stream.text);
        }
        check(st)?;
        buf.truncate(needed);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}
