public import Foundation

/// One uploaded version of a document. Every version is kept; older ones may be archived.
public struct DocumentVersion: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var documentId: String
    public var fileName: String
    public var mediaType: String
    public var byteCount: Int64
    /// Lowercase hex SHA-256 of the plaintext bytes; blobs are stored by this hash.
    public var sha256: String
    public var uploadedBy: Int64
    public var uploadedAt: Date
    /// Hybrid-logical-clock timestamp of the upload; the newest version by HLC is current.
    public var hlc: String
    public var validation: ValidationState
    public var validationReason: String?
    public var validatedBy: Int64?
    public var validatedAt: Date?
    public var storage: VersionStorage
    /// When the contents were erased (their uploader deleted their account): the version stays
    /// in its document's history, its bytes are gone.
    public var erasedAt: Date?

    public init(
        id: String,
        documentId: String,
        fileName: String,
        mediaType: String,
        byteCount: Int64,
        sha256: String,
        uploadedBy: Int64,
        uploadedAt: Date,
        hlc: String,
        validation: ValidationState = .pending,
        validationReason: String? = nil,
        validatedBy: Int64? = nil,
        validatedAt: Date? = nil,
        storage: VersionStorage = .blob,
        erasedAt: Date? = nil
    ) {
        self.id = id
        self.documentId = documentId
        self.fileName = fileName
        self.mediaType = mediaType
        self.byteCount = byteCount
        self.sha256 = sha256
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
        self.hlc = hlc
        self.validation = validation
        self.validationReason = validationReason
        self.validatedBy = validatedBy
        self.validatedAt = validatedAt
        self.erasedAt = erasedAt
        self.storage = storage
    }
}

public enum ValidationState: String, Sendable, Codable, CaseIterable {
    case pending
    case validated
    case rejected
}

/// Where a version's bytes are: a live blob, or moved into the document's archive.
public enum VersionStorage: String, Sendable, Codable, CaseIterable {
    case blob
    case archived
}
