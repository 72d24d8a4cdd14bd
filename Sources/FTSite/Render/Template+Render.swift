extension Template {
    /// Renders with `context` at the bottom of the lookup stack; partials come from `partials`.
    func render(_ context: TemplateValue, partials: [String: Template]) -> String {
        var output = ""
        output.reserveCapacity(32 * 1_024)
        var stack = [context]
        Self.render(nodes, stack: &stack, partials: partials, into: &output)
        return output
    }

    private static func render(_ nodes: [Node], stack: inout [TemplateValue], partials: [String: Template], into output: inout String) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .variable(let path, let escaped):
                guard let value = lookup(path, in: stack) else { continue }
                switch value {
                case .text(let text):
                    if escaped { appendEscaped(text, to: &output) } else { output += text }
                case .flag(let flag):
                    output += flag ? "true" : "false"
                case .list, .object:
                    break
                }
            case .section(let path, let inverted, let body):
                let value = lookup(path, in: stack)
                if inverted {
                    if !(value?.isTruthy ?? false) { render(body, stack: &stack, partials: partials, into: &output) }
                    continue
                }
                guard let value, value.isTruthy else { continue }
                switch value {
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        render(body, stack: &stack, partials: partials, into: &output)
                        stack.removeLast()
                    }
                case .flag:
                    render(body, stack: &stack, partials: partials, into: &output)
                case .object, .text:
                    stack.append(value)
                    render(body, stack: &stack, partials: partials, into: &output)
                    stack.removeLast()
                }
            case .partial(let name, _):
                if let partial = partials[name] {
                    render(partial.nodes, stack: &stack, partials: partials, into: &output)
                }
            }
        }
    }

    /// Mustache name resolution: the first part of a dotted name is looked up from the innermost
    /// context outwards, the rest inside what it found.
    private static func lookup(_ path: [String], in stack: [TemplateValue]) -> TemplateValue? {
        guard let first = path.first else { return nil }
        if first == "." { return stack.last }
        var found: TemplateValue?
        for context in stack.reversed() {
            if let value = context[first] {
                found = value
                break
            }
        }
        for key in path.dropFirst() {
            found = found?[key]
        }
        return found
    }

    /// HTML escaping of `&`, `<`, `>`, `"` and `'`; text without them is appended whole.
    static func appendEscaped(_ text: String, to output: inout String) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            output += text
            return
        }
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            let replacement: String?
            switch utf8[index] {
            case 0x26: replacement = "&amp;"
            case 0x3C: replacement = "&lt;"
            case 0x3E: replacement = "&gt;"
            case 0x22: replacement = "&quot;"
            case 0x27: replacement = "&#39;"
            default: replacement = nil
            }
            if let replacement {
                output += Substring(utf8[start..<index])
                output += replacement
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        output += Substring(utf8[start..<utf8.endIndex])
    }
}
