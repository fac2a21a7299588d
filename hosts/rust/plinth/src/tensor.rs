//! Host tensors in and out of forward passes.
use std::ffi::{CStr, CString};
use std::os::raw::c_void;
use std::ptr::NonNull;

use plinth_sys as sys;

use crate::error::{check, Error, Result};

/// A named integer input (input_ids, attention_mask, ...), row-major.
pub struct Input<'a> {
    pub name: &'a str,
    pub shape: &'a [i64],
    data: InputData<'a>,
}

enum InputData<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl<'a> Input<'a> {
    pub fn i32(name: &'a str, shape: &'a [i64], data: &'a [i32]) -> Input<'a> {
        Input { name, shape, data: InputData::I32(data) }
    }

    pub fn i64(name: &'a str, shape: &'a [i64], data: &'a [i64]) -> Input<'a> {
        Input { name, shape, data: InputData::I64(data) }
    }

    pub(crate) fn to_host(&self, name: &CString) -> Result<sys::plinth_host_tensor> {
        let (dtype, ptr, len) = match self.data {
            InputData::I32(d) => (sys::PLINTH_DTYPE_I32, d.as_ptr() as *mut c_void, d.len()),
            InputData::I64(d) => (sys::PLINTH_DTYPE_I64, d.as_ptr() as *mut c_void, d.len()),
        };
        let numel: i64 = self.shape.iter().product();
        if self.shape.is_empty() || self.shape.len() > sys::PLINTH_MAX_DIMS || numel != len as i64 {
            return Err(Error::new(
                sys::PLINTH_ERR_INVALID_ARGUMENT,
                format!("input {}: shape {:?} does not fit {} values", self.name, self.shape, len),
            ));
        }
        let mut t = sys::plinth_host_tensor { name: name.as_ptr(), dtype, ndim: self.shape.len() as i32, data: ptr, ..Default::default() };
        t.shape[..self.shape.len()].copy_from_slice(self.shape);
        Ok(t)
    }
}

/// The outputs of one forward pass; views borrow from it.
pub struct Outputs {
    raw: NonNull<sys::plinth_outputs>,
}

unsafe impl Send for Outputs {}

/// One output: its name, dtype, shape and data (owned by the Outputs).
pub struct TensorView<'a> {
    pub name: &'a str,
    pub dtype: i32,
    pub shape: Vec<i64>,
    data: *const c_void,
    _outputs: std::marker::PhantomData<&'a Outputs>,
}

impl<'a> TensorView<'a> {
    pub fn numel(&self) -> usize {
        self.shape.iter().product::<i64>() as usize
    }

    fn slice<T>(&self, dtype: i32) -> Option<&'a [T]> {
        (self.dtype == dtype).then(|| unsafe { std::slice::from_raw_parts(self.data as *const T, self.numel()) })
    }

    pub fn as_f32(&self) -> Option<&'a [f32]> {
        self.slice(sys::PLINTH_DTYPE_F32)
    }

    pub fn as_i32(&self) -> Option<&'a [i32]> {
        self.slice(sys::PLINTH_DTYPE_I32)
    }

    pub fn as_i64(&self) -> Option<&'a [i64]> {
        self.slice(sys::PLINTH_DTYPE_I64)
    }
}

impl Outputs {
    pub(crate) unsafe fn from_raw(raw: *mut sys::plinth_outputs) -> Outputs {
        Outputs { raw: NonNull::new(raw).expect("plinth_model_forward returned NULL outputs") }
    }

    pub fn len(&self) -> usize {
        unsafe { sys::plinth_outputs_count(self.raw.as_ptr()) as usize }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn at(&self, index: usize) -> Result<TensorView<'_>> {
        let mut t = sys::plinth_host_tensor::default();
        check(unsafe { sys::plinth_outputs_at(self.raw.as_ptr(), index as i32, &mut t) })?;
        let name = unsafe { CStr::from_ptr(t.name) }.to_str().unwrap_or("");
        Ok(TensorView {
            name,
            dtype: t.dtype,
            shape: t.shape[..t.ndim as usize].to_vec(),
            data: t.data,
            _outputs: std::marker::PhantomData,
        })
    }

    pub fn get(&self, name: &str) -> Option<TensorView<'_>> {
        self.iter().find(|t| t.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = TensorView<'_>> {
        (0..self.len()).filter_map(move |i| self.at(i).ok())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        unsafe { sys::plinth_outputs_free(self.raw.as_ptr()) }
    }
}
