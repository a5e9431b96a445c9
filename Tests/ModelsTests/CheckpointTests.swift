// Checkpoints round-trip exactly (weights bit for bit, configs, training state, tokenizer ids, optimizer moments)
// for both model styles, are written atomically, refuse bad files with one clear CheckpointError, and are readable
// by h5py (scripts/check_checkpoint_h5py.py), a reader we did not write.
import Foundation
import HDF5
import Tensor
import Tokenizers
import XCTest

@testable import Models

final class CheckpointTests: XCTestCase {
    /// Every HDF5 id a test opened has been closed by its owner once the test's objects are gone.
    override func tearDown() {
        XCTAssertEqual(HDF5File.openObjectCount, 0, "HDF5 objects left open (a leaked id)")
        super.tearDown()
    }

    static let gpt2 = TransformerConfig(style: .gpt2, vocabSize: 300, contextLength: 16, width: 32, layers: 2, heads: 4)
    static let llama = TransformerConfig(style: .llama, vocabSize: 300, contextLength: 16, width: 32, layers: 2,
                                         heads: 4, kvHeads: 2, tiedEmbeddings: false)
    static let text = "the cat sat on the mat; the dog sat on the log. a cat and a dog met on a mat by a log."

    /// A trained-for-three-steps model with its optimizer, state and tokenizer: every part a checkpoint holds.
    struct Run {
        var model: GPT
        var optimizer: AdamW
        var trainingConfig: TrainingConfig
        var state: TrainingState
        var tokenizer: BPETokenizer
    }

