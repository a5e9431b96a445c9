// APIError: every error the server answers with, in OpenAI's shape —
//   {"error": {"message": "…", "type": "invalid_request_error", "param": "max_tokens", "code": null}}
// — with the HTTP status the official clients map to their exception classes (400 BadRequestError,
// 401 AuthenticationError, 404 NotFoundError, 413, 429 RateLimitError, 503/500 InternalServerError; 499 when the
// client had already gone).
import Foundation
import Hummingbird
import Serving

public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// One sentence: what was wrong and what to do.
    public var message: String
    /// OpenAI's error type: invalid_request_error, authentication_error, rate_limit_error, server_error.
    public var type: String
    /// The request field at fault ("messages[0].content"), when there is one.
    public var param: String?
    /// A machine-readable code ("context_length_exceeded", "model_not_found"), when there is one.
    public var code: String?
    /// Seconds a client should wait before trying again (429/503 only): sent as the Retry-After header.
    public var retryAfter: Int?

    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.status = status; self.message = message; self.type = type
        self.param = param; self.code = code; self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(param.map { "\($0): " } ?? "")\(message)" }

    /// 400: a field with a wrong type or value; the message names the field.
    public static func badField(_ param: String, _ message: String) -> APIError {
        APIError(status: .badRequest, message: message, param: param, code: "invalid_value")
    }

    /// 400: a body that is not a JSON object (or not UTF-8).
    public static func badJSON(_ detail: String) -> APIError {
        APIError(status: .badRequest, message: "the request body is not valid JSON: \(detail)", code: "invalid_json")
    }

    /// 400: the prompt (and room for one new token) does not fit the model's context. Sent before any stream starts.
    public static func contextLengthExceeded(tokens: Int, context: Int, param: String) -> APIError {
        APIError(status: .badRequest,
                 message: "This model's maximum context length is \(context) tokens, but the prompt has \(tokens) tokens "
                     + "(and needs room for at least one new token): shorten the prompt",
                 param: param, code: "context_length_exceeded")
    }

    /// 401: a missing or wrong API key.
    public static let unauthorized = APIError(
        status: .unauthorized,
        message: "Incorrect or missing API key: send the server's --api-key as \"Authorization: Bearer KEY\"",
        type: "authentication_error", code: "invalid_api_key")

    /// 404: a model the server does not serve.
    public static func unknownModel(_ name: String, served: [String]) -> APIError {
        APIError(status: .notFound,
                 message: "The model \"\(name)\" is not served here; served models: \(served.joined(separator: ", ")) (GET /v1/models)",
                 param: "model", code: "model_not_found")
    }

    /// 404: a path (or method) the server has no route for.
    public static func unknownRoute(_ method: String, _ path: String) -> APIError {
        APIError(status: .notFound,
                 message: "No route \(method) \(path); the API is /v1/completions, /v1/chat/completions, /v1/next_token, "
                     + "/v1/models, /tokenize, /detokenize, /apply-template, /health and /metrics (and the playground's "
                     + "/v1/beam_search, /v1/compare, /v1/training, /v1/presets; the page is at /)",
                 code: "unknown_route")
    }

    /// 413: a body over the server's limit.
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge,
                 message: "The request body is larger than the server's limit of \(limit) bytes (lmlab serve --max-body-bytes)",
                 code: "request_too_large")
    }

    /// 429: every generation slot is busy and the waiting queue is full.
    public static func queueFull(waiting: Int, retryAfter: Int) -> APIError {
        APIError(status: .tooManyRequests,
                 message: "The server is busy: \(waiting) requests are already waiting (lmlab serve --max-queue); retry after \(retryAfter) s",
                 type: "rate_limit_error", code: "queue_full", retryAfter: retryAfter)
    }

    /// 499 (nginx's "client closed request"): the client went away before its answer was ready, and its generation
    /// was stopped. Nobody reads it; lmlab_requests_total counts it.
    public static let clientClosedRequest = APIError(
        status: .init(code: 499, reasonPhrase: "Client Closed Request"),
        message: "The client closed the connection before its answer was ready; its generation was stopped",
        code: "client_closed_request")

    /// 503: the server is stopping or its worker is gone.
    public static func unavailable(_ reason: String, retryAfter: Int = 1) -> APIError {
        APIError(status: .serviceUnavailable, message: reason, type: "server_error", code: "unavailable",
                 retryAfter: retryAfter)
    }

    /// 500: a failure inside lmlab (a bug or a model error), reported rather than crashing the server.
    public static func internalError(_ error: any Error) -> APIError {
        APIError(status: .internalServerError, message: "internal error: \(error)", type: "server_error")
    }

    /// The JSON body: `{"error": {message, type, param, code}}` (param and code are explicit nulls, as OpenAI sends them).
    public var body: OpenAIWire.ErrorResponse { .init(message: message, type: type, param: param, code: code) }

    /// The HTTP response carrying this error.
    public func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let data = (try? JSONEncoder.api.encode(body)) ?? Data(#"{"error":{"message":"internal error"}}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// How the server writes JSON: compact, slashes unescaped, keys sorted (stable output for lessons and diffs),
    /// spelled as the types spell them (snake_case already).
    static var api: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return e
    }
}
