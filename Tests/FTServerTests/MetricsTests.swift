import FTModel
import FTSeed
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FTServer

@Suite struct MetricsTests {
    /// The window's p95 is read from logarithmic bins: never below the true value, at most one
    /// bin (8 %) above it; what is older than five minutes has left it.
    @Test func theWindowsP95IsWithinOneBinAndAgesOut() {
        let statistics = RequestStatistics()
        let start = Date(timeIntervalSince1970: 1_796_400_000)
        for value in 1...100 { statistics.record(milliseconds: Double(value), api: true, serverError: false, at: start) }
        statistics.record(milliseconds: 3, api: false, serverError: true, at: start)
        let health = statistics.health(at: start.addingTimeInterval(30))
        #expect(health.requests == 100)
        #expect(health.serverErrors == 1)
        let p95 = health.p95Milliseconds ?? 0
        #expect(p95 >= 95 && p95 <= 95 * 1.08 * 1.08, "p95 \(p95)")
        let later = statistics.health(at: start.addingTimeInterval(301))
        #expect(later.requests == 0 && later.serverErrors == 0 && later.p95Milliseconds == nil)
    }

    /// In the router's tests no connection is the machine's own: /metrics asks for an admin.
    @Test func metricsAreForAdminsAndCountTheRequests() async throws {
        let fixture = try ServerFixture()
        try await fixture.app.test(.router) { client in
            let anonymous = try await client.executeRequest(uri: "/metrics", method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .unauthorized)
            let clientToken = try await ServerFixture.signIn(client, DemoAccounts.client)
            let refused = try await client.executeRequest(uri: "/metrics", method: .get, headers: ServerFixture.headers(clientToken), body: nil)
            #expect(refused.status == .forbidden)
            let adminToken = try await ServerFixture.signIn(client, DemoAccounts.admin)
            let page = try await client.executeRequest(uri: "/metrics", method: .get, headers: ServerFixture.headers(adminToken), body: nil)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: page.body)
            #expect(text.contains(#"ft_http_request_duration_seconds_count{route="/api/v1/session",method="POST",status="201"} 2"#), "\(text.prefix(2_000))")
            #expect(text.contains(#"ft_http_request_duration_seconds_count{route="/metrics",method="GET",status="401"} 1"#))
        }
    }
}
