// CompletionRequest.validate names the field of the first problem, as a request spells it.
import XCTest
import Decoding
@testable import Serving

final class CompletionRequestTests: XCTestCase {
    func testValidateNamesTheField() {
        func field(_ change: (inout CompletionRequest) -> Void) -> String? {
            var r = CompletionRequest(prompt: .text("Hi"))
            change(&r)
            do { try r.validate(); return nil } catch let e as ServingError { return e.field } catch let e as DecodingError {
                return e.field
            } catch { return "?" }
        }
        XCTAssertNil(field { _ in })
        XCTAssertEqual(field { $0.maxTokens = 0 }, "max_tokens")
        XCTAssertEqual(field { $0.n = 0 }, "n")
        XCTAssertEqual(field { $0.logprobs = 101 }, "logprobs")
        XCTAssertEqual(field { $0.sampling.topP = 0 }, "top_p")
        XCTAssertEqual(field { $0.sampling.temperature = .nan }, "temperature")
        XCTAssertEqual(field { $0.sampling.repetitionPenalty = 0 }, "repeat_penalty")
        XCTAssertEqual(field { $0.prompt = .tokens([]) }, "prompt")
        XCTAssertEqual(field { var b = BeamSearchParameters(); b.numBeams = 2; $0.beams = b; $0.n = 3 }, "n")
        XCTAssertEqual(field { var b = BeamSearchParameters(); b.numBeams = 2; $0.beams = b; $0.logprobs = 1 }, "logprobs")
        XCTAssertEqual(field { var b = BeamSearchParameters(); b.numBeams = 2; $0.beams = b; $0.stream = true }, "stream")
    }
}
