// JSON mode for a model: the JSONConstraint factory. Building a constraint's vocabulary tables walks every token
// (tens of milliseconds for a 49k vocabulary), so a model builds them once and each request gets a fresh copy with
// its own grammar (any JSON value, or one that fits a schema).
import Decoding
import Foundation

extension ModelHandle {
    /// The constraint `format` asks for (nil for free text). Throws `ServingError.jsonModeNeedsEOS` for a model
    /// without an end-of-sequence token.
    public func jsonConstraint(_ format: CompletionRequest.ResponseFormat) throws -> JSONConstraint? {
        switch format {
        case .text: return nil
        case .jsonObject: return try baseJSONConstraint().restarted(schema: nil)
        case .jsonSchema(let schema): return try baseJSONConstraint().restarted(schema: schema)
        }
    }

    private func baseJSONConstraint() throws -> JSONConstraint {
        guard tokenizer.specialIDs.eos != nil || tokenizer.specialIDs.eot != nil else { throw ServingError.jsonModeNeedsEOS }
        return jsonTables.value { JSONConstraint(tokenizer: tokenizer) }
    }
}

/// A value computed on first use, once, from any thread.
final class Lazy<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?

    init() {}

    func value(_ make: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        if let stored { return stored }
        let v = make()
        stored = v
        return v
    }
}
