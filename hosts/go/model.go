package plinth

/*
#include <stdlib.h>
#include <plinth.h>
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// ModelOptions configures loading; the zero value means the runtime's backend, f32 weights
// and the head named by config.json.
type ModelOptions struct {
	Backend string // "cpu", ...
	DType   string // "f32", "f16", "bf16"
	Head    string // "causal_lm", "base", "seq_cls", ...
	Threads int
}

// Model is a loaded model. It may be shared by goroutines (the library serialises calls).
type Model struct {
	raw *C.plinth_model
}

// ModelInfo describes a loaded model.
type ModelInfo struct {
	ModelType, Architecture, Head, Plugin, Backend, Device, StoredDType, DType string
	Parameters, VocabSize                                                      int64
	CanGenerate                                                                bool
}

// Close frees the model.
func (m *Model) Close() error {
	if m.raw != nil {
		C.plinth_model_free(m.raw)
		m.raw = nil
	}
	return nil
}

// Info describes the model.
func (m *Model) Info() (ModelInfo, error) {
	var i C.plinth_model_info
	i.struct_size = C.uint32_t(unsafe.Sizeof(i))
	if err := call(func() C.plinth_status { return C.plinth_model_get_info(m.raw, &i) }); err != nil {
		return ModelInfo{}, err
	}
	return ModelInfo{
		ModelType: C.GoString(i.model_type), Architecture: C.GoString(i.architecture),
		Head: C.GoString(i.head), Plugin: C.GoString(i.plugin), Backend: C.GoString(i.backend),
		Device: C.GoString(i.device), StoredDType: C.GoString(i.stored_dtype),
		DType: C.GoString(i.dtype), Parameters: int64(i.n_parameters),
		VocabSize: int64(i.vocab_size), CanGenerate: i.can_generate != 0,
	}, nil
}

// Input is a named integer input of a forward pass (input_ids, attention_mask, ...), row-major.
type Input struct {
	Name  string
	Shape []int64
	Data  []int64
}

// Tensor is a forward output copied into Go memory: F32 for float outputs, I64 for integers.
type Tensor struct {
	Name  string
	Shape []int64
	F32   []float32
	I64   []int64
}

// Forward runs one forward pass. wanted names optional outputs to produce as well.
func (m *Model) Forward(inputs []Input, wanted ...string) (map[string]Tensor, error) {
	// The tensor descriptors and data live in C memory: they hold pointers, which cgo does not
	// allow Go memory passed to C to contain.
	n := len(inputs)
	base := (*C.plinth_host_tensor)(C.calloc(C.size_t(n+1), C.sizeof_plinth_host_tensor))
	defer C.free(unsafe.Pointer(base))
	descs := unsafe.Slice(base, n)
	for i, in := range inputs {
		numel := int64(1)
		for _, d := range in.Shape {
			numel *= d
		}
		if len(in.Shape) == 0 || len(in.Shape) > C.PLINTH_MAX_DIMS || numel != int64(len(in.Data)) {
			return nil, &Error{StatusInvalidArgument, fmt.Sprintf("input %s: shape %v does not fit %d values", in.Name, in.Shape, len(in.Data))}
		}
		d := &descs[i]
		d.name = C.CString(in.Name)
		defer C.free(unsafe.Pointer(d.name))
		d.dtype = C.PLINTH_DTYPE_I64
		d.ndim = C.int32_t(len(in.Shape))
		for j, s := range in.Shape {
			d.shape[j] = C.int64_t(s)
		}
		d.data = C.malloc(C.size_t(8 * numel))
		defer C.free(d.data)
		copy(unsafe.Slice((*int64)(d.data), numel), in.Data)
	}
	wantedC := make([]*C.char, 0, len(wanted)+1)
	for _, w := range wanted {
		cw := C.CString(w)
		defer C.free(unsafe.Pointer(cw))
		wantedC = append(wantedC, cw)
	}
	wantedC = append(wantedC, nil)
	var o C.plinth_forward_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	wantedArr := (**C.char)(C.calloc(C.size_t(len(wantedC)), C.size_t(unsafe.Sizeof(wantedC[0]))))
	defer C.free(unsafe.Pointer(wantedArr))
	copy(unsafe.Slice(wantedArr, len(wantedC)), wantedC)
	if len(wanted) > 0 {
		o.wanted = wantedArr
	}
	var out *C.plinth_outputs
	if err := call(func() C.plinth_status {
		return C.plinth_model_forward(m.raw, base, C.int32_t(n), &o, &out)
	}); err != nil {
		return nil, err
	}
	defer C.plinth_outputs_free(out)
	return copyOutputs(out)
}

func copyOutputs(out *C.plinth_outputs) (map[string]Tensor, error) {
	result := map[string]Tensor{}
	for i := 0; i < int(C.plinth_outputs_count(out)); i++ {
		var t C.plinth_host_tensor
		if err := call(func() C.plinth_status { return C.plinth_outputs_at(out, C.int32_t(i), &t) }); err != nil {
			return nil, err
		}
		tensor := Tensor{Name: C.GoString(t.name)}
		numel := 1
		for d := 0; d < int(t.ndim); d++ {
			tensor.Shape = append(tensor.Shape, int64(t.shape[d]))
			numel *= int(t.shape[d])
		}
		switch t.dtype {
		case C.PLINTH_DTYPE_F32:
			tensor.F32 = append([]float32(nil), unsafe.Slice((*float32)(t.data), numel)...)
		case C.PLINTH_DTYPE_I64:
			tensor.I64 = append([]int64(nil), unsafe.Slice((*int64)(t.data), numel)...)
		case C.PLINTH_DTYPE_I32:
			for _, v := range unsafe.Slice((*int32)(t.data), numel) {
				tensor.I64 = append(tensor.I64, int64(v))
			}
		default:
			return nil, &Error{StatusFormat, fmt.Sprintf("output %s has unsupported dtype %d", tensor.Name, t.dtype)}
		}
		result[tensor.Name] = tensor
	}
	return result, nil
}
