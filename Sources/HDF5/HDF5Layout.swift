// How numeric datasets are laid out on disk: contiguous when small, chunked (and gzip-compressed on request)
// when large. HDF5 compresses each chunk on its own and reads whole chunks, so chunks of at most 1 MiB keep reads
// cheap; below ~64 KiB compression costs more than it saves.

/// Storage layout choices, in one place so they can be documented and tested.
public enum HDF5Layout {
    /// Datasets smaller than this (bytes) are never compressed: gzip's overhead exceeds its gain.
    public static let compressionThreshold = 64 * 1024
    /// Upper bound on one chunk's size (bytes): HDF5's default chunk cache is 1 MiB.
    public static let maxChunkBytes = 1 << 20

    /// Whole rows of the trailing axes, as many leading-axis entries as fit in `maxChunkBytes` (at least one).
    /// A rank-1 dataset is cut into runs of `maxChunkBytes`.
    public static func chunkShape(_ shape: [Int], elementSize: Int) -> [Int] {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "HDF5Layout.chunkShape: shape \(shape) must be non-empty and positive")
        let rowBytes = shape.dropFirst().reduce(elementSize, *)
        let rows = Swift.max(1, Swift.min(shape[0], maxChunkBytes / rowBytes))
        return [rows] + shape.dropFirst()
    }
}
