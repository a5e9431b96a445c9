// Quantize: float32 values → ggml blocks, the reverse of the dequantizers (DequantizeLegacy.swift), for writing
// GGUF files. Each block function follows ggml's reference quantizer (ggml-quants.c `quantize_row_*_ref`), step for
// step in float32, so the bytes equal those of llama.cpp's `llama-quantize` without an importance matrix and of
// gguf-py's `gguf.quants.quantize`:
//   F16   round to nearest even half (IEEE binary16)
//   Q8_0  d = max|x| / 127,  q = round(x / d)           32 values → f16 d + 32 int8           (8.5 bits/weight)
//   Q4_0  d = m / −8 (m: the value of largest |x|), q = min(15, trunc(x/d + 8.5))
//                                                      32 values → f16 d + 16 bytes of nibbles (4.5 bits/weight)
// Dequantizing gives back x up to half a step (d/2) per value.

/// Types `quantize` can produce.
extension GGMLType {
    public static let quantizable: [GGMLType] = [.f32, .f16, .q8_0, .q4_0]
}

/// Encodes `values` (whole blocks of `type`, row-major) as `type`'s bytes, little-endian.
public func quantize(_ values: UnsafeBufferPointer<Float>, as type: GGMLType) -> [UInt8] {
    precondition(values.count % type.blockSize == 0,
                 "quantize \(type): \(values.count) values are not whole blocks of \(type.blockSize)")
    let blocks = values.count / type.blockSize
    var out = [UInt8](repeating: 0, count: blocks * type.typeSize)
    out.withUnsafeMutableBytes { raw in
        guard let y = raw.baseAddress, let x = values.baseAddress else { return }
        for b in 0..<blocks {
            let xb = x + b * type.blockSize, yb = y + b * type.typeSize
            switch type {
            case .f32: yb.storeBytes(of: xb[0].bitPattern.littleEndian, as: UInt32.self)
            case .f16: yb.storeBytes(of: floatToHalf(xb[0]).littleEndian, as: UInt16.self)
            case .q8_0: Quantize.q8_0(xb, yb)
            case .q4_0: Quantize.q4_0(xb, yb)
            default: preconditionFailure("quantize: lmlab cannot write \(type); writable: \(GGMLType.quantizable)")
            }
        }
    }
    return out
}

public func quantize(_ values: [Float], as type: GGMLType) -> [UInt8] {
    values.withUnsafeBufferPointer { quantize($0, as: type) }
}

/// Float → IEEE binary16 bits, rounded to nearest even (ggml's GGML_FP32_TO_FP16 on F16C hardware, NumPy's
/// `astype(float16)`); values beyond ±65504 become ±infinity.
@inline(__always)
public func floatToHalf(_ x: Float) -> UInt16 { Float16(x).bitPattern }

enum Quantize {
    /// Q8_0: 34 bytes = d (f16) · qs[32] int8.
    static func q8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
        for j in 0..<32 {
            // roundf: halves away from zero
            y.storeBytes(of: Int8((x[j] * id).rounded(.toNearestOrAwayFromZero)), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    /// Q4_0: 18 bytes = d (f16) · qs[16]; byte j holds value j in its low nibble and value j+16 in its high one.
    static func q4_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0, m: Float = 0
        for j in 0..<32 where amax < abs(x[j]) { amax = abs(x[j]); m = x[j] }  // the first value of largest |x|
        let d = m / -8
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: floatToHalf(d).littleEndian, as: UInt16.self)
        for j in 0..<16 {
            let lo = min(15, UInt8(Int8((x[j] * id + 8.5).rounded(.towardZero))))
            let hi = min(15, UInt8(Int8((x[j + 16] * id + 8.5).rounded(.towardZero))))
            y.storeBytes(of: lo | hi << 4, toByteOffset: 2 + j, as: UInt8.self)
        }
    }
}
