// A GGUF tensor handed to Tensor's block formats and kernels: dequantization and y = W·x on the mapped blocks.
// The kernels name only the type when they refuse one; here the file and tensor are added (GGUFError).
import Tensor

extension GGUFTensor {
    /// All elements as float32, in storage order (row-major, `shape[0]` fastest).
    public func dequantized() throws(GGUFError) -> [Float] {
        var out = [Float](repeating: 0, count: elementCount)
        try out.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<Float>) throws(GGUFError) in
            try dequantize(data, into: o)
        }
        return out
    }

    /// Row `r` as float32 into `output` (`columns` floats).
    public func dequantizeRow(_ r: Int, into output: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        try dequantize(row(r), into: output)
    }

    /// This tensor as a `rows × columns` matrix.
    public var matrix: BlockMatrix { BlockMatrix(type: type, rows: rows, cols: columns, data: data) }

    /// y = W·x with this tensor as W (`x`: `columns` floats, `y`: `rows` floats).
    public func matVec(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        guard Tensor::matVec(matrix, x, y) else {  // the module's function (`Tensor.` would name the type)
            throw .unsupportedTensorType(file: file, tensor: name, type: "\(type) (no matVec kernel)")
        }
    }

    /// Tensor's `dequantize`, its error naming this file and tensor.
    private func dequantize(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Float>)
        throws(GGUFError)
    {
        do {
            try Tensor::dequantize(type, bytes, into: output)
        } catch {
            switch error {
            case .unsupportedType(let type): throw .unsupportedTensorType(file: file, tensor: name, type: type.name)
            }
        }
    }
}
