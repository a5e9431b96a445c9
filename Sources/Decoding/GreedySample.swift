// GreedySample: the sample `lmlab train` prints after each evaluation. The model being trained is copied into the
// inference runtime (TransformerRuntime+GPT.swift) and continues the prompt greedily through the one generation loop,
// Generator — what `lmlab generate --temperature 0` gives on the saved checkpoint, except that an end-of-text token
// does not end it: a sample always shows `maxNewTokens` tokens, however untrained the model.
// (It lives here, not beside TrainingRun, because Models cannot see Decoding; TrainingRun takes any TrainingSample.)
import Models
import Tokenizers

public struct GreedySample: TrainingSample {
    /// The text every sample starts from, and its tokens.
    public let prompt: String
    public let promptTokens: [Int32]
    public let tokenizer: any Tokenizer
    /// Tokens of each continuation.
    public var maxNewTokens: Int

    /// nil when `prompt` has no tokens: there is nothing to continue.
    public init?(prompt: String, tokenizer: any Tokenizer, maxNewTokens: Int = 24) {
        let ids = tokenizer.encode(prompt, addSpecial: false)
        guard !ids.isEmpty else { return nil }
        self.prompt = prompt
        self.promptTokens = ids
        self.tokenizer = tokenizer
        self.maxNewTokens = maxNewTokens
    }

    public func text(from model: GPT) throws -> String {
        let runtime = TransformerRuntime(gpt: model, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = maxNewTokens
        options.stopAtEOS = false
        var sampler = Sampler(parameters: .greedy, seed: 0)
        // A long prompt keeps its last tokens, leaving the continuation room in the context.
        let ids = Array(promptTokens.suffix(max(1, model.config.contextLength - maxNewTokens)))
        let generation = try Generator(model: runtime, tokenizer: tokenizer).run(prompt: ids, sampler: &sampler, options: options)
        return prompt + generation.text
    }
}
