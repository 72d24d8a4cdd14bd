import FTModel
import Foundation
import GRDB
import Testing
@testable import FTStore

/// The document indexer's walk (`versionsToIndex(after:limit:)`): every version once, in the
/// order they were stored, skipping those already recorded, in a single pass.
@Suite struct DocumentIndexingTests {
    @Test func theWalkMeetsEveryUnindexedVersionOnce() throws {
        let database = try Fixtures.seededDatabase()
        let index = BlindIndex(documentKey: try DocumentKey.parse(DocumentKey.generate(), source: "test"))
        let all = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT id FROM documentVersion ORDER BY rowid") }
        #expect(all.count > 20)
        // Some are already recorded (by a run that stopped): the walk leaves them out.
        let done = Set(all.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        try database.recordTexts(done.map { ExtractedText(versionId: $0, fileName: "\($0).txt", extraction: .text("déjà lu")) }, index: index, at: Fixtures.today)

        var position: Int64 = 0
        var met: [String] = []
        while true {
            let batch = try database.versionsToIndex(after: position, limit: 7)
            guard let last = batch.last else { break }
            #expect(last.position > position)
            position = last.position
            met += batch.map(\.version.id)
            // Recorded as it goes, as the indexer does: nothing comes back twice.
            try database.recordTexts(batch.map { ExtractedText(versionId: $0.version.id, fileName: $0.version.fileName, extraction: .empty("vide")) }, index: index, at: Fixtures.today)
        }
        #expect(met == all.filter { !done.contains($0) })
        #expect(try database.versionsToIndex(after: 0, limit: 10).isEmpty)
        #expect(try database.textStatus(versionId: all[1])?.status == "empty")
        #expect(try database.textStatus(versionId: all[0])?.status == "indexed")
    }
}
