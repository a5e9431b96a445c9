// The serving layer on the real checkpoints (skipped when absent: scripts/get-model.sh, lesson 1): one loader for
// both formats, requests checked against the model, n choices decoded together equal to each alone, JSON mode that
// always parses, chat requests rendered with the model's template, the next-token distribution, and the wire
// shapes the `openai` client reads.
import Chat
import Decoding
import Foundation
import Models
import XCTest
@testable import Serving

final class ModelHandleTests: XCTestCase {
    static let checkpoints = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../checkpoints")
    static func path(_ name: String) -> String { checkpoints.appendingPathComponent(name).standardized.path }
    static let smol = path("SmolLM2-135M-Instruct.Q4_1.gguf")
    static let tiny = path("lessons-tiny.h5")

    func open(_ path: String) throws -> ModelHandle {
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) absent") }
        return try ModelHandle(path: path)
    }

    func testOneLoaderForBothFormats() throws {
        let smol = try open(Self.smol)
        XCTAssertEqual(smol.format, .gguf)
        XCTAssertEqual(smol.name, "SmolLM2-135M-Instruct.Q4_1")
        XCTAssertEqual(smol.bosText, "<|im_start|>")
        XCTAssertEqual(smol.eosText, "<|im_end|>")
        XCTAssertNotNil(smol.chatTemplateSource)
        let tiny = try open(Self.tiny)
        XCTAssertEqual(tiny.format, .hdf5)
        XCTAssertEqual(tiny.name, "lessons-tiny")
        XCTAssertNil(tiny.chatTemplateSource)
        XCTAssertThrowsError(try ChatTemplateChoice(model: tiny)) { XCTAssertEqual($0 as? ServingError, .noChatTemplate(file: Self.tiny)) }
        let chatml = try ChatTemplateChoice(model: tiny, format: "chatml")
        XCTAssertEqual(chatml.eosToken, "<|im_end|>", "an .h5 file has no tokens of its own: the format's")
    }

    /// The format is the file's content, not its name.
    func testFormatByContent() throws {
        let dir = FileManager.default.temporaryDirectory
        let gguf = dir.appendingPathComponent("lmlab-format-\(UUID().uuidString).bin").path
        let hdf5 = dir.appendingPathComponent("lmlab-format-\(UUID().uuidString).model").path
        defer { try? FileManager.default.removeItem(atPath: gguf); try? FileManager.default.removeItem(atPath: hdf5) }
        FileManager.default.createFile(atPath: gguf, contents: Data("GGUF\u{3}\0\0\0".utf8))
        FileManager.default.createFile(atPath: hdf5, contents: Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0]))
        XCTAssertEqual(try ModelFileFormat.of(path: gguf), .gguf)
        XCTAssertEqual(try ModelFileFormat.of(path: hdf5), .hdf5)
        XCTAssertEqual(try ModelFileFormat.of(path: "/nonexistent/x.GGUF"), .gguf, "unreadable: by extension, any case")
        XCTAssertThrowsError(try ModelFileFormat.of(path: "/nonexistent/x.bin"))
    }

    func testPrepareChecksAgainstTheModel() throws {
        let tiny = try open(Self.tiny)
        let long = String(repeating: " the", count: tiny.contextLength + 10)
        XCTAssertThrowsError(try tiny.prepare(CompletionRequest(prompt: .text(long)))) { error in
            guard case .promptTooLong(let n, let c)? = error as? DecodingError else { return XCTFail("\(error)") }
            XCTAssertEqual(c, tiny.contextLength)
            XCTAssertGreaterThan(n, c)
            XCTAssertEqual(OpenAIWire.ErrorResponse(error).error.code, "context_length_exceeded")
        }
        XCTAssertThrowsError(try tiny.prepare(CompletionRequest(prompt: .tokens([1, Int32(tiny.vocabSize)])))) {
            XCTAssertEqual(($0 as? ServingError)?.field, "prompt")
        }
        var biased = CompletionRequest(prompt: .text(" The"))
        biased.sampling.logitBias = [Int32(tiny.vocabSize + 5): 1]
        XCTAssertThrowsError(try tiny.prepare(biased)) { XCTAssertEqual(($0 as? ServingError)?.field, "logit_bias") }
    }

    /// n = 4 with a seed: the four choices decoded together are the four one-choice runs with seeds s … s + 3, and
    /// the same again on a second call.
    func testChoicesTogetherEqualChoicesAlone() throws {
        let tiny = try open(Self.tiny)
        var request = CompletionRequest(prompt: .text(" The game was released in"))
        request.maxTokens = 16
        request.n = 4
        request.seed = 42
        request.logprobs = 2
        request.sampling.temperature = 1.2
        let together = try tiny.complete(request)
        XCTAssertEqual(together.choices.count, 4)
        XCTAssertEqual(together.seed, 42)
        for i in 0..<4 {
            var one = request
            one.n = 1
            one.seed = 42 + UInt64(i)
            let alone = try tiny.complete(one).choices[0]
            XCTAssertEqual(together.choices[i].tokens, alone.tokens, "choice \(i)")
            XCTAssertEqual(together.choices[i].text, alone.text)
            XCTAssertEqual(together.choices[i].logprobs, alone.logprobs)
        }
        XCTAssertEqual(try tiny.complete(request).choices.map(\.tokens), together.choices.map(\.tokens))
    }

    /// Streaming events concatenate to the text of each choice; the last event of a choice carries its reason.
    func testEventsConcatenateToTheText() throws {
        let tiny = try open(Self.tiny)
        var request = CompletionRequest(prompt: .text(" The game"))
        request.maxTokens = 12
        request.n = 2
        request.seed = 1
        request.stop = [" the"]
        var streamed = ["", ""], reasons: [FinishReason?] = [nil, nil]
        let result = try tiny.complete(request) { e in
            XCTAssertNil(reasons[e.id], "no event after a choice's last")
            streamed[e.id] += e.text
            reasons[e.id] = e.finishReason
        }
        XCTAssertEqual(streamed, result.choices.map(\.text))
        XCTAssertEqual(reasons, result.choices.map(\.finishReason))
        for c in result.choices { XCTAssertFalse(c.text.contains(" the")) }
    }

    func testJSONModeAlwaysParses() throws {
        let smol = try open(Self.smol)
        let template = try ChatTemplateChoice(model: smol)
        var base = CompletionRequest(prompt: .text(""))
        base.maxTokens = 24
        base.n = 3
        base.seed = 5
        base.responseFormat = .jsonObject
        let request = try smol.chatRequest(messages: [.user("Describe a cat as JSON.")], template: template, base: base)
        XCTAssertEqual(request.stop, ["<|im_end|>"])
        XCTAssertTrue(request.parseSpecial)
        XCTAssertFalse(request.addSpecial)
        let result = try smol.complete(request)
        for c in result.choices {
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(c.text.utf8)), c.text)
        }
    }

    /// A chat session's reply equals the completion of the rendered conversation, and the history grows.
    func testChatSessionIsTheRenderedCompletion() throws {
        let smol = try open(Self.smol)
        var settings = CompletionRequest(prompt: .text(""))
        settings.maxTokens = 12
        settings.sampling = .greedy
        let session = ChatSession(model: smol, template: try ChatTemplateChoice(model: smol), system: "Your name is Bob.",
                                  settings: settings)
        let turn = try session.prompt(userMessage: "What is your name?")
        XCTAssertTrue(turn.prompt.hasPrefix("<|im_start|>system\nYour name is Bob.<|im_end|>\n"), turn.prompt)
        XCTAssertTrue(turn.prompt.hasSuffix("<|im_start|>assistant\n"))
        let reply = try session.reply(turn)
        var direct = CompletionRequest(prompt: .text(turn.prompt))
        direct.addSpecial = false
        direct.parseSpecial = true
        direct.maxTokens = 12
        direct.sampling = .greedy
        direct.stop = ["<|im_end|>"]
        let expected = try smol.complete(direct).choices[0].text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(reply.content, expected)
        XCTAssertEqual(session.messages.map(\.role), ["system", "user", "assistant"])
    }

    /// The distribution: probabilities sum to 1 at every temperature, rows are the logits' order, the entropy is
    /// −Σ p ln p, and the chain's stages end with what the Sampler draws from.
    func testNextTokenDistribution() throws {
        let tiny = try open(Self.tiny)
        let ids = try tiny.encodePrompt(" The game was released in", newTokens: 0)
        let next = try tiny.nextToken(after: ids)
        XCTAssertEqual(next.logits.count, tiny.vocabSize)
        for t in [0.5, 1, 2] { XCTAssertEqual(next.probabilities(temperature: t).reduce(0, +), 1, accuracy: 1e-9) }
        let report = next.report(model: "m", prompt: "p", top: 5, temperatures: [1, 2], piece: tiny.piece)
        XCTAssertEqual(report.rows.map(\.id), next.top(5))
        XCTAssertEqual(report.rows.map(\.logit), report.rows.map(\.logit).sorted(by: >))
        let p1 = next.probabilities()
        XCTAssertEqual(report.entropy[0], -p1.reduce(0) { $1 > 0 ? $0 + $1 * log($1) : $0 }, accuracy: 1e-12)
        XCTAssertEqual(report.rows.last!.cumulative[0], report.rows.map { p1[Int($0.id)] }.reduce(0, +), accuracy: 1e-12)
        var params = SamplingParameters()
        params.topK = 10
        params.topP = 0.9
        let stages = next.stages(params, top: 3)
        XCTAssertEqual(stages.map(\.step), ["processors"] + params.samplers.map(\.rawValue))
        XCTAssertEqual(stages[0].count, tiny.vocabSize)
        var sampler = Sampler(parameters: params, seed: 0)
        sampler.prompt(ids)
        XCTAssertEqual(stages.last!.count, sampler.candidates(next.logits).count)
        XCTAssertLessThanOrEqual(stages.last!.count, 10)
    }

    /// The JSON the `openai` client parses: legacy logprobs with a null first echoed entry, chat logprobs with
    /// bytes, explicit nulls where OpenAI writes them, the error shape.
    func testWireShapes() throws {
        let tiny = try open(Self.tiny)
        var request = CompletionRequest(prompt: .text(" The game"))
        request.maxTokens = 3
        request.sampling = .greedy
        request.logprobs = 2
        request.echo = true
        let result = try tiny.complete(request)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func object(_ v: some Encodable) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: encoder.encode(v)) as! [String: Any]
        }
        let text = try object(OpenAIWire.TextCompletion(result, echo: true))
        XCTAssertEqual(text["object"] as? String, "text_completion")
        let choice = (text["choices"] as! [[String: Any]])[0]
        XCTAssertEqual(choice["text"] as? String, " The game" + result.choices[0].text)
        let lp = choice["logprobs"] as! [String: Any]
        XCTAssertEqual(Set(lp.keys), ["tokens", "token_logprobs", "top_logprobs", "text_offset"])
        XCTAssert((lp["token_logprobs"] as! [Any])[0] is NSNull, "the first prompt token has no log-probability")
        XCTAssertEqual((lp["tokens"] as! [String]).count, result.promptTokens.count + result.choices[0].tokens.count)
        let usage = text["usage"] as! [String: Int]
        XCTAssertEqual(usage["total_tokens"], usage["prompt_tokens"]! + usage["completion_tokens"]!)

        var chatRequest = request
        chatRequest.echo = false
        let chat = try object(OpenAIWire.ChatCompletion(try tiny.complete(chatRequest), bytes: tiny.tokenizer.bytes))
        let chatChoice = (chat["choices"] as! [[String: Any]])[0]
        XCTAssertEqual((chatChoice["message"] as! [String: Any])["role"] as? String, "assistant")
        let content = (chatChoice["logprobs"] as! [String: Any])["content"] as! [[String: Any]]
        XCTAssertEqual(content.count, 3)
        XCTAssertEqual(Set(content[0].keys), ["token", "logprob", "bytes", "top_logprobs"])
        XCTAssertEqual((content[0]["top_logprobs"] as! [Any]).count, 2)

        let chunk = try object(OpenAIWire.ChatCompletionChunk.chunk(
            GenerationEvent(id: 0, token: 5, logprob: nil, text: "Hi", finishReason: nil), first: true,
            bytes: tiny.tokenizer.bytes, id: "chatcmpl-1", created: 0, model: "m"))
        let delta = (chunk["choices"] as! [[String: Any]])[0]
        XCTAssert(delta["finish_reason"] is NSNull)
        XCTAssertEqual(delta["delta"] as? [String: String], ["role": "assistant", "content": "Hi"])

        let error = try object(OpenAIWire.ErrorResponse(ServingError.invalidValue(field: "n", value: "0", valid: "≥ 1")))
        let body = error["error"] as! [String: Any]
        XCTAssertEqual(body["param"] as? String, "n")
        XCTAssertEqual(body["type"] as? String, "invalid_request_error")
        XCTAssert(body["code"] is NSNull)
    }
}

