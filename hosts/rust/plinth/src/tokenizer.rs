//! Tokenizers: the one a model directory ships or one loaded alone. Either is an owned
//! reference and stays valid after the model is dropped.
use std::os::raw::c_char;
use std::path::Path;
use std::ptr;

use plinth_sys as sys;

use crate::error::{check, cstring, Error, Result};
use crate::runtime::Runtime;

pub struct Tokenizer {
    raw: *mut sys::plinth_tokenizer,
}

// The library's tokenizers are immutable once loaded and safe to call from many threads.
unsafe impl Send for Tokenizer {}
unsafe impl Sync for Tokenizer {}

impl Tokenizer {
    pub(crate) unsafe fn from_raw(raw: *mut sys::plinth_tokenizer) -> Self {
        Tokenizer { raw }
    }

    /// The tokenizer files of a model directory, without the model.
    pub fn load(rt: &Runtime, dir: impl AsRef<Path>) -> Result<Tokenizer> {
        let dir = cstring(&dir.as_ref().to_string_lossy())?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::plinth_tokenizer_load(rt.as_ptr(), dir.as_ptr(), &mut raw) })?;
        Ok(Tokenizer { raw })
    }

    pub fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<i32>> {
        let opts = sys::plinth_encode_options { add_special_tokens: add_special_tokens as i32, ..Default::default() };
        let mut enc = ptr::null_mut();
        check(unsafe {
            sys::plinth_tokenize(self.raw, text.as_ptr() as *const c_char, text.len() as i64, &opts, &mut enc)
        })?;
        let ids = unsafe {
            let n = sys::plinth_encoding_length(enc) as usize;
            let p = sys::plinth_encoding_ids(enc);
            let v = if n == 0 { Vec::new() } else { std::slice::from_raw_parts(p, n).to_vec() };
            sys::plinth_encoding_free(enc);
            v
        };
        Ok(ids)
    }

    pub fn decode(&self, ids: &[i32], skip_special: bool) -> Result<String> {
        let opts = sys::plinth_decode_options { skip_special_tokens: skip_special as i32, ..Default::default() };
        let mut buf: Vec<u8> = vec![0; 256];
        loop {
            let mut needed = 0usize;
            let st = unsafe {
                sys::plinth_detokenize(self.raw, ids.as_ptr(), ids.len() as i64, &opts,
                                       buf.as_mut_ptr() as *mut c_char, buf.len(), &mut needed)
            };
            if st == sys::PLINTH_ERR_BUFFER_TOO_SMALL {
                buf.resize(needed + 1, 0);
                continue;
            }
            check(st)?;
            buf.truncate(needed);
            return String::from_utf8(buf)
                .map_err(|e| Error::new(sys::PLINTH_ERR_FORMAT, format!("decoded text is not UTF-8: {}", e)));
        }
    }

    /// Id of the special token for a role ("bos", "eos", "pad", ...), if the tokenizer has one.
    pub fn special_id(&self, role: &str) -> Option<i32> {
        let role = cstring(role).ok()?;
        let id = unsafe { sys::plinth_tokenizer_special_id(self.raw, role.as_ptr()) };
        (id >= 0).then(|| id)
    }

    pub fn vocab_size(&self) -> i64 {
        unsafe { sys::plinth_tokenizer_vocab_size(self.raw) }
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        unsafe { sys::plinth_tokenizer_free(self.raw) }
    }
}
