internal import Foundation
public import FTStore
internal import FTModel

/// Fills an empty database with deterministic, realistic French demo data: the real schemes as
/// eligible products, experts in real cities, clients with dossiers in every status and everything
/// that hangs off them.
public struct DemoSeeder: Sendable {
    public let configuration: SeedConfiguration

    public init(configuration: SeedConfiguration) {
        self.configuration = configuration
    }

    /// Writes the demo data in one transaction: on error, nothing is written.
    public func seed(into database: AppDatabase, progress: (SeedProgress) -> Void = { _ in }) throws -> SeedReport {
        let started = ContinuousClock.now
        try database.batch(cacheMegabytes: 1_024, deferIndexes: true) { batch in
            var context = SeedContext(configuration: configuration)
            try context.insertCatalog(into: &batch)
            try context.insertAccounts(into: &batch)
            let step = max(1, configuration.experts / 100)
            for index in 0..<configuration.experts {
                try context.insertExpert(index: index, into: &batch)
                if index % step == 0 { progress(SeedProgress(phase: "experts", done: index, total: configuration.experts)) }
            }
            progress(SeedProgress(phase: "experts", done: configuration.experts, total: configuration.experts))
            let clientStep = max(1, configuration.clients / 200)
            for index in 0..<configuration.clients {
                try context.insertClient(index: index, into: &batch)
                if index % clientStep == 0 { progress(SeedProgress(phase: "clients", done: index, total: configuration.clients)) }
            }
            progress(SeedProgress(phase: "clients", done: configuration.clients, total: configuration.clients))
            // The batch builds its deferred indexes once this closure returns.
            progress(SeedProgress(phase: "indexes", done: 0, total: 1))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var accounts = [DemoAccounts.admin]
        if configuration.experts > 0 { accounts.append(DemoAccounts.expert) }
        if configuration.clients > 0 { accounts.append(DemoAccounts.client) }
        if configuration.clients > 1 { accounts.append(DemoAccounts.otherClient) }
        // Last activity and last sign-in follow what each person did in the demo.
        try database.settleActivityFromHistory()
        // A new database is built in full; the triggers' notes of the seeding are not needed.
        try database.forgetSiteChanges(upTo: .max)
        // The seeded notifications are history: nobody is e-mailed about them.
        try database.skipNotificationsFannedOut()
        // So are the conditions the demo holds on its day (overdue steps, waiting documents…):
        // their alerts are open, without telling anyone; what becomes true later is told.
        try database.evaluateAlerts(now: configuration.today, notify: false)
        return SeedReport(counts: try database.tableCounts(), seconds: seconds, accounts: accounts)
    }
}

/// What the seed has written so far and needs to refer back to.
struct SeedContext {
    let configuration: SeedConfiguration
    let today: Date
    var products: [EligibleProduct] = []
    var schemesByProductId: [Int64: DemoScheme] = [:]
    var adminUserIds: [Int64] = []
    var experts: [SeededExpert] = []
    /// Published experts per product: the pool assignments draw from.
    var publishedExpertsByProduct: [Int64: [Int]] = [:]
    var usedSlugs: Set<String> = []
    var ratedPairs: Set<Pair> = []

    struct SeededExpert {
        var id: Int64
        var userId: Int64
        var productIds: [Int64]
        var published: Bool
        /// How long this expert usually takes to answer a client, in hours: the seeded
        /// conversations are timed by it, and the site measures it back from them.
        var responseHours: Double
        /// What the texts about the expert agree with (`FrenchGrammar`).
        var feminine: Bool
    }

    struct Pair: Hashable {
        var clientId: Int64
        var expertId: Int64
    }

    init(configuration: SeedConfiguration) {
        self.configuration = configuration
        self.today = configuration.today
    }

    func random(_ stream: String, _ index: Int = 0) -> DemoRandom {
        DemoRandom(seed: configuration.seed, stream: stream, index: index)
    }

    /// A date `days` before today, on a whole second.
    func daysAgo(_ days: Double) -> Date {
        Date(timeIntervalSince1970: (today.timeIntervalSince1970 - days * 86_400).rounded(.down))
    }

    /// `date` moved forward by `days`, never past today.
    func after(_ date: Date, days: Double) -> Date {
        Date(timeIntervalSince1970: min(today.timeIntervalSince1970, (date.timeIntervalSince1970 + days * 86_400).rounded(.down)))
    }

    /// `date` moved forward by `days`, or nil when that is past today (what has not happened yet).
    func later(_ date: Date, days: Double) -> Date? {
        let moved = Date(timeIntervalSince1970: (date.timeIntervalSince1970 + days * 86_400).rounded(.down))
        return moved > today ? nil : moved
    }

    func hlc(_ date: Date, counter: Int = 0) -> String {
        HLCTimestamp(milliseconds: Int64(date.timeIntervalSince1970 * 1000), counter: counter, node: "seed").description
    }
}
