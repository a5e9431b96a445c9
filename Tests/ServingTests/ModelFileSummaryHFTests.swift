// `lmlab info FOLDER`: the summary of a Hugging Face folder saved by transformers (ModelsTests' fixture) lists its
// architecture, the hyper-parameters as lmlab reads them, and every tensor with its dtype, shapes innermost first.
import Foundation
import Models
import Serving
import XCTest

final class ModelFileSummaryHFTests: XCTestCase {
    func testFolderSummary() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/hf-llama-bf16").path
        let s = ModelFileSummary(folder: try HFModelFolder(path: folder))
        XCTAssertEqual(s.architecture, "LlamaForCausalLM")
        XCTAssertEqual(s.hyperparameters.block_count, 2)
        XCTAssertEqual(s.hyperparameters.head_count_kv, 2)
        XCTAssertEqual(s.hyperparameters.rope_freq_base, 100)
        XCTAssertEqual(s.tensor_types, ["BF16": 21])
        XCTAssertEqual(s.parameter_count, 24736)  // what transformers counted when it saved the folder
        XCTAssertEqual(s.tensor_bytes, 2 * 24736)
        let q = try XCTUnwrap(s.tensors.first { $0.name == "model.layers.0.self_attn.q_proj.weight" })
        XCTAssertEqual(q.shape, [32, 32])
        let k = try XCTUnwrap(s.tensors.first { $0.name == "model.layers.0.self_attn.k_proj.weight" })
        XCTAssertEqual(k.shape, [32, 16], "ggml order: in (32) first, then out (2 KV heads × 8)")
        XCTAssertTrue(s.text(withMetadata: false).contains("LlamaForCausalLM"))
    }
}
