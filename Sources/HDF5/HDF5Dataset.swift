// Datasets: n-dimensional arrays of numbers (or one string) stored in a file, row-major like lmlab's tensors.
// Creating one picks its layout (HDF5Layout.swift); reading checks the element class and the buffer size first.
import CHDF5
import HDF5Shim

public final class HDF5Dataset: HDF5Object {
    public let file: HDF5File
    public let objectPath: String
    let handle: HDF5Handle
    public var id: hid_t { handle.id }
    /// Extent of each axis, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// Stored element class: H5T_FLOAT, H5T_INTEGER, H5T_STRING…
    public let elementClass: H5T_class_t

    public var count: Int { shape.reduce(1, *) }

    init(file: HDF5File, path: String, id: hid_t) throws {
        self.file = file
        self.objectPath = path
        self.handle = HDF5Handle(id, close: H5Dclose)
        let space = H5Dget_space(id)
        guard space >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: path, "cannot read the dataspace") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: path, "cannot read the rank") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        shape = dims.map { Int($0) }
        let type = H5Dget_type(id)
        guard type >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: path, "cannot read the element type") }
        defer { H5Tclose(type) }
        elementClass = H5Tget_class(type)
    }

    /// Reads every value into `buffer` (which must hold exactly `count` values), converting to `T` if the stored
    /// type is a different width of the same class.
    public func read<T: HDF5Scalar>(into buffer: UnsafeMutableBufferPointer<T>) throws {
        guard elementClass == T.hdf5Class else {
            throw error(.wrongType, objectPath, "holds \(describe(elementClass)) values, expected \(describe(T.hdf5Class))")
        }
        guard buffer.count == count else {
            throw error(.wrongType, objectPath, "has \(count) values (shape \(shape)), the buffer holds \(buffer.count)")
        }
        guard count > 0 else { return }
        guard H5Dread(id, T.hdf5Type, lm_H5S_ALL(), lm_H5S_ALL(), lm_H5P_DEFAULT(), buffer.baseAddress) >= 0 else {
            throw HDF5Error.failed(.cannotRead, file: file.path, object: objectPath, "cannot read the values")
        }
    }

    /// Every value, row-major.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self) throws -> [T] {
        var values = [T](repeating: T(), count: count)
        try values.withUnsafeMutableBufferPointer { try read(into: $0) }
        return values
    }

    /// The value of a scalar string dataset (variable- or fixed-length).
    public func readString() throws -> String {
        guard elementClass == H5T_STRING else {
            throw error(.wrongType, objectPath, "holds \(describe(elementClass)) values, expected a string")
        }
        let type = H5Dget_type(id)
        guard type >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: objectPath, "cannot read the string type") }
        defer { H5Tclose(type) }
        return try readStringValue(type: type, object: objectPath, file: file) { memType, buffer in
            H5Dread(id, memType, lm_H5S_ALL(), lm_H5S_ALL(), lm_H5P_DEFAULT(), buffer)
        }
    }
}

func describe(_ c: H5T_class_t) -> String {
    switch c {
    case H5T_FLOAT: return "floating-point"
    case H5T_INTEGER: return "integer"
    case H5T_STRING: return "string"
    default: return "non-numeric (HDF5 class \(c.rawValue))"
    }
}

