package plinth

/*
#include <plinth.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// RuntimeOptions configures a Runtime; the zero value means plugins next to libplinth.so and
// settings from $PLINTH_CONFIG.
type RuntimeOptions struct {
	PluginPath string // extra plugin directories, ':'-separated
	ConfigFile string // a plinth.toml
	Threads    int    // 0: from the config, else all cores
	LogLevel   string // "", "error", "warn", "info" or "debug"
}

// Runtime holds the plugin registry. It may be shared by goroutines.
type Runtime struct {
	raw *C.plinth_runtime
}

var logLevels = map[string]C.int32_t{"": -1, "error": 0, "warn": 1, "info": 2, "debug": 3}

// NewRuntime creates a runtime; opts may be nil.
func NewRuntime(opts *RuntimeOptions) (*Runtime, error) {
	if opts == nil {
		opts = &RuntimeOptions{}
	}
	level, ok := logLevels[opts.LogLevel]
	if !ok {
		return nil, &Error{StatusInvalidArgument, fmt.Sprintf("unknown log level %q", opts.LogLevel)}
	}
	// Filled here, not by plinth_runtime_options_init: see "ABI rules" in docs/ARCHITECTURE.md.
	var o C.plinth_runtime_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.plugin_path = cstr(opts.PluginPath, true)
	defer free(o.plugin_path)
	o.config_file = cstr(opts.ConfigFile, true)
	defer free(o.config_file)
	o.log_level = level
	o.n_threads = C.int32_t(opts.Threads)
	rt := &Runtime{}
	if err := call(func() C.plinth_status { return C.plinth_runtime_create(&o, &rt.raw) }); err != nil {
		return nil, err
	}
	return rt, nil
}

// Close frees the runtime; models loaded from it keep working (they hold it in the library).
func (r *Runtime) Close() error {
	if r.raw != nil {
		C.plinth_runtime_free(r.raw)
		r.raw = nil
	}
	return nil
}

// Load loads a Hugging Face model directory; opts may be nil.
func (r *Runtime) Load(dir string, opts *ModelOptions) (*Model, error) {
	if opts == nil {
		opts = &ModelOptions{}
	}
	var o C.plinth_model_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.backend = cstr(opts.Backend, true)
	defer free(o.backend)
	o.dtype = cstr(opts.DType, true)
	defer free(o.dtype)
	o.head = cstr(opts.Head, true)
	defer free(o.head)
	o.n_threads = C.int32_t(opts.Threads)
	cdir := cstr(dir, false)
	defer free(cdir)
	m := &Model{}
	if err := call(func() C.plinth_status { return C.plinth_model_load(r.raw, cdir, &o, &m.raw) }); err != nil {
		return nil, err
	}
	return m, nil
}

// Open loads a model on a runtime of its own (default settings); Close on the model frees both.
func Open(dir string, opts *ModelOptions) (*Model, error) {
	rt, err := NewRuntime(nil)
	if err != nil {
		return nil, err
	}
	defer rt.Close() // the model keeps the runtime alive inside the library
	return rt.Load(dir, opts)
}
