package plinth

/*
#include <stdlib.h>
#include <plinth.h>
*/
import "C"

import "unsafe"

// Tokenizer encodes and decodes text. Every Tokenizer, from Model.Tokenizer or LoadTokenizer,
// is its own reference and needs Close; one from a model stays valid after the model's Close.
type Tokenizer struct {
	raw *C.plinth_tokenizer
}

// Tokenizer returns the tokenizer of the model directory (Close it when done; it may outlive
// the model).
func (m *Model) Tokenizer() (*Tokenizer, error) {
	t := &Tokenizer{}
	if err := call(func() C.plinth_status { return C.plinth_model_tokenizer(m.raw, &t.raw) }); err != nil {
		return nil, err
	}
	return t, nil
}

// LoadTokenizer loads the tokenizer files of a model directory, without the model.
func (r *Runtime) LoadTokenizer(dir string) (*Tokenizer, error) {
	cdir := C.CString(dir)
	defer C.free(unsafe.Pointer(cdir))
	t := &Tokenizer{}
	if err := call(func() C.plinth_status { return C.plinth_tokenizer_load(r.raw, cdir, &t.raw) }); err != nil {
		return nil, err
	}
	return t, nil
}

// Close releases the tokenizer.
func (t *Tokenizer) Close() error {
	if t.raw != nil {
		C.plinth_tokenizer_free(t.raw)
		t.raw = nil
	}
	return nil
}

// Encode returns the token ids of text (with BOS etc. when addSpecial).
func (t *Tokenizer) Encode(text string, addSpecial bool) ([]int32, error) {
	var o C.plinth_encode_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	if addSpecial {
		o.add_special_tokens = 1
	}
	o.pair_len = -1
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	var enc *C.plinth_encoding
	if err := call(func() C.plinth_status {
		return C.plinth_tokenize(t.raw, ctext, C.int64_t(len(text)), &o, &enc)
	}); err != nil {
		return nil, err
	}
	defer C.plinth_encoding_free(enc)
	n := int(C.plinth_encoding_length(enc))
	if n == 0 {
		return []int32{}, nil
	}
	return append([]int32(nil), unsafe.Slice((*int32)(unsafe.Pointer(C.plinth_encoding_ids(enc))), n)...), nil
}

// Decode returns the text of ids.
func (t *Tokenizer) Decode(ids []int32, skipSpecial bool) (string, error) {
	opts := C.plinth_decode_options{struct_size: C.uint32_t(unsafe.Sizeof(C.plinth_decode_options{}))}
	if skipSpecial {
		opts.skip_special_tokens = 1
	}
	var idsPtr *C.int32_t
	if len(ids) > 0 {
		idsPtr = (*C.int32_t)(unsafe.Pointer(&ids[0]))
	}
	buf := make([]byte, 256)
	for {
		var needed C.size_t
		err := call(func() C.plinth_status {
			return C.plinth_detokenize(t.raw, idsPtr, C.int64_t(len(ids)), &opts,
				(*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &needed)
		})
		if e, ok := err.(*Error); ok && e.Status == StatusBufferTooSmall {
			buf = make([]byte, int(needed)+1)
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:needed]), nil
	}
}

// SpecialID is the id of the special token for a role ("bos", "eos", "pad", ...), or -1.
func (t *Tokenizer) SpecialID(role string) int32 {
	crole := C.CString(role)
	defer C.free(unsafe.Pointer(crole))
	return int32(C.plinth_tokenizer_special_id(t.raw, crole))
}
