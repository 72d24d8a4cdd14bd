/// One rendering of a `TemplateSet`: the lookup stack, the output, and what a fragment being
/// remembered read outside its object.
struct TemplateRenderer {
    let steps: UnsafeBufferPointer<TemplateSet.Step>
    let text: UnsafeBufferPointer<UInt8>
    let names: UnsafeBufferPointer<String>
    /// The set the steps belong to: with a body's steps, the key of a remembered fragment.
    let set: TemplateSet
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

    init(
        steps: UnsafeBufferPointer<TemplateSet.Step>, text: UnsafeBufferPointer<UInt8>, names: UnsafeBufferPointer<String>,
        set: TemplateSet, stack: [TemplateValue], reusingFragments: Bool
    ) {
        self.steps = steps
        self.text = text
        self.names = names
        self.set = set
        self.stack = stack
        self.reusingFragments = reusingFragments
    }

    /// Renders the steps `start..<end`.
    mutating func render(_ start: Int, _ end: Int) {
        var index = start
        while index < end {
            let step = steps[index]
            switch step.operation {
            case .text:
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[Int(step.start)..<Int(step.end)]))
                index += 1
            case .variable:
                index += 1
                guard let value = lookup(Int(step.start), Int(step.end)) else { continue }
                switch value {
                case .text(let string):
                    if step.flag { Template.appendEscaped(string, to: &output) } else { Self.append(string, to: &output) }
                case .flag(let flag):
                    Self.append(flag ? "true" : "false", to: &output)
                case .list, .object, .shared:
                    break
                }
            case .section:
                let body = index + 1
                let next = Int(step.next)
                index = next
                let value = lookup(Int(step.start), Int(step.end))
                if step.flag {
                    if !(value?.isTruthy ?? false) { render(body, next) }
                    continue
                }
                guard let value, value.isTruthy else { continue }
                switch value {
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        if reusingFragments, floor == nil, case .shared(let object) = item {
                            renderRemembered(body, next, object: object)
                        } else {
                            render(body, next)
                        }
                        stack.removeLast()
                    }
                case .flag:
                    render(body, next)
                case .object, .shared, .text:
                    stack.append(value)
                    render(body, next)
                    stack.removeLast()
                }
            case .partial:
                index += 1
                let (start, end) = (Int(step.start), Int(step.end))
                if reusingFragments, floor == nil, case .shared(let object)? = stack.last {
                    renderRemembered(start, end, object: object)
                } else {
                    render(start, end)
                }
            }
        }
    }

    /// A partial or section body with a shared object on top: the remembered bytes if every
    /// name they read outside the object still resolves to the same thing here; otherwise
    /// rendered (and remembered, the first time).
    private mutating func renderRemembered(_ start: Int, _ end: Int, object: SharedObject) {
        let below = stack.count - 1
        let key = SharedObject.FragmentKey(set: ObjectIdentifier(set), start: Int32(start), end: Int32(end))
        if let fragment = object.fragment(for: key) {
            if let bytes = fragment.bytes, fragment.outside.allSatisfy({ SharedObject.Resolution(resolve($0.name, below: below)) == $0.value }) {
                output.append(contentsOf: bytes)
                return
            }
            render(start, end)
            return
        }
        floor = below
        outside = []
        rememberable = true
        let first = output.count
        render(start, end)
        floor = nil
        object.remember(SharedObject.Fragment(bytes: rememberable ? Array(output[first...]) : nil, outside: outside, set: set), for: key)
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

    /// Mustache name resolution of `names[start..<end]` (`{{.}}` when empty): the first part is
    /// looked up from the innermost context outwards, the rest inside what it found.
    private mutating func lookup(_ start: Int, _ end: Int) -> TemplateValue? {
        guard start < end else { return stack.last }
        var found: TemplateValue?
        var index = stack.count - 1
        while index >= 0 {
            if let value = stack[index][names[start]] {
                found = value
                break
            }
            index -= 1
        }
        if let floor, index < floor { note(names[start], found) }
        var part = start + 1
        while part < end, let value = found {
            found = value[names[part]]
            part += 1
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

    private static func append(_ string: String, to output: inout [UInt8]) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { output.append(contentsOf: $0) }
        if done == nil { output.append(contentsOf: Array(string.utf8)) }
    }
}
