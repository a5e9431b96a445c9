// Numbers in request bodies, decoded so that a bad one is named: Foundation's decoder reports a fraction where an
// integer belongs, or a number too large for its type, as "the data is not valid JSON" with no field. These read
// the field as the type wanted and, when that fails, as a Double to say what was wrong with it
// ("max_tokens: 1.5 is not an integer", "tokens[2]: 3000000000 is out of range").
extension KeyedDecodingContainer {
    /// An integer field (nil when absent or null).
    func integer<T: FixedWidthInteger & Decodable>(_ key: Key, as _: T.Type = T.self) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do { return try decode(T.self, forKey: key) } catch let e as DecodingError { throw e } catch {}
        throw bad(key, problem(try double(key), T.self))
    }

    /// A number field that must fit a Float.
    func float(_ key: Key) throws -> Float? {
        guard let x = try double(key) else { return nil }
        guard abs(x) <= Double(Float.greatestFiniteMagnitude) else { throw bad(key, "\(x) is too large") }
        return Float(x)
    }

    /// A number field (a number beyond Double, like 1e400, is an error naming the field).
    func double(_ key: Key) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do { return try decode(Double.self, forKey: key) } catch let e as DecodingError { throw e } catch {
            throw bad(key, "the number is too large")
        }
    }

    /// An array of integers (token ids); a bad element is named `key[i]`.
    func integers<T: FixedWidthInteger & Decodable>(_ key: Key, as _: T.Type = T.self) throws -> [T]? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        do { return try decode([T].self, forKey: key) } catch let e as DecodingError { throw e } catch {}
        let xs: [Double]
        do { xs = try decode([Double].self, forKey: key) } catch let e as DecodingError { throw e } catch {
            throw bad(key, "a number in the array is too large")
        }
        for (i, x) in xs.enumerated() where T(exactly: x) == nil {
            throw Swift.DecodingError.dataCorrupted(.init(codingPath: codingPath + [key, IndexKey(i)],
                                                          debugDescription: problem(x, T.self)))
        }
        return xs.map { T(exactly: $0)! }
    }

    private func problem<T: FixedWidthInteger>(_ x: Double?, _: T.Type) -> String {
        guard let x else { return "expected an integer" }
        return x.rounded() == x ? "\(x) is out of range: expected an integer in \(T.min)...\(T.max)" : "\(x) is not an integer"
    }

    private func bad(_ key: Key, _ message: String) -> Swift.DecodingError {
        Swift.DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
    }
}

/// An array position in a coding path.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(_ i: Int) { intValue = i }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
