// Tensor: an n-dimensional array of Float32 in row-major, contiguous storage, with an optional gradient and the
import Foundation
import CAllocator
// autograd record of the op that produced it (its inputs and a backward closure, see Autograd.swift).
//
// Every op returns a new contiguous tensor, except `reshape`, which is a view sharing storage. A transpose of the
// last two axes for a matrix product is a BLAS flag (`matmul(_:transposeA:transposeB:)`), not a copy.

/// An owned, 64-byte-aligned buffer of Float32 values. Views (`reshape`) share one storage.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` floats, set to zero unless `zeroed` is false (for kernels that write every element).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        if !TensorStorage.heapTuned { fatalError("unreachable: heap tuning runs once before the first tensor") }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: Swift.max(count, 1)) }
        self.count = count
    }

    /// Runs once, before the first tensor is allocated.
    private static let heapTuned: Bool = {
        lm_keep_large_allocations_on_heap()
        return true
    }()

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}

public final class Tensor {
    /// Extent of each axis, outermost first; `[]` is a scalar.
    public let shape: [Int]
    public let storage: TensorStorage
    /// Leaf tensors with `requiresGrad` collect gradients in `grad`; op results inherit the flag from their inputs.
    public var requiresGrad: Bool
    /// The accumulated gradient (same shape), or nil before the first `backward()` that reaches this tensor.
    public var grad: Tensor?
    /// Set on parameters so optimizers, checkpoints and error messages can name them.
    public var name: String?

    // Autograd record: the inputs of the op that made this tensor and how to push a gradient back into them.
    public internal(set) var inputs: [Tensor] = []
    var backwardFunction: ((Tensor) -> Void)?

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// True for tensors no op produced (parameters and inputs).
    public var isLeaf: Bool { backwardFunction == nil }

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(Tensor.elementCount(shape) == storage.count,
                     "Tensor: shape \(shape) holds \(Tensor.elementCount(shape)) values, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape)), requiresGrad: requiresGrad)
    }

    /// A tensor whose values are not set: only for kernels that then write every element.
    public convenience init(uninitialized shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape), zeroed: false))
    }

    /// A tensor holding `values` (row-major) with the given shape.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == Tensor.elementCount(shape),
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(zeros: shape, requiresGrad: requiresGrad)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A scalar (shape `[]`).
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor filled with one value.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(zeros: shape, requiresGrad: requiresGrad)
        pointer.update(repeating: value, count: count)
    }

    /// Normal(mean, std²) values drawn from `rng`.
    public convenience init(randomNormal shape: [Int], mean: Float = 0, std: Float = 1,
                            rng: inout RandomGenerator, requiresGrad: Bool = false) {
        self.init(zeros: shape, requiresGrad: requiresGrad)
        for i in 0..<count { pointer[i] = mean + std * rng.nextNormal() }
    }

    /// Uniform values in [low, high) drawn from `rng`.
    public convenience init(randomUniform shape: [Int], low: Float = 0, high: Float = 1,
                            rng: inout RandomGenerator, requiresGrad: Bool = false) {
        self.init(zeros: shape, requiresGrad: requiresGrad)
        for i in 0..<count { pointer[i] = low + (high - low) * rng.nextFloat() }
    }

    /// The values, row-major.
    public var scalars: [Float] { Array(storage.buffer) }

    /// The value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: tensor of shape \(shape) has \(count) values, not 1")
        return pointer[0]
    }

    public subscript(indices: Int...) -> Float {
        get { pointer[flatIndex(indices)] }
        set { pointer[flatIndex(indices)] = newValue }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == rank, "Tensor: \(indices.count) indices for a rank-\(rank) tensor")
        var flat = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "Tensor: index \(index) out of 0..<\(shape[axis])")
            flat = flat * shape[axis] + index
        }
        return flat
    }

    /// A new tensor with the same values that is not part of any graph.
    public func detached() -> Tensor {
        let copy = Tensor(zeros: shape)
        copy.pointer.update(from: pointer, count: count)
        return copy
    }

    /// Copies `other`'s values into this tensor (same element count), outside autograd.
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "Tensor.assign: \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Normalises a possibly negative axis (`-1` is the last) and checks it.
    public func axis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "Tensor: axis \(axis) out of range for shape \(shape)")
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
