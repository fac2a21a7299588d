#!/usr/bin/env bash
# The GPU backend's first contact with an NVIDIA GPU, in one run of at most ~9 minutes:
#   environment (nvidia-smi, nvcc, cmake, libraries) -> the build -> every op against the CPU
#   backend (+ real Mistral-7B / ESM-650M sizes, + the own GEMM without cuBLAS) -> golden
#   checks on cuda (f32; bf16 compared case by case with the CPU backend in bf16) -> demo
#   greedy generations cpu vs cuda, cuda with decode-step graphs off and on -> compute-sanitizer
#   on a few op tests -> plinth bench on random 0.85B- (graphs on and off) and (time permitting)
#   7B-shaped Mistral checkpoints.
# Every step has its own timeout and the run goes on after a failure; a summary comes last.
#
#   tools/gpu-check.sh                 (from anywhere; runs in the repository root)
#
# The build: $BUILD (default ./build) when it holds bin/plinth; else the archive of
# tools/gpu-bundle.sh (build-gpu-bundle/plinth-gpu.tar.xz), unpacked to $BUILD; else a fresh
# cmake build, which needs the project's Debian dependencies (tools/install-deps.sh).
# Output: ${OUT:-/tmp/gpu-check}/summary.txt (also printed), gpu-check.log (every step's
# output), bench.json (one bench result per line). Environment knobs: BUDGET_S (default 540,
# the whole run), SKIP_7B=1, MODELS_DIR (default /tmp/plinth-gpu-models, for the random
# checkpoints; a 7B f16 one is 14.5 GB).
set -u
cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)
OUT=${OUT:-/tmp/gpu-check}
BUILD=${BUILD:-$REPO/build}
BUDGET_S=${BUDGET_S:-540}
MODELS_DIR=${MODELS_DIR:-/tmp/plinth-gpu-models}
mkdir -p "$OUT" "$MODELS_DIR"
LOG=$OUT/gpu-check.log
SUMMARY=$OUT/summary.txt
BENCH_JSON=$OUT/bench.json
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
: >"$LOG"
: >"$BENCH_JSON"
START=$(date +%s)
declare -a ROWS=()

elapsed() { echo $(($(date +%s) - START)); }
left() { echo $((BUDGET_S - $(elapsed))); }
note() { echo "$*" | tee -a "$LOG"; }

# step NAME SECONDS CMD...: runs CMD with a timeout (cut to the budget left), appends its
# output to the log, keeps it in $WORK/NAME.out for the summary, records the status.
# Returns CMD's status (124 on timeout).
step() {
  local name=$1 limit=$2
  shift 2
  local budget
  budget=$(($(left) - 5))
  if ((budget < 15)); then
    note "=== $name: skipped (no time left)"
    LAST_STATUS=SKIP LAST_SECS=0
    : >"$WORK/$name.out"
    return 125
  fi
  ((limit > budget)) && limit=$budget
  note "=== $name (timeout ${limit}s): $*"
  local t0 rc
  t0=$(date +%s)
  timeout -k 10 "$limit" "$@" >"$WORK/$name.out" 2>&1
  rc=$?
  cat "$WORK/$name.out" >>"$LOG"
  local secs=$(($(date +%s) - t0)) status=PASS
  ((rc == 124 || rc == 137)) && status=TIMEOUT
  ((rc != 0 && rc != 124 && rc != 137)) && status=FAIL
  note "=== $name: $status (exit $rc, ${secs}s)"
  LAST_STATUS=$status
  LAST_SECS=$secs
  return $rc
}
# row NAME DETAIL: the summary line of the step just run.
row() {
  local detail=$2
  [[ $LAST_STATUS == SKIP ]] && detail="no time left in the budget"
  ROWS+=("$(printf '%-22s %-7s %4ss  %s' "$1" "$LAST_STATUS" "$LAST_SECS" "$detail")")
}
skip_row() { ROWS+=("$(printf '%-22s %-7s %5s  %s' "$1" SKIP - "$2")"); }
last_line() { grep -E "$2" "$WORK/$1.out" 2>/dev/null | tail -1 | cut -c1-110; }

