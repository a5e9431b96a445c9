// GGMLType: the tensor element types of ggml, with the block geometry every reader needs.
//
// Quantized types store elements in fixed-size blocks: `blockSize` elements packed into `typeSize` bytes
// (ggml-common.h; gguf-py constants.GGML_QUANT_SIZES). Knowing these two numbers for every type lets the reader size
// any tensor — even ones it cannot dequantize — so `lmlab info` can list every file.

/// A ggml tensor type, by its id in the GGUF tensor info.
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    /// The id stored in the file (ggml.h `enum ggml_type`).
    public let id: UInt32
    /// The name ggml and gguf-dump print ("Q4_K").
    public let name: String
    /// Elements per block (1 for plain floats, 32 for the legacy quants, 256 for K-quants).
    public let blockSize: Int
    /// Bytes per block.
    public let typeSize: Int

    public var description: String { name }

    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, typeSize: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, typeSize: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, typeSize: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, typeSize: 20)
    public static let q5_0 = GGMLType(id: 6, name: "Q5_0", blockSize: 32, typeSize: 22)
    public static let q5_1 = GGMLType(id: 7, name: "Q5_1", blockSize: 32, typeSize: 24)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, typeSize: 34)
    public static let q8_1 = GGMLType(id: 9, name: "Q8_1", blockSize: 32, typeSize: 40)
    public static let q2_K = GGMLType(id: 10, name: "Q2_K", blockSize: 256, typeSize: 84)
    public static let q3_K = GGMLType(id: 11, name: "Q3_K", blockSize: 256, typeSize: 110)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockSize: 256, typeSize: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockSize: 256, typeSize: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockSize: 256, typeSize: 210)
    public static let q8_K = GGMLType(id: 15, name: "Q8_K", blockSize: 256, typeSize: 292)
    public static let iq4_nl = GGMLType(id: 20, name: "IQ4_NL", blockSize: 32, typeSize: 18)
    public static let iq4_xs = GGMLType(id: 23, name: "IQ4_XS", blockSize: 256, typeSize: 136)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, typeSize: 2)

    /// Every type ggml defines today (ids 4 and 5, Q4_2/Q4_3, and 31–33 were removed upstream).
    public static let all: [GGMLType] = [
        f32, f16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1, q2_K, q3_K, q4_K, q5_K, q6_K, q8_K,
        GGMLType(id: 16, name: "IQ2_XXS", blockSize: 256, typeSize: 66),
        GGMLType(id: 17, name: "IQ2_XS", blockSize: 256, typeSize: 74),
        GGMLType(id: 18, name: "IQ3_XXS", blockSize: 256, typeSize: 98),
        GGMLType(id: 19, name: "IQ1_S", blockSize: 256, typeSize: 50),
        iq4_nl,
        GGMLType(id: 21, name: "IQ3_S", blockSize: 256, typeSize: 110),
        GGMLType(id: 22, name: "IQ2_S", blockSize: 256, typeSize: 82),
        iq4_xs,
        GGMLType(id: 24, name: "I8", blockSize: 1, typeSize: 1),
        GGMLType(id: 25, name: "I16", blockSize: 1, typeSize: 2),
        GGMLType(id: 26, name: "I32", blockSize: 1, typeSize: 4),
        GGMLType(id: 27, name: "I64", blockSize: 1, typeSize: 8),
        GGMLType(id: 28, name: "F64", blockSize: 1, typeSize: 8),
        GGMLType(id: 29, name: "IQ1_M", blockSize: 256, typeSize: 56),
        bf16,
        GGMLType(id: 34, name: "TQ1_0", blockSize: 256, typeSize: 54),
        GGMLType(id: 35, name: "TQ2_0", blockSize: 256, typeSize: 66),
        GGMLType(id: 39, name: "MXFP4", blockSize: 32, typeSize: 17),
        GGMLType(id: 40, name: "NVFP4", blockSize: 64, typeSize: 36),
        GGMLType(id: 41, name: "Q1_0", blockSize: 128, typeSize: 18),
    ]

    /// The types `dequantize` handles (see Dequantize.swift).
    public static let dequantizable: [GGMLType] = [
        f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, iq4_nl, iq4_xs,
    ]

    /// The type with this id, or nil if ggml defines none.
    public init?(id: UInt32) {
        guard let known = GGMLType.all.first(where: { $0.id == id }) else { return nil }
        self = known
    }

    /// The type with this name ("q4_k" or "Q4_K"), or nil.
    public init?(name: String) {
        guard let known = GGMLType.all.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = known
    }

    private init(id: UInt32, name: String, blockSize: Int, typeSize: Int) {
        self.id = id
        self.name = name
        self.blockSize = blockSize
        self.typeSize = typeSize
    }

    /// Bytes taken by `elements` elements (a multiple of `blockSize`), or nil if it overflows or is not whole blocks.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
