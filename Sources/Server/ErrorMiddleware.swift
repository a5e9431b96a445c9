// ErrorMiddleware: whatever a route throws becomes one response in OpenAI's error shape (APIError), so a client
// always gets JSON it can parse and the server goes on to the next request. Hummingbird's own errors (no route,
// a body over the limit) are translated; anything else is a 500 that names the error.
import Hummingbird
import NIOCore

struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let bodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return apiError(for: error, request: request).response()
        }
    }

    func apiError(for error: any Error, request: Request) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let e as HTTPError where e.status == .notFound:
            return .unknownRoute(request.method.rawValue, request.uri.path)
        case let e as HTTPError where e.status == .contentTooLarge:
            return .bodyTooLarge(limit: bodyLimit)
        case let e as HTTPError:
            return APIError(status: e.status, message: e.body ?? e.status.reasonPhrase,
                            type: e.status.code >= 500 ? "server_error" : "invalid_request_error")
        case is NIOTooManyBytesError:
            return .bodyTooLarge(limit: bodyLimit)
        default:
            return .internalError(error)
        }
    }
}
