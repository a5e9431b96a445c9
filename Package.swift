// swift-tools-version: 6.1
// lmlab — a from-scratch language-model lab. Modules depend one way:
//   Tensor ← Tokenizers ← Models ← Decoding ← Serving ← CLI/Server, with the file formats (GGUF, HDF5, Safetensors)
//   beside Models (over Files: memory-mapped reading, atomic writing). Only the Server target (and the `lmlab` executable, for `lmlab serve`) depends on Hummingbird, so
//   the rest builds without it.
import PackageDescription

let package = Package(
    name: "lmlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lmlab", targets: ["lmlab"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "Files", targets: ["Files"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "HDF5", targets: ["HDF5"]),
        .library(name: "Safetensors", targets: ["Safetensors"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Decoding", targets: ["Decoding"]),
        .library(name: "Chat", targets: ["Chat"]),
        .library(name: "Serving", targets: ["Serving"]),
        .library(name: "Server", targets: ["Server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The HTTP server (`lmlab serve`). No traits: swift-configuration support is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // /metrics: counters and gauges through swift-metrics, exposed in Prometheus' text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `lmlab bench serve`'s HTTP clients (also what HummingbirdTesting's live tests use).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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

        // The AVX2 matrix–vector kernels Swift cannot express (vpmaddubsw…), picked at run time; their Swift
        // twins in Tensor/Kernels are the reference and the fallback.
        .target(name: "CKernels"),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CAllocator", "CKernels"]),
        .target(name: "Tokenizers"),
        // The bytes of model files: read through a memory mapping, written atomically (temporary file, fsync,
        // rename). The file formats and the checkpoints share them.
        .target(name: "Files"),
        .target(name: "GGUF", dependencies: ["Files", "Tensor", "Tokenizers"]),
        // A small Swift layer over libhdf5: files, groups, datasets and attributes.
        .target(name: "HDF5", dependencies: ["CHDF5", "HDF5Shim"]),
        // Hugging Face's safetensors: a JSON header and raw little-endian arrays, memory-mapped.
        .target(name: "Safetensors", dependencies: ["Files"]),
        // Lessons whose commands are run and their output compared (`lmlab lectures check`).
        .target(name: "Lectures"),
        .target(name: "Models", dependencies: ["Files", "Tensor", "Tokenizers", "GGUF", "HDF5", "Safetensors"]),
        // Samplers, logits processors, beam search and the generation loop, written once for every LanguageModel.
        .target(name: "Decoding", dependencies: ["Tensor", "Tokenizers", "Models"]),
        // Chat messages and the Jinja subset that renders a model's chat template.
        .target(name: "Chat"),
        // What a request needs, shared by the CLI and the server: the model file opened once, completion requests
        // and results, chat sessions, next-token inspection, and the OpenAI-shaped JSON.
        .target(name: "Serving", dependencies: ["Tokenizers", "GGUF", "Models", "Decoding", "Chat"]),
        // The OpenAI-compatible HTTP server: routes, request decoding, auth, limits, SSE, metrics.
        .target(
            name: "Server",
            dependencies: [
                "Tokenizers", "Models", "Decoding", "Chat", "Serving",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The playground: the page's HTML, CSS and JavaScript, served as they are (PlaygroundRoutes.swift).
            resources: [.copy("Playground")]),
        .executableTarget(
            name: "lmlab",
            dependencies: [
                "Tensor", "Tokenizers", "GGUF", "HDF5", "Models", "Decoding", "Chat", "Serving", "Lectures", "Server",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FilesTests", dependencies: ["Files"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "CAllocator"]),
        .testTarget(name: "LecturesTests", dependencies: ["Lectures"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChatTests", dependencies: ["Chat"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Decoding", "Models", "Chat", "Tokenizers"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Serving", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // Python clients (the openai package) that the live-server tests run.
            exclude: ["Clients"]),
        // Truncated and byte-changed GGUF, HDF5 and tokenizer files through every loader: a typed error naming the
        // file, never a crash or a hang.
        .testTarget(name: "BadInputTests", dependencies: ["GGUF", "HDF5", "Models", "Safetensors", "Serving", "Tensor", "Tokenizers"],
                    exclude: ["Fixtures"]),
    ]
)
