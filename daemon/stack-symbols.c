/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"
#include "generic.h" /* bpf/generic.h: TG_GENERIC_STACK_DEPTH */
#include "macro.h"
#include "stack-symbols.h"

#define KALLSYMS_MAX (64U << 20)
#define MAPS_MAX (4U << 20)
#define ELF_CACHE_MAX 64

typedef struct KernelSymbol {
        uint64_t address;
        const char *name;   /* in StackSymbols.kallsyms */
        const char *module; /* likewise; NULL for the kernel itself */
} KernelSymbol;

typedef struct ElfSymbol {
        uint64_t value, size;
        const char *name; /* in ElfFile.names */
} ElfSymbol;

typedef struct ElfLoad {
        uint64_t offset, vaddr, filesz;
} ElfLoad;

/* The symbols of one file, known by its device, inode and change time. */
typedef struct ElfFile {
        dev_t dev;
        ino_t ino;
        struct timespec ctime;
        ElfSymbol *symbols;
        size_t n_symbols;
        ElfLoad *loads;
        size_t n_loads;
        char *names;
        size_t names_size, names_used;
} ElfFile;

typedef struct Mapping {
        uint64_t start, end, pgoff;
        const char *path; /* in StackSymbols.maps */
} Mapping;

struct StackSymbols {
        bool elf_ready; /* libelf agreed to our ELF version: user frames can be named */
        bool kallsyms_read;
        char *kallsyms;
        KernelSymbol *kernel;
        size_t n_kernel;

        ElfFile *files[ELF_CACHE_MAX];
        size_t n_files;

        char *maps; /* the last process's /proc/PID/maps, kept for the modules' names */
        Mapping *mappings;
        size_t n_mappings;

        EventStackFrame kernel_frames[TG_GENERIC_STACK_DEPTH];
        EventStackFrame user_frames[TG_GENERIC_STACK_DEPTH];
};

static ElfFile *elf_file_free(ElfFile *f) {
        if (!f)
                return NULL;
        free(f->symbols);
        free(f->loads);
        free(f->names);
        return mfree(f);
}

int stack_symbols_new(StackSymbols **ret) {
        StackSymbols *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->elf_ready = elf_version(EV_CURRENT) != EV_NONE;
        *ret = s;
        return 0;
}

StackSymbols *stack_symbols_free(StackSymbols *s) {
        if (!s)
                return NULL;
        free(s->kallsyms);
        free(s->kernel);
        for (size_t i = 0; i < s->n_files; i++)
                elf_file_free(s->files[i]);
        free(s->maps);
        free(s->mappings);
        return mfree(s);
}

static void read_address(const void *addrs, size_t i, uint64_t *ret) {
        memcpy(ret, (const char *) addrs + i * 8, 8);
}

/* ---- Kernel ---- */

static int kernel_symbol_compare(const void *a, const void *b) {
        const KernelSymbol *x = a, *y = b;

        return x->address < y->address ? -1 : x->address > y->address;
}

/* "ffffffff81000000 T _stext" or "ffffffffc0a01000 t fn\t[module]": functions only. */
static int kallsyms_parse(StackSymbols *s) {
        size_t n_allocated = 0;
        char *line = s->kallsyms, *next;

        for (; line && *line; line = next) {
                char *end, *name, *module = NULL, type;
                uint64_t address;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                errno = 0;
                address = strtoull(line, &end, 16);
                if (errno != 0 || end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
                        continue;
                type = end[1];
                if (type != 't' && type != 'T')
                        continue;
                name = end + 3;
                end = strchr(name, '\t');
                if (end) {
                        *end = '\0';
                        module = end + 1;
                        if (*module == '[')
                                module++;
                        end = strchr(module, ']');
                        if (end)
                                *end = '\0';
                }
                if (address == 0) /* kptr_restrict hides them all: nothing to name */
                        continue;
                if (s->n_kernel == n_allocated) {
                        size_t want = MAX(n_allocated * 2, (size_t) 4096);
                        KernelSymbol *p = reallocarray(s->kernel, want, sizeof(*p));

                        if (!p)
                                return -ENOMEM;
                        s->kernel = p;
                        n_allocated = want;
                }
                s->kernel[s->n_kernel++] = (KernelSymbol){ address, name, module };
        }
        qsort(s->kernel, s->n_kernel, sizeof(*s->kernel), kernel_symbol_compare);
        return 0;
}

static void kallsyms_load(StackSymbols *s) {
        _cleanup_close_ int fd = -EBADF;
        size_t size;

        /* Once: a failure leaves kernel frames with their addresses only. */
        s->kallsyms_read = true;
        fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, KALLSYMS_MAX, &s->kallsyms, &size) < 0)
                return;
        if (kallsyms_parse(s) < 0) {
                s->kernel = mfree(s->kernel);
                s->n_kernel = 0;
        }
}

