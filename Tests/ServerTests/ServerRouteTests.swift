// Route tests (HummingbirdTesting) for the endpoints that do not generate: /health, /v1/models, /tokenize,
// /detokenize, /apply-template, /metrics, and the errors every route shares — 401 without the API key, 404 for an
// unknown route or model, 413 for a body over the limit, 400 naming the field for malformed JSON, wrong types, huge
// numbers, invalid UTF-8 — after each of which the server answers the next request.
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import Server

final class ServerRouteTests: XCTestCase {
    func testHealthAndModels() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (health, h) = try await client.get("/health")
            XCTAssertEqual(health.status, .ok)
            XCTAssertEqual((h as? [String: Any])?["status"] as? String, "ok")

            let (list, l) = try await client.get("/v1/models")
            XCTAssertEqual(list.status, .ok)
            let body = try XCTUnwrap(l as? [String: Any])
            XCTAssertEqual(body["object"] as? String, "list")
            let data = try XCTUnwrap(body["data"] as? [[String: Any]])
            XCTAssertEqual(data.first?["id"] as? String, ServerFixture.smolName)
            XCTAssertEqual(data.first?["object"] as? String, "model")
            XCTAssertEqual(data.first?["context_length"] as? Int, 8192)
            XCTAssertEqual(data.first?["chat_template"] as? String, "model")

