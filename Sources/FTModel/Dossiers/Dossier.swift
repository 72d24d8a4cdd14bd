public import Foundation

/// A client's case file for one eligible product.
public struct Dossier: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var clientId: Int64
    public var productId: Int64
    public var status: DossierStatus
    /// Estimated amount to recover, in euro cents.
    public var estimatedCents: Int64
    /// Amount actually recovered, in euro cents, once known.
    public var obtainedCents: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?

    public init(
        id: Int64? = nil,
        clientId: Int64,
        productId: Int64,
        status: DossierStatus,
        estimatedCents: Int64,
        obtainedCents: Int64? = nil,
        createdAt: Date,
        updatedAt: Date,
        closedAt: Date? = nil
    ) {
        self.id = id
        self.clientId = clientId
        self.productId = productId
        self.status = status
        self.estimatedCents = estimatedCents
        self.obtainedCents = obtainedCents
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
    }

    /// An estimate above this (in euros) is a typing slip, not a claim.
    public static let maximumEstimatedEuros: Int64 = 100_000_000
    /// The most characters a dossier's description holds.
    public static let maximumDescriptionLength = 5_000
}

public enum DossierStatus: String, Sendable, Codable, CaseIterable {
    case eligible
    case ineligible
    case inProgress = "in_progress"
    case done
    case cancelled

    /// A closed dossier no longer moves.
    public var isClosed: Bool {
        switch self {
        case .ineligible, .done, .cancelled: true
        case .eligible, .inProgress: false
        }
    }
}
