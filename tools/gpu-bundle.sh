#!/usr/bin/env bash
# Packs a finished build for tools/gpu-check.sh on a GPU machine that cannot build plinth
# itself (no Debian packages, no network): the programs, libplinth, the plugins (cuda, cpu
# and the architectures; not hip) and the shared libraries they need that such a machine may
# lack (OpenBLAS, Boost.Program_options, toml++, utf8proc, sentencepiece, ...; glibc and
# libstdc++ stay the machine's own), as one xz archive.
#
#   tools/gpu-bundle.sh [BUILD_DIR]          (default: build)
#
# writes build-gpu-bundle/plinth-gpu.tar.xz (ignored by git through /build*/). The device
# tool sends the repository plus the paths named in `carry`, 64 MiB in all: the repository is
# about 51 MiB, so the archive must stay under about 12 MiB (it is about 10). Then:
#
#   run(command="tools/gpu-check.sh", carry=["build-gpu-bundle"], timeout_s=600)
#
# gpu-check.sh unpacks it to ./build when ./build is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out="build-gpu-bundle"
[[ -x $build/bin/plinth && -f $build/lib/plinth/plugins/libplinth_cuda.so ]] || {
  echo "gpu-bundle: $build has no bin/plinth or no cuda plugin (was nvcc found at configure?)" >&2
  exit 1
}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/build
mkdir -p "$root/bin" "$root/lib/plinth/plugins" "$root/deps"
for p in plinth plinth-make-model plinth_unit_tests; do
  [[ -x $build/bin/$p ]] && cp "$build/bin/$p" "$root/bin/"
done
cp -P "$build"/lib/libplinth.so* "$root/lib/"
for f in "$build"/lib/plinth/plugins/*; do
  case $(basename "$f") in libplinth_hip.so | hip.toml) continue ;; esac
  cp "$f" "$root/lib/plinth/plugins/"
done
strip --strip-unneeded "$root"/bin/* "$root"/lib/libplinth.so.*.* "$root"/lib/plinth/plugins/*.so \
  2>/dev/null || true

# Every library the loader resolves outside the build, except the C/C++ runtime and what a
# GPU machine's image always has. Copied under the soname the programs ask for.
skip='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|libpthread\.|librt\.|libstdc\+\+|libgcc_s|libz\.|libplinth)'
ldd "$root"/bin/* "$root"/lib/libplinth.so.*.* "$root"/lib/plinth/plugins/*.so 2>/dev/null |
  awk '/=>/ && $3 ~ /^\// {print $1, $3}' | sort -u | while read -r soname path; do
  [[ $soname =~ $skip ]] && continue
  cp -L "$path" "$root/deps/$soname"
done
strip --strip-unneeded "$root"/deps/* 2>/dev/null || true

{
  echo "source commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "built on: $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -1)"
  echo "nvcc: $( (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>/dev/null | tail -1)"
  echo "packed: $(date -u +%Y-%m-%dT%H:%M:%SZ) from $build"
} >"$root/BUNDLE_INFO"

mkdir -p "$out"
tar -C "$stage" -cf - build | xz -9 -T2 >"$out/plinth-gpu.tar.xz"
size=$(stat -c %s "$out/plinth-gpu.tar.xz")
echo "gpu-bundle: $out/plinth-gpu.tar.xz, $((size / 1024)) KiB ($(ls "$root/deps" | wc -l) libraries in deps/)"
cat "$root/BUNDLE_INFO"
if ((size > 12 * 1024 * 1024)); then
  echo "gpu-bundle: warning: over 12 MiB; with the repository it may exceed the 64 MiB the device tool sends" >&2
fi
