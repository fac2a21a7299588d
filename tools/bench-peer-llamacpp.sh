#!/usr/bin/env bash
# Measures llama.cpp beside `plinth bench` on the same Mistral-shaped 0.85B random-weight model
# (issue #6's peer comparison): f16, 8-bit and 4-bit, 64-token prompt, 32 decode steps, 2 threads.
# For each format plinth runs first and llama-bench right after it, with the read bandwidth
# measured just before and after the llama.cpp run too (this VM's bandwidth moves between
# regimes within minutes, so each engine's fraction uses the bandwidth around its own run). llama.cpp is not part of plinth: build it yourself (CPU, Release, GGML_NATIVE=ON) and
# pass its build directory; llama-bench runs with a user's defaults (mmap on, flash attention
# auto, f16 KV cache, batch 2048 / ubatch 512, one warm-up run).
#
# Usage: tools/bench-peer-llamacpp.sh LLAMA_BUILD_DIR [MODEL_DIR] [--repeat N] [--formats "f16 q8 q4"]
#   MODEL_DIR (default /tmp/plinth-mistral-0.85b) gets the safetensors model; MODEL_DIR.f16.gguf,
#   .q8_0.gguf and .q4_0.gguf are written next to it if missing (llama-quantize makes the last two).
#   PLINTH_BUILD (default build) names plinth's build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { sed -n '2,14p' "$0"; exit 2; }
llama=$1
shift
model=/tmp/plinth-mistral-0.85b
if [[ $# -gt 0 && $1 != --* ]]; then model=$1; shift; fi
repeat=5 formats="f16 q8 q4"
while [[ $# -gt 0 ]]; do
  case $1 in
  --repeat) repeat=$2; shift 2 ;;
  --formats) formats=$2; shift 2 ;;
  *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
build=${PLINTH_BUILD:-build}
[[ -x $build/bin/plinth ]] || tools/build.sh
for tool in llama-bench llama-quantize; do
  [[ -x $llama/bin/$tool ]] || { echo "no $llama/bin/$tool: build llama.cpp's $tool first" >&2; exit 2; }
done

# Models: the same shapes (and values) in both formats; only the quantized GGUFs differ in content.
if [[ ! -f $model/model.safetensors ]]; then
  "$build/bin/plinth-make-model" --arch mistral --preset 0.85b --dtype f16 --out "$model"
fi
[[ -f $model.f16.gguf ]] ||
  "$build/bin/plinth-make-model" --arch mistral --preset 0.85b --dtype f16 --gguf "$model.f16.gguf"
for q in q8_0 q4_0; do
  [[ -f $model.$q.gguf ]] ||
    "$llama/bin/llama-quantize" "$model.f16.gguf" "$model.$q.gguf" "${q^^}" > "$build/peer-quantize-$q.log" 2>&1
done

out=$build/peer-bench
mkdir -p "$out"
# Other work on the machine hurts llama.cpp (its threads spin at barriers) far more than plinth:
# the table reports the load so a noisy pass can be recognised.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# The machine's read bandwidth right now, from plinth bench's probe (a one-token run of the
# demo model): taken before and after each llama-bench run, since the regime may change
# between the plinth run and the llama.cpp one.
read_gb_s() {
  "$build/bin/plinth" bench --prompt 1 --gen 1 --repeat 1 --json 2> /dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["machine_read_gb_s"])'
}
for f in $formats; do
  case $f in
  f16) quant=none gguf=$model.f16.gguf ;;
  q8) quant=q8 gguf=$model.q8_0.gguf ;;
  q4) quant=q4 gguf=$model.q4_0.gguf ;;
  *) echo "unknown format $f" >&2; exit 2 ;;
  esac
  echo "== $f: plinth, then llama.cpp" >&2
  "$build/bin/plinth" bench -m "$model" --prompt 64 --gen 32 --repeat "$repeat" --threads 2 \
    --quant "$quant" --json > "$out/plinth-$f.json"
  read_gb_s > "$out/llama-$f.bw"
  "$llama/bin/llama-bench" -m "$gguf" -t 2 -p 64 -n 32 -r "$repeat" -o json \
    > "$out/llama-$f.json" 2> "$out/llama-$f.log"
  read_gb_s >> "$out/llama-$f.bw"
done

LOAD="$load_before / $(cut -d' ' -f1-3 /proc/loadavg)" OUT=$out FORMATS=$formats python3 - <<'PY'
import json, os
out, formats = os.environ["OUT"], os.environ["FORMATS"].split()
rows = []
for f in formats:
    p = json.load(open(f"{out}/plinth-{f}.json"))
    runs = json.load(open(f"{out}/llama-{f}.json"))
    pp = next(r for r in runs if r["n_prompt"] > 0 and r["n_gen"] == 0)
    tg = next(r for r in runs if r["n_gen"] > 0 and r["n_prompt"] == 0)
    bw = p["machine_read_gb_s"]
    lbw = [float(x) for x in open(f"{out}/llama-{f}.bw").read().split()]
    # Same formula for both engines: decode tok/s x weight bytes / read bandwidth around the
    # run (plinth: its per-run paired median; llama.cpp: the mean of before and after).
    p_frac = p["decode_fraction_of_bandwidth"]
    l_frac = tg["avg_ts"] * tg["model_size"] / 1e9 / (sum(lbw) / len(lbw))
    rows.append((f, p, pp, tg, bw, lbw, p_frac, l_frac))
print("| weights | plinth decode tok/s | llama.cpp decode tok/s | plinth/llama | plinth prompt tok/s "
      "| llama.cpp prompt tok/s | plinth/llama | read GB/s (plinth; llama.cpp before/after) "
      "| plinth GB | llama GB | plinth decode % | llama decode % |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for f, p, pp, tg, bw, lbw, pf, lf in rows:
    print(f"| {f} ({tg['model_type'].split()[-1]}) | {p['decode_tok_s']:.1f} | {tg['avg_ts']:.1f} "
          f"| {p['decode_tok_s'] / tg['avg_ts']:.2f} | {p['prompt_tok_s']:.1f} | {pp['avg_ts']:.1f} "
          f"| {p['prompt_tok_s'] / pp['avg_ts']:.2f} | {bw:.0f}; {'/'.join('%.0f' % x for x in lbw)} "
          f"| {p['weight_bytes'] / 1e9:.2f} | {tg['model_size'] / 1e9:.2f} | {100 * pf:.0f}% "
          f"| {100 * lf:.0f}% |")
print("\nA read bandwidth that differs before and after a run means the machine changed regime"
      " during it: its fraction mixes both.")
r = rows[0][3]
print(f"\nllama.cpp {r.get('build_commit', '?')} ({r.get('build_number', '?')}), {r.get('cpu_info', '')}; "
      f"threads {r.get('n_threads')}, flash_attn {({-1: 'auto', 0: 'off', 1: 'on'}).get(r.get('flash_attn'), r.get('flash_attn'))}, mmap/load {r.get('use_mmap', r.get('load_mode'))}, "
      f"KV {r.get('type_k')}, batch {r.get('n_batch')}/{r.get('n_ubatch')}, repetitions {len(r.get('samples_ts', []))}")
print(f"load average before / after the pass: {os.environ['LOAD']}")
PY
