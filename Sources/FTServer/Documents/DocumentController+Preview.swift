internal import Foundation
internal import Hummingbird
internal import HTTPTypes
internal import Logging
internal import NIOCore
internal import FTArchive
internal import FTModel
internal import FTStore

extension DocumentController {
    /// `GET /api/v1/documents/versions/{version}/preview`: a picture of the version (an image as
    /// it is, a PDF's first page as a PNG), by the same access rule as its content; 415
    /// `no_preview` for other files. Drawn off the request's threads.
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try signedIn(context)
        let sent = request.headers[SyncController.protocolHeader]
        guard sent == String(ServerConfiguration.protocolVersion) else { throw APIError.updateRequired(sent) }
        let versionId = context.parameters.get("version") ?? ""
        guard let version = try database.version(versionId, for: actor) else { throw Self.notFound }
        if version.erasedAt != nil {
            throw APIError(.gone, "content_erased", "Ce fichier a été effacé : la personne qui l’a déposé a supprimé son compte.")
        }
        guard contents.isAvailable(version) else {
            throw APIError(.notFound, "content_missing", "the content of version \(versionId) is not stored here (not uploaded yet)")
        }
        let renderer = PreviewRenderer(contents: contents)
        let outcome = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: renderer.preview(version)) }
        }
        switch outcome {
        case .image(let bytes, let mediaType):
            return Response(status: .ok, headers: [
                .contentType: mediaType, .contentLength: String(bytes.count), .cacheControl: "private, max-age=3600",
                .eTag: "\"preview-\(version.sha256)\"", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .none:
            throw APIError(.unsupportedMediaType, "no_preview", "no preview is made of \(version.mediaType) files")
        case .failed(let reason):
            context.logger.warning("preview not drawn", metadata: ["version": "\(versionId)", "reason": "\(reason)"])
            throw APIError(.unprocessableContent, "preview_failed", "the preview of version \(versionId) could not be drawn")
        }
    }
}
