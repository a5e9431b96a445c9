// POST /v1/completions: OpenAI's (legacy) text completion, as the openai client and llama-cpp-python's
// create_completion use it. Sampling requests join the continuous batch; `stream` sends one chunk per step as
// server-sent events (with the prompt first when `echo`, and the usage last with stream_options.include_usage);
// beam search (`num_beams` > 1 through extra_body) runs whole on the worker and answers at the end.
import Foundation
import Hummingbird
import Serving

extension LMLabServer {
    func addCompletionRoutes(to router: Router<ServerRequestContext>) {
        router.post("/v1/completions") { request, context in
            let body = try await JSONRequest.decode(CompletionsRequest.self, from: request, limit: configuration.maxBodyBytes)
            let model = try models.resolve(body.model)
            let wanted = try body.completionRequest()
            let prepared: PreparedCompletion
            do { prepared = try model.handle.prepare(wanted) } catch { throw APIError(library: error) }
            metrics.promptTokens(prepared.promptTokens.count, model: model.name)
            if wanted.stream {
                return try streamCompletion(prepared, on: model, includeUsage: body.sampling.includeUsage, body: body,
                                            connection: await context.connection)
            }
            let result: CompletionResult
            do { result = try await complete(prepared, on: model, connection: await context.connection) } catch { throw APIError(library: error) }
            var completion = OpenAIWire.TextCompletion(result, echo: wanted.echo)
            if let n = body.nProbs {
                let tokenizer = model.tokenizer
                completion = completion.withTokenProbabilities(result.choices.map(\.logprobs), nProbs: n, logprobs: body.logprobs,
                                                               bytes: { tokenizer.bytes(for: $0) })
            }
            return try JSONResponse.make(completion)
        }
    }

    /// The streamed answer: `text_completion` chunks, one per step with new text (or a log-probability entry, or
    /// the finish reason), then [DONE].
    func streamCompletion(_ prepared: PreparedCompletion, on model: ServedModel, includeUsage: Bool,
                          body: CompletionsRequest, connection: ConnectionClosure?) throws(APIError) -> Response {
        let queued = try enqueue(prepared, on: model)
        let id = OpenAIWire.newID("cmpl"), created = OpenAIWire.now(), name = model.name
        let (events, out) = AsyncStream<ByteBuffer>.makeStream()
        let echo = prepared.request.echo ? prepared.promptText : nil
        let n = prepared.request.n
        let tokenizer = model.tokenizer
        let pump = Task {
            func send<T: Encodable>(_ value: T) { if let data = try? JSONEncoder.api.encode(value) { out.yield(EventStream.event(data)) } }
            if let echo {
                for i in 0..<n {
                    send(OpenAIWire.TextCompletion(id: id, created: created, model: name, choices: [
                        .init(text: echo, index: i, logprobs: nil, finishReason: nil, tokenIds: nil)], usage: nil))
                }
            }
            for await update in queued.updates {
                switch update {
                case .event(let e):
                    guard !e.text.isEmpty || e.finishReason != nil || e.logprob != nil else { continue }
                    var chunk = OpenAIWire.TextCompletion.chunk(e, id: id, created: created, model: name)
                    if let n = body.nProbs {
                        chunk = chunk.withTokenProbabilities([e.logprob.map { [$0] }], nProbs: n, logprobs: body.logprobs,
                                                             bytes: { tokenizer.bytes(for: $0) })
                    }
                    send(chunk)
                case .finished(let generations):
                    if includeUsage {
                        let result = prepared.result(generations)
                        send(OpenAIWire.TextCompletion(id: id, created: created, model: name, choices: [], usage: .init(
                            promptTokens: result.promptTokens.count, completionTokens: result.completionTokens)))
                    }
                case .failed(let error):
                    send(APIError(library: error).body)
                case .cancelled:
                    break
                }
            }
            out.finish()
        }
        out.onTermination = { _ in pump.cancel() }
        return EventStream.response(events, keepAliveSeconds: configuration.keepAliveSeconds, connection: connection) {
            queued.ticket.cancel()
        }
    }
}
