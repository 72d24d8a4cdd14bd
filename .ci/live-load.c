// Live delivery from a C client: 500 WebSocket connections on /api/v1/sync/live (half as the demo
// client, half as the demo expert), one thread and epoll, while the same program pushes 200
// one-message pushes 20 ms apart, as `.ci/load.mjs live` does. It prints the same line: the time
// from each push sent to each connection's receipt of that message. Node's client spends about
// 35 µs of CPU per frame it reads, on the same two cores as the server: 500 frames a message
// took it about 18 ms, which its own measure counted as the server's delay (and `wrk` replaced it
// for the pushes for the same reason). This one spends a few µs.
//
//   cc -O2 -o /tmp/live-load .ci/live-load.c
//   /tmp/live-load PORT CLIENT_TOKEN EXPERT_TOKEN CONVERSATION CURSOR [connections=500] [messages=200]
//
// CONVERSATION: one both users see; CURSOR: the newest change (the connections start up to date).
// Exits 1 if a frame is missing, the server refuses something, or a connection closes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  char *buffer;
  size_t used, capacity;
  int welcomed;
} Connection;

static int port, connectionCount = 500, messageCount = 200;
static const char *prefix;  // `"id":"live-<run>-` in a changes frame: one per message
static double *sentAt;
static double *latencies;
static long latencyCount;

