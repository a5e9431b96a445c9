// JinjaInterpreter: walks the syntax tree with a stack of variable scopes and appends to the output.
//
// Scoping follows Jinja2: a `for` body is a new scope on every iteration (a `set` inside it is gone at the next
// iteration and after the loop), `if` is not (a `set` inside it stays). Only a namespace() lets a loop hand a value
// out. Each loop binds `loop` with index, index0, revindex, revindex0, first, last, length, previtem, nextitem.
// Filters, tests and methods live in JinjaFilters.swift and JinjaMethods.swift.
import Foundation

final class JinjaInterpreter {
    private var scopes: [[String: JinjaValue]]
    private var output = ""

    /// `globals` is the render context: `messages`, `add_generation_prompt`, the special tokens, the functions.
    init(globals: [String: JinjaValue]) { scopes = [globals] }

    func render(_ nodes: [JinjaNode]) throws -> String {
        output = ""
        _ = try execute(nodes)
        return output
    }

    // MARK: statements

    private enum Flow { case normal, breakLoop, continueLoop }

    private func execute(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            let flow = try execute(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ node: JinjaNode) throws -> Flow {
        switch node {
        case let .text(s):
            output += s
        case let .output(e):
            output += try evaluate(e).text
        case let .ifChain(branches, otherwise):
            for branch in branches where try evaluate(branch.condition).isTruthy { return try execute(branch.body) }
            return try execute(otherwise)
        case let .forLoop(targets, iterable, condition, body, otherwise, offset):
            return try forLoop(targets: targets, iterable: iterable, condition: condition, body: body,
                               otherwise: otherwise, offset: offset)
        case let .set(targets, value, offset):
            try assign(targets, try evaluate(value), offset: offset)
        case let .setAttribute(object, attribute, value, offset):
            guard case let .namespace(ns)? = lookup(object) else {
                throw JinjaError.render("cannot assign attribute on non-namespace object '\(object)'", at: offset)
            }
            ns.attributes[attribute] = try evaluate(value)
        case let .setBlock(name, body):
            let saved = output
            output = ""
            _ = try execute(body)
            let rendered = output
            output = saved
            scopes[scopes.count - 1][name] = .string(rendered)
        case let .macro(name, parameters, body, offset):
            scopes[scopes.count - 1][name] = .function(macro(name, parameters, body, offset: offset))
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        }
        return .normal
    }

    private func forLoop(targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode],
                         otherwise: [JinjaNode], offset: Int) throws -> Flow {
        var items = try iterate(try evaluate(iterable), at: iterable.offset)
        if let condition {  // `for x in xs if c`: filter first, so loop.length counts what passes
            items = try items.filter { item in
                scopes.append([:])
                defer { scopes.removeLast() }
                try assign(targets, item, offset: offset)
                return try evaluate(condition).isTruthy
            }
        }
        if items.isEmpty { return try execute(otherwise) }
        for (i, item) in items.enumerated() {
            var loop = JinjaDict()
            loop["index"] = .int(i + 1)
            loop["index0"] = .int(i)
            loop["revindex"] = .int(items.count - i)
            loop["revindex0"] = .int(items.count - i - 1)
            loop["first"] = .bool(i == 0)
            loop["last"] = .bool(i == items.count - 1)
            loop["length"] = .int(items.count)
            loop["depth"] = .int(1)
            loop["depth0"] = .int(0)
            loop["previtem"] = i > 0 ? items[i - 1] : .undefined("loop.previtem")
            loop["nextitem"] = i + 1 < items.count ? items[i + 1] : .undefined("loop.nextitem")
            loop["cycle"] = .function(JinjaFunction(name: "loop.cycle") { args, _ in
                args.isEmpty ? .undefined("loop.cycle()") : args[i % args.count]
            })
            scopes.append(["loop": .dict(loop)])
            defer { scopes.removeLast() }
            try assign(targets, item, offset: offset)
            if try execute(body) == .breakLoop { break }
        }
        return .normal
    }

