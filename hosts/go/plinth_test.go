package plinth

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Test data: from the CTest entry's environment, else relative to the repository.
func dataDir(env, rel string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	return filepath.Join("..", "..", rel)
}

func demoDir() string { return dataDir("PLINTH_DEMO_MODEL_DIR", "models/license-mistral") }

type generation struct {
	IDs  []int32 `json:"ids"`
	Text string  `json:"text"`
}

func expectedGenerations(t *testing.T) map[string]generation {
	raw, err := os.ReadFile(filepath.Join(demoDir(), "expected_generations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Generations map[string]generation `json:"generations"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Generations
}

func TestGreedyGenerationsMatchTransformers(t *testing.T) {
	model, err := Open(demoDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	info, err := model.Info()
	if err != nil || info.ModelType != "mistral" || !info.CanGenerate {
		t.Fatalf("info %+v, %v", info, err)
	}
	tok, err := model.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	cases := expectedGenerations(t)
	if len(cases) != 3 {
		t.Fatalf("%d cases", len(cases))
	}
	for prompt, want := range cases {
		ids, err := tok.Encode(prompt, true)
		if err != nil {
			t.Fatal(err)
		}
		out, err := model.GenerateIDs(context.Background(), ids, &GenerateOptions{MaxNewTokens: len(want.IDs) - len(ids)})
		if err != nil {
			t.Fatal(err)
		}
		if !equalIDs(out, want.IDs) {
			t.Errorf("%q: got %v, want %v", prompt, out, want.IDs)
		}
		text, err := tok.Decode(out, true)
		if err != nil || text != want.Text {
			t.Errorf("%q: decoded %q (%v), want %q", prompt, text, err, want.Text)
		}
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreamingAndStopping(t *testing.T) {
	rt, err := NewRuntime(nil)
	if err != nil {
		t.Fatal(err)
	}
	model, err := rt.Load(demoDir(), nil)
	rt.Close() // the model keeps its runtime alive
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	prompt := "Licensed under the Apache License"
	var pieces []string
	text, err := model.Generate(context.Background(), prompt, &GenerateOptions{MaxNewTokens: 16},
		func(p string) error { pieces = append(pieces, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pieces, "") != text || !strings.HasPrefix(expectedGenerations(t)[prompt].Text, prompt+text) {
		t.Errorf("streamed %q, returned %q", strings.Join(pieces, ""), text)
	}

	stop := errors.New("enough")
	n := 0
	_, err = model.Generate(context.Background(), prompt, nil, func(string) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("callback error: got %v after %d tokens", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := model.GenerateIDs(ctx, []int32{1, 432}, nil); err != context.Canceled {
		t.Errorf("cancelled context: got %v", err)
	}
}

func TestErrors(t *testing.T) {
	_, err := Open("/nonexistent/model", nil)
	var perr *Error
	if !errors.As(err, &perr) || perr.Status != StatusNotFound || !strings.Contains(perr.Message, "/nonexistent/model") {
		t.Fatalf("got %v", err)
	}
	if _, err := Open(demoDir(), &ModelOptions{DType: "f7"}); err == nil || !strings.Contains(err.Error(), "f7") {
		t.Fatalf("got %v", err)
	}
	if ABIVersion() != ABIVersionHeader {
		t.Fatalf("library ABI %d, header %d", ABIVersion(), ABIVersionHeader)
	}
}
