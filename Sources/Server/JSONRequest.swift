// JSONRequest: a request body read up to the server's limit and decoded into one of the request types, with every
// failure turned into a 400 that names the field — malformed JSON, invalid UTF-8, a wrong type ("max_tokens:
// expected an integer"), a number that does not fit, a missing field — or a 413 for a body over the limit.
import Foundation
import Hummingbird
import NIOCore

enum JSONRequest {
    /// The whole body, or 413 when it (or its Content-Length) is over `limit` bytes.
    static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    /// The body decoded as `T` (see the file's header for the errors).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        try decode(type, from: Data(buffer: try await body(of: request, limit: limit)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else { throw APIError.badJSON("the body is empty; send a JSON object") }
        guard String(validating: data, as: UTF8.self) != nil else {
            throw APIError.badJSON("the body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as Swift.DecodingError {
            throw apiError(error, data)
        } catch {
            throw apiError(.dataCorrupted(.init(codingPath: [], debugDescription: "\(error)")), data)
        }
    }

    /// A DecodingError as a 400 naming the field (`messages[0].content`) and what was expected.
    static func apiError(_ error: Swift.DecodingError, _ data: Data) -> APIError {
        switch error {
        case let .typeMismatch(type, context):
            return field(context.codingPath, "expected \(describe(type))")
        case let .valueNotFound(type, context):
            return field(context.codingPath, "is null: expected \(describe(type))")
        case let .keyNotFound(key, context):
            let name = path(context.codingPath + [key])
            return .badField(name, "\(name) is required")
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return .badJSON(syntaxProblem(data) ?? context.debugDescription) }
            return field(context.codingPath, context.debugDescription)
        @unknown default:
            return .badJSON("\(error)")
        }
    }

    static func field(_ codingPath: [any CodingKey], _ problem: String) -> APIError {
        if codingPath.isEmpty { return .badJSON("the body must be a JSON object, \(problem)") }
        let name = path(codingPath)
        return .badField(name, "\(name): \(problem)")
    }

    /// `messages[0].content` from the decoder's coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? "(body)" : out
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default: return "a value of type \(type)"
        }
    }

    /// What JSONSerialization says is wrong with the text ("Unexpected end of file…", "Number 1e400 is not
    /// representable…"): Foundation's decoder only says "not valid JSON".
    static func syntaxProblem(_ data: Data) -> String? {
        do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]); return nil } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }
}
