#!/usr/bin/env bash
# `make screenshots`: PNGs of each playground view at 1280 px and at a phone's width, from the same headless
# Chromium the browser test uses, into docs/images/ (the README shows them). Starts `lmlab serve` with the tiny GPT
# and SmolLM2 on a free port, runs Tests/ServerTests/Clients/playground_browser.py --screenshots, stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
LMLAB=${LMLAB:-.build/release/lmlab}
OUT=${1:-docs/images}
SMOL=checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf
TINY=checkpoints/lessons-tiny.h5
for f in "$LMLAB" "$SMOL" "$TINY" .venv-tests/bin/python; do
    [ -e "$f" ] || { echo "screenshots: $f is missing (make build model; lesson 1 trains $TINY; scripts/setup.sh makes the venv)" >&2; exit 1; }
done
log=$(mktemp)
"$LMLAB" serve --model "$TINY" --model "$SMOL" --chat-format chatml --port 0 > "$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 600); do grep -q "http://" "$log" && break; sleep 0.1; done
url=$(grep -o "http://[0-9.:]*" "$log" | head -1)
[ -n "$url" ] || { echo "screenshots: lmlab serve did not start" >&2; exit 1; }
.venv-tests/bin/python Tests/ServerTests/Clients/playground_browser.py --base-url "$url" --lmlab "$LMLAB" \
    --smol "$SMOL" --tiny "$TINY" --screenshots "$OUT"
