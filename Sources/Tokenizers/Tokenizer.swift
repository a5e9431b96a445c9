// Tokenizers: byte-level BPE we train ourselves, and the vocabularies that GGUF files bring.
