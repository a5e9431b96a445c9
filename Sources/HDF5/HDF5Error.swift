// Typed errors of the HDF5 module. Each names the file, the object inside it (`/model/blocks/0/attention/wq`, or
// `/config@width` for an attribute) and the problem, with HDF5's own most specific message when it gave one.
import CHDF5
import HDF5Shim

public struct HDF5Error: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file is missing, unreadable or damaged (HDF5 could not open it).
        case cannotOpen
        /// The file does not start with HDF5's signature: it is something else entirely.
        case notHDF5
        /// The file or an object in it could not be created or written.
        case cannotWrite
        /// No object or attribute at that path.
        case notFound
        /// The object is there but of another kind (a group where a dataset was expected, a string not a number…).
        case wrongType
        /// Reading the object's data failed (damaged file).
        case cannotRead
    }

    public var kind: Kind
    /// The HDF5 file's path as given.
    public var file: String
    /// The object's path inside the file; attributes are written `object@name`.
    public var object: String
    /// What went wrong, in words.
    public var problem: String

    public init(_ kind: Kind, file: String, object: String, problem: String) {
        self.kind = kind; self.file = file; self.object = object; self.problem = problem
    }

    public var description: String { "\(file): \(object): \(problem)" }

    /// An error for a failed HDF5 call, with HDF5's own most specific message appended when there is one.
    static func failed(_ kind: Kind, file: String, object: String, _ what: String) -> HDF5Error {
        let detail = lastLibraryError()
        return HDF5Error(kind, file: file, object: object, problem: detail.isEmpty ? what : "\(what) (HDF5: \(detail))")
    }
}

/// The innermost message on HDF5's error stack (it is cleared by the next HDF5 call, so ask right away).
func lastLibraryError() -> String {
    var buffer = [CChar](repeating: 0, count: 512)
    buffer.withUnsafeMutableBufferPointer { lm_H5_last_error($0.baseAddress!, $0.count) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
