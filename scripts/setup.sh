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
# h5py reads lmlab's checkpoints in the interoperability test (Tests/ModelsTests/CheckpointTests.swift). Optional:
# if pip cannot install it (offline, or an externally managed Python), that one test is skipped with a message.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import h5py' >/dev/null 2>&1; then
    echo "setup: installing h5py (python3 -m pip) for the checkpoint interoperability test"
    python3 -m pip install -q h5py \
        || echo "setup: could not install h5py; the h5py checkpoint test will be skipped" >&2
fi
# The server's real-client tests (Tests/ServerTests) and lesson 11 use the official `openai` package, and
# `jsonschema` as an independent check of JSON-mode replies, from a venv inside the repository (git-ignored).
VENV=.venv-tests
if ! "$VENV/bin/python" -c 'import openai, jsonschema' >/dev/null 2>&1; then
    echo "setup: installing openai and jsonschema into $VENV (python3 -m venv + pip)"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q "openai==3.57.0" "jsonschema==4.26.0" \
        || { echo "setup: could not install openai into $VENV (the server tests and lesson 11 need it)" >&2; exit 1; }
fi
