// The Swift number types HDF5 datasets and attributes hold, each with its HDF5 native (in-memory) type. HDF5
// converts between widths of the same class on read (int32 ↔ int64, float ↔ double); reading checks the class so
// that a string or compound value never reads as a number.
import CHDF5
import HDF5Shim

/// A Swift number type with an HDF5 counterpart (its native in-memory type).
public protocol HDF5Scalar {
    /// Zero.
    init()
    /// The HDF5 native type id (a library constant; never closed).
    static var hdf5Type: hid_t { get }
    /// Integer or float: reading checks that the stored class matches, so a string never reads as a number.
    static var hdf5Class: H5T_class_t { get }
}

extension Float: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_FLOAT() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
}
extension Double: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_DOUBLE() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
}
extension Int8: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_INT8() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int16: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_INT16() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int32: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_INT32() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int64: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_INT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
/// Swift's Int is 64 bits on every platform lmlab builds for; it is stored as int64.
extension Int: HDF5Scalar {
    public static var hdf5Type: hid_t { precondition(MemoryLayout<Int>.size == 8, "HDF5: Int must be 64 bits"); return lm_H5T_NATIVE_INT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt8: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_UINT8() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt16: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_UINT16() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt32: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_UINT32() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt64: HDF5Scalar {
    public static var hdf5Type: hid_t { lm_H5T_NATIVE_UINT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