    /// A macro as a function: binds its arguments over the template's top-level scope and renders the body.
    private func macro(_ name: String, _ parameters: [(name: String, defaultValue: JinjaExpr?)], _ body: [JinjaNode],
                       offset: Int) -> JinjaFunction {
        JinjaFunction(name: name) { [weak self] args, keyword in
            guard let self else { return .undefined(name) }
            guard args.count <= parameters.count else {
                throw JinjaError.render("macro '\(name)' takes \(parameters.count) arguments, got \(args.count)", at: offset)
            }
            var frame: [String: JinjaValue] = [:]
            for (i, p) in parameters.enumerated() {
                if i < args.count { frame[p.name] = args[i] }
                else if let v = keyword.first(where: { $0.0 == p.name })?.1 { frame[p.name] = v }
                else { frame[p.name] = try p.defaultValue.map(self.evaluate) ?? .undefined(p.name) }
            }
            let (savedScopes, savedOutput) = (self.scopes, self.output)
            defer { (self.scopes, self.output) = (savedScopes, savedOutput) }
            self.scopes = [savedScopes[0], frame]
            self.output = ""
            _ = try self.execute(body)
            return .string(self.output)
        }
    }

    /// What `for` iterates: a list's items, a dict's keys, a string's characters; Undefined iterates as empty.
    private func iterate(_ value: JinjaValue, at offset: Int) throws -> [JinjaValue] {
        switch value {
        case let .array(a): return a
        case let .dict(d): return d.keys.map { .string($0) }
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw JinjaError.render("'\(value.typeName)' object is not iterable", at: offset)
        }
    }

    /// Binds `targets` in the innermost scope; several targets unpack a list (`for k, v in d.items()`).
    private func assign(_ targets: [String], _ value: JinjaValue, offset: Int) throws {
        if targets.count == 1 { scopes[scopes.count - 1][targets[0]] = value; return }
        let items = try iterate(value, at: offset)
        guard items.count == targets.count else {
            throw JinjaError.render("cannot unpack \(items.count) values into \(targets.count) names", at: offset)
        }
        for (t, v) in zip(targets, items) { scopes[scopes.count - 1][t] = v }
    }

    private func lookup(_ name: String) -> JinjaValue? {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return nil
    }

    // MARK: expressions

