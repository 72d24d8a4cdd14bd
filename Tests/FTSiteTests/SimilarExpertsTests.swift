@testable import FTSite
import FTTestSupport
import Testing

@Suite struct SimilarExpertsTests {
    /// Seeded (SplitMix64, `FTTestSupport`), so that a failure can be replayed.
    typealias Generator = SeededGenerator

    static func experts(count: Int, products: Int, seed: UInt64, places: Int = 0) -> SimilarExperts {
        var generator = Generator(state: seed)
        var lists: [[Int64]] = []
        var latitudes: [Double] = []
        var longitudes: [Double] = []
        for _ in 0..<count {
            let wanted = Int.random(in: 0...min(5, products), using: &generator)
            lists.append(Array((1...Int64(products)).shuffled(using: &generator).prefix(wanted)))
            // With `places`, experts share a few spots (equal distances: ties go to the lower position).
            if places > 0 {
                let spot = Double(Int.random(in: 0..<places, using: &generator))
                latitudes.append(43 + spot / 2)
                longitudes.append(1 + spot / 3)
            } else {
                latitudes.append(Double.random(in: 42...51, using: &generator))
                longitudes.append(Double.random(in: -4...8, using: &generator))
            }
        }
        return SimilarExperts(products: lists, latitudes: latitudes, longitudes: longitudes)
    }

    @Test(arguments: [
        (count: 0, products: 3, seed: 1 as UInt64, places: 0),
        (count: 1, products: 3, seed: 2, places: 0),
        (count: 7, products: 2, seed: 3, places: 0),
        (count: 300, products: 18, seed: 4, places: 0),
        (count: 2_000, products: 18, seed: 5, places: 0),
        (count: 2_000, products: 6, seed: 6, places: 4),
        (count: 1_500, products: 64, seed: 7, places: 0),
    ])
    func groupedSearchFindsWhatCountingFinds(count: Int, products: Int, seed: UInt64, places: Int) {
        let experts = Self.experts(count: count, products: products, seed: seed, places: places)
        let found = experts.all()
        #expect(found == experts.reference())
        #expect(found.allSatisfy { $0.count <= SimilarExperts.limit })
    }

    @Test func sharedProductsFirstThenNearestThenEarlier() {
        // 0 has products 1 and 2; 1 shares both but is far; 2 and 3 share one, at the same spot.
        let experts = SimilarExperts(
            products: [[1, 2], [2, 1], [1], [2], [3], []],
            latitudes: [45, 50, 45.5, 45.5, 45, 45], longitudes: [2, 2, 2, 2, 2, 2]
        )
        #expect(experts.all() == [[1, 2, 3], [0, 2, 3], [0, 1], [0, 1], [], []])
    }

    @Test func moreThanSixtyFourProductsOrRepeatsFallBackToCounting() {
        let many = SimilarExperts(products: (0..<70).map { [Int64($0), 100] }, latitudes: Array(repeating: 45, count: 70), longitudes: Array(repeating: 2, count: 70))
        #expect(many.all() == many.reference())
        let repeated = SimilarExperts(products: [[1, 1], [1], [1, 2], [2]], latitudes: [45, 46, 45.1, 45], longitudes: [2, 2, 2, 2])
        #expect(repeated.all() == repeated.reference())
    }
}
