// Route tests (HummingbirdTesting) for the generating endpoints — /v1/completions, /v1/chat/completions,
// /v1/next_token: the OpenAI shapes and usage, every field error named (400, param = the field), a prompt too long
// for the context rejected before any stream starts, keep-alive comments in a stream, seeds that repeat, and the
// next-token distribution equal to the library's.
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Serving
import XCTest
@testable import Server

final class GenerationRouteTests: XCTestCase {
    static let smol = ServerFixture.smolName

    func testCompletionShapeAndUsage() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/completions", json: #"{"model": "\#(Self.smol)", "prompt": "The capital of France is", "max_tokens": 8, "temperature": 0, "ignore_eos": true}"#)
            XCTAssertEqual(r.status, .ok)
            let body = try XCTUnwrap(json as? [String: Any])
            XCTAssertEqual(body["object"] as? String, "text_completion")
            XCTAssertTrue((body["id"] as? String ?? "").hasPrefix("cmpl-"))
            let choice = try XCTUnwrap((body["choices"] as? [[String: Any]])?.first)
            XCTAssertEqual(choice["finish_reason"] as? String, "length")
            XCTAssertEqual((choice["token_ids"] as? [Int])?.count, 8)
            let usage = try XCTUnwrap(body["usage"] as? [String: Int])
            XCTAssertEqual(usage["completion_tokens"], 8)
            XCTAssertEqual(usage["total_tokens"], (usage["prompt_tokens"] ?? 0) + 8)
        }
    }

    /// Each bad field is a 400 naming it, and the server answers the next request.
    func testFieldErrorsAreNamed() async throws {
        let server = try ServerFixture.server()
        let m = #""model": "\#(Self.smol)""#
        let cases: [(uri: String, body: String, param: String)] = [
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "max_tokens": "x"}"#, "max_tokens"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "max_tokens": 0}"#, "max_tokens"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "logprobs": 6}"#, "logprobs"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "n": 0}"#, "n"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "best_of": 3}"#, "best_of"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "suffix": "end"}"#, "suffix"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "stop": ["a", "b", "c", "d", "e"]}"#, "stop"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "stop": 5}"#, "stop"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "temperature": 1e39}"#, "temperature"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "top_p": 0}"#, "top_p"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "top_k": -1}"#, "top_k"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "min_p": 2}"#, "min_p"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "frequency_penalty": 3}"#, "frequency_penalty"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "samplers": ["top-k", "nope"]}"#, "samplers"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "preset": "gpt"}"#, "preset"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "penalty_mode": "loud"}"#, "penalty_mode"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "logit_bias": {"abc": 1}}"#, "logit_bias"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "logit_bias": {"99999999": 1}}"#, "logit_bias"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "logit_bias": {"5": 500}}"#, "logit_bias"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "seed": -5}"#, "seed"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "num_beams": 2, "logprobs": 1}"#, "logprobs"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "num_beams": 2, "n": 3}"#, "n"),
            ("/v1/completions", #"{\#(m), "prompt": "Hi", "num_beams": 2, "early_stopping": "sometimes"}"#, "early_stopping"),
            ("/v1/completions", #"{\#(m), "prompt": []}"#, "prompt"),
            ("/v1/completions", #"{\#(m), "prompt": [[1], [2]]}"#, "prompt"),
            ("/v1/completions", #"{\#(m), "prompt": [1, 99999999]}"#, "prompt"),
            ("/v1/completions", #"{\#(m)}"#, "prompt"),
            ("/v1/chat/completions", #"{\#(m), "messages": []}"#, "messages"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "robot", "content": "Hi"}]}"#, "messages[0].role"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": 5}]}"#, "messages[0].content"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"content": "Hi"}]}"#, "messages[0].role"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "logprobs": true, "top_logprobs": 21}"#, "top_logprobs"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "top_logprobs": 2}"#, "top_logprobs"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "response_format": {"type": "xml"}}"#, "response_format.type"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}"#, "response_format.json_schema.schema"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nonsense"}}}}"#, "response_format.json_schema.schema"),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": -1}"#, "max_completion_tokens"),
            ("/v1/next_token", #"{\#(m)}"#, "prompt"),
            ("/v1/next_token", #"{\#(m), "prompt": "Hi", "top": 0}"#, "top"),
            ("/v1/next_token", #"{\#(m), "prompt": "Hi", "temperatures": [0]}"#, "temperatures"),
            ("/v1/next_token", #"{\#(m), "prompt": "Hi", "top_k": -2}"#, "top_k"),
        ]
        try await server.application().test(.router) { client in
            for c in cases {
                let (r, json) = try await client.post(c.uri, json: c.body)
                XCTAssertEqual(r.status, .badRequest, "\(c.uri) \(c.body): \(json ?? "")")
                let e = errorObject(json)
                XCTAssertEqual(e["param"] as? String, c.param, "\(c.uri) \(c.body): \(e)")
                XCTAssertFalse((e["message"] as? String ?? "").isEmpty)
                let (ok, _) = try await client.get("/health")
                XCTAssertEqual(ok.status, .ok)
            }
        }
    }

    func testSeveralModelsNeedTheModelField() async throws {
        guard ServerFixture.tiny != nil else { throw XCTSkip("checkpoints/lessons-tiny.h5 is missing: lesson 1 trains it") }
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/completions", json: #"{"prompt": "Hi"}"#)
            XCTAssertEqual(r.status, .badRequest)
            XCTAssertEqual(errorObject(json)["param"] as? String, "model")
            let (tiny, tj) = try await client.post("/v1/completions", json: #"{"model": "lessons-tiny", "prompt": " The game", "max_tokens": 4}"#)
            XCTAssertEqual(tiny.status, .ok, "\(tj ?? "")")
            XCTAssertEqual((tj as? [String: Any])?["model"] as? String, "lessons-tiny")
        }
    }

    /// A prompt longer than the context is a 400 `context_length_exceeded` — a JSON error, not a stream.
    func testContextLengthExceededBeforeAnyStream() async throws {
        let server = try ServerFixture.server()
        let long = String(repeating: "hello ", count: 9000)
        try await server.application().test(.router) { client in
            for (uri, body, param) in [
                ("/v1/completions", #"{"model": "\#(Self.smol)", "prompt": "\#(long)", "stream": true}"#, "prompt"),
                ("/v1/chat/completions", #"{"model": "\#(Self.smol)", "messages": [{"role": "user", "content": "\#(long)"}], "stream": true}"#, "messages"),
                ("/v1/next_token", #"{"model": "\#(Self.smol)", "prompt": "\#(long)"}"#, "prompt"),
            ] {
                let (r, json) = try await client.post(uri, json: body)
                XCTAssertEqual(r.status, .badRequest, uri)
                XCTAssertEqual(r.headers[.contentType], "application/json", uri)
                let e = errorObject(json)
                XCTAssertEqual(e["code"] as? String, "context_length_exceeded", "\(uri): \(e)")
                XCTAssertEqual(e["param"] as? String, param, uri)
            }
        }
    }

    /// A stream is server-sent events: data lines that each parse, `: keep-alive` comments between them while the
    /// client waits, and [DONE] at the end.
    func testStreamSendsEventsKeepAliveCommentsAndDone() async throws {
        let server = try ServerFixture.server { $0.keepAliveSeconds = 0.001 }
        try await server.application().test(.router) { client in
            let r = try await client.executeRequest(
                uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"model": "\#(Self.smol)", "prompt": "Once upon a time", "max_tokens": 16, "temperature": 0, "stream": true}"#))
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(r.headers[.contentType], "text/event-stream")
            let text = String(buffer: r.body)
            let lines = text.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.contains(": keep-alive"), text)
            XCTAssertEqual(lines.last, "data: [DONE]")
            var streamed = ""
            for line in lines where line.hasPrefix("data: {") {
                let chunk = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any])
                streamed += ((chunk["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            }
            let (_, whole) = try await client.post("/v1/completions", json: #"{"model": "\#(Self.smol)", "prompt": "Once upon a time", "max_tokens": 16, "temperature": 0}"#)
            XCTAssertEqual(streamed, ((whole as? [String: Any])?["choices"] as? [[String: Any]])?.first?["text"] as? String)
        }
    }

    func testASeedRepeatsTheSamples() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            func texts(_ seed: Int) async throws -> [String] {
                let (_, json) = try await client.post("/v1/completions", json: #"{"model": "\#(Self.smol)", "prompt": "My favourite colour is", "max_tokens": 8, "n": 2, "seed": \#(seed)}"#)
                return ((json as? [String: Any])?["choices"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            }
            let a = try await texts(5), b = try await texts(5), c = try await texts(6)
            XCTAssertEqual(a.count, 2)
            XCTAssertEqual(a, b)
            XCTAssertNotEqual(a, c)
        }
    }

    /// /v1/next_token returns the library's distribution: the same top ids and raw logits as
    /// ModelHandle.nextToken, probabilities softmax(l / T), and the candidates after each stage of the chain.
    func testNextTokenIsTheLibrarysDistribution() async throws {
        let server = try ServerFixture.server()
        let handle = try ServerFixture.requireSmol().handle
        let ids = handle.tokenizer.encode("The quick brown fox", addSpecial: true)
        let reference = try handle.nextToken(after: ids)
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/next_token", json: #"{"model": "\#(Self.smol)", "prompt": "The quick brown fox", "top": 10, "temperatures": [0.1, 0.8, 2], "top_k": 3}"#)
            XCTAssertEqual(r.status, .ok)
            let body = try XCTUnwrap(json as? [String: Any])
            XCTAssertEqual((body["prompt_tokens"] as? [Int])?.map(Int32.init), ids)
            let top = try XCTUnwrap(body["top"] as? [String: Any])
            XCTAssertEqual((top["ids"] as? [Int])?.map(Int32.init), reference.top(10))
            let logits = try XCTUnwrap(top["logits"] as? [Double])
            for (l, id) in zip(logits, reference.top(10)) { XCTAssertEqual(Float(l), reference.logits[Int(id)]) }
            let temps = try XCTUnwrap(body["temperatures"] as? [[String: Any]])
            XCTAssertEqual(temps.count, 3)
            let p01 = try XCTUnwrap(temps[0]["probabilities"] as? [Double])
            XCTAssertEqual(p01[0], reference.probabilities(temperature: 0.1)[Int(reference.top(1)[0])], accuracy: 1e-12)
            let stages = try XCTUnwrap(body["stages"] as? [[String: Any]])
            XCTAssertEqual(stages.first { $0["step"] as? String == "top-k" }?["count"] as? Int, 3)

            // Chat messages: the prompt is the rendered conversation.
            let (cr, cj) = try await client.post("/v1/next_token", json: #"{"model": "\#(Self.smol)", "messages": [{"role": "user", "content": "Pick a random number between 0 and 9."}], "top": 3}"#)
            XCTAssertEqual(cr.status, .ok)
            let rendered = try ChatTemplateChoice(model: handle).render([.user("Pick a random number between 0 and 9.")])
            XCTAssertEqual(((cj as? [String: Any])?["prompt_tokens"] as? [Int])?.map(Int32.init),
                           handle.tokenizer.encode(rendered, addSpecial: false, parseSpecial: true))
        }
    }
}