extension HDF5Container {
    /// Creates a numeric dataset of `shape` from `values` (row-major), creating missing groups on the way.
    /// `compression` is a gzip level (1–9); it is applied only to datasets of at least `compressionThreshold`
    /// bytes, with the shuffle filter (bytes of equal significance together) that helps floats compress.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(
        _ path: String, shape: [Int], values: UnsafeBufferPointer<T>, compression: Int? = nil
    ) throws -> HDF5Dataset {
        let object = childPath(path)
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), values.count == count else {
            throw error(.cannotWrite, object, "\(values.count) values do not fill shape \(shape)")
        }
        if let level = compression, !(1...9).contains(level) {
            throw error(.cannotWrite, object, "gzip level \(level) is outside 1…9")
        }
        let space = try dataspace(shape, object: object)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(lm_H5P_DATASET_CREATE())
        guard dcpl >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot make a dataset property list") }
        defer { H5Pclose(dcpl) }
        let bytes = count * MemoryLayout<T>.size
        if let level = compression, bytes >= HDF5Layout.compressionThreshold, count > 0, !shape.isEmpty,
           H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 {
            var chunk = HDF5Layout.chunkShape(shape, elementSize: MemoryLayout<T>.size).map { hsize_t($0) }
            guard H5Pset_chunk(dcpl, Int32(chunk.count), &chunk) >= 0, H5Pset_shuffle(dcpl) >= 0,
                  H5Pset_deflate(dcpl, UInt32(level)) >= 0 else {
                throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot set chunking and gzip")
            }
        }
        let lcpl = try linkCreationList()
        defer { H5Pclose(lcpl) }
        let id = H5Dcreate2(self.id, path, T.hdf5Type, space, lcpl, dcpl, lm_H5P_DEFAULT())
        guard id >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot create the dataset") }
        let dataset = try HDF5Dataset(file: file, path: object, id: id)
        if count > 0 {
            guard H5Dwrite(id, T.hdf5Type, lm_H5S_ALL(), lm_H5S_ALL(), lm_H5P_DEFAULT(), values.baseAddress) >= 0 else {
                throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot write the values")
            }
        }
        return dataset
    }

    /// Array convenience for `createDataset(_:shape:values:compression:)`; `shape` defaults to one axis.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ path: String, _ values: [T], shape: [Int]? = nil,
                                             compression: Int? = nil) throws -> HDF5Dataset {
        try values.withUnsafeBufferPointer {
            try createDataset(path, shape: shape ?? [values.count], values: $0, compression: compression)
        }
    }

    /// A scalar, variable-length UTF-8 string dataset (for text too long for an attribute, e.g. a tokenizer's JSON).
    @discardableResult
    public func createStringDataset(_ path: String, _ value: String) throws -> HDF5Dataset {
        let object = childPath(path)
        let type = try utf8StringType(object: object)
        defer { H5Tclose(type) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let lcpl = try linkCreationList()
        defer { H5Pclose(lcpl) }
        let id = H5Dcreate2(self.id, path, type, space, lcpl, lm_H5P_DEFAULT(), lm_H5P_DEFAULT())
        guard id >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot create the dataset") }
        let dataset = try HDF5Dataset(file: file, path: object, id: id)
        let status = value.withCString { chars -> herr_t in
            var pointer: UnsafePointer<CChar>? = chars
            return H5Dwrite(id, type, lm_H5S_ALL(), lm_H5S_ALL(), lm_H5P_DEFAULT(), &pointer)
        }
        guard status >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot write the string") }
        return dataset
    }

    /// Opens the dataset at `path`.
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try expect(path, is: .dataset)
        let id = H5Dopen2(self.id, path, lm_H5P_DEFAULT())
        guard id >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: childPath(path), "cannot open the dataset") }
        return try HDF5Dataset(file: file, path: childPath(path), id: id)
    }
}

extension HDF5Object {
    /// A simple dataspace of `shape` (a scalar one for `[]`). The caller closes it.
    func dataspace(_ shape: [Int], object: String) throws -> hid_t {
        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            var dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), &dims, nil)
        }
        guard space >= 0 else { throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot make a dataspace of shape \(shape)") }
        return space
    }

    /// A variable-length, NUL-terminated UTF-8 string type (what h5py writes for `str`, and reads back as `str`).
    /// The caller closes it.
    func utf8StringType(object: String) throws -> hid_t {
        let type = H5Tcopy(lm_H5T_C_S1())
        guard type >= 0, H5Tset_size(type, lm_H5T_VARIABLE()) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else {
            if type >= 0 { H5Tclose(type) }
            throw HDF5Error.failed(.cannotWrite, file: file.path, object: object, "cannot make a string type")
        }
        return type
    }
}

/// Reads one string whose stored type is `storedType` through `read(memType, buffer)`: variable-length strings
/// arrive as a pointer HDF5 allocated (freed here with H5free_memory), fixed-length ones as `size` bytes.
func readStringValue(type storedType: hid_t, object: String, file: HDF5File,
                     read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> String {
    let isVariable = H5Tis_variable_str(storedType)
    guard isVariable >= 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: object, "cannot inspect the string type") }
    let memType = H5Tcopy(lm_H5T_C_S1())
    defer { H5Tclose(memType) }
    H5Tset_cset(memType, H5Tget_cset(storedType))
    if isVariable > 0 {
        H5Tset_size(memType, lm_H5T_VARIABLE())
        var pointer: UnsafeMutablePointer<CChar>? = nil
        guard read(memType, &pointer) >= 0 else {
            throw HDF5Error.failed(.cannotRead, file: file.path, object: object, "cannot read the string")
        }
        defer { if let pointer { H5free_memory(pointer) } }
        return pointer.map { String(cString: $0) } ?? ""
    }
    let size = H5Tget_size(storedType)
    guard size > 0 else { throw HDF5Error.failed(.cannotRead, file: file.path, object: object, "string of size 0") }
    H5Tset_size(memType, size)
    H5Tset_strpad(memType, H5Tget_strpad(storedType))
    var bytes = [UInt8](repeating: 0, count: size)
    guard bytes.withUnsafeMutableBytes({ read(memType, $0.baseAddress!) }) >= 0 else {
        throw HDF5Error.failed(.cannotRead, file: file.path, object: object, "cannot read the string")
    }
    // Fixed-length strings are padded with NULs or spaces (H5T_STR_NULLPAD / SPACEPAD); drop the padding.
    var end = bytes.firstIndex(of: 0) ?? bytes.count
    if H5Tget_strpad(storedType) == H5T_STR_SPACEPAD { while end > 0, bytes[end - 1] == 0x20 { end -= 1 } }
    return String(decoding: bytes[..<end], as: UTF8.self)
}
