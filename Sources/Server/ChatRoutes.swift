// POST /v1/chat/completions: the conversation rendered with the model's own chat template (ModelHandle.chatRequest:
// the template's end of turn is a stop string), then generated like a completion — in the continuous batch, or with
// beam search. `response_format` json_object / json_schema runs lmlab's JSON mode (the reply always parses, and
// validates against the schema). Streaming sends `chat.completion.chunk`s: first the role, then content deltas,
// then the finish reason. The reply is the generated text with the whitespace around it trimmed — in the stream
// too (leading whitespace is dropped, trailing whitespace held back until more text follows), so the deltas add
// up to exactly the non-streamed content.
import Foundation
import Hummingbird
import Serving

extension LMLabServer {
    func addChatRoutes(to router: Router<ServerRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            let bytes = try await JSONRequest.body(of: request, limit: configuration.maxBodyBytes)
            let body = try JSONRequest.decode(ChatCompletionsRequest.self, from: Data(buffer: bytes))
            let model = try models.resolve(body.model)
            let messages = try body.chatMessages()
            guard let chat = model.chat else { throw APIError(library: ServingError.noChatTemplate(file: model.path)) }
            let schema = body.responseFormat?.type == "json_schema"
                ? ChatCompletionsRequest.schema(inBody: Array(buffer: bytes)) : nil
            let prepared: PreparedCompletion
            do {
                let wanted = try model.handle.chatRequest(messages: messages, template: chat,
                                                          base: try body.completionRequest(schema: schema))
                prepared = try model.handle.prepare(wanted)
            } catch {
                throw APIError(library: error, promptField: "messages")
            }
            metrics.promptTokens(prepared.promptTokens.count, model: model.name)
            if prepared.request.stream {
                return try streamChat(prepared, on: model, includeUsage: body.sampling.includeUsage,
                                      connection: await context.connection)
            }
            let result: CompletionResult
            do { result = try await complete(prepared, on: model, connection: await context.connection) } catch { throw APIError(library: error, promptField: "messages") }
            let tokenizer = model.tokenizer
            return try JSONResponse.make(OpenAIWire.ChatCompletion(result, bytes: { tokenizer.bytes(for: $0) }))
        }
    }

    func streamChat(_ prepared: PreparedCompletion, on model: ServedModel, includeUsage: Bool,
                    connection: ConnectionClosure?) throws(APIError) -> Response {
        let queued = try enqueue(prepared, on: model)
        let id = OpenAIWire.newID("chatcmpl"), created = OpenAIWire.now(), name = model.name
        let tokenizer = model.tokenizer
        let (events, out) = AsyncStream<ByteBuffer>.makeStream()
        let n = prepared.request.n
        let pump = Task {
            func send(_ choices: [OpenAIWire.ChatChunkChoice], usage: OpenAIWire.Usage? = nil) {
                let chunk = OpenAIWire.ChatCompletionChunk(id: id, created: created, model: name, choices: choices, usage: usage)
                if let data = try? JSONEncoder.api.encode(chunk) { out.yield(EventStream.event(data)) }
            }
            var trims = [TrimmedStream](repeating: TrimmedStream(), count: n)
            for i in 0..<n { send([.init(index: i, delta: .init(role: "assistant", content: ""))]) }
            for await update in queued.updates {
                switch update {
                case .event(let e):
                    let content = trims[e.id].push(e.text)
                    let logprobs = e.logprob.map {
                        OpenAIWire.ChatLogprobs(content: [OpenAIWire.ChatTokenLogprob($0, bytes: { tokenizer.bytes(for: $0) })])
                    }
                    if !content.isEmpty || logprobs != nil {
                        send([.init(index: e.id, delta: .init(content: content), logprobs: logprobs)])
                    }
                    if let finish = e.finishReason {
                        send([.init(index: e.id, delta: .init(), finishReason: finish.openAI)])
                    }
                case .finished(let generations):
                    if includeUsage {
                        let result = prepared.result(generations)
                        send([], usage: .init(promptTokens: result.promptTokens.count, completionTokens: result.completionTokens))
                    }
                case .failed(let error):
                    if let data = try? JSONEncoder.api.encode(APIError(library: error).body) { out.yield(EventStream.event(data)) }
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

/// Streams text with the whitespace around the whole trimmed, as `trimmingCharacters(in: .whitespacesAndNewlines)`
/// trims the finished text: nothing is sent before the first non-whitespace, and whitespace is held back until
/// non-whitespace follows it (at the end it is dropped).
struct TrimmedStream {
    private var started = false
    private var held = ""

    /// The part of `piece` that can be sent now.
    mutating func push(_ piece: String) -> String {
        var scalars = Substring(piece).unicodeScalars[...]
        if !started { scalars = scalars.drop { CharacterSet.whitespacesAndNewlines.contains($0) } }
        guard let last = scalars.lastIndex(where: { !CharacterSet.whitespacesAndNewlines.contains($0) }) else {
            if started { held += String(scalars) }
            return ""
        }
        let core = String(scalars[...last]), trail = String(scalars[scalars.index(after: last)...])
        defer { started = true; held = trail }
        return held + core
    }
}
