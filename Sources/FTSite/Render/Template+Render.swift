extension Template {
    /// Renders with `context` at the bottom of the lookup stack; partials come from `partials`.
    func render(_ context: TemplateValue, partials: [String: Template]) -> String {
        String(decoding: renderBytes(context, partials: partials), as: UTF8.self)
    }

    /// Renders into UTF-8 bytes. With `reusingFragments`, a partial or a list section's body
    /// rendered with a `SharedObject` on top is rendered once and its bytes reused (see
    /// `SharedObject`).
    func renderBytes(_ context: TemplateValue, partials: [String: Template], reusingFragments: Bool = false, capacity: Int = 64 * 1_024) -> [UInt8] {
        var renderer = TemplateRenderer(partials: partials, stack: [context], reusingFragments: reusingFragments)
        renderer.output.reserveCapacity(capacity)
        renderer.render(body.nodes)
        return renderer.output
    }

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

/// One rendering: the lookup stack, the output, and what a fragment being remembered read
/// outside its object.
private struct TemplateRenderer {
    let partials: [String: Template]
    var stack: [TemplateValue]
    let reusingFragments: Bool
    var output: [UInt8] = []
    /// While a shared object's partial is rendered to be remembered: the stack index of the object.
    var floor: Int?
    /// The names that fragment looked up and found below `floor` (or nowhere), and what they were.
    var outside: [(name: String, value: SharedObject.Resolution)] = []
    /// Whether the fragment may be remembered: false once a name resolved outside to a value
    /// that cannot be compared cheaply (a list or a plain object).
    var rememberable = true

    init(partials: [String: Template], stack: [TemplateValue], reusingFragments: Bool) {
        self.partials = partials
        self.stack = stack
        self.reusingFragments = reusingFragments
    }

    mutating func render(_ nodes: [Template.Node]) {
        for node in nodes {
            switch node {
            case .text(let text):
                Self.append(text, to: &output)
            case .variable(let path, let escaped):
                guard let value = lookup(path) else { continue }
                switch value {
                case .text(let text):
                    if escaped { Template.appendEscaped(text, to: &output) } else { Self.append(text, to: &output) }
                case .flag(let flag):
                    Self.append(flag ? "true" : "false", to: &output)
                case .list, .object, .shared:
                    break
                }
            case .section(let path, let inverted, let body):
                let value = lookup(path)
                if inverted {
                    if !(value?.isTruthy ?? false) { render(body.nodes) }
                    continue
                }
                guard let value, value.isTruthy else { continue }
                switch value {
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        if reusingFragments, floor == nil, case .shared(let object) = item {
                            renderRemembered(body, object: object)
                        } else {
                            render(body.nodes)
                        }
                        stack.removeLast()
                    }
                case .flag:
                    render(body.nodes)
                case .object, .shared, .text:
                    stack.append(value)
                    render(body.nodes)
                    stack.removeLast()
                }
            case .partial(let name, _):
                guard let partial = partials[name] else { continue }
                if reusingFragments, floor == nil, case .shared(let object)? = stack.last {
                    renderRemembered(partial.body, object: object)
                } else {
                    render(partial.nodes)
                }
            }
        }
    }

    /// A partial or section body with a shared object on top: the remembered bytes if every
    /// name they read outside the object still resolves to the same thing here; otherwise
    /// rendered (and remembered, the first time).
    private mutating func renderRemembered(_ body: Template.Body, object: SharedObject) {
        let below = stack.count - 1
        let key = ObjectIdentifier(body)
        if let fragment = object.fragment(for: key) {
            if let bytes = fragment.bytes, fragment.outside.allSatisfy({ SharedObject.Resolution(resolve($0.name, below: below)) == $0.value }) {
                output.append(contentsOf: bytes)
                return
            }
            render(body.nodes)
            return
        }
        floor = below
        outside = []
        rememberable = true
        let start = output.count
        render(body.nodes)
        floor = nil
        object.remember(SharedObject.Fragment(bytes: rememberable ? Array(output[start...]) : nil, outside: outside, body: body), for: key)
    }

    /// The value a first name resolves to in the frames below `limit`.
    private func resolve(_ name: String, below limit: Int) -> TemplateValue? {
        var index = limit - 1
        while index >= 0 {
            if let value = stack[index][name] { return value }
            index -= 1
        }
        return nil
    }

    /// Mustache name resolution: the first part of a dotted name is looked up from the innermost
    /// context outwards, the rest inside what it found.
    private mutating func lookup(_ path: [String]) -> TemplateValue? {
        guard let first = path.first else { return nil }
        var found: TemplateValue?
        if first == "." {
            found = stack.last
        } else {
            var index = stack.count - 1
            while index >= 0 {
                if let value = stack[index][first] {
                    found = value
                    break
                }
                index -= 1
            }
            if let floor, index < floor { note(first, found) }
        }
        if path.count > 1 {
            for key in path.dropFirst() { found = found?[key] }
        }
        return found
    }

    /// Records a name a remembered fragment found outside its object.
    private mutating func note(_ name: String, _ value: TemplateValue?) {
        guard rememberable, !outside.contains(where: { $0.name == name }) else { return }
        guard let resolution = SharedObject.Resolution(value) else {
            rememberable = false
            return
        }
        outside.append((name, resolution))
    }

    private static func append(_ text: String, to output: inout [UInt8]) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { output.append(contentsOf: $0) }
        if done == nil { output.append(contentsOf: Array(text.utf8)) }
    }
}
