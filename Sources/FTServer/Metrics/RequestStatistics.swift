public import FTModel
public import Foundation
internal import Synchronization

/// The last five minutes of answers, for the performance alert rules (`ServiceHealth`): response
/// times of the API's requests in logarithmic bins (each 8 % wider than the one before, from
/// 0.1 ms to about 20 s), and the count of 5xx answers, in ten-second slots that age out.
final class RequestStatistics: Sendable {
    static let windowSeconds = 300
    static let slotSeconds = 10
    static let binCount = 160
    /// The lower edge of bin `i` is `0.1 ms × growth^i`.
    static let growth = 1.08

    private struct Slot {
        var start = Int.min
        var bins = [Int](repeating: 0, count: RequestStatistics.binCount)
        var requests = 0
        var serverErrors = 0
    }

    private let slots = Mutex([Slot](repeating: Slot(), count: RequestStatistics.windowSeconds / RequestStatistics.slotSeconds))

    /// One answer: `api` when it counts for the response-time rule.
    func record(milliseconds: Double, api: Bool, serverError: Bool, at date: Date) {
        let start = Self.slotStart(date)
        let bin = Self.bin(milliseconds)
        slots.withLock { slots in
            let index = (start / Self.slotSeconds) % slots.count
            if slots[index].start != start { slots[index] = Slot(start: start) }
            if api {
                slots[index].bins[bin] += 1
                slots[index].requests += 1
            }
            if serverError { slots[index].serverErrors += 1 }
        }
    }

    /// What the window holds at `date`.
    func health(at date: Date) -> ServiceHealth {
        let now = Self.slotStart(date)
        var bins = [Int](repeating: 0, count: Self.binCount)
        var requests = 0
        var serverErrors = 0
        slots.withLock { slots in
            for slot in slots where slot.start > now - Self.windowSeconds && slot.start <= now {
                for (index, count) in slot.bins.enumerated() where count > 0 { bins[index] += count }
                requests += slot.requests
                serverErrors += slot.serverErrors
            }
        }
        var p95: Double?
        if requests > 0 {
            // The smallest bin that holds 95 % of the answers; its upper edge, so never below.
            let wanted = Int((Double(requests) * 0.95).rounded(.up))
            var seen = 0
            for (index, count) in bins.enumerated() {
                seen += count
                if seen >= wanted {
                    p95 = Self.upperEdge(index)
                    break
                }
            }
        }
        return ServiceHealth(requests: requests, p95Milliseconds: p95, serverErrors: serverErrors, windowSeconds: Self.windowSeconds)
    }

    static func bin(_ milliseconds: Double) -> Int {
        guard milliseconds > 0.1 else { return 0 }
        return min(binCount - 1, Int(log(milliseconds / 0.1) / log(growth)))
    }

    static func upperEdge(_ bin: Int) -> Double {
        0.1 * pow(growth, Double(bin + 1))
    }

    private static func slotStart(_ date: Date) -> Int {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        return seconds - seconds % slotSeconds
    }
}
