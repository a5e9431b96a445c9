// Dequantize: turn a run of ggml blocks into float32, for any type in GGMLType.dequantizable.
//
// This is the simple, obviously-correct path (one block function per type, see DequantizeLegacy.swift and
// DequantizeKQuants.swift); the matrix–vector kernels (Kernels/MatVec.swift) avoid it on the hot path and are
// tested against it.

/// Dequantizes one block of a type: reads `typeSize` bytes, writes `blockSize` floats.
typealias BlockDequantizer = (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void

extension GGMLType {
    /// The block dequantizer of this type, or nil if lmlab has none.
    var blockDequantizer: BlockDequantizer? {
        switch id {
        case GGMLType.f32.id: return DequantizeLegacy.f32
        case GGMLType.f16.id: return DequantizeLegacy.f16
        case GGMLType.bf16.id: return DequantizeLegacy.bf16
        case GGMLType.q4_0.id: return DequantizeLegacy.q4_0
        case GGMLType.q4_1.id: return DequantizeLegacy.q4_1
        case GGMLType.q5_0.id: return DequantizeLegacy.q5_0
        case GGMLType.q5_1.id: return DequantizeLegacy.q5_1
        case GGMLType.q8_0.id: return DequantizeLegacy.q8_0
        case GGMLType.q2_K.id: return DequantizeKQuants.q2_K
        case GGMLType.q3_K.id: return DequantizeKQuants.q3_K
        case GGMLType.q4_K.id: return DequantizeKQuants.q4_K
        case GGMLType.q5_K.id: return DequantizeKQuants.q5_K
        case GGMLType.q6_K.id: return DequantizeKQuants.q6_K
        case GGMLType.iq4_nl.id: return DequantizeIQuants.iq4_nl
        case GGMLType.iq4_xs.id: return DequantizeIQuants.iq4_xs
        default: return nil
        }
    }
}

/// Dequantizes `bytes` (whole blocks of `type`) into `output`, which must hold exactly the elements they encode.
/// Throws `QuantizationError.unsupportedType` for a type lmlab cannot dequantize.
public func dequantize(_ type: GGMLType, _ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Float>)
    throws(QuantizationError)
{
    guard let block = type.blockDequantizer else { throw .unsupportedType(type) }
    precondition(type.byteCount(elements: output.count) == bytes.count,
                 "dequantize \(type): \(bytes.count) bytes do not encode \(output.count) elements")
    guard let src = bytes.baseAddress, let dst = output.baseAddress else { return }
    for i in 0..<(output.count / type.blockSize) {
        block(src + i * type.typeSize, dst + i * type.blockSize)
    }
}
