// ChatMessage: one turn of a conversation, as OpenAI's chat API and Hugging Face's chat templates name them.

public struct ChatMessage: Sendable, Equatable, Codable {
    /// "system", "user" or "assistant" (templates may know others, e.g. "tool").
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { .init(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { .init(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { .init(role: "assistant", content: content) }
}
