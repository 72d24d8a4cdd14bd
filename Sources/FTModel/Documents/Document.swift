public import Foundation

/// A file attached to a dossier. Its bytes live in `DocumentVersion`s; the newest is current.
///
/// The identifier is made by the device that created the document, so it can be created offline.
public struct Document: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var dossierId: Int64
    public var category: DocumentCategory
    public var title: String
    public var createdBy: Int64
    public var createdAt: Date

    public init(id: String, dossierId: Int64, category: DocumentCategory, title: String, createdBy: Int64, createdAt: Date) {
        self.id = id
        self.dossierId = dossierId
        self.category = category
        self.title = title
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

public enum DocumentCategory: String, Sendable, Codable, CaseIterable {
    case invoice
    case contract
    case report
    case certificate
    case other
}
