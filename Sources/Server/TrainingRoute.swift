// GET /v1/training: the training curves of the checkpoints the server was given — every served lmlab .h5 model and
// every `lmlab serve --watch FILE` (a run that may still be going, or not started) — read from the
// <checkpoint>.metrics.jsonl that `lmlab train` writes (Serving/TrainingLog.swift), again on every request, so the
// playground's Training view can poll it while a class watches a run:
//   → {"object": "list", "data": [{"name", "checkpoint", "found", "steps", "points": [{"step", "tokens_seen",
//      "train_loss", "val_loss", "lr", "time"}]}]}
// `?points=N` thins each curve to about N training points (default 2000; every evaluation is kept).
import Foundation
import Hummingbird
import Models
import NIOPosix
import Serving

struct TrainingList: Encodable {
    var object = "list"
    var data: [TrainingLog]
}

extension LMLabServer {
    /// The checkpoints whose curves /v1/training shows: the served .h5 models, then the watched files.
    var trainingCheckpoints: [String] {
        let served = models.all.filter { $0.handle.format == .hdf5 }.map(\.path)
        return served + configuration.watch.filter { !served.contains($0) }
    }

    func addTrainingRoute(to router: Router<ServerRequestContext>) {
        router.get("/v1/training") { request, _ in
            var maxPoints = 2000
            if let text = request.uri.queryParameters["points"] {
                guard let n = Int(String(text)), n >= 2 else {
                    throw APIError.badField("points", "points \(text) is invalid: expected an integer ≥ 2")
                }
                maxPoints = n
            }
            let checkpoints = trainingCheckpoints, points = maxPoints
            // File reads off the event loop.
            let logs = try await NIOThreadPool.singleton.runIfActive {
                try checkpoints.map { try TrainingLog(checkpoint: $0, maxPoints: points) }
            }
            return try JSONResponse.make(TrainingList(data: logs))
        }
    }
}