extension ModelHandleTests {
    /// The stages of llama.cpp's chain by hand: top-k 40 keeps 40, then top-p 0.95 the shortest prefix reaching
    /// 0.95 of what is left, min-p 0.05 what is within a factor 20 of the best; temperature changes no count.
    func testStagesFollowTheChainByHand() throws {
        let tiny = try open(Self.tiny)
        let next = try tiny.nextToken(after: try tiny.encodePrompt(" The game was released in", newTokens: 0))
        let stages = next.stages(.llamaCpp, top: 50)
        XCTAssertEqual(stages.map(\.step), ["processors", "penalties", "top-k", "typical-p", "top-p", "min-p", "temperature"])
        XCTAssertEqual(stages[2].count, 40)
        // top-p by hand over the 40 left, renormalized.
        let p40 = stages[2].probabilities
        var mass = 0.0, keep = 0
        for q in p40 { mass += q; keep += 1; if mass >= 0.95 { break } }
        XCTAssertEqual(stages[4].count, keep)
        let best = stages[4].probabilities[0]
        XCTAssertEqual(stages[5].count, stages[4].probabilities.filter { $0 >= 0.05 * best }.count)
        XCTAssertEqual(stages[6].count, stages[5].count)
        XCTAssertEqual(stages[6].ids, stages[5].ids)
    }
}
