// TokenTrie: a vocabulary's byte strings as a trie, so that a byte-level grammar reads a prefix shared by many
// tokens once (SmolLM2's 49,152 tokens share enough prefixes that the trie has far fewer nodes than the vocabulary
// has bytes). Laid out flat in preorder (the lexicographic order of the strings): a node's subtree is the range
// `i..<subtreeEnd[i]`, so a walk skips a refused subtree with one jump and needs no recursion.

public struct TokenTrie: Sendable {
    /// Per node, (nodeCount); node 0 is the root (the empty string), the others follow in preorder.
    /// The byte on the edge into the node.
    let byte: [UInt8]
    /// Length of the node's string (root 0).
    let depth: [UInt16]
    /// One past the last node of the node's subtree.
    let subtreeEnd: [Int32]
    /// `tokens[tokenStart[i]..<tokenStart[i + 1]]` are the ids whose bytes are exactly node i's string, (nodeCount + 1).
    let tokenStart: [Int32]
    let tokens: [Int32]
    /// Longest string in the trie.
    public let maxDepth: Int

    public var nodeCount: Int { byte.count }

    /// The trie of `vocabulary[id]` for every id whose bytes are non-empty and that `include` accepts.
    public init(_ vocabulary: [[UInt8]], include: (Int) -> Bool = { _ in true }) {
        let ids = vocabulary.indices.filter { !vocabulary[$0].isEmpty && include($0) }
            .sorted { vocabulary[$0].lexicographicallyPrecedes(vocabulary[$1]) }
        var byte: [UInt8] = [0], depth: [UInt16] = [0], subtreeEnd: [Int32] = [0]
        var owner: [Int32] = []   // node of each id in `tokens`, nondecreasing
        var tokens: [Int32] = []
        var path: [Int32] = [0]   // the nodes from the root to the last string's node
        var previous: [UInt8] = []
        for id in ids {
            let s = vocabulary[id]
            precondition(s.count <= Int(UInt16.max), "token \(id) has \(s.count) bytes; at most \(UInt16.max) are supported")
            var common = 0
            while common < min(s.count, previous.count) && s[common] == previous[common] { common += 1 }
            // Close the nodes below the shared prefix: their subtrees end where the next node starts.
            while path.count > common + 1 { subtreeEnd[Int(path.removeLast())] = Int32(byte.count) }
            for d in common..<s.count {
                path.append(Int32(byte.count))
                byte.append(s[d]); depth.append(UInt16(d + 1)); subtreeEnd.append(0)
            }
            owner.append(path.last!)
            tokens.append(Int32(id))
            previous = s
        }
        while let last = path.popLast() { subtreeEnd[Int(last)] = Int32(byte.count) }

        var tokenStart = [Int32](repeating: 0, count: byte.count + 1)
        for node in owner { tokenStart[Int(node) + 1] += 1 }
        for i in 0..<byte.count { tokenStart[i + 1] += tokenStart[i] }
        self.byte = byte
        self.depth = depth
        self.subtreeEnd = subtreeEnd
        self.tokenStart = tokenStart
        self.tokens = tokens
        self.maxDepth = Int(depth.max() ?? 0)
    }

    /// Calls `body` with every token id whose whole byte string `start` accepts, walking the trie depth first from
    /// `start` and abandoning a subtree at its first refused byte. `step` reads one byte into a state and returns
    /// false when the byte is refused (that state is then dropped, whatever `step` left in it).
    @inline(__always)
    public func forEachAccepted<State>(from start: State, step: (inout State, UInt8) -> Bool, _ body: (Int32) -> Void) {
        forEachAcceptedState(from: start, step: step) { id, _ in body(id) }
    }

    /// As `forEachAccepted`, also passing the state after the token's last byte (for a check on where it leads).
    @inline(__always)
    public func forEachAcceptedState<State>(from start: State, step: (inout State, UInt8) -> Bool,
                                            _ body: (Int32, State) -> Void) {
        // states[d]: the state after the first d bytes of the current path.
        var states = [State](repeating: start, count: maxDepth + 1)
        byte.withUnsafeBufferPointer { byte in
        depth.withUnsafeBufferPointer { depth in
        subtreeEnd.withUnsafeBufferPointer { subtreeEnd in
        tokenStart.withUnsafeBufferPointer { tokenStart in
        tokens.withUnsafeBufferPointer { tokens in
        states.withUnsafeMutableBufferPointer { states in
            var i = 1
            let n = byte.count
            while i < n {
                let d = Int(depth[i])
                // One copy per node, made in place: a refused byte leaves states[d] as a harmless stale copy.
                states[d] = states[d - 1]
                if step(&states[d], byte[i]) {
                    for t in Int(tokenStart[i])..<Int(tokenStart[i + 1]) { body(tokens[t], states[d]) }
                    i += 1
                } else {
                    i = Int(subtreeEnd[i])
                }
            }
        }}}}}}
    }
}
