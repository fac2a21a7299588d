#!/usr/bin/env bash
# Fuzzes every loader (safetensors, pytorch_model.bin = zip + pickle, the pickle alone,
# manifests / plinth.toml, tokenizer.json) and tokenizer input with libFuzzer under ASan +
# UBSan, each from a seed corpus: the golden tokenizer files and texts, and small generated
# checkpoints.
#   tools/fuzz.sh [SECONDS]          each target for SECONDS (default 20; CI's short pass)
#   tools/fuzz.sh --runs N           each target for N executions (long runs: 10000000)
#   FUZZ_TARGETS="pickle toml" tools/fuzz.sh ...   only those targets
#   FUZZ_TIMEOUT=30 tools/fuzz.sh ...                seconds before one input counts as a hang
#                                                    (wall clock: raise it on a busy machine)
# Inputs are capped per target (-max_len) near the largest useful seed: a megabyte input costs
# a thousand small ones and finds nothing they would not.
# Corpora grow in build-fuzz/corpus/<target>; a finding is saved to build-fuzz/findings/ and
# fails the run. Prints executions per target (docs/RELIABILITY.md records the long runs).
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time="${1:-20}")
[[ ${1:-} == --runs ]] && limit=(-runs="${2:?--runs needs a count}")
tools/install-deps.sh
CC=${FUZZ_CC:-clang-15}
CXX=${FUZZ_CXX:-clang++-15}
export CCACHE_BASEDIR=$PWD
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$CC" \
  -DCMAKE_CXX_COMPILER="$CXX" -DPLINTH_FUZZ=ON -DPLINTH_SANITIZE=address,undefined \
  -DPLINTH_WITH_BACKENDS=OFF -DPLINTH_WITH_PLUGINS=OFF -DPLINTH_WITH_CLI=OFF \
  -DPLINTH_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)"

seeds=build-fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{tokenizer_json,tokenizer_input,toml} build-fuzz/findings
# Small synthetic checkpoints (the golden ones are megabytes: every execution would copy them).
build-fuzz/bin/plinth_fuzz_seeds "$seeds"
golden=tests/data/golden
i=0
# Every golden tokenizer.json, cut to its first 400 vocabulary entries and the merges among
# them: the same pipelines (normalizers, pre-tokenizers, models, post-processors, decoders) in
# a few kilobytes instead of megabytes, so that each execution is fast.
python3 - "$golden/tokenizers" "$seeds/tokenizer_json" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
for n, d in enumerate(sorted(os.listdir(src))):
    p = os.path.join(src, d, "tokenizer.json")
    if not os.path.exists(p): continue
    j = json.load(open(p, encoding="utf-8"))
    m = j.get("model") or {}
    v = m.get("vocab")
    if isinstance(v, dict):
        keep = {t: i for t, i in v.items() if i < 400}
        for a in j.get("added_tokens") or []:
            if a.get("content") in v: keep[a["content"]] = v[a["content"]]
        m["vocab"] = keep
        merges = []
        for mg in m.get("merges") or []:
            a, b = mg.split(" ", 1) if isinstance(mg, str) else mg
            if a in keep and b in keep and a + b in keep: merges.append(mg)
        if "merges" in m: m["merges"] = merges
    elif isinstance(v, list):
        m["vocab"] = v[:400]
        if isinstance(m.get("unk_id"), int) and m["unk_id"] >= 400: m["unk_id"] = 0
    json.dump(j, open(os.path.join(out, f"{n}.json"), "w", encoding="utf-8"), ensure_ascii=False)
PY
# Tokenizer input: the golden texts, each prefixed by a byte choosing the tokenizer.
python3 - "$golden/tokenizers" "$seeds/tokenizer_input" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
n = 0
for d in sorted(os.listdir(src)):
    p = os.path.join(src, d, "cases.json")
    if not os.path.exists(p): continue
    for c in json.load(open(p)).get("cases", [])[:20]:
        t = c.get("text")
        if isinstance(t, str):
            open(os.path.join(out, f"{n}.txt"), "wb").write(bytes([n % 256]) + t.encode())
            n += 1
PY
printf 'name = "x"\nkind = "backend"\nabi_version = 1\nlibrary = "libx.so"\ndevice_kinds = ["cpu"]\n' \
  >"$seeds/toml/manifest.toml"
printf 'plugin_paths = ["p"]\ndefault_backend = "cpu"\nthreads = 2\nlog_level = "warn"\nmmap_weights = true\n' \
  >"$seeds/toml/plinth.toml"

status=0
summary=()
declare -A max_len=([safetensors]=4096 [torch_checkpoint]=16384 [pickle]=4096 [toml]=4096
  [tokenizer_json]=32768 [tokenizer_input]=4096)
for t in ${FUZZ_TARGETS:-safetensors torch_checkpoint pickle toml tokenizer_json tokenizer_input}; do
  [[ -n ${max_len[$t]:-} ]] || { echo "fuzz.sh: no target '$t'" >&2; exit 2; }
  mkdir -p "build-fuzz/corpus/$t"
  log=build-fuzz/fuzz-$t.log
  if build-fuzz/bin/plinth_fuzz_$t "${limit[@]}" -max_len="${max_len[$t]}" -timeout="${FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/findings/$t-" "build-fuzz/corpus/$t" "$seeds/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FINDING (see $log and build-fuzz/findings/)"
    status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  summary+=("$(printf '%-18s %12s executions  %s' "$t" "$runs" "$result")")
done
printf '%s\n' "${summary[@]}"
exit $status
