internal import Foundation
internal import Synchronization

/// The experts' bios as HTML, rendered ahead of their profile pages on a thread of its own.
///
/// cmark-gfm parses one document at a time in a process (it switches its extensions' special
/// characters in global tables around every parse, so `MarkdownRenderer` serializes its calls).
/// With the bios rendered by the page workers, the workers queued on that lock: the kernel's
/// priority-inheritance futex showed in a full build's profile. One thread renders them in the
/// experts' order, which is the order in which the workers reach the profile pages (after the
/// home, search and listing pages); a worker that finds a bio not ready yet renders it itself.
final class BioPrerenderer: @unchecked Sendable {
    /// Written by the thread in order; `slots[i]` is read only once `ready` is past `i`.
    private let slots: UnsafeMutableBufferPointer<String>
    private let ready = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    /// Starts rendering `bios` (Markdown) with `render` (`MarkdownRenderer.html(from:)`).
    init(bios: [String], render: @escaping @Sendable (String) -> String) {
        slots = .allocate(capacity: bios.count)
        slots.initialize(repeating: "")
        // The thread keeps the object alive until it is done.
        Thread { [self] in
            for (index, bio) in bios.enumerated() {
                if stopped.load(ordering: .relaxed) { break }
                slots[index] = render(bio)
                ready.store(index + 1, ordering: .releasing)
            }
        }.start()
    }

    /// The HTML of bio `index`, if it is rendered yet.
    func html(_ index: Int) -> String? {
        index < ready.load(ordering: .acquiring) ? slots[index] : nil
    }

    /// Renders no further bio (the pages are done, or the build failed).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
}
