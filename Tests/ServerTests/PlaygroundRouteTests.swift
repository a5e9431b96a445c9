// Route tests (HummingbirdTesting) for the playground's page and the endpoints only its views need: the page and
// its files (public even with an API key), /v1/beam_search (the hypotheses of /v1/completions with the same body,
// and a trace whose parent chains rebuild them), /v1/compare (the library's comparison), /v1/training (the metrics
// file's steps), /v1/presets (the library's presets), the n_probs extra (ids, ranks and alternatives that agree
// with the legacy logprobs), /v1/next_token asked again with the same prompt (kept logits, same answer), and the
// field errors of each.
import Decoding
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Serving
import XCTest
@testable import Server

final class PlaygroundRouteTests: XCTestCase {
    static let smol = ServerFixture.smolName

    func testThePageAndItsFilesArePublicTheAPIIsNot() async throws {
        let server = try ServerFixture.server { $0.apiKey = "secret" }
        try await server.application().test(.router) { client in
            let page = try await client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(String(buffer: page.body).contains("<script type=\"module\" src=\"/playground/js/app.js\">"))
            for (path, type) in [("/playground/js/app.js", "javascript"), ("/playground/style.css", "text/css"),
                                 ("/playground/js/complete.js", "javascript"), ("/playground/favicon.svg", "svg")] {
                let r = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                XCTAssertEqual(r.status, .ok, path)
                XCTAssertTrue(r.headers[.contentType]?.contains(type) ?? false, "\(path): \(String(describing: r.headers[.contentType]))")
            }
            let missing = try await client.executeRequest(uri: "/playground/nope.js", method: .get, headers: [:], body: nil)
            XCTAssertEqual(missing.status, .notFound)
            let (api, _) = try await client.get("/v1/presets")
            XCTAssertEqual(api.status, .unauthorized, "the API behind the page still needs the key")
        }
    }

