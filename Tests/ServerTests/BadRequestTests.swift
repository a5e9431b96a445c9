// Bad request bodies through every JSON endpoint: a valid body of each is cut at every byte and has a sample of its
// bytes changed, and each result is sent through the router. Every answer must be a 200, or a 4xx with OpenAI's
// error shape {"error": {"message", "type", "param", "code"}} — never a 5xx, a crash or a hang — and the server must
// answer the valid bodies afterwards. Generation is kept to one token (on the tiny GPT when lesson 1 has made it).
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import Server

final class BadRequestTests: XCTestCase {
    /// One valid body per endpoint, using most of its fields.
    static func bodies(model m: String) -> [(uri: String, body: String)] {
        [
            ("/v1/completions", #"{"model": "\#(m)", "prompt": "The game", "max_tokens": 1, "temperature": 0.5, "top_k": 5, "logprobs": 2, "stop": ["\n"], "seed": 3}"#),
            ("/v1/completions", #"{"model": "\#(m)", "prompt": [1, 2], "max_tokens": 1, "stream": true, "stream_options": {"include_usage": true}, "n_probs": 2}"#),
            ("/v1/chat/completions", #"{"model": "\#(m)", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "max_tokens": 1, "logprobs": true, "top_logprobs": 2, "logit_bias": {"5": -100}}"#),
            ("/v1/chat/completions", #"{"model": "\#(m)", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}}"#),
            ("/v1/next_token", #"{"model": "\#(m)", "prompt": "The game", "top": 3, "temperatures": [0.5, 2], "top_p": 0.9, "samplers": "top-k,temperature"}"#),
            ("/tokenize", #"{"model": "\#(m)", "content": "The game é", "add_special": true, "parse_special": true}"#),
            ("/detokenize", #"{"model": "\#(m)", "tokens": [1, 2, 3]}"#),
            ("/apply-template", #"{"model": "\#(m)", "messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true}"#),
        ]
    }

    /// `body` cut after every byte, and with every byte replaced, twice, by two of: a quote, a brace, a 9, a 0, a
    /// minus sign (a count becomes 0 or negative), a NUL, a byte that is never UTF-8, the letter in the other case.
    static func variants(of body: String) -> [[UInt8]] {
        let bytes = Array(body.utf8)
        var out = (0..<bytes.count).map { Array(bytes[..<$0]) }
        for i in bytes.indices {
            let replacements: [UInt8] = [0x22, 0x7D, 0x39, 0x30, 0x2D, 0x00, 0xFF, bytes[i] ^ 0x20]
            for k in [i, i + 3] {
                var changed = bytes
                changed[i] = replacements[k % replacements.count]
                if changed != bytes { out.append(changed) }
            }
        }
        return out
    }

    func testTruncatedAndChangedBodiesGetA200OrAnOpenAIError() async throws {
        let server = try ServerFixture.server()
        let model = ServerFixture.tiny != nil ? "lessons-tiny" : ServerFixture.smolName
        let bodies = Self.bodies(model: model)
        try await server.application().test(.router) { client in
            // The valid bodies work (so the variants below start from something the server accepts).
            for (uri, body) in bodies {
                let status = try await Self.send(client, uri, Array(body.utf8)).status
                XCTAssertEqual(status, .ok, "\(uri) \(body)")
            }
            var sent = 0, rejected = 0
            for (uri, body) in bodies {
                for variant in Self.variants(of: body) {
                    let response = try await Self.send(client, uri, variant)
                    sent += 1
                    let shown = "\(uri) \(String(decoding: variant, as: UTF8.self).debugDescription)"
                    let code = Int(response.status.code)
                    if code == 200 { continue }
                    rejected += 1
                    XCTAssert((400..<500).contains(code), "\(code) for \(shown): \(String(buffer: response.body))")
                    let json = try? JSONSerialization.jsonObject(with: Data(buffer: response.body))
                    let error = errorObject(json)
                    XCTAssertNotNil(error["message"] as? String, shown)
                    XCTAssertNotNil(error["type"] as? String, shown)
                }
            }
            // Most variants are not valid JSON at all; some still are (a digit changed) and are answered.
            XCTAssertGreaterThan(rejected, sent / 2, "\(rejected) of \(sent) variants rejected")
            XCTAssertLessThan(rejected, sent, "every variant rejected: the valid bodies' neighbours should work too")
            // And the server still answers.
            for (uri, body) in bodies {
                let status = try await Self.send(client, uri, Array(body.utf8)).status
                XCTAssertEqual(status, .ok, "after the bad bodies: \(uri) \(body)")
            }
        }
    }

    /// POSTs `bytes` as JSON, failing (instead of hanging) when no answer comes within 30 seconds.
    static func send(_ client: some TestClientProtocol, _ uri: String, _ bytes: [UInt8]) async throws -> TestResponse {
        try await withThrowingTaskGroup(of: TestResponse?.self) { group in
            group.addTask {
                try await client.executeRequest(uri: uri, method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(bytes: bytes))
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw Hang(uri: uri, body: String(decoding: bytes, as: UTF8.self))
            }
            return response
        }
    }

    struct Hang: Error, CustomStringConvertible {
        var uri: String, body: String
        var description: String { "no answer within 30 s to \(uri) \(body.debugDescription)" }
    }
}
