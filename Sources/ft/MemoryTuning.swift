#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for bulk work.
enum MemoryTuning {
    /// glibc hands freed memory back to the kernel as soon as 128 KiB sit free at the top of a heap,
    /// and SQLite's page cache churns exactly that much during a large transaction: every page is
    /// then faulted in again (measured: more than half of a large seed's time spent in the kernel).
    /// Keep up to 512 MiB. `mallopt` is looked up at run time: Swift's Glibc module leaves out
    /// `malloc.h`.
    static func keepFreedMemory() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        _ = mallopt(trimThreshold, 512 << 20)
        _ = mallopt(mmapThreshold, 64 << 20)
        #endif
    }
}
