// The floor under `make bench`'s e-mail measure (.ci/bench-mail.py): an SMTP sender that does no
// work at all. CONNECTIONS processes each send their share of MESSAGES e-mails of SIZE bytes to
// floor@bench.invalid on 127.0.0.1:PORT (MAIL, RCPT, DATA, one command at a time, as a sender
// must when the server does not offer PIPELINING) over one SMTP session each (`session`), or
// over a session of their own per e-mail (`each`: connect, EHLO, the e-mail, QUIT). Prints
// "N e-mails in S s: R e-mails/s".
//
// Usage: smtp-floor PORT CONNECTIONS MESSAGES SIZE session|each
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buffer[4096];
static size_t buffered;

static void fail(const char *what) {
    perror(what);
    exit(1);
}

static void put(int fd, const char *text, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, text, length);
        if (n <= 0) fail("write");
        text += n;
        length -= (size_t)n;
    }
}

// Reads one reply (its continuation lines too); exits unless its code starts with `expected`.
static void reply(int fd, char expected) {
    for (;;) {
        char *end;
        while ((end = memchr(buffer, '\n', buffered)) == NULL) {
            ssize_t n = read(fd, buffer + buffered, sizeof buffer - buffered);
            if (n <= 0) fail("read");
            buffered += (size_t)n;
        }
        size_t line = (size_t)(end - buffer) + 1;
        if (line < 4 || buffer[0] != expected) {
            fprintf(stderr, "unexpected reply: %.*s", (int)line, buffer);
            exit(1);
        }
        int more = buffer[3] == '-';
        memmove(buffer, buffer + line, buffered - line);
        buffered -= line;
        if (!more) return;
    }
}

static void command(int fd, const char *line, char expected) {
    put(fd, line, strlen(line));
    reply(fd, expected);
}

static int open_session(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) fail("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
    buffered = 0;
    reply(fd, '2');
    command(fd, "EHLO floor.bench.invalid\r\n", '2');
    return fd;
}

static void close_session(int fd) {
    command(fd, "QUIT\r\n", '2');
    close(fd);
}

static void send_mail(int fd, const char *message, size_t length) {
    command(fd, "MAIL FROM:<notifications@financialtracker.example>\r\n", '2');
    command(fd, "RCPT TO:<floor@bench.invalid>\r\n", '2');
    command(fd, "DATA\r\n", '3');
    put(fd, message, length);
    reply(fd, '2');
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT CONNECTIONS MESSAGES SIZE session|each\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]), connections = atoi(argv[2]), messages = atoi(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    int reuse = strcmp(argv[5], "session") == 0;
    if (connections < 1 || messages < connections || size < 200) {
        fprintf(stderr, "CONNECTIONS at least 1, MESSAGES at least CONNECTIONS, SIZE at least 200\n");
        return 2;
    }
    // An e-mail of SIZE bytes: headers, then 76-character lines, then the lone dot.
    char *message = malloc(size + 8);
    if (message == NULL) fail("malloc");
    size_t length = (size_t)snprintf(message, size, "From: <notifications@financialtracker.example>\r\nTo: <floor@bench.invalid>\r\nSubject: floor\r\n\r\n");
    while (length + 78 + 5 <= size) {
        memset(message + length, 'x', 76);
        memcpy(message + length + 76, "\r\n", 2);
        length += 78;
    }
    memcpy(message + length, ".\r\n", 3);
    length += 3;

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int c = 0; c < connections; c++) {
        pid_t child = fork();
        if (child < 0) fail("fork");
        if (child == 0) {
            int share = messages / connections + (c < messages % connections);
            int fd = reuse ? open_session(port) : -1;
            for (int i = 0; i < share; i++) {
                if (!reuse) fd = open_session(port);
                send_mail(fd, message, length);
                if (!reuse) close_session(fd);
            }
            if (reuse) close_session(fd);
            _exit(0);
        }
    }
    int failed = 0;
    for (int c = 0; c < connections; c++) {
        int status;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (failed) {
        fprintf(stderr, "a sender failed\n");
        return 1;
    }
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%d e-mails in %.3f s: %.0f e-mails/s\n", messages, seconds, messages / seconds);
    return 0;
}
