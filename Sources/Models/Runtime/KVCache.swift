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
    /// Positions 0..<sharedCount are read from `shared`, the prompt cache this one was forked from (`init(forking:)`),
    /// which nobody writes any more; from sharedCount on, from this cache's own storage (whose first sharedCount
    /// positions stay untouched, so the OS never gives them memory). n samples or beams of one prompt so keep one
    /// copy of it, and attention, taking their rows one after another, reads it from memory once for all of them.
    /// sharedCount is a multiple of 4, where the attention kernels' groups of four positions start.
    public private(set) var shared: KVCache?
    public private(set) var sharedCount = 0
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

    /// A cache holding exactly what `prompt` holds, that reads prompt's positions from prompt itself: all but its
    /// last `count % 4` positions, which are copied (so the split sits where the kernels' groups of four start).
    /// `prompt` must not be written afterwards (only read, truncated or dropped): the sequences forked from it see
    /// its positions. Forking a forked cache shares the same prompt.
    public convenience init(forking prompt: KVCache) {
        self.init(layers: prompt.layers, capacity: prompt.capacity, kvDim: prompt.kvDim, precision: prompt.precision)
        let (origin, split) = prompt.shared.map { ($0, prompt.sharedCount) } ?? (prompt, prompt.count / 4 * 4)
        if split > 0 { (shared, sharedCount) = (origin, split) }
        copyPositions(split..<prompt.count, from: prompt)
        count = prompt.count
    }

    /// Free positions.
    public var remaining: Int { capacity - count }

    /// Forgets positions from `length` on (a new prompt, or a beam that backs up); nothing is zeroed.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "KVCache.truncate: \(length) is outside 0...\(count)")
        count = length
        if length < sharedCount {  // positions from length on will be written here: share only what is below them
            sharedCount = length / 4 * 4
            copyPositions(sharedCount..<length, from: shared!)
            if sharedCount == 0 { shared = nil }
        }
    }

    /// Holds exactly the positions `other` holds: a beam inherits its parent's past without recomputing it.
    /// Copies count·kvDim numbers per layer for keys and values, as they are (both caches store `precision`) —
    /// only those past the prompt when `other` shares one (this cache then shares it too).
    public func copy(from other: KVCache) {
        precondition(other !== self, "KVCache.copy: copying a cache onto itself")
        precondition(layers == other.layers && kvDim == other.kvDim && capacity >= other.count && precision == other.precision,
                     "KVCache.copy: (\(other.layers), \(other.count), \(other.kvDim)) \(other.precision) does not fit (\(layers), \(capacity), \(kvDim)) \(precision)")
        (shared, sharedCount) = (other.shared, other.sharedCount)
        copyPositions(sharedCount..<other.count, from: other)
        count = other.count
    }

    /// Copies positions `range` of every layer from `other`'s storage into this cache's own (other's shared ones
    /// from where other reads them).
    func copyPositions(_ range: Range<Int>, from other: KVCache) {
        guard !range.isEmpty else { return }
        if range.lowerBound < other.sharedCount {
            let below = range.lowerBound..<Swift.min(range.upperBound, other.sharedCount)
            copyPositions(below, from: other.shared!)
            return copyPositions(below.upperBound..<range.upperBound, from: other)
        }
        let bytes = precision.bytes, rowBytes = range.count * kvDim * bytes
        for l in 0..<layers {
            let (to, from) = (offset(layer: l, position: range.lowerBound) * bytes, other.offset(layer: l, position: range.lowerBound) * bytes)
            (keys + to).copyMemory(from: other.keys + from, byteCount: rowBytes)
            (values + to).copyMemory(from: other.values + from, byteCount: rowBytes)
        }
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

    /// Where attention reads `layer`: positions below `split` from `shared`, the rest from `own` — each the storage of
    /// a cache with its offset of (layer, position 0) in numbers (positions are kvDim numbers apart in both).
    func segments(layer: Int) -> (own: KVCache, ownOffset: Int, shared: KVCache, sharedOffset: Int, split: Int) {
        let origin = shared ?? self
        return (self, offset(layer: layer, position: 0), origin, origin.offset(layer: layer, position: 0), sharedCount)
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
