// HDF5File: one open HDF5 file (The HDF Group, "HDF5 File Format Specification" v3; we use the C library
// libhdf5 ≥ 1.10 through its stable, numbered API: H5Fcreate, H5Gcreate2, H5Dcreate2, H5Acreate2…).
//
// Ownership: every HDF5 id is held by exactly one Swift object (`HDF5Handle`) that closes it in `deinit`; groups
// and datasets keep their file alive, so the file closes when the last object opened from it goes away. HDF5's
// own error printing is switched off; failures come back as `HDF5Error` with HDF5's message inside.
// libhdf5 as Debian ships it is not thread-safe: use one file from one thread at a time. Its 1.10 releases can
// crash on some damaged files (a corrupt string heap) before any check of ours runs; checkpoints guard against that
// with a CRC of the whole file (Models/CheckpointIntegrity.swift).
import CHDF5
import HDF5Shim

/// One open HDF5 id and the function that closes it.
final class HDF5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

public final class HDF5File: HDF5Container {
    public enum Mode: Sendable {
        /// Create the file, replacing any file at that path.
        case truncate
        /// Open an existing file for reading only.
        case readOnly
        /// Open an existing file to change it (tools and tests; checkpoints are always written whole).
        case readWrite
    }

    /// The path as given (used in every error message).
    public let path: String
    let handle: HDF5Handle

    public var id: hid_t { handle.id }
    public var file: HDF5File { self }
    /// The root group's path.
    public var objectPath: String { "/" }

    /// Runs once before the first HDF5 call: lmlab reports errors itself, in one line.
    private static let silence: Void = lm_H5_silence_errors()

    /// `userBlockSize` (0, or a power of two ≥ 512) reserves that many bytes at the start of a new file that HDF5
    /// leaves alone; the HDF5 data starts after it and every HDF5 reader skips it.
    public init(path: String, mode: Mode, userBlockSize: Int = 0) throws {
        _ = HDF5File.silence
        self.path = path
        let id: hid_t
        switch mode {
        case .truncate:
            // The 1.8 file format (superblock v2, object headers v2) puts a checksum on every piece of metadata, so
            // a damaged file is reported as such instead of being parsed; HDF5 ≥ 1.8 and h5py read it.
            let fapl = H5Pcreate(lm_H5P_FILE_ACCESS())
            defer { if fapl >= 0 { H5Pclose(fapl) } }
            guard fapl >= 0, H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0 else {
                throw HDF5Error.failed(.cannotWrite, file: path, object: "/", "cannot make a file-access property list")
            }
            let fcpl = H5Pcreate(lm_H5P_FILE_CREATE())
            defer { if fcpl >= 0 { H5Pclose(fcpl) } }
            guard fcpl >= 0, H5Pset_userblock(fcpl, hsize_t(userBlockSize)) >= 0 else {
                throw HDF5Error.failed(.cannotWrite, file: path, object: "/", "cannot reserve a user block of \(userBlockSize) bytes")
            }
            id = H5Fcreate(path, lm_H5F_ACC_TRUNC(), fcpl, fapl)
            guard id >= 0 else { throw HDF5Error.failed(.cannotWrite, file: path, object: "/", "cannot create the file") }
        case .readOnly, .readWrite:
            // H5Fis_hdf5 looks for the 8-byte signature, so "not HDF5 at all" gets its own message.
            let isHDF5 = H5Fis_hdf5(path)
            guard isHDF5 >= 0 else { throw HDF5Error.failed(.cannotOpen, file: path, object: "/", "cannot read the file") }
            guard isHDF5 > 0 else {
                throw HDF5Error(.notHDF5, file: path, object: "/", problem: "not an HDF5 file (no HDF5 signature)")
            }
            id = H5Fopen(path, mode == .readOnly ? lm_H5F_ACC_RDONLY() : lm_H5F_ACC_RDWR(), lm_H5P_DEFAULT())
            guard id >= 0 else { throw HDF5Error.failed(.cannotOpen, file: path, object: "/", "cannot open the file") }
        }
        handle = HDF5Handle(id, close: H5Fclose)
    }

    /// HDF5 objects open in this process, all files together: 0 once every Swift object is gone (tests check it).
    public static var openObjectCount: Int { Int(lm_H5_open_object_count()) }

    /// Writes everything buffered so far to disk (closing the file does this too).
    public func flush() throws {
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw HDF5Error.failed(.cannotWrite, file: path, object: "/", "cannot flush the file")
        }
    }
}
