/* equiv_bz.c - the C runtime calls bzip2 makes on Windows, doing what bzip2 does with them
 * (test_equiv.c): files compressed and back with bzip2's first run-length stage, move-to-front
 * and a canonical Huffman code; files opened with fopen "rb"/"wb", checked with _fstat (a
 * regular file, its size), standard streams switched to binary with _setmode (bzip2's
 * SET_BINARY_MODE), the output given the input's times and permissions (utime, chmod: bzip2's
 * applySavedFileAttrToOutputFile), and a SIGINT handler that removes a half-written output
 * (bzip2's mySignalCatcher).  Built for Linux from the same source, it writes the same bytes.
 *
 *   equiv_bz -z FILE    FILE.bze, keeping FILE       equiv_bz -z   stdin to stdout
 *   equiv_bz -d FILE.bze  FILE.bze.out               equiv_bz -d   stdin to stdout
 *   equiv_bz -i FILE    starts FILE.bze, then raises SIGINT: the handler removes it */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <utime.h>
#ifdef _WIN32
#include <io.h>
#define SET_BINARY_MODE(f) _setmode(_fileno(f), _O_BINARY)
#define fstat_ _fstat
#define stat_ _stat
typedef struct _stat stat_t;
#else
#include <unistd.h>
#define SET_BINARY_MODE(f) ((void)(f))
#define fstat_ fstat
#define stat_ stat
typedef struct stat stat_t;
#endif

static const char *out_name; /* removed by the signal handler while being written */

static void on_interrupt(int sig)
{
    (void)sig;
    if (out_name && remove(out_name) == 0)
        fprintf(stderr, "equiv_bz: interrupted, removed the output\n");
    exit(1);
}

static void die(const char *what)
{
    fprintf(stderr, "equiv_bz: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- bzip2's first stage: runs of 4 to 255+4 bytes become 4 bytes and a count ---- */
static size_t rle1(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && in[i + run] == in[i] && run < 259)
            run++;
        if (run >= 4) {
            memset(out + o, in[i], 4);
            out[o + 4] = (unsigned char)(run - 4);
            o += 5;
        } else {
            memset(out + o, in[i], run);
            o += run;
        }
        i += run;
    }
    return o;
}

static size_t unrle1(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t same = 1;
        while (same < 4 && i + same < n && in[i + same] == in[i])
            same++;
        memset(out + o, in[i], same);
        o += same;
        i += same;
        if (same == 4) {
            memset(out + o, in[i - 1], in[i]);
            o += in[i++];
        }
    }
    return o;
}

static void mtf(unsigned char *b, size_t n, int inverse)
{
    unsigned char order[256];
    for (int i = 0; i < 256; i++)
        order[i] = (unsigned char)i;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        unsigned char c = inverse ? order[b[i]] : b[i];
        while (order[k] != c)
            k++;
        memmove(order + 1, order, (size_t)k);
        order[0] = c;
        b[i] = inverse ? c : (unsigned char)k;
    }
}

/* ---- canonical Huffman: lengths from the counts, codes from the lengths ---- */
static void code_lengths(const size_t *count, unsigned char *len)
{
    size_t w[512];
    int parent[512], alive[512], nodes = 0;
    for (int s = 0; s < 256; s++) {
        w[s] = count[s] ? count[s] : 0;
        alive[s] = count[s] > 0;
        parent[s] = -1;
    }
    nodes = 256;
    for (;;) {
        int a = -1, b = -1;
        for (int i = 0; i < nodes; i++)
            if (alive[i]) {
                if (a < 0 || w[i] < w[a])
                    b = a, a = i;
                else if (b < 0 || w[i] < w[b])
                    b = i;
            }
        if (b < 0)
            break;
        w[nodes] = w[a] + w[b], alive[nodes] = 1, parent[nodes] = -1;
        parent[a] = parent[b] = nodes, alive[a] = alive[b] = 0;
        nodes++;
    }
    for (int s = 0; s < 256; s++) {
        int d = 0;
        for (int p = s; parent[p] >= 0; p = parent[p])
            d++;
        len[s] = count[s] ? (unsigned char)(d ? d : 1) : 0;
    }
}

static void canonical(const unsigned char *len, unsigned *code)
{
    unsigned next = 0;
    for (int l = 1; l <= 32; l++, next <<= 1)
        for (int s = 0; s < 256; s++)
            if (len[s] == l)
                code[s] = next++;
}

struct bits { FILE *f; unsigned long long acc; int n; };

static void put_bits(struct bits *b, unsigned v, int n)
{
    b->acc = b->acc << n | v, b->n += n;
    while (b->n >= 8)
        fputc((int)(b->acc >> (b->n -= 8)) & 0xff, b->f);
}

