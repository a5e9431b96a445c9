// GGUFError: everything that can go wrong reading a GGUF file, as one typed error.
//
// Every case names the file and, where there is one, the byte offset, tensor or key; `description` says what was
// expected and ends with what to do. The reader never traps on file data: any byte sequence gives either a loaded
// file or one of these.

import Tensor

/// An error reading or using a GGUF file.
public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or mapped (`reason` is the system's message).
    case cannotOpen(file: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(file: String, found: [UInt8])
    /// The version field holds a version this reader does not read (it reads 2 and 3, little-endian).
    case unsupportedVersion(file: String, version: UInt32)
    /// Fewer bytes remain than the field at `offset` needs.
    case truncated(file: String, offset: Int, reading: String, needed: Int, remaining: Int)
    /// A field holds a value outside what the spec allows (an unknown value type, a bool other than 0/1, …).
    case invalidField(file: String, offset: Int, field: String, problem: String)
    /// The same metadata key appears twice.
    case duplicateKey(file: String, offset: Int, key: String)
    /// The same tensor name appears twice.
    case duplicateTensor(file: String, offset: Int, tensor: String)
    /// A tensor's type id is not a ggml type this reader knows the block size of.
    case unknownTensorType(file: String, offset: Int, tensor: String, typeID: UInt32)
    /// A tensor's data (offset + size) lies outside the file or is not aligned.
    case badTensorData(file: String, tensor: String, offset: Int, byteCount: Int, problem: String)
    /// A tensor's type is known but lmlab has no dequantizer / kernel for it.
    case unsupportedTensorType(file: String, tensor: String, type: String)
    /// No tensor of this name.
    case missingTensor(file: String, tensor: String)
    /// No metadata key of this name.
    case missingKey(file: String, key: String)
    /// The key exists but holds another type than the caller asked for.
    case wrongKeyType(file: String, key: String, expected: String, found: String)
    /// Writing a GGUF file failed (any earlier file at that path is unchanged).
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason):
            return "\(file): cannot open (\(reason)); check the path, or run scripts/get-model.sh to download the model"
        case let .badMagic(file, found):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "\(file): not a GGUF file (first bytes \(hex), expected 47 47 55 46 = \"GGUF\"); "
                + "pass a .gguf file made by llama.cpp or gguf-py"
        case let .unsupportedVersion(file, version):
            let hint = version.byteSwapped <= 3 ? " (it looks big-endian; convert it to little-endian)" : ""
            return "\(file): GGUF version \(version) is not supported, expected 2 or 3\(hint); "
                + "re-convert the model with a current llama.cpp"
        case let .truncated(file, offset, reading, needed, remaining):
            return "\(file): truncated at offset \(offset) reading \(reading): needed \(needed) bytes, "
                + "\(remaining) remain; the file is incomplete or corrupt, download it again"
        case let .invalidField(file, offset, field, problem):
            return "\(file): invalid \(field) at offset \(offset): \(problem); the file is corrupt, download it again"
        case let .duplicateKey(file, offset, key):
            return "\(file): metadata key \"\(key)\" appears twice (second at offset \(offset)); the file is corrupt"
        case let .duplicateTensor(file, offset, tensor):
            return "\(file): tensor \"\(tensor)\" appears twice (second at offset \(offset)); the file is corrupt"
        case let .unknownTensorType(file, offset, tensor, typeID):
            return "\(file): tensor \"\(tensor)\" (info at offset \(offset)) has unknown ggml type id \(typeID); "
                + "this reader knows ids 0…41 — re-quantize the model to a listed type (e.g. Q8_0, Q4_K)"
        case let .badTensorData(file, tensor, offset, byteCount, problem):
            return "\(file): tensor \"\(tensor)\" data at offset \(offset), \(byteCount) bytes: \(problem); "
                + "the file is corrupt or truncated, download it again"
        case let .unsupportedTensorType(file, tensor, type):
            return "\(file): tensor \"\(tensor)\" has type \(type), which lmlab cannot dequantize; supported: "
                + GGMLType.dequantizable.map(\.name).joined(separator: ", ") + " — use a model quantized to one of these"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named \"\(tensor)\"; run `lmlab info \(file)` to list the tensors"
        case let .missingKey(file, key):
            return "\(file): no metadata key \"\(key)\"; run `lmlab info \(file)` to list the keys"
        case let .wrongKeyType(file, key, expected, found):
            return "\(file): metadata key \"\(key)\" holds \(found), expected \(expected); the model was converted "
                + "by a tool that writes this key differently"
        case let .cannotWrite(file, reason):
            return "\(file): cannot write the GGUF file (\(reason)); check that the directory exists, is writable and "
                + "has space — any earlier file at this path is unchanged"
        }
    }
}
