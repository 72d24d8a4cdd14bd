@testable import FTModel
import Testing

@Suite struct HLCTimestampTests {
    @Test func theStringFormRoundTripsAndSortsLikeTheTimestamps() throws {
        let stamps = [
            HLCTimestamp(milliseconds: 1_795_132_800_000, counter: 0, node: "a"),
            HLCTimestamp(milliseconds: 1_795_132_800_000, counter: 1, node: "a"),
            HLCTimestamp(milliseconds: 1_795_132_800_000, counter: 1, node: "b"),
            HLCTimestamp(milliseconds: 1_795_132_800_001, counter: 0, node: "a"),
            HLCTimestamp(milliseconds: 99, counter: 12, node: "device-7"),
        ]
        for stamp in stamps {
            #expect(HLCTimestamp(stamp.description) == stamp)
        }
        #expect(stamps.sorted().map(\.description) == stamps.map(\.description).sorted())
        #expect(HLCTimestamp(milliseconds: 99, counter: 12, node: "device-7").description == "0000000000000099-00012-device-7")
    }

    /// The fast form writes what the padded concatenation wrote, for any value, node and width.
    @Test func theFastStringFormIsThePaddedOne() {
        var generator = SystemRandomNumberGenerator()
        let nodes = ["", "a", "device-7", "téléphone-ÉÀ", String(repeating: "n", count: 40)]
        var stamps = [
            HLCTimestamp(milliseconds: 0, counter: 0, node: "a"),
            HLCTimestamp(milliseconds: 9_999_999_999_999_999, counter: HLCTimestamp.maximumCounter, node: "z"),
            HLCTimestamp(milliseconds: -5, counter: 3, node: "past"),
            HLCTimestamp(milliseconds: 12, counter: 100_000, node: "busy"),
        ]
        for _ in 0..<500 {
            let milliseconds = Int64.random(in: 0...2_000_000_000_000, using: &generator) >> Int64.random(in: 0...40, using: &generator)
            stamps.append(HLCTimestamp(milliseconds: milliseconds, counter: Int.random(in: 0...99_999, using: &generator) >> Int.random(in: 0...16, using: &generator), node: nodes.randomElement(using: &generator) ?? "a"))
        }
        for stamp in stamps {
            #expect(stamp.description == stamp.paddedDescription)
        }
    }

    @Test(arguments: ["", "123", "0000000000000099-00012-", "000000000000009x-00012-n", "0000000000000099-1-n"])
    func malformedTimestampsAreRefused(text: String) {
        #expect(HLCTimestamp(text) == nil)
    }
}

@Suite struct DomainRulesTests {
    @Test func closedDossiersAndOpenAssignments() {
        #expect(DossierStatus.allCases.filter(\.isClosed) == [.ineligible, .done, .cancelled])
        #expect(AssignmentStatus.allCases.filter(\.isOpen) == [.pending, .assigned, .inProgress])
    }

    @Test func statusesUseTheDatabaseSpelling() {
        #expect(DossierStatus.inProgress.rawValue == "in_progress")
        #expect(AssignmentStatus.inProgress.rawValue == "in_progress")
        #expect(StepStatus.inProgress.rawValue == "in_progress")
        #expect(NotificationKind.stepOverdue.rawValue == "step_overdue")
    }

    @Test func distancesBetweenFrenchCities() {
        let paris = GeoPoint(latitude: 48.8566, longitude: 2.3522)
        let lyon = GeoPoint(latitude: 45.7640, longitude: 4.8357)
        let marseille = GeoPoint(latitude: 43.2965, longitude: 5.3698)
        #expect(abs(paris.distance(to: lyon) - 392) < 5)
        #expect(abs(paris.distance(to: marseille) - 661) < 5)
        #expect(paris.distance(to: paris) == 0)
        #expect(abs(lyon.distance(to: paris) - paris.distance(to: lyon)) < 1e-9)
    }
}
