#!/usr/bin/env bash
# Installs what lmlab needs on a fresh Debian machine with Swift: OpenBLAS, HDF5 (library and tools).
# Idempotent: does nothing when everything is already there.
set -euo pipefail
need=()
for pkg in libopenblas-dev libhdf5-dev hdf5-tools pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
pkg-config --exists openblas hdf5 || { echo "setup: pkg-config cannot find openblas and hdf5" >&2; exit 1; }
# Readers lmlab did not write, for the interoperability tests: h5py reads lmlab's checkpoints
# (Tests/ModelsTests/CheckpointTests.swift); gguf (llama.cpp's gguf-py), safetensors, numpy and tokenizers read its
# GGUF and Hugging Face exports (GGUFExportTests, HFExportTests; no torch). Optional: if pip cannot install one
# (offline, or an externally managed Python), the tests that need it are skipped with a message.
if command -v python3 >/dev/null 2>&1; then
    for module in h5py gguf safetensors numpy tokenizers; do
        python3 -c "import $module" >/dev/null 2>&1 && continue
        echo "setup: installing $module (python3 -m pip) for the interoperability tests"
        python3 -m pip install -q "$module" \
            || echo "setup: could not install $module; the tests that need it will be skipped" >&2
    done
fi
# The server's real-client tests (Tests/ServerTests) and lesson 11 use the official `openai` package, and
# `jsonschema` as an independent check of JSON-mode replies, from a venv inside the repository (git-ignored).
VENV=.venv-tests
if ! "$VENV/bin/python" -c 'import openai, jsonschema' >/dev/null 2>&1; then
    echo "setup: installing openai and jsonschema into $VENV (python3 -m venv + pip)"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "openai==3.57.0" "jsonschema==4.26.0" \
        || { echo "setup: could not install openai into $VENV (the server tests and lesson 11 need it)" >&2; exit 1; }
fi
