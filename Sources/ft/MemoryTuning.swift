#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for bulk work.
enum MemoryTuning {
    /// glibc hands freed memory back to the kernel as soon as 128 KiB sit free at the top of a heap,
    /// and SQLite's page cache churns exactly that much during a large transaction: every page is
    /// then faulted in again (measured: more than half of a large seed's time spent in the kernel).
    /// Keep up to 512 MiB (by default). The server keeps less, but enough that the 1 MiB buffers of
    /// document uploads and downloads are reused rather than mapped, faulted in and unmapped
    /// for every chunk. `mallopt` is looked up at run time: Swift's Glibc module leaves out
    /// `malloc.h`.
    ///
    /// `topPad`: how much more a heap grows by each time it must. The threads' heaps grow by
    /// `mprotect`, by default only by what each allocation needs: a full site build made 15,000
    /// `mprotect` calls (and as many page-table updates) until its pages were rendered.
    static func keepFreedMemory(trim: Int32 = 512 << 20, mmap: Int32 = 64 << 20, topPad: Int32? = nil) {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        let topPadding: Int32 = -2  // M_TOP_PAD
        _ = mallopt(trimThreshold, trim)
        _ = mallopt(mmapThreshold, mmap)
        if let topPad { _ = mallopt(topPadding, topPad) }
        #endif
    }
}
