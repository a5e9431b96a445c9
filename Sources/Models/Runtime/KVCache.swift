// KVCache: the keys and values of every position a model has already seen, so that generating token t+1 only
// computes token t+1's own projections and attends over the stored rest (Pope et al. 2022, "Efficiently Scaling
// Transformer Inference"). Keys are stored after RoPE, so a cached key never needs rotating again. They are stored
// as float32 or, to halve what attention reads each step, as float16 (KVCachePrecision).
import Tensor

/// Keys and values of positions 0..<count for every layer, as float32 or float16.
public final class KVCache: ModelCache {
    public let layers: Int
    /// Positions the cache can hold; feeding past it is an error (`ModelError.contextOverflow`).
    public let capacity: Int
    /// Features per position: kvHeads · headSize.
    public let kvDim: Int
    /// What keys and values are stored as: Float, or Float16's bits (UInt16).
    public let precision: KVCachePrecision
    /// Positions filled so far; the next token fed sits at this position.
    public private(set) var count = 0
    /// (layers, capacity, kvDim) keys after RoPE, `precision.bytes` each. Raw memory, so the attention threads can
    /// read it directly (`keys32`, `keys16`).
    let keys: UnsafeMutableRawPointer
    /// (layers, capacity, kvDim)
    let values: UnsafeMutableRawPointer

    public init(layers: Int, capacity: Int, kvDim: Int, precision: KVCachePrecision = .float32) {
        precondition(layers > 0 && capacity > 0 && kvDim > 0, "KVCache: layers \(layers), capacity \(capacity), kvDim \(kvDim)")
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        self.precision = precision
        let bytes = layers * capacity * kvDim * precision.bytes
        keys = .allocate(byteCount: bytes, alignment: 64)
        values = .allocate(byteCount: bytes, alignment: 64)
        let numbers = layers * capacity * kvDim
        switch precision {
        case .float32: keys.bindMemory(to: Float.self, capacity: numbers); values.bindMemory(to: Float.self, capacity: numbers)
        case .float16: keys.bindMemory(to: UInt16.self, capacity: numbers); values.bindMemory(to: UInt16.self, capacity: numbers)
        }
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Free positions.
    public var remaining: Int { capacity - count }

    /// Forgets positions from `length` on (a new prompt, or a beam that backs up); nothing is zeroed.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "KVCache.truncate: \(length) is outside 0...\(count)")
        count = length
    }

    /// Holds exactly the positions `other` holds: a beam inherits its parent's past without recomputing it.
    /// Copies count·kvDim numbers per layer for keys and values, as they are (both caches store `precision`).
    public func copy(from other: KVCache) {
        precondition(other !== self, "KVCache.copy: copying a cache onto itself")
        precondition(layers == other.layers && kvDim == other.kvDim && capacity >= other.count && precision == other.precision,
                     "KVCache.copy: (\(other.layers), \(other.count), \(other.kvDim)) \(other.precision) does not fit (\(layers), \(capacity), \(kvDim)) \(precision)")
        let bytes = precision.bytes, rowBytes = other.count * kvDim * bytes
        for l in 0..<layers {
            (keys + offset(layer: l, position: 0) * bytes).copyMemory(from: other.keys + other.offset(layer: l, position: 0) * bytes, byteCount: rowBytes)
            (values + offset(layer: l, position: 0) * bytes).copyMemory(from: other.values + other.offset(layer: l, position: 0) * bytes, byteCount: rowBytes)
        }
        count = other.count
    }

    /// Stores one position's keys and values (kvDim floats each) of `layer`, rounded to float16 if that is the
    /// cache's precision (round to nearest even: `floatToHalf`, or the AVX2 F16C instruction — the same bits).
    func store(layer: Int, position: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, kernels: KernelSet) {
        let o = offset(layer: layer, position: position)
        switch precision {
        case .float32:
            (keys32 + o).update(from: k, count: kvDim)
            (values32 + o).update(from: v, count: kvDim)
        case .float16:
            AttentionF16.toHalf(k, keys16 + o, kvDim, kernels: kernels)
            AttentionF16.toHalf(v, values16 + o, kvDim, kernels: kernels)
        }
    }

    /// Marks `n` more positions as filled, after the runtime wrote all layers' keys and values for them.
    func advance(by n: Int) {
        precondition(count + n <= capacity, "KVCache: \(count) + \(n) positions exceed the capacity \(capacity)")
        count += n
    }

    /// Offset of (layer, position, 0) in `keys` / `values`, in numbers (not bytes).
    @inline(__always)
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * kvDim }

    // Typed views of the storage; only those of `precision` may be used (the memory is bound to that type).
    var keys32: UnsafeMutablePointer<Float> { keys.assumingMemoryBound(to: Float.self) }
    var values32: UnsafeMutablePointer<Float> { values.assumingMemoryBound(to: Float.self) }
    var keys16: UnsafeMutablePointer<UInt16> { keys.assumingMemoryBound(to: UInt16.self) }
    var values16: UnsafeMutablePointer<UInt16> { values.assumingMemoryBound(to: UInt16.self) }
}
