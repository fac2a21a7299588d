//! The runtime: plugin registry and settings.
use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use plinth_sys as sys;

use crate::error::{check, cstring, string_from, Result};
use crate::model::{Model, ModelOptions};

/// Settings of a runtime; `Default` = plugins next to libplinth.so, config from $PLINTH_CONFIG.
#[derive(Clone, Debug, Default)]
pub struct RuntimeOptions {
    /// Extra plugin directories, ':'-separated.
    pub plugin_path: Option<String>,
    /// A plinth.toml.
    pub config_file: Option<String>,
    /// 0 = from the config, else all cores.
    pub n_threads: i32,
    /// `sys::PLINTH_LOG_*`; None = from the config (warnings by default).
    pub log_level: Option<i32>,
}

pub struct Runtime {
    raw: NonNull<sys::plinth_runtime>,
}

// The C API allows a runtime to be shared across threads.
unsafe impl Send for Runtime {}
unsafe impl Sync for Runtime {}

/// One discovered plugin, as `plinth plugins` lists it.
#[derive(Clone, Debug)]
pub struct PluginInfo {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub serves: String,
    /// 0 available, 1 loaded, 2 rejected.
    pub state: i32,
    pub abi_version: u32,
    pub message: String,
}

impl Runtime {
    pub fn new() -> Result<Runtime> {
        Runtime::with_options(&RuntimeOptions::default())
    }

    pub fn with_options(opts: &RuntimeOptions) -> Result<Runtime> {
        let plugin_path = opts.plugin_path.as_deref().map(cstring).transpose()?;
        let config_file = opts.config_file.as_deref().map(cstring).transpose()?;
        let c_opts = sys::plinth_runtime_options {
            plugin_path: plugin_path.as_ref().map_or(ptr::null(), |s: &CString| s.as_ptr()),
            config_file: config_file.as_ref().map_or(ptr::null(), |s: &CString| s.as_ptr()),
            n_threads: opts.n_threads,
            log_level: opts.log_level.unwrap_or(-1),
            ..Default::default()
        };
        let mut raw = ptr::null_mut();
        check(unsafe { sys::plinth_runtime_create(&c_opts, &mut raw) })?;
        Ok(Runtime { raw: NonNull::new(raw).expect("plinth_runtime_create returned NULL") })
    }

    pub fn load_model(&self, dir: impl AsRef<Path>, opts: &ModelOptions) -> Result<Model> {
        Model::load(self, dir.as_ref(), opts)
    }

    /// Opens every discovered plugin (to validate it) and lists them.
    pub fn plugins(&self) -> Result<Vec<PluginInfo>> {
        check(unsafe { sys::plinth_runtime_scan_plugins(self.raw.as_ptr()) })?;
        let n = unsafe { sys::plinth_runtime_plugin_count(self.raw.as_ptr()) };
        let mut out = Vec::with_capacity(n.max(0) as usize);
        for i in 0..n {
            let mut info = sys::plinth_plugin_info {
                struct_size: std::mem::size_of::<sys::plinth_plugin_info>() as u32,
                name: ptr::null(),
                kind: ptr::null(),
                path: ptr::null(),
                serves: ptr::null(),
                state: 0,
                abi_version: 0,
                message: ptr::null(),
            };
            check(unsafe { sys::plinth_runtime_plugin_at(self.raw.as_ptr(), i, &mut info) })?;
            unsafe {
                out.push(PluginInfo {
                    name: string_from(info.name),
                    kind: string_from(info.kind),
                    path: string_from(info.path),
                    serves: string_from(info.serves),
                    state: info.state,
                    abi_version: info.abi_version,
                    message: string_from(info.message),
                });
            }
        }
        Ok(out)
    }

    pub fn as_ptr(&self) -> *mut sys::plinth_runtime {
        self.raw.as_ptr()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        unsafe { sys::plinth_runtime_free(self.raw.as_ptr()) }
    }
}
