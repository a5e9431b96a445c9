// ServedModels: the models of one server by name, and the rule for picking one from a request's `model` field —
// the name (file name without extension) of a served model; it may be left out when only one is served.
import Foundation

public struct ServedModels: Sendable {
    public let all: [ServedModel]

    /// Throws when two files have the same name (requests could not tell them apart).
    public init(_ models: [ServedModel]) throws(ServerSetupError) {
        var seen = Set<String>()
        for m in models where !seen.insert(m.name).inserted {
            throw .duplicateModelName(m.name, paths: models.filter { $0.name == m.name }.map(\.path))
        }
        guard !models.isEmpty else { throw .noModels }
        all = models
    }

    public var names: [String] { all.map(\.name) }

    /// The model a request names, or 404 (unknown) / 400 (left out while several are served).
    func resolve(_ name: String?) throws(APIError) -> ServedModel {
        guard let name, !name.isEmpty else {
            if all.count == 1 { return all[0] }
            throw APIError.badField("model", "model is required: this server serves \(names.joined(separator: ", "))")
        }
        // Also accept the file name with its extension, as `lmlab generate --model` takes it.
        if let m = all.first(where: { $0.name == name || ($0.path as NSString).lastPathComponent == name }) { return m }
        throw APIError.unknownModel(name, served: names)
    }
}

/// Why a server cannot start, named for the flag to fix.
public enum ServerSetupError: Error, CustomStringConvertible, Equatable {
    case noModels
    case duplicateModelName(String, paths: [String])

    public var description: String {
        switch self {
        case .noModels: "give at least one --model FILE (.gguf or .h5)"
        case let .duplicateModelName(name, paths):
            "--model: \(paths.joined(separator: " and ")) are both named \"\(name)\"; a request's model field could not tell them apart — rename one file"
        }
    }
}
