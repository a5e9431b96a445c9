// Parameters collected by name. A model is a tree of `Module`s (classes); its parameters are the stored
// properties that are tensors requiring gradients, found by reflection and named by their path in the tree
// ("blocks.3.attention.wq"), the way PyTorch's named_parameters() works. Checkpoints store them by these names.

public protocol Module: AnyObject {}

extension Module {
    /// Every parameter below this module with its dotted path, in declaration order. A tensor reachable twice
    /// (tied weights) is listed once, under its first name.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Tensor)] = []
        collect(self, prefix: "", seen: &seen, into: &out)
        return out
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Total number of parameter values (tied tensors counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
}

private func collect(_ value: Any, prefix: String, seen: inout Set<ObjectIdentifier>, into out: inout [(String, Tensor)]) {
    let mirror = Mirror(reflecting: value)
    for child in mirror.children {
        guard let label = child.label else { continue }
        visit(child.value, name: prefix + label, seen: &seen, into: &out)
    }
}

private func visit(_ value: Any, name: String, seen: inout Set<ObjectIdentifier>, into out: inout [(String, Tensor)]) {
    if let t = value as? Tensor {
        guard t.requiresGrad, seen.insert(ObjectIdentifier(t)).inserted else { return }
        if t.name == nil { t.name = name }
        out.append((name, t))
    } else if let m = value as? Module {
        collect(m, prefix: name + ".", seen: &seen, into: &out)
    } else if let array = value as? [Any] {
        for (i, element) in array.enumerated() { visit(element, name: "\(name).\(i)", seen: &seen, into: &out) }
    } else {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
            visit(wrapped, name: name, seen: &seen, into: &out)
        }
    }
}
