import XCTest
@testable import Decoding

final class LogitBiasTests: XCTestCase {
    func testBiasAddsToChosenIDsOnly() {
        var logits: [Float] = [1, 2, 3, 4]
        var bias = LogitBias([1: -100, 3: 0.5, 9: 7])   // id 9 is outside the vocabulary: ignored
        bias.process(&logits)
        XCTAssertEqual(logits, [1, -98, 3, 4.5])
    }
}
