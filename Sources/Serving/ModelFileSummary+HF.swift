// ModelFileSummary of a Hugging Face model folder (`lmlab info FOLDER`): the architecture config.json names, the
// hyper-parameters under GGUF's names (as lmlab reads them, see Models/Interop/HFConfig.swift), the tokenizer, and
// every safetensors tensor with its dtype — shapes innermost first, like the GGUF listing beside it.
import Foundation
import Models

extension ModelFileSummary {
    public init(folder: HFModelFolder) {
        let c = folder.config
        let all = folder.tensors
        file = folder.path
        format = "Hugging Face folder, safetensors"
        architecture = folder.architecture.rawValue
        name = URL(fileURLWithPath: folder.path).lastPathComponent
        hyperparameters = Hyperparameters(
            context_length: c.contextLength, embedding_length: c.width, block_count: c.layers,
            feed_forward_length: c.mlpHidden, head_count: c.heads, head_count_kv: c.kvHeads,
            rope_freq_base: c.style == .llama ? c.ropeTheta : nil,
            layer_norm_rms_epsilon: c.style == .llama ? c.normEps : nil, vocab_size: c.vocabSize)
        tokenizer = Tokenizer(model: folder.tokenizer.map { _ in "gpt2" }, pre: folder.tokenizer?.preTokenizer.name,
                              tokens: folder.tokenizer?.vocabSize, has_chat_template: false)
        metadata_keys = 0
        metadata = nil
        tensors = all.map { Tensor(name: $0.name, type: $0.dtype, shape: $0.shape.reversed(), bytes: $0.bytes) }
        parameter_count = all.reduce(0) { $0 + $1.shape.reduce(1, *) }
        tensor_bytes = all.reduce(0) { $0 + $1.bytes }
        tensor_types = all.reduce(into: [:]) { $0[$1.dtype, default: 0] += 1 }
    }
}
