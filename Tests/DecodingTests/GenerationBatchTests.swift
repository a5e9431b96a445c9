// The one generation loop stepping several sequences: n sequences decoded together give exactly the tokens, text,
// log-probabilities and finish reasons each gives alone (seeded samplers, a real transformer and a toy), sequences
// join and leave between steps, stop strings are found across token boundaries in every sequence, and beam
// hypotheses end for the same reasons as samples.
import Foundation
import XCTest
import Models
import Tensor
import Tokenizers
@testable import Decoding

final class GenerationBatchTests: XCTestCase {
    /// A random tiny GPT (both styles give the same structure; llama exercises RoPE and GQA) with a character
    /// tokenizer over its 61 ids.
    func tinyGPT() -> (TransformerRuntime, CharTokenizer) {
        let config = TransformerConfig(style: .llama, vocabSize: 61, contextLength: 48, width: 32, layers: 2, heads: 4,
                                       kvHeads: 2, tiedEmbeddings: false)
        let gpt = GPT(config: config, seed: 11)
        var rng = RandomGenerator(seed: 12)
        for (name, t) in gpt.namedParameters() where !name.hasSuffix("Norm.weight") {
            for i in 0..<t.count { t.pointer[i] = 0.3 * rng.nextNormal() }
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
        XCTAssertEqual(alphabet.count, 63)
        return (TransformerRuntime(gpt: gpt), CharTokenizer(alphabet: Array(alphabet.prefix(61)), eos: nil))
    }

    func samplers(_ n: Int, _ p: SamplingParameters = SamplingParameters(), seed: UInt64 = 7) -> [Sampler] {
        (0..<n).map { Sampler(parameters: p, seed: seed &+ UInt64($0)) }
    }

    /// Several seeded samples in lockstep equal the same samples one at a time, token for token and log-prob for
    /// log-prob (the logits rows of a batch are those of feeding alone).
    func testBatchedSamplesEqualSamplesAlone() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = 20
        options.logprobs = 3
        var p = SamplingParameters()
        p.temperature = 1.3
        p.topK = 20
        p.repetitionPenalty = 1.2
        let prompt: [Int32] = [3, 14, 15, 9, 2]
        let together = try generator.run(prompt: prompt, samplers: samplers(5, p), options: options)
        XCTAssertEqual(together.count, 5)
        for (i, s) in samplers(5, p).enumerated() {
            var sampler = s
            let alone = try generator.run(prompt: prompt, sampler: &sampler, options: options)
            XCTAssertEqual(together[i].tokens, alone.tokens, "sample \(i)")
            XCTAssertEqual(together[i].text, alone.text, "sample \(i)")
            XCTAssertEqual(together[i].logprobs, alone.logprobs, "sample \(i)")
            XCTAssertEqual(together[i].finishReason, alone.finishReason)
            XCTAssertEqual(together[i].seed, 7 + UInt64(i))
        }
        XCTAssertGreaterThan(Set(together.map(\.tokens)).count, 1, "different seeds, different samples")
    }

    /// One `feed(batch:)` per step over every sequence still running; finished ones leave the batch.
    func testOneBatchedFeedPerStepOverTheRunningSequences() throws {
        // a → b → c → a …; sequence 0 may draw 2 tokens, the others 6.
        let hot: (Int) -> [Float] = { i in (0..<4).map { $0 == i ? 0 : -20 } }
        let m = ToyModel(table: [hot(1), hot(2), hot(0), hot(0)], alphabet: "abcE")
        let generator = Generator(model: m, tokenizer: m.charTokenizer)
        var options = GenerationOptions()
        options.maxTokens = 6
        var running = try generator.prefill(prompt: [0], samplers: samplers(3, .greedy), options: options)
        XCTAssertEqual(m.positionsFed, 1, "the prompt is fed once, the other sequences copy its cache")
        running[0] = try generator.prefill(prompt: [0], sampler: Sampler(parameters: .greedy, seed: 0),
                                           options: { var o = options; o.maxTokens = 2; return o }(), id: 0)
        var texts = ["", "", ""], steps = 0
        while !running.isEmpty {
            for e in try generator.step(running) { texts[e.id] += e.text }
            running.removeAll { $0.isFinished }
            steps += 1
        }
        XCTAssertEqual(texts, ["bc", "bcabca", "bcabca"])
        XCTAssertEqual(steps, 6)
        // Step 1: all three fed; step 2: sequence 0 ends (no feed for it); steps 3–5: two; step 6: none fed.
        XCTAssertEqual(m.batchSizes, [3, 2, 2, 2, 2])
    }

