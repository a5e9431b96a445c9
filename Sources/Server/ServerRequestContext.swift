// ServerRequestContext: what every route gets beside the request — Hummingbird's basics (logger, endpoint path,
// parameters), and the connection the request came on, so a generation can hear its client go away
// (ConnectionClosure).
import Hummingbird
import NIOCore

public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's connection (HummingbirdTesting's router tests give a stand-in without one).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The watch on this request's connection (nil without a real one).
    var connection: ConnectionClosure? { get async { await ConnectionClosure.of(channel) } }
}
