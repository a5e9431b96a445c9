// KVCache: the keys and values of every position a model has already seen, so that generating token t+1 only
// computes token t+1's own projections and attends over the stored rest (Pope et al. 2022, "Efficiently Scaling
// Transformer Inference"). Keys are stored after RoPE, so a cached key never needs rotating again.

/// Keys and values of positions 0..<count for every layer, float32.
public final class KVCache: ModelCache {
    public let layers: Int
    /// Positions the cache can hold; feeding past it is an error (`ModelError.contextOverflow`).
    public let capacity: Int
    /// Features per position: kvHeads · headSize.
    public let kvDim: Int
    /// Positions filled so far; the next token fed sits at this position.
    public private(set) var count = 0
    /// (layers, capacity, kvDim), keys after RoPE. Raw memory, so the attention threads can read it directly.
    let keys: UnsafeMutablePointer<Float>
    /// (layers, capacity, kvDim)
    let values: UnsafeMutablePointer<Float>

    public init(layers: Int, capacity: Int, kvDim: Int) {
        precondition(layers > 0 && capacity > 0 && kvDim > 0, "KVCache: layers \(layers), capacity \(capacity), kvDim \(kvDim)")
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        keys = .allocate(capacity: layers * capacity * kvDim)
        values = .allocate(capacity: layers * capacity * kvDim)
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
    /// Copies count·kvDim floats per layer for keys and values.
    public func copy(from other: KVCache) {
        precondition(other !== self, "KVCache.copy: copying a cache onto itself")
        precondition(layers == other.layers && kvDim == other.kvDim && capacity >= other.count,
                     "KVCache.copy: (\(other.layers), \(other.count), \(other.kvDim)) does not fit (\(layers), \(capacity), \(kvDim))")
        for l in 0..<layers {
            (keys + offset(layer: l, position: 0)).update(from: other.keys + other.offset(layer: l, position: 0), count: other.count * kvDim)
            (values + offset(layer: l, position: 0)).update(from: other.values + other.offset(layer: l, position: 0), count: other.count * kvDim)
        }
        count = other.count
    }

    /// Marks `n` more positions as filled, after the runtime wrote all layers' keys and values for them.
    func advance(by n: Int) {
        precondition(count + n <= capacity, "KVCache: \(count) + \(n) positions exceed the capacity \(capacity)")
        count += n
    }

    /// Offset of (layer, position, 0) in `keys` / `values`.
    @inline(__always)
    func offset(layer: Int, position: Int) -> Int { (layer * capacity + position) * kvDim }
}
