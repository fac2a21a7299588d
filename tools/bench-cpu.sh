#!/usr/bin/env bash
# Reproduces docs/PERFORMANCE.md's CPU table: writes the Mistral-shaped 0.85B random-weight model
# (if missing) and runs `plinth bench` for f16, q8 and q4 weights, 64-token prompt, 2 threads.
# Usage: tools/bench-cpu.sh [MODEL_DIR] [extra plinth bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-/tmp/plinth-mistral-0.85b}
shift || true
build=${PLINTH_BUILD:-build} # plinth's build directory
[[ -x $build/bin/plinth ]] || tools/build.sh
if [[ ! -f "$model/model.safetensors" ]]; then
  "$build/bin/plinth-make-model" --arch mistral --preset 0.85b --dtype f16 --out "$model"
fi
for quant in none q8 q4; do
  "$build/bin/plinth" bench -m "$model" --prompt 64 --gen 32 --repeat 5 --threads 2 --quant "$quant" \
    --json "$@" > "$build/bench-$quant.json"
done
BUILD=$build python3 - <<'PY'
import json, os
print("| weights | decode tok/s | decode GB/s | read GB/s | decode % | prompt tok/s | prompt GFLOP/s | sgemm GFLOP/s | prompt % | runs (read GB/s: decode %) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for q in ("none", "q8", "q4"):
    d = json.load(open(f"{os.environ['BUILD']}/bench-{q}.json"))
    print(f"| {d['dtype']} | {d['decode_tok_s']:.1f} | {d['decode_weight_gb_s']:.1f} | {d['machine_read_gb_s']:.1f} "
          f"| {100*d['decode_fraction_of_bandwidth']:.0f}% | {d['prompt_tok_s']:.1f} | {d['prompt_gflop_s']:.0f} "
          f"| {d['machine_sgemm_gflop_s']:.0f} | {100*d['prompt_fraction_of_sgemm']:.0f}% "
          f"| {' '.join('%.0f: %.0f%%' % (r['read_gb_s'], 100 * r['decode_fraction_of_bandwidth']) for r in d['runs'])} |")
PY
