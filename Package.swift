// swift-tools-version: 6.0
// lmlab — a from-scratch language-model lab. Modules depend one way:
//   Tensor ← Tokenizers ← Models ← Decoding ← Serving ← CLI/Server, with the file formats (GGUF, HDF5, Safetensors)
//   beside Models.
import PackageDescription

let package = Package(
    name: "lmlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lmlab", targets: ["lmlab"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "HDF5", targets: ["HDF5"]),
        .library(name: "Safetensors", targets: ["Safetensors"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Decoding", targets: ["Decoding"]),
        .library(name: "Chat", targets: ["Chat"]),
        .library(name: "Serving", targets: ["Serving"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libopenblas-dev, libhdf5-dev).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // HDF5's property-list and flag macros (H5P_DEFAULT, H5F_ACC_TRUNC, H5T_NATIVE_FLOAT…) do not import into
        // Swift; this shim turns each into a function.
        .target(name: "HDF5Shim", dependencies: ["CHDF5"]),

        // One mallopt call that keeps large tensors on the heap (see its header for why).
        .target(name: "CAllocator"),

        .target(name: "Tensor", dependencies: ["COpenBLAS", "CAllocator"]),
        .target(name: "Tokenizers"),
        .target(name: "GGUF", dependencies: ["Tensor", "Tokenizers"]),
        // A small Swift layer over libhdf5: files, groups, datasets and attributes.
        .target(name: "HDF5", dependencies: ["CHDF5", "HDF5Shim"]),
        // Hugging Face's safetensors: a JSON header and raw little-endian arrays, memory-mapped.
        .target(name: "Safetensors"),
        // Lessons whose commands are run and their output compared (`lmlab lectures check`).
        .target(name: "Lectures"),
        .target(name: "Models", dependencies: ["Tensor", "Tokenizers", "GGUF", "HDF5", "Safetensors"]),
        // Samplers, logits processors, beam search and the generation loop, written once for every LanguageModel.
        .target(name: "Decoding", dependencies: ["Tensor", "Tokenizers", "Models"]),
        // Chat messages and the Jinja subset that renders a model's chat template.
        .target(name: "Chat"),
        // What a request needs, shared by the CLI and the server: the model file opened once, completion requests
        // and results, chat sessions, next-token inspection, and the OpenAI-shaped JSON.
        .target(name: "Serving", dependencies: ["Tokenizers", "GGUF", "Models", "Decoding", "Chat"]),
        .executableTarget(
            name: "lmlab",
            dependencies: [
                "Tensor", "Tokenizers", "GGUF", "HDF5", "Models", "Decoding", "Chat", "Serving", "Lectures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"]),
        .testTarget(name: "LecturesTests", dependencies: ["Lectures"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChatTests", dependencies: ["Chat"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Decoding", "Models", "Chat", "Tokenizers"]),
        // Truncated and byte-changed GGUF, HDF5 and tokenizer files through every loader: a typed error naming the
        // file, never a crash or a hang.
        .testTarget(name: "BadInputTests", dependencies: ["GGUF", "HDF5", "Models", "Safetensors", "Serving", "Tensor", "Tokenizers"],
                    exclude: ["Fixtures"]),
    ]
)
