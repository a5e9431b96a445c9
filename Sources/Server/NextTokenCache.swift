// NextTokenCache: the last few next-token distributions the server computed, by model and prompt ids. The
// playground's Next token view asks /v1/next_token again for every slider move with the same prompt; the logits do
// not depend on the sampling settings, so only the first request runs the forward pass (on the scheduler's worker)
// and the others apply the cuts to the kept logits — a slider move costs milliseconds, not a model run.
import Foundation
import Serving

final class NextTokenCache: @unchecked Sendable {
    private struct Key: Hashable { var model: String; var ids: [Int32] }
    private let lock = NSLock()
    private var entries: [(key: Key, value: NextTokenDistribution)] = []
    /// Distributions kept (a vocabulary of 49k logits is ~200 KB each).
    let capacity: Int

    init(capacity: Int = 8) { self.capacity = capacity }

    /// The kept distribution, or nil; a hit moves to the front.
    func get(model: String, ids: [Int32]) -> NextTokenDistribution? {
        lock.withLock {
            guard let i = entries.firstIndex(where: { $0.key == Key(model: model, ids: ids) }) else { return nil }
            let hit = entries.remove(at: i)
            entries.insert(hit, at: 0)
            return hit.value
        }
    }

    func put(model: String, ids: [Int32], _ value: NextTokenDistribution) {
        lock.withLock {
            entries.removeAll { $0.key == Key(model: model, ids: ids) }
            entries.insert((Key(model: model, ids: ids), value), at: 0)
            if entries.count > capacity { entries.removeLast(entries.count - capacity) }
        }
    }
}

extension LMLabServer {
    /// The distribution after `ids`: kept, or computed on the worker (between two batch steps) and kept.
    func nextTokenDistribution(_ model: ServedModel, after ids: [Int32]) async throws -> NextTokenDistribution {
        if let kept = nextTokenCache.get(model: model.name, ids: ids) { return kept }
        let handle = model.handle
        let distribution = try await scheduler.exclusive { try handle.nextToken(after: ids) }
        nextTokenCache.put(model: model.name, ids: ids, distribution)
        return distribution
    }
}
