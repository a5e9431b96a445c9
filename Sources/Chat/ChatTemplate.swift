// ChatTemplate: a model's chat template (`tokenizer.chat_template` in GGUF, `chat_template` in Hugging Face's
// tokenizer_config.json), parsed once and rendered over a conversation the way transformers' apply_chat_template
// does: jinja2's ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with loop controls, the
// variables `messages`, `add_generation_prompt`, `bos_token`, `eos_token`, `tools` and `documents` (None), and the
// functions `raise_exception(msg)`, `namespace(…)`, `range(…)` and `strftime_now(fmt)`.
//
//   let template = try ChatTemplate(source: gguf.string("tokenizer.chat_template"))
//   let prompt = try template.render(messages: [.system("Be brief."), .user("Hi")], addGenerationPrompt: true,
//                                    bosToken: "<s>", eosToken: "</s>")
import Foundation

public struct ChatTemplate: Sendable {
    /// The template text as given.
    public let source: String
    private let scalars: [Unicode.Scalar]
    private let nodes: [JinjaNode]

    /// Parses `source`; a syntax error (or an unsupported tag) throws with its line and column.
    public init(source: String) throws(ChatTemplateError) {
        self.source = source
        scalars = JinjaLexer.normalizeNewlines(source)
        do {
            nodes = try JinjaParser.parse(try JinjaLexer.tokenize(scalars))
        } catch {
            throw Self.publicError(error, scalars)
        }
    }

    /// The prompt text for `messages`. With `addGenerationPrompt` the text ends with the header of an assistant
    /// turn, so the model's continuation is the reply. A conversation the template refuses (say, roles that do not
    /// alternate) throws `ChatTemplateError.raised` with the template's message.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool = true, bosToken: String = "",
                       eosToken: String = "") throws(ChatTemplateError) -> String {
        let list = messages.map { m in JinjaValue.dict(JinjaDict([("role", .string(m.role)), ("content", .string(m.content))])) }
        return try render(context: [
            "messages": .array(list),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
            "tools": JinjaValue.none,
            "documents": JinjaValue.none,
        ])
    }

    /// Renders with any variables (beside the global functions).
    func render(context: [String: JinjaValue]) throws(ChatTemplateError) -> String {
        do {
            return try JinjaInterpreter(globals: Self.functions.merging(context) { $1 }).render(nodes)
        } catch {
            throw Self.publicError(error, scalars)
        }
    }

    /// The text that closes an assistant turn (`<|im_end|>`, `<|eot_id|>`, `</s>`…), read off a probe rendering:
    /// whatever follows the assistant's content, whitespace trimmed. Nil when the template will not say.
    /// A chat loop can stop generating there.
    public func endOfTurn(bosToken: String = "", eosToken: String = "") -> String? {
        let marker = "\u{E000}lmlab-reply\u{E000}"
        guard let text = try? render(messages: [.user("\u{E000}lmlab-question"), .assistant(marker)],
                                     addGenerationPrompt: false, bosToken: bosToken, eosToken: eosToken),
              let range = text.range(of: marker)
        else { return nil }
        let suffix = pythonStrip(String(text[range.upperBound...]), nil, .both)
        return suffix.isEmpty ? nil : suffix
    }

    private static func publicError(_ error: any Error, _ scalars: [Unicode.Scalar]) -> ChatTemplateError {
        if let e = error as? JinjaError { return e.publicError(source: scalars) }
        return .render(message: "\(error)", line: 1, column: 1)
    }

    /// The global functions Hugging Face (and Jinja2) provide.
    private static var functions: [String: JinjaValue] {
        [
            "raise_exception": .function(JinjaFunction(name: "raise_exception") { args, _ in
                throw JinjaError(kind: .raised, message: args.first?.text ?? "", offset: -1)
            }),
            "namespace": .function(JinjaFunction(name: "namespace") { args, keyword in
                var attributes = JinjaDict()
                if case let .dict(d)? = args.first { attributes = d }
                for (k, v) in keyword { attributes[k] = v }
                return .namespace(JinjaNamespace(attributes))
            }),
            "dict": .function(JinjaFunction(name: "dict") { _, keyword in .dict(JinjaDict(keyword)) }),
            "range": .function(JinjaFunction(name: "range") { args, _ in
                let ints = args.compactMap(\.integer)
                guard ints.count == args.count, (1...3).contains(ints.count) else {
                    throw JinjaError(kind: .render, message: "range() takes 1 to 3 integers", offset: -1)
                }
                let (start, stop, step) = ints.count == 1 ? (0, ints[0], 1) : (ints[0], ints[1], ints.count == 3 ? ints[2] : 1)
                guard step != 0 else { throw JinjaError(kind: .render, message: "range() arg 3 must not be zero", offset: -1) }
                return .array(stride(from: start, to: stop, by: step).map { .int($0) })
            }),
            "strftime_now": .function(JinjaFunction(name: "strftime_now") { args, _ in
                var now = time(nil), parts = tm()
                localtime_r(&now, &parts)
                var buffer = [Int8](repeating: 0, count: 256)
                let n = strftime(&buffer, buffer.count, args.first?.text ?? "", &parts)
                return .string(String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }),
        ]
    }
}
