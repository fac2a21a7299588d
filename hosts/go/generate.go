package plinth

/*
#include <stdlib.h>
#include <plinth.h>
// bridge.c: forwards the C callback to plinthGoOnToken (exported Go functions cannot be
// referenced from a preamble that defines anything).
int32_t plinth_go_on_token(void *user, int32_t row, int32_t token, const char *piece);
*/
import "C"

import (
	"context"
	"strings"
	"sync"
	"unsafe"
)

// GenerateOptions configures decoding. Zero values mean the defaults: 64 new tokens, greedy
// (Temperature 0), TopK off, TopP 1 (off), stop at the model's eos.
type GenerateOptions struct {
	MaxNewTokens int
	Temperature  float32
	TopK         int
	TopP         float32
	Seed         uint64
	IgnoreEOS    bool
}

func (g *GenerateOptions) toC() C.plinth_generate_options {
	if g == nil {
		g = &GenerateOptions{}
	}
	// Filled here, not by plinth_generate_options_init: see "ABI rules" in docs/ARCHITECTURE.md.
	var o C.plinth_generate_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.max_new_tokens = 64
	if g.MaxNewTokens > 0 {
		o.max_new_tokens = C.int32_t(g.MaxNewTokens)
	}
	o.temperature = C.float(g.Temperature)
	o.top_k = C.int32_t(g.TopK)
	o.top_p = 1
	if g.TopP > 0 {
		o.top_p = C.float(g.TopP)
	}
	o.seed = C.uint64_t(g.Seed)
	o.stop_at_eos = 1
	if g.IgnoreEOS {
		o.stop_at_eos = 0
	}
	o.add_special = 1
	return o
}

// stream is what one generate call's callback needs. C receives only an opaque C-allocated
// key; the Go state stays in this registry (cgo forbids handing Go pointers to C to keep).
type stream struct {
	ctx     context.Context
	onToken func(piece string) error
	text    strings.Builder
	err     error
}

var (
	streamsMu sync.Mutex
	streams   = map[uintptr]*stream{}
)

//export plinthGoOnToken
func plinthGoOnToken(key unsafe.Pointer, row C.int32_t, token C.int32_t, piece *C.char) C.int32_t {
	streamsMu.Lock()
	s := streams[uintptr(key)]
	streamsMu.Unlock()
	if s == nil {
		return 1
	}
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 1
	}
	p := C.GoString(piece)
	s.text.WriteString(p)
	if s.onToken != nil {
		if err := s.onToken(p); err != nil {
			s.err = err
			return 1
		}
	}
	return 0
}

// withStream registers s for the duration of f, giving f the options to pass to C.
func withStream(s *stream, opts *GenerateOptions, f func(o *C.plinth_generate_options) error) error {
	key := C.malloc(1)
	defer C.free(key)
	streamsMu.Lock()
	streams[uintptr(key)] = s
	streamsMu.Unlock()
	defer func() {
		streamsMu.Lock()
		delete(streams, uintptr(key))
		streamsMu.Unlock()
	}()
	o := opts.toC()
	o.on_token = C.plinth_token_fn(C.plinth_go_on_token)
	o.user_data = key
	if err := f(&o); err != nil {
		return err
	}
	return s.err
}

// Generate continues a text prompt and returns the continuation. onToken (may be nil) gets each
// piece of text as it is produced; returning an error stops generation and Generate returns
// it. Cancelling ctx stops generation at the next token.
func (m *Model) Generate(ctx context.Context, prompt string, opts *GenerateOptions, onToken func(piece string) error) (string, error) {
	s := &stream{ctx: ctx, onToken: onToken}
	cprompt := C.CString(prompt)
	defer C.free(unsafe.Pointer(cprompt))
	var result string
	err := withStream(s, opts, func(o *C.plinth_generate_options) error {
		buf := make([]byte, 4096+64*int(o.max_new_tokens))
		var needed C.size_t
		err := call(func() C.plinth_status {
			return C.plinth_generate_text(m.raw, cprompt, o, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &needed)
		})
		if e, ok := err.(*Error); ok && e.Status == StatusBufferTooSmall {
			result = s.text.String() // generation ran; the streamed pieces hold the same text
			return nil
		}
		if err == nil {
			result = string(buf[:needed])
		}
		return err
	})
	return result, err
}

// GenerateIDs continues one row of token ids; it returns prompt + new ids.
func (m *Model) GenerateIDs(ctx context.Context, prompt []int32, opts *GenerateOptions) ([]int32, error) {
	if len(prompt) == 0 {
		return nil, &Error{StatusInvalidArgument, "empty prompt"}
	}
	s := &stream{ctx: ctx}
	var out []int32
	err := withStream(s, opts, func(o *C.plinth_generate_options) error {
		ids := make([]int32, len(prompt)+int(o.max_new_tokens))
		var n C.int32_t
		err := call(func() C.plinth_status {
			return C.plinth_generate_ids(m.raw, (*C.int32_t)(unsafe.Pointer(&prompt[0])), 1, C.int32_t(len(prompt)), nil, o,
				(*C.int32_t)(unsafe.Pointer(&ids[0])), &n, nil)
		})
		out = ids[:n]
		return err
	})
	return out, err
}