const EventStackFrame *stack_symbols_kernel(StackSymbols *s, const void *addrs, size_t n) {
        if (!s->kallsyms_read)
                kallsyms_load(s);
        for (size_t i = 0; i < n && i < ELEMENTSOF(s->kernel_frames); i++) {
                EventStackFrame *f = &s->kernel_frames[i];
                size_t lo = 0, hi = s->n_kernel;

                *f = (EventStackFrame){};
                read_address(addrs, i, &f->address);
                /* The last symbol at or below the address. */
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (s->kernel[mid].address <= f->address)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo == 0)
                        continue;
                f->symbol = s->kernel[lo - 1].name;
                f->module = s->kernel[lo - 1].module;
                f->offset = f->address - s->kernel[lo - 1].address;
        }
        return s->kernel_frames;
}

/* ---- User ---- */

static int elf_symbol_compare(const void *a, const void *b) {
        const ElfSymbol *x = a, *y = b;

        return x->value < y->value ? -1 : x->value > y->value;
}

/* A copy of name in f->names; its offset there, as the buffer may move. */
static int elf_file_add_name(ElfFile *f, const char *name, size_t *ret_offset) {
        size_t len = strlen(name) + 1;

        if (f->names_size - f->names_used < len) {
                size_t want = MAX(f->names_size * 2, f->names_used + len + 4096);
                char *p = realloc(f->names, want);

                if (!p)
                        return -ENOMEM;
                f->names = p;
                f->names_size = want;
        }
        memcpy(f->names + f->names_used, name, len);
        *ret_offset = f->names_used;
        f->names_used += len;
        return 0;
}

static int elf_file_read_symbols(ElfFile *f, Elf *elf) {
        size_t n_allocated = 0;
        Elf_Scn *scn = NULL;
        bool has_symtab = false;

        /* .symtab names everything .dynsym does, and the static functions too. */
        while ((scn = elf_nextscn(elf, scn))) {
                GElf_Shdr shdr;

                if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB)
                        has_symtab = true;
        }
        while ((scn = elf_nextscn(elf, scn))) {
                GElf_Shdr shdr;
                Elf_Data *data;
                size_t n;

                if (!gelf_getshdr(scn, &shdr) ||
                    shdr.sh_type != (has_symtab ? SHT_SYMTAB : SHT_DYNSYM) || shdr.sh_entsize == 0)
                        continue;
                data = elf_getdata(scn, NULL);
                if (!data)
                        continue;
                n = shdr.sh_size / shdr.sh_entsize;
                for (size_t i = 0; i < n; i++) {
                        const char *name;
                        size_t at;
                        GElf_Sym sym;

                        if (!gelf_getsym(data, (int) i, &sym) ||
                            (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
                             GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC) ||
                            sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
                                continue;
                        name = elf_strptr(elf, shdr.sh_link, sym.st_name);
                        if (!name || !*name)
                                continue;
                        if (elf_file_add_name(f, name, &at) < 0)
                                return -ENOMEM;
                        if (f->n_symbols == n_allocated) {
                                size_t want = MAX(n_allocated * 2, (size_t) 256);
                                ElfSymbol *p = reallocarray(f->symbols, want, sizeof(*p));

                                if (!p)
                                        return -ENOMEM;
                                f->symbols = p;
                                n_allocated = want;
                        }
                        f->symbols[f->n_symbols++] =
                                (ElfSymbol){ sym.st_value, sym.st_size, (const char *) at };
                }
        }
        /* The names buffer has its final place now: offsets become pointers. */
        for (size_t i = 0; i < f->n_symbols; i++)
                f->symbols[i].name = f->names + (uintptr_t) f->symbols[i].name;
        qsort(f->symbols, f->n_symbols, sizeof(*f->symbols), elf_symbol_compare);
        return 0;
}

static int elf_file_read_loads(ElfFile *f, Elf *elf) {
        size_t n;

        if (elf_getphdrnum(elf, &n) < 0)
                return -EBADMSG;
        f->loads = calloc(MAX(n, (size_t) 1), sizeof(*f->loads));
        if (!f->loads)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                GElf_Phdr phdr;

                if (gelf_getphdr(elf, (int) i, &phdr) && phdr.p_type == PT_LOAD)
                        f->loads[f->n_loads++] =
                                (ElfLoad){ phdr.p_offset, phdr.p_vaddr, phdr.p_filesz };
        }
        return 0;
}

