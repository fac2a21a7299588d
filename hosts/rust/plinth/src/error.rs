//! Errors: a plinth_status plus the library's message for it.
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_char;

use plinth_sys as sys;

/// What kind of failure a call reported (the C `plinth_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    InvalidArgument,
    NotFound,
    Io,
    Format,
    Unsupported,
    AbiMismatch,
    OutOfMemory,
    Backend,
    BufferTooSmall,
    Cancelled,
    Internal,
    Other(i32),
}

impl Status {
    fn from_code(code: i32) -> Status {
        match code {
            sys::PLINTH_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::PLINTH_ERR_NOT_FOUND => Status::NotFound,
            sys::PLINTH_ERR_IO => Status::Io,
            sys::PLINTH_ERR_FORMAT => Status::Format,
            sys::PLINTH_ERR_UNSUPPORTED => Status::Unsupported,
            sys::PLINTH_ERR_ABI_MISMATCH => Status::AbiMismatch,
            sys::PLINTH_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::PLINTH_ERR_BACKEND => Status::Backend,
            sys::PLINTH_ERR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            sys::PLINTH_ERR_CANCELLED => Status::Cancelled,
            sys::PLINTH_ERR_INTERNAL => Status::Internal,
            other => Status::Other(other),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    /// The raw `plinth_status` code.
    pub code: i32,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn new(code: i32, message: impl Into<String>) -> Error {
        Error { status: Status::from_code(code), code, message: message.into() }
    }

    /// The calling thread's last error; read right after the failing call, on the same thread
    /// (the library keeps the message thread-local).
    pub(crate) fn last(code: i32) -> Error {
        let msg = unsafe { string_from(sys::plinth_last_error()) };
        let msg = if msg.is_empty() { unsafe { string_from(sys::plinth_status_string(code)) } } else { msg };
        Error::new(code, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.message, self.status)
    }
}

impl std::error::Error for Error {}

pub(crate) fn check(code: sys::plinth_status) -> Result<()> {
    if code == sys::PLINTH_OK {
        Ok(())
    } else {
        Err(Error::last(code))
    }
}

pub(crate) fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::new(sys::PLINTH_ERR_INVALID_ARGUMENT, format!("string contains a NUL byte: {:?}", s))
    })
}

/// Copies a C string the library owns; NULL reads as "".
pub(crate) unsafe fn string_from(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}
