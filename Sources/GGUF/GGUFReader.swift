// GGUF: the file format of llama.cpp (ggml's docs/gguf.md).
