// Groups: HDF5's folders. `HDF5Object` is anything that can carry attributes (the file's root, a group, a
// dataset); `HDF5Container` is one that holds links to other objects (the file's root and groups), with paths
// relative to it ("blocks/3/attention").
import CHDF5
import HDF5Shim

public protocol HDF5Object: AnyObject {
    /// The open HDF5 id (owned by this object; do not close it).
    var id: hid_t { get }
    /// The file the object lives in.
    var file: HDF5File { get }
    /// Absolute path inside the file, for messages ("/model/final_norm").
    var objectPath: String { get }
}

public protocol HDF5Container: HDF5Object {}

/// What a link inside a container points at.
public enum HDF5ObjectKind: Sendable, Equatable {
    case group, dataset, other
}

public final class HDF5Group: HDF5Container {
    public let file: HDF5File
    public let objectPath: String
    let handle: HDF5Handle
    public var id: hid_t { handle.id }

    init(file: HDF5File, path: String, id: hid_t) {
        self.file = file
        self.objectPath = path
        self.handle = HDF5Handle(id, close: H5Gclose)
    }
}

extension HDF5Object {
    /// The absolute path of `name` below this object.
    func childPath(_ name: String) -> String {
        objectPath == "/" ? "/" + name : objectPath + "/" + name
    }

    func error(_ kind: HDF5Error.Kind, _ object: String, _ problem: String) -> HDF5Error {
        HDF5Error(kind, file: file.path, object: object, problem: problem)
    }
}

extension HDF5Container {
    /// Creates the group at `path` and any missing groups on the way (like `mkdir -p`); an existing group is
    /// opened instead.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        if try kind(of: path) == .group { return try group(path) }
        let lcpl = try linkCreationList()
        defer { H5Pclose(lcpl) }
        let id = H5Gcreate2(self.id, path, lcpl, lm_H5P_DEFAULT(), lm_H5P_DEFAULT())
        guard id >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: childPath(path), "cannot create the group") }
        return HDF5Group(file: file, path: childPath(path), id: id)
    }

    /// Opens the group at `path`.
    public func group(_ path: String) throws -> HDF5Group {
        try expect(path, is: .group)
        let id = H5Gopen2(self.id, path, lm_H5P_DEFAULT())
        guard id >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: childPath(path), "cannot open the group") }
        return HDF5Group(file: file, path: childPath(path), id: id)
    }

    /// Unlinks the object at `path` (its space in the file is not reclaimed; HDF5 files do not shrink).
    public func remove(_ path: String) throws {
        guard try exists(path) else { throw error(.notFound, childPath(path), "nothing to remove") }
        guard H5Ldelete(id, path, lm_H5P_DEFAULT()) >= 0 else {
            throw HDF5Error.failed(.cannotWrite, file: file.path, object: childPath(path), "cannot remove the link")
        }
    }

    /// Whether anything is linked at `path`.
    public func exists(_ path: String) throws -> Bool { try kind(of: path) != nil }

    /// What is at `path`, or nil when nothing is. Each component is checked in turn, because HDF5 1.10 reports an
    /// error (not "no") when asked about `a/b` while `a` is missing.
    public func kind(of path: String) throws -> HDF5ObjectKind? {
        let parts = path.split(separator: "/")
        guard !parts.isEmpty else { return .group }
        for k in 1...parts.count {
            let prefix = parts[0..<k].joined(separator: "/")
            let found = H5Lexists(id, prefix, lm_H5P_DEFAULT())
            guard found >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: childPath(prefix), "cannot look up the link") }
            if found == 0 { return nil }
        }
        let object = H5Oopen(id, path, lm_H5P_DEFAULT())
        guard object >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: childPath(path), "cannot open the object") }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names of the links directly inside this container, in name order.
    public func children() throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: objectPath, "cannot list the group") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, lm_H5P_DEFAULT())
            guard size >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: objectPath, "cannot read link #\(index)") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, lm_H5P_DEFAULT())
            names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Throws `notFound` / `wrongType` unless `path` is an object of that kind.
    func expect(_ path: String, is expected: HDF5ObjectKind) throws {
        switch try kind(of: path) {
        case nil: throw error(.notFound, childPath(path), "no such \(expected)")
        case let found? where found != expected: throw error(.wrongType, childPath(path), "is a \(found), expected a \(expected)")
        default: return
        }
    }

    /// A link-creation property list that creates missing intermediate groups. The caller closes it.
    func linkCreationList() throws -> hid_t {
        let lcpl = H5Pcreate(lm_H5P_LINK_CREATE())
        guard lcpl >= 0, H5Pset_create_intermediate_group(lcpl, 1) >= 0 else {
            if lcpl >= 0 { H5Pclose(lcpl) }
            throw HDF5Error.failed(.cannotWrite, file: file.path, object: objectPath, "cannot make a link-creation property list")
        }
        return lcpl
    }
}
