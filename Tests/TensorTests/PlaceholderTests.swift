import XCTest
import Tensor
final class PlaceholderTests: XCTestCase { func testBLAS() { XCTAssertGreaterThan(TensorPlaceholder.blasThreads(), 0) } }