# ------------------------------------------------------------------ environment
note "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) in $REPO, build $BUILD, output $OUT"
step env 30 bash -c '
  uname -a; cat /etc/os-release 2>/dev/null | head -2; nproc; free -g | head -2; df -h /tmp | tail -1
  echo "--- nvidia-smi"; nvidia-smi || echo "nvidia-smi: not available"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
  echo "--- nvcc"; (command -v nvcc || ls /usr/local/cuda/bin/nvcc) && (nvcc --version || /usr/local/cuda/bin/nvcc --version) | tail -2
  echo "--- cmake"; cmake --version 2>/dev/null | head -1 || echo "cmake: not available"
  echo "--- compute-sanitizer"; command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer
'
GPU_LINE=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
row env "${GPU_LINE:-no nvidia-smi / no GPU visible}"
[[ -x /usr/local/cuda/bin/nvcc ]] && export PATH=$PATH:/usr/local/cuda/bin

# ------------------------------------------------------------------ the build
BUNDLE=$REPO/build-gpu-bundle/plinth-gpu.tar.xz
if [[ -x $BUILD/bin/plinth ]]; then
  LAST_STATUS=PASS LAST_SECS=0
  row build "using $BUILD"
elif [[ -f $BUNDLE ]]; then
  mkdir -p "$BUILD"
  step unpack 120 bash -c '
    if command -v xz >/dev/null; then tar -C "$1" --strip-components=1 -xJf "$2"
    else python3 -c "import sys, tarfile
