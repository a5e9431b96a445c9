// How lmlab writes JSON — checkpoint configs (/config/*/json), metrics logs, meta.json and every `--json` output:
// keys in snake_case (the convention of the Python tools that read them, and of OpenAI's API) and sorted, so files
// diff cleanly and lessons can compare output; slashes are not escaped (paths stay readable).
import Foundation

public enum SnakeCaseJSON {
    /// One line per value, or indented with `pretty` (files meant to be read, like meta.json).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    /// Reads what `encoder` wrote back into camelCase properties.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// `value` as one line of JSON text.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}
