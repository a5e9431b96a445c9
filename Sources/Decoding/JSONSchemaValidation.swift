// JSONSchemaValidation: checks a finished document against a JSONSchema after the fact, reading the whole value
// rather than bytes — the check that what JSON mode let through is what the schema asks. The semantics are
// JSONSchema.swift's: only listed keys, each at most once; every required key; `integer` without fraction or
// exponent; enum/const values as their exact literal text.

extension JSONSchema {
    /// The first way `value` breaks the schema, as `path: reason` (e.g. `$.rating: expected integer, found 4.5`),
    /// or nil when it is valid.
    public func violation(in value: JSONValue) -> String? {
        violation(value, node: root, path: "$")
    }

    func violation(_ value: JSONValue, node n: Int, path: String) -> String? {
        let node = nodes[n]
        // Literals first: enum/const values, and true/false/null where the types allow them.
        if node.literals.contains(value.jsonBytes) { return nil }
        let t = node.types
        switch value {
        case .object(let members) where t.contains(.object):
            guard let properties = node.properties else { return nil }   // unlisted: any members
            var seen: UInt64 = 0
            for (key, member) in members {
                guard let k = properties.firstIndex(where: { $0.name == key }) else { return "\(path): key \"\(key)\" is not listed" }
                guard seen & (1 << UInt64(k)) == 0 else { return "\(path): key \"\(key)\" appears twice" }
                seen |= 1 << UInt64(k)
                if let v = violation(member, node: properties[k].schema, path: path + "." + key) { return v }
            }
            if let k = properties.indices.first(where: { node.required & ~seen & (1 << UInt64($0)) != 0 }) {
                return "\(path): required key \"\(properties[k].name)\" is missing"
            }
            return nil
        case .array(let items) where t.contains(.array):
            for (i, item) in items.enumerated() {
                if let v = violation(item, node: node.items, path: "\(path)[\(i)]") { return v }
            }
            return nil
        case .string where t.contains(.string):
            return nil
        case .number(let text) where t.contains(.number) || (t.contains(.integer) && !text.contains(where: { ".eE".contains($0) })):
            return nil
        default:
            // Booleans and null are among the literals already.
            let allowed = JSONTypes.names.filter { t.contains($0.1) && !$0.1.isSubset(of: [.boolean, .null]) }.map(\.0)
                + node.literals.map { String(decoding: $0, as: UTF8.self) }
            return "\(path): expected \(allowed.joined(separator: " | ")), found \(String(decoding: value.jsonBytes, as: UTF8.self))"
        }
    }
}