    func makeRun(_ config: TransformerConfig, lastLoss: Float? = 3.25) throws -> Run {
        let tokenizer = try BPETrainer(options: .init(vocabSize: 280, minPairCount: 1)).train(Self.text)
        let model = GPT(config: config, seed: 7)
        let optimizer = AdamW(parameters: model.namedParameters())
        var rng = RandomGenerator(seed: 11)
        let ids = tokenizer.encode(Self.text, addSpecial: false)
        let (batch, time) = (2, 8)
        for _ in 0..<3 {
            let start = rng.nextInt(below: ids.count - batch * time - 1)
            let x = Array(ids[start..<(start + batch * time)]), y = Array(ids[(start + 1)...(start + batch * time)])
            let loss = model.loss(x, targets: y, batch: batch, time: time, rng: &rng, training: true)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        var trainingConfig = TrainingConfig(batchSize: batch)
        trainingConfig.steps = 3; trainingConfig.seed = UInt64.max - 5; trainingConfig.learningRate = 3e-4
        var state = TrainingState(rng: rng)
        state.step = 3; state.tokensSeen = 3 * batch * time; state.bestValidationLoss = 3.0
        state.lastValidationLoss = lastLoss; state.elapsedSeconds = 1.5
        return Run(model: model, optimizer: optimizer, trainingConfig: trainingConfig, state: state, tokenizer: tokenizer)
    }

    func save(_ run: Run, to path: String, optimizer: Bool = true, tokenizer: Bool = true, compression: Int? = nil) throws {
        try Checkpoint.save(to: path, model: run.model, trainingConfig: run.trainingConfig, state: run.state,
                            optimizer: optimizer ? run.optimizer : nil, tokenizer: tokenizer ? run.tokenizer : nil,
                            compression: compression)
    }

    func temporaryPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmlab-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    // MARK: round trip

    func testRoundTripGPT2() throws { try roundTrip(Self.gpt2, lastLoss: nil, compression: nil) }
    func testRoundTripLlama() throws { try roundTrip(Self.llama, lastLoss: 3.25, compression: 4) }

    func roundTrip(_ config: TransformerConfig, lastLoss: Float?, compression: Int?) throws {
        let run = try makeRun(config, lastLoss: lastLoss)
        let path = try temporaryPath("model.h5")
        try save(run, to: path, compression: compression)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"), "no temporary file left after a save")

        let loaded = try Checkpoint.load(path: path)
        XCTAssertEqual(loaded.config, config)
        XCTAssertEqual(loaded.trainingConfig, run.trainingConfig)
        XCTAssertEqual(loaded.state, run.state)
        XCTAssertTrue(loaded.hasOptimizerState)
        let saved = run.model.namedParameters(), restored = loaded.model.namedParameters()
        XCTAssertEqual(saved.map(\.name), restored.map(\.name))
        for (a, b) in zip(saved, restored) {
            XCTAssertEqual(a.tensor.shape, b.tensor.shape, a.name)
            XCTAssertEqual(bits(a.tensor), bits(b.tensor), "\(a.name) is not bit-identical")
        }
        // Same weights, same function: identical logits.
        var r1 = RandomGenerator(seed: 3), r2 = RandomGenerator(seed: 3)
        let ids: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]
        XCTAssertEqual(bits(run.model.logits(ids, batch: 1, time: 8, rng: &r1)),
                       bits(loaded.model.logits(ids, batch: 1, time: 8, rng: &r2)))

        let tokenizer = try XCTUnwrap(loaded.tokenizer)
        XCTAssertEqual(tokenizer.vocabSize, run.tokenizer.vocabSize)
        XCTAssertEqual(tokenizer.merges, run.tokenizer.merges)
        for sample in [Self.text, "a log-cat met the mat <|endoftext|> ünïcode 🙂"] {
            XCTAssertEqual(tokenizer.encode(sample, parseSpecial: true), run.tokenizer.encode(sample, parseSpecial: true))
        }

        // A fresh optimizer, its parameters in another order, gets the moments back exactly.
        let fresh = AdamW(parameters: loaded.model.namedParameters().reversed())
        try loaded.restore(into: fresh)
        XCTAssertEqual(fresh.stepCount, run.optimizer.stepCount)
        for (a, b) in zip(saved, restored) {
            let i = run.optimizer.parameters.firstIndex { $0 === a.tensor }!
            let j = fresh.parameters.firstIndex { $0 === b.tensor }!
            XCTAssertEqual(bits(run.optimizer.m[i]), bits(fresh.m[j]), "m of \(a.name)")
            XCTAssertEqual(bits(run.optimizer.v[i]), bits(fresh.v[j]), "v of \(a.name)")
        }

        let info = try Checkpoint.info(path: path)
        XCTAssertEqual(info.config, config)
        XCTAssertEqual(info.parameterCount, run.model.parameterCount)
        XCTAssertEqual(info.step, 3)
        XCTAssertEqual(info.tokensSeen, run.state.tokensSeen)
        XCTAssertEqual(info.lastValidationLoss, lastLoss)
        XCTAssertEqual(info.bestValidationLoss, 3.0)
        XCTAssertEqual(info.tokenizerVocabSize, run.tokenizer.vocabSize)
        XCTAssertTrue(info.hasOptimizerState)
        XCTAssertEqual(info.fileBytes, try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(info.formatVersion, 1)
    }

    func testDatasetPathsAreSnakeCase() throws {
        XCTAssertEqual(Checkpoint.datasetPath("blocks.3.attention.wq"), "blocks/3/attention/wq")
        XCTAssertEqual(Checkpoint.datasetPath("tokenEmbedding"), "token_embedding")
        XCTAssertEqual(Checkpoint.datasetPath("finalNorm.weight"), "final_norm/weight")
        XCTAssertEqual(Checkpoint.datasetPath("blocks.0.mlp.upBias"), "blocks/0/mlp/up_bias")
        let path = try temporaryPath("names.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.llama, seed: 1))
        let file = try HDF5File(path: path, mode: .readOnly)
        XCTAssertEqual(try file.group("model").children(), ["blocks", "final_norm", "output_head", "token_embedding"])
        XCTAssertEqual(try file.group("model/blocks/1").children(), ["attention", "attention_norm", "mlp", "mlp_norm"])
        XCTAssertEqual(try file.stringAttribute("format"), "lmlab-checkpoint")
    }

    /// A checkpoint with only a model (what an exported model looks like) loads with no training parts.
    func testModelOnlyCheckpoint() throws {
        let path = try temporaryPath("bare.h5")
        let model = GPT(config: Self.gpt2, seed: 5)
        try Checkpoint.save(to: path, model: model)
        let loaded = try Checkpoint.load(path: path)
        XCTAssertNil(loaded.trainingConfig)
        XCTAssertNil(loaded.state)
        XCTAssertNil(loaded.tokenizer)
        XCTAssertFalse(loaded.hasOptimizerState)
        expectError({ if case .noOptimizerState = $0 { return true }; return false }, mentioning: [path, "no optimizer state"]) {
            try loaded.restore(into: AdamW(parameters: loaded.model.namedParameters()))
        }
        let info = try Checkpoint.info(path: path)
        XCTAssertNil(info.step)
        XCTAssertNil(info.tokenizerVocabSize)
    }

    // MARK: atomic writes

    func testFailingSaveLeavesTheOldCheckpoint() throws {
        let run = try makeRun(Self.gpt2)
        let path = try temporaryPath("keep.h5")
        try save(run, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // 1. The optimizer belongs to another model: refused before anything is written.
        let other = GPT(config: Self.gpt2, seed: 99)
        expectError({ if case .optimizerMismatch = $0 { return true }; return false }, mentioning: [path, "does not hold"]) {
            try Checkpoint.save(to: path, model: other, optimizer: run.optimizer)
        }
        // 2. The temporary file cannot be created (a directory is in the way): HDF5 fails while writing.
        try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
        expectError({ if case .cannotWrite = $0 { return true }; return false }, mentioning: [path, "unchanged"]) {
            try Checkpoint.save(to: path, model: other)
        }
        try FileManager.default.removeItem(atPath: path + ".tmp")

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the old checkpoint is untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
        XCTAssertEqual(bits(try Checkpoint.load(path: path).model.tokenEmbedding), bits(run.model.tokenEmbedding))

        // A successful save replaces it and leaves no temporary file.
        try Checkpoint.save(to: path, model: other)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
        XCTAssertEqual(bits(try Checkpoint.load(path: path).model.tokenEmbedding), bits(other.tokenEmbedding))
    }

    // MARK: bad input

    /// Runs `body`, expects a CheckpointError that `matches` and whose message mentions each of `words`.
    func expectError(_ matches: (CheckpointError) -> Bool, mentioning words: [String], file: StaticString = #filePath,
                     line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a CheckpointError", file: file, line: line)
        } catch let error as CheckpointError {
            XCTAssertTrue(matches(error), "unexpected case: \(error)", file: file, line: line)
            for w in words { XCTAssertTrue(error.description.contains(w), "'\(w)' not in: \(error)", file: file, line: line) }
            XCTAssertFalse(error.description.contains("\n"), "one line: \(error)", file: file, line: line)
        } catch {
            XCTFail("expected a CheckpointError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }

    /// A good checkpoint edited by `edit` must fail to load with the expected error.
    func expectLoadError(after edit: (HDF5File) throws -> Void, _ matches: @escaping (CheckpointError) -> Bool,
                         mentioning words: [String], line: UInt = #line) throws {
        let path = try temporaryPath("edited.h5")
        try Checkpoint.save(to: path, model: GPT(config: Self.gpt2, seed: 1))
        do { try edit(try HDF5File(path: path, mode: .readWrite)) }
        try CheckpointIntegrity.seal(path)  // as if lmlab had written the edited file: the checks below must catch it
        expectError(matches, mentioning: [path] + words, line: line) { _ = try Checkpoint.load(path: path) }
    }

    func testMissingFile() throws {
        let path = try temporaryPath("absent.h5")
        expectError({ $0 == .fileNotFound(path: path) }, mentioning: [path, "no such"]) { _ = try Checkpoint.load(path: path) }
    }

    func testDirectory() throws {
        let path = try temporaryPath("dir.h5")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        expectError({ if case .notACheckpoint = $0 { return true }; return false }, mentioning: [path, "directory"]) {
            _ = try Checkpoint.load(path: path)
        }
    }

    func testNotHDF5() throws {
        let path = try temporaryPath("model.gguf")
        try Data("GGUF\u{3}\0\0\0 not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
        expectError({ $0 == .notHDF5(path: path) }, mentioning: [path, "not an HDF5 file"]) { _ = try Checkpoint.load(path: path) }
        expectError({ $0 == .notHDF5(path: path) }, mentioning: [path]) { _ = try Checkpoint.info(path: path) }
    }

    func testTruncatedFile() throws {
        let run = try makeRun(Self.gpt2)
        let path = try temporaryPath("cut.h5")
        try save(run, to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for keep in [data.count / 2, data.count - 8, 4096] {
            try data.prefix(keep).write(to: URL(fileURLWithPath: path))
            expectError({ if case .damaged = $0 { return true }; return false }, mentioning: [path, "truncated"]) {
                _ = try Checkpoint.load(path: path)
            }
        }
    }

    /// Any changed byte — in a weight, in the string heap, anywhere — is caught by the CRC before HDF5 parses the
    /// file (libhdf5 1.10 can crash on a damaged string heap, so this is what keeps bad files from crashing lmlab).
    func testCorruptionIsCaughtBeforeParsing() throws {
        let path = try temporaryPath("flipped.h5")
        try save(try makeRun(Self.gpt2), to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var rng = RandomGenerator(seed: 42)
        for _ in 0..<40 {
            var bad = good
            let at = 512 + rng.nextInt(below: good.count - 512)
            bad[at] ^= UInt8(1 + rng.nextInt(below: 255))
            try bad.write(to: URL(fileURLWithPath: path))
            expectError({ if case .damaged = $0 { return true }; return false }, mentioning: [path, "CRC-32"]) {
                _ = try Checkpoint.load(path: path)
            }
        }
        // A damaged integrity record itself: refused too (the file is then never trusted).
        var bad = good
        bad[3] = 0x21
        try bad.write(to: URL(fileURLWithPath: path))
        expectError({ if case .damaged = $0 { return true }; return false }, mentioning: ["integrity record"]) {
            _ = try Checkpoint.load(path: path)
        }
        try (good + Data([0])).write(to: URL(fileURLWithPath: path))
        expectError({ if case .damaged = $0 { return true }; return false }, mentioning: ["appended"]) {
            _ = try Checkpoint.info(path: path)
        }
    }

    func testCRC32MatchesZlib() {
        // zlib.crc32(b"123456789") == 0xCBF43926, the standard check value of CRC-32/ISO-HDLC.
        var crc = CRC32()
        Array("123456789".utf8).withUnsafeBytes { crc.update($0) }
        XCTAssertEqual(crc.value, 0xCBF4_3926)
    }

    func testForeignHDF5File() throws {
        let path = try temporaryPath("foreign.h5")
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            try file.createDataset("data", [Float(1), 2, 3])
        }
        expectError({ if case .notACheckpoint = $0 { return true }; return false }, mentioning: [path, "no `format` attribute"]) {
            _ = try Checkpoint.load(path: path)
        }
        try HDF5File(path: path, mode: .readWrite).setAttribute("format", "keras")
        expectError({ if case .notACheckpoint = $0 { return true }; return false }, mentioning: ["\"keras\""]) {
            _ = try Checkpoint.info(path: path)
        }
    }

    func testNewerFormatVersion() throws {
        try expectLoadError(after: { try $0.setAttribute("format_version", 2) },
                            { if case .newerFormat(_, 2, 1) = $0 { return true }; return false }, mentioning: ["update lmlab"])
    }

    func testMissingDataset() throws {
        try expectLoadError(after: { try $0.remove("model/blocks/1/mlp/down") },
                            { if case .missing = $0 { return true }; return false }, mentioning: ["/model/blocks/1/mlp/down"])
        try expectLoadError(after: { try $0.remove("config") },
                            { if case .missing = $0 { return true }; return false }, mentioning: ["/config/model"])
    }

    func testMissingOrMistypedConfigAttribute() throws {
        try expectLoadError(after: { try $0.group("config/model").removeAttribute("layers") },
                            { if case .missing = $0 { return true }; return false }, mentioning: ["/config/model@layers"])
        try expectLoadError(after: { try $0.group("config/model").setAttribute("layers", "many") },
                            { if case .invalid = $0 { return true }; return false },
                            mentioning: ["/config/model@layers", "expected a number"])
    }

    func testShapeMismatch() throws {
        try expectLoadError(after: { file in
            try file.remove("model/final_norm/weight")
            try file.createDataset("model/final_norm/weight", [Float](repeating: 1, count: 16))
        }, { $0 == .shapeMismatch(path: $0.path, object: "/model/final_norm/weight", expected: [32], found: [16]) },
           mentioning: ["[16]", "[32]"])
        // The config says 3 layers but the weights are for 2.
        try expectLoadError(after: { try $0.group("config/model").setAttribute("layers", 3) },
                            { if case .missing = $0 { return true }; return false }, mentioning: ["/model/blocks/2"])
    }

    func testUnexpectedWeight() throws {
        try expectLoadError(after: { try $0.createDataset("model/output_head", [Float](repeating: 0, count: 300 * 32), shape: [300, 32]) },
                            { if case .unexpected = $0 { return true }; return false }, mentioning: ["/model/output_head"])
    }

    func testInvalidValues() throws {
        try expectLoadError(after: { try $0.group("config/model").setAttribute("style", "mamba") },
                            { if case .invalid = $0 { return true }; return false }, mentioning: ["mamba", "gpt2 or llama"])
        try expectLoadError(after: { try $0.group("config/model").setAttribute("heads", 5) },
                            { if case .invalid = $0 { return true }; return false }, mentioning: ["not divisible"])
    }

    /// The GELU approximation is an attribute only when it is not the exact default, so an exact-GELU checkpoint has
    /// the layout it had before the field existed (and older checkpoints, without it, load as exact); the tanh
    /// form round-trips; an unknown value is refused by name.
    func testGELUApproximation() throws {
        let exact = try temporaryPath("exact.h5")
        try Checkpoint.save(to: exact, model: GPT(config: Self.gpt2, seed: 1))
        do {
            let group = try HDF5File(path: exact, mode: .readOnly).group("config/model")
            XCTAssertFalse(try group.hasAttribute("gelu_approximation"))
            XCTAssertFalse(try group.stringAttribute("json").contains("gelu"))
        }
        XCTAssertEqual(try Checkpoint.load(path: exact).config.geluApproximation, .none)

        var config = Self.gpt2
        config.geluApproximation = .tanh
        let tanh = try temporaryPath("tanh.h5")
        try Checkpoint.save(to: tanh, model: GPT(config: config, seed: 1))
        do {
            let group = try HDF5File(path: tanh, mode: .readOnly).group("config/model")
            XCTAssertEqual(try group.stringAttribute("gelu_approximation"), "tanh")
            XCTAssertTrue(try group.stringAttribute("json").contains("\"gelu_approximation\":\"tanh\""))
        }
        XCTAssertEqual(try Checkpoint.load(path: tanh).config, config)
        XCTAssertEqual(try Checkpoint.info(path: tanh).config, config)

        try expectLoadError(after: { try $0.group("config/model").setAttribute("gelu_approximation", "erf") },
                            { if case .invalid = $0 { return true }; return false }, mentioning: ["erf", "none or tanh"])
    }

    func testOptimizerMismatchOnRestore() throws {
        let run = try makeRun(Self.gpt2)
        let path = try temporaryPath("opt.h5")
        try save(run, to: path)
        let loaded = try Checkpoint.load(path: path)
        let unrelated = AdamW(parameters: GPT(config: Self.gpt2, seed: 2).namedParameters())
        expectError({ if case .optimizerMismatch = $0 { return true }; return false }, mentioning: ["namedParameters"]) {
            try loaded.restore(into: unrelated)
        }
        let partial = AdamW(parameters: Array(loaded.model.namedParameters().prefix(3)))
        expectError({ if case .optimizerMismatch = $0 { return true }; return false }, mentioning: ["holds 3 tensors"]) {
            try loaded.restore(into: partial)
        }
    }

    // MARK: interoperability

    /// h5py, an HDF5 reader lmlab did not write, reads the checkpoint and finds the documented layout and values.
    func testH5pyReadsTheCheckpoint() throws {
        guard InteropSupport.run(["python3", "-c", "import h5py"]).status == 0 else {
            throw XCTSkip("h5py is not installed (python3 -c 'import h5py' failed): run scripts/setup.sh or "
                          + "`python3 -m pip install h5py` to enable the interoperability test")
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check_checkpoint_h5py.py").path
        for config in [Self.gpt2, Self.llama] {
            let training = try makeRun(config)
            let path = try temporaryPath("interop.h5")
            try save(training, to: path, compression: config.style == .llama ? 4 : nil)
            var parameters: [String: [Int]] = [:]
            for (name, t) in training.model.namedParameters() { parameters[Checkpoint.datasetPath(name)] = t.shape }
            let expectations: [String: Any] = [
                "config": ["style": config.style.rawValue, "vocab_size": config.vocabSize, "width": config.width,
                           "layers": config.layers, "heads": config.heads, "kv_heads": config.kvHeads],
                "parameters": parameters,
                "values": ["path": "blocks/1/attention/wq", "bits": bits(training.model.blocks[1].attention.wq)],
                "optimizer_step": 3, "step": 3, "tokens_seen": training.state.tokensSeen,
                "rng": [training.state.rng.s0, training.state.rng.s1, training.state.rng.s2, training.state.rng.s3],
                "tokenizer_vocab_size": training.tokenizer.vocabSize, "tokenizer_format": "lmlab-bpe-1",
            ]
            let expectPath = path + ".expect.json"
            try JSONSerialization.data(withJSONObject: expectations).write(to: URL(fileURLWithPath: expectPath))
            let result = InteropSupport.run(["python3", script, path, expectPath])
            XCTAssertEqual(result.status, 0, "check_checkpoint_h5py.py said:\n\(result.output)")
            XCTAssertTrue(result.output.hasPrefix("ok: "), result.output)
        }
    }
}
