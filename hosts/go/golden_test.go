package plinth

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A safetensors tensor as read by the test: F32 data in F, I64 data in I.
type stTensor struct {
	Shape []int64
	F     []float64
	I     []int64
}

func readSafetensors(t *testing.T, path string) map[string]stTensor {
	blob, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(blob)
	var header map[string]json.RawMessage
	if err := json.Unmarshal(blob[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	data := blob[8+n:]
	out := map[string]stTensor{}
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var meta struct {
			DType   string   `json:"dtype"`
			Shape   []int64  `json:"shape"`
			Offsets [2]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatal(err)
		}
		b := data[meta.Offsets[0]:meta.Offsets[1]]
		st := stTensor{Shape: meta.Shape}
		switch meta.DType {
		case "F32":
			for i := 0; i+4 <= len(b); i += 4 {
				st.F = append(st.F, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
			}
		case "I64":
			for i := 0; i+8 <= len(b); i += 8 {
				st.I = append(st.I, int64(binary.LittleEndian.Uint64(b[i:])))
			}
		default:
			t.Fatalf("%s: dtype %s not handled by the test reader", name, meta.DType)
		}
		out[name] = st
	}
	return out
}

// One golden fixture case through Forward, at the case's tolerance.
func TestGoldenMistralSeqCls(t *testing.T) {
	dir := filepath.Join(dataDir("PLINTH_GOLDEN_DIR", "tests/data/golden"), "models", "mistral", "seq_cls")
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Head      string `json:"head"`
		Tolerance struct{ Rtol, Atol float64 }
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for name, st := range readSafetensors(t, filepath.Join(dir, "inputs.safetensors")) {
		if !strings.HasPrefix(name, "generate") {
			inputs = append(inputs, Input{Name: name, Shape: st.Shape, Data: st.I})
		}
	}
	model, err := Open(dir, &ModelOptions{Head: spec.Head})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	outputs, err := model.Forward(inputs)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range readSafetensors(t, filepath.Join(dir, "expected.safetensors")) {
		got, ok := outputs[name]
		if !ok || len(got.F32) != len(want.F) {
			t.Fatalf("%s: missing or wrong size (%v vs %v)", name, got.Shape, want.Shape)
		}
		for i, w := range want.F {
			if d := math.Abs(float64(got.F32[i]) - w); d > spec.Tolerance.Atol+spec.Tolerance.Rtol*math.Abs(w) {
				t.Errorf("%s[%d]: got %g, want %g", name, i, got.F32[i], w)
			}
		}
	}
}
