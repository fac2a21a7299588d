// Package plinth runs Hugging Face transformer checkpoints through plinth's C API (cgo).
//
//	model, err := plinth.Open("models/license-mistral", nil)
//	if err != nil { log.Fatal(err) }
//	defer model.Close()
//	text, err := model.Generate(ctx, "Licensed under the Apache License",
//		&plinth.GenerateOptions{MaxNewTokens: 32},
//		func(piece string) error { fmt.Print(piece); return nil })
//
// The library is found with pkg-config ("plinth": an installed SDK, or a build tree's
// <build>/pkgconfig). Handles must be released with Close; failures are returned as *Error,
// which carries the library's status and message.
package plinth

/*
#cgo pkg-config: plinth
#include <stdlib.h>
#include <plinth.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Status is a plinth_status code.
type Status int

const (
	StatusOK              Status = C.PLINTH_OK
	StatusInvalidArgument Status = C.PLINTH_ERR_INVALID_ARGUMENT
	StatusNotFound        Status = C.PLINTH_ERR_NOT_FOUND
	StatusIO              Status = C.PLINTH_ERR_IO
	StatusFormat          Status = C.PLINTH_ERR_FORMAT
	StatusUnsupported     Status = C.PLINTH_ERR_UNSUPPORTED
	StatusABIMismatch     Status = C.PLINTH_ERR_ABI_MISMATCH
	StatusOutOfMemory     Status = C.PLINTH_ERR_OUT_OF_MEMORY
	StatusBackend         Status = C.PLINTH_ERR_BACKEND
	StatusBufferTooSmall  Status = C.PLINTH_ERR_BUFFER_TOO_SMALL
	StatusCancelled       Status = C.PLINTH_ERR_CANCELLED
	StatusInternal        Status = C.PLINTH_ERR_INTERNAL
)

// Error is a failed plinth call.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("plinth: %s", e.Message) }

// call runs one C call and, on failure, reads its message. The message is thread-local in the
// library, so the goroutine stays on one OS thread from the call to the read.
func call(f func() C.plinth_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := f()
	if st == C.PLINTH_OK {
		return nil
	}
	msg := C.GoString(C.plinth_last_error())
	if msg == "" {
		msg = C.GoString(C.plinth_status_string(st))
	}
	return &Error{Status: Status(st), Message: msg}
}

// ABIVersion is the loaded library's ABI version; ABIVersionHeader the one compiled against.
func ABIVersion() uint32 { return uint32(C.plinth_abi_version()) }

const ABIVersionHeader = uint32(C.PLINTH_ABI_VERSION)

// Version is the library's version string.
func Version() string { return C.GoString(C.plinth_version_string()) }

// cstr converts s for one call; free the result with C.free. An empty s gives NULL when
// nullIfEmpty is set (the C API's "use the default").
func cstr(s string, nullIfEmpty bool) *C.char {
	if s == "" && nullIfEmpty {
		return nil
	}
	return C.CString(s)
}

func free(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}
