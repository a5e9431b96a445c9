// Everything that can be wrong with a safetensors file, each as one line naming the file, the tensor or field, the
// problem, and what to do.

public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    /// Fewer bytes than the 8-byte header length, the header, or the data the header describes.
    case truncated(file: String, needed: Int, found: Int, reading: String)
    /// The JSON header is not valid JSON, not an object, or a field has the wrong form.
    case badHeader(file: String, problem: String)
    /// A tensor's dtype is not one lmlab reads (`SafetensorsDType.floating`), or not a safetensors dtype at all.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// A tensor's bytes do not start at a multiple of its element size.
    case misaligned(file: String, tensor: String, offset: Int, dtype: String)
    /// data_offsets that disagree with the shape and dtype, overlap another tensor or leave a hole.
    case badOffsets(file: String, tensor: String, problem: String)
    case missingTensor(file: String, tensor: String)
    /// Writing failed (any earlier file at that path is unchanged).
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open (\(reason)); check the path"
        case let .truncated(file, needed, found, reading):
            return "\(file): truncated reading \(reading): needs \(needed) bytes, the file has \(found); the file is "
                + "incomplete (an interrupted download or copy?) — copy it again"
        case let .badHeader(file, problem):
            return "\(file): not a valid safetensors header (\(problem)); the file is damaged or not safetensors"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor \(tensor) has dtype \(dtype); lmlab reads "
                + SafetensorsDType.floating.map(\.rawValue).joined(separator: ", ") + " — save the model as float32, float16 or bfloat16"
        case let .misaligned(file, tensor, offset, dtype):
            return "\(file): tensor \(tensor) (\(dtype)) starts at data offset \(offset), not a multiple of its element "
                + "size; the file is damaged or was written by a broken tool — save it again"
        case let .badOffsets(file, tensor, problem):
            return "\(file): tensor \(tensor): \(problem); the file is damaged — save it again"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named \(tensor); the file does not hold the weights its config.json describes"
        case let .cannotWrite(file, reason):
            return "\(file): cannot write (\(reason)); check that the directory exists, is writable and has space"
        }
    }
}
