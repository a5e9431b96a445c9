// Many clients at once, over real HTTP on loopback (the server is HummingbirdTesting's live one; the clients are
// AsyncHTTPClient with one connection each): 16 greedy clients decoded together get exactly the tokens each gets
// alone (and they really were batched together); a client that disconnects mid-stream leaves the batch at once
// and frees its slot, and so does one that goes away while waiting for a non-streamed answer; a full queue answers
// 429 with Retry-After; memory does not grow over 200 requests.
import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import XCTest
@testable import Server

final class ServerConcurrencyTests: XCTestCase {
    /// An HTTP client that opens as many connections as asked (AsyncHTTPClient's default is 8 per host).
    static func client(connections: Int = 64) -> HTTPClient {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(30))
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: pool))
    }

    /// Runs `body` with a fresh client, shut down afterwards.
    static func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let http = client()
        do {
            let value = try await body(http)
            try await http.shutdown()
            return value
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// POSTs JSON; returns the status, headers and parsed body.
    static func post(_ http: HTTPClient, _ url: String, _ body: [String: Any]) async throws -> (HTTPClientResponse, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await http.execute(request, timeout: .seconds(300))
        let data = try await response.body.collect(upTo: 1 << 24)
        return (response, (try? JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:])
    }

    static func tokenIDs(_ json: [String: Any]) -> [Int] {
        ((json["choices"] as? [[String: Any]])?.first?["token_ids"] as? [Int]) ?? []
    }

    static let prompts = (0..<16).map { i in
        ["Once upon a time", "The capital of France is", "def fibonacci(n):", "In 1492, Columbus",
         "My favourite recipe is", "Photosynthesis is", "The best thing about Paris is", "Write a poem about the sea."][i % 8]
            + (i < 8 ? "" : " Also,")
    }

    func testSixteenGreedyClientsGetExactlyTheirTokensAlone() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 16 }
        try await server.application().test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/v1/completions"
            try await Self.withClient { http in
            func body(_ prompt: String) -> [String: Any] {
                ["model": ServerFixture.smolName, "prompt": prompt, "max_tokens": 16, "temperature": 0, "ignore_eos": true]
            }
            var alone: [[Int]] = []
            for p in Self.prompts {
                let (r, json) = try await Self.post(http, url, body(p))
                XCTAssertEqual(r.status, .ok)
                alone.append(Self.tokenIDs(json))
            }
            server.scheduler.resetPeak()
            let together = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
                for (i, p) in Self.prompts.enumerated() {
                    group.addTask { (i, Self.tokenIDs(try await Self.post(http, url, body(p)).1)) }
                }
                return try await group.reduce(into: [Int: [Int]]()) { $0[$1.0] = $1.1 }
            }
            for i in Self.prompts.indices {
                XCTAssertEqual(together[i], alone[i], "client \(i) (\(Self.prompts[i])): batched tokens differ from alone")
                XCTAssertEqual(alone[i].count, 16)
            }
            // The equality above means something only if they were decoded together.
            XCTAssertGreaterThanOrEqual(server.scheduler.peakActive, 8, "the 16 requests were not batched together")
            }
        }
    }

    func testADisconnectedStreamFreesItsSlot() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 1; $0.maxQueue = 0 }
        try await server.application().test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await Self.withClient { http in
            // A long stream: read its first event; while it runs, the one slot is taken and nothing may wait, so a
            // second request gets 429. Then go away (the connection closes when the task ends).
            let busy = try await Task {
                var request = HTTPClientRequest(url: base + "/v1/completions")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"prompt": "Once upon a time", "max_tokens": 5000, "ignore_eos": true, "stream": true, "model": "\#(ServerFixture.smolName)"}"#))
                let response = try await http.execute(request, timeout: .seconds(300))
                var events = response.body.makeAsyncIterator()
                _ = try await events.next()
                let (r, json) = try await Self.post(http, base + "/v1/completions", ["prompt": "Hi", "max_tokens": 2, "model": ServerFixture.smolName])
                return (r.status, r.headers.first(name: "Retry-After"), (json["error"] as? [String: Any])?["code"] as? String)
            }.value
            XCTAssertEqual(busy.0, .tooManyRequests)
            XCTAssertNotNil(busy.1, "429 without Retry-After")
            // Derived from the queue (nothing waits here, nothing has finished yet: 1 request × 1 s / 1 slot).
            XCTAssertEqual(busy.1, "\(server.scheduler.retryAfterSeconds)")
            XCTAssertEqual(busy.1, "1")
            XCTAssertEqual(busy.2, "queue_full")
            // The reader's connection closes with its task's end; the server notices at its next write and the
            // sequence leaves the batch within a step.
            let start = Date()
            var status = busy.0
            while status != .ok, Date().timeIntervalSince(start) < 20 {
                try await Task.sleep(nanoseconds: 100_000_000)
                status = try await Self.post(http, base + "/v1/completions",
                                             ["prompt": "Hi", "max_tokens": 2, "model": ServerFixture.smolName]).0.status
            }
            // 5000 tokens take minutes: a 200 within 20 s means the stream's sequence left the batch.
            XCTAssertEqual(status, .ok, "the slot of the disconnected stream was not freed")
            XCTAssertEqual(server.scheduler.cancelledCount, 1)
            }
        }
    }

    /// A client that goes away while its non-streamed answer is being generated (it closes its socket — a timeout, a
    /// killed process — or resets it) has its sequence cancelled within a step, though nothing is written to it
    /// until the end; its slot is free for the next request, and /metrics counts it as 499.
    func testAClientGoneBeforeItsNonStreamedAnswerIsCancelled() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 1; $0.maxQueue = 0 }
        let m = #""model": "\#(ServerFixture.smolName)", "max_tokens": 5000, "ignore_eos": true"#
        // 5000 tokens take minutes here; the chat one cannot end its turn (<|endoftext|> and <|im_end|> banned).
        let cases: [(path: String, json: String, reset: Bool)] = [
            ("/v1/completions", #"{\#(m), "prompt": "Once upon a time"}"#, false),
            ("/v1/chat/completions", #"{\#(m), "messages": [{"role": "user", "content": "Tell me a story."}], "logit_bias": {"0": -100, "2": -100}}"#, true),
        ]
        try await server.application().test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await Self.withClient { http in
            for (i, c) in cases.enumerated() {
                server.scheduler.resetPeak()
                let raw = try RawTCPClient(port: client.port!)
                try raw.post(c.path, json: c.json)
                // Its sequence is being decoded (a step ran with it in the batch); then the client goes.
                let running = try await Self.waitUntil(seconds: 20) { server.scheduler.peakActive == 1 }
                XCTAssertTrue(running, "\(c.path): the request never started decoding")
                raw.close(reset: c.reset)
                let cancelled = try await Self.waitUntil(seconds: 20) { server.scheduler.cancelledCount == i + 1 }
                XCTAssertTrue(cancelled, "\(c.path): the sequence of a client that went away (\(c.reset ? "RST" : "FIN")) was not cancelled")
            }
            // The one slot is free again, and a request that stays gets its answer.
            let (r, json) = try await Self.post(http, base + "/v1/completions", ["prompt": "Hi", "max_tokens": 2, "model": ServerFixture.smolName])
            XCTAssertEqual(r.status, .ok)
            XCTAssertEqual(Self.tokenIDs(json).count, 2)
            // Each gone request is counted once, as nginx's 499 "client closed request".
            var metrics = ""
            _ = try await Self.waitUntil(seconds: 10) {
                metrics = try await Self.get(http, base + "/metrics")
                return metrics.contains(#"endpoint="/v1/chat/completions",status="499"} 1"#)
            }
            XCTAssertTrue(metrics.contains(#"lmlab_requests_total{endpoint="/v1/completions",status="499"} 1"#), metrics)
            XCTAssertTrue(metrics.contains(#"lmlab_requests_total{endpoint="/v1/chat/completions",status="499"} 1"#), metrics)
            }
        }
    }

    /// A non-streamed beam search runs whole on the worker, between batch steps; a client that goes away stops it
    /// before its next step — counted as 499 within seconds (4 beams for up to 5000 tokens would hold the worker for
    /// minutes) — and the next request is answered.
    func testAClientGoneBeforeItsBeamSearchAnswerStopsIt() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 1 }
        try await server.application().test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await Self.withClient { http in
                let raw = try RawTCPClient(port: client.port!)
                try raw.post("/v1/completions", json: #"{"model": "\#(ServerFixture.smolName)", "prompt": "Once upon a time", "max_tokens": 5000, "num_beams": 4, "length_penalty": 2.0}"#)
                try await Task.sleep(for: .seconds(1))   // the search is under way on the worker
                raw.close(reset: false)
                var metrics = ""
                let counted = try await Self.waitUntil(seconds: 20) {
                    metrics = try await Self.get(http, base + "/metrics")
                    return metrics.contains(#"lmlab_requests_total{endpoint="/v1/completions",status="499"} 1"#)
                }
                XCTAssertTrue(counted, "the beam search of a client that went away was not stopped: \(metrics)")
                guard counted else { return }   // the next request would wait minutes for the search
                let (r, json) = try await Self.post(http, base + "/v1/completions", ["prompt": "Hi", "max_tokens": 2, "model": ServerFixture.smolName])
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(Self.tokenIDs(json).count, 2)
            }
        }
    }

    /// A streamed request whose client leaves while it waits in the queue is cancelled at once, not at its next
    /// keep-alive write (60 s here, longer than the test waits): its place in the queue is free again.
    func testAStreamedClientGoneWhileQueuedIsCancelledAtOnce() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 1; $0.maxQueue = 1; $0.keepAliveSeconds = 60 }
        let m = #""model": "\#(ServerFixture.smolName)", "max_tokens": 5000, "ignore_eos": true"#
        try await server.application().test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await Self.withClient { http in
                server.scheduler.resetPeak()
                let running = try RawTCPClient(port: client.port!)
                try running.post("/v1/completions", json: #"{\#(m), "prompt": "Once upon a time"}"#)
                let started = try await Self.waitUntil(seconds: 20) { server.scheduler.peakActive == 1 }
                XCTAssertTrue(started, "the first request never started decoding")
                let waiting = try RawTCPClient(port: client.port!)
                try waiting.post("/v1/completions", json: #"{\#(m), "prompt": "Far away", "stream": true}"#)
                let queued = try await Self.waitUntil(seconds: 20) { server.scheduler.waiting == 1 }
                XCTAssertTrue(queued, "the streamed request did not wait in the queue")
                waiting.close(reset: false)
                let left = try await Self.waitUntil(seconds: 20) {
                    server.scheduler.waiting == 0 && server.scheduler.cancelledCount == 1
                }
                XCTAssertTrue(left, "a streamed request whose client left stayed in the queue (waiting \(server.scheduler.waiting))")
                XCTAssertEqual(server.scheduler.peakActive, 1, "the gone request must not have been admitted")
                running.close(reset: true)
                let freed = try await Self.waitUntil(seconds: 20) { server.scheduler.cancelledCount == 2 }
                XCTAssertTrue(freed)
                let (r, json) = try await Self.post(http, base + "/v1/completions", ["prompt": "Hi", "max_tokens": 2, "model": ServerFixture.smolName])
                XCTAssertEqual(r.status, .ok)
                XCTAssertEqual(Self.tokenIDs(json).count, 2)
            }
        }
    }

    /// Polls `condition` every 50 ms until it holds (true) or `seconds` pass (false).
    static func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return try await condition()
    }

    static func get(_ http: HTTPClient, _ url: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        return String(buffer: try await response.body.collect(upTo: 1 << 24))
    }

    func testMemoryDoesNotGrowOver200Requests() async throws {
        let server = try ServerFixture.server { $0.maxBatch = 8 }
        let model = ServerFixture.tiny != nil ? ServerFixture.tiny!.name : ServerFixture.smolName
        try await server.application().test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/v1/completions"
            try await Self.withClient { http in
            func batch(_ count: Int) async throws {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        group.addTask {
                            let (r, _) = try await Self.post(http, url, ["model": model, "prompt": Self.prompts[i % 16], "max_tokens": 8,
                                                                          "temperature": 0.8, "seed": i, "logprobs": 2])
                            XCTAssertEqual(r.status, .ok)
                        }
                        if i % 8 == 7 { try await group.waitForAll() }
                    }
                }
            }
            try await batch(40)   // warm up: caches, pools, the allocator's arenas
            let before = residentMiB()
            try await batch(200)
            let after = residentMiB()
            XCTAssertLessThan(after - before, 24, "resident memory grew from \(before) MiB to \(after) MiB over 200 requests")
            }
        }
    }
}

/// This process's resident memory now (/proc/self/statm, pages).
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
