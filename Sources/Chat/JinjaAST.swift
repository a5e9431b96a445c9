// JinjaAST: the syntax tree JinjaParser builds and JinjaInterpreter walks — statements (`JinjaNode`) holding
// expressions (`JinjaExpr`). Every expression keeps its source offset so a rendering error can name line and column.

/// An expression inside `{{ … }}` or a tag.
struct JinjaExpr: Sendable {
    indirect enum Kind: Sendable {
        case string(String), integer(Int), float(Double), bool(Bool), none
        case name(String)
        case list([JinjaExpr])
        case tuple([JinjaExpr])
        case dict([(key: JinjaExpr, value: JinjaExpr)])
        /// `x.name`
        case attribute(JinjaExpr, String)
        /// `x[i]`
        case `subscript`(JinjaExpr, JinjaExpr)
        /// `x[start:stop:step]`, each part optional.
        case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
        /// `f(a, b, key=c)`; `x.method(…)` is a call whose callee is an attribute.
        case call(JinjaExpr, JinjaArguments)
        /// `x | name(…)`
        case filter(JinjaExpr, String, JinjaArguments)
        /// `x is [not] name(…)`
        case test(JinjaExpr, String, JinjaArguments, negated: Bool)
        /// `not x`, `-x`, `+x`
        case unary(String, JinjaExpr)
        /// Arithmetic `+ - * / // % **`, concatenation `~`, comparisons, `in`, `not in`, `and`, `or`.
        case binary(String, JinjaExpr, JinjaExpr)
        /// `a if condition else b` (`else` optional: missing means undefined).
        case conditional(condition: JinjaExpr, then: JinjaExpr, otherwise: JinjaExpr?)
    }
    let kind: Kind
    /// Index into the source's Unicode scalars.
    let offset: Int
}

/// The arguments of a call, filter or test.
struct JinjaArguments: Sendable {
    var positional: [JinjaExpr] = []
    var keyword: [(name: String, value: JinjaExpr)] = []
}

/// A statement: text, an output, or a tag with its body.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr)
    /// `if`/`elif` branches in order, then `else`.
    case ifChain(branches: [(condition: JinjaExpr, body: [JinjaNode])], otherwise: [JinjaNode])
    /// `for a[, b…] in iterable [if condition]` … `[else]` … `endfor`
    case forLoop(targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode],
                 otherwise: [JinjaNode], offset: Int)
    /// `set a[, b…] = value`
    case set(targets: [String], value: JinjaExpr, offset: Int)
    /// `set ns.attribute = value` (namespaces only)
    case setAttribute(object: String, attribute: String, value: JinjaExpr, offset: Int)
    /// `set name` … `endset`: the rendered body becomes a string.
    case setBlock(name: String, body: [JinjaNode])
    /// `macro name(a, b=default)` … `endmacro`: defines a function that renders the body to a string.
    case macro(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaNode], offset: Int)
    case breakLoop(offset: Int)
    case continueLoop(offset: Int)
}