static int elf_file_read(const char *path, ElfFile **ret) {
        _cleanup_close_ int fd = -EBADF;
        ElfFile *f = NULL;
        struct stat st;
        Elf *elf;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->ctime = st.st_ctim;
        elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!elf || elf_kind(elf) != ELF_K_ELF)
                r = -EBADMSG;
        else {
                r = elf_file_read_loads(f, elf);
                if (r >= 0)
                        r = elf_file_read_symbols(f, elf);
        }
        if (elf)
                elf_end(elf);
        if (r < 0) {
                elf_file_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

/* The cached symbols of the file at path (the same file under any path, read again
 * when it changed). NULL when it cannot be read as ELF. */
static ElfFile *elf_file_get(StackSymbols *s, const char *path) {
        struct stat st;
        ElfFile *f = NULL;

        if (stat(path, &st) < 0)
                return NULL;
        for (size_t i = 0; i < s->n_files; i++) {
                f = s->files[i];
                if (f->dev == st.st_dev && f->ino == st.st_ino &&
                    f->ctime.tv_sec == st.st_ctim.tv_sec && f->ctime.tv_nsec == st.st_ctim.tv_nsec)
                        return f;
        }
        if (elf_file_read(path, &f) < 0)
                return NULL;
        if (s->n_files == ELF_CACHE_MAX) { /* full: start again, the busy ones come back */
                for (size_t i = 0; i < s->n_files; i++)
                        elf_file_free(s->files[i]);
                s->n_files = 0;
        }
        s->files[s->n_files++] = f;
        return f;
}

/* The function of f at file offset off, or NULL. */
static const char *elf_file_symbol(const ElfFile *f, uint64_t off) {
        size_t lo = 0, hi = f->n_symbols;
        uint64_t vaddr = 0;
        bool found = false;

        for (size_t i = 0; i < f->n_loads; i++)
                if (off >= f->loads[i].offset && off - f->loads[i].offset < f->loads[i].filesz) {
                        vaddr = off - f->loads[i].offset + f->loads[i].vaddr;
                        found = true;
                        break;
                }
        if (!found)
                return NULL;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (f->symbols[mid].value <= vaddr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        /* Aliases share a start: any of them whose size covers the address. */
        for (size_t i = lo; i > 0 && lo - i < 8; i--) {
                const ElfSymbol *sym = &f->symbols[i - 1];

                if (vaddr - sym->value < MAX(sym->size, (uint64_t) 1))
                        return sym->name;
        }
        return NULL;
}

/* "start-end perms offset dev inode path": the executable mappings of a file. */
static int maps_parse(StackSymbols *s) {
        size_t n_allocated = 0;
        char *line = s->maps, *next;

        s->n_mappings = 0;
        for (; line && *line; line = next) {
                uint64_t start, end, pgoff;
                char perms[5];
                int path_at = 0;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*s %*s %n", &start, &end,
                           perms, &pgoff, &path_at) < 4 ||
                    path_at == 0 || perms[2] != 'x' || line[path_at] != '/')
                        continue;
                if (s->n_mappings == n_allocated) {
                        size_t want = MAX(n_allocated * 2, (size_t) 32);
                        Mapping *p = reallocarray(s->mappings, want, sizeof(*p));

                        if (!p)
                                return -ENOMEM;
                        s->mappings = p;
                        n_allocated = want;
                }
                s->mappings[s->n_mappings++] = (Mapping){ start, end, pgoff, line + path_at };
        }
        return 0;
}

static void maps_load(StackSymbols *s, pid_t pid) {
        _cleanup_close_ int fd = -EBADF;
        char path[64];
        size_t size;

        s->maps = mfree(s->maps);
        s->n_mappings = 0;
        snprintf(path, sizeof(path), "/proc/%d/maps", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_full_fd(fd, MAPS_MAX, &s->maps, &size) < 0)
                return;
        if (maps_parse(s) < 0)
                s->n_mappings = 0;
}

const EventStackFrame *stack_symbols_user(StackSymbols *s, pid_t pid, const void *addrs, size_t n) {
        maps_load(s, pid);
        for (size_t i = 0; i < n && i < ELEMENTSOF(s->user_frames); i++) {
                EventStackFrame *f = &s->user_frames[i];
                const Mapping *m = NULL;
                char path[PATH_MAX];
                ElfFile *file;

                *f = (EventStackFrame){};
                read_address(addrs, i, &f->address);
                for (size_t k = 0; k < s->n_mappings; k++)
                        if (f->address >= s->mappings[k].start && f->address < s->mappings[k].end) {
                                m = &s->mappings[k];
                                break;
                        }
                if (!m)
                        continue;
                f->module = m->path;
                f->offset = f->address - m->start + m->pgoff;
                /* The file as the process sees it, in its own mount namespace. */
                if (snprintf(path, sizeof(path), "/proc/%d/root%s", (int) pid, m->path) >=
                    (int) sizeof(path))
                        continue;
                file = s->elf_ready ? elf_file_get(s, path) : NULL;
                if (file)
                        f->symbol = elf_file_symbol(file, f->offset);
        }
        return s->user_frames;
}