static void fail(const char *format, ...) {
  va_list arguments;
  va_start(arguments, format);
  fprintf(stderr, "live-load: ");
  vfprintf(stderr, format, arguments);
  fprintf(stderr, "\n");
  va_end(arguments);
  exit(1);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int connectTo(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("cannot connect to port %d: %s", port, strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void writeAll(int fd, const char *bytes, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, bytes, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) fail("write: %s", strerror(errno));
    bytes += written;
    length -= (size_t)written;
  }
}

// A masked text frame, as a client must send.
static void sendText(int fd, const char *text) {
  size_t length = strlen(text);
  unsigned char header[8] = {0x81};
  size_t headerLength;
  if (length < 126) {
    header[1] = 0x80 | (unsigned char)length;
    headerLength = 2;
  } else {
    header[1] = 0x80 | 126;
    header[2] = (unsigned char)(length >> 8);
    header[3] = (unsigned char)length;
    headerLength = 4;
  }
  unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  memcpy(header + headerLength, mask, 4);
  headerLength += 4;
  char *frame = malloc(headerLength + length);
  memcpy(frame, header, headerLength);
  for (size_t i = 0; i < length; i++) frame[headerLength + i] = text[i] ^ mask[i % 4];
  writeAll(fd, frame, headerLength + length);
  free(frame);
}

static void append(Connection *connection, const char *bytes, size_t length) {
  // One byte more than used, always: `readFrames` borrows the byte after a frame.
  if (connection->used + length + 1 > connection->capacity) {
    connection->capacity = (connection->used + length + 1) * 2;
    connection->buffer = realloc(connection->buffer, connection->capacity);
  }
  memcpy(connection->buffer + connection->used, bytes, length);
  connection->used += length;
}

// Reads the complete frames in the connection's buffer; returns after the last complete one.
static void readFrames(Connection *connection, double receivedAt) {
  size_t offset = 0;
  unsigned char *bytes = (unsigned char *)connection->buffer;
  while (connection->used - offset >= 2) {
    int opcode = bytes[offset] & 0x0f;
    size_t length = bytes[offset + 1] & 0x7f, header = 2;
    if (bytes[offset + 1] & 0x80) fail("the server sent a masked frame");
    if (length == 126) {
      if (connection->used - offset < 4) break;
      length = ((size_t)bytes[offset + 2] << 8) | bytes[offset + 3];
      header = 4;
    } else if (length == 127) {
      if (connection->used - offset < 10) break;
      length = 0;
      for (int i = 0; i < 8; i++) length = (length << 8) | bytes[offset + 2 + i];
      header = 10;
    }
    if (connection->used - offset < header + length) break;
    char *payload = connection->buffer + offset + header;
    if (opcode == 0x8) fail("the server closed a connection: %.*s", (int)(length > 2 ? length - 2 : 0), payload + 2);
    if (opcode == 0x1) {
      char saved = payload[length];
      payload[length] = 0;  // the byte after the frame is ours to borrow (put back below)
      if (!connection->welcomed && strstr(payload, "\"type\":\"welcome\"")) {
        connection->welcomed = 1;
      } else if (strstr(payload, "\"type\":\"error\"")) {
        fail("the server sent an error: %s", payload);
      } else {
        size_t prefixLength = strlen(prefix);
        for (char *found = strstr(payload, prefix); found; found = strstr(found + prefixLength, prefix)) {
          long index = strtol(found + prefixLength, 0, 10);
          if (index >= 0 && index < messageCount && sentAt[index] > 0) latencies[latencyCount++] = receivedAt - sentAt[index];
        }
      }
      payload[length] = saved;
    }
    offset += header + length;
  }
  memmove(connection->buffer, connection->buffer + offset, connection->used - offset);
  connection->used -= offset;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double percentile(double p) {
  long index = (long)(latencyCount * p + 0.999999) - 1;
  if (index < 0) index = 0;
  if (index >= latencyCount) index = latencyCount - 1;
  return latencies[index];
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: live-load PORT CLIENT_TOKEN EXPERT_TOKEN CONVERSATION CURSOR [connections=500] [messages=200]\n");
    return 2;
  }
  port = atoi(argv[1]);
  const char *tokens[2] = {argv[2], argv[3]};
  const long conversation = atol(argv[4]), cursor = atol(argv[5]);
  if (argc > 6) connectionCount = atoi(argv[6]);
  if (argc > 7) messageCount = atoi(argv[7]);
  char prefixText[64];
  const long run = (long)time(0);
  snprintf(prefixText, sizeof prefixText, "\"id\":\"live-%ld-", run);
  prefix = prefixText;
  sentAt = calloc(messageCount, sizeof *sentAt);
  latencies = calloc((size_t)connectionCount * messageCount * 2, sizeof *latencies);

  int poll = epoll_create1(0);
  Connection *connections = calloc(connectionCount, sizeof *connections);
  char text[4096];
  for (int i = 0; i < connectionCount; i++) {
    Connection *connection = &connections[i];
    connection->fd = connectTo();
    int length = snprintf(text, sizeof text,
        "GET /api/v1/sync/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
    writeAll(connection->fd, text, (size_t)length);
    // The upgrade's answer, then whatever follows it (the start of a frame) into the buffer.
    size_t used = 0;
    char *end = 0;
    while (!end) {
      ssize_t got = read(connection->fd, text + used, sizeof text - 1 - used);
      if (got <= 0) fail("connection %d: no upgrade answer", i);
      used += (size_t)got;
      text[used] = 0;
      end = strstr(text, "\r\n\r\n");
    }
    if (strncmp(text, "HTTP/1.1 101", 12) != 0) fail("connection %d: upgrade refused: %.*s", i, (int)(strchr(text, '\r') - text), text);
    append(connection, end + 4, used - (size_t)(end + 4 - text));
    snprintf(text, sizeof text, "{\"type\":\"hello\",\"protocol\":1,\"token\":\"%s\",\"cursor\":%ld}", tokens[i % 2], cursor);
    sendText(connection->fd, text);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = connection};
    epoll_ctl(poll, EPOLL_CTL_ADD, connection->fd, &event);
  }

  // The push connection, in the same loop: its answer is read as it comes.
  int pushFd = connectTo();
  Connection push = {.fd = pushFd};
  struct epoll_event pushEvent = {.events = EPOLLIN, .data.ptr = &push};
  epoll_ctl(poll, EPOLL_CTL_ADD, pushFd, &pushEvent);

  enum { CONNECTING, SETTLING, PUSHING, WAITING_ANSWER, PAUSING, DRAINING } phase = CONNECTING;
  double phaseEnds = now() + 60e3;
  int welcomed = 0, sent = 0;
  struct epoll_event events[256];
  char chunk[65536];
  while (1) {
    double current = now();
    if (phase == CONNECTING && current > phaseEnds) fail("only %d of %d connections welcomed after 60 s", welcomed, connectionCount);
    if (phase == SETTLING && current >= phaseEnds) phase = PUSHING;
    if (phase == PAUSING && current >= phaseEnds) phase = PUSHING;
    if (phase == DRAINING && current >= phaseEnds) break;
    if (phase == PUSHING) {
      char body[1024];
      int bodyLength = snprintf(body, sizeof body,
          "{\"operations\":[{\"id\":\"live-%ld-%d\",\"collection\":\"message\",\"action\":\"insert\",\"record\":\"live-%ld-%d\","
          "\"fields\":{\"conversation\":%ld,\"body\":\"en direct %d\"},\"hlc\":\"%016ld-%05d-live\"}]}",
          run, sent, run, sent, conversation, sent, (long)time(0) * 1000, sent % 100000);
      int length = snprintf(text, sizeof text,
          "POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\nFT-Protocol: 1\r\n"
          "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", port, tokens[0], bodyLength, body);
      sentAt[sent] = now();
      writeAll(pushFd, text, (size_t)length);
      sent += 1;
      phase = WAITING_ANSWER;
    }
    int timeout = phase == WAITING_ANSWER ? 1000 : (int)(phaseEnds - current) + 1;
    if (timeout < 0) timeout = 0;
    int ready = epoll_wait(poll, events, 256, timeout);
    if (ready < 0 && errno == EINTR) continue;
    double receivedAt = now();
    for (int e = 0; e < ready; e++) {
      Connection *connection = events[e].data.ptr;
      ssize_t got = read(connection->fd, chunk, sizeof chunk);
      if (got <= 0) fail("a connection closed (%s)", got < 0 ? strerror(errno) : "end of stream");
      append(connection, chunk, (size_t)got);
      if (connection == &push) {
        push.buffer[push.used] = 0;  // `append` leaves room for it
        char *end = strstr(push.buffer, "\r\n\r\n");
        char *lengthHeader = strcasestr(push.buffer, "Content-Length:");
        if (!end || !lengthHeader) continue;
        size_t total = (size_t)(end + 4 - push.buffer) + (size_t)atol(lengthHeader + 15);
        if (push.used < total) continue;
        if (strncmp(push.buffer, "HTTP/1.1 200", 12) != 0 || strstr(end, "\"rejected\"")) fail("push refused: %.*s", (int)push.used, push.buffer);
        push.used -= total;
        memmove(push.buffer, push.buffer + total, push.used);
        // The next push 20 ms after this answer; after the last, a second for the stragglers.
        phase = sent < messageCount ? PAUSING : DRAINING;
        phaseEnds = now() + (sent < messageCount ? 20 : 1e3);
        continue;
      }
      int before = connection->welcomed;
      readFrames(connection, receivedAt);
      if (!before && connection->welcomed && ++welcomed == connectionCount) {
        // Let each connection finish its catch-up.
        phase = SETTLING;
        phaseEnds = now() + 1e3;
      }
    }
    if (phase == SETTLING) latencyCount = 0;
  }
  long expected = (long)connectionCount * messageCount;
  qsort(latencies, latencyCount, sizeof *latencies, compare);
  printf("live delivery to %d connections (C client), %d messages: %ld/%ld received; from push sent to receipt p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
         connectionCount, messageCount, latencyCount, expected, percentile(0.5), percentile(0.99), latencyCount ? latencies[latencyCount - 1] : 0);
  return latencyCount == expected ? 0 : 1;
}
