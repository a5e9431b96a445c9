// JSONResponse: how every successful JSON answer is written (compact UTF-8, `application/json`).
import Foundation
import Hummingbird

enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok,
                                   encoder: JSONEncoder = .api, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
