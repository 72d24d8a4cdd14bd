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
        let version = try readableVersion(request, context: context)
        let versionId = version.id
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