            let (one, _) = try await client.get("/v1/models/\(ServerFixture.smolName)")
            XCTAssertEqual(one.status, .ok)
            let (missing, m) = try await client.get("/v1/models/gpt-4")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(errorObject(m)["code"] as? String, "model_not_found")
        }
    }

    func testTokenizeDetokenizeRoundTrip() async throws {
        let server = try ServerFixture.server()
        let smol = try ServerFixture.requireSmol()
        try await server.application().test(.router) { client in
            let text = "The capital of Michigan is Lansing 🦊"
            let (r, json) = try await client.post("/tokenize", json: #"{"model": "\#(ServerFixture.smolName)", "content": "\#(text)"}"#)
            XCTAssertEqual(r.status, .ok)
            let body = try XCTUnwrap(json as? [String: Any])
            let ids = try XCTUnwrap(body["tokens"] as? [Int]).map(Int32.init)
            XCTAssertEqual(ids, smol.tokenizer.encode(text, addSpecial: false))   // the library's own ids
            let pieces = try XCTUnwrap(body["pieces"] as? [[String: Any]])
            XCTAssertEqual(pieces.count, ids.count)
            // Each piece is its token's bytes: as text when valid UTF-8, else as a byte array (the fox emoji's
            // four bytes may be split across tokens).
            var bytes: [UInt8] = []
            for p in pieces {
                if let s = p["piece"] as? String { bytes += Array(s.utf8) } else { bytes += try XCTUnwrap(p["bytes"] as? [Int]).map(UInt8.init) }
            }
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), text)

            let (d, dj) = try await client.post("/detokenize", json: #"{"model": "\#(ServerFixture.smolName)", "tokens": \#(ids)}"#)
            XCTAssertEqual(d.status, .ok, "\(dj ?? "")")
            XCTAssertEqual((dj as? [String: Any])?["content"] as? String, text)

            let (bad, bj) = try await client.post("/detokenize", json: #"{"model": "\#(ServerFixture.smolName)", "tokens": [1, 2, 99999999]}"#)
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(errorObject(bj)["param"] as? String, "tokens[2]")
        }
    }

    func testApplyTemplateUsesTheModelsTemplate() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/apply-template", json: """
                {"model": "\(ServerFixture.smolName)", "messages": [{"role": "system", "content": "You are Bob."}, {"role": "user", "content": "Hi"}]}
                """)
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual((json as? [String: Any])?["prompt"] as? String,
                           "<|im_start|>system\nYou are Bob.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
            let (empty, ej) = try await client.post("/apply-template", json: #"{"model": "\#(ServerFixture.smolName)", "messages": []}"#)
            XCTAssertEqual(empty.status, .badRequest)
            XCTAssertEqual(errorObject(ej)["param"] as? String, "messages")
        }
    }

    /// Every malformed body gets a 400 that names the problem, and the server answers the next request.
    func testMalformedBodiesAreNamedAndTheServerKeepsServing() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let m = #""model": "\#(ServerFixture.smolName)""#
            let cases: [(body: [UInt8], param: String?, says: String)] = [
                (Array(#"{"content": "hi""#.utf8), nil, "not valid JSON"),
                (Array(#"[1, 2]"#.utf8), nil, "must be a JSON object"),
                (Array(#"{\#(m), "content": 5}"#.utf8), "content", "expected a string"),
                (Array(#"{\#(m)}"#.utf8), "content", "content is required"),
                (Array(#"{\#(m), "content": "hi", "add_special": "yes"}"#.utf8), "add_special", "true or false"),
                ([UInt8](#"{"content": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8), nil, "UTF-8"),
                ([], nil, "empty"),
            ]
            for c in cases {
                let r = try await client.executeRequest(uri: "/tokenize", method: .post, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(bytes: c.body))
                XCTAssertEqual(r.status, .badRequest, String(decoding: c.body, as: UTF8.self))
                let e = errorObject(try? JSONSerialization.jsonObject(with: Data(buffer: r.body)))
                XCTAssertEqual(e["param"] as? String, c.param, "\(e)")
                XCTAssertTrue((e["message"] as? String ?? "").contains(c.says), "\(e) should say \(c.says)")
                let (ok, _) = try await client.get("/health")
                XCTAssertEqual(ok.status, .ok)
            }
            // Numbers that do not fit: named, with what was wrong.
            let numbers: [(json: String, param: String, says: String)] = [
                (#"{\#(m), "tokens": [1, 99999999999999999999]}"#, "tokens[1]", "out of range"),
                (#"{\#(m), "tokens": [1, 2.5]}"#, "tokens[1]", "not an integer"),
                (#"{\#(m), "tokens": [1e400]}"#, "tokens", "too large"),
            ]
            for c in numbers {
                let (r, j) = try await client.post("/detokenize", json: c.json)
                XCTAssertEqual(r.status, .badRequest, c.json)
                let e = errorObject(j)
                XCTAssertEqual(e["param"] as? String, c.param, "\(e)")
                XCTAssertTrue((e["message"] as? String ?? "").contains(c.says), "\(e) should say \(c.says)")
            }
            let (ok, _) = try await client.get("/health")
            XCTAssertEqual(ok.status, .ok)
        }
    }

    func testUnknownRouteAndModel() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, j) = try await client.get("/v2/everything")
            XCTAssertEqual(r.status, .notFound)
            XCTAssertEqual(errorObject(j)["code"] as? String, "unknown_route")
            let (m, mj) = try await client.post("/tokenize", json: #"{"model": "gpt-4", "content": "hi"}"#)
            XCTAssertEqual(m.status, .notFound)
            XCTAssertEqual(errorObject(mj)["param"] as? String, "model")
        }
    }

    func testBodyOverTheLimitIs413() async throws {
        let server = try ServerFixture.server { $0.maxBodyBytes = 4096 }
        try await server.application().test(.router) { client in
            let big = #"{"content": ""# + String(repeating: "a", count: 10_000) + #""}"#
            let (r, j) = try await client.post("/tokenize", json: big)
            XCTAssertEqual(r.status, .contentTooLarge)
            XCTAssertEqual(errorObject(j)["code"] as? String, "request_too_large")
            let (ok, _) = try await client.post("/tokenize", json: #"{"model": "\#(ServerFixture.smolName)", "content": "small"}"#)
            XCTAssertNotEqual(ok.status, .contentTooLarge)
        }
    }

    func testAPIKey() async throws {
        let server = try ServerFixture.server { $0.apiKey = "sesame" }
        try await server.application().test(.router) { client in
            let (health, _) = try await client.get("/health")
            XCTAssertEqual(health.status, .ok, "/health stays public")
            let (none, nj) = try await client.get("/v1/models")
            XCTAssertEqual(none.status, .unauthorized)
            XCTAssertEqual(errorObject(nj)["code"] as? String, "invalid_api_key")
            let (wrong, _) = try await client.get("/v1/models", headers: [.authorization: "Bearer nope"])
            XCTAssertEqual(wrong.status, .unauthorized)
            let (right, _) = try await client.get("/v1/models", headers: [.authorization: "Bearer sesame"])
            XCTAssertEqual(right.status, .ok)
        }
    }

    func testMetricsInPrometheusFormat() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            _ = try await client.get("/health")
            _ = try await client.get("/nowhere")
            let r = try await client.executeRequest(uri: "/metrics", method: .get, headers: [:], body: nil)
            XCTAssertEqual(r.status, .ok)
            XCTAssertTrue(r.headers[.contentType]?.hasPrefix("text/plain") ?? false)
            let text = String(buffer: r.body)
            for line in [#"lmlab_requests_total{endpoint="/health",status="200"} 1"#,
                         #"lmlab_requests_total{endpoint="unknown",status="404"} 1"#,
                         "# TYPE lmlab_queue_length gauge", "lmlab_queue_length 0.0", "# TYPE lmlab_tokens_per_second gauge"] {
                XCTAssertTrue(text.contains(line), "missing \(line) in\n\(text)")
            }
        }
    }
}