t = tarfile.open(sys.argv[2], \"r:xz\")
for m in t.getmembers(): m.name = m.name.split(\"/\", 1)[1] if \"/\" in m.name else \".\"
t.extractall(sys.argv[1])" "$1" "$2"; fi
    cat "$1/BUNDLE_INFO"' _ "$BUILD" "$BUNDLE"
  row unpack "$(last_line unpack 'source commit')"
else
  step build 420 bash -c '
    command -v cmake >/dev/null || { echo "no cmake: cannot build; make a bundle with tools/gpu-bundle.sh"; exit 1; }
    command -v nvcc >/dev/null || echo "warning: no nvcc: the cuda backend will not be built"
    gen=; command -v ninja >/dev/null && gen="-G Ninja"
    cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 $gen || {
      echo "configure failed: the project needs its Debian dependencies (tools/install-deps.sh:"
      echo "OpenBLAS, Boost, GTest, nlohmann-json, toml++, utf8proc, pcre2, sentencepiece);"
      echo "on a machine without them use a bundle from tools/gpu-bundle.sh"; exit 1; }
    cmake --build "$1" -j"$(nproc)"' _ "$BUILD"
  row build "$(last_line build 'configure failed|error|Linking|no cmake' )"
fi
PLINTH=$BUILD/bin/plinth
PLUGINS=$BUILD/lib/plinth/plugins

# Libraries: the bundle's deps/, the build's lib/, and cuBLAS wherever the toolkit or NVIDIA's
# Python wheels put it (the cuda plugin dlopens libcublas; without it the own GEMM runs).
CUBLAS_DIRS=$(timeout 20 find /usr/local /opt /usr/lib -maxdepth 9 -name 'libcublas.so.1[23]' \
  -printf '%h\n' 2>/dev/null | sort -u | head -3 | paste -sd:)
export LD_LIBRARY_PATH=$BUILD/deps:$BUILD/lib${CUBLAS_DIRS:+:$CUBLAS_DIRS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PLINTH_TEST_PLUGIN_DIR=$PLUGINS
step libraries 30 bash -c '
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  missing=0
  for f in "$1"/bin/plinth "$1"/bin/plinth_unit_tests "$1"/bin/plinth-make-model "$2"/*.so; do
    [[ -e $f ]] || { echo "absent: $f"; missing=1; continue; }
    if ldd "$f" | grep "not found"; then echo "  ^ needed by $f"; missing=1; fi
  done
  [[ -f $2/libplinth_cuda.so ]] || { echo "no cuda plugin in the build (nvcc missing at configure?)"; missing=1; }
  "$1"/bin/plinth plugins 2>&1 | grep -iE "cuda|error" | head -5
  exit $missing' _ "$BUILD" "$PLUGINS"
if [[ $LAST_STATUS == PASS ]]; then
  row libraries "all resolved; cuBLAS in: ${CUBLAS_DIRS:-none found (own GEMM only)}"
else
  row libraries "$(last_line libraries 'not found|absent|no cuda')"
fi

step device 60 "$PLINTH" info -m models/license-mistral --backend cuda
row device "$(last_line device '^device:|error')"

# ------------------------------------------------------------------ op tests
# Parameter /0 is cuda, /1 hip, /2 gpu-emu (the host target, which CI runs: not on GPU time).
step unit_gpu 240 env PLINTH_GPU_BIG_TESTS=1 "$BUILD/bin/plinth_unit_tests" --gtest_filter='*Gpu*:-HarnessSelfCheck/*:*/2' \
  --gtest_brief=1
# Skipped op tests mean the plugin saw no device: that is a failure here, with the reason.
if grep -q 'no cuda device on this machine' "$WORK/unit_gpu.out"; then
  LAST_STATUS=FAIL
  row unit_gpu "$(last_line unit_gpu 'no cuda device' | cut -c1-110)"
else
  row unit_gpu "$(last_line unit_gpu 'PASSED  \]') $(last_line unit_gpu 'FAILED  \].*tests?,' )"
fi
grep -E '^\[ (device|timing) ' "$WORK/unit_gpu.out" >"$WORK/timings" 2>/dev/null

step unit_own_gemm 90 env PLINTH_CUDA_NO_CUBLAS=1 "$BUILD/bin/plinth_unit_tests" \
  --gtest_filter='Backends/GpuVsCpu.Linear*/0:Backends/GpuVsCpu.Matmul*/0' --gtest_brief=1
row unit_own_gemm "$(last_line unit_own_gemm 'PASSED|FAILED  \]')"

# ------------------------------------------------------------------ golden checks
GOLDEN=tests/data/golden
# The same fixtures on the CPU backend first: cuda must pass every case cpu passes.
step golden_f32 240 bash -c '
  "$1" check --backend cpu "$2" >"$3/f32_cpu" 2>&1
  "$1" check --backend cuda "$2" >"$3/f32_cuda" 2>&1
  echo "cpu : $(tail -1 "$3/f32_cpu")"; echo "cuda: $(tail -1 "$3/f32_cuda")"
  grep "^FAIL" "$3/f32_cuda" | cut -c1-400
  grep -oE "^PASS [^:]*" "$3/f32_cpu" | cut -c6- | sort >"$3/a"
  grep -oE "^PASS [^:]*" "$3/f32_cuda" | cut -c6- | sort >"$3/b"
  lost=$(comm -23 "$3/a" "$3/b" | wc -l)
  echo "f32: cuda fails $lost of the cases cpu passes"
  [[ $lost == 0 ]]' _ "$PLINTH" "$GOLDEN" "$WORK"
row golden_f32 "$(last_line golden_f32 '^cuda:') / $(last_line golden_f32 '^cpu :') / $(last_line golden_f32 '^f32:' | cut -c6-)"
grep '^FAIL' "$WORK/golden_f32.out" 2>/dev/null | cut -c1-160 | head -20 >"$WORK/f32_fails"

# cuda runs twice: eager decode steps (PLINTH_GPU_GRAPHS=0) and recorded ones replayed as
# graphs (the default); both must give the CPU's text.
step generate 120 bash -c '
  set -o pipefail
  for dt in f32 bf16; do
    cpu=$("$1" generate -m models/license-mistral --backend cpu --dtype $dt -n 32 --temp 0 2>/dev/null) ||
      { echo "cpu $dt failed"; exit 1; }
    echo "--- $dt cpu : $cpu"
    for graphs in 0 1; do
      cuda=$(PLINTH_GPU_GRAPHS=$graphs "$1" generate -m models/license-mistral --backend cuda --dtype $dt \
        -n 32 --temp 0 2>"$2/gen_err") || { echo "cuda $dt graphs=$graphs failed:"; cat "$2/gen_err"; exit 1; }
      echo "--- $dt cuda graphs=$graphs: $cuda"; tail -2 "$2/gen_err"
      [[ "$cpu" == "$cuda" ]] && echo "$dt graphs=$graphs: identical greedy text" ||
        { echo "$dt graphs=$graphs: TEXT DIFFERS"; bad=1; }
    done
  done
  exit ${bad:-0}' _ "$PLINTH" "$WORK"
row generate "$(grep -E 'identical|DIFFERS|failed' "$WORK/generate.out" 2>/dev/null | paste -sd' ' | cut -c1-110)"

# With bf16 weights every case misses the f32 references' tolerance, on the CPU too; what must
# hold is that cuda misses them by about as much as cpu does: per case and tensor, the max abs
# error of cuda against cpu's.
step golden_bf16 240 bash -c '
  "$1" check --backend cpu --dtype bf16 "$2/models" >"$3/bf16_cpu" 2>&1
  "$1" check --backend cuda --dtype bf16 "$2/models" >"$3/bf16_cuda" 2>&1
  echo "cpu : $(tail -1 "$3/bf16_cpu")"; echo "cuda: $(tail -1 "$3/bf16_cuda")"
  python3 - "$3/bf16_cpu" "$3/bf16_cuda" <<"PY"
import math, re, sys
def parse(path):
    errs, status = {}, {}
    for line in open(path):
        m = re.match(r"(PASS|FAIL) ([^:\s]+)", line)
        if not m:
            continue
        status[m.group(2)] = m.group(1)
        for t, e in re.findall(r"([\w.\-]+): max abs err ([^,;]+)", line):
            errs[(m.group(2), t)] = float(e)
    return errs, status
cpu, cpu_st = parse(sys.argv[1])
cuda, cuda_st = parse(sys.argv[2])
bad = [c for c in cpu_st if cuda_st.get(c) is None]
worst, worst_at, over = 0.0, None, []
for key, e_cpu in cpu.items():
    e_cuda = cuda.get(key)
    if e_cuda is None or math.isnan(e_cuda):
        over.append((key, e_cpu, e_cuda))
        continue
    ratio = e_cuda / max(e_cpu, 1e-6)
    if ratio > worst:
        worst, worst_at = ratio, key
    if ratio > 3 and e_cuda > 1e-2:
        over.append((key, e_cpu, e_cuda))
print("bf16: %d cases, %d tensors compared; worst cuda/cpu error ratio %.2f at %s"
      % (len(cpu_st), len(cpu), worst, worst_at))
for key, a, b in over[:15]:
    print("  cuda error %s vs cpu %s at %s" % (b, a, key))
for c in bad[:10]:
    print("  no cuda result for", c)
sys.exit(1 if over or bad else 0)
PY' _ "$PLINTH" "$GOLDEN" "$WORK"
row golden_bf16 "$(last_line golden_bf16 'bf16:')"

# ------------------------------------------------------------------ compute-sanitizer
SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
if [[ -n $SAN ]]; then
  SAN_TESTS='Backends/GpuVsCpu.AttentionMasksGqaBiasProbs/0:Backends/GpuVsCpu.LinearIndexed*/0:Backends/GpuVsCpu.NormsSoftmaxReductions/0:Backends/GpuVsCpu.GetRows*/0:Backends/GpuVsCpu.PermuteSliceSetSlice/0:Backends/GpuVsCpu.AttentionDeviceSlots/0:Backends/GpuVsCpu.Graph*/0'
  step memcheck 100 "$SAN" --tool memcheck --error-exitcode 3 "$BUILD/bin/plinth_unit_tests" \
    --gtest_filter="$SAN_TESTS" --gtest_brief=1
  row memcheck "$(last_line memcheck 'ERROR SUMMARY|PASSED|FAILED  \]')"
  step racecheck 80 "$SAN" --tool racecheck --error-exitcode 3 "$BUILD/bin/plinth_unit_tests" \
    --gtest_filter='Backends/GpuVsCpu.AttentionMasksGqaBiasProbs/0:Backends/GpuVsCpu.NormsSoftmaxReductions/0' \
    --gtest_brief=1
  row racecheck "$(last_line racecheck 'RACECHECK SUMMARY|ERROR SUMMARY|PASSED|FAILED  \]')"
else
  skip_row sanitizer "compute-sanitizer not found"
fi

# ------------------------------------------------------------------ benchmarks
bench() { # name model-dir extra-args...  (BENCH_GRAPHS=0: decode steps without graphs)
  local name=$1 dir=$2
  shift 2
  step "$name" 150 env PLINTH_GPU_GRAPHS="${BENCH_GRAPHS:-1}" "$PLINTH" bench --backend cuda \
    -m "$dir" --no-machine --json "$@"
  local rc=$? detail
  # The JSON object (indented) sits among the progress lines on stderr.
  detail=$(python3 - "$WORK/$name.out" "$name" "$BENCH_JSON" <<'PY' 2>/dev/null
import json, sys
text = open(sys.argv[1]).read()
for i in range(len(text)):
    if text[i] == "{" and (i == 0 or text[i - 1] == "\n"):
        try:
            j = json.JSONDecoder().raw_decode(text[i:])[0]
        except ValueError:
            continue
        j["check"] = sys.argv[2]
        open(sys.argv[3], "a").write(json.dumps(j) + "\n")
        print("%s: prompt %.0f tok/s (%.0f GFLOP/s), decode %.1f tok/s (%.0f GB/s), load %.1f s"
              % (j["dtype"], j["prompt_tok_s"], j["prompt_gflop_s"], j["decode_tok_s"],
                 j["decode_weight_gb_s"], j["load_s"]))
        break
PY
  )
  row "$name" "${detail:-$(last_line "$name" 'error')}"
  return $rc
}
MAKE_MODEL=$BUILD/bin/plinth-make-model
if [[ -x $MAKE_MODEL ]]; then
  M085=$MODELS_DIR/mistral-0.85b-f16
  if [[ -f $M085/config.json ]]; then LAST_STATUS=PASS LAST_SECS=0; else
    step make_0.85b 120 "$MAKE_MODEL" --arch mistral --preset 0.85b --dtype f16 --out "$M085"
  fi
  row make_0.85b "$(du -sh "$M085" 2>/dev/null | cut -f1) in $M085"
  if [[ -f $M085/config.json ]]; then
    bench bench_0.85b "$M085" --prompt 512 --gen 64 --repeat 3
    # The same without graphs: what replaying the recorded decode step saves per token.
    BENCH_GRAPHS=0 bench bench_0.85b_nograph "$M085" --prompt 512 --gen 64 --repeat 3
    bench bench_0.85b_b16 "$M085" --prompt 128 --gen 32 --batch 16 --repeat 2
    bench bench_0.85b_q8 "$M085" --prompt 512 --gen 64 --repeat 2 --quant q8
  fi
  M7B=$MODELS_DIR/mistral-7b-f16
  if [[ ${SKIP_7B:-0} == 1 ]]; then
    skip_row bench_7b "SKIP_7B=1"
  elif [[ -f $M7B/config.json ]] || (($(left) >= 300)); then
    # 14.5 GB: time the write; it needs the disk space and the time.
    if [[ -f $M7B/config.json ]]; then LAST_STATUS=PASS LAST_SECS=0; else
      step make_7b 200 "$MAKE_MODEL" --arch mistral --preset 7b --dtype f16 --out "$M7B"
    fi
    row make_7b "$(du -sh "$M7B" 2>/dev/null | cut -f1) in $M7B"
    [[ -f $M7B/config.json ]] && bench bench_7b "$M7B" --prompt 512 --gen 32 --repeat 2
  else
    skip_row bench_7b "$(left)s left, 300 s needed"
  fi
else
  skip_row bench "no plinth-make-model in the build"
fi
# The ESM-650M shapes (batch 16 x 512 tokens) are timed op by op in unit_gpu's RealSizes
# test (plinth bench measures causal language models only).

# ------------------------------------------------------------------ summary
{
  echo "gpu-check summary ($(elapsed)s of ${BUDGET_S}s budget) — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "${GPU_LINE:-no GPU line from nvidia-smi}"
  printf '%-22s %-7s %5s  %s\n' step status time detail
  printf '%s\n' "${ROWS[@]}"
  [[ -s $WORK/timings ]] && { echo "--- GPU op timings (unit_gpu RealSizes)"; cat "$WORK/timings"; }
  [[ -s $WORK/f32_fails ]] && { echo "--- golden f32 failures on cuda"; cat "$WORK/f32_fails"; }
  echo "--- logs: $LOG; bench results: $BENCH_JSON"
} | tee "$SUMMARY"
