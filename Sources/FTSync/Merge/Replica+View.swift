internal import Foundation
internal import FTModel

extension Replica {
    /// What a person would see of every record, as JSON with sorted keys: the form the shared test
    /// vectors are written in, and byte-identical between replicas that hold the same state.
    public func canonicalJSON() -> String {
        var collections: [String: [String: Any]] = [:]
        for (key, state) in records {
            collections[key.collection.rawValue, default: [:]][key.record] = Self.view(state)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: collections, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func view(_ state: RecordState) -> [String: Any] {
        func value(_ field: FieldValue) -> Any {
            switch field {
            case .null: NSNull()
            case .bool(let flag): flag
            case .int(let number): number
            case .string(let text): text
            }
        }
        func optional(_ value: Any?) -> Any { value ?? NSNull() }
        switch state {
        case .message(let message):
            return [
                "conversation": optional(message.content?.value.conversation),
                "author": optional(message.content?.value.author),
                "body": message.visibleBody,
                "deleted": message.isDeleted,
                "edited": message.isEdited,
            ]
        case .rating(let rating):
            return ["score": optional(rating.value?.value.score), "comment": optional(rating.value?.value.comment), "author": optional(rating.value?.value.author)]
        case .readReceipt(let receipt):
            return ["readUpTo": receipt.readUpTo]
        case .document(let document):
            return [
                "dossier": optional(document.content?.value.dossier), "createdBy": optional(document.content?.value.createdBy),
                "title": optional(document.title?.value), "category": optional(document.category?.value),
            ]
        case .documentVersion(let version):
            return [
                "document": optional(version.content?.value.document), "fileName": optional(version.content?.value.fileName),
                "mediaType": optional(version.content?.value.mediaType), "byteCount": optional(version.content?.value.byteCount),
                "sha256": optional(version.content?.value.sha256), "uploadedBy": optional(version.content?.value.uploadedBy),
                "validation": version.validation?.value.state ?? "pending", "reason": optional(version.validation?.value.reason),
                "validatedBy": optional(version.validation?.value.by),
            ]
        case .dossier(let dossier):
            let content = dossier.content?.value
            return [
                "product": optional(content?.product), "description": optional(content?.description), "amount": optional(content?.amount),
                "expert": optional(content?.expert), "answers": optional(content?.answers), "client": optional(content?.client),
            ]
        case .offer(let offer):
            return ["answer": optional(offer.answer?.value.answer), "reason": optional(offer.answer?.value.reason), "by": optional(offer.answer?.value.by)]
        case .preference(let preference):
            return ["enabled": optional(preference.enabled?.value)]
        case .step(let step):
            return [
                "fields": step.effectiveFields.mapValues { value($0) },
                "history": step.history.sorted().map { [$0.field, value($0.value), $0.hlc.description, $0.user] as [Any] },
            ]
        }
    }
}
