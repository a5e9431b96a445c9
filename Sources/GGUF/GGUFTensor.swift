// GGUFTensor: one tensor of a GGUF file — its name, type, shape, and a view of its bytes in the mapping.

import Files
import Tensor

/// A tensor stored in a GGUF file.
///
/// `shape` is in ggml order: `shape[0]` (ne0) is the contiguous, innermost dimension. A weight matrix of
/// `rows × cols` has `shape == [cols, rows]`, each row `cols` elements = `cols / type.blockSize` blocks.
public struct GGUFTensor: @unchecked Sendable {
    // @unchecked: `data` points into read-only bytes that `storage` keeps alive; sharing it is safe.
    public let name: String
    public let type: GGMLType
    /// Dimensions, innermost first (ggml `ne`); 1 to 4 of them.
    public let shape: [Int]
    /// Offset of the data from the start of the file.
    public let fileOffset: Int
    /// The tensor's bytes, a view into the file mapping (no copy). Valid while `storage` lives; this struct holds it.
    public let data: UnsafeRawBufferPointer
    /// Which file the tensor came from, for error messages.
    public let file: String
    /// Keeps the mapping alive for as long as this view exists.
    let storage: MappedBytes

    /// Number of elements (product of `shape`).
    public var elementCount: Int { shape.reduce(1, *) }  // checked against overflow at load
    /// Elements in one row (ne0).
    public var columns: Int { shape[0] }
    /// Rows: the product of every dimension but the first.
    public var rows: Int { shape.dropFirst().reduce(1, *) }
    /// Bytes in one row.
    public var rowBytes: Int { columns / type.blockSize * type.typeSize }
    public var byteCount: Int { data.count }

    /// Rows `range` of a matrix as a tensor of their own, `name`d — a view of the same bytes, nothing copied. GPT-2
    /// files fuse q, k and v into one `attn_qkv` whose rows are [q | k | v]; this splits them.
    public func rows(_ range: Range<Int>, name: String) -> GGUFTensor {
        precondition(shape.count == 2 && range.lowerBound >= 0 && range.upperBound <= rows,
                     "rows \(range) of \(self.name) (shape \(shape))")
        let bytes = UnsafeRawBufferPointer(rebasing: data[(range.lowerBound * rowBytes)..<(range.upperBound * rowBytes)])
        return GGUFTensor(name: name, type: type, shape: [columns, range.count], fileOffset: fileOffset + range.lowerBound * rowBytes,
                          data: bytes, file: file, storage: storage)
    }

    /// The bytes of row `r`.
    public func row(_ r: Int) -> UnsafeRawBufferPointer {
        precondition(r >= 0 && r < rows, "row \(r) out of 0..<\(rows) in \(name)")
        return UnsafeRawBufferPointer(rebasing: data[(r * rowBytes)..<((r + 1) * rowBytes)])
    }
}
