// `lmlab bench decode --kv-cache`: what the KV cache saves. Without it, step t feeds all t tokens again (O(t) work
// per token, O(n²) per continuation); with it, one token (O(1) projections, attention over t cached keys).
// Each length is timed both ways with greedy decoding from the same short prompt; speed-up = uncached / cached time.
import Decoding
import Foundation
import Models

struct KVCacheBench {
    struct Row: Encodable { var tokens: Int, cachedSeconds: Double, uncachedSeconds: Double, speedup: Double, sameTokens: Bool }

    /// Lengths that fit the context (with the prompt).
    static func lengths(_ wanted: [Int], context: Int, prompt: Int) -> [Int] {
        let fit = wanted.filter { $0 + prompt <= context }
        return fit.isEmpty ? [context - prompt] : fit
    }

    static func run(_ lm: TransformerRuntime, lengths: [Int], progress: (String) -> Void) throws -> [Row] {
        let tokenizer = lm.tokenizer
        let prompt = tokenizer?.encode("The") ?? [0]
        return try lengths.map { n in
            func timed(_ useCache: Bool) throws -> (Double, [Int32]) {
                var options = GenerationOptions()
                options.maxTokens = n
                options.useKVCache = useCache
                options.stopAtEOS = false
                var sampler = Sampler(parameters: .greedy, seed: 0)
                let start = now()
                let g = try Generator(model: lm, tokenizer: tokenizer!).run(prompt: prompt, sampler: &sampler, options: options)
                return (now() - start, g.tokens)
            }
            progress("\(n) tokens with the cache")
            let (cached, a) = try timed(true)
            progress("\(n) tokens without the cache")
            let (uncached, b) = try timed(false)
            return Row(tokens: n, cachedSeconds: cached, uncachedSeconds: uncached, speedup: uncached / cached, sameTokens: a == b)
        }
    }
}
