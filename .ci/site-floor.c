// The file system's floor under a full site build: recreates an already-generated site (same
// folders, same files, same bytes, all read into memory first) into a new folder the way
// FTSite's SiteWriter writes a new one: a hidden staging folder beside it, the folders made by a
// thread of their own while N workers write the files (open O_EXCL, write, close; a folder not
// made yet is made on the spot), then one rename into place. After `sync; sleep 2` it times only
// that part, so that `ft generate`'s time can be read as this floor plus our own CPU.
//
//   cc -O2 -pthread -o /tmp/site-floor .ci/site-floor.c
//   /tmp/site-floor SITE_DIR NEW_DIR [workers=2] [concurrent|foldersfirst|nofolderthread]
//
// Run it interleaved with `ft generate` full builds (and Hugo's, see bench.sh). 10,000-expert
// site (10,061 files, 10,061 folders, 164.5 MB), 2 cores, 5 interleaved runs: floor 0.603 s
// median (0.58-0.76; folders alone 0.42 s), ft generate 1.46 s, Hugo 8.77 s for 12,884 pages
// (Hugo's own tree through this program: 0.78 s).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct { char *path; char *bytes; size_t size; } File;
static File *files; static size_t nfiles, capfiles;
static char **dirs; static size_t ndirs, capdirs;
static size_t rootlen; static char stage[4096];
static atomic_size_t next_file;
static size_t total_bytes;

static int visit(const char *p, const struct stat *st, int type, struct FTW *ftw) {
    (void)ftw;
    if (strlen(p) == rootlen) return 0;
    const char *rel = p + rootlen + 1;
    if (type == FTW_D) {
        if (ndirs == capdirs) { capdirs = capdirs ? capdirs * 2 : 1024; dirs = realloc(dirs, capdirs * sizeof *dirs); }
        dirs[ndirs++] = strdup(rel);
    } else if (type == FTW_F) {
        if (nfiles == capfiles) { capfiles = capfiles ? capfiles * 2 : 1024; files = realloc(files, capfiles * sizeof *files); }
        File f = { strdup(rel), malloc(st->st_size ? st->st_size : 1), (size_t)st->st_size };
        int fd = open(p, O_RDONLY); size_t off = 0;
        while (off < f.size) { ssize_t r = read(fd, f.bytes + off, f.size - off); if (r <= 0) { perror(p); exit(1); } off += r; }
        close(fd); total_bytes += f.size;
        files[nfiles++] = f;
    }
    return 0;
}
static int cmpfile(const void *a, const void *b) { return strcmp(((const File *)a)->path, ((const File *)b)->path); }

// Joins a and b with a slash into buf; a path that does not fit stops the program.
static void join(char *buf, size_t size, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la + 1 + lb + 1 > size) { fprintf(stderr, "path too long: %s/%s\n", a, b); exit(1); }
    memcpy(buf, a, la); buf[la] = '/'; memcpy(buf + la + 1, b, lb + 1);
}

static void mkdirs(char *path) { // mkdir -p, path modified temporarily
    if (mkdir(path, 0755) == 0 || errno == EEXIST) return;
    char *slash = strrchr(path, '/'); if (!slash) return;
    *slash = 0; mkdirs(path); *slash = '/'; mkdir(path, 0755);
}
static void *folder_thread(void *arg) {
    (void)arg; char buf[8192];
    for (size_t i = 0; i < ndirs; i++) { join(buf, sizeof buf, stage, dirs[i]); mkdirs(buf); }
    return NULL;
}
static void *worker(void *arg) {
    (void)arg; char buf[8192];
    for (;;) {
        size_t i = atomic_fetch_add(&next_file, 1); if (i >= nfiles) break;
        join(buf, sizeof buf, stage, files[i].path);
        int fd = open(buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ENOENT) { char *s = strrchr(buf, '/'); *s = 0; mkdirs(buf); *s = '/'; fd = open(buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644); }
        if (fd < 0) { perror(buf); exit(1); }
        size_t off = 0;
        while (off < files[i].size) { ssize_t w = write(fd, files[i].bytes + off, files[i].size - off); if (w < 0) { if (errno == EINTR) continue; perror("write"); exit(1); } off += w; }
        if (close(fd)) { perror("close"); exit(1); }
    }
    return NULL;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: floor SITE OUT [workers] [mode]\n"); return 2; }
    const char *site = argv[1], *out = argv[2];
    int workers = argc > 3 ? atoi(argv[3]) : 2;
    const char *mode = argc > 4 ? argv[4] : "concurrent";
    rootlen = strlen(site); while (rootlen > 1 && site[rootlen - 1] == '/') rootlen--;
    if (nftw(site, visit, 64, FTW_PHYS)) { perror("nftw"); return 1; }
    qsort(files, nfiles, sizeof *files, cmpfile);
    sync(); sleep(2);
    struct rusage r0, r1; getrusage(RUSAGE_SELF, &r0);
    double t0 = now();
    char parent[4096]; snprintf(parent, sizeof parent, "%s", out);
    char *slash = strrchr(parent, '/'); const char *name = slash ? slash + 1 : parent;
    if (slash) *slash = 0;
    if ((size_t)snprintf(stage, sizeof stage, "%s/.%s.ft-staging-%d", slash ? parent : ".", name, (int)getpid()) >= sizeof stage) {
        fprintf(stderr, "path too long: %s\n", out);
        return 1;
    }
    if (mkdir(stage, 0777)) { perror(stage); return 1; }
    pthread_t ft = 0, w[64];
    double tf = 0;
    if (!strcmp(mode, "foldersfirst")) { folder_thread(NULL); tf = now(); }
    else if (!strcmp(mode, "concurrent")) pthread_create(&ft, NULL, folder_thread, NULL);
    for (int i = 0; i < workers; i++) pthread_create(&w[i], NULL, worker, NULL);
    for (int i = 0; i < workers; i++) pthread_join(w[i], NULL);
    if (ft) pthread_join(ft, NULL);
    if (rename(stage, out)) { perror("rename"); return 1; }
    double t1 = now(); getrusage(RUSAGE_SELF, &r1);
    printf("floor %s workers=%d: %zu files, %zu folders, %.1f MB in %.3f s%s (user %.3f s, sys %.3f s)\n",
           mode, workers, nfiles, ndirs, total_bytes / 1e6, t1 - t0, "",
           tv(r1.ru_utime) - tv(r0.ru_utime), tv(r1.ru_stime) - tv(r0.ru_stime));
    if (tf) printf("  folders alone took %.3f s\n", tf - t0);
    return 0;
}
