import XCTest
import GGUF
final class GGUFPlaceholderTests: XCTestCase { func testModuleLoads() { XCTAssertEqual(1 + 1, 2) } }
