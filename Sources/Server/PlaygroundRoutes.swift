// The playground: a web page for looking inside decoding (Sources/Server/Playground — plain HTML, CSS and JavaScript
// modules shipped as a resource of this target: no CDN, no build step). `GET /` is the page; its scripts and styles
// are under /playground/ (Hummingbird's FileMiddleware serves them). The page holds no data and talks only to the
// API (the same endpoints scripts use), so it is public even with --api-key: it asks for the key and sends it.
import Foundation
import Hummingbird
import Logging

extension LMLabServer {
    /// The folder of the page's files inside the resource bundle.
    static var playgroundFolder: String {
        Bundle.module.url(forResource: "Playground", withExtension: nil)?.path
            ?? Bundle.module.bundleURL.appendingPathComponent("Playground").path
    }

    /// `path` is one of the page's (no key needed).
    static func isPlaygroundPath(_ path: String) -> Bool { path == "/" || path.hasPrefix("/playground/") }

    func addPlaygroundRoutes(to router: Router<ServerRequestContext>) {
        // Files are checked for changes on each request (no-cache), so an edited page shows on reload.
        var quiet = Logger(label: "lmlab.playground")
        quiet.logLevel = .warning   // not the folder it serves on stdout: the first line there is the bound address
        router.add(middleware: FileMiddleware(Self.playgroundFolder, urlBasePath: "/playground",
                                              cacheControl: .init([(MediaType(type: .any), [.noCache])]),
                                              searchForIndexHtml: true, logger: quiet))
        router.get("/") { _, _ in
            let index = URL(fileURLWithPath: Self.playgroundFolder).appendingPathComponent("index.html")
            guard let page = FileManager.default.contents(atPath: index.path) else {
                throw APIError(status: .internalServerError, message: "the playground's page is missing: \(index.path) (rebuild lmlab)",
                               type: "server_error")
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
    }
}
