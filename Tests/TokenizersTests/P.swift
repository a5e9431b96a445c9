import XCTest
import Tokenizers
final class TokPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertEqual(1 + 1, 2) } }
