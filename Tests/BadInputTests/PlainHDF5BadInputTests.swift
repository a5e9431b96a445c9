// Damaged HDF5 files without lmlab's integrity record (written by h5py or another program): they reach libhdf5
// before anything can vouch for them. Checkpoint.load opens them, reads the root's `format` and, finding no
// record, refuses them — so this is libhdf5's robustness on damaged superblocks and object headers, plus ours:
// each must give a CheckpointError naming the file. (libhdf5 1.10 can crash on a damaged string heap, which is why
// lmlab's own checkpoints carry the record and are checked before HDF5 parses a byte: CheckpointBadInputTests.)
import Foundation
import HDF5
import Models
import XCTest

final class PlainHDF5BadInputTests: XCTestCase {
    func testHDF5FileWithoutIntegrityRecord() throws {
        let dir = try scratchDirectory(self)
        let goodPath = dir + "/plain.h5"
        do {   // the checkpoint's root attributes and a few of its objects, as h5py would write them
            let file = try HDF5File(path: goodPath, mode: .truncate)
            try file.setAttribute("format", Checkpoint.formatTag)
            try file.setAttribute("format_version", Checkpoint.formatVersion)
            try file.setAttribute("created", "2026-12-03T00:00:00Z")
            let config = try file.createGroup("config/model")
            try config.setAttribute("style", "llama")
            try config.setAttribute("width", 8)
            try file.createDataset("model/token_embedding", (0..<320).map(Float.init), shape: [40, 8])
        }
        XCTAssertThrowsError(try Checkpoint.load(path: goodPath)) { error in
            guard case .damaged? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: goodPath)))
        let path = dir + "/damaged.h5"
        let tally = loadCorrupted(good, header: 1024, sample: 300, path: path, names: path, [
            Loader(name: "Checkpoint.load", allowed: [CheckpointError.self]) { _ in _ = try Checkpoint.load(path: path) },
        ])
        XCTAssertEqual(tally["Checkpoint.load"]?.loaded, 0, "none of them is a sealed checkpoint")
    }
}
