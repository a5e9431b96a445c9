// A binary max-heap: the BPE trainer's "most frequent pair" queue and SentencePiece's "best-scoring pair" queue.
// `Element`'s `<` means "lower priority"; the top is the greatest element.

struct BinaryHeap<Element: Comparable> {
    private(set) var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var top: Element? { items.first }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !(items[parent] < items[i]) { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        let result = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count, items[best] < items[l] { best = l }
                if r < items.count, items[best] < items[r] { best = r }
                if best == i { break }
                items.swapAt(best, i)
                i = best
            }
        }
        return result
    }
}