    func testPresetsAreTheLibrarys() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, json) = try await client.get("/v1/presets")
            XCTAssertEqual(r.status, .ok)
            let presets = try XCTUnwrap(json as? [String: [String: Any]])
            XCTAssertEqual(Set(presets.keys), ["default", "hf", "llama.cpp", "greedy"])
            let llama = try XCTUnwrap(presets["llama.cpp"])
            XCTAssertEqual((llama["temperature"] as? Double).map(Float.init), SamplingParameters.llamaCpp.temperature)
            XCTAssertEqual(llama["top_k"] as? Int, SamplingParameters.llamaCpp.topK)
            XCTAssertEqual(llama["samplers"] as? [String], SamplingParameters.llamaCpp.samplers.map(\.rawValue))
            XCTAssertEqual(presets["default"]?["top_p"] as? Double, 1)
        }
    }

    /// The hypotheses are /v1/completions' for the same body; following each finished candidate's parents back
    /// through the kept beams gives its tokens.
    func testBeamSearchTraceRebuildsTheHypotheses() async throws {
        let server = try ServerFixture.server()
        let body = #"{"model": "\#(Self.smol)", "prompt": "The capital of France is", "max_tokens": 5, "num_beams": 3, "n": 3}"#
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/beam_search", json: body)
            XCTAssertEqual(r.status, .ok)
            let traced = try XCTUnwrap(json as? [String: Any])
            let (_, plainJSON) = try await client.post("/v1/completions", json: body)
            let plain = try XCTUnwrap((plainJSON as? [String: Any])?["choices"] as? [[String: Any]])
            let choices = try XCTUnwrap(traced["choices"] as? [[String: Any]])
            XCTAssertEqual(traced["object"] as? String, "text_completion")
            XCTAssertEqual(choices.map { $0["text"] as? String }, plain.map { $0["text"] as? String })
            XCTAssertEqual(choices.map { $0["score"] as? Double }, plain.map { $0["score"] as? Double })

            let trace = try XCTUnwrap(traced["trace"] as? [String: Any])
            let steps = try XCTUnwrap(trace["steps"] as? [[String: Any]])
            XCTAssertFalse((trace["prompt_tokens"] as? [Int] ?? []).isEmpty)
            func candidates(_ s: Int) -> [[String: Any]] { steps[s]["candidates"] as? [[String: Any]] ?? [] }
            func kept(_ s: Int) -> [[String: Any]] {
                candidates(s).filter { $0["beam"] != nil }.sorted { ($0["beam"] as! Int) < ($1["beam"] as! Int) }
            }
            XCTAssertEqual(kept(0).count, 3)
            XCTAssertEqual(candidates(0).count, 6, "the prompt's best 2·numBeams")
            var rebuilt: [(tokens: [Int], score: Double)] = []
            for s in steps.indices {
                for f in candidates(s) where f["finished_score"] != nil {
                    var tokens = [f["token"] as! Int], parent = f["parent"] as! Int
                    for back in stride(from: s - 1, through: 0, by: -1) {
                        tokens.insert(kept(back)[parent]["token"] as! Int, at: 0)
                        parent = kept(back)[parent]["parent"] as! Int
                    }
                    rebuilt.append((tokens, f["finished_score"] as! Double))
                }
            }
            rebuilt.sort { $0.score > $1.score }
            XCTAssertEqual(rebuilt.prefix(3).map(\.tokens), choices.map { $0["token_ids"] as? [Int] ?? [] })
            XCTAssertEqual(candidates(0).first?["piece"] as? String, server.models.all[0].handle.piece(Int32(candidates(0)[0]["token"] as! Int)))

            let (bad, badJSON) = try await client.post("/v1/beam_search", json: #"{"model": "\#(Self.smol)", "prompt": "Hi"}"#)
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(errorObject(badJSON)["param"] as? String, "num_beams")
        }
    }

    func testCompareIsTheLibrarysComparison() async throws {
        let server = try ServerFixture.server()
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/compare", json: #"{"model": "\#(Self.smol)", "prompt": "The capital of France is", "strategies": ["greedy", "top-k:20@0.8", "beam:2"], "max_tokens": 6, "seed": 3}"#)
            XCTAssertEqual(r.status, .ok)
            let body = try XCTUnwrap(json as? [String: Any])
            let rows = try XCTUnwrap(body["rows"] as? [[String: Any]])
            let want = try server.models.all[0].handle.compare(
                prompt: "The capital of France is", strategies: ["greedy", "top-k:20@0.8", "beam:2"].map(DecodingStrategy.init),
                maxTokens: 6, seed: 3)
            XCTAssertEqual(rows.map { $0["strategy"] as? String }, want.map(\.strategy))
            XCTAssertEqual(rows.map { $0["text"] as? String }, want.map(\.text))
            // The re-scoring's prompt pass may split its sums over threads differently from run to run: the last bit.
            for (row, w) in zip(rows, want) { XCTAssertEqual(row["mean_logprob"] as? Double ?? 0, w.meanLogprob, accuracy: 1e-9) }
            XCTAssertEqual(rows.map { $0["distinct2"] as? Double }, want.map(\.distinct2))
            XCTAssertEqual(body["max_tokens"] as? Int, 6)

            let cases: [(String, String)] = [
                (#"{"model": "\#(Self.smol)", "prompt": "Hi", "strategies": ["greedy", "nucleus:0.9"]}"#, "strategies[1]"),
                (#"{"model": "\#(Self.smol)", "prompt": "Hi", "strategies": []}"#, "strategies"),
                (#"{"model": "\#(Self.smol)", "prompt": "Hi", "max_tokens": 1}"#, "max_tokens"),
                (#"{"model": "\#(Self.smol)"}"#, "prompt"),
                (#"{"model": "\#(Self.smol)", "prompt": "Hi", "seed": "x"}"#, "seed"),
            ]
            for (body, param) in cases {
                let (r, json) = try await client.post("/v1/compare", json: body)
                XCTAssertEqual(r.status, .badRequest, body)
                XCTAssertEqual(errorObject(json)["param"] as? String, param, body)
            }
        }
    }

    /// The served .h5 model's curve, and a watched checkpoint whose run has not started.
    func testTrainingListsTheCheckpointsCurves() async throws {
        guard ServerFixture.tiny != nil else { throw XCTSkip("\(ServerFixture.tinyPath) is missing: lesson 1 trains it") }
        let server = try ServerFixture.server { $0.watch = ["/nonexistent/run.h5"] }
        try await server.application().test(.router) { client in
            let (r, json) = try await client.get("/v1/training?points=100")
            XCTAssertEqual(r.status, .ok)
            let runs = try XCTUnwrap((json as? [String: Any])?["data"] as? [[String: Any]])
            XCTAssertEqual(runs.map { $0["name"] as? String }, ["lessons-tiny", "run"])
            let lines = try String(contentsOfFile: ServerFixture.tinyPath + ".metrics.jsonl", encoding: .utf8)
                .split(separator: "\n").filter { !$0.isEmpty }
            XCTAssertEqual(runs[0]["steps"] as? Int, lines.count)
            let points = try XCTUnwrap(runs[0]["points"] as? [[String: Any]])
            XCTAssertLessThanOrEqual(points.count, 100 + lines.filter { $0.contains("val_loss") }.count + 1)
            XCTAssertEqual(runs[1]["found"] as? Bool, false)
            let (bad, badJSON) = try await client.get("/v1/training?points=x")
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(errorObject(badJSON)["param"] as? String, "points")
        }
    }

    /// n_probs: per token its id, bytes, rank and n alternatives with ids, agreeing with the legacy logprobs of the
    /// same request (which keeps its own count), streamed or not; the bytes decode to the text.
    func testNProbsGivesIdsRanksAndAlternatives() async throws {
        let server = try ServerFixture.server()
        let m = #""model": "\#(Self.smol)", "prompt": "The capital of France is", "max_tokens": 6, "temperature": 0, "ignore_eos": true"#
        try await server.application().test(.router) { client in
            let (r, json) = try await client.post("/v1/completions", json: #"{\#(m), "n_probs": 8, "logprobs": 2}"#)
            XCTAssertEqual(r.status, .ok)
            let choice = try XCTUnwrap(((json as? [String: Any])?["choices"] as? [[String: Any]])?.first)
            let details = try XCTUnwrap(choice["completion_probabilities"] as? [[String: Any]])
            let legacy = try XCTUnwrap(choice["logprobs"] as? [String: Any])
            XCTAssertEqual(details.count, 6)
            XCTAssertEqual(details.map { $0["id"] as? Int }, (choice["token_ids"] as? [Int] ?? []).map { $0 })
            XCTAssertEqual(details.map { $0["logprob"] as? Double }, (legacy["token_logprobs"] as? [Double] ?? []).map { $0 })
            let bytes = details.flatMap { ($0["bytes"] as? [Int] ?? []).map(UInt8.init) }
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), choice["text"] as? String)
            for (d, top) in zip(details, legacy["top_logprobs"] as? [[String: Double]] ?? []) {
                let alternatives = try XCTUnwrap(d["top_logprobs"] as? [[String: Any]])
                XCTAssertEqual(alternatives.count, 8)
                XCTAssertEqual(top.count, 2, "the legacy shape keeps logprobs' count")
                for a in alternatives.prefix(2) { XCTAssertEqual(top[a["token"] as! String], a["logprob"] as? Double) }
                XCTAssertEqual(d["rank"] as? Int, 1, "greedy takes the best")
                XCTAssertEqual(alternatives[0]["id"] as? Int, d["id"] as? Int)
            }
            // Only n_probs: the legacy shape stays null.
            let (_, onlyJSON) = try await client.post("/v1/completions", json: #"{\#(m), "n_probs": 3}"#)
            let only = try XCTUnwrap(((onlyJSON as? [String: Any])?["choices"] as? [[String: Any]])?.first)
            XCTAssertTrue(only["logprobs"] is NSNull)
            XCTAssertEqual((only["completion_probabilities"] as? [[String: Any]])?.first?["id"] as? Int, details[0]["id"] as? Int)
            // Streamed: one entry per chunk, the same ids and log-probabilities.
            let stream = try await client.executeRequest(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                                                         body: ByteBuffer(string: #"{\#(m), "n_probs": 3, "stream": true}"#))
            let streamed = String(buffer: stream.body).split(separator: "\n").filter { $0.hasPrefix("data: {") }.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
            }.flatMap { ($0["choices"] as? [[String: Any]])?.first?["completion_probabilities"] as? [[String: Any]] ?? [] }
            XCTAssertEqual(streamed.map { $0["id"] as? Int }, details.map { $0["id"] as? Int })
            XCTAssertEqual(streamed.map { $0["logprob"] as? Double }, details.map { $0["logprob"] as? Double })
            // Without n_probs nothing changes.
            let (_, plainJSON) = try await client.post("/v1/completions", json: #"{\#(m), "logprobs": 2}"#)
            XCTAssertNil(((plainJSON as? [String: Any])?["choices"] as? [[String: Any]])?.first?["completion_probabilities"])
            let (bad, badJSON) = try await client.post("/v1/completions", json: #"{\#(m), "n_probs": 21}"#)
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(errorObject(badJSON)["param"] as? String, "n_probs")
        }
    }

    /// The second request with the same prompt uses the kept logits: the same answer, and a slider move (other
    /// sampling fields) answers from them too.
    func testNextTokenAgainWithTheSamePromptIsTheSame() async throws {
        let server = try ServerFixture.server()
        let body = #"{"model": "\#(Self.smol)", "prompt": "Once upon a time", "top": 5, "temperature": 0.7, "top_k": 4}"#
        try await server.application().test(.router) { client in
            let (_, first) = try await client.post("/v1/next_token", json: body)
            let (_, second) = try await client.post("/v1/next_token", json: body)
            XCTAssertEqual(try JSONSerialization.data(withJSONObject: first!, options: .sortedKeys),
                           try JSONSerialization.data(withJSONObject: second!, options: .sortedKeys))
            let ids = try XCTUnwrap((first as? [String: Any])?["prompt_tokens"] as? [Int]).map { Int32($0) }
            XCTAssertNotNil(server.nextTokenCache.get(model: Self.smol, ids: ids))
            let (_, moved) = try await client.post("/v1/next_token", json: #"{"model": "\#(Self.smol)", "prompt": "Once upon a time", "top": 5, "temperature": 0.7, "top_k": 2}"#)
            let stages = try XCTUnwrap((moved as? [String: Any])?["stages"] as? [[String: Any]])
            XCTAssertEqual(stages.first { $0["step"] as? String == "top-k" }?["count"] as? Int, 2)
        }
    }
}
