// Attributes: small named values attached to a group, a dataset or the file's root — HDF5's place for metadata
// (a checkpoint's format tag, its config, its step). Strings are variable-length UTF-8, which h5py reads as `str`;
// numbers are stored as their native type; a Bool is stored as an int64 0 or 1 (HDF5 has no boolean type).
// Setting an attribute that exists replaces it.
import CHDF5
import HDF5Shim

extension HDF5Object {
    // MARK: writing

    public func setAttribute(_ name: String, _ value: String) throws {
        let type = try utf8StringType(object: attributePath(name))
        defer { H5Tclose(type) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, type: type, space: space)
        defer { H5Aclose(attribute) }
        let status = value.withCString { chars -> herr_t in
            var pointer: UnsafePointer<CChar>? = chars
            return H5Awrite(attribute, type, &pointer)
        }
        guard status >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: attributePath(name), "cannot write the string") }
    }

    public func setAttribute<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        try writeAttribute(name, [value], shape: [])
    }

    /// A one-axis array attribute (e.g. the four words of an RNG state).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
        try writeAttribute(name, values, shape: [values.count])
    }

    /// Stored as int64 0 or 1.
    public func setAttribute(_ name: String, _ value: Bool) throws {
        try setAttribute(name, Int64(value ? 1 : 0))
    }

    private func writeAttribute<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws {
        let space = try dataspace(shape, object: attributePath(name))
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, type: T.hdf5Type, space: space)
        defer { H5Aclose(attribute) }
        let status = values.withUnsafeBufferPointer { H5Awrite(attribute, T.hdf5Type, $0.baseAddress) }
        guard status >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: attributePath(name), "cannot write the value") }
    }

    /// Deletes attribute `name`.
    public func removeAttribute(_ name: String) throws {
        guard try hasAttribute(name) else { throw error(.notFound, attributePath(name), "no such attribute") }
        guard H5Adelete(id, name) >= 0 else {
            throw HDF5Error.failed(.cannotWrite, file: file.path, object: attributePath(name), "cannot delete the attribute")
        }
    }

    /// Creates (or replaces) attribute `name`; the caller closes the returned id.
    private func createAttribute(_ name: String, type: hid_t, space: hid_t) throws -> hid_t {
        if try hasAttribute(name) { H5Adelete(id, name) }
        let attribute = H5Acreate2(id, name, type, space, lm_H5P_DEFAULT(), lm_H5P_DEFAULT())
        guard attribute >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: attributePath(name), "cannot create the attribute") }
        return attribute
    }

    // MARK: reading

    public func hasAttribute(_ name: String) throws -> Bool {
        let found = H5Aexists(id, name)
        guard found >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot look up the attribute") }
        return found > 0
    }

    /// The names of this object's attributes, in name order.
    public func attributeNames() throws -> [String] {
        var names: [String] = []
        var index: hsize_t = 0
        while true {
            let size = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, lm_H5P_DEFAULT())
            if size < 0 { break }  // past the last attribute
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, lm_H5P_DEFAULT())
            names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            index += 1
        }
        return names
    }

    /// A string attribute, variable- or fixed-length.
    public func stringAttribute(_ name: String) throws -> String {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot read the type") }
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else {
            throw error(.wrongType, attributePath(name), "holds \(describe(H5Tget_class(type))) values, expected a string")
        }
        try requireScalar(attribute, name)
        return try readStringValue(type: type, object: attributePath(name), file: file) { memType, buffer in
            H5Aread(attribute, memType, buffer)
        }
    }

    /// A scalar numeric attribute, converted to `T` (e.g. an int32 read as Int64).
    public func attribute<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> T {
        let values = try attributeArray(name, as: T.self, scalar: true)
        return values[0]
    }

    /// A one-axis numeric array attribute.
    public func attributeArray<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> [T] {
        try attributeArray(name, as: T.self, scalar: false)
    }

    /// An int attribute read as a Bool (non-zero is true).
    public func boolAttribute(_ name: String) throws -> Bool {
        try attribute(name, as: Int64.self) != 0
    }

    private func attributeArray<T: HDF5Scalar>(_ name: String, as: T.Type, scalar: Bool) throws -> [T] {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot read the type") }
        let storedClass = H5Tget_class(type)
        H5Tclose(type)
        // Integers and floats convert into each other; strings and anything else do not.
        guard storedClass == H5T_INTEGER || storedClass == H5T_FLOAT else {
            throw error(.wrongType, attributePath(name), "holds \(describe(storedClass)) values, expected a number")
        }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot read the dataspace") }
        let count = H5Sget_simple_extent_npoints(space)
        let rank = H5Sget_simple_extent_ndims(space)
        H5Sclose(space)
        if scalar, count != 1 {
            throw error(.wrongType, attributePath(name), "holds \(count) values, expected one")
        }
        if !scalar, rank > 1 {
            throw error(.wrongType, attributePath(name), "has \(rank) axes, expected one")
        }
        var values = [T](repeating: T(), count: Int(count))
        guard values.withUnsafeMutableBufferPointer({ H5Aread(attribute, T.hdf5Type, $0.baseAddress) }) >= 0 else {
            throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot read the value")
        }
        return values
    }

    /// Opens attribute `name` or throws `notFound`; the caller closes the returned id.
    private func openAttribute(_ name: String) throws -> hid_t {
        guard try hasAttribute(name) else { throw error(.notFound, attributePath(name), "no such attribute") }
        let attribute = H5Aopen(id, name, lm_H5P_DEFAULT())
        guard attribute >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: attributePath(name), "cannot open the attribute") }
        return attribute
    }

    private func requireScalar(_ attribute: hid_t, _ name: String) throws {
        let space = H5Aget_space(attribute)
        defer { if space >= 0 { H5Sclose(space) } }
        guard space >= 0, H5Sget_simple_extent_npoints(space) == 1 else {
            throw error(.wrongType, attributePath(name), "is an array of strings, expected one string")
        }
    }

    /// `object@name`, how errors name an attribute.
    func attributePath(_ name: String) -> String { "\(objectPath)@\(name)" }
}
