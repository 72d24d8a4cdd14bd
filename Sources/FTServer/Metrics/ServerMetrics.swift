public import FTModel
public import Foundation
internal import CoreMetrics
internal import Prometheus
internal import Synchronization

/// What `ft serve` measures about its own answers: swift-metrics timers and counters kept in a
/// Prometheus registry of this server's own (`GET /metrics`, Prometheus' text format), and the
/// last five minutes in `RequestStatistics` for the performance alert rules.
///
/// The registry is passed to each metric (swift-metrics' `factory:`), not bootstrapped into
/// `MetricsSystem`: the global can be set once per process, and tests run many servers in one.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let recent = RequestStatistics()
    /// Each route, method and status's timer, made once: making one looks it up in the registry
    /// under the registry's lock, on every answer (22 % of `/healthz`'s throughput, measured).
    private let timers = Mutex<[TimerKey: CoreMetrics.Timer]>([:])

    struct TimerKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// The last five minutes, as the performance rules see them.
    public func health(at date: Date = Date()) -> ServiceHealth {
        recent.health(at: date)
    }

    /// One answer. `route`: the route's pattern (bounded: never the path as sent).
    func record(route: String, method: String, status: Int, nanoseconds: UInt64, at date: Date) {
        timer(TimerKey(route: route, method: method, status: status)).recordNanoseconds(Int64(clamping: nanoseconds))
        let serverError = status >= 500
        if serverError {
            Counter(label: "ft_http_server_errors_total", dimensions: [("route", route), ("method", method)], factory: factory).increment()
        }
        // The live channel's upgrade lasts as long as the connection: not a response time.
        let api = route.hasPrefix("/api/") && route != "/api/v1/sync/live"
        recent.record(milliseconds: Double(nanoseconds) / 1_000_000, api: api, serverError: serverError, at: date)
    }

    private func timer(_ key: TimerKey) -> CoreMetrics.Timer {
        if let timer = timers.withLock({ $0[key] }) { return timer }
        // Made outside the lock; two answers racing make two handles on the registry's one metric.
        let timer = CoreMetrics.Timer(
            label: "ft_http_request_duration_seconds", dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))], factory: factory
        )
        timers.withLock { $0[key] = $0[key] ?? timer }
        return timer
    }

    /// Prometheus' text exposition format, version 0.0.4.
    func exposition() -> [UInt8] {
        let health = recent.health(at: Date())
        Gauge(label: "ft_api_p95_seconds_5m", factory: factory).record((health.p95Milliseconds ?? 0) / 1_000)
        Gauge(label: "ft_api_requests_5m", factory: factory).record(Double(health.requests))
        return registry.emitToBuffer()
    }
}
