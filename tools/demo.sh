#!/usr/bin/env bash
# The README's first command: install what is missing, build, and generate text with the
# embedded demo model (models/license-mistral). Extra arguments go to `plinth generate`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec build/bin/plinth generate "$@"
