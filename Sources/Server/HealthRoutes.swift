// GET /health (is the server up, which models, how busy) and GET /metrics (Prometheus text format).
import Hummingbird

struct Health: Encodable {
    var status = "ok"
    var models: [String]
}

extension LMLabServer {
    func addHealthRoutes(to router: Router<ServerRequestContext>) {
        router.get("/health") { _, _ in
            try JSONResponse.make(Health(models: models.names))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }
}