static int get_bit(struct bits *b)
{
    if (b->n == 0) {
        int c = fgetc(b->f);
        if (c == EOF)
            return -1;
        b->acc = (unsigned)c, b->n = 8;
    }
    return (int)(b->acc >> --b->n) & 1;
}

static void put32(FILE *f, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        fputc((int)(v >> 8 * i) & 0xff, f);
}

static unsigned long get32(FILE *f)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++)
        v |= (unsigned long)(fgetc(f) & 0xff) << 8 * i;
    return v;
}

static unsigned char *slurp(FILE *in, size_t *n)
{
    size_t cap = 1 << 16;
    unsigned char *b = malloc(cap);
    *n = 0;
    for (size_t r; b && (r = fread(b + *n, 1, cap - *n, in)) > 0;)
        if ((*n += r) == cap)
            b = realloc(b, cap *= 2);
    if (!b || ferror(in))
        die("read");
    return b;
}

static void compress(FILE *in, FILE *out, int interrupt)
{
    size_t n;
    unsigned char *data = slurp(in, &n), *r = malloc(n / 4 * 5 + 8);
    size_t m = rle1(data, n, r), count[256] = {0};
    mtf(r, m, 0);
    for (size_t i = 0; i < m; i++)
        count[r[i]]++;
    unsigned char len[256];
    unsigned code[256] = {0};
    code_lengths(count, len);
    canonical(len, code);
    fwrite("BZe1", 1, 4, out);
    put32(out, (unsigned long)n);
    put32(out, (unsigned long)m);
    fwrite(len, 1, 256, out);
    if (interrupt)
        raise(SIGINT); /* half written: the handler removes it */
    struct bits b = {out, 0, 0};
    for (size_t i = 0; i < m; i++)
        put_bits(&b, code[r[i]], len[r[i]]);
    put_bits(&b, 0, 7);
    free(data), free(r);
}

static void decompress(FILE *in, FILE *out)
{
    char magic[4];
    if (fread(magic, 1, 4, in) != 4 || memcmp(magic, "BZe1", 4))
        fprintf(stderr, "equiv_bz: not a compressed file\n"), exit(2);
    size_t n = get32(in), m = get32(in);
    unsigned char len[256], *r = malloc(m + 1), *data = malloc(n + 1);
    unsigned code[256] = {0};
    if (fread(len, 1, 256, in) != 256)
        die("header");
    canonical(len, code);
    struct bits b = {in, 0, 0};
    for (size_t i = 0; i < m; i++) {
        unsigned v = 0;
        int l = 0, s = -1;
        while (s < 0 && l < 32) {
            int bit = get_bit(&b);
            if (bit < 0)
                fprintf(stderr, "equiv_bz: truncated\n"), exit(2);
            v = v << 1 | (unsigned)bit, l++;
            for (int k = 0; k < 256 && s < 0; k++)
                if (len[k] == l && code[k] == v)
                    s = k;
        }
        r[i] = (unsigned char)s;
    }
    mtf(r, m, 1);
    if (unrle1(r, m, data) != n)
        fprintf(stderr, "equiv_bz: corrupt\n"), exit(2);
    fwrite(data, 1, n, out);
    free(r), free(data);
}

/* A named file: checked, compressed or expanded beside it, given its times and mode. */
static int one_file(const char *mode, const char *name)
{
    FILE *in = fopen(name, "rb");
    if (!in)
        die(name);
    stat_t st;
    if (fstat_(fileno(in), &st) != 0 || !(st.st_mode & S_IFREG))
        return fprintf(stderr, "equiv_bz: %s is not a regular file\n", name), 1;
    static char target[1024];
    snprintf(target, sizeof(target), "%s%s", name, mode[1] == 'd' ? ".out" : ".bze");
    FILE *out = fopen(target, "wb");
    if (!out)
        die(target);
    out_name = target;
    if (mode[1] == 'd')
        decompress(in, out);
    else
        compress(in, out, mode[1] == 'i');
    if (fclose(out) != 0)
        die(target);
    out_name = NULL;
    fclose(in);
    struct utimbuf t = {st.st_atime, st.st_mtime};
    if (utime(target, &t) != 0 || chmod(target, st.st_mode & 0777) != 0)
        die("attributes");
    printf("%s: %ld -> ", name, (long)st.st_size);
    if (stat_(target, &st) != 0)
        die(target);
    printf("%ld bytes\n", (long)st.st_size);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGINT, on_interrupt);
    if (argc < 2 || argv[1][0] != '-' || !strchr("zdi", argv[1][1]))
        return fprintf(stderr, "usage: equiv_bz -z|-d|-i [FILE]\n"), 2;
    if (argc == 3)
        return one_file(argv[1], argv[2]);
    SET_BINARY_MODE(stdin);
    SET_BINARY_MODE(stdout);
    if (argv[1][1] == 'd')
        decompress(stdin, stdout);
    else
        compress(stdin, stdout, 0);
    return 0;
}
