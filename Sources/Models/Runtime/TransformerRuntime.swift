// TransformerRuntime: inference for decoder-only transformers, one forward pass for every model lmlab runs —
// GGUF llama files (SmolLM2, TinyLlama, Llama 2/3; weights stay quantized in the mmap) and our own trained GPTs in
// both styles (float32 weights from an HDF5 checkpoint). It computes what GPT.logits computes, without autograd,
// with a KV cache:
//   x = embed(tokens) (+ positions, gpt2)
//   for each layer:  x = x + Wo·attention(rope(Wq·n₁(x)), rope(Wk·n₁(x)) ∪ cache, Wv·n₁(x) ∪ cache)
//                    x = x + mlp(n₂(x))          (SwiGLU: Wdown·(silu(Wgate·h) ⊙ Wup·h);  gpt2: Wdown·gelu(Wup·h + b),
//                                                 exact or tanh-approximated per config.geluApproximation)
//   logits = Wout · n_f(x)
// A prompt goes through in one pass (every product is matrix–matrix); a generated token is a single row (every
// product is matrix–vector on the quantized blocks), and so is each token of a short prompt with 8-bit activations
// (RuntimeOptions.vectorPromptTokens). Loading lives in TransformerRuntime+GGUF / +GPT.
import Foundation
import Tensor
import Tokenizers

/// LayerNorm (with `bias`) or RMSNorm (without).
public struct NormWeights: Sendable {
    public var weight: [Float]   // (width)
    public var bias: [Float]?    // (width), LayerNorm only
}

/// One transformer block's weights; matrices are (out, in).
public struct RuntimeLayer: Sendable {
    public var attentionNorm: NormWeights
    public var wq: WeightMatrix              // (heads·hs, width)
    public var wk: WeightMatrix              // (kvHeads·hs, width)
    public var wv: WeightMatrix              // (kvHeads·hs, width)
    public var wo: WeightMatrix              // (width, heads·hs)
    public var bq, bk, bv, bo: [Float]?      // gpt2 only
    public var mlpNorm: NormWeights
    public var gate: WeightMatrix?           // (hidden, width), SwiGLU only
    public var up: WeightMatrix              // (hidden, width)
    public var down: WeightMatrix            // (width, hidden)
    public var upBias, downBias: [Float]?    // gpt2 only
}

/// Rotation frequencies of RoPE for one head: feature pair i turns by position · positionScale · inverseFrequency[i].
public struct RoPEFrequencies: Sendable {
    /// (headSize/2): θ^(−2i/headSize), divided by the file's `rope_freqs` factor (Llama 3's long-context scaling).
    public var inverseFrequency: [Double]
    /// 1, or 1/factor for `rope.scaling.type = linear` (positions squeezed into the trained range).
    public var positionScale: Double = 1

    public init(headSize: Int, theta: Float, factors: [Float]? = nil, positionScale: Double = 1) {
        inverseFrequency = (0..<(headSize / 2)).map { i in
            Foundation.pow(Double(theta), -2 * Double(i) / Double(headSize)) / Double(factors?[i] ?? 1)
        }
        self.positionScale = positionScale
    }
}

public final class TransformerRuntime: LanguageModel {
    /// Shape and style (gpt2 / llama). For GGUF files it is read from the `llama.*` metadata.
    public let config: TransformerConfig
    public let tokenEmbedding: WeightMatrix      // (vocab, width)
    public let positionEmbedding: [Float]?       // (context, width), gpt2 only
    public let layers: [RuntimeLayer]
    public let finalNorm: NormWeights
    public let outputHead: WeightMatrix          // (vocab, width): output.weight, or the token embedding when tied
    public let rope: RoPEFrequencies
    public let specialTokens: SpecialTokenIDs
    public let tokenizer: (any Tokenizer)?
    /// How the products are computed (float or 8-bit activations); settable between calls to `feed`.
    public var options = RuntimeOptions()

    public init(config: TransformerConfig, tokenEmbedding: WeightMatrix, positionEmbedding: [Float]?,
                layers: [RuntimeLayer], finalNorm: NormWeights, outputHead: WeightMatrix, rope: RoPEFrequencies,
                specialTokens: SpecialTokenIDs, tokenizer: (any Tokenizer)?) {
        self.config = config; self.tokenEmbedding = tokenEmbedding; self.positionEmbedding = positionEmbedding
        self.layers = layers; self.finalNorm = finalNorm; self.outputHead = outputHead; self.rope = rope
        self.specialTokens = specialTokens; self.tokenizer = tokenizer
    }