    func evaluate(_ e: JinjaExpr) throws -> JinjaValue {
        switch e.kind {
        case let .string(s): return .string(s)
        case let .integer(i): return .int(i)
        case let .float(d): return .double(d)
        case let .bool(b): return .bool(b)
        case .none: return .none
        case let .name(n): return lookup(n) ?? .undefined(n)
        case let .list(items), let .tuple(items): return .array(try items.map(evaluate))
        case let .dict(pairs):
            var d = JinjaDict()
            for (k, v) in pairs {
                guard case let .string(key) = try evaluate(k) else {
                    throw JinjaError.render("dictionary keys must be strings in lmlab's Jinja subset", at: k.offset)
                }
                d[key] = try evaluate(v)
            }
            return .dict(d)
        case let .attribute(base, name):
            return try attribute(try evaluate(base), name, at: e.offset)
        case let .subscript(base, index):
            return try item(try evaluate(base), try evaluate(index), at: e.offset)
        case let .slice(base, start, stop, step):
            return try slice(try evaluate(base), start: try start.map(evaluate), stop: try stop.map(evaluate),
                             step: try step.map(evaluate), at: e.offset)
        case let .call(callee, args):
            return try call(callee, args, at: e.offset)
        case let .filter(base, name, args):
            return try applyFilter(name, try evaluate(base), try evaluate(args), interpreter: self, at: e.offset)
        case let .test(base, name, args, negated):
            let result = try applyTest(name, try evaluate(base), try evaluate(args).positional, at: e.offset)
            return .bool(result != negated)
        case let .unary(op, operand):
            let v = try evaluate(operand)
            switch op {
            case "not": return .bool(!v.isTruthy)
            case "-":
                if case let .int(i) = v { return .int(-i) }
                if case let .double(d) = v { return .double(-d) }
                throw JinjaError.render("bad operand type for unary -: '\(v.typeName)'", at: e.offset)
            default:
                guard v.number != nil else { throw JinjaError.render("bad operand type for unary +: '\(v.typeName)'", at: e.offset) }
                return v
            }
        case let .binary(op, left, right):
            return try binary(op, left, right, at: e.offset)
        case let .conditional(condition, then, otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined("conditional expression")
        }
    }

    func evaluate(_ args: JinjaArguments) throws -> (positional: [JinjaValue], keyword: [(String, JinjaValue)]) {
        (try args.positional.map(evaluate), try args.keyword.map { ($0.name, try evaluate($0.value)) })
    }

    private func binary(_ op: String, _ l: JinjaExpr, _ r: JinjaExpr, at offset: Int) throws -> JinjaValue {
        // `and`/`or` short-circuit and return an operand, as in Python.
        if op == "and" { let a = try evaluate(l); return a.isTruthy ? try evaluate(r) : a }
        if op == "or" { let a = try evaluate(l); return a.isTruthy ? a : try evaluate(r) }
        let a = try evaluate(l), b = try evaluate(r)
        switch op {
        case "==": return .bool(a.equals(b))
        case "!=": return .bool(!a.equals(b))
        case "<", ">", "<=", ">=":
            let (x, y) = op == "<" || op == "<=" ? (a, b) : (b, a)
            guard let lt = x.less(than: y) else {
                throw JinjaError.render("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", at: offset)
            }
            return .bool(op.count == 2 ? lt || a.equals(b) : lt)
        case "in", "not in":
            let found = try contains(b, a, at: offset)
            return .bool(op == "in" ? found : !found)
        case "~": return .string(a.text + b.text)
        default: return try arithmetic(op, a, b, at: offset)
        }
    }

    /// Python's `+ - * / // % **` on ints, floats, strings and lists.
    private func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue, at offset: Int) throws -> JinjaValue {
        for v in [a, b] { if case let .undefined(name) = v { throw JinjaError.render("'\(name)' is undefined", at: offset) } }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .array(x), .array(y)): return .array(x + y)
        case let ("*", .string(s), .int(n)), let ("*", .int(n), .string(s)): return .string(String(repeating: s, count: max(0, n)))
        default: break
        }
        let unsupported = JinjaError.render(
            "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'", at: offset)
        if let x = a.integer, let y = b.integer, op != "/" {
            switch op {
            case "+": return .int(x + y)
            case "-": return .int(x - y)
            case "*": return .int(x * y)
            case "//", "%":
                guard y != 0 else { throw JinjaError.render("integer division or modulo by zero", at: offset) }
                let q = Int((Double(x) / Double(y)).rounded(.down)), m = x - q * y  // Python floors toward -inf
                return .int(op == "//" ? q : m)
            case "**":
                guard y >= 0 else { return .double(pow(Double(x), Double(y))) }
                return .int((0..<y).reduce(1) { acc, _ in acc * x })
            default: throw unsupported
            }
        }
        guard let x = a.number, let y = b.number else { throw unsupported }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/", "//", "%":
            guard y != 0 else { throw JinjaError.render("float division by zero", at: offset) }
            if op == "/" { return .double(x / y) }
            let q = (x / y).rounded(.down)
            return .double(op == "//" ? q : x - q * y)
        case "**": return .double(pow(x, y))
        default: throw unsupported
        }
    }

    /// Python's `needle in haystack`: substring, list element or dict key.
    private func contains(_ haystack: JinjaValue, _ needle: JinjaValue, at offset: Int) throws -> Bool {
        switch haystack {
        case let .string(s):
            guard case let .string(n) = needle else {
                throw JinjaError.render("'in <string>' requires string as left operand, not \(needle.typeName)", at: offset)
            }
            return pythonContains(s, n)
        case let .array(a): return a.contains { $0.equals(needle) }
        case let .dict(d): if case let .string(k) = needle { return d[k] != nil } else { return false }
        case .undefined: return false
        default: throw JinjaError.render("argument of type '\(haystack.typeName)' is not iterable", at: offset)
        }
    }

    /// `x.name`: a dict's key, a namespace's attribute; anything else has no attributes (Undefined). Looking into
    /// Undefined itself is an error, as in Jinja2.
    func attribute(_ base: JinjaValue, _ name: String, at offset: Int) throws -> JinjaValue {
        switch base {
        case let .undefined(what): throw JinjaError.render("'\(what)' is undefined (looking up .\(name))", at: offset)
        case let .dict(d): return d[name] ?? .undefined(name)
        case let .namespace(ns): return ns.attributes[name] ?? .undefined(name)
        default: return .undefined(name)
        }
    }

    /// `x[i]`: list or string index (negative from the end), dict key; a miss is Undefined.
    func item(_ base: JinjaValue, _ index: JinjaValue, at offset: Int) throws -> JinjaValue {
        switch (base, index) {
        case let (.undefined(what), _): throw JinjaError.render("'\(what)' is undefined (looking up [\(index.repr)])", at: offset)
        case let (.array(a), _):
            guard let i = index.integer else { return .undefined("[\(index.repr)]") }
            let j = i < 0 ? a.count + i : i
            return a.indices.contains(j) ? a[j] : .undefined("[\(i)]")
        case let (.string(s), _):
            guard let i = index.integer else { return .undefined("[\(index.repr)]") }
            let scalars = Array(s.unicodeScalars)
            let j = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(j) ? .string(String(scalars[j])) : .undefined("[\(i)]")
        case let (.dict(d), .string(k)): return d[k] ?? .undefined(k)
        case let (.namespace(ns), .string(k)): return ns.attributes[k] ?? .undefined(k)
        default: return .undefined("[\(index.repr)]")
        }
    }

    /// `x[start:stop:step]` on lists and strings, with Python's clamping and negative indices.
    private func slice(_ base: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?, at offset: Int) throws -> JinjaValue {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !v.isNone else { return nil }
            guard let i = v.integer else { throw JinjaError.render("slice indices must be integers", at: offset) }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw JinjaError.render("slice step cannot be zero", at: offset) }
        func pick(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ fallback: Int) -> Int {
                guard var i else { return fallback }
                if i < 0 { i += count }
                return stepValue > 0 ? min(max(i, 0), count) : min(max(i, -1), count - 1)
            }
            let from = clamp(try bound(start), stepValue > 0 ? 0 : count - 1)
            let to = clamp(try bound(stop), stepValue > 0 ? count : -1)
            return Array(stride(from: from, to: to, by: stepValue))
        }
        switch base {
        case let .array(a): return .array(try pick(a.count).map { a[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try pick(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case let .undefined(what): throw JinjaError.render("'\(what)' is undefined (slicing it)", at: offset)
        default: throw JinjaError.render("'\(base.typeName)' object is not subscriptable", at: offset)
        }
    }

    /// `f(…)` calls a global function; `x.m(…)` calls a method of a string, dict or list (JinjaMethods.swift).
    private func call(_ callee: JinjaExpr, _ args: JinjaArguments, at offset: Int) throws -> JinjaValue {
        let arguments = try evaluate(args)
        if case let .attribute(baseExpr, method) = callee.kind {
            let base = try evaluate(baseExpr)
            if case let .function(f) = try? attribute(base, method, at: offset) {
                return try invoke(f, arguments, at: offset)
            }
            return try callMethod(method, on: base, arguments.positional, arguments.keyword, at: offset)
        }
        let f = try evaluate(callee)
        switch f {
        case let .function(f): return try invoke(f, arguments, at: offset)
        case let .undefined(name): throw JinjaError.render("'\(name)' is undefined", at: offset)
        default: throw JinjaError.render("'\(f.typeName)' object is not callable", at: offset)
        }
    }

    private func invoke(_ f: JinjaFunction, _ args: (positional: [JinjaValue], keyword: [(String, JinjaValue)]), at offset: Int) throws -> JinjaValue {
        do {
            return try f.call(args.positional, args.keyword)
        } catch let e as JinjaError where e.offset < 0 {
            throw JinjaError(kind: e.kind, message: e.message, offset: offset)  // place a function's error at the call
        }
    }
}

extension JinjaValue {
    fileprivate var isNone: Bool { if case .none = self { return true } else { return false } }
}
