// Running a CompletionRequest on a model: `prepare` checks it against the model and resolves its prompt, seed and
// JSON constraint; `complete` runs it — n samples decoded together in lockstep through the Generator, or beam
// search — streaming GenerationEvents as text becomes final. A server that batches many requests calls `prepare`,
// then `start` (the prompt pass) on its worker, and drives the sequences with `generator.step` itself.
import Decoding
import Foundation
import Models
import Tokenizers

extension ModelHandle {
    /// Checks `request` (its fields, then against this model: prompt length, token ids, logit-bias ids, JSON mode)
    /// and resolves it. Throws ServingError / DecodingError naming the field.
    public func prepare(_ request: CompletionRequest) throws -> PreparedCompletion {
        try request.validate()
        let ids: [Int32], text: String
        switch request.prompt {
        case .text(let t):
            ids = tokenizer.encode(t, addSpecial: request.addSpecial, parseSpecial: request.parseSpecial)
            text = t
        case .tokens(let t):
            if let bad = t.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
                throw ServingError.invalidValue(field: "prompt", value: "\(bad)", valid: "token ids in 0..<\(vocabSize)")
            }
            ids = t
            text = tokenizer.decode(t)
        }
        try checkPrompt(ids, newTokens: 1)
        if let bad = request.sampling.logitBias.keys.sorted().first(where: { Int($0) >= vocabSize }) {
            throw ServingError.invalidValue(field: "logit_bias", value: "\(bad)", valid: "token ids in 0..<\(vocabSize)")
        }
        return PreparedCompletion(request: request, promptTokens: ids, promptText: text,
                                  seed: request.seed ?? UInt64.random(in: 0...UInt64(UInt32.max)),
                                  constraint: try jsonConstraint(request.responseFormat),
                                  options: request.generationOptions, model: name)
    }

    /// Runs `request` to the end. `onEvent` sees each step's events (choice index in `id`) as text becomes final;
    /// beam search reports nothing until it is done.
    public func complete(_ request: CompletionRequest,
                         onEvent: (GenerationEvent) -> Void = { _ in }) throws -> CompletionResult {
        try complete(prepare(request), onEvent: onEvent)
    }

    /// Runs a prepared request to the end. A beam search asks `isCancelled` before each step and throws
    /// CancellationError when it says so (a server's client went away).
    public func complete(_ prepared: PreparedCompletion, onEvent: (GenerationEvent) -> Void = { _ in },
                         isCancelled: () -> Bool = { false }) throws -> CompletionResult {
        if prepared.request.usesBeamSearch { return try beamSearch(prepared, isCancelled: isCancelled) }
        return prepared.result(try generator.run(prompt: prepared.promptTokens, samplers: prepared.samplers(),
                                                 options: prepared.options, onEvent: onEvent))
    }

    /// Runs a prepared beam-search request; `onStep` hears each step's candidates and their fate (the playground's
    /// Beams view, /v1/beam_search).
    public func beamSearch(_ prepared: PreparedCompletion, onStep: ((BeamSearchStep) -> Void)? = nil,
                           isCancelled: () -> Bool = { false }) throws -> CompletionResult {
        precondition(prepared.request.usesBeamSearch, "ModelHandle.beamSearch: the request has num_beams ≤ 1")
        let search = BeamSearch(model: runtime, parameters: prepared.beamParameters)
        return prepared.result(try search.generations(prompt: prepared.promptTokens, tokenizer: tokenizer,
                                                      options: prepared.options, constraint: prepared.constraint,
                                                      onStep: onStep, isCancelled: isCancelled))
    }

    /// What the prompt pass of a prepared (sampling) request feeds — for `Generator.step(_:prefilling:onEvents:)`,
    /// which feeds it together with other sequences' steps (a server's continuous batch).
    public func prefillRequest(_ prepared: PreparedCompletion, firstID: Int = 0) -> Generator<TransformerRuntime>.PrefillRequest {
        precondition(!prepared.request.usesBeamSearch, "ModelHandle.prefillRequest: beam search runs whole, through complete")
        return .init(prompt: prepared.promptTokens, samplers: prepared.samplers(), options: prepared.options, firstID: firstID)
    }
}