    public var vocabSize: Int { config.vocabSize }
    public var contextLength: Int { config.contextLength }

    /// A cache storing `options.kvCache` numbers; it keeps that precision if the options change later.
    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: config.layers, capacity: Swift.min(capacity ?? contextLength, contextLength),
                kvDim: config.kvHeads * config.headSize, precision: options.kvCache)
    }

    /// Prompt chunks longer than `vectorPromptTokens` are matrix–matrix, as the whole prompt is when it is longer.
    public var promptChunkFloor: Int { options.vectorPromptTokens + 1 }

    /// Caches that read `prompt`'s positions from `prompt` (KVCache(forking:)): n sequences of one prompt keep one
    /// copy of it, and a batch step reads it once for all of them (see `attend`).
    public func fork(_ prompt: KVCache, into n: Int) -> [KVCache] {
        (0..<n).map { _ in KVCache(forking: prompt) }
    }

    public func feed(_ tokens: [Int32], cache: KVCache, allPositions: Bool = false) throws -> [Float] {
        let (t, p0) = (tokens.count, cache.count)
        precondition(t > 0, "feed: no tokens")
        guard p0 + t <= cache.capacity else { throw ModelError.contextOverflow(tokens: p0 + t, context: cache.capacity) }
        try checkRange(tokens)
        let rows = (0..<t).map { RowPlace(cache: cache, position: p0 + $0) }
        // A prompt's products are matrix–matrix (sgemm); a single token's, or a short prompt's with 8-bit
        // activations, matrix–vector on the blocks.
        let wanted = allPositions ? 0..<t : (t - 1)..<t
        let plan = feedsAsVectors(t) ? PassPlan(vectorRows: t, vectorLogits: Array(wanted), runs: [], logitsOfRuns: [])
            : PassPlan(vectorRows: 0, vectorLogits: [], runs: [0..<t], logitsOfRuns: [wanted])
        let logits = try forward(tokens, rows, plan)
        cache.advance(by: t)
        return logits
    }

    /// Prompts of new sequences and one token of each running sequence, all in one pass (a server's step that
    /// admits requests): every weight matrix is read once for the running rows (batched matVec) and dequantized once
    /// for all the prompts, each prompt's products being exactly the sgemm calls it gets alone — so every row's
    /// logits are bit-identical to feeding its prompt (or token) alone. Returns each prompt's logits (its last
    /// position, or every position with `allPositions`) and the running rows' (tokens.count, vocab).
    public func feed(prompts: [PromptFeed<KVCache>], batch tokens: [Int32], caches: [KVCache]) throws
        -> (prompts: [[Float]], batch: [Float]) {
        precondition(tokens.count == caches.count, "feed(prompts:batch:): \(tokens.count) tokens for \(caches.count) caches")
        let all = caches + prompts.map(\.cache)
        precondition(Set(all.map(ObjectIdentifier.init)).count == all.count, "feed(prompts:batch:): a cache appears twice")
        for cache in caches where cache.count + 1 > cache.capacity {
            throw ModelError.contextOverflow(tokens: cache.count + 1, context: cache.capacity)
        }
        for p in prompts where p.cache.count + p.tokens.count > p.cache.capacity {
            throw ModelError.contextOverflow(tokens: p.cache.count + p.tokens.count, context: p.cache.capacity)
        }
        precondition(!prompts.contains { $0.tokens.isEmpty }, "feed(prompts:batch:): a prompt without tokens")
        // Rows: the single tokens first (running rows, then the prompts that feed alone as vector rows too: one
        // token, or short with 8-bit activations), then each longer prompt's run of rows.
        let single = prompts.indices.filter { feedsAsVectors(prompts[$0].tokens.count) }
        let long = prompts.indices.filter { !feedsAsVectors(prompts[$0].tokens.count) }
        var ids = tokens, rows = caches.map { RowPlace(cache: $0, position: $0.count) }
        var vectorLogits = Array(tokens.indices), singleLogits: [Range<Int>] = []
        for i in single {
            let p = prompts[i], start = ids.count, t = p.tokens.count
            ids += p.tokens
            rows += (0..<t).map { RowPlace(cache: p.cache, position: p.cache.count + $0) }
            let first = vectorLogits.count
            vectorLogits += p.allPositions ? Array(start..<(start + t)) : [start + t - 1]
            singleLogits.append(first..<vectorLogits.count)
        }
        let vectorRows = ids.count
        var runs: [Range<Int>] = [], wanted: [Range<Int>] = []
        for i in long {
            let p = prompts[i], start = ids.count, t = p.tokens.count
            ids += p.tokens
            rows += (0..<t).map { RowPlace(cache: p.cache, position: p.cache.count + $0) }
            runs.append(start..<(start + t))
            wanted.append(p.allPositions ? start..<(start + t) : (start + t - 1)..<(start + t))
        }
        guard !ids.isEmpty else { return (prompts.map { _ in [] }, []) }
        try checkRange(ids)
        let logits = try forward(ids, rows, PassPlan(vectorRows: vectorRows, vectorLogits: vectorLogits, runs: runs,
                                                     logitsOfRuns: wanted))
        for cache in caches { cache.advance(by: 1) }
        for p in prompts { p.cache.advance(by: p.tokens.count) }
        // Logits come in order: the running rows', each vector prompt's wanted rows, then each long prompt's.
        let v = vocabSize
        var out = [[Float]](repeating: [], count: prompts.count)
        for (k, i) in single.enumerated() { out[i] = Array(logits[(singleLogits[k].lowerBound * v)..<(singleLogits[k].upperBound * v)]) }
        var offset = vectorLogits.count * v
        for (k, i) in long.enumerated() {
            let n = wanted[k].count * v
            out[i] = Array(logits[offset..<(offset + n)])
            offset += n
        }
        return (out, Array(logits[0..<(tokens.count * v)]))
    }

    /// One token for each of several sequences, in one pass: every weight matrix is read once for all of them
    /// (Tensor's batched matVec), and each row's logits are bit-identical to `feed([token], cache:)` on its sequence
    /// alone — the same kernels on the same numbers, whatever the batch.
    public func feed(batch tokens: [Int32], caches: [KVCache]) throws -> [Float] {
        precondition(tokens.count == caches.count, "feed(batch:): \(tokens.count) tokens for \(caches.count) caches")
        precondition(Set(caches.map(ObjectIdentifier.init)).count == caches.count, "feed(batch:): a cache appears twice")
        guard !tokens.isEmpty else { return [] }
        for cache in caches where cache.count + 1 > cache.capacity {
            throw ModelError.contextOverflow(tokens: cache.count + 1, context: cache.capacity)
        }
        try checkRange(tokens)
        let logits = try forward(tokens, caches.map { RowPlace(cache: $0, position: $0.count) },
                                 PassPlan(vectorRows: tokens.count, vectorLogits: Array(tokens.indices), runs: [],
                                          logitsOfRuns: []))
        for cache in caches { cache.advance(by: 1) }
        return logits
    }

    /// Whether a prompt of `t` tokens feeds as vector rows (matrix–vector) rather than as a run (matrix–matrix).
    func feedsAsVectors(_ t: Int) -> Bool { t == 1 || t <= options.vectorPromptTokens }

    func checkRange(_ tokens: [Int32]) throws {
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw RuntimeError.tokenOutOfRange(id: bad, vocabSize: vocabSize)
        }
    }

    /// Where a row of a forward pass belongs: its sequence's cache and its position in it. A prompt's rows share
    /// one cache (positions p0, p0 + 1, …); a batch step's rows each have their own.
    struct RowPlace {
        let cache: KVCache
        let position: Int
    }

    /// How a pass computes its rows' products: rows 0..<vectorRows are single rows (matrix–vector on the blocks,
    /// batched: a generated token, one per running sequence, or a short prompt's tokens), then each run (a prompt of
    /// several tokens) matrix–matrix on its own. Logits are computed for the vector rows in `vectorLogits` and, of
    /// each run, the rows in `logitsOfRuns` (its last, or all), in that order.
    struct PassPlan {
        var vectorRows: Int
        var vectorLogits: [Int]
        var runs: [Range<Int>]
        var logitsOfRuns: [Range<Int>]
    }

    /// The forward pass over `tokens`, row i at `rows[i]`: writes each row's keys and values into its cache (the
    /// caller advances the caches) and returns the logits the plan asks for, in row order (n, vocab).
    func forward(_ tokens: [Int32], _ rows: [RowPlace], _ plan: PassPlan) throws -> [Float] {
        let t = tokens.count
        let c = config, d = c.width, qDim = c.heads * c.headSize, kvDim = c.kvHeads * c.headSize
        let a = Activations(tokens: t, width: d, qDim: qDim, kvDim: kvDim, hidden: c.mlpHidden)
        let products = Products(activations: options.activations, kernels: options.kernels, vectorRows: plan.vectorRows,
                                runs: plan.runs)
        return try withExtendedLifetime(a) {
            // x (T, d) = embedding rows (+ learned positions)
            for (i, id) in tokens.enumerated() {
                try tokenEmbedding.row(Int(id), into: a.x + i * d)
                if let positionEmbedding { add(a.x + i * d, positionEmbedding, offset: rows[i].position * d, d) }
            }
            // RoPE's cos and sin for each row's position: the same in every layer, so computed once per pass.
            let turns = c.style == .llama ? rows.map { rotation(at: $0.position) } : []
            for (l, layer) in layers.enumerated() {
                // Attention: x += Wo · attend(q, k, v)
                normalize(a.x, into: a.xn, rows: t, layer.attentionNorm)
                try products.project([(layer.wq, a.q, layer.bq), (layer.wk, a.k, layer.bk), (layer.wv, a.v, layer.bv)], a.xn, t)
                for (i, row) in rows.enumerated() {
                    if c.style == .llama {
                        rotate(a.q + i * qDim, heads: c.heads, by: turns[i])
                        rotate(a.k + i * kvDim, heads: c.kvHeads, by: turns[i])
                    }
                    row.cache.store(layer: l, position: row.position, keys: a.k + i * kvDim, values: a.v + i * kvDim,
                                    kernels: options.kernels)
                }
                attend(a.q, rows, layer: l, into: a.attention)
                try products.project([(layer.wo, a.out, layer.bo)], a.attention, t)
                add(a.x, a.out, t * d)
                // MLP: x += down(…)
                normalize(a.x, into: a.xn, rows: t, layer.mlpNorm)
                if let gate = layer.gate {
                    try products.project([(gate, a.gate, nil), (layer.up, a.hidden, nil)], a.xn, t)
                    elementwise(SiLU(), a.gate, times: a.hidden, t * c.mlpHidden)
                } else {
                    try products.project([(layer.up, a.hidden, layer.upBias)], a.xn, t)
                    if c.geluApproximation == .tanh {
                        elementwise(GELUTanh(), a.hidden, t * c.mlpHidden)
                    } else {
                        elementwise(GELU(), a.hidden, t * c.mlpHidden)
                    }
                }
                try products.project([(layer.down, a.out, layer.downBias)], a.hidden, t)
                add(a.x, a.out, t * d)
            }
            // Only the rows whose logits are wanted go through the final norm and the (large) output head, packed:
            // the wanted vector rows, then each run's wanted rows.
            let nv = plan.vectorLogits.count
            for (k, i) in plan.vectorLogits.enumerated() { normalize(a.x + i * d, into: a.xn + k * d, rows: 1, finalNorm) }
            var n = nv, headRuns: [Range<Int>] = []
            for wanted in plan.logitsOfRuns {
                normalize(a.x + wanted.lowerBound * d, into: a.xn + n * d, rows: wanted.count, finalNorm)
                headRuns.append(n..<(n + wanted.count))
                n += wanted.count
            }
            let head = Products(activations: options.activations, kernels: options.kernels, vectorRows: nv, runs: headRuns)
            var logits = [Float](repeating: 0, count: n * vocabSize)
            try logits.withUnsafeMutableBufferPointer { try head.project([(outputHead, $0.baseAddress!, nil)], a.xn, n) }
            return logits
        }
    }

    // MARK: the steps of the forward pass, each a few lines

    /// How a pass computes y (rows, out) = x (rows, in) · Wᵀ (+ bias).
    struct Products {
        let activations: ActivationPrecision
        let kernels: KernelSet
        /// Rows 0..<vectorRows: matrix–vector on the blocks (one token, or a batch of sequences).
        let vectorRows: Int
        /// Then runs of rows, each matrix–matrix on its own (a prompt), sharing the dequantized tiles.
        let runs: [Range<Int>]

        /// Several projections of the same x (a layer's q, k, v; gate and up), as one parallel loop over all their
        /// rows when matrix–vector.
        func project(_ parts: [(w: WeightMatrix, y: UnsafeMutablePointer<Float>, bias: [Float]?)],
                     _ x: UnsafePointer<Float>, _ rows: Int) throws {
            if vectorRows > 0 {
                try WeightMatrix.matVec(parts.map(\.w), x, parts.map(\.y), batch: vectorRows, activations: activations,
                                        kernels: kernels)
            }
            if !runs.isEmpty {
                for p in parts {
                    try p.w.matMul(runs.map { .init(x: x + $0.lowerBound * p.w.cols, y: p.y + $0.lowerBound * p.w.rows,
                                                    tokens: $0.count) })
                }
            }
            for p in parts {
                guard let bias = p.bias else { continue }
                for r in 0..<rows { for j in 0..<p.w.rows { p.y[r * p.w.rows + j] += bias[j] } }
            }
        }
    }

    /// LayerNorm when the norm has a bias, RMSNorm otherwise, row by row (same formulas as Tensor/Normalization).
    func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, _ norm: NormWeights) {
        let d = config.width
        for r in 0..<rows {
            let xi = x + r * d, yi = y + r * d
            let mean = norm.bias == nil ? 0 : Kernels.sum(xi, d) / Float(d)
            var ss: Float = 0
            for j in 0..<d { let e = xi[j] - mean; ss += e * e }
            let rstd = 1 / (ss / Float(d) + config.normEps).squareRoot()
            for j in 0..<d { yi[j] = (xi[j] - mean) * rstd * norm.weight[j] + (norm.bias?[j] ?? 0) }
        }
    }

    /// RoPE's (cos, sin) of each feature pair j at `position`: the angle position · positionScale · inverseFrequency[j].
    func rotation(at position: Int) -> [(cos: Float, sin: Float)] {
        let scaled = Double(position) * rope.positionScale
        return rope.inverseFrequency.map { frequency in
            let angle = scaled * frequency
            return (Float(Foundation.cos(angle)), Float(Foundation.sin(angle)))
        }
    }

    /// RoPE on one row of `heads` heads, turned by `rotation(at:)` of its position. Pairs are adjacent features
    /// (2j, 2j+1): Meta's layout, which GGUF's converter produces by permuting Hugging Face's q/k, and the
    /// `.interleaved` layout our GPT trains with.
    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, by turn: [(cos: Float, sin: Float)]) {
        let hs = config.headSize
        for (j, (cos, sin)) in turn.enumerated() {
            for h in 0..<heads {
                let p = x + h * hs + 2 * j
                let (a, b) = (p[0], p[1])
                p[0] = a * cos - b * sin
                p[1] = a * sin + b * cos
            }
        }
    }

    /// Causal attention of each row's query over the keys and values of `layer` in its own cache, positions
    /// 0…its position (a prompt's rows share a cache; a batch's have one each). Query head h reads KV head
    /// h / (heads / kvHeads) (grouped-query attention). All (row, head) pairs — (row, KV head) with a float16
    /// cache — run as one parallel loop, ordered head by head, so that rows whose caches share a prompt
    /// (KVCache.shared: n samples, beams) read its keys and values one after another, from memory for the first
    /// and from cache for the rest. Each cache is read as what it stores: float32 here, float16 through
    /// AttentionF16 (the same math on widened numbers).
    func attend(_ q: UnsafePointer<Float>, _ rows: [RowPlace], layer: Int, into out: UnsafeMutablePointer<Float>) {
        let c = config, hs = c.headSize, kvDim = c.kvHeads * hs, group = c.heads / c.kvHeads
        let scale = 1 / Float(hs).squareRoot()
        let span = rows.map(\.position).max()! + 1
        // A float16 cache's tasks are (row, KV head): the group's query heads read its keys and values once. A
        // float32 cache's are (row, query head).
        let grouped = rows.contains { $0.cache.precision == .float16 }
        let perTask = grouped ? group : 1, heads = c.heads / perTask, tasks = rows.count * heads
        let work = rows.reduce(0) { $0 + ($1.position + 1) * c.heads * hs }
        // On the spinning pool, like the products around it (a Dispatch hand-off costs a thread wake-up per layer).
        // Small spans stay on one thread; prompts get many chunks, as later rows see more positions.
        let chunks = work < 65536 ? 1 : Swift.min(tasks, 16 * Parallel.threads)
        let kernels = options.kernels
        let segments = rows.map { $0.cache.segments(layer: layer) }
        Parallel.forEachChunk(chunks) { chunk in
            var scores = [Float](repeating: 0, count: perTask * span)
            for task in (chunk * tasks / chunks)..<((chunk + 1) * tasks / chunks) {
                let (r, h) = (task % rows.count, (task / rows.count) * perTask)  // row, its first query head
                let (visible, seg) = (rows[r].position + 1, segments[r])
                // Positions below `split` are the shared prompt's (at most all visible ones).
                let split = Swift.min(seg.split, visible)
                let qi = q + (r * c.heads + h) * hs, oi = out + (r * c.heads + h) * hs
                let kv = (h / group) * hs   // its KV head's features at each position
                let (own, shared) = (seg.ownOffset + kv, seg.sharedOffset + kv)
                scores.withUnsafeMutableBufferPointer { sp in
                    let p = sp.baseAddress!
                    switch seg.own.precision {
                    case .float32:
                        let (ownKeys, sharedKeys) = (seg.own.keys32 + own, seg.shared.keys32 + shared)
                        for g in 0..<perTask {  // 1 unless a batch mixes cache precisions
                            let (qg, og) = (qi + g * hs, oi + g * hs)
                            // each score alone: the prompt's keys, then this cache's (split is a multiple of 4)
                            Self.dotKeys(qg, sharedKeys, stride: kvDim, count: split, hs, scale: scale, into: p)
                            Self.dotKeys(qg, ownKeys + split * kvDim, stride: kvDim, count: visible - split, hs,
                                         scale: scale, into: p + split)
                            Kernels.softmax(p, p, visible)
                            Self.mixValues(p, seg.shared.values32 + shared, split: split, tail: seg.own.values32 + own,
                                           stride: kvDim, count: visible, hs, into: og)
                        }
                    case .float16:
                        let (ownKeys, sharedKeys) = (seg.own.keys16 + own, seg.shared.keys16 + shared)
                        AttentionF16.dotKeys(qi, queries: perTask, sharedKeys, stride: kvDim, count: split, hs,
                                             scale: scale, into: p, ld: span, kernels: kernels)
                        AttentionF16.dotKeys(qi, queries: perTask, ownKeys + split * kvDim, stride: kvDim,
                                             count: visible - split, hs, scale: scale, into: p + split, ld: span,
                                             kernels: kernels)
                        for g in 0..<perTask { Kernels.softmax(p + g * span, p + g * span, visible) }
                        AttentionF16.mixValues(p, queries: perTask, ld: span, seg.shared.values16 + shared, split: split,
                                               tail: seg.own.values16 + own, stride: kvDim, count: visible, hs,
                                               into: oi, kernels: kernels)
                    }
                }
            }
        }
    }

    // The two halves of one head's attention. For head sizes that are a multiple of 16 (64 in Llamas, 32 in our
    // tiny GPT) they run on SIMD16 vectors, four positions at a time so four independent FMA chains are in flight
    // (one chain waits ~4 cycles per FMA); otherwise plain loops.

    /// scores[s] = scale · q·k_s for the `count` keys `stride` floats apart.
    @inline(__always)
    static func dotKeys(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, stride: Int, count: Int, _ hs: Int,
                        scale: Float, into scores: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        var s = 0
        if hs % 16 == 0 {
            func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            while s + 4 <= count {
                let k = keys + s * stride
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                for c in Swift.stride(from: 0, to: hs, by: 16) {
                    let qc = load(q + c)
                    a0 = a0.addingProduct(qc, load(k + c))
                    a1 = a1.addingProduct(qc, load(k + stride + c))
                    a2 = a2.addingProduct(qc, load(k + 2 * stride + c))
                    a3 = a3.addingProduct(qc, load(k + 3 * stride + c))
                }
                scores[s] = a0.sum() * scale; scores[s + 1] = a1.sum() * scale
                scores[s + 2] = a2.sum() * scale; scores[s + 3] = a3.sum() * scale
                s += 4
            }
        }
        for t in s..<count { scores[t] = Kernels.dot(q, keys + t * stride, hs) * scale }
    }

    /// out = Σ_s weights[s] · v_s over the `count` values `stride` floats apart: v_s at values + s·stride, or from
    /// position `split` on (a multiple of 4, so a group of four is on one side) at tail + s·stride — a cache that
    /// shares a prompt's positions (KVCache.shared) reads them where they are.
    @inline(__always)
    static func mixValues(_ weights: UnsafePointer<Float>, _ values: UnsafePointer<Float>, split: Int = .max,
                          tail: UnsafePointer<Float>? = nil, stride: Int, count: Int, _ hs: Int,
                          into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let tail = tail ?? values
        func row(_ s: Int) -> UnsafePointer<Float> { (s < split ? values : tail) + s * stride }
        guard hs % 16 == 0 else {
            for j in 0..<hs { out[j] = 0 }
            for s in 0..<count {
                let v = row(s), w = weights[s]
                for j in 0..<hs { out[j] += w * v[j] }
            }
            return
        }
        func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        for c in Swift.stride(from: 0, to: hs, by: 16) {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            var s = 0
            while s + 4 <= count {
                let v = row(s) + c
                a0 = a0.addingProduct(load(v), weights[s])
                a1 = a1.addingProduct(load(v + stride), weights[s + 1])
                a2 = a2.addingProduct(load(v + 2 * stride), weights[s + 2])
                a3 = a3.addingProduct(load(v + 3 * stride), weights[s + 3])
                s += 4
            }
            for t in s..<count { a0 = a0.addingProduct(load(row(t) + c), weights[t]) }
            UnsafeMutableRawPointer(out + c).storeBytes(of: (a0 + a1) + (a2 + a3), as: V.self)
        }
    }

    /// x = f(x), or with `times` y = f(x) ⊙ y (SwiGLU: silu(gate) ⊙ up), on 16 lanes at a time through the vector
    /// formulas the autograd ops train with (Elementwise: SiLU, GELU, GELUTanh on VectorMath's exp and erf), so the
    /// runtime computes what training computed. Split over the threads when long enough to pay for the hand-off
    /// to the spinning pool (a batch step's 8 × 1536 SiLUs, a prompt's); each element is computed alone, so the
    /// numbers are the same either way.
    func elementwise<F: UnaryFunction>(_ f: F, _ x: UnsafeMutablePointer<Float>, times y: UnsafeMutablePointer<Float>? = nil,
                                       _ count: Int) {
        @inline(__always) func apply(_ i: Int, _ n: Int) {
            let fx = f.value(VectorMath.load(x + i, n))
            if let y { VectorMath.store(fx * VectorMath.load(y + i, n), y + i, n) } else { VectorMath.store(fx, x + i, n) }
        }
        let body = { (r: Range<Int>) in
            // whole vectors, then one partial vector (as Tensor.mapKernel: a partial one inside the loop would make
            // every vector operation scalar)
            var i = r.lowerBound
            while i + 16 <= r.upperBound { apply(i, 16); i += 16 }
            if i < r.upperBound { apply(i, r.upperBound - i) }
        }
        guard count >= 8192, Parallel.threads > 1 else { return body(0..<count) }
        let chunks = Parallel.threads
        Parallel.forEachChunk(chunks) { c in body((c * count / chunks)..<((c + 1) * count / chunks)) }
    }

    func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += x[i] }
    }

    func add(_ y: UnsafeMutablePointer<Float>, _ x: [Float], offset: Int, _ n: Int) {
        for i in 0..<n { y[i] += x[offset + i] }
    }
}

/// The activations of one forward pass over `tokens` rows, freed when the pass ends.
final class Activations {
    let x, xn, q, k, v, attention, out, gate, hidden: UnsafeMutablePointer<Float>

    init(tokens t: Int, width d: Int, qDim: Int, kvDim: Int, hidden h: Int) {
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        x = buffer(t * d)            // (T, d) residual stream
        xn = buffer(t * d)           // (T, d) normalized
        q = buffer(t * qDim)         // (T, heads·hs)
        k = buffer(t * kvDim)        // (T, kvHeads·hs)
        v = buffer(t * kvDim)        // (T, kvHeads·hs)
        attention = buffer(t * qDim) // (T, heads·hs)
        out = buffer(t * d)          // (T, d) a block's output before the residual add
        gate = buffer(t * h)         // (T, hidden)
        hidden = buffer(t * h)       // (T, hidden)
    }

    deinit { for p in [x, xn, q, k, v, attention, out, gate, hidden] { p.deallocate() } }
}
