@testable import FTSite
import Foundation
import Synchronization
import Testing

/// The site's rebuilds after changes: debounced, except for a change someone waits to see.
@Suite struct RebuilderTests {
    @Test func aPromptChangeSkipsTheDelayAndAnOrdinaryOneWaitsForIt() async throws {
        let runs = Atomic<Int>(0)
        let rebuilder = Rebuilder<Int>(delay: .seconds(30)) { runs.add(1, ordering: .relaxed).newValue }
        rebuilder.changed()
        try await Task.sleep(for: .milliseconds(300))
        #expect(rebuilder.builds == 0, "an ordinary change waits for the delay (30 s here)")
        rebuilder.changed(promptly: true)
        for _ in 0..<500 where rebuilder.builds == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(rebuilder.builds == 1 && runs.load(ordering: .relaxed) == 1, "a prompt change cuts the wait short, and both changes are in that one build")
        await rebuilder.stop()
    }
}
