// AuthMiddleware: with `lmlab serve --api-key KEY`, every request but GET /health must carry
// `Authorization: Bearer KEY` (what the openai client sends from its api_key); otherwise 401.
import Hummingbird

struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String

    /// Paths anyone may read: a load balancer or a test probes /health before it has a key.
    static var publicPaths: Set<String> { ["/health"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header == "Bearer \(apiKey)" else {
            throw APIError.unauthorized
        }
        return try await next(request, context)
    }
}
