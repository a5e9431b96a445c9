// ChatFormat: named built-in prompt formats for models whose file carries no chat template (`--chat-format NAME`,
// as in llama.cpp and llama-cpp-python). Each is written here in the Jinja subset, produces the same text as the
// model family's published template for system/user/assistant conversations (ChatFormatTests checks this against
// the fixtures), and carries the family's conventional special tokens for when no model file supplies them.
//
// Where the original refuses a system message (Mistral v0.1, Gemma), these fold it into the first user turn.

public struct ChatFormat: Sendable {
    /// The name `--chat-format` takes.
    public let name: String
    public let template: ChatTemplate
    /// The family's beginning-of-sequence text (used only when no model file is given).
    public let bosToken: String
    /// The family's end-of-sequence text.
    public let eosToken: String

    init(name: String, bosToken: String, eosToken: String, source: String) {
        self.name = name
        self.bosToken = bosToken
        self.eosToken = eosToken
        do {
            template = try ChatTemplate(source: source)
        } catch {
            preconditionFailure("built-in chat format \(name) does not parse: \(error)")
        }
    }

    /// ChatML (OpenAI; Qwen, SmolLM, Hermes…): `<|im_start|>role\ncontent<|im_end|>\n`.
    public static let chatML = ChatFormat(name: "chatml", bosToken: "", eosToken: "<|im_end|>", source: #"""
        {%- for message in messages -%}
            {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' -}}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{- '<|im_start|>assistant\n' -}}
        {%- endif -%}
        """#)

    /// Llama-2-chat: `<s>[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] reply </s>`.
    public static let llama2 = ChatFormat(name: "llama2", bosToken: "<s>", eosToken: "</s>", source: #"""
        {%- if messages and messages[0].role == 'system' -%}
            {%- set system = '<<SYS>>\n' + messages[0].content + '\n<</SYS>>\n\n' -%}
            {%- set turns = messages[1:] -%}
        {%- else -%}
            {%- set system = '' -%}
            {%- set turns = messages -%}
        {%- endif -%}
        {%- for message in turns -%}
            {%- if message.role == 'user' -%}
                {{- bos_token + '[INST] ' + ((system if loop.first else '') + message.content) | trim + ' [/INST]' -}}
            {%- elif message.role == 'assistant' -%}
                {{- ' ' + message.content | trim + ' ' + eos_token -}}
            {%- endif -%}
        {%- endfor -%}
        """#)

    /// Llama-3 Instruct: `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`.
    public static let llama3 = ChatFormat(name: "llama3", bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>", source: #"""
        {{- bos_token -}}
        {%- for message in messages -%}
            {{- '<|start_header_id|>' + message.role + '<|end_header_id|>\n\n' + message.content | trim + '<|eot_id|>' -}}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
        {%- endif -%}
        """#)

    /// Zephyr (HuggingFaceH4/zephyr-7b-beta, TinyLlama-1.1B-Chat): `<|role|>\ncontent</s>\n`.
    public static let zephyr = ChatFormat(name: "zephyr", bosToken: "<s>", eosToken: "</s>", source: #"""
        {%- for message in messages -%}
            {{- '<|' + message.role + '|>\n' + message.content + eos_token + '\n' -}}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{- '<|assistant|>\n' -}}
        {%- endif -%}
        """#)

    /// Mistral-7B-Instruct v0.1: `<s>[INST] user [/INST]reply</s> `; a system message opens the first user turn.
    public static let mistral = ChatFormat(name: "mistral", bosToken: "<s>", eosToken: "</s>", source: #"""
        {%- if messages and messages[0].role == 'system' -%}
            {%- set system = messages[0].content + '\n\n' -%}
            {%- set turns = messages[1:] -%}
        {%- else -%}
            {%- set system = '' -%}
            {%- set turns = messages -%}
        {%- endif -%}
        {{- bos_token -}}
        {%- for message in turns -%}
            {%- if message.role == 'user' -%}
                {{- '[INST] ' + (system if loop.first else '') + message.content + ' [/INST]' -}}
            {%- elif message.role == 'assistant' -%}
                {{- message.content + eos_token + ' ' -}}
            {%- endif -%}
        {%- endfor -%}
        """#)

    /// Gemma (1 and 2) instruct: `<start_of_turn>user\ncontent<end_of_turn>\n`, the assistant called "model".
    public static let gemma = ChatFormat(name: "gemma", bosToken: "<bos>", eosToken: "<eos>", source: #"""
        {%- if messages and messages[0].role == 'system' -%}
            {%- set system = messages[0].content + '\n\n' -%}
            {%- set turns = messages[1:] -%}
        {%- else -%}
            {%- set system = '' -%}
            {%- set turns = messages -%}
        {%- endif -%}
        {{- bos_token -}}
        {%- for message in turns -%}
            {%- set role = 'model' if message.role == 'assistant' else message.role -%}
            {%- set content = (system if loop.first else '') + message.content -%}
            {{- '<start_of_turn>' + role + '\n' + content | trim + '<end_of_turn>\n' -}}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{- '<start_of_turn>model\n' -}}
        {%- endif -%}
        """#)

    /// Every built-in format, in the order help text lists them.
    public static let all: [ChatFormat] = [.chatML, .llama2, .llama3, .zephyr, .mistral, .gemma]

    /// The format called `name` (case-insensitive), or `ChatTemplateError.unknownFormat`.
    public static func named(_ name: String) throws(ChatTemplateError) -> ChatFormat {
        guard let f = all.first(where: { $0.name == name.lowercased() }) else {
            throw .unknownFormat(name: name, known: all.map(\.name))
        }
        return f
    }
}

extension ChatTemplate {
    /// The built-in ChatML template (see ChatFormat).
    public static var chatML: ChatTemplate { ChatFormat.chatML.template }
    public static var llama2: ChatTemplate { ChatFormat.llama2.template }
    public static var llama3: ChatTemplate { ChatFormat.llama3.template }
    public static var zephyr: ChatTemplate { ChatFormat.zephyr.template }
    public static var mistral: ChatTemplate { ChatFormat.mistral.template }
    public static var gemma: ChatTemplate { ChatFormat.gemma.template }
}
