// What the server tests share: the models, loaded once per test run (SmolLM2 from `make model`; the lessons' tiny
// GPT from lesson 1), a server over them, and small helpers to send JSON and read OpenAI-shaped answers.
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import Server

enum ServerFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let smolPath = root.appendingPathComponent("checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let tinyPath = root.appendingPathComponent("checkpoints/lessons-tiny.h5").path
    static let smolName = "SmolLM2-135M-Instruct.Q4_1"

    /// SmolLM2, loaded once (nil when the file is missing: `make model`).
    static let smol: ServedModel? = try? ServedModel(path: smolPath)
    /// The lessons' tiny GPT (lesson 1 trains it), with ChatML for its chat endpoint.
    static let tiny: ServedModel? = try? ServedModel(path: tinyPath, chatFormat: "chatml")

    static func requireSmol() throws -> ServedModel {
        guard let smol else { throw XCTSkip("\(smolPath) is missing: run `make model`") }
        return smol
    }

    /// A server over SmolLM2 (and the tiny GPT when it is there).
    static func server(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws -> LMLabServer {
        let models = [try requireSmol()] + (tiny.map { [$0] } ?? [])
        var config = ServerConfiguration(models: models.map(\.path))
        config.port = 0
        configure(&config)
        return LMLabServer(configuration: config, models: try ServedModels(models))
    }
}

extension TestClientProtocol {
    /// POSTs a JSON body (a string, sent as written) and returns status, headers and the parsed JSON.
    func post(_ uri: String, json: String, headers: HTTPFields = [:]) async throws -> (TestResponse, Any?) {
        var h = headers
        h[.contentType] = "application/json"
        let response = try await executeRequest(uri: uri, method: .post, headers: h, body: ByteBuffer(string: json))
        return (response, try? JSONSerialization.jsonObject(with: Data(buffer: response.body)))
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> (TestResponse, Any?) {
        let response = try await executeRequest(uri: uri, method: .get, headers: headers, body: nil)
        return (response, try? JSONSerialization.jsonObject(with: Data(buffer: response.body)))
    }
}

/// The `error` object of an OpenAI-shaped error body, checked to have all four keys.
func errorObject(_ json: Any?, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    guard let e = (json as? [String: Any])?["error"] as? [String: Any] else {
        XCTFail("not an OpenAI error body: \(String(describing: json))", file: file, line: line)
        return [:]
    }
    for key in ["message", "type", "param", "code"] where e[key] == nil {
        XCTFail("error object without \"\(key)\": \(e)", file: file, line: line)
    }
    return e
}
