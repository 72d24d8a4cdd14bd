internal import Foundation
public import Hummingbird

/// Times every answer, once its body is written, into `ServerMetrics`. A handler that throws is
/// counted with the status its error carries (500 for an error that carries none).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        do {
            var response = try await next(request, context)
            let status = response.status.code
            let route = context.endpointPath ?? (status == 404 ? "unmatched" : "static")
            // Once the body is written (Hummingbird's own `withPostWriteClosure` is package-only).
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { [metrics] writer in
                defer { metrics.record(route: route, method: method, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start, at: Date()) }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            let route = context.endpointPath ?? (status == 404 ? "unmatched" : "static")
            metrics.record(route: route, method: method, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - start, at: Date())
            throw error
        }
    }
}
