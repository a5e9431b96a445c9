// RawTCPClient: a bare POSIX socket on loopback that sends one HTTP request as written and then goes away without
// reading the answer — closing its socket (a FIN, as when a client process times out or exits) or resetting it
// (an RST: SO_LINGER with a zero timeout). The disconnect tests need exactly that, which no HTTP client library does.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class RawTCPClient {
    private var fd: Int32

    /// Connects to 127.0.0.1:`port`.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Self.error("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { Glibc.close(fd); throw Self.error("connect to 127.0.0.1:\(port)") }
    }

    /// Sends a POST of `json` to `path`, all of it.
    func post(_ path: String, json: String) throws {
        let body = Array(json.utf8)
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Self.error("send") }
            sent += n
        }
    }

    /// Goes away: a FIN, or with `reset` an RST.
    func close(reset: Bool = false) {
        guard fd >= 0 else { return }
        if reset {
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }

    static func error(_ what: String) -> NSError {
        NSError(domain: "RawTCPClient", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}
