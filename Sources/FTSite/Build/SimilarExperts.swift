internal import Dispatch
internal import Foundation
internal import Synchronization

/// For each expert, up to four others that share the most specialties with it, the nearest first
/// among equals (then the earlier in the listing order); experts sharing none are never similar.
///
/// The experts are grouped by their set of specialties (a bit mask: the site has a few dozen
/// products, and 10,000 experts have only some hundreds of different sets). For each set, the
/// groups are ranked once by how many specialties they share with it; an expert then only
/// measures distances in the best-sharing groups, and goes down to the next level only while it
/// has fewer than four. Counting shared specialties expert by expert (`reference`, kept for
/// inputs the masks cannot hold and as the tests' yardstick) visited every expert of each of its
/// products: about 2,000 per expert, and most of the model's time in a full build.
struct SimilarExperts: Sendable {
    static let limit = 4

    /// Each expert's products (only products the site has), in listing order.
    let products: [[Int64]]
    let latitudes: [Double]
    let longitudes: [Double]

    /// The similar experts of every expert (positions). The cores take the next group as they are
    /// free; each group's levels are made once, for all its experts.
    func all() -> [[Int]] {
        let count = products.count
        guard let groups = Groups(products: products), latitudes.allSatisfy(\.isFinite), longitudes.allSatisfy(\.isFinite) else {
            return reference()
        }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, count / 500))
        let parts = PartsCollector<(index: Int, similar: [Int])>(workers: workers)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var found: [(index: Int, similar: [Int])] = []
            while true {
                let group = next.add(1, ordering: .relaxed).oldValue
                guard group < groups.members.count else { break }
                similar(group, groups: groups, into: &found)
            }
            parts.store(found, at: worker)
        }
        var result = [[Int]](repeating: [], count: count)
        for (index, similar) in parts.joined() { result[index] = similar }
        return result
    }

    /// The similar experts of the experts in `group`, appended to `result`.
    private func similar(_ group: Int, groups: Groups, into result: inout [(index: Int, similar: [Int])]) {
        let levels = groups.levels(of: group)
        var best = Best()
        latitudes.withUnsafeBufferPointer { latitudes in
            longitudes.withUnsafeBufferPointer { longitudes in
                for index in groups.members[group] {
                    let latitude = latitudes[index]
                    let longitude = longitudes[index]
                    let scale = cos(latitude * .pi / 180)
                    var found: [Int] = []
                    for level in levels {
                        best.reset(keeping: Self.limit - found.count)
                        for other in level {
                            for member in groups.members[other] where member != index {
                                let dy = latitudes[member] - latitude
                                let dx = (longitudes[member] - longitude) * scale
                                best.offer(distance: dx * dx + dy * dy, index: member)
                            }
                        }
                        found.append(contentsOf: best.indexes)
                        if found.count == Self.limit { break }
                    }
                    result.append((index, found))
                }
            }
        }
    }

    /// Experts grouped by their set of products, and for each group the groups sharing at least
    /// one product with it, level by level (most shared first).
    private struct Groups: Sendable {
        /// Positions of each group's experts, ascending.
        var members: [[Int]] = []
        /// Each group's set of products.
        var masks: [UInt64] = []

        /// Nil when the masks cannot hold the products: more than 64 of them, or one listed twice
        /// for an expert (the reference counts it twice).
        init?(products: [[Int64]]) {
            let all = Set(products.joined()).sorted()
            guard all.count <= 64 else { return nil }
            var bit: [Int64: Int] = [:]
            for (position, id) in all.enumerated() { bit[id] = position }
            var groupOfMask: [UInt64: Int] = [:]
            for (index, ids) in products.enumerated() {
                var mask: UInt64 = 0
                for id in ids { mask |= 1 << UInt64(bit[id] ?? 0) }
                guard mask.nonzeroBitCount == ids.count else { return nil }
                let group: Int
                if let known = groupOfMask[mask] {
                    group = known
                } else {
                    group = masks.count
                    groupOfMask[mask] = group
                    masks.append(mask)
                    members.append([])
                }
                members[group].append(index)
            }
        }

        /// The groups sharing n, n-1, …, 1 products with `group` (n: its own count; empty levels
        /// left out).
        func levels(of group: Int) -> [[Int]] {
            let mask = masks[group]
            var byShared = [[Int]](repeating: [], count: mask.nonzeroBitCount + 1)
            for (other, otherMask) in masks.enumerated() {
                byShared[(mask & otherMask).nonzeroBitCount].append(other)
            }
            return byShared.dropFirst().reversed().filter { !$0.isEmpty }
        }
    }

    /// The nearest few offered (then the lower index), kept in order.
    private struct Best {
        private(set) var entries: [(distance: Double, index: Int)] = []
        private var keeping = 0

        var indexes: [Int] { entries.map(\.index) }

        mutating func reset(keeping count: Int) {
            entries.removeAll(keepingCapacity: true)
            keeping = count
        }

        mutating func offer(distance: Double, index: Int) {
            if entries.count == keeping {
                guard let last = entries.last, (distance, index) < (last.distance, last.index) else { return }
                entries.removeLast()
            }
            var position = entries.count
            while position > 0, (distance, index) < (entries[position - 1].distance, entries[position - 1].index) { position -= 1 }
            entries.insert((distance, index), at: position)
        }
    }

    /// Shared products counted expert by expert, then the best four kept: the definition.
    func reference() -> [[Int]] {
        var byProduct: [Int64: [Int]] = [:]
        for (index, ids) in products.enumerated() {
            for id in ids { byProduct[id, default: []].append(index) }
        }
        var shared = [Int](repeating: 0, count: products.count)
        var touched: [Int] = []
        var result: [[Int]] = []
        result.reserveCapacity(products.count)
        for index in products.indices {
            touched.removeAll(keepingCapacity: true)
            for productId in products[index] {
                guard let members = byProduct[productId] else { continue }
                for other in members where other != index {
                    if shared[other] == 0 { touched.append(other) }
                    shared[other] += 1
                }
            }
            let latitude = latitudes[index]
            let longitude = longitudes[index]
            let scale = cos(latitude * .pi / 180)
            var best: [(shared: Int, distance: Double, index: Int)] = []
            for other in touched {
                let dy = latitudes[other] - latitude
                let dx = (longitudes[other] - longitude) * scale
                let candidate = (shared: shared[other], distance: dx * dx + dy * dy, index: other)
                shared[other] = 0
                if best.count < Self.limit || Self.better(candidate, than: best[best.count - 1]) {
                    let position = best.firstIndex { Self.better(candidate, than: $0) } ?? best.count
                    best.insert(candidate, at: position)
                    if best.count > Self.limit { best.removeLast() }
                }
            }
            result.append(best.map(\.index))
        }
        return result
    }

    private static func better(_ a: (shared: Int, distance: Double, index: Int), than b: (shared: Int, distance: Double, index: Int)) -> Bool {
        if a.shared != b.shared { return a.shared > b.shared }
        if a.distance != b.distance { return a.distance < b.distance }
        return a.index < b.index
    }
}
