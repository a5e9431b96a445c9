// LMLabServer: the OpenAI-compatible HTTP application — the served models, the routes, the middleware (metrics,
// errors in OpenAI's shape, the API key) — built once and run by `lmlab serve`, or driven by HummingbirdTesting.
// Generation runs on the scheduler's own worker thread, never on the server's event loops.
import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import Serving

public struct LMLabServer: Sendable {
    public let configuration: ServerConfiguration
    public let models: ServedModels
    public let metrics: ServerMetrics
    /// The continuous-batching driver: one worker thread runs every model.
    let scheduler: BatchScheduler<TransformerRuntime>
    /// The last next-token distributions (/v1/next_token with the same prompt skips the forward pass).
    let nextTokenCache = NextTokenCache()

    public init(configuration: ServerConfiguration, models: ServedModels) {
        self.configuration = configuration
        self.models = models
        let metrics = ServerMetrics()
        self.metrics = metrics
        scheduler = BatchScheduler(limits: .init(maxBatch: configuration.maxBatch, maxQueue: configuration.maxQueue,
                                                 prefillChunk: configuration.prefillChunk)) { step in
            metrics.step(model: step.model, tokens: step.tokens, active: step.active, waiting: step.waiting)
        }
    }

    /// Loads every `--model` file (each once) and builds the server.
    public init(configuration: ServerConfiguration, chatFormat: String? = nil, options: RuntimeOptions = RuntimeOptions()) throws {
        let loaded = try configuration.models.map { try ServedModel(path: $0, chatFormat: chatFormat, options: options) }
        self.init(configuration: configuration, models: try ServedModels(loaded))
    }

    /// The routes and middleware.
    public func router() -> Router<ServerRequestContext> {
        let router = Router(context: ServerRequestContext.self)
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(bodyLimit: configuration.maxBodyBytes))
        if let key = configuration.apiKey { router.add(middleware: AuthMiddleware(apiKey: key)) }
        addHealthRoutes(to: router)
        addModelRoutes(to: router)
        addTokenizerRoutes(to: router)
        addCompletionRoutes(to: router)
        addChatRoutes(to: router)
        addNextTokenRoute(to: router)
        // The playground and the endpoints only its views need (beam trace, comparison, training curves, presets).
        addPlaygroundRoutes(to: router)
        addPresetsRoute(to: router)
        addBeamSearchRoute(to: router)
        addCompareRoute(to: router)
        addTrainingRoute(to: router)
        return router
    }

    /// The application, bound to `configuration.host`/`port`. `onRunning` gets the bound port (useful with port 0).
    public func application(logLevel: Logger.Level = .warning, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        var logger = Logger(label: "lmlab.serve")
        logger.logLevel = logLevel
        return Application(
            router: router(),
            // Each connection's pipeline gets a ConnectionClosure: a client gone before its answer stops its generation.
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionClosure.Handler()])),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "lmlab"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}

/// Counts each request by endpoint and status, with its duration (lmlab_requests_total, …).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let endpoint = context.endpointPath ?? "unknown"
        metrics.request(endpoint: endpoint == "NotFound" ? "unknown" : endpoint, status: Int(response.status.code),
                        seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        return response
    }
}
