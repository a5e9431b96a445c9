// GGUF export: every key and tensor as llama.cpp's loader wants it, read back by lmlab's reader and by gguf-py
// (scripts/check_gguf_export.py: metadata equal, F32 tensors equal, Q8_0/Q4_0 bytes equal to gguf-py's quantizer);
// the exported file loads in the runtime that runs SmolLM2 and gives the checkpoint's logits (F32 within 1e-4;
// F16, Q8_0 and Q4_0 within their measured distances); the lessons' tiny GPT decodes the same greedy tokens with
// log-probs within 1e-4; and bad inputs are one clear error.
import Foundation
import GGUF
import Tensor
import Tokenizers
import XCTest

@testable import Models

final class GGUFExportTests: XCTestCase {
    typealias S = InteropSupport

    /// What the file must say, key by key, in order: written here from llama.cpp's loader, not from GGUFExport.
    func expectedMetadata(_ c: TransformerConfig, _ t: BPETokenizer, name: String, type: GGMLType) -> [(String, GGUFValue)] {
        let arch = c.style == .gpt2 ? "gpt2" : "llama"
        let ftype: UInt32 = [GGMLType.f32: 0, .f16: 1, .q4_0: 2, .q8_0: 7][type]!
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(arch)), ("general.type", .string("model")), ("general.name", .string(name)),
            ("general.file_type", .uint32(ftype)),
        ]
        if type.blockSize > 1 { m.append(("general.quantization_version", .uint32(2))) }
        m.append(("general.lmlab_version", .string(Checkpoint.lmlabVersion)))
        for (key, v) in [("context_length", c.contextLength), ("embedding_length", c.width), ("block_count", c.layers),
                         ("feed_forward_length", c.mlpHidden), ("attention.head_count", c.heads),
                         ("attention.head_count_kv", c.kvHeads)] {
            m.append(("\(arch).\(key)", .uint32(UInt32(v))))
        }
        if c.style == .llama {
            m += [("llama.attention.layer_norm_rms_epsilon", .float32(c.normEps)), ("llama.rope.freq_base", .float32(c.ropeTheta)),
                  ("llama.rope.dimension_count", .uint32(UInt32(c.headSize))), ("llama.vocab_size", .uint32(UInt32(c.vocabSize)))]
        } else {
            m.append(("gpt2.attention.layer_norm_epsilon", .float32(c.normEps)))
        }
        let padding = t.vocabSize..<c.vocabSize
        m += [
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt-2")),
            ("tokenizer.ggml.tokens", .array(.string, (t.pieces + padding.map { "[PAD\($0)]" }).map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(.int32, (t.tokenTypes.map(\.rawValue) + padding.map { _ in 5 }).map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(.string, t.merges.map { .string(t.pieces[Int($0.left)] + " " + t.pieces[Int($0.right)]) })),
        ]
        let ids = t.specialIDs
        for (key, id) in [("bos", ids.bos), ("eos", ids.eos), ("eot", ids.eot)] { m.append(("tokenizer.ggml.\(key)_token_id", .uint32(UInt32(id!)))) }
        m += [("tokenizer.ggml.add_bos_token", .bool(t.addBOS)), ("tokenizer.ggml.add_eos_token", .bool(t.addEOS))]
        return m
    }

    /// Every tensor: GGUF name, ggml shape (innermost first), type, and the float32 values in ggml order.
    func expectedTensors(_ model: GPT, type: GGMLType) -> [(name: String, shape: [Int], type: GGMLType, values: [Float])] {
        let c = model.config
        var out: [(String, [Int], GGMLType, [Float])] = []
        func matrix(_ name: String, _ parts: [Tensor]) {
            out.append((name, [parts[0].shape[1], parts.reduce(0) { $0 + $1.shape[0] }], type, parts.flatMap(\.scalars)))
        }
        func vector(_ name: String, _ parts: [Tensor?]) {
            let v = parts.flatMap { $0!.scalars }
            out.append((name, [v.count], .f32, v))
        }
        matrix("token_embd.weight", [model.tokenEmbedding])
        if let p = model.positionEmbedding { out.append(("position_embd.weight", [c.width, c.contextLength], type == .f16 ? .f16 : .f32, p.scalars)) }
        for (i, b) in model.blocks.enumerated() {
            let p = "blk.\(i).", a = b.attention
            vector(p + "attn_norm.weight", [b.attentionNorm.weight])
            if c.style == .gpt2 {
                vector(p + "attn_norm.bias", [b.attentionNorm.bias])
                matrix(p + "attn_qkv.weight", [a.wq, a.wk, a.wv]); vector(p + "attn_qkv.bias", [a.bq, a.bk, a.bv])
                matrix(p + "attn_output.weight", [a.wo]); vector(p + "attn_output.bias", [a.bo])
                vector(p + "ffn_norm.weight", [b.mlpNorm.weight]); vector(p + "ffn_norm.bias", [b.mlpNorm.bias])
                matrix(p + "ffn_up.weight", [b.mlp.up]); vector(p + "ffn_up.bias", [b.mlp.upBias])
                matrix(p + "ffn_down.weight", [b.mlp.down]); vector(p + "ffn_down.bias", [b.mlp.downBias])
            } else {
                matrix(p + "attn_q.weight", [a.wq]); matrix(p + "attn_k.weight", [a.wk]); matrix(p + "attn_v.weight", [a.wv])
                matrix(p + "attn_output.weight", [a.wo])
                vector(p + "ffn_norm.weight", [b.mlpNorm.weight])
                matrix(p + "ffn_gate.weight", [b.mlp.gate!]); matrix(p + "ffn_up.weight", [b.mlp.up])
                matrix(p + "ffn_down.weight", [b.mlp.down])
            }
        }
        vector("output_norm.weight", [model.finalNorm.weight])
        if c.style == .gpt2 { vector("output_norm.bias", [model.finalNorm.bias]) }
        if let head = model.outputHead { matrix("output.weight", [head]) }
        return out
    }

    // MARK: read back by lmlab and by gguf-py

    func testEveryKeyAndTensorReadsBack() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        for config in [S.gpt2, S.llama] {
            let model = S.model(config)
            for type in GGUFExport.types {
                let path = "\(dir)/\(config.style)-\(type.name).gguf"
                try GGUFExport.write(model: model, tokenizer: tokenizer, type: type, name: "tiny", to: path)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"), "no temporary file left")
                let file = try GGUFFile(path: path)
                XCTAssertEqual(file.version, 3)
                XCTAssertEqual(file.alignment, 32)
                let expected = expectedMetadata(config, tokenizer, name: "tiny", type: type)
                XCTAssertEqual(file.metadata.keys, expected.map(\.0), "\(config.style) \(type): keys in order")
                for (key, value) in expected { XCTAssertEqual(file.metadata[key], value, "\(config.style) \(type): \(key)") }
                let tensors = expectedTensors(model, type: type)
                XCTAssertEqual(file.tensors.map(\.name), tensors.map(\.name))
                for (t, want) in zip(file.tensors, tensors) {
                    XCTAssertEqual(t.shape, want.shape, t.name)
                    XCTAssertEqual(t.type, want.type, "\(t.name) in a \(type) file")
                    XCTAssertEqual((t.fileOffset - file.dataOffset) % 32, 0, "\(t.name) is 32-byte aligned")
                    let values = try t.dequantized()
                    if t.type == .f32 {
                        XCTAssertEqual(values.map(\.bitPattern), want.values.map(\.bitPattern), t.name)
                    } else {
                        // Half a quantization step: |x|max/254 per Q8_0 block, |x|max/16 per Q4_0 block, 2^-11·|x| for F16.
                        let bound: Float = [GGMLType.f16: 0.001, .q8_0: 0.01, .q4_0: 0.15][t.type]!
                        XCTAssertLessThan(S.maxDifference(values, want.values), bound, "\(t.name) \(t.type)")
                    }
                }
                // The vocabulary round-trips through the file: same ids for the same text.
                let read = try file.tokenizer()
                for ids in S.prompts(tokenizer) {
                    XCTAssertEqual(read.encode(tokenizer.decode(ids), addSpecial: true), ids)
                }
            }
        }
    }

    /// gguf-py — llama.cpp's own Python reader — finds the same keys, types, values and tensors, and its quantizer
    /// (bit-exact with ggml's reference) makes the same Q8_0 and Q4_0 bytes from the weights as lmlab's.
    func testGGUFPyReadsTheExport() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        var arguments: [String] = []
        for config in [S.gpt2, S.llama] {
            let model = S.model(config)
            for type in GGUFExport.types {
                let path = "\(dir)/\(config.style)-\(type.name).gguf"
                try GGUFExport.write(model: model, tokenizer: tokenizer, type: type, name: "tiny", to: path)
                let metadata = expectedMetadata(config, tokenizer, name: "tiny", type: type).map { key, value in
                    [key, Self.typeName(value), Self.json(value)] as [Any]
                }
                let tensors = expectedTensors(model, type: type).map { t in
                    ["name": t.name, "shape": t.shape, "type": t.type.name, "values": t.values.map(Double.init)] as [String: Any]
                }
                try S.writeJSON(["metadata": metadata, "tensors": tensors], to: path + ".expect.json")
                arguments += [path, path + ".expect.json"]
            }
        }
        let result = try S.python("check_gguf_export.py", arguments, needs: ["gguf", "numpy"])
        XCTAssertEqual(result.status, 0, "check_gguf_export.py said:\n\(result.output)")
        XCTAssertEqual(result.output.components(separatedBy: ": OK").count - 1, 8, result.output)
    }

    static func typeName(_ v: GGUFValue) -> String {
        if case let .array(element, _) = v { return "ARRAY:\(element)" }
        return "\(v.type)"
    }

    static func json(_ v: GGUFValue) -> Any {
        switch v {
        case let .string(s): return s
        case let .bool(b): return b
        case let .float32(f): return Double(f)
        case let .array(_, elements): return elements.map(json)
        default: return v.int!
        }
    }

    // MARK: the runtime runs the export

    /// The exported file, loaded by the GGUF runtime, gives the checkpoint's logits at every position: F32 within
    /// 1e-4 (float rounding only); the lossy types within the distance measured for these weights (std 0.2 — larger
    /// than trained weights, so these bounds are loose for real models; the lessons' model is measured below).
    func testExportRunsInTheRuntime() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        // Measured: F32 0, F16 0.006–0.009, Q8_0 0.12–0.26, Q4_0 3.0–3.3 (logits of std ~3 here).
        let bounds: [GGMLType: Float] = [.f32: 1e-4, .f16: 0.02, .q8_0: 0.4, .q4_0: 5]
        for config in [S.gpt2, S.llama] {
            let model = S.model(config)
            for type in GGUFExport.types {
                let path = "\(dir)/\(config.style)-\(type.name).gguf"
                try GGUFExport.write(model: model, tokenizer: tokenizer, type: type, name: "tiny", to: path)
                let runtime = try TransformerRuntime.load(path: path)
                XCTAssertEqual(runtime.config, config.with(dropout: 0))
                var worst: Float = 0
                for ids in S.prompts(tokenizer) {
                    let observed = try runtime.feed(ids, cache: runtime.makeCache(), allPositions: true)
                    worst = max(worst, S.maxDifference(observed, try S.logits(model, ids)))
                }
                print("GGUF \(config.style) \(type): max |logit difference| vs the checkpoint \(worst)")
                XCTAssertLessThanOrEqual(worst, bounds[type]!, "\(config.style) \(type)")
            }
        }
    }

    /// The lessons' tiny GPT (trained by lesson 1, which CI runs before the tests): the F32 export decodes the same
    /// greedy tokens with log-probs within 1e-4 nats on the lessons' prompts; Q8_0 stays within its measured distance.
    func testLessonsTinyGPTRoundTrip() throws {
        let path = S.repository.appendingPathComponent("checkpoints/lessons-tiny.h5").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("checkpoints/lessons-tiny.h5 is missing: run `lmlab lectures check lectures/01-tokens-and-logits.md`")
        }
        let checkpoint = try Checkpoint.load(path: path)
        let original = TransformerRuntime(gpt: checkpoint.model, tokenizer: checkpoint.tokenizer)
        let dir = try S.temporaryDirectory(self)
        let prompts = [" The game was released in", " The game was released in Japan in", "The quick brown fox jumps over the lazy dog, unbelievably."]
        // Measured on this checkpoint: F32 2.4e-6, F16 6.7e-4, Q8_0 0.013, Q4_0 0.16 nats (greedy tokens: all 72 equal
        // up to Q8_0; Q4_0 agrees on 35 of 72 before a first difference).
        for (type, logprobBound) in [(GGMLType.f32, Float(1e-4)), (.f16, 0.005), (.q8_0, 0.04), (.q4_0, 0.4)] {
            let file = "\(dir)/tiny.\(type.name).gguf"
            try GGUFExport.write(model: checkpoint.model, tokenizer: checkpoint.tokenizer!, type: type, name: "lessons-tiny", to: file)
            let exported = try TransformerRuntime.load(path: file)
            var worst: Float = 0, sameTokens = 0, total = 0
            for prompt in prompts {
                let ids = exported.tokenizer!.encode(prompt, addSpecial: true)
                XCTAssertEqual(ids, original.tokenizer!.encode(prompt, addSpecial: true), "the exported tokenizer's ids")
                let a = try Self.greedy(original, ids, 24), b = try Self.greedy(exported, ids, 24)
                if type == .f32 { XCTAssertEqual(b.tokens, a.tokens, "\(type) greedy tokens after \(prompt)") }
                // Score the checkpoint's tokens under both models, so one early difference does not shift the rest.
                let scored = try Self.logprobs(exported, ids, a.tokens)
                worst = max(worst, zip(scored, a.logprobs).map { abs($0 - $1) }.max()!)
                sameTokens += zip(a.tokens, b.tokens).prefix { $0 == $1 }.count
                total += a.tokens.count
            }
            print("lessons-tiny \(type): max |log-prob difference| \(worst) nats; greedy tokens equal for \(sameTokens)/\(total)")
            XCTAssertLessThanOrEqual(worst, logprobBound, "\(type) log-probs")
        }
    }

    /// Greedy decoding with the KV cache: the tokens and the log-probability of each.
    static func greedy(_ lm: TransformerRuntime, _ prompt: [Int32], _ n: Int) throws -> (tokens: [Int32], logprobs: [Float]) {
        let cache = lm.makeCache()
        var logits = try lm.feed(prompt, cache: cache)
        var tokens: [Int32] = [], logprobs: [Float] = []
        for _ in 0..<n {
            let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
            tokens.append(next)
            logprobs.append(logSoftmax(logits, next))
            logits = try lm.feed([next], cache: cache)
        }
        return (tokens, logprobs)
    }

    /// log p(tokens[i] | prompt + tokens[..<i]) for each i, from one pass.
    static func logprobs(_ lm: TransformerRuntime, _ prompt: [Int32], _ tokens: [Int32]) throws -> [Float] {
        let all = try lm.feed(prompt + tokens.dropLast(), cache: lm.makeCache(), allPositions: true)
        let v = lm.vocabSize
        return tokens.enumerated().map { i, t in
            logSoftmax(Array(all[((prompt.count - 1 + i) * v)..<((prompt.count + i) * v)]), t)
        }
    }

    static func logSoftmax(_ logits: [Float], _ token: Int32) -> Float {
        let m = logits.max()!
        let sum = logits.reduce(0.0) { $0 + exp(Double($1 - m)) }
        return Float(Double(logits[Int(token)] - m) - log(sum))
    }

    // MARK: bad input

    func testBadInputIsOneClearError() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        let model = S.model(S.llama)
        let good = try GGUFExport.writer(model: model, tokenizer: tokenizer, type: .f32, name: "tiny")

        // A GGUF of an architecture lmlab does not run.
        var other = good
        other.set("general.architecture", .string("falcon"))
        try other.write(to: "\(dir)/falcon.gguf")
        let arch = S.error { _ = try TransformerRuntime.load(path: "\(dir)/falcon.gguf") }
        XCTAssertTrue("\(arch!)".contains("\(dir)/falcon.gguf") && "\(arch!)".contains("\"falcon\""), "\(arch!)")

        // A missing tensor names the file and the tensor.
        var missing = GGUFWriter()
        for (k, v) in good.metadata { missing.set(k, v) }
        for t in good.tensors where t.name != "blk.1.ffn_up.weight" { missing.addTensor(t.name, shape: t.shape, type: t.type, bytes: t.bytes) }
        try missing.write(to: "\(dir)/missing.gguf")
        let absent = S.error { _ = try TransformerRuntime.load(path: "\(dir)/missing.gguf") }
        XCTAssertEqual(absent as? GGUFError, .missingTensor(file: "\(dir)/missing.gguf", tensor: "blk.1.ffn_up.weight"))

        // A model whose weights diverged cannot be exported.
        model.blocks[0].mlp.up.pointer[3] = .nan
        let nan = S.error { _ = try GGUFExport.writer(model: model, tokenizer: tokenizer, type: .q8_0, name: "tiny") }
        XCTAssertEqual(nan as? InteropError, .nonFinite(tensor: "blk.0.ffn_up.weight"))

        // A tokenizer larger than the embedding.
        let small = S.model(TransformerConfig(style: .llama, vocabSize: 200, contextLength: 8, width: 32, layers: 1, heads: 2))
        let vocab = S.error { _ = try GGUFExport.writer(model: small, tokenizer: tokenizer, type: .f32, name: "small") }
        XCTAssertEqual(vocab as? InteropError, .vocabularyMismatch(file: "small", tokenizer: 280, model: 200))

        // A directory that does not exist: nothing is written, the error names the path.
        let unwritable = S.error { try good.write(to: "\(dir)/no/such/dir/x.gguf") }
        guard case .cannotWrite(let file, _)? = unwritable as? GGUFError else { return XCTFail("\(String(describing: unwritable))") }
        XCTAssertEqual(file, "\(dir)/no/such/dir/x.gguf")
        for e in [arch, absent, nan, vocab, unwritable] { XCTAssertFalse("\(e!)".contains("\n"), "one line: \(e!)") }
    }
}

extension TransformerConfig {
    func with(dropout: Float) -> TransformerConfig { var c = self; c.dropout = dropout; return c }
}
