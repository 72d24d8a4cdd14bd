// A push service for `make bench` (.ci/bench-notify.py): takes every POST with 201, counts them
// and when the first and last came; GET /stats answers {"count", "first", "last"} (ms). POSTs to
// /p/floor (the floor measured with wrk) are answered the same and not counted; POST /reset
// starts the count again.
import { createServer } from "node:http";

let count = 0;
let first = 0;
let last = 0;
const server = createServer((request, response) => {
  if (request.method === "POST" && request.url === "/reset") {
    count = 0;
    first = 0;
    last = 0;
    response.writeHead(204);
    response.end();
    return;
  }
  if (request.method === "GET" && request.url === "/stats") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ count, first, last }));
    return;
  }
  request.on("data", () => {});
  request.on("end", () => {
    if (request.url === "/p/floor") {
      response.writeHead(201, { "content-length": "0" });
      response.end();
      return;
    }
    const now = performance.timeOrigin + performance.now();
    if (count === 0) first = now;
    last = now;
    count += 1;
    response.writeHead(201, { "content-length": "0" });
    response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), "127.0.0.1");
