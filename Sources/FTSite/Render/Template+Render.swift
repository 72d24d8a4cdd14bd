extension Template {
    /// Renders with `context` at the bottom of the lookup stack; partials come from `partials`.
    /// (Links the templates for this one rendering: to render many pages, link them once in a
    /// `TemplateSet`.)
    func render(_ context: TemplateValue, partials: [String: Template]) -> String {
        var templates = partials
        templates[Self.ownName] = self
        return TemplateSet(templates).render(Self.ownName, context: context)
    }

    /// The name this template takes among its partials when rendered alone (not a file name).
    private static let ownName = "\u{0}"

    /// HTML escaping of `&`, `<`, `>`, `"` and `'`; text without them is appended whole.
    static func appendEscaped(_ text: String, to output: inout String) {
        var bytes: [UInt8] = []
        appendEscaped(text, to: &bytes)
        output += String(decoding: bytes, as: UTF8.self)
    }

    /// HTML escaping of `&`, `<`, `>`, `"` and `'` into UTF-8 bytes.
    static func appendEscaped(_ text: String, to output: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { appendEscaped($0, to: &output) }
        if done == nil { Array(text.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &output) } }
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var start = 0
        for index in 0..<bytes.count {
            let replacement: StaticString
            switch bytes[index] {
            case 0x26: replacement = "&amp;"
            case 0x3C: replacement = "&lt;"
            case 0x3E: replacement = "&gt;"
            case 0x22: replacement = "&quot;"
            case 0x27: replacement = "&#39;"
            default: continue
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            output.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
            start = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
    }
}
