// Hugging Face export and import: the folder holds transformers' names, shapes and conventions (checked by the
// `safetensors` package with NumPy, and a float64 NumPy forward written from transformers' model definitions gives
// lmlab's logits within 1e-4; `tokenizers` encodes to lmlab's ids — scripts/check_hf_export.py); `.h5 → hf → .h5`
// is bit-identical for float32; float16 / bfloat16 folders and nanoGPT state dicts import; the folder runs
// directly as `--model`; a GPT-2-sized layout imports memory-mapped without a second copy; bad folders are one
// clear error each.
import CAllocator
import Foundation
import Safetensors
import Tensor
import Tokenizers
import XCTest

@testable import Models

final class HFExportTests: XCTestCase {
    typealias S = InteropSupport

    func bits(_ gpt: GPT) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: gpt.namedParameters().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }

    /// HFLayout names exactly the parameters GPT has, for both styles, tied and untied.
    func testLayoutCoversEveryParameter() {
        for config in [S.gpt2, S.llama, S.gpt2.with(tied: false), S.llama.with(tied: true)] {
            let fromLayout = HFLayout.mappings(config, config.style == .gpt2 ? .gpt2 : .llama).flatMap { $0.parts.map(\.parameter) }
            let fromGPT = GPT(config: config, seed: 0).namedParameters().map(\.name)
            XCTAssertEqual(fromLayout.sorted(), fromGPT.sorted(), "\(config.style) tied \(config.tiedEmbeddings)")
            XCTAssertEqual(Set(fromLayout).count, fromLayout.count, "each parameter once")
        }
    }

    /// `safetensors` + NumPy read the folder: transformers' names and shapes, lmlab's values under transformers'
    /// conventions, and a float64 forward over them gives lmlab's logits; `tokenizers` gives lmlab's ids.
    func testPythonReadsTheExport() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        for config in [S.gpt2, S.gpt2Tanh, S.llama] {
            let model = S.model(config)
            let folder = "\(dir)/\(config.style)-\(config.geluApproximation)"
            try HFExport.write(model: model, tokenizer: tokenizer, to: folder)
            for name in ["config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/\(name)"), name)
            }
            let weights = Dictionary(uniqueKeysWithValues: model.namedParameters().map { name, t in
                (name, ["shape": t.shape, "values": t.scalars.map(Double.init)] as [String: Any])
            })
            let prompts = try S.prompts(tokenizer).map { ids in ["ids": ids.map(Int.init), "logits": try Self.rows(S.logits(model, ids), config.vocabSize)] }
            // `tokenizers` always matches added special tokens in the text: lmlab's parseSpecial: true.
            let texts = [S.text, "the cat", " 12 @,@ 000 copies", "<|endoftext|> is special here"].map { text in
                ["text": text, "ids": tokenizer.encode(text, addSpecial: true, parseSpecial: true).map(Int.init)] as [String: Any]
            }
            try S.writeJSON(["weights": weights, "prompts": prompts, "texts": texts], to: folder + ".expect.json")
            let result = try S.python("check_hf_export.py", [folder, folder + ".expect.json"], needs: ["safetensors", "numpy"])
            XCTAssertEqual(result.status, 0, "check_hf_export.py on \(config.style):\n\(result.output)")
            XCTAssertTrue(result.output.contains("OK"), result.output)
            if config.style == .gpt2 {
                let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/config.json"))) as! [String: Any]
                XCTAssertEqual(written["activation_function"] as? String, config.geluApproximation == .tanh ? "gelu_new" : "gelu")
            }
        }
    }

    static func rows(_ logits: [Float], _ vocab: Int) -> [[Double]] {
        stride(from: 0, to: logits.count, by: vocab).map { logits[$0..<($0 + vocab)].map(Double.init) }
    }

    /// .h5 → hf → .h5: every weight bit for bit, the same config and the same tokenizer; and the folder, run
    /// directly, gives exactly the checkpoint's logits.
    func testRoundTripIsBitIdentical() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        for config in [S.gpt2, S.llama, S.gpt2.with(tied: false), S.gpt2Tanh] {
            let original = "\(dir)/\(config.style)-\(config.tiedEmbeddings)-\(config.geluApproximation).h5"
            try Checkpoint.save(to: original, model: S.model(config), tokenizer: tokenizer)
            let loaded = try Checkpoint.load(path: original)
            let folder = original + "-hf"
            try HFExport.write(model: loaded.model, tokenizer: loaded.tokenizer!, to: folder)
            let imported = try HFModelFolder(path: folder)
            XCTAssertEqual(imported.architecture, config.style == .gpt2 ? .gpt2 : .llama)
            XCTAssertEqual(imported.warnings.count, 1, "the tokenizer's 280 tokens for 300 ids: \(imported.warnings)")
            let back = original + "-back.h5"
            try Checkpoint.save(to: back, model: imported.makeGPT(), tokenizer: imported.tokenizer)
            let reloaded = try Checkpoint.load(path: back)
            XCTAssertEqual(reloaded.config, loaded.config)
            XCTAssertEqual(bits(reloaded.model), bits(loaded.model), "\(config.style): weights bit for bit")
            let (a, b) = (loaded.tokenizer!, reloaded.tokenizer!)
            XCTAssertEqual(b.pieces, a.pieces)
            XCTAssertEqual(b.merges, a.merges)
            XCTAssertEqual(b.tokenTypes, a.tokenTypes)
            XCTAssertEqual(b.specialIDs, a.specialIDs)
            XCTAssertEqual(b.preTokenizer, a.preTokenizer)
            XCTAssertEqual([b.addBOS, b.addEOS], [a.addBOS, a.addEOS])

            let direct = try TransformerRuntime.load(path: folder)
            for ids in S.prompts(tokenizer) {
                let observed = try direct.feed(ids, cache: direct.makeCache(), allPositions: true)
                XCTAssertEqual(observed, try S.logits(loaded.model, ids), "\(config.style): --model folder/ = the checkpoint")
            }
        }
    }

    /// Folders saved in float16 or bfloat16 (what transformers writes with torch_dtype=float16 / bfloat16) import
    /// with each weight exactly the rounded value, and run within the rounding's effect on the logits.
    func testHalfPrecisionFolders() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        for config in [S.gpt2, S.gpt2Tanh, S.llama] {
            let model = S.model(config)
            let folder = "\(dir)/\(config.style)-\(config.geluApproximation)"
            try HFExport.write(model: model, tokenizer: tokenizer, to: folder)
            let f32 = try SafetensorsFile(path: "\(folder)/model.safetensors")
            for dtype in ["F16", "BF16"] {
                let copy = "\(folder)-\(dtype)"
                try FileManager.default.copyItem(atPath: folder, toPath: copy)
                try Self.writeRounded(f32, dtype: dtype, to: "\(copy)/model.safetensors")
                let imported = try HFModelFolder(path: copy).makeGPT()
                let rounded = S.model(config)
                for (name, t) in rounded.namedParameters() {
                    for i in 0..<t.count { t.pointer[i] = Self.round(t.pointer[i], dtype) }
                    XCTAssertEqual(imported.namedParameters().first { $0.name == name }!.tensor.scalars, t.scalars, "\(dtype) \(name)")
                }
                var worst: Float = 0
                for ids in S.prompts(tokenizer) { worst = max(worst, S.maxDifference(try S.logits(imported, ids), try S.logits(model, ids))) }
                print("HF \(config.style) \(dtype): max |logit difference| vs float32 \(worst)")
                XCTAssertLessThan(worst, dtype == "F16" ? 0.02 : 0.15)
            }
        }
    }

    /// A checkpoint sharded over two files, listed by model.safetensors.index.json (what save_pretrained writes for
    /// large models), imports like the single file.
    func testShardedFolder() throws {
        let dir = try S.temporaryDirectory(self)
        let model = S.model(S.llama)
        let folder = "\(dir)/sharded"
        try HFExport.write(model: model, tokenizer: try S.tokenizer(), to: folder)
        let whole = try SafetensorsFile(path: "\(folder)/model.safetensors")
        var shards = [SafetensorsWriter(), SafetensorsWriter()]
        var map: [String: String] = [:]
        for (i, t) in whole.tensors.enumerated() {
            shards[i % 2].add(t.name, shape: t.shape, values: try t.floats())
            map[t.name] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
        }
        for (i, shard) in shards.enumerated() { try shard.write(to: "\(folder)/model-0000\(i + 1)-of-00002.safetensors") }
        try FileManager.default.removeItem(atPath: "\(folder)/model.safetensors")
        try S.writeJSON(["metadata": ["total_size": 0], "weight_map": map], to: "\(folder)/model.safetensors.index.json")
        XCTAssertEqual(bits(try HFModelFolder(path: folder).makeGPT()), bits(model))

        // Exporting another model into that folder removes the shards (readers would prefer them to the new
        // model.safetensors) and an old chat_template.jinja (which would win over the new tokenizer_config.json).
        try "{{ old }}".write(toFile: "\(folder)/chat_template.jinja", atomically: true, encoding: .utf8)
        let other = S.model(S.llama, seed: 9)
        try HFExport.write(model: other, tokenizer: try S.tokenizer(), chatTemplate: "{{ new }}", to: folder)
        for stale in ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                      "chat_template.jinja"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/\(stale)"), stale)
        }
        let reopened = try HFModelFolder(path: folder)
        XCTAssertEqual(bits(try reopened.makeGPT()), bits(other))
        XCTAssertEqual(reopened.tokenizerConfig.chatTemplate, "{{ new }}")

        // The same tensor in two shards is refused, naming both files.
        try S.writeJSON(["weight_map": ["a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"]],
                        to: "\(folder)/model.safetensors.index.json")
        for i in 1...2 { try FileManager.default.copyItem(atPath: "\(folder)/model.safetensors", toPath: "\(folder)/model-0000\(i)-of-00002.safetensors") }
        let twice = S.error { _ = try HFModelFolder(path: folder) }
        XCTAssertTrue("\(twice!)".contains("model-00002-of-00002.safetensors: tensor ") && "\(twice!)".contains("is also in \(folder)/model-00001-of-00002.safetensors"), "\(twice!)")
    }

    static func round(_ x: Float, _ dtype: String) -> Float {
        dtype == "F16" ? Float(Float16(x)) : Float(bitPattern: bfloat16Bits(x) << 16)
    }

    /// Round to nearest even on the upper 16 bits (what torch's .to(torch.bfloat16) does for finite values).
    static func bfloat16Bits(_ x: Float) -> UInt32 {
        let b = x.bitPattern
        return (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    }

    /// The same tensors in F16 or BF16, laid out by hand (header, then data in order).
    static func writeRounded(_ f: SafetensorsFile, dtype: String, to path: String) throws {
        var header: [String] = [], data: [UInt8] = []
        for t in f.tensors {
            let begin = data.count
            for x in try t.floats() {
                let bits = dtype == "F16" ? Float16(x).bitPattern : UInt16(bfloat16Bits(x))
                withUnsafeBytes(of: bits.littleEndian) { data += $0 }
            }
            header.append("\"\(t.name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(t.shape),\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var h = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { bytes += $0 }
        try Data(bytes + h + data).write(to: URL(fileURLWithPath: path))
    }

    /// nanoGPT's state dict (model.py: nn.Linear weights (out, in), GPT-2's names, lm_head tied and left out), as
    /// the docs' few lines save it: with biases, and trained with bias=False (no bias tensors: zeros in lmlab).
    func testNanoGPTStateDict() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        let tokenizerFile = "\(dir)/tokenizer.json"
        try tokenizer.save(to: tokenizerFile)
        for biased in [true, false] {
            let model = S.model(S.gpt2)
            if !biased {
                for (name, t) in model.namedParameters() where name.hasSuffix("bias") || name.hasSuffix("Bias") || name.hasSuffix(".bq") || name.hasSuffix(".bk") || name.hasSuffix(".bv") || name.hasSuffix(".bo") {
                    for i in 0..<t.count { t.pointer[i] = 0 }
                }
            }
            let folder = "\(dir)/nanogpt-\(biased)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var w = SafetensorsWriter()
            let p = "_orig_mod.transformer."  // a torch.compile'd model's keys
            w.add(p + "wte.weight", shape: model.tokenEmbedding.shape, values: model.tokenEmbedding.scalars)
            w.add(p + "wpe.weight", shape: model.positionEmbedding!.shape, values: model.positionEmbedding!.scalars)
            for (i, b) in model.blocks.enumerated() {
                let h = "\(p)h.\(i).", a = b.attention
                func add(_ name: String, _ ts: [Tensor?], bias: Bool = false) {
                    guard !bias || biased else { return }
                    let v = ts.flatMap { $0!.scalars }
                    w.add(h + name, shape: ts[0]!.shape.count == 2 ? [v.count / ts[0]!.shape[1], ts[0]!.shape[1]] : [v.count], values: v)
                }
                add("ln_1.weight", [b.attentionNorm.weight]); add("ln_1.bias", [b.attentionNorm.bias], bias: true)
                add("attn.c_attn.weight", [a.wq, a.wk, a.wv]); add("attn.c_attn.bias", [a.bq, a.bk, a.bv], bias: true)
                add("attn.c_proj.weight", [a.wo]); add("attn.c_proj.bias", [a.bo], bias: true)
                add("ln_2.weight", [b.mlpNorm.weight]); add("ln_2.bias", [b.mlpNorm.bias], bias: true)
                add("mlp.c_fc.weight", [b.mlp.up]); add("mlp.c_fc.bias", [b.mlp.upBias], bias: true)
                add("mlp.c_proj.weight", [b.mlp.down]); add("mlp.c_proj.bias", [b.mlp.downBias], bias: true)
            }
            w.add(p + "ln_f.weight", shape: [64], values: model.finalNorm.weight.scalars)
            if biased { w.add(p + "ln_f.bias", shape: [64], values: model.finalNorm.bias!.scalars) }
            try w.write(to: "\(folder)/model.safetensors")
            let config: [String: Any] = ["model_type": "nanogpt", "n_layer": 2, "n_head": 4, "n_embd": 64, "block_size": 32,
                                         "bias": biased, "vocab_size": 300, "dropout": 0.0]
            try S.writeJSON(config, to: "\(folder)/config.json")

            let missingTokenizer = try HFModelFolder(path: folder)
            XCTAssertNil(missingTokenizer.tokenizer, "a nanoGPT folder has no tokenizer of its own")
            let imported = try HFModelFolder(path: folder, tokenizer: HFModelFolder.tokenizer(file: tokenizerFile))
            XCTAssertEqual(imported.architecture, .nanoGPT)
            XCTAssertEqual(imported.config, S.gpt2)
            XCTAssertEqual(bits(try imported.makeGPT()), bits(model), "nanoGPT biased: \(biased)")
            // 280 tokens for 300 embedding rows: the runtime prints ids 280… as placeholders, with a warning.
            XCTAssertEqual(imported.tokenizer?.pieces, tokenizer.pieces)
            let runtime = try TransformerRuntime(folder: imported)
            XCTAssertEqual(runtime.tokenizer?.decode([5, 299]), tokenizer.decode([5]) + "[PAD299]")
            XCTAssertEqual(runtime.tokenizer?.encode(S.text, addSpecial: true), tokenizer.encode(S.text, addSpecial: true))
            XCTAssertEqual(imported.warnings.count, 1)
            XCTAssertTrue(imported.warnings[0].contains("embeds 300 ids, its tokenizer has 280 tokens"), "\(imported.warnings)")
        }
    }

    // MARK: a GPT-2-sized layout

    /// A 12-layer, 768-wide GPT-2 layout (124M parameters, float16: what a GPU run saves) runs as `--model folder/`
    /// and its weights are converted from the mapping straight into the runtime: the process's peak memory grows by
    /// the float32 weights plus the mapped file, not by a second float32 copy.
    func testGPT2SizedLayoutIsMappedNotCopiedTwice() throws {
        let dir = try S.temporaryDirectory(self)
        let config = TransformerConfig(style: .gpt2, vocabSize: 50257, contextLength: 1024, width: 768, layers: 12, heads: 12)
        let folder = "\(dir)/gpt2-124m"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fileBytes = try Self.writeRandomF16(HFLayout.mappings(config, .gpt2), to: "\(folder)/model.safetensors")
        try S.writeJSON(HFConfig.json(config, architecture: .gpt2, bos: nil, eos: nil), to: "\(folder)/config.json")
        try HFExport.writeText(try S.tokenizer().huggingFaceJSON(), to: "\(folder)/tokenizer.json")

        let floatBytes = 4 * 124_439_808  // GPT-2 small's parameter count (tied head)
        // lmlab keeps freed large blocks on the heap (CAllocator's mallopt), so the buffers writeRandomF16 just freed
        // would be reused by the load and hide its growth: give them back to the system before the baseline.
        Self.returnFreedMemory()
        let before = Self.memory()
        Self.resetPeakMemory()
        let runtime = try TransformerRuntime.load(path: folder)
        let peak = Self.memory().peak - before.resident
        print("GPT-2 layout: float32 weights \(floatBytes >> 20) MiB, file \(fileBytes >> 20) MiB, peak growth \(peak >> 20) MiB")
        XCTAssertGreaterThan(peak, floatBytes, "the weights are in memory")
        XCTAssertLessThan(peak, floatBytes + fileBytes + (128 << 20), "no second float32 copy of the model")
        let logits = try runtime.feed([1, 2, 3], cache: runtime.makeCache(capacity: 8))
        XCTAssertEqual(logits.count, 50257)
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
    }

    /// Writes a safetensors file of `mappings`' shapes filled with pseudo-random float16 values of magnitude ~0.02
    /// (1 for norm gains); returns its size.
    static func writeRandomF16(_ mappings: [HFTensorMapping], to path: String) throws -> Int {
        var header: [String] = [], offset = 0
        for m in mappings {
            let n = m.shape.reduce(1, *)
            header.append("\"\(m.name)\":{\"dtype\":\"F16\",\"shape\":\(m.shape),\"data_offsets\":[\(offset),\(offset + 2 * n)]}")
            offset += 2 * n
        }
        var h = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var prefix: [UInt8] = []
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { prefix += $0 }
        try handle.write(contentsOf: Data(prefix + h))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for m in mappings {
            let gain = m.name.contains("ln_")  && m.name.hasSuffix(".weight")
            let n = m.shape.reduce(1, *)
            var chunk = [UInt16](repeating: 0, count: n)
            for i in 0..<n {
                state = state &* 6364136223846793005 &+ 1442695040888963407  // a 64-bit LCG (Knuth's MMIX constants)
                let u = Float(state >> 40) / Float(1 << 24) - 0.5
                chunk[i] = Float16((gain ? 1 : 0) + 0.04 * u).bitPattern
            }
            try chunk.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
        }
        return 8 + h.count + offset
    }

    /// Resident and peak resident bytes (Linux /proc/self/status VmRSS, VmHWM).
    static func memory() -> (resident: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kib(_ key: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return (kib("VmRSS"), kib("VmHWM"))
    }

    /// Returns the heap's free pages to the system (glibc's malloc_trim), so the resident size counts live memory.
    static func returnFreedMemory() { lm_return_free_memory() }

    /// Resets VmHWM to the current resident size (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0).
    static func resetPeakMemory() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    // MARK: bad input

    func testBadFoldersAreOneClearError() throws {
        let dir = try S.temporaryDirectory(self)
        let tokenizer = try S.tokenizer()
        let folder = "\(dir)/good"
        try HFExport.write(model: S.model(S.llama), tokenizer: tokenizer, to: folder)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/config.json"))) as! [String: Any]
        func variant(_ name: String, config edit: (inout [String: Any]) -> Void = { _ in },
                     weights: ((SafetensorsFile) throws -> SafetensorsWriter)? = nil) throws -> String {
            let path = "\(dir)/\(name)"
            try FileManager.default.copyItem(atPath: folder, toPath: path)
            var c = config
            edit(&c)
            try S.writeJSON(c, to: "\(path)/config.json")
            if let weights { try weights(SafetensorsFile(path: "\(folder)/model.safetensors")).write(to: "\(path)/model.safetensors") }
            return path
        }
        func copy(_ f: SafetensorsFile, skip: String? = nil, reshape: String? = nil, extra: String? = nil) throws -> SafetensorsWriter {
            var w = SafetensorsWriter()
            for t in f.tensors where t.name != skip {
                let v = try t.floats()
                w.add(t.name, shape: t.name == reshape ? [v.count] : t.shape, values: v)
            }
            if let extra { w.add(extra, shape: [2], values: [1, 2]) }
            return w
        }
        func failure(_ path: String) -> String {
            let e = S.error { _ = try TransformerRuntime.load(path: path) }
            let text = "\(e!)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)")
            return text
        }

        let bert = try variant("bert") { $0["architectures"] = ["BertForMaskedLM"]; $0["model_type"] = "bert" }
        XCTAssertTrue(failure(bert).contains("\(bert)/config.json: architecture BertForMaskedLM, bert is not one lmlab runs"), failure(bert))
        let missing = try variant("missing", weights: { try copy($0, skip: "model.layers.1.mlp.up_proj.weight") })
        XCTAssertTrue(failure(missing).contains("no tensor model.layers.1.mlp.up_proj.weight"), failure(missing))
        let shape = try variant("shape") { $0["intermediate_size"] = 96 }
        XCTAssertTrue(failure(shape).contains("model.layers.0.mlp.gate_proj.weight has shape [192, 64] but config.json needs [96, 64]"), failure(shape))
        let extra = try variant("extra", weights: { try copy($0, extra: "model.layers.0.self_attn.q_norm.weight") })
        XCTAssertTrue(failure(extra).contains("tensor model.layers.0.self_attn.q_norm.weight is not a weight"), failure(extra))
        let vocab = try variant("vocab") { $0["vocab_size"] = 200 }
        XCTAssertTrue(failure(vocab).contains("has shape [300, 64] but config.json needs [200, 64]"), failure(vocab))
        let scaling = try variant("scaling") { $0["rope_scaling"] = ["type": "yarn", "factor": 4] }
        XCTAssertTrue(failure(scaling).contains("rope_scaling"), failure(scaling))

        // A tokenizer with more tokens than the model embeds.
        let small = "\(dir)/small"
        try HFExport.write(model: S.model(TransformerConfig(style: .llama, vocabSize: 280, contextLength: 8, width: 32, layers: 1, heads: 2)),
                           tokenizer: tokenizer, to: small)
        try HFExport.writeText(try BPETrainer(options: .init(vocabSize: 290, minPairCount: 1)).train(S.text).huggingFaceJSON(),
                               to: "\(small)/tokenizer.json")
        XCTAssertTrue(failure(small).contains("the tokenizer has 290 tokens but the model embeds only 280"), failure(small))

        // Truncated weights, and weights of a dtype lmlab does not compute with.
        let truncated = try variant("truncated")
        let whole = try Data(contentsOf: URL(fileURLWithPath: "\(truncated)/model.safetensors"))
        try whole.prefix(whole.count - 100).write(to: URL(fileURLWithPath: "\(truncated)/model.safetensors"))
        XCTAssertTrue(failure(truncated).contains("\(truncated)/model.safetensors: truncated"), failure(truncated))
        XCTAssertTrue(failure("\(dir)/nowhere").contains("unknown model format"), failure("\(dir)/nowhere"))
        try FileManager.default.createDirectory(atPath: "\(dir)/empty", withIntermediateDirectories: true)
        try "{}".write(toFile: "\(dir)/empty/config.json", atomically: true, encoding: .utf8)
        XCTAssertTrue(failure("\(dir)/empty").contains("architecture (none) is not one lmlab runs"), failure("\(dir)/empty"))
    }
}

extension TransformerConfig {
    func with(tied: Bool) -> TransformerConfig { var c = self; c.tiedEmbeddings = tied; return c }
}