    /// A sequence that joins later, and one that leaves early (cancelled), do not change the others' tokens.
    func testJoinAndLeaveBetweenSteps() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = 12
        let prompts: [[Int32]] = [[1, 2, 3], [40, 41], [7, 7, 7, 7, 8]]
        var alone: [[Int32]] = []
        for (i, prompt) in prompts.enumerated() {
            var s = samplers(1, seed: UInt64(100 + i))[0]
            alone.append(try generator.run(prompt: prompt, sampler: &s, options: options).tokens)
        }
        var all: [GenerationSequence<TransformerRuntime>] = []
        var running: [GenerationSequence<TransformerRuntime>] = []
        let cancelled = try generator.prefill(prompt: [5, 6], sampler: samplers(1, seed: 1)[0], options: options, id: 99)
        running.append(cancelled)
        for step in 0..<40 {
            if step < prompts.count {   // one request joins at each of the first steps
                let s = try generator.prefill(prompt: prompts[step], sampler: samplers(1, seed: UInt64(100 + step))[0],
                                              options: options, id: step)
                all.append(s)
                running.append(s)
            }
            if step == 2 { running.removeAll { $0 === cancelled } }   // its client went away
            _ = try generator.step(running)
            running.removeAll { $0.isFinished }
            if running.isEmpty { break }
        }
        XCTAssertEqual(all.map(\.tokens), alone)
        XCTAssertEqual(cancelled.tokens.count, 2, "stepped twice, then dropped")
    }

    /// Options with the top-2 log-probs of each new token, and the same echoing the prompt's.
    func logprobOptions(maxTokens: Int) -> (plain: GenerationOptions, echo: GenerationOptions) {
        var options = GenerationOptions()
        options.maxTokens = maxTokens
        options.logprobs = 2
        var echo = options
        echo.echo = true
        return (options, echo)
    }

    /// Requests join through the step's own pass (`step(_:prefilling:onEvents:)`: their prompts fed with the running
    /// tokens) and get exactly what they get alone — tokens, log-probs, echoed prompt log-probs, n choices —; the
    /// events are handed out before the pass; an empty prompt fails only its own request.
    func testJoiningThroughTheStepsPassEqualsPrefillAlone() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        let (options, echo) = logprobOptions(maxTokens: 10)
        let requests: [Generator<TransformerRuntime>.PrefillRequest] = [
            .init(prompt: [1, 2, 3], samplers: samplers(1, seed: 100), options: options, firstID: 0),
            .init(prompt: [40], samplers: samplers(2, seed: 200), options: options, firstID: 1),
            .init(prompt: [7, 7, 7, 7, 8], samplers: samplers(1, seed: 300), options: echo, firstID: 3),
            .init(prompt: [9, 10], samplers: samplers(1, seed: 400), options: options, firstID: 4),
        ]
        let alone = try requests.map { try generator.run(prompt: $0.prompt, samplers: $0.samplers, options: $0.options) }
        var running = try generator.prefill(prompt: [5, 6], samplers: samplers(1, seed: 1), options: options, firstID: 99)
        var started: [[GenerationSequence<TransformerRuntime>]] = []
        for step in 0..<40 {
            // Two requests join at step 1 (with the empty one), two at step 3.
            let joining = step == 1 ? [requests[0], requests[1], .init(prompt: [], samplers: samplers(1), options: options)]
                : step == 3 ? [requests[2], requests[3]] : []
            var heard: [GenerationEvent]? = nil
            let before = running.map(\.tokens.count)
            let results = try generator.step(running, prefilling: joining) { heard = $0 }
            // One event per running sequence, each for the token it drew in this step.
            XCTAssertEqual(heard?.map(\.id), running.map(\.id), "step \(step)")
            XCTAssertEqual(running.map(\.tokens.count), before.map { $0 + 1 }, "step \(step)")
            for (k, result) in results.enumerated() {
                if step == 1 && k == 2 {
                    guard case .failure(DecodingError.emptyPrompt) = result else { return XCTFail("the empty prompt: \(result)") }
                    continue
                }
                let sequences = try result.get()
                started.append(sequences)
                running += sequences
            }
            running.removeAll { $0.isFinished }
            if running.isEmpty && step > 3 { break }
        }
        XCTAssertEqual(started.count, 4)
        for (i, sequences) in started.enumerated() {
            XCTAssertEqual(sequences.map(\.id), (0..<requests[i].samplers.count).map { requests[i].firstID + $0 })
            let generations = sequences.map(\.generation)
            XCTAssertEqual(generations.map(\.tokens), alone[i].map(\.tokens), "request \(i)")
            XCTAssertEqual(generations.map(\.logprobs), alone[i].map(\.logprobs), "request \(i)")
        }
        XCTAssertEqual(started[2][0].promptLogprobs.count, 5, "the echoed prompt's log-probs")
    }

    /// Stop strings across token boundaries in every sequence of a batch; what is streamed equals the text.
    func testStopStringsAcrossTokensInABatch() throws {
        let hot: (Int) -> [Float] = { i in (0..<4).map { $0 == i ? 0 : -20 } }
        let m = ToyModel(table: [hot(1), hot(2), hot(0), hot(0)], alphabet: "abcE")
        let generator = Generator(model: m, tokenizer: m.charTokenizer)
        var options = GenerationOptions()
        options.maxTokens = 10
        options.stop = ["ca"]
        var streamed = ["", ""]
        let gs = try generator.run(prompt: [0], samplers: samplers(2, .greedy), options: options) { streamed[$0.id] += $0.text }
        XCTAssertEqual(gs.map(\.text), ["b", "b"])
        XCTAssertEqual(streamed, ["b", "b"], "the first half of the stop string is never streamed")
        XCTAssertEqual(gs.map(\.finishReason), [.stop, .stop])
        XCTAssertEqual(gs[0].tokens, [1, 2, 0], "tokens up to the one that completed the stop string")
    }

    /// Finish reasons, the same for samples and beams: EOS → stop (EOS not in the tokens), a stop string → stop,
    /// max tokens → length, the context → context_full.
    func testFinishReasonsForSamplesAndBeams() throws {
        let hot: (Int) -> [Float] = { i in (0..<4).map { $0 == i ? 0 : -20 } }
        // a → b → c → E (eos)
        let withEOS = ToyModel(table: [hot(1), hot(2), hot(3), hot(0)], alphabet: "abcE", eos: 3)
        let cycle = ToyModel(table: [hot(1), hot(2), hot(0), hot(0)], alphabet: "abcE", contextLength: 6)
        var beam = BeamSearchParameters()
        beam.numBeams = 2
        func both(_ m: ToyModel, prompt: [Int32] = [0], _ configure: (inout GenerationOptions) -> Void) throws -> (Generation, Generation) {
            var options = GenerationOptions()
            configure(&options)
            var sampler = Sampler(parameters: .greedy, seed: 0)
            let g = try Generator(model: m, tokenizer: m.charTokenizer).run(prompt: prompt, sampler: &sampler, options: options)
            let b = try BeamSearch(model: m, parameters: beam).generations(prompt: prompt, tokenizer: m.charTokenizer,
                                                                          options: options)[0]
            return (g, b)
        }
        var (g, b) = try both(withEOS) { $0.maxTokens = 10 }
        XCTAssertEqual([g.finishReason, b.finishReason], [.stop, .stop])
        XCTAssertEqual(g.tokens, [1, 2]); XCTAssertEqual(b.tokens, [1, 2])
        XCTAssertEqual(g.text, "bc"); XCTAssertEqual(b.text, "bc")
        (g, b) = try both(cycle) { $0.maxTokens = 4; $0.stop = ["ca"] }
        XCTAssertEqual([g.finishReason, b.finishReason], [.stop, .stop])
        XCTAssertEqual(g.text, "b"); XCTAssertEqual(b.text, "b")
        XCTAssertEqual(g.tokens, b.tokens)
        (g, b) = try both(cycle) { $0.maxTokens = 3 }
        XCTAssertEqual([g.finishReason, b.finishReason], [.length, .length])
        XCTAssertEqual(g.text, "bca"); XCTAssertEqual(b.text, "bca")
        (g, b) = try both(cycle, prompt: [0, 1, 2]) { $0.maxTokens = 10 }
        XCTAssertEqual([g.finishReason, b.finishReason], [.contextFull, .contextFull])
        XCTAssertEqual(g.tokens.count, 3); XCTAssertEqual(b.tokens.count, 3)
        XCTAssertNotNil(b.score)
    }

    /// Sequences without the KV cache recompute their prefix alone, and still give the cached tokens.
    func testSequencesWithoutTheCacheAreFedAlone() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        var cached = GenerationOptions(), uncached = GenerationOptions()
        cached.maxTokens = 8; uncached.maxTokens = 8; uncached.useKVCache = false
        let a = try generator.prefill(prompt: [4, 5, 6], sampler: Sampler(parameters: .greedy, seed: 0), options: cached, id: 0)
        let b = try generator.prefill(prompt: [4, 5, 6], sampler: Sampler(parameters: .greedy, seed: 0), options: uncached, id: 1)
        while !a.isFinished || !b.isFinished { _ = try generator.step([a, b]) }
        XCTAssertEqual(a.tokens, b.tokens)
    }

    /// Log-probs of the same tokens within `tolerance` of each other (chunked prefill moves them by rounding).
    func assertClose(_ a: [TokenLogprob], _ b: [TokenLogprob], _ tolerance: Double, _ label: String) {
        XCTAssertEqual(a.map(\.id), b.map(\.id), label)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.logprob ?? 0, y.logprob ?? 0, accuracy: tolerance, "\(label) token \(x.id)")
        }
    }

    /// Chunked prefill: prompts fed a few tokens per step (`startPrefill`, `step(_:prefilling:chunk:onEvents:)`),
    /// while another sequence keeps drawing a token every step, start after as many steps as their chunks and give
    /// `prefill`'s tokens with its log-probs (echoed prompt ones too) within rounding — a chunk's matrix–matrix
    /// products (sgemm) round a row differently than the whole prompt's do, by ~1e-7 relative (observed ≤ 3e-6 in
    /// a log-prob); a prompt that fits one chunk gets `prefill`'s exact bits.
    func testPromptsFedInChunksEqualOnePass() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        let (options, echo) = logprobOptions(maxTokens: 6)
        let prompts: [[Int32]] = [[3], [1, 2, 3, 4, 5], Array(10..<21), (0..<23).map { Int32($0 * 7 % 60) }]
        let requests = prompts.enumerated().map { i, p in
            Generator<TransformerRuntime>.PrefillRequest(prompt: p, samplers: samplers(i % 2 + 1, seed: UInt64(10 * i)),
                                                         options: i == 3 ? echo : options, firstID: 10 * i)
        }
        let alone = try requests.map { try generator.run(prompt: $0.prompt, samplers: $0.samplers, options: $0.options) }
        for chunk in [4, 64] {
            var long = options
            long.maxTokens = 40
            var running = try generator.prefill(prompt: [5, 6], samplers: samplers(1, seed: 1), options: long, firstID: 99)
            let feeding = try requests.map { try generator.startPrefill($0) }
            var started = [[GenerationSequence<TransformerRuntime>]?](repeating: nil, count: requests.count)
            var steps = [Int](repeating: 0, count: requests.count)
            for step in 1...12 {
                let waiting = feeding.indices.filter { started[$0] == nil }
                guard !waiting.isEmpty else { break }
                let before = running.map(\.tokens.count), fedBefore = feeding.map(\.fed)
                let results = try generator.step(running, prefilling: waiting.map { feeding[$0] }, chunk: chunk) { _ in }
                XCTAssertEqual(running.map(\.tokens.count), before.map { $0 + 1 }, "step \(step): the running sequence drew a token")
                for (i, result) in zip(waiting, results) {
                    XCTAssertTrue((1...chunk).contains(feeding[i].fed - fedBefore[i]), "request \(i) step \(step): a chunk of 1…\(chunk) tokens")
                    if let result { started[i] = result; steps[i] = step; running += result }
                }
                running.removeAll { $0.isFinished }
            }
            // Under 4: 1 token in one step; 5 as 3 + 2; 11 as 4 + 4 + 3; 23 as six chunks of 4 or 3. Under 64: one each.
            XCTAssertEqual(steps, chunk == 4 ? [1, 2, 3, 6] : [1, 1, 1, 1])
            while !running.isEmpty {
                _ = try generator.step(running)
                running.removeAll { $0.isFinished }
            }
            for (i, sequences) in started.enumerated() {
                let generations = try XCTUnwrap(sequences, "request \(i)").map(\.generation)
                XCTAssertEqual(generations.map(\.tokens), alone[i].map(\.tokens), "chunk \(chunk) request \(i)")
                for (g, a) in zip(generations, alone[i]) {
                    if chunk == 64 || prompts[i].count <= 4 {
                        XCTAssertEqual(g.logprobs, a.logprobs, "chunk \(chunk) request \(i): one chunk, one pass")
                    } else {
                        assertClose(g.logprobs, a.logprobs, 1e-4, "chunk \(chunk) request \(i)")
                    }
                }
            }
        }
        XCTAssertEqual(alone[3][0].logprobs.count, prompts[3].count + alone[3][0].tokens.count, "the echoed prompt's log-probs")
    }

    /// SmolLM2 with 8-bit activations, whose prompts up to 128 tokens take the matrix–vector path: a 300-token
    /// prompt under a 256-token chunk goes as 150 + 150 (matrix–matrix, as the whole one) in two steps and starts
    /// the greedy tokens of one pass, with their log-probs within 0.02 (8-bit activations turn the chunks' rounding
    /// differences into a flipped rounding here and there; observed ≤ 0.003); with float activations within 1e-3.
    func testSmolLM2LongPromptInChunksEqualsOnePass() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").standardized.path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent; run scripts/get-model.sh") }
        let lm = try TransformerRuntime.load(path: path)
        let generator = Generator(model: lm, tokenizer: lm.tokenizer!)
        var ids = lm.tokenizer!.encode(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 40))
        ids = Array(ids.prefix(300))
        XCTAssertEqual(ids.count, 300)
        var options = GenerationOptions()
        options.maxTokens = 4
        options.logprobs = 3
        for (runtime, tolerance) in [(RuntimeOptions.llamaCpp, 0.02), (RuntimeOptions(), 1e-3)] {
            lm.options = runtime
            XCTAssertEqual(lm.promptChunkFloor, runtime.activations == .q8 ? 129 : 1)
            let request = Generator<TransformerRuntime>.PrefillRequest(prompt: ids, samplers: samplers(1, .greedy), options: options)
            let alone = try generator.run(prompt: ids, samplers: request.samplers, options: options)
            let feeding = try generator.startPrefill(request)
            XCTAssertEqual(feeding.nextChunk(limit: 256), 150)
            var started: [GenerationSequence<TransformerRuntime>]? = nil, steps = 0
            while started == nil {
                started = try generator.step([], prefilling: [feeding], chunk: 256) { _ in }[0]
                steps += 1
            }
            XCTAssertEqual(steps, 2)
            var running = started!
            while !running.isEmpty {
                _ = try generator.step(running)
                running.removeAll { $0.isFinished }
            }
            XCTAssertEqual(started!.map(\.generation.tokens), alone.map(\.tokens), "\(runtime.activations)")
            let (a, b) = (started![0].generation.logprobs, alone[0].logprobs)
            XCTAssertEqual(a.count, 4)
            assertClose(a, b, tolerance, "\(runtime.activations)")
        }
    }

    func testEmptyAndTooLongPromptsAreErrors() throws {
        let (lm, tokenizer) = tinyGPT()
        let generator = Generator(model: lm, tokenizer: tokenizer)
        XCTAssertThrowsError(try generator.prefill(prompt: [], sampler: samplers(1)[0], options: GenerationOptions())) {
            XCTAssertEqual($0 as? DecodingError, .emptyPrompt)
        }
        XCTAssertThrowsError(try generator.prefill(prompt: [Int32](repeating: 1, count: 49), sampler: samplers(1)[0],
                                                   options: GenerationOptions())) {
            XCTAssertEqual($0 as? DecodingError, .promptTooLong(tokens: 49, context: 48))
        }
    }

    /// One top-N rule: largest first, ties by lower id, −∞ never; the sorted and the insertion paths agree.
    func testTopTokensTieBreakAndBothPaths() {
        let values: [Double] = [1, 3, -.infinity, 3, 2, 0, 3, -1]
        XCTAssertEqual(TopTokens.best(values, count: 4).map(\.id), [1, 3, 6, 4])
        XCTAssertEqual(TopTokens.best(values, count: 100).map(\.id), [1, 3, 6, 4, 0, 5, 7], "−∞ is never listed")
        XCTAssertEqual(TopTokens.best(values, count: 0).count, 0)
        var rng = RandomGenerator(seed: 3)
        let big = (0..<5000).map { _ in Double(rng.nextInt(below: 50)) }   // many ties
        let reference = big.indices.sorted { big[$0] != big[$1] ? big[$0] > big[$1] : $0 < $1 }
        for n in [1, 7, 100, 400, 5000] {
            XCTAssertEqual(TopTokens.best(big, count: n).map { Int($0.id) }, Array(reference.prefix(n)), "n \(n)")
        }
    }
}
